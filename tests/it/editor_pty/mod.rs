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

mod exits;
mod first_use;
mod server;
mod tenants;

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

/// Ctrl-C, then the exit status; the terminal is restored.
fn interrupt(pty: &mut Pty) -> u32 {
    pty.type_str("\x03");
    let code = pty.wait_exit(WAIT);
    pty.assert_restored();
    code
}

/// `q` with changes pending: asked, `y` quits (the draft is kept).
fn quit_keeping(pty: &mut Pty) {
    pty.type_str("q");
    pty.wait_for("Quit", WAIT);
    pty.type_str("y");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_restored();
}
