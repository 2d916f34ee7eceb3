//! The real `exoset` binary in a pseudo-terminal, against the simulator over
//! real HTTP: an end-to-end edit and send, every way out (signals, a panic)
//! keeping the draft and restoring the terminal, and conflicts with changes
//! made on the server behind the editor's back.

use crate::support::pty;

use exoset_core::schema::{Kind, lookup_path};
use exoset_sim::{SimConfig, Simulator};
use nix::sys::signal::Signal;
use pty::Pty;
use serde_json::json;
use std::time::Duration;

/// Generous: CI runs these on two busy cores.
const WAIT: Duration = Duration::from_secs(30);
const ESC: &str = "\x1b";
const ENTER: &str = "\r";
const F12: &str = "\x1b[24~";

struct Env {
    sim: Simulator,
    home: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            sim: Simulator::start_background(SimConfig::demo()).expect("simulator"),
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `exoset` with no subcommand: the editor for the simulator's tenant,
    /// drafts and history under a private EXOSET_HOME; waits for the load.
    fn editor(&self, extra: &[(&str, &str)]) -> Pty {
        self.editor_with(&[], extra)
    }

    /// [`Env::editor`] with command-line arguments.
    fn editor_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Pty {
        let config = SimConfig::demo();
        let base_url = self.sim.base_url();
        let home = self.home.path().to_string_lossy().into_owned();
        let mut env = vec![
            ("EXOSET_HOME", home.as_str()),
            ("EXOSET_BASE_URL", base_url.as_str()),
            ("EXOSET_TENANT_SID", self.sim.sid()),
            ("EXOSET_API_KEY", config.api_key.as_str()),
            ("EXOSET_API_TOKEN", config.api_token.as_str()),
        ];
        env.extend_from_slice(extra);
        let pty = Pty::spawn(args, &env, 80, 24);
        pty.wait_for("Loaded ", WAIT);
        pty
    }

    fn value(&self, path: &str) -> Option<String> {
        self.sim
            .settings()
            .get(lookup_path(path).expect("a setting"))
            .map(str::to_string)
    }
}

const FILTER_SET: &str = "(Esc clears)";

/// Esc, to close what shows `text`, on its own: a key right behind it in
/// the same read is taken as Alt-key, so the next key waits until it acted.
fn esc_closing(pty: &mut Pty, text: &str) {
    pty.type_str(ESC);
    pty.wait_gone(text, WAIT);
}

/// Clears the filter, if one is set.
fn clear_filter(pty: &mut Pty) {
    if pty.screen().contains(FILTER_SET) {
        esc_closing(pty, FILTER_SET);
    }
}

/// Selects the first setting of pane `tab` whose name holds `filter`.
fn go_to(pty: &mut Pty, tab: char, filter: &str) {
    clear_filter(pty);
    pty.type_str(&format!("{tab}/{filter}{ENTER}"));
    pty.wait_for(FILTER_SET, WAIT);
}

/// Opens the text edit of the selected setting, types `text` at its end, keeps it.
fn append(pty: &mut Pty, text: &str) {
    pty.type_str(&format!("{ENTER}{text}{ENTER}"));
}

/// `q` with nothing pending: the editor ends cleanly, exit 0 (a panic on
/// the way out would be 101).
fn quit(pty: &mut Pty) {
    clear_filter(pty);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0, "q quits cleanly");
    pty.assert_restored();
}

fn next_enum(path: &str, now: &str) -> String {
    let Kind::Enum { values } = lookup_path(path).expect("a setting").setting().kind else {
        panic!("{path} is not an enum");
    };
    let at = values.iter().position(|v| *v == now).expect("a value");
    values[(at + 1) % values.len()].to_string()
}

/// `body` with the JSON held in strings at `paths` read as JSON, so a
/// comparison does not hang on how the object was spelled.
fn json_strings_read(mut body: serde_json::Value, paths: &[(&str, &str)]) -> serde_json::Value {
    for (section, key) in paths {
        if let Some(slot) = body.get_mut(*section).and_then(|s| s.get_mut(*key))
            && let Some(text) = slot.as_str()
        {
            *slot = serde_json::from_str(text).expect("JSON in the string");
        }
    }
    body
}

#[test]
fn edits_of_every_kind_are_refused_while_invalid_then_sent_and_land_on_the_server() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    let timezone = next_enum("common.timezone", "IST");
    let mut sms: serde_json::Value =
        serde_json::from_str(&env.value("common.sms_config").expect("demo sms_config"))
            .expect("sms_config is JSON");
    assert_eq!(sms["A"]["sms_enabled"], "true", "the demo's A.sms_enabled");
    sms["A"]["sms_enabled"] = json!("false");

    go_to(&mut pty, '3', "lcr_enabled");
    pty.type_str(" "); // bool: true -> false
    go_to(&mut pty, '3', "timezone");
    pty.type_str(" "); // enum: IST -> the next value
    go_to(&mut pty, '3', "aparty_tag");
    append(&mut pty, "X"); // text
    go_to(&mut pty, '2', "aparty_pin_length");
    pty.type_str(&format!("{ENTER}\x7f6{ENTER}")); // int: 4 -> 6
    go_to(&mut pty, '2', "greenpin_call_complete_event_endpoint");
    append(&mut pty, "/v2"); // url: its method and headers go with it
    go_to(&mut pty, '3', "max_deallocation_time");
    pty.type_str(&format!("{ENTER}\x152d{ENTER}")); // duration: -1 -> 2d
    go_to(&mut pty, '3', "default_region");
    pty.type_str(&format!("{ENTER}\x15MH{ENTER}")); // region: KA -> MH
    go_to(&mut pty, '1', "default_flow_id");
    pty.type_str(&format!("{ENTER}\x157654321{ENTER}")); // digits
    // headers: the content_type pick, application/json -> application/xml.
    go_to(&mut pty, '1', "greencall_complete_event_headers");
    pty.type_str(ENTER);
    pty.wait_for("Headers content_type", WAIT);
    pty.type_str(&format!("j{ENTER}"));
    pty.wait_gone("Headers content_type", WAIT);
    // sms: the form; its first row, A's sms_enabled, toggles.
    go_to(&mut pty, '3', "sms_config");
    pty.type_str(ENTER);
    pty.wait_for("· common.sms_config", WAIT);
    pty.type_str(ENTER);
    esc_closing(&mut pty, "· common.sms_config");
    // country: invalid first ("in"), as the issue had it.
    go_to(&mut pty, '3', "country");
    pty.type_str(&format!("{ENTER}\x15in{ENTER}"));
    pty.wait_for("Kept, but invalid", WAIT);
    go_to(&mut pty, '3', "deletion_time");
    append(&mut pty, "00"); // 180000: over the 86400 limit
    pty.wait_for("3 Common *8 !2", WAIT);

    pty.type_str("s");
    pty.wait_for("Cannot send: common.country", WAIT);
    assert_eq!(
        env.sim.put_count(),
        0,
        "nothing is sent while a field is invalid"
    );

    // Fixed, the message about it goes: it is no longer true.
    go_to(&mut pty, '3', "country");
    pty.type_str(&format!("{ENTER}\x15US{ENTER}"));
    pty.wait_gone("Cannot send: common.country", WAIT);
    pty.type_str("s");
    pty.wait_for("Cannot send: common.deletion_time", WAIT);
    go_to(&mut pty, '3', "deletion_time");
    pty.type_str(&format!("{ENTER}\x7f{ENTER}")); // 18000
    pty.wait_gone("Cannot send", WAIT);
    pty.type_str("d");
    let screen = pty.wait_for("Pending changes", WAIT);
    assert!(!screen.contains("Cannot send"), "{screen}");
    esc_closing(&mut pty, "Pending changes");
    pty.type_str("s");
    let screen = pty.wait_for("Send these changes?", WAIT);
    assert!(!screen.contains("Cannot send"), "{screen}");
    assert_eq!(env.sim.put_count(), 0, "nothing is sent before y");
    pty.type_str("y");
    pty.wait_for("Saved 12 changes", WAIT);

    assert_eq!(env.sim.put_count(), 1);
    let json_paths = [
        ("greenvn", "greencall_complete_event_headers"),
        ("greenpin", "greenpin_call_complete_event_headers"),
        ("common", "sms_config"),
    ];
    assert_eq!(
        env.sim
            .last_put_body()
            .map(|body| json_strings_read(body, &json_paths)),
        Some(json_strings_read(
            json!({
                // Headers alone carry no companions; an endpoint does.
                "greenvn": {
                    "greencall_complete_event_headers": "{\"content_type\": \"application/xml\"}",
                    "default_flow_id": "7654321",
                },
                "greenpin": {
                    "greenpin_call_complete_event_endpoint":
                        "https://hooks.example.com/exobridge/greenpin/call-complete/v2",
                    "greenpin_call_complete_event_method": "POST_JSON",
                    "greenpin_call_complete_event_headers": "{\"content_type\": \"application/json\"}",
                    "aparty_pin_length": 6,
                },
                "common": {
                    "lcr_enabled": "false",
                    "timezone": timezone,
                    "aparty_tag": "CustomerX",
                    "deletion_time": 18000,
                    "max_deallocation_time": "2d",
                    "default_region": "MH",
                    "country": "US",
                    "sms_config": sms.to_string(),
                },
            }),
            &json_paths
        )),
        "only the changes, plus the endpoints' companions"
    );
    for (path, want) in [
        ("common.lcr_enabled", "false"),
        ("common.timezone", timezone.as_str()),
        ("common.aparty_tag", "CustomerX"),
        ("common.deletion_time", "18000"),
        ("common.max_deallocation_time", "2d"),
        ("common.default_region", "MH"),
        ("common.country", "US"),
        ("greenvn.default_flow_id", "7654321"),
        ("greenpin.aparty_pin_length", "6"),
        (
            "greenpin.greenpin_call_complete_event_endpoint",
            "https://hooks.example.com/exobridge/greenpin/call-complete/v2",
        ),
        ("greenpin.greenpin_call_complete_event_method", "POST_JSON"),
    ] {
        assert_eq!(env.value(path).as_deref(), Some(want), "{path}");
    }
    let held = |path: &str| -> serde_json::Value {
        serde_json::from_str(&env.value(path).expect("a value")).expect("JSON")
    };
    assert_eq!(
        held("greenvn.greencall_complete_event_headers"),
        json!({"content_type": "application/xml"})
    );
    assert_eq!(held("common.sms_config"), sms);
    quit(&mut pty);
}

/// Makes a finished edit (lcr_enabled) and leaves an edit box open with
/// text typed into it (aparty_tag), as a person would be at an SSH drop.
fn edit_and_keep_typing(pty: &mut Pty) {
    go_to(pty, '3', "lcr_enabled");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    go_to(pty, '3', "aparty_tag");
    pty.type_str(&format!("{ENTER}Zed"));
    pty.wait_for("CustomerZed", WAIT);
}

/// The next start offers the draft; accepting it brings back both edits.
fn draft_is_offered_and_restores(env: &Env) {
    let mut pty = env.editor(&[]);
    pty.wait_for("A draft of 2 unsent changes", WAIT);
    pty.type_str("y");
    pty.wait_for("Restored 2 changes from the draft", WAIT);
    pty.type_str("d");
    let screen = pty.wait_for("Pending changes", WAIT);
    assert!(screen.contains("common.lcr_enabled"), "{screen}");
    assert!(screen.contains("true → false"), "{screen}");
    assert!(screen.contains("Customer → CustomerZed"), "{screen}");
    esc_closing(&mut pty, "Pending changes");
    clear_filter(&mut pty);
    pty.type_str("q");
    pty.wait_for("stay in the draft", WAIT);
    pty.type_str("y");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
    assert_eq!(env.sim.put_count(), 0);
}

fn a_signal_restores_the_terminal_and_keeps_the_draft(signal: Signal, code: u32) {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    edit_and_keep_typing(&mut pty);
    pty.signal(signal);
    assert_eq!(pty.wait_exit(WAIT), code, "{signal:?}: 128 + its number");
    pty.assert_restored();
    assert!(
        pty.after_restore()
            .contains(&format!("stopped by {}", signal.as_str())),
        "{}",
        pty.after_restore()
    );
    draft_is_offered_and_restores(&env);
}

#[test]
fn sighup_restores_the_terminal_exits_non_zero_and_keeps_the_draft() {
    a_signal_restores_the_terminal_and_keeps_the_draft(Signal::SIGHUP, 129);
}

#[test]
fn sigterm_restores_the_terminal_exits_non_zero_and_keeps_the_draft() {
    a_signal_restores_the_terminal_and_keeps_the_draft(Signal::SIGTERM, 143);
}

#[test]
fn sigint_restores_the_terminal_exits_non_zero_and_keeps_the_draft() {
    a_signal_restores_the_terminal_and_keeps_the_draft(Signal::SIGINT, 130);
}

#[test]
fn a_panic_restores_the_terminal_then_says_so_without_the_token_and_keeps_the_draft() {
    let env = Env::new();
    let mut pty = env.editor(&[("EXOSET_TEST_PANIC", "1")]);
    edit_and_keep_typing(&mut pty);
    pty.type_str(F12);
    assert_eq!(pty.wait_exit(WAIT), 101, "a panic exits non-zero");
    pty.assert_restored();
    let after = pty.after_restore();
    assert!(
        after.contains("test panic on F12"),
        "the message comes after the terminal is restored: {after:?}"
    );
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        !raw.contains(&SimConfig::demo().api_token),
        "the token leaked"
    );
    draft_is_offered_and_restores(&env);
}

#[test]
fn f12_does_nothing_without_the_test_panic_variable() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    pty.type_str(&format!("{F12}?"));
    pty.wait_for("Keys — Esc closes", WAIT);
    esc_closing(&mut pty, "Keys — Esc closes");
    quit(&mut pty);
}

#[test]
fn a_change_only_on_the_server_is_taken_in_said_and_not_sent_back() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "aparty_tag");
    append(&mut pty, "X");
    pty.wait_for("3 Common *1", WAIT);
    env.sim
        .modify(|s| s.set(lookup_path("common.bparty_tag").expect("key"), "Driver"));
    pty.type_str("sy");
    let screen = pty.wait_for("Saved 1 change", WAIT);
    // The status line wraps; read it as words.
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("Taken in from the server first: common.bparty_tag."),
        "{screen}"
    );
    assert_eq!(
        env.sim.last_put_body(),
        Some(json!({"common": {"aparty_tag": "CustomerX"}}))
    );
    assert_eq!(env.value("common.bparty_tag").as_deref(), Some("Driver"));
    assert_eq!(env.value("common.aparty_tag").as_deref(), Some("CustomerX"));
    quit(&mut pty);
}

#[test]
fn a_change_on_both_sides_is_not_sent_until_resolved_mine_or_theirs() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "deletion_time");
    append(&mut pty, "1"); // 18001
    go_to(&mut pty, '3', "aparty_tag");
    append(&mut pty, "X");
    pty.wait_for("3 Common *2", WAIT);
    env.sim.modify(|s| {
        s.set(lookup_path("common.deletion_time").expect("key"), "900");
        s.set(lookup_path("common.aparty_tag").expect("key"), "Server");
    });
    pty.type_str("sy");
    pty.wait_for("0 of 2 resolved", WAIT);
    assert_eq!(env.sim.put_count(), 0);

    // Esc backs out; a send comes back to the conflicts, still sending nothing.
    esc_closing(&mut pty, "0 of 2 resolved");
    pty.wait_for("s resolves", WAIT);
    pty.type_str("s");
    pty.wait_for("0 of 2 resolved", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("2 conflicts still to resolve", WAIT);
    assert_eq!(env.sim.put_count(), 0, "nothing is sent while unresolved");

    // deletion_time first (schema order): keep mine; aparty_tag: take theirs.
    pty.type_str("mt");
    pty.wait_for("2 of 2 resolved", WAIT);
    assert_eq!(env.sim.put_count(), 0);
    pty.type_str(ENTER);
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("y");
    pty.wait_for("Saved 1 change", WAIT);
    assert_eq!(env.sim.put_count(), 1);
    assert_eq!(
        env.sim.last_put_body(),
        Some(json!({"common": {"deletion_time": 18001}}))
    );
    assert_eq!(env.value("common.deletion_time").as_deref(), Some("18001"));
    assert_eq!(env.value("common.aparty_tag").as_deref(), Some("Server"));
    quit(&mut pty);
}

// ----- what the server did, told as the subcommands tell it -----

/// Whether a draft of unsent edits is on disk under `home`.
fn draft_on_disk(home: &std::path::Path) -> bool {
    fn walk(dir: &std::path::Path) -> bool {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                let path = e.path();
                if path.is_dir() {
                    walk(&path)
                } else {
                    path.file_name().is_some_and(|n| n == "draft.json")
                }
            })
    }
    walk(home)
}

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

/// Ctrl-C, then the exit status; the terminal is restored.
fn interrupt(pty: &mut Pty) -> u32 {
    pty.type_str("\x03");
    let code = pty.wait_exit(WAIT);
    pty.assert_restored();
    code
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

/// `q` with changes pending: asked, `y` quits (the draft is kept).
fn quit_keeping(pty: &mut Pty) {
    pty.type_str("q");
    pty.wait_for("Quit", WAIT);
    pty.type_str("y");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
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

// ----- other tenants: P and "also send to…" -----

/// The demo: three tenants on the built-in simulator, state under `home`.
fn demo(home: &std::path::Path) -> Pty {
    let home = home.to_string_lossy().into_owned();
    let pty = Pty::spawn(&["--demo"], &[("EXOSET_HOME", home.as_str())], 100, 30);
    pty.wait_for("Loaded ", WAIT);
    pty
}

#[test]
fn p_switches_tenant_keeping_the_edits_as_the_first_tenants_draft() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut pty = demo(home.path());
    go_to(&mut pty, '3', "timezone");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    pty.type_str("P");
    pty.wait_for("Switch to a profile's tenant", WAIT);
    pty.type_str(ENTER);
    // Said once the other tenant is loaded.
    let screen = pty.wait_for("unsent change is kept as its draft", WAIT);
    assert!(screen.contains("exoset-demo-2"), "{screen}");
    assert!(
        !screen.contains("3 Common *1"),
        "the other tenant starts clean"
    );
    // And back: the first tenant's draft is offered.
    pty.type_str("P");
    pty.wait_for("Switch to a profile's tenant", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("A draft of 1 unsent change", WAIT);
    pty.type_str("y");
    pty.wait_for("3 Common *1", WAIT);
    quit_keeping(&mut pty);
}

#[test]
fn also_send_to_plans_the_change_on_other_tenants_then_sends_to_each() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut pty = demo(home.path());
    go_to(&mut pty, '3', "timezone");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("a");
    pty.wait_for("Also send to…", WAIT);
    pty.type_str(" ");
    pty.type_str("j");
    pty.type_str(" ");
    pty.type_str(ENTER);
    let screen = pty.wait_for("demo-3 (exoset-demo-3): ready", WAIT);
    assert!(
        screen.contains("demo-2 (exoset-demo-2): ready — 1 change to send"),
        "{screen}"
    );
    pty.type_str("y");
    let screen = pty.wait_for("demo-3 (exoset-demo-3): sent", WAIT);
    assert!(screen.contains("demo-2 (exoset-demo-2): sent"), "{screen}");
    pty.wait_for("Saved 1 change", WAIT);
    esc_closing(&mut pty, "Also send to");
    // Every tenant now holds the change: the history of each says so.
    for (profile, sid) in [("demo-2", "exoset-demo-2"), ("demo-3", "exoset-demo-3")] {
        // The other demo tenants keep their state under state/demo/ too.
        let history = home
            .path()
            .join("data/state/demo/state")
            .join(profile)
            .join(sid)
            .join("history.json");
        let text = std::fs::read_to_string(&history).expect("history recorded");
        assert!(text.contains("\"timezone\""), "{text}");
    }
    quit(&mut pty);
}

// ----- what a new user trips over (issue #14) -----

/// Space toggles a bool or steps an enum and does nothing else: on a text
/// field it opened the edit box, and the j and k after it were typed in.
#[test]
fn space_on_a_text_field_does_nothing_and_j_k_stay_moves() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "aparty_tag");
    let screen = pty.wait_for("Key      common.aparty_tag", WAIT);
    assert!(!screen.contains("Space toggle"), "{screen}");
    pty.type_str(" jk");
    pty.type_str("d");
    let screen = pty.wait_for("Pending changes", WAIT);
    assert!(!screen.contains("Customerjk"), "{screen}");
    esc_closing(&mut pty, "Pending changes");
    let screen = pty.screen();
    assert!(!screen.contains("Common *"), "nothing edited:\n{screen}");
    assert!(!screen.contains("Typing"), "no edit box open:\n{screen}");
    // On a bool it still toggles, and the key bar offers it there.
    go_to(&mut pty, '3', "lcr_enabled");
    pty.wait_for("Space toggle", WAIT);
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    quit_keeping(&mut pty);
}

/// The too-small notice through the real terminal: it comes with a small
/// window and goes with a large one, the editor as it was; behind it q
/// quits. That keys typed behind it do nothing (a Space there opened an
/// edit that appeared after resizing) is held by the unit test of
/// `update`'s filter (`behind_the_too_small_notice_update_drops_every_key_
/// but_q_and_ctrl_c`): here, keys that change nothing on screen leave
/// nothing to wait on before a resize.
#[test]
fn behind_the_too_small_notice_only_q_and_ctrl_c_act() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "lcr_enabled");
    pty.resize(60, 20);
    let screen = pty.wait_for("terminal too small", WAIT);
    assert!(screen.contains("q or Ctrl-C quits"), "{screen}");
    pty.resize(80, 24);
    let screen = pty.wait_for("Key      common.lcr_enabled", WAIT);
    assert!(!screen.contains("Common *"), "nothing edited:\n{screen}");
    pty.resize(60, 20);
    pty.wait_for("terminal too small", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
}

/// A filter with no match on this pane says where its matches are.
#[test]
fn a_filter_without_matches_here_names_the_pane_that_has_them() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '1', "tag");
    let screen = pty.wait_for("press 3", WAIT);
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("No setting on GreenVN matches “tag”:"),
        "{screen}"
    );
    assert!(words.contains("on Common — press 3"), "{screen}");
    pty.type_str("3");
    pty.wait_for("aparty_tag", WAIT);
    go_to(&mut pty, '1', "zzz");
    pty.wait_for("No setting on any pane matches “zzz”", WAIT);
    quit(&mut pty);
}

/// The README says only the 16 basic colours are used: they go out in the
/// forms a 16-colour terminal reads (`ESC[3Xm`, `ESC[4Xm`, `9X`, `10X`),
/// never as `ESC[38;5;Nm`.
#[test]
fn colours_go_out_in_their_classic_sixteen_colour_forms() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "country");
    pty.type_str(&format!("{ENTER}\x15in{ENTER}"));
    pty.wait_for("Kept, but invalid", WAIT);
    pty.type_str("d");
    pty.wait_for("Pending changes", WAIT);
    esc_closing(&mut pty, "Pending changes");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    for form in ["38;5;", "48;5;"] {
        assert!(!raw.contains(form), "{form} sent: {raw:?}");
    }
    // Cyan headings and key caps, black on cyan for the selected row.
    let sgr: std::collections::BTreeSet<&str> = raw
        .split('\x1b')
        .filter_map(|s| s.strip_prefix('['))
        .filter_map(|s| s.split_once('m').map(|(p, _)| p))
        .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';'))
        .collect();
    let params: std::collections::BTreeSet<&str> = sgr.iter().flat_map(|p| p.split(';')).collect();
    for classic in ["36", "30", "46"] {
        assert!(params.contains(classic), "{classic} never sent: {sgr:?}");
    }
    quit_keeping(&mut pty);
}

/// The SGR parameters the program sent, each on its own (`1;36` gives `1`
/// and `36`).
fn sgr_params(raw: &str) -> std::collections::BTreeSet<String> {
    raw.split('\x1b')
        .filter_map(|s| s.strip_prefix('['))
        .filter_map(|s| s.split_once('m').map(|(p, _)| p))
        .filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == ';'))
        .flat_map(|p| p.split(';').map(str::to_string))
        .collect()
}

/// A colour SGR parameter: 30–39 and 90–97 (text), 40–49 and 100–107
/// (background); 38 and 48 open the 256-colour and RGB forms.
fn is_colour(param: &str) -> bool {
    param
        .parse::<u32>()
        .is_ok_and(|n| matches!(n, 30..=39 | 40..=49 | 90..=97 | 100..=107))
}

/// `NO_COLOR` set: the same screens as above (an invalid value, the diff)
/// go out without a single colour code; the markers still show.
#[test]
fn no_color_sends_no_colour_codes() {
    let env = Env::new();
    let mut pty = env.editor(&[("NO_COLOR", "1")]);
    go_to(&mut pty, '3', "country");
    pty.type_str(&format!("{ENTER}\x15in{ENTER}"));
    pty.wait_for("Kept, but invalid", WAIT);
    pty.type_str("d");
    pty.wait_for("Pending changes", WAIT);
    esc_closing(&mut pty, "Pending changes");
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let params = sgr_params(&raw);
    let colours: Vec<&String> = params.iter().filter(|p| is_colour(p)).collect();
    assert!(
        colours.is_empty(),
        "colour codes {colours:?} sent with NO_COLOR"
    );
    assert!(pty.screen().contains('!'), "the invalid marker shows");
    quit_keeping(&mut pty);
}

/// The mouse is captured only with `--mouse`, and released on exit.
#[test]
fn the_mouse_is_captured_with_mouse_only_and_released_on_exit() {
    const CAPTURE: &str = "\x1b[?1000h";
    const RELEASE: &str = "\x1b[?1000l";
    let env = Env::new();
    let mut pty = env.editor(&[]);
    quit(&mut pty);
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(!raw.contains(CAPTURE), "captured without --mouse");

    let mut pty = env.editor_with(&["--mouse"], &[]);
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(raw.contains(CAPTURE), "--mouse did not capture the mouse");
    quit(&mut pty);
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let (on, off) = (raw.rfind(CAPTURE).unwrap(), raw.rfind(RELEASE));
    assert!(
        off.is_some_and(|off| off > on),
        "the mouse was not released"
    );
}

// ----- "also send to…" with keys landing while requests are in flight (issue #21) -----

/// A multi-tenant simulator answering every request after `latency`, and
/// a config.toml naming one profile per tenant (`unit-1` … `unit-N`).
struct Fleet {
    sim: Simulator,
    home: tempfile::TempDir,
}

impl Fleet {
    fn start(n: usize, latency: Duration) -> Fleet {
        let mut config = SimConfig::fleet(n);
        config.latency = latency;
        let sim = Simulator::start_background(config).expect("simulator");
        let home = tempfile::tempdir().expect("temp dir");
        let mut text = String::new();
        for (i, sid) in sim.sids().iter().enumerate() {
            text.push_str(&format!(
                "[profiles.unit-{}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
                 base_url = \"{}\"\ntoken_command = \"echo demo-token\"\n\n",
                i + 1,
                sim.base_url()
            ));
        }
        std::fs::write(home.path().join("config.toml"), text).expect("config.toml");
        Fleet { sim, home }
    }

    /// The editor on `unit-1`, loaded.
    fn editor(&self, rows: u16) -> Pty {
        let home = self.home.path().to_string_lossy().into_owned();
        let pty = Pty::spawn(
            &["-p", "unit-1"],
            &[("EXOSET_HOME", home.as_str())],
            100,
            rows,
        );
        pty.wait_for("Loaded ", WAIT);
        pty
    }

    fn puts(&self) -> Vec<usize> {
        self.sim
            .sids()
            .iter()
            .map(|sid| self.sim.put_count_of(sid))
            .collect()
    }

    /// Waits until the simulator's counters satisfy `done`.
    fn wait_until(&self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let start = std::time::Instant::now();
        while !done(self) {
            assert!(start.elapsed() < WAIT, "{what}: PUTs {:?}", self.puts());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A change to common.timezone, then `s`, `a`, every other tenant ticked
/// and planned; waits until every plan is read (`ready`).
fn plan_on_every_other_tenant(pty: &mut Pty, others: usize) {
    go_to(pty, '3', "timezone");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(pty);
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("a");
    pty.wait_for("Also send to…", WAIT);
    for _ in 0..others {
        pty.type_str(" j");
    }
    pty.type_str(ENTER);
    // Planned: the summary shows.
    pty.wait_for(" ready · ", WAIT);
}

#[test]
fn a_second_y_while_sending_sends_nothing_more_and_every_row_shows_its_result() {
    let fleet = Fleet::start(3, Duration::from_millis(1000));
    let mut pty = fleet.editor(30);
    plan_on_every_other_tenant(&mut pty, 2);
    // Two presses in one write: the second lands while the first's
    // requests are in flight.
    pty.type_str("yy");
    let screen = pty.wait_for("sending…", WAIT);
    // And one more once every PUT is out, before their answers.
    fleet.wait_until("every PUT out", |f| f.puts().iter().all(|n| *n >= 1));
    pty.type_str("y");
    assert!(
        !screen.contains("Esc cancels"),
        "one word for Esc: {screen}"
    );
    let screen = pty.wait_for("3 sent.", WAIT);
    assert!(
        screen.contains("unit-1 (exoset-demo-1, this tenant): sent"),
        "{screen}"
    );
    assert!(screen.contains("unit-2 (exoset-demo-2): sent"), "{screen}");
    assert!(screen.contains("unit-3 (exoset-demo-3): sent"), "{screen}");
    // A third `y` after the results sends nothing either.
    pty.type_str("y");
    pty.wait_for("Already sent", WAIT);
    assert_eq!(fleet.puts(), vec![1, 1, 1], "exactly one PUT per tenant");
    esc_closing(&mut pty, "Also send to");
    quit(&mut pty);
}

#[test]
fn esc_while_sending_starts_no_new_tenant_finishes_those_out_and_shows_every_outcome() {
    // This tenant and sixteen others, four of which already hold the
    // value: ten are sent to at once, two wait.
    let fleet = Fleet::start(17, Duration::from_millis(1500));
    let mut pty = fleet.editor(50);
    plan_on_every_other_tenant(&mut pty, 16);
    pty.type_str("y");
    pty.wait_for("Esc: stop", WAIT);
    pty.type_str(ESC);
    pty.wait_for("Stopping: no new tenant is started", WAIT);
    // Esc again does not close the view while sends are out.
    pty.type_str(ESC);
    let screen = pty.wait_for("Esc: close", WAIT);
    assert!(
        screen.contains("11 sent, 4 unchanged, 2 cancelled."),
        "{screen}"
    );
    assert_eq!(
        screen.matches(": cancelled — not sent").count(),
        2,
        "{screen}"
    );
    assert!(!screen.contains("unknown"), "none aborted: {screen}");
    let puts = fleet.puts();
    assert_eq!(puts.iter().sum::<usize>(), 11, "{puts:?}");
    assert!(puts.iter().all(|n| *n <= 1), "{puts:?}");
    esc_closing(&mut pty, "Also send to");
    quit(&mut pty);
}

#[test]
fn ctrl_c_while_a_put_is_out_prints_the_report_and_exits_5() {
    let fleet = Fleet::start(3, Duration::from_millis(2000));
    let mut pty = fleet.editor(30);
    plan_on_every_other_tenant(&mut pty, 2);
    pty.type_str("y");
    // This tenant's PUT has reached the server (it answers 2 s later).
    fleet.wait_until("this tenant's PUT", |f| f.puts()[0] == 1);
    pty.send(b"\x03");
    assert_eq!(pty.wait_exit(WAIT), 5, "a PUT may have gone out");
    pty.assert_restored();
    let out = pty.after_restore();
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("PROFILE TENANT OUTCOME"), "{out}");
    assert!(
        words.contains("unit-1 exoset-demo-1 unknown common.timezone"),
        "{out}"
    );
    assert!(words.contains("`exoset get -p unit-1`"), "{out}");
    assert!(words.contains("Interrupted (Ctrl-C)"), "{out}");
    // The draft says what is true: it may have been applied.
    let pty = fleet.editor(30);
    pty.wait_for("may have been applied", WAIT);
}

#[test]
fn a_second_editor_never_offers_a_live_editors_draft_and_its_quit_keeps_it() {
    let env = Env::new();
    let mut first = env.editor(&[]);
    go_to(&mut first, '3', "aparty_tag");
    append(&mut first, "One");
    first.wait_for("3 Common *1", WAIT);
    let state = draft_dir(env.home.path());
    let draft = state.join("draft.json");
    wait_file(&draft);
    // A second editor on the same tenant: the first's draft is live, so it
    // is not offered, and its `n` cannot set it aside.
    let mut second = env.editor(&[]);
    let screen = second.wait_for("is editing", WAIT);
    assert!(!screen.contains("A draft of"), "{screen}");
    second.type_str("n");
    quit(&mut second);
    assert!(draft.exists(), "the live draft is still there");
    // Even when its file went (set aside by hand), the first's quit
    // writes it again.
    std::fs::remove_file(&draft).expect("remove the draft");
    clear_filter(&mut first);
    quit_keeping(&mut first);
    assert!(draft.exists(), "the quit wrote the draft again");
    // Offered at the next start: `n` sets it aside, not deleted.
    let mut third = env.editor(&[]);
    third.wait_for("A draft of 1 unsent change", WAIT);
    third.type_str("n");
    third.wait_for("set aside", WAIT);
    quit(&mut third);
    assert!(!draft.exists());
    let aside: Vec<_> = std::fs::read_dir(state.join("discarded"))
        .expect("discarded/")
        .flatten()
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
}

#[test]
fn esc_on_the_draft_offer_decides_later_and_the_draft_stays() {
    let env = Env::new();
    let mut first = env.editor(&[]);
    go_to(&mut first, '3', "aparty_tag");
    append(&mut first, "One");
    first.wait_for("3 Common *1", WAIT);
    clear_filter(&mut first);
    quit_keeping(&mut first);
    let mut second = env.editor(&[]);
    second.wait_for("A draft of 1 unsent change", WAIT);
    esc_closing(&mut second, "A draft of");
    second.wait_for("offers it again", WAIT);
    // New edits of this run do not overwrite the draft put off.
    go_to(&mut second, '3', "bparty_tag");
    append(&mut second, "Two");
    second.wait_for("3 Common *1", WAIT);
    clear_filter(&mut second);
    quit_keeping(&mut second);
    let mut third = env.editor(&[]);
    third.wait_for("A draft of 2 unsent changes", WAIT);
    third.type_str("y");
    third.wait_for("Restored 2 changes", WAIT);
    quit_keeping(&mut third);
}

/// The state folder of the simulator's tenant under `home`.
fn draft_dir(home: &std::path::Path) -> std::path::PathBuf {
    let state = home.join("data/state");
    let profile = std::fs::read_dir(&state)
        .expect("state folder")
        .flatten()
        .next()
        .expect("a profile folder")
        .path();
    std::fs::read_dir(&profile)
        .expect("profile folder")
        .flatten()
        .next()
        .expect("a tenant folder")
        .path()
}

/// Waits until `path` exists.
fn wait_file(path: &std::path::Path) {
    let start = std::time::Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < WAIT, "{} never written", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_before_the_put_reports_cancelled_and_exits_130() {
    let fleet = Fleet::start(3, Duration::from_millis(2000));
    let mut pty = fleet.editor(30);
    plan_on_every_other_tenant(&mut pty, 2);
    let sid = fleet.sim.sids()[0].clone();
    let reads = fleet.sim.get_count_of(&sid);
    pty.type_str("y");
    // This tenant's read before its PUT has reached the server (answered
    // 2 s later); no PUT has.
    fleet.wait_until("the read before the PUT", |f| {
        f.sim.get_count_of(&sid) > reads
    });
    pty.send(b"\x03");
    assert_eq!(pty.wait_exit(WAIT), 130, "stopped before any PUT");
    pty.assert_restored();
    assert_eq!(fleet.puts(), vec![0, 0, 0]);
    let words = pty
        .after_restore()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("unit-1 exoset-demo-1 cancelled common.timezone"),
        "{words}"
    );
    assert!(words.contains("3 tenants: 3 cancelled."), "{words}");
    // Nothing went out: the draft is offered as unsent.
    let pty = fleet.editor(30);
    pty.wait_for("A draft of 1 unsent change", WAIT);
}

#[test]
fn sigterm_while_a_put_is_out_is_handled_as_ctrl_c_is() {
    let fleet = Fleet::start(2, Duration::from_millis(2000));
    let mut pty = fleet.editor(30);
    plan_on_every_other_tenant(&mut pty, 1);
    pty.type_str("y");
    fleet.wait_until("every PUT out", |f| f.puts() == [1, 1]);
    pty.signal(Signal::SIGTERM);
    assert_eq!(pty.wait_exit(WAIT), 5);
    pty.assert_restored();
    let words = pty
        .after_restore()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("2 tenants: 2 unknown."), "{words}");
    assert!(words.contains("Interrupted (SIGTERM)"), "{words}");
    assert!(words.contains("`exoset get -p unit-2`"), "{words}");
}

#[test]
fn ctrl_c_with_nothing_in_flight_exits_0_and_says_the_draft_is_kept() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "aparty_tag");
    append(&mut pty, "One");
    pty.wait_for("3 Common *1", WAIT);
    assert_eq!(interrupt(&mut pty), 0);
    let words = pty
        .after_restore()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("the unsent change is kept as a draft"),
        "{words}"
    );
    assert!(draft_on_disk(env.home.path()));
}

/// The editor's own profile takes the `EXOSET_*` variables; the other
/// profiles `P` and "also send to…" reach do not, and one note, left on the
/// shell's screen, says so.
#[test]
fn the_editor_notes_that_other_profiles_do_not_use_the_environment() {
    let env = Env::new();
    std::fs::write(
        env.home.path().join("config.toml"),
        "[profiles.other]\ntenant_sid = \"other-tenant\"\napi_key = \"k\"\n\
         base_url = \"https://other.example\"\ntoken_command = \"echo other-token\"\n",
    )
    .expect("config");
    let mut pty = env.editor(&[]);
    quit(&mut pty);
    let raw = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    let note = "note: EXOSET_BASE_URL, EXOSET_API_TOKEN, EXOSET_TENANT_SID and EXOSET_API_KEY \
                are not used for the other profiles that `P` and \"also send to…\" reach";
    assert_eq!(raw.matches(note).count(), 1, "{raw}");
    let entered = raw.find("\x1b[?1049h").expect("the alternate screen");
    assert!(raw.find(note).is_some_and(|at| at < entered), "{raw}");
}

/// Two profiles on `sim`: `first` (the default), whose token_command answers
/// at once, and `second`, whose token_command waits for the file `gate`
/// rather than a fixed time, so a test knows it is still running. (It gives
/// up after about a minute, so a failed test leaves nothing running.)
fn fast_and_gated_profiles(sim: &Simulator, home: &std::path::Path, gate: &std::path::Path) {
    let demo = SimConfig::demo();
    let profile = |name: &str, command: &str| {
        format!(
            "[profiles.{name}]\ntenant_sid = \"{}\"\napi_key = \"{}\"\nbase_url = \"{}\"\n\
             token_command = \"{command}\"\ntoken_command_timeout = \"60s\"\n",
            sim.sid(),
            demo.api_key,
            sim.base_url()
        )
    };
    let fast = format!("printf '%s\\\\n' {}", demo.api_token);
    let slow = format!(
        "i=0; while [ ! -e '{}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; \
         printf '%s\\\\n' {}",
        gate.display(),
        demo.api_token
    );
    std::fs::write(
        home.join("config.toml"),
        format!(
            "default_profile = \"first\"\n{}{}",
            profile("first", &fast),
            profile("second", &slow)
        ),
    )
    .expect("config");
}

/// `P` to a profile whose token_command takes a while: the profile is opened
/// off the editor's thread, so keys are answered meanwhile (before, the
/// screen froze until the command ended).
#[test]
fn p_to_a_profile_with_a_slow_token_command_keeps_the_screen_answering() {
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = tempfile::tempdir().expect("temp dir");
    let gate = home.path().join("gate");
    fast_and_gated_profiles(&sim, home.path(), &gate);
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(&[], &[("EXOSET_HOME", home_text.as_str())], 80, 24);
    pty.wait_for("Loaded ", WAIT);
    pty.type_str("P");
    pty.wait_for("Switch to a profile's tenant", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("Opening profile second…", WAIT);
    // The second profile's token_command is still waiting for the gate.
    pty.type_str("?");
    pty.wait_for("Keys — Esc closes", WAIT);
    pty.type_str("\x1b");
    pty.wait_gone("Keys — Esc closes", WAIT);
    std::fs::write(&gate, "").expect("gate");
    pty.wait_for("second (", WAIT);
    pty.wait_for("Loaded ", WAIT);
    quit(&mut pty);
}

/// "Also send to…" a profile whose token_command takes a while: the view
/// answers Esc while the profile is still being opened.
#[test]
fn also_send_to_a_profile_with_a_slow_token_command_keeps_the_screen_answering() {
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = tempfile::tempdir().expect("temp dir");
    let gate = home.path().join("gate");
    fast_and_gated_profiles(&sim, home.path(), &gate);
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(&[], &[("EXOSET_HOME", home_text.as_str())], 100, 30);
    pty.wait_for("Loaded ", WAIT);
    go_to(&mut pty, '3', "timezone");
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("a");
    pty.wait_for("Also send to…", WAIT);
    pty.type_str(" ");
    pty.type_str(ENTER);
    pty.wait_for("Reading the other tenants", WAIT);
    // The second profile's token_command is still waiting for the gate.
    pty.type_str(ESC);
    pty.wait_gone("Reading the other tenants", WAIT);
    std::fs::write(&gate, "").expect("gate");
    quit_keeping(&mut pty);
    assert_eq!(sim.put_count(), 0);
}

// ----- the editor's exit codes 3 and 4 -----

/// Credentials the server refuses: the load fails, and quitting exits 3.
#[test]
fn refused_credentials_exit_3() {
    let env = Env::new();
    let config = SimConfig::demo();
    let base_url = env.sim.base_url();
    let home = env.home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &[],
        &[
            ("EXOSET_HOME", home.as_str()),
            ("EXOSET_BASE_URL", base_url.as_str()),
            ("EXOSET_TENANT_SID", env.sim.sid()),
            ("EXOSET_API_KEY", config.api_key.as_str()),
            ("EXOSET_API_TOKEN", "not-the-token"),
        ],
        80,
        24,
    );
    pty.wait_for("refused the credentials", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 3);
    pty.assert_restored();
}

/// A change made on the server since loading, to the key being sent: the
/// send stops at the conflict, and quitting (the edit kept as a draft)
/// exits 4.
#[test]
fn a_conflict_then_quitting_exits_4() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "aparty_tag");
    pty.type_str(ENTER);
    pty.type_str("\x15Mine");
    pty.type_str(ENTER);
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    env.sim
        .modify(|s| s.set(lookup_path("common.aparty_tag").unwrap(), "Theirs"));
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("y");
    pty.wait_for("Changed here and on the server", WAIT);
    assert_eq!(env.sim.put_count(), 0);
    esc_closing(&mut pty, "Changed here and on the server");
    pty.type_str("q");
    pty.wait_for("Quit", WAIT);
    pty.type_str("y");
    assert_eq!(pty.wait_exit(WAIT), 4, "{}", pty.after_restore());
    pty.assert_restored();
}
