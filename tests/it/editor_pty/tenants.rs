//! Other tenants: `P`, "also send to…", and keys landing while requests to
//! them are in flight; Ctrl-C and signals with PUTs out.

use super::*;

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
    // The PUT whose answer was dropped is in the history as unknown.
    let history = std::process::Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["history", "-p", "unit-1", "--json"])
        .env("EXOSET_HOME", fleet.home.path())
        .env_remove("EXOSET_PROFILE")
        .output()
        .unwrap();
    let entries: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(entries[0]["outcome"], "unknown", "{entries}");
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
