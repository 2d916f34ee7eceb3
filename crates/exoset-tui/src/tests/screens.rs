//! Whole screens as snapshots, at 80×24 and 120×40.
use super::*;

#[test]
fn snapshot_first_frame_while_loading() {
    let mut app = App::new("demo", "127.0.0.1", true, false);
    app.start();
    snapshots!("loading", app);
}

#[test]
fn snapshot_greenvn_pane() {
    snapshots!("greenvn", loaded());
}

#[test]
fn snapshot_compact_at_80x23_and_80x22() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    insta::assert_snapshot!("compact_80x23", screen(&mut app, 80, 23));
    insta::assert_snapshot!("compact_80x22", screen(&mut app, 80, 22));
    press(&mut app, KeyCode::Char('s'));
    insta::assert_snapshot!("compact_confirm_80x23", screen(&mut app, 80, 23));
    insta::assert_snapshot!("compact_confirm_80x22", screen(&mut app, 80, 22));
}

#[test]
fn snapshot_greenpin_pane_with_keys_not_reported() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('G'));
    snapshots!("greenpin", app);
}

#[test]
fn snapshot_common_pane_with_pending_changes() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    select(&mut app, "common.lcr_enabled");
    press(&mut app, KeyCode::Char(' '));
    snapshots!("common", app);
}

#[test]
fn snapshot_invalid_field_while_typing() {
    let mut app = loaded();
    select(&mut app, "common.max_deallocation_time");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "171d");
    snapshots!("typing_invalid", app);
}

/// The list row shows exactly what is typed, never the loaded value
/// showing through behind shorter text (`1800`, four Backspaces, `7` read
/// `7 00`; with nothing typed, ` 800`).
#[test]
fn snapshot_typing_shorter_than_the_loaded_value() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    let row = |app: &mut App| {
        screen(app, 80, 24)
            .lines()
            .find(|l| l.contains("deletion_time"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let empty = row(&mut app);
    assert!(
        !empty.contains("800"),
        "nothing typed shows nothing: {empty}"
    );
    type_text(&mut app, "7");
    let typed = row(&mut app);
    assert!(
        typed.trim_end().ends_with("deletion_time            7"),
        "{typed}"
    );
    snapshots!("typing_shorter", app);
}

#[test]
fn snapshot_invalid_field_kept() {
    let mut app = loaded();
    select(&mut app, "common.country");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "UK");
    press(&mut app, KeyCode::Enter);
    snapshots!("invalid_kept", app);
}

#[test]
fn snapshot_enum_pick() {
    let mut app = loaded();
    select(&mut app, "greenvn.verified_caller_event_method");
    press(&mut app, KeyCode::Enter);
    snapshots!("pick_method", app);
}

#[test]
fn snapshot_sms_config_form() {
    let mut app = loaded();
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    snapshots!("sms_form", app);
}

#[test]
fn snapshot_sms_on_status_multi_select() {
    snapshots!("sms_on_status", in_mode(Mode::MultiPick));
}

#[test]
fn snapshot_sms_config_raw_json() {
    snapshots!("sms_raw_json", in_mode(Mode::EditLines));
}

#[test]
fn snapshot_diff_view() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "?v=2");
    press(&mut app, KeyCode::Enter);
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('d'));
    snapshots!("diff", app);
}

#[test]
fn snapshot_diff_of_sms_config_by_part() {
    let mut app = loaded();
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Thanks for calling.");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('d'));
    snapshots!("diff_sms", app);
}

#[test]
fn snapshot_confirm_send() {
    // With other profiles, so `a` (also send to…) is on offer.
    let mut app = in_mode(Mode::Confirm);
    app.profiles = vec!["demo".into(), "demo-2".into(), "demo-3".into()];
    snapshots!("confirm", app);
}

#[test]
fn snapshot_confirm_quit() {
    let mut app = in_mode(Mode::Browse);
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('q'));
    snapshots!("confirm_quit", app);
}

#[test]
fn snapshot_server_error() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let sent = sent_err(&app, server_error());
    update(&mut app, Action::Sent { seq, sent });
    snapshots!("server_error", app);
}

#[test]
fn snapshot_saved_with_a_key_not_taken() {
    let mut app = loaded();
    select(&mut app, "common.bparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "s");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Char('y'));
    let [Effect::Submit { seq, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let seq = *seq;
    let data = seed_answer().settings.to_json();
    let sent = sent_ok(&app, &app.model.base().clone(), data);
    update(&mut app, Action::Sent { seq, sent });
    snapshots!("not_taken", app);
}

/// A key sent that the answer does not report: `?` on its row (README:
/// "marks them `?` in the editor").
#[test]
fn snapshot_saved_with_a_key_unconfirmed() {
    let mut app = loaded();
    select(&mut app, "common.bparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "s");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Char('y'));
    let [Effect::Submit { seq, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let seq = *seq;
    let mut data = seed_answer().settings.to_json();
    data["common"]
        .as_object_mut()
        .expect("common")
        .remove("bparty_tag");
    let sent = sent_ok(&app, &app.model.base().clone(), data);
    update(&mut app, Action::Sent { seq, sent });
    assert!(matches!(
        app.model.flags().get(&id("common.bparty_tag")),
        Some(Flag::Unconfirmed { .. })
    ));
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown
            .lines()
            .any(|l| l.contains("bparty_tag") && l.contains('?')),
        "{shown}"
    );
    snapshots!("unconfirmed", app);
}

#[test]
fn snapshot_help_overlay() {
    snapshots!("help", in_mode(Mode::Help));
}

#[test]
fn snapshot_filter() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "dealloc");
    snapshots!("filter", app);
}

#[test]
fn snapshot_restore_draft_question() {
    let mut app = with_drafts();
    let draft = draft_of(
        &[("common.timezone", "UTC"), ("common.aparty_tag", "Agent")],
        &seed_answer().settings,
    );
    update(&mut app, Action::DraftRead(Ok(Some(draft))));
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    snapshots!("restore_draft", app);
}

#[test]
fn snapshot_conflict_view() {
    let mut app = in_conflict(loaded_with(seed_answer(), true));
    press(&mut app, KeyCode::Char('m'));
    snapshots!("conflicts", app);
}

#[test]
fn snapshot_too_small() {
    let mut app = loaded();
    insta::assert_snapshot!("too_small_80x21", screen(&mut app, 80, 21));
    insta::assert_snapshot!("too_small_60x20", screen(&mut app, 60, 20));
}

#[test]
fn snapshot_unknown_keys_under_other() {
    let mut data = seed_answer().settings.to_json();
    data["greenpin"]["pin_retries"] = json!(3);
    let mut app = loaded_with(answer_from(data), true);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('G'));
    snapshots!("other", app);
}

#[test]
fn snapshot_history_list() {
    let mut app = loaded();
    open_history(&mut app);
    press(&mut app, KeyCode::Down);
    snapshots!("history", app);
}

#[test]
fn snapshot_history_entry() {
    snapshots!("history_entry", in_mode(Mode::HistoryEntry));
}

#[test]
fn snapshot_history_unreadable() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::SetAside {
            moved_to: "/home/me/.local/share/exoset/prod/acme/history.json.unreadable-1795000000"
                .into(),
            reason: "corrupt (EOF while parsing an object at line 3 column 0)".into(),
        })),
    );
    snapshots!("history_unreadable", app);
}

#[test]
fn snapshot_history_entry_with_keys_left_out() {
    // Entry 3: default_flow_id changed again since; sms_config changed by part.
    let mut app = loaded();
    let mut data = seed_answer().settings.to_json();
    data["greenvn"]["default_flow_id"] = json!("999999");
    update(&mut app, key(KeyCode::Char('r')));
    update(
        &mut app,
        Action::Loaded {
            seq: 2,
            result: Ok(answer_from(data)),
        },
    );
    let mut history = history_fixture();
    let mut sms: Value = serde_json::from_str(
        app.model
            .base()
            .get(id("common.sms_config"))
            .expect("sms_config"),
    )
    .expect("json");
    sms["B"]["sms_enabled"] = json!("true");
    let entry = history_entry(
        4,
        &[
            ("greenvn.default_flow_id", json!("654321")),
            ("common.sms_config", json!(sms.to_string())),
            ("common.country", json!("US")),
        ],
    );
    history.entries.push(entry);
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::Found(history))),
    );
    press(&mut app, KeyCode::Enter);
    snapshots!("history_entry_left_out", app.clone());
    press(&mut app, KeyCode::Char('r'));
    snapshots!("history_rolled_back", app);
}

/// Entries whose answer was lost: `[unknown]` and `[applied]` in the list;
/// an unknown one's detail says so and `r` rolls nothing back.
#[test]
fn snapshot_history_with_lost_answers() {
    use crate::store::Outcome;
    let mut app = loaded();
    let mut history = history_fixture();
    history.entries[1].outcome = Outcome::Applied;
    let mut unknown = history_entry(4, &[("common.timezone", json!("UTC"))]);
    unknown.outcome = Outcome::Unknown;
    unknown.after = Value::Null;
    unknown.request_id = None;
    history.entries.push(unknown);
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::Found(history))),
    );
    let list = screen(&mut app, 120, 40);
    assert!(list.contains("[unknown] common.timezone"), "{list}");
    assert!(
        list.contains("[applied] 4 keys: common.deletion_time"),
        "{list}"
    );
    snapshots!("history_lost_answers", app.clone());
    press(&mut app, KeyCode::Enter);
    let entry = screen(&mut app, 120, 40);
    assert!(entry.contains("Outcome unknown"), "{entry}");
    snapshots!("history_entry_unknown", app.clone());
    press(&mut app, KeyCode::Char('r'));
    assert!(app.model.edits().is_empty());
    let said = screen(&mut app, 120, 40);
    assert!(said.contains("not known to have been applied"), "{said}");
}

#[test]
fn snapshot_values_in_indian_scripts_cjk_and_emoji() {
    snapshots!("many_scripts", loaded_in_many_scripts());
}

#[test]
fn snapshot_the_full_key_of_a_long_setting_at_80x24() {
    let mut app = loaded();
    select(
        &mut app,
        "greenpin.greenpin_failed_verification_event_endpoint",
    );
    let text = screen(&mut app, 80, 24);
    assert!(
        text.contains("Key      greenpin.greenpin_failed_verification_event_endpoint"),
        "{text}"
    );
    snapshots!("long_key", app);
}

/// A protected profile with a label: the title bar carries `[PROD]` (in
/// its colour, which a text snapshot cannot show; it still reads without),
/// and `y` to the send question asks for the tenant SID to be typed.
#[test]
fn snapshot_protected_profile_title_and_typed_sid() {
    let mut app = loaded();
    app.profile = Some("prod-a".into());
    app.tenant = Some("acme1".into());
    app.guard = crate::guard::ProfileGuard {
        mode: crate::guard::Mode::Protected,
        label: Some("PROD".into()),
        colour: None,
        require_reason: false,
    };
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    insta::assert_snapshot!("protected_title_80x24", screen(&mut app, 80, 24));
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(effects.is_empty(), "a bare y sends nothing: {effects:?}");
    insta::assert_snapshot!("protected_typed_sid_80x24", screen(&mut app, 80, 24));
    type_text(&mut app, "acme1");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Submit { confirmation: crate::guard::Confirmation::Tenant(sid), .. }] if sid == "acme1"
        ),
        "{effects:?}"
    );
}

/// A read-only profile: `y` sends nothing and says how to unlock it; the
/// changes stay.
#[test]
fn a_read_only_profile_sends_nothing_from_the_editor() {
    let mut app = loaded();
    app.profile = Some("prod-a".into());
    app.guard = crate::guard::ProfileGuard {
        mode: crate::guard::Mode::ReadOnly,
        ..crate::guard::ProfileGuard::default()
    };
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(effects.is_empty(), "{effects:?}");
    let text = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(text.contains("--write=prod-a"), "{text}");
    assert_eq!(app.model.edits().len(), 1);
}

/// Secrets in a webhook URL and a header are drawn masked in the list, the
/// detail pane and the diff; `R` shows the selected one until the
/// selection moves; a text holding the mask is never kept.
#[test]
fn secrets_are_masked_on_every_screen_until_revealed() {
    let mut answer = seed_answer();
    let endpoint = id("greenvn.greencall_complete_event_endpoint");
    let headers = id("greenvn.greencall_complete_event_headers");
    answer
        .settings
        .set(endpoint, "https://h.example/cb?auth_token=XYZW9secret");
    answer.settings.set(
        headers,
        r#"{"content_type":"application/json","Authorization":"Basic QWxhZGRpbg=="}"#,
    );
    let mut app = loaded_with(answer, false);
    let hidden = |screen: &str| !screen.contains("XYZW9") && !screen.contains("QWxh");
    let list = screen(&mut app, 120, 40);
    assert!(hidden(&list) && list.contains("••••"), "{list}");
    // An edit of the endpoint: the diff and the send question say that the
    // token changed, never what it is.
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "2");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('d'));
    let diff = screen(&mut app, 120, 40);
    assert!(hidden(&diff) && diff.contains("••••#"), "{diff}");
    press(&mut app, KeyCode::Esc);
    // R reveals the selected value; moving on masks it again.
    press(&mut app, KeyCode::Char('R'));
    let revealed = screen(&mut app, 120, 40);
    assert!(revealed.contains("XYZW9secret2"), "{revealed}");
    press(&mut app, KeyCode::Down);
    assert!(hidden(&screen(&mut app, 120, 40)));
    // Masked text typed back is refused, the value unchanged.
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    let before = app.model.value(endpoint).map(str::to_string);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, ModeState::Edit(_)));
    type_text(&mut app, "&token=••••");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.model.value(endpoint).map(str::to_string), before);
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("masked secret"), "{said}");
}

/// The secrets the tests below put in a webhook URL and a header, now
/// (loaded), before (in a history entry) and in a draft: none may show.
const SECRET_WORDS: [&str; 9] = [
    "hunter2pass",
    "abc123secret",
    "oldpass77",
    "old456secret",
    "left321secret",
    "now789token",
    "was000token",
    "draft55pass",
    "draft66secret",
];
const URL_NOW: &str = "https://user:hunter2pass@hooks.example/x?token=abc123secret";
const URL_BEFORE: &str = "https://olduser:oldpass77@hooks.example/x?token=old456secret";
const HEADERS_NOW: &str =
    r#"{"content_type":"application/json","Authorization":"Bearer now789token"}"#;
const HEADERS_BEFORE: &str =
    r#"{"content_type":"application/json","Authorization":"Bearer was000token"}"#;

fn leaked(screen: &str) -> Vec<&'static str> {
    SECRET_WORDS
        .into_iter()
        .filter(|w| screen.contains(w))
        .collect()
}

/// Loaded with `URL_NOW` and `HEADERS_NOW`; `--show-secrets` or not.
fn loaded_with_secrets(show_secrets: bool) -> App {
    let mut answer = seed_answer();
    answer
        .settings
        .set(id("greenvn.greencall_complete_event_endpoint"), URL_NOW);
    answer
        .settings
        .set(id("greenvn.greencall_complete_event_headers"), HEADERS_NOW);
    let mut app = loaded_with(answer, false);
    app.show_secrets = show_secrets;
    app
}

/// Entry 1 set the endpoint and the headers from their `_BEFORE` values to
/// what is loaded, and a tag from Devanagari; entry 2 set the endpoint to a
/// URL changed again since.
fn secret_history() -> crate::store::History {
    let endpoint = "greenvn.greencall_complete_event_endpoint";
    let headers = "greenvn.greencall_complete_event_headers";
    let mut first = history_entry(
        1,
        &[
            (endpoint, json!(URL_BEFORE)),
            (headers, json!(HEADERS_BEFORE)),
            ("common.aparty_tag", json!("ग्राहक सेवा")),
        ],
    );
    let mut second = history_entry(2, &[(endpoint, json!(URL_NOW))]);
    for (entry, url) in [
        (&mut first, URL_NOW),
        (
            &mut second,
            "https://user:hunter2pass@hooks.example/x?token=left321secret",
        ),
    ] {
        entry.before["greenvn"]["greencall_complete_event_headers"] = json!(HEADERS_NOW);
        for doc in [&mut entry.after, &mut entry.sent] {
            doc["greenvn"]["greencall_complete_event_endpoint"] = json!(url);
        }
        entry.after["greenvn"]["greencall_complete_event_headers"] = json!(HEADERS_NOW);
    }
    first.sent["greenvn"]["greencall_complete_event_headers"] = json!(HEADERS_NOW);
    first.before["greenvn"]["greencall_complete_event_headers"] = json!(HEADERS_BEFORE);
    crate::store::History {
        version: 1,
        next_id: 3,
        entries: vec![first, second],
    }
}

fn open_secret_history(app: &mut App) {
    assert_eq!(press(app, KeyCode::Char('H')), vec![Effect::ReadHistory]);
    let read = Some(crate::store::Loaded::Found(secret_history()));
    update(app, Action::HistoryRead(read));
}

/// An entry's old → new values are drawn masked, numbered so old and new
/// differ and the loaded value is told apart from one changed since (`↺`
/// and `!` as for values without secrets); rollback puts the real old
/// values back, and what it says of a value left out is masked too.
#[test]
fn the_history_masks_the_secrets_of_an_entry_and_rolls_back_the_real_values() {
    let mut app = loaded_with_secrets(false);
    // A reveal of the endpoint shows its value, not the ones it held before.
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Char('R'));
    assert!(screen(&mut app, 120, 40).contains("abc123secret"));
    open_secret_history(&mut app);
    // Newest first: entry 2, whose endpoint changed again since.
    press(&mut app, KeyCode::Enter);
    let changed_since = screen(&mut app, 120, 40);
    assert!(leaked(&changed_since).is_empty(), "{changed_since}");
    assert!(
        changed_since.contains("! changed again since: the loaded value is https://••••#"),
        "{changed_since}"
    );
    press(&mut app, KeyCode::Char('r'));
    let said = app.message.clone().expect("a message").text;
    assert!(said.contains("changed again since"), "{said}");
    assert!(leaked(&said).is_empty(), "{said}");
    assert!(said.contains("token=••••"), "{said}");
    // Entry 1: every key can be put back.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let entry = screen(&mut app, 120, 40);
    assert!(leaked(&entry).is_empty(), "{entry}");
    assert!(entry.contains("सेवा"), "{entry}");
    assert!(entry.contains(r#"Authorization  "••••#"#), "{entry}");
    assert!(!entry.contains("! changed again since"), "{entry}");
    assert!(
        entry.contains("r puts the old values marked ↺ back"),
        "{entry}"
    );
    // Old and new are told apart by their numbers.
    let side = |label: &str| {
        entry
            .lines()
            .find(|l| l.contains(&format!("{label} https://")))
            .map(|l| l.replace(label, ""))
    };
    assert!(side("old").is_some(), "{entry}");
    assert_ne!(side("old"), side("new"), "{entry}");
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.mode(), Mode::Browse);
    let edits = app.model.edits();
    assert_eq!(
        edits.get(id("greenvn.greencall_complete_event_endpoint")),
        Some(URL_BEFORE)
    );
    assert_eq!(
        edits.get(id("greenvn.greencall_complete_event_headers")),
        Some(HEADERS_BEFORE)
    );

    // --show-secrets: the same entry whole.
    let mut app = loaded_with_secrets(true);
    open_secret_history(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let entry = screen(&mut app, 120, 40);
    for word in ["oldpass77", "old456secret", "abc123secret", "was000token"] {
        assert!(entry.contains(word), "{word} missing from {entry}");
    }
    assert!(!entry.contains("••••"), "{entry}");
}

/// The offer of a draft shows the loaded value → the draft's masked, with
/// no `~` for a secret the server did not change; `y` restores the real
/// values.
#[test]
fn a_draft_offered_at_start_is_drawn_masked_and_restored_whole() {
    let endpoint = id("greenvn.greencall_complete_event_endpoint");
    let draft_url = "https://user:draft55pass@hooks.example/x?token=draft66secret";
    for show_secrets in [false, true] {
        let mut app = with_drafts();
        app.show_secrets = show_secrets;
        let base = loaded_with_secrets(false).model.base().clone();
        let draft = draft_of(
            &[
                ("greenvn.greencall_complete_event_endpoint", draft_url),
                ("common.aparty_tag", "ग्राहक सेवा"),
            ],
            &base,
        );
        update(&mut app, Action::DraftRead(Ok(Some(draft))));
        let mut answer = seed_answer();
        answer.settings = base;
        update(
            &mut app,
            Action::Loaded {
                seq: 1,
                result: Ok(answer),
            },
        );
        assert!(matches!(
            app.mode,
            ModeState::Confirm(Question::RestoreDraft)
        ));
        let offer = screen(&mut app, 80, 24);
        assert!(offer.contains("सेवा"), "{offer}");
        assert!(!offer.contains("changed on the server since"), "{offer}");
        if show_secrets {
            assert!(offer.contains("draft55pass"), "{offer}");
        } else {
            assert!(leaked(&offer).is_empty(), "{offer}");
            assert!(offer.contains("https://••••#"), "{offer}");
        }
        press(&mut app, KeyCode::Char('y'));
        assert_eq!(app.model.edits().get(endpoint), Some(draft_url));
    }
}

/// A refusal quoting the value sent is masked in the detail pane as on
/// the status line.
#[test]
fn a_refusal_quoting_a_secret_is_masked_in_the_detail_pane() {
    for show_secrets in [false, true] {
        let mut app = loaded_with_secrets(show_secrets);
        select(&mut app, "greenvn.greencall_complete_event_endpoint");
        press(&mut app, KeyCode::Enter);
        type_text(&mut app, "2");
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Char('s'));
        let effects = press(&mut app, KeyCode::Char('y'));
        let [Effect::Submit { seq, .. }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        let error = ApiError::Server {
            status: 400,
            code: Some("5".into()),
            message: Some(
                "greencall_complete_event_endpoint: user:hunter2pass token=abc123secret2 \
                 not reachable"
                    .into(),
            ),
            request_id: Some("req-refused".into()),
        };
        let sent = sent_err(&app, error);
        update(&mut app, Action::Sent { seq: *seq, sent });
        let detail = screen(&mut app, 120, 40);
        assert!(detail.contains("refused by the server"), "{detail}");
        if show_secrets {
            assert!(
                detail.contains("user:hunter2pass token=abc123secret2"),
                "{detail}"
            );
        } else {
            assert!(leaked(&detail).is_empty(), "{detail}");
            assert!(
                detail.contains("greencall_complete_event_endpoint: •••• token=•••• not"),
                "{detail}"
            );
        }
    }
}

/// Loaded with secrets, the endpoint edited to another URL with its own
/// and sent: the send's sequence number.
fn send_secret_endpoint(app: &mut App) -> u64 {
    select(app, "greenvn.greencall_complete_event_endpoint");
    press(app, KeyCode::Enter);
    update(
        app,
        Action::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(
        app,
        "https://bob:draft55pass@h.example/?token=draft66secret",
    );
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char('s'));
    let effects = press(app, KeyCode::Char('y'));
    let [Effect::Submit { seq, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    *seq
}

/// A value the server did not take is named on the status line and in the
/// words the editor exits with, which are printed once the terminal is
/// given back: masked there too.
#[test]
fn a_secret_not_taken_is_masked_on_the_status_line_and_at_the_exit() {
    for show_secrets in [false, true] {
        let mut app = loaded_with_secrets(show_secrets);
        let seq = &send_secret_endpoint(&mut app);
        // The server answers with the old URL: not taken.
        let before = app.model.base().clone();
        let sent = sent_ok(&app, &before, before.to_json());
        update(&mut app, Action::Sent { seq: *seq, sent });
        let said = screen(&mut app, 120, 40);
        assert!(said.contains("not take 1 key as sent"), "{said}");
        let exit = app.exit.clone().expect("an exit").message;
        if show_secrets {
            assert!(said.contains("draft55pass"), "{said}");
            assert!(exit.contains("draft55pass"), "{exit}");
        } else {
            assert!(leaked(&said).is_empty(), "{said}");
            assert!(said.contains("(sent https://••••@h.example"), "{said}");
            assert!(leaked(&exit).is_empty(), "{exit}");
        }
    }
}

/// The words a conflict leaves the editor with name the value loaded, the
/// server's and mine: each masked.
#[test]
fn the_words_a_conflict_exits_with_mask_every_value_they_name() {
    let mut app = loaded_with_secrets(false);
    let seq = send_secret_endpoint(&mut app);
    let mut fresh = app.model.base().clone();
    fresh.set(id("greenvn.greencall_complete_event_endpoint"), URL_BEFORE);
    let sent = sent_conflicts(&app, fresh);
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(app.mode(), Mode::Conflicts);
    let exit = app.exit.clone().expect("an exit").message;
    assert!(exit.contains("was \"https://••••@hooks.example"), "{exit}");
    assert!(leaked(&exit).is_empty(), "{exit}");
    let shown = screen(&mut app, 120, 40);
    assert!(leaked(&shown).is_empty(), "{shown}");
}

/// Whether a value is valid is the real value's to say, not its masked
/// text's: a space hidden inside a secret still marks the row `!` and
/// says why in the detail pane; a valid secret URL is not marked.
#[test]
fn a_secret_value_is_judged_valid_or_not_by_its_real_text() {
    let key = "greenvn.greencall_complete_event_endpoint";
    let set = |app: &mut App, value: &str| {
        select(app, key);
        press(app, KeyCode::Enter);
        update(
            app,
            Action::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
        type_text(app, value);
        press(app, KeyCode::Enter);
    };
    for show_secrets in [false, true] {
        let mut app = loaded_with_secrets(show_secrets);
        set(&mut app, "https://h.example/cc?token=abc defSECRET");
        let drawn = screen(&mut app, 120, 40);
        assert!(
            drawn.contains("must not contain spaces"),
            "show_secrets {show_secrets}:\n{drawn}"
        );
        let row = drawn
            .lines()
            .find(|l| l.starts_with('›') && l.contains("Endpoint"))
            .unwrap_or_else(|| panic!("{drawn}"));
        assert!(row.contains('!'), "{row}");
        if !show_secrets {
            assert!(!drawn.contains("defSECRET"), "{drawn}");
        }
        set(&mut app, "https://u:pw@h.example/cc?token=validSECRET9");
        let drawn = screen(&mut app, 120, 40);
        assert!(!drawn.contains("must not contain spaces"), "{drawn}");
        let row = drawn
            .lines()
            .find(|l| l.starts_with('›') && l.contains("Endpoint"))
            .unwrap_or_else(|| panic!("{drawn}"));
        assert!(!row.contains('!') && row.contains('*'), "{row}");
    }
}
