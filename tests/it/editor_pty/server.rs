//! What the server did, told as the subcommands tell it: a refused value, an
//! unsupported region, a lost answer; two editors on one tenant; readline
//! keys and the draft offer.

use super::*;

/// Edits timezone, sends it with `fault` on the PUT (the re-read before it
/// is answered as usual).
fn send_timezone_with(env: &Env, pty: &mut Pty, fault: exoset_sim::Fault) {
    use exoset_sim::Fault;
    go_to(pty, '3', "timezone");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    env.sim.inject(Fault::Delay(Duration::ZERO), 1);
    env.sim.inject(fault, 1);
    pty.type_str("y");
}

#[test]
fn a_refused_value_shows_the_servers_words_marks_the_key_and_keeps_the_draft() {
    use exoset_sim::Fault;
    let env = Env::new();
    let mut pty = env.editor(&[]);
    send_timezone_with(
        &env,
        &mut pty,
        Fault::error(400, Some(5), "timezone not allowed"),
    );
    let screen = pty.wait_for("Not applied", WAIT);
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "the server refused a value",
        "HTTP 400, code 5",
        "timezone not allowed",
        "Your changes are kept",
        "! refused by the server",
    ] {
        assert!(words.contains(part), "{part} missing:\n{screen}");
    }
    assert_eq!(env.value("common.timezone").as_deref(), Some("IST"));
    let code = interrupt(&mut pty);
    assert_eq!(code, 2, "a refused value: exit 2, as `exoset set` would");
    assert!(
        draft_on_disk(env.home.path()),
        "the edit is kept as a draft"
    );
}

#[test]
fn an_unsupported_region_is_named_with_the_value_sent() {
    use exoset_sim::Quirks;
    let env = Env::new();
    env.sim.set_quirks(Quirks {
        regions: Some(vec!["KA".into()]),
        ..Quirks::default()
    });
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "default_region");
    pty.type_str(&format!("{ENTER}\x7f\x7fDL{ENTER}"));
    pty.wait_for("3 Common *1", WAIT);
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("y");
    let screen = pty.wait_for("Not applied", WAIT);
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "common.default_region \"DL\" was refused",
        "does not support the region code",
        "code 15",
    ] {
        assert!(words.contains(part), "{part} missing:\n{screen}");
    }
    assert_eq!(interrupt(&mut pty), 2);
    assert!(draft_on_disk(env.home.path()));
}

#[test]
fn a_lost_answer_is_an_unknown_outcome_and_the_next_read_tells_what_the_server_holds() {
    use exoset_sim::Fault;
    let env = Env::new();
    let mut pty = env.editor(&[]);
    // Applied, then the connection drops: the re-read finds it there.
    send_timezone_with(&env, &mut pty, Fault::DropAfterApply);
    let screen = pty.wait_for("was applied", WAIT);
    assert!(!screen.contains("Not sent"), "{screen}");
    // The read also settled the history entry recorded as unknown, and says
    // so beside what the server holds, not in its place.
    let screen = pty.wait_for("recorded as applied", WAIT);
    assert!(screen.contains("was applied: the server holds"), "{screen}");
    assert_eq!(env.sim.put_count(), 1, "never sent again on its own");
    assert_eq!(env.value("common.timezone").as_deref(), Some("UTC"));

    // A gateway error without the envelope: maybe applied, in fact not.
    send_timezone_with(
        &env,
        &mut pty,
        Fault::Raw {
            status: 504,
            body: "gateway timeout".into(),
        },
    );
    let screen = pty.wait_for("was not applied", WAIT);
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Your changes are kept"), "{screen}");
    assert_eq!(env.sim.put_count(), 2);
    assert_eq!(interrupt(&mut pty), 5, "an edit of unknown fate is pending");
    assert!(draft_on_disk(env.home.path()), "the unsent edit is kept");
}

#[test]
fn two_editors_on_one_tenant_both_keep_their_drafts_and_the_next_start_offers_both() {
    let env = Env::new();
    let mut first = env.editor(&[]);
    let mut second = env.editor(&[]);
    let screen = second.wait_for("is editing", WAIT);
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&format!("Another exoset (pid {}", first.pid())),
        "{screen}"
    );
    go_to(&mut first, '3', "lcr_enabled");
    first.type_str(" ");
    first.wait_for("3 Common *1", WAIT);
    go_to(&mut second, '3', "aparty_tag");
    append(&mut second, "Two");
    second.wait_for("3 Common *1", WAIT);
    // Both SSH sessions drop.
    first.signal(Signal::SIGHUP);
    second.signal(Signal::SIGHUP);
    first.wait_exit(WAIT);
    second.wait_exit(WAIT);
    first.assert_restored();
    second.assert_restored();

    let mut third = env.editor(&[]);
    third.wait_for("A draft of 2 unsent changes", WAIT);
    third.type_str("y");
    third.wait_for("Restored 2 changes", WAIT);
    third.type_str("d");
    let screen = third.wait_for("Pending changes", WAIT);
    assert!(screen.contains("common.lcr_enabled"), "{screen}");
    assert!(screen.contains("CustomerTwo"), "{screen}");
    esc_closing(&mut third, "Pending changes");
    quit_keeping(&mut third);
}

/// Ctrl-U in a text field deletes to the start of the line, as readline
/// does (it was the text area's undo, so `1800`, Ctrl-U, `60` sent
/// `180060`); Ctrl-K, Ctrl-W, Ctrl-A / Ctrl-E and Ctrl-Z undo work too.
#[test]
fn readline_keys_edit_text_fields_and_ctrl_u_clears_before_typing() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "deletion_time");
    // Ctrl-U clears 1800; 60 is what is kept.
    pty.type_str(&format!("{ENTER}\x1560{ENTER}"));
    pty.wait_for("3 Common *1", WAIT);
    let screen = pty.wait_for("Edited", WAIT);
    assert!(screen.contains("Edited   60"), "{screen}");
    // Ctrl-A, then X at the start; Ctrl-E, Y at the end; Ctrl-W takes the
    // word before; Ctrl-K after Ctrl-A clears; Ctrl-Z undoes that.
    go_to(&mut pty, '3', "aparty_tag");
    pty.type_str(&format!("{ENTER}\x01X\x05Y"));
    pty.wait_for("XCustomerY", WAIT);
    pty.type_str(" two");
    pty.wait_for("XCustomerY two", WAIT);
    pty.type_str("\x17");
    pty.wait_gone("XCustomerY two", WAIT);
    pty.type_str("\x01\x0b");
    pty.wait_gone("XCustomerY", WAIT);
    pty.type_str("\x1a");
    pty.wait_for("XCustomerY", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("3 Common *2", WAIT);
    // The filter line follows readline too.
    clear_filter(&mut pty);
    pty.type_str(&format!("/zzz\x15tag{ENTER}"));
    let screen = pty.wait_for("tag   (Esc clears)", WAIT);
    assert!(!screen.contains("zzz"), "{screen}");
    pty.type_str("d");
    let screen = pty.wait_for("Pending changes", WAIT);
    assert!(screen.contains("1800 → 60"), "{screen}");
    assert!(screen.contains("Customer → XCustomerY"), "{screen}");
    esc_closing(&mut pty, "Pending changes");
    clear_filter(&mut pty);
    quit_keeping(&mut pty);
}

/// The draft offer names each key it holds, loaded value → the draft's,
/// before asking; restoring it opens the pane of the first change.
#[test]
fn the_draft_offer_lists_its_keys_and_restoring_opens_the_first_change() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '2', "failed_verification_event_endpoint");
    pty.type_str(&format!("{ENTER}\x15https://example.com/v2{ENTER}"));
    pty.wait_for("2 GreenPin *1", WAIT);
    go_to(&mut pty, '3', "aparty_tag");
    pty.type_str(&format!("{ENTER}\x15Agent{ENTER}"));
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    quit_keeping(&mut pty);

    let mut pty = env.editor(&[]);
    let screen = pty.wait_for("A draft of 2 unsent changes", WAIT);
    assert!(screen.contains("common.aparty_tag"), "{screen}");
    assert!(screen.contains("Customer → Agent"), "{screen}");
    // Scrolls to the other key, whichever comes first.
    pty.type_str("j");
    let screen = pty.wait_for("greenpin.greenpin_failed_verification_event_endpoint", WAIT);
    assert!(screen.contains("https://example.com/v2"), "{screen}");
    pty.type_str("y");
    let screen = pty.wait_for("Restored 2 changes from the draft", WAIT);
    // The first change's pane is open, the change selected, its full key shown.
    assert!(
        screen.contains("Key      greenpin.greenpin_failed_verification_event_endpoint")
            || screen.contains("Key      common.aparty_tag"),
        "{screen}"
    );
    quit_keeping(&mut pty);
    assert_eq!(env.sim.put_count(), 0);
}
