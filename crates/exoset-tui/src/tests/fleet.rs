//! "Also send to…" in the update loop: view ids, one send per `y`, Esc
//! while sending, and the results (this tenant's among them).

use super::bindings::with_profiles;
use super::*;
use crate::exit::Failure;
use crate::fleet::{Kind, Member, Outcome, Plan};
use crate::overlay::fleet::Phase;

/// Timezone changed, `s`, `a`, the tenants at `ticks` (rows of acme-b,
/// acme-c, acme-d) ticked, Enter: the view's id from the plan effect.
fn planning(app: &mut App, ticks: &[usize]) -> u64 {
    if app.model.edits().is_empty() {
        with_profiles(app);
        app.tenant = Some("AC-A".into());
        select(app, "common.timezone");
        press(app, KeyCode::Char(' '));
    }
    press(app, KeyCode::Char('s'));
    press(app, KeyCode::Char('a'));
    for row in 0..3 {
        if ticks.contains(&row) {
            press(app, KeyCode::Char(' '));
        }
        press(app, KeyCode::Down);
    }
    let effects = press(app, KeyCode::Enter);
    let [Effect::PlanFleet { view, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    *view
}

fn member(profile: &str, tenant: &str) -> Member {
    Member {
        profile: profile.into(),
        tenant: Some(tenant.into()),
        session: Err(Failure {
            code: 1,
            message: "not opened in this test".into(),
            request_id: None,
        }),
    }
}

/// The plan of sending this editor's pending change.
fn send_plan(app: &App) -> Plan {
    Plan::Send {
        base: app.model.base().clone(),
        edits: app.model.edits().clone(),
        changes: app.model.changes().clone(),
        unchanged: 0,
    }
}

fn outcome(profile: &str, kind: Kind) -> Outcome {
    Outcome {
        profile: profile.into(),
        tenant: format!("T-{profile}"),
        kind,
        exit_code: 0,
        message: format!("{} here", kind.as_str()),
        request_id: None,
        changes: Vec::new(),
        warnings: Vec::new(),
    }
}

fn view(app: &App) -> &crate::overlay::fleet::FleetView {
    app.fleet_view().expect("the fleet view is open")
}

#[test]
fn a_plan_for_a_closed_view_is_not_taken_by_a_newer_one() {
    let mut app = loaded();
    let old = planning(&mut app, &[0]);
    update(
        &mut app,
        Action::FleetOpened {
            view: old,
            members: vec![member("acme-b", "AC-B")],
        },
    );
    // Closed before its plan came; a new view for other tenants opens.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Browse);
    let new = planning(&mut app, &[1, 2]);
    assert_ne!(old, new);
    let plan = send_plan(&app);
    let effects = update(
        &mut app,
        Action::FleetOpened {
            view: old,
            members: vec![member("acme-b", "AC-B")],
        },
    );
    assert!(effects.is_empty());
    update(
        &mut app,
        Action::FleetPlanned {
            view: old,
            plans: vec![plan.clone()],
        },
    );
    assert!(view(&app).members.is_empty(), "the old view's members");
    assert!(view(&app).plans.is_none(), "the old view's plan");
    assert_eq!(view(&app).phase, Phase::Planning);
    // `y` now sends nothing: the new view is still reading.
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    // Its own messages are taken; a plan short of a member sends nobody
    // twice and panics nowhere.
    update(
        &mut app,
        Action::FleetOpened {
            view: new,
            members: vec![member("acme-c", "AC-C"), member("acme-d", "AC-D")],
        },
    );
    update(
        &mut app,
        Action::FleetPlanned {
            view: new,
            plans: vec![plan],
        },
    );
    assert_eq!(view(&app).phase, Phase::Ready);
    let lines = view(&app).lines(200);
    assert!(lines[0].1.starts_with("acme-c (AC-C): ready"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|(_, l)| l.starts_with("acme-d (AC-D): reading"))
    );
}

#[test]
fn y_sends_once_then_sending_then_each_result_and_the_totals() {
    let mut app = loaded();
    let id = planning(&mut app, &[0, 1]);
    let plan = send_plan(&app);
    update(
        &mut app,
        Action::FleetOpened {
            view: id,
            members: vec![member("acme-b", "AC-B"), member("acme-c", "AC-C")],
        },
    );
    update(
        &mut app,
        Action::FleetPlanned {
            view: id,
            plans: vec![plan.clone(), plan],
        },
    );
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Submit { .. }, Effect::SendFleet { view, .. }] if *view == id
        ),
        "{effects:?}"
    );
    let seq = app.request.as_ref().expect("this tenant's send").seq;
    // A second `y` while sending: nothing at all.
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    assert_eq!(
        app.request.as_ref().map(|r| r.seq),
        Some(seq),
        "not re-sent"
    );
    let lines: Vec<String> = view(&app).lines(200).into_iter().map(|l| l.1).collect();
    assert_eq!(
        lines,
        [
            "acme-a (AC-A, this tenant): sending…",
            "acme-b (AC-B): sending…",
            "acme-c (AC-C): sending…"
        ],
    );
    let shown = screen(&mut app, 100, 30);
    assert!(!shown.contains("Esc cancels"), "{shown}");
    assert!(shown.contains("Esc: stop"), "{shown}");
    assert!(
        shown.contains("Esc stop"),
        "the key bar says the same: {shown}"
    );
    assert!(
        !shown.contains("send all"),
        "y is not offered again: {shown}"
    );
    // Each result as it comes.
    update(
        &mut app,
        Action::FleetResult {
            view: id,
            index: 1,
            outcome: Box::new(outcome("acme-c", Kind::Failed)),
        },
    );
    assert!(
        view(&app).lines(200)[2]
            .1
            .starts_with("acme-c (AC-C): failed")
    );
    // Esc while sending stops; it does not close.
    let effects = press(&mut app, KeyCode::Esc);
    assert_eq!(effects, vec![Effect::StopFleet { view: id }]);
    assert_eq!(app.mode(), Mode::Fleet);
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.mode(), Mode::Fleet, "still open while sends are out");
    update(
        &mut app,
        Action::FleetSent {
            view: id,
            outcomes: vec![
                outcome("acme-b", Kind::Sent),
                outcome("acme-c", Kind::Failed),
            ],
        },
    );
    assert!(view(&app).in_flight(), "this tenant's answer is still out");
    let before = app.model.base().clone();
    let mut data = before.to_json();
    data["common"]["timezone"] = json!("UTC");
    let sent = sent_ok(&app, &before, data);
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(view(&app).phase, Phase::Done);
    let lines = view(&app).lines(200);
    assert!(
        lines[0].1.starts_with("acme-a (AC-A, this tenant): sent"),
        "{lines:?}"
    );
    let shown = screen(&mut app, 100, 30);
    assert!(shown.contains("2 sent, 1 failed.  Esc: close"), "{shown}");
    assert!(!shown.contains("Sent."), "{shown}");
    // `y` after the results: nothing sent, and no talk of reading.
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    let said = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(said.contains("Already sent"), "{said}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Browse);
}

#[test]
fn the_totals_and_the_word_for_esc_stay_in_sight_below_many_rows() {
    use crate::overlay::fleet::{FleetView, OwnRow};
    let mut app = loaded();
    let names: Vec<String> = (1..=30).map(|i| format!("unit-{i}")).collect();
    let mut view = FleetView::planning(7, names.clone(), OwnRow::default());
    view.members = names.iter().map(|n| member(n, "T")).collect();
    view.planned(names.iter().map(|_| send_plan(&app)).collect());
    view.sending(None);
    view.fleet_sent(names.iter().map(|n| outcome(n, Kind::Sent)).collect());
    app.mode = ModeState::Fleet(Box::new(view));
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("30 sent.  Esc: close"), "{shown}");
    assert!(!shown.contains("unit-30 (T)"), "the rows scroll: {shown}");
}

/// Above `max_tenants_per_send`, `y` asks for the number of tenants that
/// will change: a wrong number sends nothing; the right one sends, and the
/// send carries the ceiling and the number to the engine, which holds every
/// tenant to them.
#[test]
fn above_the_ceiling_the_number_of_tenants_is_typed_before_the_send() {
    let planned = |app: &mut App| -> u64 {
        let id = planning(app, &[0]);
        let plan = send_plan(app);
        update(
            app,
            Action::FleetOpened {
                view: id,
                members: vec![member("acme-b", "AC-B")],
            },
        );
        update(
            app,
            Action::FleetPlanned {
                view: id,
                plans: vec![plan],
            },
        );
        id
    };
    let mut app = loaded();
    // This tenant alone will change (the other's session is not open):
    // one tenant, above a ceiling of 0.
    app.max_tenants_per_send = Some(0);
    let id = planned(&mut app);
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    let shown = screen(&mut app, 100, 30);
    assert!(
        shown.contains("more than max_tenants_per_send = 0")
            && shown.contains("type how many tenants will change"),
        "{shown}"
    );
    type_text(&mut app, "2");
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "a wrong number sends"
    );
    assert!(
        screen(&mut app, 100, 30).contains("Not sent: 2 was typed, but 1 tenant will change"),
        "{}",
        screen(&mut app, 100, 30)
    );
    assert!(app.request.is_none(), "nothing was sent");

    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    type_text(&mut app, "1");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Submit { .. }, Effect::SendFleet { view, ceiling, .. }]
                if *view == id
                    && *ceiling == crate::fleet::Ceiling { configured: Some(0), typed: Some(1) }
        ),
        "{effects:?}"
    );
}
