//! Every binding of the table, in every mode it lists, does what it says.
use super::*;

// ----- fixtures for each mode -----

pub(super) fn in_mode(mode: Mode) -> App {
    let mut app = loaded();
    match mode {
        Mode::Browse => select(&mut app, "common.deletion_time"),
        Mode::Filter => {
            select(&mut app, "common.deletion_time");
            press(&mut app, KeyCode::Char('/'));
        }
        Mode::EditText => {
            select(&mut app, "common.aparty_tag");
            press(&mut app, KeyCode::Enter);
        }
        Mode::EditLines => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::End);
            press(&mut app, KeyCode::Enter);
        }
        Mode::Pick => {
            select(&mut app, "greenvn.greencall_complete_event_method");
            press(&mut app, KeyCode::Enter);
        }
        Mode::MultiPick => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Enter);
        }
        Mode::SmsForm => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
        }
        Mode::Diff => {
            // Enough changes for the diff to scroll at 80×24.
            for path in [
                "common.timezone",
                "common.intl_num_sup",
                "common.tag_enabled",
                "common.lcr_enabled",
                "greenpin.aparty_pin_enabled",
                "greenpin.bparty_pin_enabled",
            ] {
                select(&mut app, path);
                press(&mut app, KeyCode::Char(' '));
            }
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Char(' '));
            press(&mut app, KeyCode::Esc);
            select(&mut app, "greenvn.greencall_complete_event_endpoint");
            press(&mut app, KeyCode::Enter);
            type_text(&mut app, "?v=2");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Char('d'));
        }
        Mode::DraftOffer => {
            app = with_drafts();
            let base = seed_answer().settings;
            let draft = draft_of(
                &[
                    ("common.timezone", "UTC"),
                    ("common.aparty_tag", "Agent"),
                    ("common.deletion_time", "60"),
                    ("greenvn.default_flow_id", "42"),
                ],
                &base,
            );
            update(&mut app, Action::DraftRead(Ok(Some(draft))));
            update(
                &mut app,
                Action::Loaded {
                    seq: 1,
                    result: Ok(seed_answer()),
                },
            );
        }
        Mode::Confirm => {
            select(&mut app, "common.timezone");
            press(&mut app, KeyCode::Char(' '));
            press(&mut app, KeyCode::Char('s'));
        }
        Mode::Conflicts => {
            select(&mut app, "common.deletion_time");
            app = in_conflict(app);
        }
        Mode::Help => {
            press(&mut app, KeyCode::Char('?'));
        }
        Mode::History => open_history(&mut app),
        Mode::HistoryEntry => {
            open_history(&mut app);
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Enter);
        }
        Mode::Tenants => {
            with_profiles(&mut app);
            press(&mut app, KeyCode::Char('P'));
        }
        Mode::Fleet => {
            with_profiles(&mut app);
            select(&mut app, "common.timezone");
            press(&mut app, KeyCode::Char(' '));
            press(&mut app, KeyCode::Char('s'));
            press(&mut app, KeyCode::Char('a'));
            press(&mut app, KeyCode::Char('A'));
            let effects = press(&mut app, KeyCode::Enter);
            let [Effect::PlanFleet { view, profiles, .. }] = effects.as_slice() else {
                panic!("{effects:?}");
            };
            assert_eq!(profiles, &["acme-b", "acme-c", "acme-d"]);
            let view = *view;
            update(
                &mut app,
                Action::FleetOpened {
                    view,
                    members: Vec::new(),
                },
            );
            update(
                &mut app,
                Action::FleetPlanned {
                    view,
                    plans: vec![
                        crate::fleet::Plan::Unchanged {
                            unchanged: 1,
                            same_tenant_as: None,
                        };
                        3
                    ],
                },
            );
        }
    }
    assert_eq!(app.mode(), mode, "fixture for {mode:?}");
    app
}

/// Four profiles in config.toml, this editor on the first.
pub(super) fn with_profiles(app: &mut App) {
    app.profiles = ["acme-a", "acme-b", "acme-c", "acme-d"]
        .map(String::from)
        .to_vec();
    app.profile = Some("acme-a".into());
}

/// Where the cursor of the current mode's list is, and how long that list is.
fn position(app: &App) -> (usize, usize) {
    match &app.mode {
        ModeState::Browse | ModeState::Filter(_) => {
            let rows = app.rows();
            let items = crate::rows::items(&rows);
            let at = app
                .selected_key()
                .and_then(|k| items.iter().position(|i| **i == k))
                .unwrap_or(0);
            (at, items.len())
        }
        ModeState::Pick(pick) => (pick.cursor, pick.options.len()),
        ModeState::MultiPick(multi) => (multi.cursor, multi.ticks.len()),
        ModeState::SmsForm => (
            app.form.as_ref().map_or(0, |f| f.cursor),
            selectable().len(),
        ),
        ModeState::Diff { scroll } | ModeState::Help { scroll, .. } => (*scroll, app.overlay_len()),
        ModeState::Conflicts { cursor } => (*cursor, app.model.conflicts().len()),
        ModeState::Confirm(Question::RestoreDraft) => app
            .draft_offer
            .as_ref()
            .map_or((0, 0), |o| (o.cursor, o.draft.edits.len())),
        ModeState::History(view) => match view.open {
            Some((_, at)) => (at, view.opened().map_or(0, |i| i.changed.len())),
            None => (view.cursor, view.items().len()),
        },
        ModeState::Tenants(pick) => (pick.cursor, pick.names.len()),
        ModeState::Fleet(view) => (view.cursor, view.names.len()),
        _ => (0, 0),
    }
}

fn set_position(app: &mut App, at: usize) {
    match &mut app.mode {
        ModeState::Browse | ModeState::Filter(_) => {
            let rows = app.rows();
            let items = crate::rows::items(&rows);
            let key = items[at].clone();
            app.selected[tab_index(app.tab)] = Some(key);
        }
        ModeState::Pick(pick) => pick.cursor = at,
        ModeState::MultiPick(multi) => multi.cursor = at,
        ModeState::SmsForm => {
            if let Some(form) = app.form.as_mut() {
                form.cursor = at;
            }
        }
        ModeState::Diff { scroll } | ModeState::Help { scroll, .. } => *scroll = at,
        ModeState::Conflicts { cursor } => *cursor = at,
        ModeState::Confirm(Question::RestoreDraft) => {
            if let Some(offer) = app.draft_offer.as_mut() {
                offer.cursor = at;
            }
        }
        ModeState::History(view) => match &mut view.open {
            Some((_, key)) => *key = at,
            None => view.cursor = at,
        },
        ModeState::Tenants(pick) => pick.cursor = at,
        ModeState::Fleet(view) => view.cursor = at,
        _ => {}
    }
}

fn event(k: KeyPress) -> Action {
    Action::Key(KeyEvent::new(k.code, k.mods))
}

/// Sends `k` in `mode` and checks it did what `command` means there.
fn exercise(mode: Mode, command: Command, k: KeyPress) {
    let what = format!("{} in {mode:?} ({command:?})", k.label());
    let mut app = in_mode(mode);
    match command {
        Command::QuitNow => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Quit], "{what}");
            assert!(app.quit, "{what}");
        }
        Command::Quit => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Quit], "{what}: no edits, quits");
            let mut edited = in_mode(mode);
            select(&mut edited, "common.timezone");
            update(&mut edited, key(KeyCode::Char(' ')));
            assert!(update(&mut edited, event(k)).is_empty(), "{what}");
            assert!(
                matches!(edited.mode, ModeState::Confirm(Question::Quit)),
                "{what}: asks when changes are pending"
            );
        }
        Command::ShowTab(section) => {
            // Start on another pane, so the key must move there.
            let other = if section == Section::Greenvn {
                Section::Common
            } else {
                Section::Greenvn
            };
            app.tab = other;
            update(&mut app, event(k));
            assert_eq!(app.tab, section, "{what}");
        }
        Command::NextTab | Command::PrevTab => {
            assert_eq!(app.tab, Section::Common);
            update(&mut app, event(k));
            let want = if command == Command::NextTab {
                Section::Greenvn
            } else {
                Section::Greenpin
            };
            assert_eq!(app.tab, want, "{what}");
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::First
        | Command::Last => {
            set_position(&mut app, 1);
            let (before, len) = position(&app);
            assert!(len >= 3, "{what}: the fixture list is too short");
            update(&mut app, event(k));
            let (after, _) = position(&app);
            let ok = match command {
                Command::Up => after == before - 1,
                Command::Down => after == before + 1,
                Command::PageUp | Command::First => after == 0,
                Command::PageDown => after > before + 1 || after == len - 1,
                _ => after == len - 1,
            };
            assert!(ok, "{what}: {before} -> {after} of {len}");
        }
        Command::Edit => {
            update(&mut app, event(k));
            match mode {
                Mode::Browse => {
                    // deletion_time is an int: Enter opens the inline text edit.
                    assert_eq!(app.mode(), Mode::EditText, "{what}");
                }
                Mode::SmsForm => {
                    // The first row is A.sms_enabled: Enter toggles it.
                    assert_eq!(
                        app.form
                            .as_ref()
                            .and_then(|f| f.display(0, "sms_enabled"))
                            .as_deref(),
                        Some("true"),
                        "{what}"
                    );
                    assert!(
                        app.model.edits().get(id("common.sms_config")).is_some(),
                        "{what}"
                    );
                }
                _ => panic!("{what}: no check"),
            }
        }
        Command::Toggle => match mode {
            Mode::Browse => {
                select(&mut app, "common.lcr_enabled");
                update(&mut app, event(k));
                assert_eq!(app.value(id("common.lcr_enabled")), Some("false"), "{what}");
            }
            Mode::SmsForm => {
                update(&mut app, event(k));
                let form = app.form.as_ref().expect("form open");
                assert_eq!(
                    form.display(0, "sms_enabled").as_deref(),
                    Some("true"),
                    "{what}"
                );
            }
            _ => panic!("{what}: no check"),
        },
        Command::Revert => {
            let field = id("common.deletion_time");
            update(&mut app, key(KeyCode::Enter));
            type_text(&mut app, "0");
            update(&mut app, key(KeyCode::Enter));
            assert_eq!(app.model.edits().get(field), Some("18000"));
            update(&mut app, event(k));
            assert_eq!(app.model.edits().get(field), None, "{what}");
            assert_eq!(app.value(field), Some("1800"), "{what}");
        }
        Command::Filter => {
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Filter, "{what}");
        }
        Command::ShowDiff => {
            update(&mut app, event(k));
            assert!(matches!(app.mode, ModeState::Diff { .. }), "{what}");
        }
        Command::Submit => {
            if mode == Mode::Browse {
                update(&mut app, key(KeyCode::Char('u')));
                select(&mut app, "common.timezone");
                update(&mut app, key(KeyCode::Char(' ')));
            }
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing goes out before y");
            assert!(
                matches!(app.mode, ModeState::Confirm(Question::Send)),
                "{what}"
            );
        }
        Command::Reload => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Load { seq: 2 }], "{what}");
            assert!(app.busy(), "{what}");
        }
        Command::Copy => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Copy("1800".into())], "{what}");
        }
        Command::Reveal => {
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}");
            assert_eq!(app.reveal, app.selected_field(), "{what}");
            update(&mut app, event(k));
            assert_eq!(app.reveal, None, "{what}: pressed again, masked again");
        }
        Command::ExternalEdit => {
            let effects = update(&mut app, event(k));
            let want = match mode {
                Mode::Browse => Effect::ExternalEdit {
                    target: EditTarget::Field(id("common.deletion_time")),
                    text: "1800".into(),
                    json: false,
                },
                Mode::SmsForm => {
                    let Some(Effect::ExternalEdit { target, json, text }) = effects.first() else {
                        panic!("{what}: {effects:?}");
                    };
                    assert_eq!(*target, EditTarget::Raw(id("common.sms_config")), "{what}");
                    assert!(
                        *json && text.contains("\n  \"A\": {"),
                        "{what}: pretty JSON"
                    );
                    return;
                }
                _ => panic!("{what}: no check"),
            };
            assert_eq!(effects, vec![want], "{what}");
        }
        Command::Help => {
            update(&mut app, event(k));
            let ModeState::Help { back, .. } = &app.mode else {
                panic!("{what}: {:?}", app.mode());
            };
            let back_mode = match back.as_ref() {
                ModeState::Browse => Mode::Browse,
                ModeState::SmsForm => Mode::SmsForm,
                ModeState::Diff { .. } => Mode::Diff,
                ModeState::Conflicts { .. } => Mode::Conflicts,
                _ => Mode::Help,
            };
            assert_eq!(back_mode, mode, "{what}: help returns where it came from");
        }
        Command::Cancel => {
            press(&mut app, KeyCode::Char('r'));
            assert!(app.busy());
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Cancel], "{what}");
            assert!(!app.busy(), "{what}");
            // The cancelled request's answer, should it come, is ignored.
            update(
                &mut app,
                Action::Loaded {
                    seq: 2,
                    result: Err(server_error()),
                },
            );
            assert!(
                !app.message.as_ref().is_some_and(|m| m.tone == Tone::Error),
                "{what}"
            );
            // With nothing in flight, Esc clears the filter.
            app.filter = "tag".into();
            update(&mut app, event(k));
            assert!(app.filter.is_empty(), "{what}");
        }
        Command::FilterDone => {
            type_text(&mut app, "tag");
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.filter, "tag", "{what}");
        }
        Command::FilterClear => {
            type_text(&mut app, "tag");
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert!(app.filter.is_empty(), "{what}");
        }
        Command::Keep => match mode {
            Mode::EditText => {
                type_text(&mut app, "\tX");
                let text_before = app.value(id("common.aparty_tag")).map(str::to_string);
                update(&mut app, event(k));
                assert_eq!(app.mode(), Mode::Browse, "{what}");
                assert_ne!(
                    app.value(id("common.aparty_tag")).map(str::to_string),
                    text_before
                );
            }
            Mode::EditLines => {
                press(&mut app, KeyCode::Backspace);
                update(&mut app, event(k));
                let field = id("common.sms_config");
                assert!(
                    app.model.edits().get(field).is_some(),
                    "{what}: invalid JSON kept"
                );
                assert!(app.problem(field).is_some(), "{what}: and marked");
            }
            _ => panic!("{what}: no check"),
        },
        Command::Newline => {
            let ModeState::Edit(edit) = &app.mode else {
                panic!()
            };
            let lines = edit.input.lines().len();
            update(&mut app, event(k));
            let ModeState::Edit(edit) = &app.mode else {
                panic!("{what}: still editing");
            };
            assert_eq!(edit.input.lines().len(), lines + 1, "{what}");
        }
        Command::Discard => {
            type_text(&mut app, "zzz");
            let edits = app.model.edits().clone();
            update(&mut app, event(k));
            assert_eq!(*app.model.edits(), edits, "{what}: nothing kept");
            let back = if mode == Mode::EditLines {
                Mode::SmsForm
            } else {
                Mode::Browse
            };
            assert_eq!(app.mode(), back, "{what}");
        }
        Command::Choose => match mode {
            Mode::Pick => {
                set_position(&mut app, 0);
                update(&mut app, event(k));
                let field = id("greenvn.greencall_complete_event_method");
                assert_eq!(app.value(field), Some("GET"), "{what}");
                assert_eq!(app.mode(), Mode::Browse, "{what}");
            }
            Mode::MultiPick => {
                set_position(&mut app, 0);
                update(&mut app, key(KeyCode::Char(' ')));
                update(&mut app, event(k));
                let form = app.form.as_ref().expect("form");
                assert_eq!(
                    form.display(0, "on_status").as_deref(),
                    Some("no-answer, failed, canceled"),
                    "{what}"
                );
                assert_eq!(app.mode(), Mode::SmsForm, "{what}");
            }
            Mode::Fleet => {
                set_position(&mut app, 2);
                assert!(update(&mut app, event(k)).is_empty(), "{what}");
                let view = app.fleet_view().expect("the fleet view");
                assert_eq!(view.open, Some(2), "{what}");
                let shown = screen(&mut app, 100, 30);
                assert!(shown.contains("acme-d (…) · Esc back"), "{what}: {shown}");
                // Esc goes back to the list, not out of the view.
                press(&mut app, KeyCode::Esc);
                assert_eq!(app.mode(), Mode::Fleet, "{what}");
                assert_eq!(app.fleet_view().and_then(|v| v.open), None, "{what}");
            }
            Mode::Tenants => {
                set_position(&mut app, 1);
                let effects = update(&mut app, event(k));
                assert_eq!(
                    effects,
                    vec![Effect::SwitchTenant("acme-c".into())],
                    "{what}"
                );
                assert_eq!(app.mode(), Mode::Browse, "{what}");
            }
            _ => panic!("{what}: no check"),
        },
        Command::Mark if mode == Mode::Tenants => {
            // Ticks only when choosing tenants to also send to.
            let mut app = in_mode(Mode::Confirm);
            with_profiles(&mut app);
            press(&mut app, KeyCode::Char('a'));
            update(&mut app, event(k));
            let ModeState::Tenants(pick) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(pick.ticks, vec![true, false, false], "{what}");
        }
        Command::DetailDown | Command::DetailUp => {
            app.detail_scroll = 2;
            update(&mut app, event(k));
            let want = if command == Command::DetailDown { 3 } else { 1 };
            assert_eq!(app.detail_scroll, want, "{what}");
            // Any other key starts the pane at its top again.
            press(&mut app, KeyCode::Down);
            assert_eq!(app.detail_scroll, 0, "{what}");
        }
        Command::MarkAll => {
            // Ticks every tenant when also sending; again, none.
            let mut app = in_mode(Mode::Confirm);
            with_profiles(&mut app);
            press(&mut app, KeyCode::Char('a'));
            press(&mut app, KeyCode::Char(' '));
            update(&mut app, event(k));
            let ModeState::Tenants(pick) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(pick.ticks, vec![true, true, true], "{what}");
            update(&mut app, event(k));
            let ModeState::Tenants(pick) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(pick.ticks, vec![false, false, false], "{what}");
            // In `P` it does nothing.
            let mut switch = in_mode(Mode::Tenants);
            update(&mut switch, event(k));
            let ModeState::Tenants(pick) = &switch.mode else {
                panic!("{what}")
            };
            assert_eq!(pick.ticks, vec![false, false, false], "{what}");
        }
        Command::Mark => {
            let ModeState::MultiPick(before) = app.mode.clone() else {
                panic!()
            };
            update(&mut app, event(k));
            let ModeState::MultiPick(after) = &app.mode else {
                panic!()
            };
            assert_ne!(before.ticks[0], after.ticks[0], "{what}");
        }
        Command::Close if mode == Mode::Conflicts => {
            let edits = app.model.edits().clone();
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing is sent");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(*app.model.edits(), edits, "{what}: the edits stay");
            assert_eq!(app.model.conflicts().len(), 3, "{what}: the conflicts stay");
            assert!(
                matches!(
                    app.model.flags().get(&id("common.timezone")),
                    Some(Flag::Conflict { .. })
                ),
                "{what}: and stay marked"
            );
            // A send comes back to them rather than going out.
            assert!(press(&mut app, KeyCode::Char('s')).is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Conflicts, "{what}");
        }
        Command::KeepMine | Command::TakeTheirs => {
            set_position(&mut app, 1);
            update(&mut app, event(k));
            let want = if command == Command::KeepMine {
                Choice::Mine
            } else {
                Choice::Theirs
            };
            let choices: Vec<_> = app.model.conflicts().iter().map(|c| c.choice).collect();
            assert_eq!(choices, vec![None, Some(want), None], "{what}");
            assert_eq!(
                position(&app).0,
                0,
                "{what}: on to the first key still open"
            );
            assert!(
                app.model.edits().get(id("common.timezone")).is_some(),
                "{what}: applied only on Enter"
            );
        }
        Command::KeepAllMine | Command::TakeAllTheirs => {
            update(&mut app, event(k));
            let want = if command == Command::KeepAllMine {
                Choice::Mine
            } else {
                Choice::Theirs
            };
            assert!(
                app.model.conflicts().iter().all(|c| c.choice == Some(want)),
                "{what}"
            );
        }
        Command::Resolve => {
            // Refused while a key has no choice: nothing goes out.
            press(&mut app, KeyCode::Char('t'));
            assert!(update(&mut app, event(k)).is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Conflicts, "{what}");
            assert_eq!(position(&app).0, 1, "{what}: shows the first open key");
            // Theirs for timezone, mine for the rest.
            press(&mut app, KeyCode::Char('m'));
            press(&mut app, KeyCode::Char('m'));
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing is sent before y");
            assert!(
                matches!(app.mode, ModeState::Confirm(Question::Send)),
                "{what}"
            );
            assert!(
                app.model.conflicts().is_empty() && app.model.flags().is_empty(),
                "{what}"
            );
            assert_eq!(
                app.model.edits().get(id("common.timezone")),
                None,
                "{what}: theirs"
            );
            assert_eq!(app.value(id("common.timezone")), Some("GMT"), "{what}");
            assert_eq!(
                app.model.edits().get(id("common.deletion_time")),
                Some("60"),
                "{what}: mine"
            );
            assert_eq!(
                app.model.base().get(id("common.deletion_time")),
                Some("120"),
                "{what}"
            );
            let effects = press(&mut app, KeyCode::Char('y'));
            let [Effect::Submit { base, edits, .. }] = effects.as_slice() else {
                panic!("{what}: {effects:?}");
            };
            assert_eq!(
                base.get(id("common.country")),
                Some("SG"),
                "{what}: taken in"
            );
            let body = body_of(base, edits).expect("a body");
            assert_eq!(
                body,
                json!({"common": {"deletion_time": 60, "aparty_tag": "Mine"}}),
                "{what}"
            );
        }
        Command::Close if mode == Mode::DraftOffer => {
            // Esc puts the question off: the draft is kept, never discarded.
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::PostponeDraft], "{what}");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert!(app.model.edits().is_empty(), "{what}: nothing restored");
        }
        Command::Close => {
            let edits = app.model.edits().clone();
            update(&mut app, event(k));
            let want = match mode {
                Mode::MultiPick => Mode::SmsForm,
                Mode::HistoryEntry => Mode::History,
                _ => Mode::Browse,
            };
            assert_eq!(app.mode(), want, "{what}");
            assert_eq!(*app.model.edits(), edits, "{what}: closing changes nothing");
            if mode == Mode::SmsForm {
                assert!(app.form.is_none(), "{what}");
            }
        }
        Command::Yes if mode == Mode::DraftOffer => {
            set_position(&mut app, 2);
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.model.edits().len(), 4, "{what}: restored");
            assert_eq!(
                app.model.edits().get(id("common.timezone")),
                Some("UTC"),
                "{what}"
            );
            // The pane holding the first change is shown, that change selected.
            let first = app.model.edits().iter().next().map(|(id, _)| id);
            assert_eq!(first.map(|f| f.setting().section), Some(app.tab), "{what}");
            assert_eq!(app.selected_field(), first, "{what}");
        }
        Command::No if mode == Mode::DraftOffer => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::DiscardDraft], "{what}");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert!(app.model.edits().is_empty(), "{what}: nothing restored");
        }
        Command::LineStart
        | Command::LineEnd
        | Command::DeleteToStart
        | Command::DeleteToEnd
        | Command::DeleteWordBack
        | Command::Undo => {
            // Home and End (not bound to these) put the cursor where the
            // readline key must act.
            type_text(&mut app, " ab");
            let before = current_line(&app);
            match command {
                Command::LineEnd | Command::DeleteToEnd => press(&mut app, KeyCode::Home),
                _ => vec![],
            };
            update(&mut app, event(k));
            let after = current_line(&app);
            match command {
                Command::LineStart | Command::LineEnd => {
                    type_text(&mut app, "Q");
                    let typed = current_line(&app);
                    if command == Command::LineStart {
                        assert_eq!(typed, format!("Q{before}"), "{what}");
                    } else {
                        assert_eq!(typed, format!("{before}Q"), "{what}");
                    }
                }
                Command::DeleteToStart | Command::DeleteToEnd => {
                    assert_eq!(after, "", "{what}: {before:?} cleared");
                }
                Command::DeleteWordBack => {
                    assert_eq!(after, before.trim_end_matches("ab"), "{what}");
                }
                _ => assert_eq!(after, before.trim_end_matches('b'), "{what}: undone"),
            }
            if mode == Mode::Filter {
                assert_eq!(app.filter, current_line(&app), "{what}: the filter follows");
            }
        }
        Command::Yes => {
            let effects = update(&mut app, event(k));
            let [Effect::Submit { base, edits, .. }, ..] = effects.as_slice() else {
                panic!("{what}: {effects:?}");
            };
            assert_eq!(ChangeSet::new(base, edits).rows.len(), 1, "{what}");
            assert!(app.busy(), "{what}");
        }
        Command::No => {
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.model.edits().len(), 1, "{what}: the edit stays");
        }
        Command::History => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::ReadHistory], "{what}");
            assert_eq!(app.mode(), Mode::History, "{what}");
        }
        Command::Tenants => {
            // No other profile: said, and nothing opens.
            assert!(update(&mut app, event(k)).is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            with_profiles(&mut app);
            assert!(update(&mut app, event(k)).is_empty(), "{what}");
            let ModeState::Tenants(pick) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(pick.names, ["acme-b", "acme-c", "acme-d"], "{what}");
        }
        Command::AlsoSend => {
            with_profiles(&mut app);
            assert!(
                update(&mut app, event(k)).is_empty(),
                "{what}: nothing sent yet"
            );
            assert_eq!(app.mode(), Mode::Tenants, "{what}");
        }
        Command::ShowEntry => {
            set_position(&mut app, 1);
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::HistoryEntry, "{what}");
            let ModeState::History(view) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(view.opened().map(|i| i.id), Some(2), "{what}");
        }
        Command::Rollback => {
            // Entry 2 set four keys; rolling back puts their old values back,
            // unsent, and closes the view.
            let effects = update(&mut app, event(k));
            assert!(
                effects
                    .iter()
                    .all(|e| matches!(e, Effect::SaveDraft { .. })),
                "{what}: nothing is sent: {effects:?}"
            );
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.value(id("common.aparty_tag")), Some("Caller"), "{what}");
            assert_eq!(app.value(id("common.deletion_time")), Some("600"), "{what}");
            assert_eq!(app.model.edits().len(), 4, "{what}");
            assert!(!app.busy(), "{what}");
        }
    }
}

#[test]
fn every_binding_does_what_the_table_says_in_each_of_its_modes() {
    let mut checked = 0;
    for binding in BINDINGS {
        for &mode in binding.modes {
            for &k in binding.keys {
                exercise(mode, binding.command, k);
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "only {checked} key presses checked");
}

/// The line the cursor is on, in the text field of the current mode.
fn current_line(app: &App) -> String {
    let input = match &app.mode {
        ModeState::Filter(input) => input,
        ModeState::Edit(edit) => &edit.input,
        _ => panic!("no text field in {:?}", app.mode()),
    };
    let row = input.cursor().0;
    input.lines().get(row).cloned().unwrap_or_default()
}
