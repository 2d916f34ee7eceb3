//! The editor's behaviours the README promises, through `update`, without a
//! terminal.
use super::*;

// ----- behaviours -----

#[test]
fn typing_an_invalid_int_shows_the_message_and_enter_keeps_it_marked() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "99999");
    let ModeState::Edit(edit) = &app.mode else {
        panic!()
    };
    let message = edit.error.clone().expect("invalid while typing");
    assert!(message.contains("from 0 to 86400"), "{message}");
    press(&mut app, KeyCode::Enter);
    let field = id("common.deletion_time");
    assert_eq!(app.model.edits().get(field), Some("18099999"));
    assert!(app.problem(field).is_some());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("invalid"))
    );
}

#[test]
fn esc_in_a_text_edit_forgets_what_was_typed() {
    let mut app = loaded();
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "xyz");
    press(&mut app, KeyCode::Esc);
    assert!(app.model.edits().is_empty());
    assert_eq!(app.value(id("common.aparty_tag")), Some("Customer"));
}

#[test]
fn submit_is_refused_while_a_field_is_invalid_and_jumps_to_it() {
    let mut app = loaded();
    select(&mut app, "greenvn.default_flow_id");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "x");
    press(&mut app, KeyCode::Enter);
    select(&mut app, "common.timezone");
    app.filter = "time".into();
    let effects = press(&mut app, KeyCode::Char('s'));
    assert!(effects.is_empty());
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(app.tab, Section::Greenvn);
    assert!(app.filter.is_empty(), "the filter hid the field");
    assert_eq!(app.selected_field(), Some(id("greenvn.default_flow_id")));
    let message = app.message.clone().expect("a message");
    assert_eq!(message.tone, Tone::Error);
    assert!(
        message
            .text
            .contains("greenvn.default_flow_id: must be digits only"),
        "{}",
        message.text
    );
}

#[test]
fn an_endpoint_with_unreported_companions_cannot_be_sent() {
    let mut app = loaded();
    select(&mut app, "greenpin.greenpin_verified_caller_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "https://example.com/hook");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.selected_field(),
        Some(id("greenpin.greenpin_verified_caller_event_method"))
    );
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("must be set too"))
    );
}

#[test]
fn a_sent_endpoint_shows_its_companions_in_the_diff() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "/v2");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.model
            .changes()
            .rows
            .iter()
            .filter(|r| r.companion)
            .count(),
        2
    );
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&mut app, 80, 24);
    assert!(
        text.contains("= greenvn.greencall_complete_event_method"),
        "{text}"
    );
    assert!(text.contains("unchanged, sent with its endpoint"), "{text}");
}

pub(super) fn send_timezone(app: &mut App) -> u64 {
    select(app, "common.timezone");
    press(app, KeyCode::Char(' '));
    press(app, KeyCode::Char('s'));
    let effects = press(app, KeyCode::Char('y'));
    let [
        Effect::Submit {
            seq, base, edits, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(base, app.model.base());
    let body = body_of(base, edits).expect("a body");
    assert_eq!(body["common"]["timezone"], json!("UTC"));
    *seq
}

#[test]
fn a_successful_put_becomes_the_base_and_keys_not_taken_are_flagged() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    let seq = send_timezone(&mut app);
    update(&mut app, Action::Checked { seq });
    assert_eq!(
        app.request.as_ref().map(|r| r.kind),
        Some(RequestKind::Sending)
    );
    let mut data = seed_answer().settings.to_json();
    data["common"]["timezone"] = json!("UTC");
    // The server kept deletion_time at its old value.
    let sent = sent_ok(&app, &app.model.base().clone(), data);
    update(&mut app, Action::Sent { seq, sent });
    assert!(!app.busy());
    assert_eq!(app.model.base().get(id("common.timezone")), Some("UTC"));
    assert_eq!(
        app.model.edits().get(id("common.timezone")),
        None,
        "taken, so no longer an edit"
    );
    let field = id("common.deletion_time");
    assert!(matches!(
        app.model.flags().get(&field),
        Some(Flag::NotTaken { .. })
    ));
    let message = app.message.clone().expect("message");
    assert_eq!(message.tone, Tone::Warning);
    assert!(
        message
            .text
            .contains("common.deletion_time (sent 18000, server has 1800)"),
        "{}",
        message.text
    );
    assert!(
        message.text.contains("request_id req-2"),
        "{}",
        message.text
    );
}

#[test]
fn a_failed_put_shows_status_code_message_and_request_id_and_keeps_the_edits() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let sent = sent_err(&app, server_error());
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(app.model.edits().get(id("common.timezone")), Some("UTC"));
    let text = app.message.clone().expect("message").text;
    for part in [
        "HTTP 400",
        "code 5",
        "unsupported method",
        "9f1c2d7e-0b7a-4c55-a2b1-7d1f0e6c9a31",
        "kept",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}

#[test]
fn a_change_only_on_the_server_is_taken_in_said_and_the_send_goes_on() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let mut fresh = app.model.base().clone();
    fresh.set(id("common.country"), "SG");
    fresh.set(id("common.deletion_time"), "120");
    let mut data = fresh.to_json();
    data["common"]["timezone"] = json!("UTC");
    let sent = sent_ok(&app, &fresh, data);
    let Sent::Done(done) = sent.as_ref() else {
        panic!("{sent:?}");
    };
    assert_eq!(
        done.changes.body().ok().flatten(),
        Some(json!({"common": {"timezone": "UTC"}})),
        "what was only changed on the server is not sent back"
    );
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(
        app.model.base().get(id("common.country")),
        Some("SG"),
        "the answer is the base"
    );
    let text = app.message.clone().expect("message").text;
    assert!(text.starts_with("Saved 1 change"), "{text}");
    assert!(text.contains("Taken in from the server first: "), "{text}");
    assert!(text.contains("common.country"), "{text}");
    assert!(text.contains("common.deletion_time"), "{text}");
}

#[test]
fn a_change_on_both_sides_opens_the_conflict_view_and_nothing_is_sent() {
    let mut app = in_conflict(loaded());
    assert_eq!(app.mode(), Mode::Conflicts);
    assert!(!app.busy());
    assert_eq!(
        app.model.base().get(id("common.country")),
        Some("SG"),
        "taken in"
    );
    let ids: Vec<_> = app
        .model
        .conflicts()
        .iter()
        .map(|c| c.conflict.id)
        .collect();
    assert_eq!(
        ids,
        vec![
            id("common.timezone"),
            id("common.deletion_time"),
            id("common.aparty_tag")
        ]
    );
    let c = &app.model.conflicts()[1].conflict;
    assert_eq!(
        (c.base.as_deref(), c.mine.as_str(), c.theirs.as_deref()),
        (Some("1800"), "60", Some("120"))
    );
    assert_eq!(
        app.model.edits().get(id("common.deletion_time")),
        Some("60")
    );
    let text = app.message.clone().expect("message").text;
    assert!(
        text.contains("Taken in from the server: common.country"),
        "{text}"
    );
    assert!(
        text.contains("Not sent: 3 settings changed both here"),
        "{text}"
    );
    // Editing a conflicted key by hand settles it.
    press(&mut app, KeyCode::Esc);
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(app.model.conflicts().len(), 2);
}

#[test]
fn a_load_error_is_shown_and_r_tries_again() {
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let effects = app.start();
    assert_eq!(effects, vec![Effect::Load { seq: 1 }]);
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Err(server_error()),
        },
    );
    assert!(!app.loaded && !app.busy());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("r tries again"))
    );
    // Nothing can be edited or sent before the settings are known.
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    assert!(app.model.edits().is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        vec![Effect::Load { seq: 2 }]
    );
}

#[test]
fn reload_with_pending_edits_asks_and_yes_discards_them() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    assert!(press(&mut app, KeyCode::Char('r')).is_empty());
    assert!(matches!(app.mode, ModeState::Confirm(Question::Reload)));
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Effect::Load { seq: 2 }]
    );
    assert!(app.model.edits().is_empty());
}

#[test]
fn cancelling_a_put_in_flight_warns_that_it_may_have_landed() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    update(&mut app, Action::Checked { seq });
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Effect::Cancel]);
    let message = app.message.clone().expect("message");
    assert_eq!(message.tone, Tone::Warning);
    assert!(message.text.contains("may still have applied"));
    assert_eq!(app.model.edits().len(), 1);
}

#[test]
fn space_steps_an_enum_and_toggles_a_bool_and_an_unreported_bool_leaves_its_default() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_method");
    for want in ["GET", "POST", "POST_XML", "POST_JSON"] {
        press(&mut app, KeyCode::Char(' '));
        assert_eq!(
            app.value(id("greenvn.greencall_complete_event_method")),
            Some(want)
        );
    }
    assert!(
        app.model.edits().is_empty(),
        "back to the loaded value is no edit"
    );
    let mut sparse = loaded_with(answer_from(json!({"common": {"timezone": "IST"}})), false);
    select(&mut sparse, "common.intl_num_sup");
    press(&mut sparse, KeyCode::Enter);
    assert_eq!(sparse.value(id("common.intl_num_sup")), Some("true"));
}

#[test]
fn headers_pick_a_content_type_keeping_other_headers_or_go_raw() {
    let mut app = loaded_with(
        answer_from(json!({"greenvn": {
            "greencall_complete_event_headers": "{\"content_type\": \"json\", \"X-Token\": \"abc\"}"
        }})),
        false,
    );
    let field = id("greenvn.greencall_complete_event_headers");
    select(&mut app, "greenvn.greencall_complete_event_headers");
    press(&mut app, KeyCode::Enter);
    let ModeState::Pick(pick) = &app.mode else {
        panic!()
    };
    assert_eq!(pick.current, Some(0));
    assert_eq!(
        pick.options.last().map(String::as_str),
        Some(RAW_JSON_OPTION)
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.value(field),
        Some(r#"{"content_type": "application/xml", "X-Token": "abc"}"#)
    );
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.mode(),
        Mode::EditText,
        "raw JSON of headers edits in place"
    );
    // Picking json again is the loaded document: no edit.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Enter);
    assert!(app.model.edits().is_empty());
}

#[test]
fn the_sms_form_edits_parts_and_writes_valid_json() {
    let mut app = loaded();
    let field = id("common.sms_config");
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    // B.sender_id: absent until set.
    let at = selectable()
        .iter()
        .position(|r| *r == FormRow::Part(1, "sender_id"))
        .expect("row");
    app.form.as_mut().expect("form").cursor = at;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditText);
    type_text(&mut app, "EXOTEL");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::SmsForm);
    let value: Value = serde_json::from_str(app.value(field).expect("value")).expect("json");
    assert_eq!(value["B"]["sender_id"], json!("EXOTEL"));
    assert_eq!(value["A"]["sender_id"], json!("MONOTEL"));
    assert!(app.problem(field).is_none());
    // The multi-line body: Alt-Enter starts a new line, Enter keeps.
    let body = selectable()
        .iter()
        .position(|r| *r == FormRow::Part(1, "sms_body"))
        .expect("row");
    app.form.as_mut().expect("form").cursor = body;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditLines);
    type_text(&mut app, "Hi");
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)),
    );
    type_text(&mut app, "there");
    press(&mut app, KeyCode::Enter);
    let value: Value = serde_json::from_str(app.value(field).expect("value")).expect("json");
    assert_eq!(value["B"]["sms_body"], json!("Hi\nthere"));
    // u on the row reverts the whole document.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('u'));
    assert!(app.model.edits().is_empty());
}

#[test]
fn an_sms_config_the_form_cannot_show_opens_as_raw_json() {
    let mut app = loaded_with(
        answer_from(json!({"common": {"sms_config": "{\"C\": {}}"}})),
        false,
    );
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditLines);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("unknown party"))
    );
}

#[test]
fn unknown_keys_are_listed_under_other_and_read_only() {
    let mut data = seed_answer().settings.to_json();
    data["greenpin"]["pin_retries"] = json!(3);
    data["greenzap"] = json!({"beta": "on"});
    let mut app = loaded_with(answer_from(data), false);
    app.tab = Section::Greenpin;
    let rows = app.rows();
    let key = RowKey::Unknown("greenpin".into(), "pin_retries".into());
    assert!(rows.contains(&crate::rows::Row::Item(key.clone())));
    app.selected[tab_index(Section::Greenpin)] = Some(key);
    press(&mut app, KeyCode::Enter);
    assert!(app.model.edits().is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("read-only"))
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Effect::Copy("3".into())]
    );
    app.tab = Section::Common;
    let common = screen(&mut app, 120, 40);
    assert!(common.contains("Other — not known to exoset"), "{common}");
    assert!(common.contains("beta"), "{common}");
}

#[test]
fn the_filter_narrows_as_you_type_and_the_selection_follows() {
    let mut app = loaded();
    app.tab = Section::Greenvn;
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "flow");
    assert_eq!(app.filter, "flow");
    assert_eq!(app.selected_field(), Some(id("greenvn.default_flow_id")));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(
        crate::rows::items(&app.rows()).len(),
        0,
        "no flow on Common"
    );
}

#[test]
fn pasting_into_a_one_line_edit_drops_newlines() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    let ModeState::Edit(edit) = &mut app.mode else {
        panic!()
    };
    edit.input.select_all();
    edit.input.cut();
    update(&mut app, Action::Paste("https://example.com/new\n".into()));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.value(id("greenvn.greencall_complete_event_endpoint")),
        Some("https://example.com/new")
    );
}

#[test]
fn the_mouse_is_ignored_unless_asked_for_and_then_clicks_tabs_and_rows() {
    let click = |column, row| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = loaded();
    update(&mut app, click(28, 0));
    assert_eq!(app.tab, Section::Greenvn, "no --mouse, no clicks");
    app.mouse = true;
    update(&mut app, click(28, 0));
    assert_eq!(app.tab, Section::Common);
    // Row 3 of the list (y = 1 + 3) is timezone.
    update(&mut app, click(10, 4));
    assert_eq!(app.selected_field(), Some(id("common.timezone")));
    let scroll = Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 4,
        modifiers: KeyModifiers::NONE,
    });
    update(&mut app, scroll);
    assert_eq!(app.selected_field(), Some(id("common.deletion_time")));
}

#[test]
fn an_external_edit_comes_back_as_an_edit_without_the_final_newline() {
    let mut app = loaded();
    let field = id("common.aparty_tag");
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Field(field),
            result: Ok("Caller\n".into()),
        },
    );
    assert_eq!(app.value(field), Some("Caller"));
    let sms = id("common.sms_config");
    let pretty = crate::overlay::edit::pretty_json(app.model.base().get(sms).unwrap_or_default());
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Raw(sms),
            result: Ok(pretty),
        },
    );
    assert_eq!(
        app.model.edits().get(sms),
        None,
        "the same document, re-indented, is no edit"
    );
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Field(field),
            result: Err("vi exited with exit status: 1; the value is unchanged".into()),
        },
    );
    assert_eq!(app.value(field), Some("Caller"));
    assert_eq!(app.message.as_ref().map(|m| m.tone), Some(Tone::Error));
}

#[test]
fn stale_answers_are_ignored() {
    let mut app = loaded();
    update(
        &mut app,
        Action::Loaded {
            seq: 7,
            result: Err(server_error()),
        },
    );
    assert_ne!(app.message.as_ref().map(|m| m.tone), Some(Tone::Error));
    assert!(app.exit.is_none(), "{:?}", app.exit);
    // A stale success changes nothing either: not the settings, not the
    // edits, not the message.
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "X");
    press(&mut app, KeyCode::Enter);
    let message = app.message.clone();
    let mut moved = seed_answer();
    moved.settings.set(id("common.aparty_tag"), "Server");
    moved.settings.set(id("common.bparty_tag"), "Moved");
    update(
        &mut app,
        Action::Loaded {
            seq: 7,
            result: Ok(moved),
        },
    );
    assert_eq!(app.value(id("common.aparty_tag")), Some("CustomerX"));
    assert_eq!(
        app.model.base().get(id("common.bparty_tag")),
        seed_answer().settings.get(id("common.bparty_tag"))
    );
    assert_eq!(app.model.edits().len(), 1);
    assert_eq!(app.message, message);
}

#[test]
fn the_spinner_turns_only_on_ticks() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('r'));
    let before = app.status_lines()[0].1.clone();
    assert!(
        before.contains("Loading settings from 127.0.0.1"),
        "{before}"
    );
    // Keys, a resize, a notice: none of them turns it.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('x'));
    update(&mut app, Action::Resize(100, 30));
    update(&mut app, Action::Notice("hello".into()));
    assert_eq!(app.status_lines()[0].1, before, "only a tick turns it");
    update(&mut app, Action::Tick);
    assert_ne!(app.status_lines()[0].1, before);
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "x");
    update(&mut app, Action::Resize(80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| crate::view::draw(f, &app))
        .expect("draws");
    for cell in terminal.backend().buffer().content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
}

#[test]
fn the_key_bar_and_help_come_from_the_table() {
    let mut app = loaded();
    let browse: Vec<String> = BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&Mode::Browse))
        .filter_map(|b| Some(format!("{} {}", b.keys.first()?.label(), b.bar?)))
        .collect();
    for (width, height) in [(80, 24), (120, 40)] {
        let text = screen(&mut app, width, height);
        let bar = text.lines().last().unwrap_or_default().to_string();
        let shown: Vec<&str> = bar
            .split("  ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        // Keys left out for room are said to be: the bar ends `… ? more`.
        let cut = shown.last() == Some(&"… ? more");
        for entry in shown.iter().filter(|e| **e != "… ? more") {
            assert!(
                browse.iter().any(|b| b == entry),
                "{entry:?} is not in the table"
            );
        }
        let left_out = browse
            .iter()
            .filter(|b| !b.starts_with("? ") && !b.starts_with("Space "))
            .any(|b| !shown.contains(&b.as_str()));
        assert_eq!(cut, left_out, "{bar:?}");
        let help = if cut { "… ? more" } else { "? help" };
        for must in ["Enter edit", "s send", "q quit", help] {
            assert!(shown.contains(&must), "{must} missing from {bar:?}");
        }
    }
    press(&mut app, KeyCode::Char('?'));
    let lines = crate::overlay::help::lines(&app.theme, app.mouse, 118);
    let all: String = lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
                + "\n"
        })
        .collect();
    for b in BINDINGS {
        assert!(all.contains(b.help), "{} missing from the help", b.help);
    }
}

#[test]
fn osc52_wraps_base64_between_esc_52_and_bel() {
    assert_eq!(crate::osc52("IST"), "\x1b]52;c;SVNU\x07");
}

#[test]
fn json_is_written_on_one_spaced_line_and_diffed_by_part() {
    let value = json!({"A": {"sms_enabled": "true", "on_status": ["busy", "failed"]}});
    assert_eq!(
        json_line(&value),
        r#"{"A": {"sms_enabled": "true", "on_status": ["busy", "failed"]}}"#
    );
    let old = json!({"A": {"sms_enabled": "false", "sender_id": "X"}, "B": {}});
    let new = json!({"A": {"sms_enabled": "true"}, "B": {"sms_body": "hi"}});
    let change = |path: &str, old: Option<&str>, new: Option<&str>| JsonChange {
        path: path.into(),
        old: old.map(str::to_string),
        new: new.map(str::to_string),
    };
    assert_eq!(
        json_changes(&old, &new),
        vec![
            change("A.sms_enabled", Some("\"false\""), Some("\"true\"")),
            change("A.sender_id", Some("\"X\""), None),
            change("B.sms_body", None, Some("\"hi\"")),
        ]
    );
}

/// Behind the too-small notice `update` drops every key but q and Ctrl-C:
/// a Space, Enter, `u` and a typed filter change nothing, and once the
/// terminal is large enough again the editor is as it was. (The PTY test
/// types and resizes through the real terminal; this is the filter itself,
/// with no timing between keys and the resize.)
#[test]
fn behind_the_too_small_notice_update_drops_every_key_but_q_and_ctrl_c() {
    let mut app = loaded();
    update(&mut app, Action::Resize(80, 24));
    select(&mut app, "common.lcr_enabled");
    update(&mut app, Action::Resize(60, 20));
    assert!(app.too_small());
    for code in [
        KeyCode::Char(' '),
        KeyCode::Enter,
        KeyCode::Char('u'),
        KeyCode::Char('/'),
        KeyCode::Char('z'),
        KeyCode::Enter,
        KeyCode::Char('d'),
        KeyCode::Char('?'),
    ] {
        let effects = press(&mut app, code);
        assert!(effects.is_empty(), "{code:?}: {effects:?}");
    }
    update(&mut app, Action::Resize(80, 24));
    assert!(!app.too_small());
    assert!(app.model.edits().is_empty(), "nothing edited");
    assert!(app.filter.is_empty(), "no filter typed: {:?}", app.filter);
    assert!(matches!(app.mode, ModeState::Browse), "no overlay opened");
    assert_eq!(app.selected_field(), Some(id("common.lcr_enabled")));
    // q still acts behind the notice: with nothing pending, it quits.
    update(&mut app, Action::Resize(60, 20));
    let effects = press(&mut app, KeyCode::Char('q'));
    assert!(matches!(effects[..], [Effect::Quit]), "{effects:?}");
}
