//! "Also send to…" in the real binary, in a pseudo-terminal, at thirty
//! tenants of a multi-tenant simulator: the tick list's select-all and
//! paging, the summary that stays in sight, and profiles that reach one
//! tenant sending once.

use crate::support::pty::Pty;
use exoset_core::schema::lookup_path;
use exoset_sim::{SimConfig, Simulator};
use std::time::Duration;

/// Generous: CI runs these on two busy cores.
const WAIT: Duration = Duration::from_secs(30);
const ENTER: &str = "\r";

/// A simulator with `n` tenants and a config.toml with `unit-1` … `unit-n`,
/// one per tenant, plus `extra` (TOML) appended.
fn fleet(n: usize, extra: &str) -> (Simulator, tempfile::TempDir) {
    let sim = Simulator::start_background(SimConfig::fleet(n)).expect("simulator");
    let home = tempfile::tempdir().expect("temp dir");
    let mut text = String::new();
    for (i, sid) in sim.sids().iter().enumerate() {
        text.push_str(&profile(&format!("unit-{}", i + 1), sid, &sim.base_url()));
    }
    text.push_str(extra);
    std::fs::write(home.path().join("config.toml"), text).expect("config");
    (sim, home)
}

fn profile(name: &str, sid: &str, base_url: &str) -> String {
    format!(
        "[profiles.{name}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
         base_url = \"{base_url}\"\ntoken_command = \"echo demo-token\"\n\n"
    )
}

/// The editor on `unit-1`, `cols`×`rows`, `intl_num_sup` toggled (no
/// tenant of the fleet differs there) and the send question open.
fn editor_with_a_change(home: &tempfile::TempDir, cols: u16, rows: u16) -> Pty {
    let home = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["-p", "unit-1"],
        &[("EXOSET_HOME", home.as_str())],
        cols,
        rows,
    );
    pty.wait_for("Loaded ", WAIT);
    pty.type_str(&format!("3/intl_num{ENTER}"));
    pty.wait_for("(Esc clears)", WAIT);
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    pty.type_str("s");
    pty.wait_for("Send 1 change to unit-1 (tenant", WAIT);
    pty
}

/// At the send question: `a`, every one of the `others` ticked (`A`),
/// Enter, and every plan read `ready`.
fn plan_on_all_the_others(pty: &mut Pty, others: usize) {
    pty.type_str("a");
    pty.wait_for(&format!("0 of {others} ticked"), WAIT);
    pty.type_str("A");
    pty.wait_for(&format!("{others} of {others} ticked"), WAIT);
    pty.type_str(ENTER);
    pty.wait_for(&format!("{others} ready · 0 left out · 0 invalid"), WAIT);
}

fn intl(sim: &Simulator, sid: &str) -> Option<String> {
    sim.settings_of(sid)?
        .get(lookup_path("common.intl_num_sup")?)
        .map(str::to_string)
}

#[test]
fn thirty_tenants_tick_all_page_down_and_send_with_the_summary_in_sight() {
    let (sim, home) = fleet(30, "");
    let mut pty = editor_with_a_change(&home, 80, 24);
    let screen = pty.screen();
    assert!(screen.contains("a also send to other tenants"), "{screen}");
    pty.type_str("a");
    let screen = pty.wait_for("0 of 29 ticked", WAIT);
    assert!(screen.contains("unit-2"), "{screen}");
    assert!(
        screen.contains("exoset-demo-2"),
        "the SID beside the name:\n{screen}"
    );
    // Select-all, then PgDn: the cursor leaves the first page.
    pty.type_str("A");
    pty.wait_for("29 of 29 ticked", WAIT);
    pty.send(b"\x1b[6~");
    let screen = pty.wait_gone("› [x] unit-2 ", WAIT);
    assert!(screen.contains("› [x] unit-"), "{screen}");
    pty.type_str("G");
    pty.wait_for("› [x] unit-9 ", WAIT); // names sort as text: unit-9 is last
    pty.type_str("g");
    pty.wait_for("› [x] unit-10 ", WAIT);
    // The filter: j, k and g are typed into it; Esc clears it, ticks stay.
    pty.type_str("/");
    pty.type_str("demo-2");
    let screen = pty.wait_for("(11 shown)", WAIT);
    assert!(!screen.contains("unit-3 "), "{screen}");
    pty.type_str("\x1b");
    pty.wait_gone("shown)", WAIT);
    pty.wait_for("29 of 29 ticked", WAIT);
    pty.type_str(ENTER);
    // The summary and what y does stay on screen at 29 tenants.
    let screen = pty.wait_for("29 ready · 0 left out · 0 invalid", WAIT);
    assert!(
        screen.contains("y sends to this tenant and to 29 other tenants  Esc: close"),
        "{screen}"
    );
    assert!(!screen.contains("left out)"), "{screen}");
    pty.type_str("y");
    pty.wait_for("30 sent.", Duration::from_secs(60));
    for sid in sim.sids() {
        assert_eq!(sim.put_count_of(&sid), 1, "{sid}");
        assert_eq!(intl(&sim, &sid).as_deref(), Some("true"), "{sid}");
    }
    pty.type_str("\x1b");
    pty.wait_gone("Also send to", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
}

#[test]
fn a_ticked_profile_on_this_editors_tenant_is_warned_of_and_not_sent_twice() {
    let (sim, home) = fleet(2, "");
    let base = sim.base_url();
    let sids = sim.sids();
    let extra = profile("unit-1-alias", &sids[0], &format!("{base}/"));
    let mut text = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    text.push_str(&extra);
    std::fs::write(home.path().join("config.toml"), text).unwrap();
    let mut pty = editor_with_a_change(&home, 80, 24);
    pty.type_str("a");
    let screen = pty.wait_for("ticked", WAIT);
    assert!(
        screen.contains("same tenant as this one: not sent twice"),
        "{screen}"
    );
    pty.type_str("A");
    pty.wait_for("2 of 2 ticked", WAIT);
    pty.type_str(ENTER);
    let screen = pty.wait_for("ready · 0 left out", WAIT);
    assert!(
        screen.contains("unit-1-alias (exoset-demo-1): unchanged — same tenant as unit-1"),
        "{screen}"
    );
    pty.type_str("y");
    pty.wait_for("1 unchanged.", WAIT);
    assert_eq!(
        sim.put_count_of(&sids[0]),
        1,
        "one PUT to the shared tenant"
    );
    assert_eq!(sim.put_count_of(&sids[1]), 1);
    pty.type_str("\x1b");
    pty.wait_gone("Also send to", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

/// 80×24 inside tmux or screen with a status line is 80×23 (two: 80×22):
/// the editor fits both, and the send question names the tenant there;
/// 80×21 gets the notice.
#[test]
fn the_editor_fits_80x23_and_80x22_and_refuses_80x21() {
    let (_sim, home) = fleet(1, "");
    let mut pty = editor_with_a_change(&home, 80, 23);
    pty.wait_for("y send  n/Esc back", WAIT);
    pty.type_str("n");
    pty.wait_gone("Send these changes?", WAIT);
    pty.resize(80, 22);
    // The list, the detail pane and the key bar, all on 22 rows.
    let screen = pty.wait_for("Allow international numbers.", WAIT);
    assert!(!screen.contains("terminal too small"), "{screen}");
    assert!(screen.contains("Enter edit"), "{screen}");
    pty.resize(80, 21);
    pty.wait_for("terminal too small (need 80×22, have 80×21)", WAIT);
    pty.resize(80, 23);
    pty.wait_gone("terminal too small", WAIT);
    pty.type_str("u");
    pty.wait_gone("3 Common *1", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
}

/// The demo in a PTY at 100×30, state under `home`.
fn demo(home: &std::path::Path) -> Pty {
    let home = home.to_string_lossy().into_owned();
    let pty = Pty::spawn(&["--demo"], &[("EXOSET_HOME", home.as_str())], 100, 30);
    pty.wait_for("Loaded ", WAIT);
    pty
}

/// Every demo tenant keeps its simulated settings across restarts, beside
/// its history under state/demo/, so deleting that folder resets them all;
/// and the title stays `profile (tenant) · simulator` through `P`.
#[test]
fn every_demo_tenant_keeps_its_settings_and_all_live_under_state_demo() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut pty = demo(home.path());
    pty.wait_for("exoset · demo (exoset-demo) · simulator", WAIT);
    pty.type_str(&format!("3/intl_num{ENTER}"));
    pty.wait_for("(Esc clears)", WAIT);
    pty.type_str(" ");
    pty.wait_for("3 Common *1", WAIT);
    pty.type_str("s");
    pty.wait_for("Send 1 change to demo (tenant exoset-demo at", WAIT);
    plan_on_all_the_others(&mut pty, 2);
    pty.type_str("y");
    pty.wait_for("3 sent.", WAIT);
    pty.type_str("\x1b");
    pty.wait_gone("Also send to", WAIT);
    pty.type_str("\x1b");
    pty.wait_gone("(Esc clears)", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    let demo_dir = home.path().join("data/state/demo");
    for sid in ["exoset-demo-2", "exoset-demo-3"] {
        let kept = demo_dir.join(format!("exoset-demo/simulator-{sid}.json"));
        let text = std::fs::read_to_string(&kept).expect("kept beside simulator.json");
        assert!(text.contains("\"intl_num_sup\": \"true\""), "{text}");
    }
    assert!(!home.path().join("data/state/demo-2").exists());
    assert!(
        demo_dir
            .join("state/demo-2/exoset-demo-2/history.json")
            .exists()
    );

    // Again: demo-2 still holds the change, and its history agrees.
    let mut pty = demo(home.path());
    pty.type_str("P");
    pty.wait_for("Switch to a profile's tenant", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("exoset · demo-2 (exoset-demo-2) · simulator", WAIT);
    pty.wait_for("Loaded ", WAIT);
    pty.type_str(&format!("3/intl_num{ENTER}"));
    let screen = pty.wait_for("(Esc clears)", WAIT);
    assert!(screen.contains("Loaded   true"), "{screen}");
    assert!(!screen.contains("changed again since"), "{screen}");
    pty.type_str("\x1b");
    pty.wait_gone("(Esc clears)", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);

    // Deleting state/demo/ starts every tenant afresh.
    std::fs::remove_dir_all(&demo_dir).expect("delete state/demo");
    let mut pty = demo(home.path());
    pty.type_str("P");
    pty.wait_for("Switch to a profile's tenant", WAIT);
    pty.type_str(ENTER);
    pty.wait_for("exoset · demo-2 (exoset-demo-2) · simulator", WAIT);
    // The switch reads the tenant first: wait for it, or the filter below
    // may be drawn over "Loading settings…".
    pty.wait_for("Loaded ", WAIT);
    pty.type_str(&format!("3/intl_num{ENTER}"));
    let screen = pty.wait_for("(Esc clears)", WAIT);
    assert!(screen.contains("Loaded   false"), "{screen}");
    pty.type_str("\x1b");
    pty.wait_gone("(Esc clears)", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

/// With a locale that is not UTF-8 the terminal cannot show box lines or
/// arrows: the real editor draws ASCII there.
#[test]
fn with_lc_all_c_the_editor_draws_ascii() {
    let (_sim, home) = fleet(1, "");
    let home = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["-p", "unit-1"],
        &[
            ("EXOSET_HOME", home.as_str()),
            ("LC_ALL", "C"),
            ("LANG", "C"),
        ],
        80,
        24,
    );
    let screen = pty.wait_for("Loaded ", WAIT);
    assert!(screen.contains("+-"), "{screen}");
    assert!(screen.is_ascii(), "{screen}");
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    assert!(
        pty.raw_output().iter().all(u8::is_ascii),
        "only ASCII was written"
    );
}

/// `max_tenants_per_send` in config.toml holds in the editor too: above
/// it, `y` asks for the number of tenants that will change, and only that
/// number sends.
#[test]
fn above_max_tenants_per_send_the_editor_asks_for_the_number() {
    let (sim, home) = fleet(4, "");
    let config = home.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("max_tenants_per_send = 2\n{text}")).unwrap();
    let mut pty = editor_with_a_change(&home, 80, 24);
    plan_on_all_the_others(&mut pty, 3);
    pty.type_str("y");
    let screen = pty.wait_for("type how many tenants will change", WAIT);
    assert!(
        screen.contains("more than max_tenants_per_send = 2"),
        "{screen}"
    );
    pty.type_str(&format!("3{ENTER}"));
    pty.wait_for("Not sent: 3 was typed, but 4 tenants will change", WAIT);
    assert_eq!(sim.put_count(), 0);
    pty.type_str("y");
    pty.wait_for("type how many tenants will change", WAIT);
    pty.type_str(&format!("4{ENTER}"));
    pty.wait_for("4 sent.", Duration::from_secs(60));
    for sid in sim.sids() {
        assert_eq!(sim.put_count_of(&sid), 1, "{sid}");
    }
    pty.type_str("\x1b");
    pty.wait_gone("Also send to", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}
