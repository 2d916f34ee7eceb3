//! Each subcommand, run as the real binary, against the in-process simulator
//! over real HTTP; the simulator's state is checked afterwards.

use exoset_core::settings::Settings;
use exoset_sim::SimConfig;
use serde_json::{Value, json};
use std::process::Command;

const SEED_BODY: &str = include_str!("../fixtures/seed/example-put-body.json");
const SEED_ANSWER: &str = include_str!("../fixtures/seed/example-put-response.json");

use crate::support::sim_env;
use sim_env::{Env, ok};

fn start(config: SimConfig) -> Env {
    Env::start(config)
}

fn demo() -> Env {
    Env::demo()
}

#[test]
fn get_json_prints_the_settings_in_the_body_shape() {
    let env = demo();
    let run = env.exoset(&["get", "--json"], None);
    ok(&run);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    // Written out by hand from assets/demo-settings.json: the body shape,
    // ints as numbers, JSON held in strings, the region a string although
    // the answer sends a list, and the three unreported greenpin events absent.
    let expected = json!({
        "greenvn": {
            "greencall_complete_event_endpoint": "https://hooks.example.com/exobridge/greenvn/call-complete",
            "greencall_complete_event_method": "POST_JSON",
            "greencall_complete_event_headers": "{\"content_type\": \"application/json\"}",
            "failed_verification_event_endpoint": "https://hooks.example.com/exobridge/greenvn/failed-verification",
            "failed_verification_event_method": "POST_JSON",
            "failed_verification_event_headers": "{\"content_type\": \"application/json\"}",
            "verified_caller_event_endpoint": "https://hooks.example.com/exobridge/greenvn/verified-caller",
            "verified_caller_event_method": "POST_JSON",
            "verified_caller_event_headers": "{\"content_type\": \"application/json\"}",
            "deallocation_callback_event_endpoint": "https://hooks.example.com/exobridge/greenvn/deallocation",
            "deallocation_callback_event_method": "POST_JSON",
            "deallocation_callback_event_headers": "{\"content_type\": \"application/json\"}",
            "default_flow_id": "123456"
        },
        "greenpin": {
            "greenpin_call_complete_event_endpoint": "https://hooks.example.com/exobridge/greenpin/call-complete",
            "greenpin_call_complete_event_method": "POST_JSON",
            "greenpin_call_complete_event_headers": "{\"content_type\": \"application/json\"}",
            "aparty_pin_length": 4,
            "bparty_pin_length": 4,
            "common_pin_length": 4,
            "aparty_pin_enabled": "false",
            "bparty_pin_enabled": "false",
            "common_pin_enabled": "false"
        },
        "common": {
            "country": "IN",
            "intl_num_sup": "false",
            "max_deallocation_time": "-1",
            "timezone": "IST",
            "deletion_time": 1800,
            "tag_enabled": "true",
            "aparty_tag": "Customer",
            "bparty_tag": "Courier",
            "sms_config": "{\"A\": {\"sms_enabled\": \"true\", \"on_status\": [\"busy\", \"no-answer\", \"failed\", \"canceled\"], \"DltTemplateId\": \"1107160000000000001\", \"DltEntityId\": \"1101000000000000001\", \"sender_id\": \"EXODEM\", \"sms_body\": \"Sorry we missed you. Your courier will call back from this number shortly.\"}, \"B\": {\"sms_enabled\": \"false\"}}",
            "sticky_agent_enabled": "true",
            "lcr_enabled": "true",
            "default_region": "KA"
        }
    });
    assert_eq!(doc, expected);
    // Sections in the body's order, too.
    let order: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(order, ["greenvn", "greenpin", "common"]);
    assert_eq!(env.sim.get_count(), 1);
}

#[test]
fn get_with_paths_prints_only_those() {
    let env = demo();
    let run = env.exoset(
        &["get", "common.timezone", "greenpin.aparty_pin_length"],
        None,
    );
    ok(&run);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(run.stdout.starts_with("common.timezone"), "{}", run.stdout);
    let json = env.exoset(&["get", "--json", "common.timezone"], None);
    ok(&json);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        doc,
        json!({"common": {"timezone": env.value("common.timezone")}})
    );
}

#[test]
fn get_of_an_unknown_path_is_a_usage_error() {
    let env = demo();
    let run = env.exoset(&["get", "common.nosuch"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("exoset fields"), "{}", run.stderr);
}

#[test]
fn a_mistyped_path_is_answered_with_the_setting_it_most_likely_meant() {
    let env = demo();
    // The right key in the wrong section: refused before anything is sent.
    let run = env.exoset(&["set", "common.aparty_pin_length=6", "--yes"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean greenpin.aparty_pin_length?"),
        "{}",
        run.stderr
    );
    assert_eq!(env.sim.put_count(), 0);
    // A word left out.
    let run = env.exoset(&["get", "greenvn.greencall_complete_endpoint"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean greenvn.greencall_complete_event_endpoint?"),
        "{}",
        run.stderr
    );
    // Nothing near: no guess, the general hint.
    let run = env.exoset(&["get", "common.colour_of_the_sky"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("did you mean"), "{}", run.stderr);
    assert!(run.stderr.contains("paths look like"), "{}", run.stderr);
    // Hostile text in the path comes back escaped, with the suggestion.
    let run = env.exoset(&["get", "common.timezon\u{1b}[2J"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

#[test]
fn help_lists_man_for_a_bare_binary() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .arg("--help")
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.lines().any(|l| l.trim_start().starts_with("man ")),
        "{help}"
    );
}

#[test]
fn set_with_yes_sends_only_the_changed_keys() {
    let env = demo();
    let new_tz = if env.value("common.timezone").as_deref() == Some("UTC") {
        "IST"
    } else {
        "UTC"
    };
    let run = env.exoset(
        &[
            "set",
            &format!("common.timezone={new_tz}"),
            "common.deletion_time=600",
            "--yes",
        ],
        None,
    );
    ok(&run);
    assert_eq!(env.value("common.timezone").as_deref(), Some(new_tz));
    assert_eq!(env.value("common.deletion_time").as_deref(), Some("600"));
    assert_eq!(
        env.sim.last_put_body(),
        Some(json!({"common": {"timezone": new_tz, "deletion_time": 600}}))
    );
    // The "Saved" line names the tenant: profile, SID and host.
    let saved = format!(
        "Saved 2 changes to profile default (tenant {} on 127.0.0.1)",
        env.sim.sid()
    );
    assert!(run.stderr.contains(&saved), "{}", run.stderr);
}

/// A 4,000-character Devanagari SMS body goes out through `set`, is taken
/// by the simulator (its own rules) and reads back unchanged.
#[test]
fn a_4000_character_devanagari_sms_body_is_sent_and_read_back_unchanged() {
    let env = demo();
    let body_text: String = "नमस्ते, आपका कूरियर जल्द ही कॉल करेगा। "
        .chars()
        .cycle()
        .take(4000)
        .collect();
    let config = json!({
        "A": {"sms_enabled": "true", "on_status": ["busy"], "sms_body": body_text},
        "B": {"sms_enabled": "false"},
    })
    .to_string();
    let run = env.exoset(
        &["set", &format!("common.sms_config={config}"), "--yes"],
        None,
    );
    ok(&run);
    assert_eq!(
        env.sim.last_put_body(),
        Some(json!({"common": {"sms_config": config}}))
    );
    let stored = env.value("common.sms_config").unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["A"]["sms_body"], body_text.as_str());
    let get = env.exoset(&["get", "--json", "common.sms_config"], None);
    ok(&get);
    assert!(get.stdout.contains("नमस्ते"), "{}", get.stdout);
}

#[test]
fn set_of_an_endpoint_carries_its_method_and_headers() {
    let env = demo();
    let run = env.exoset(
        &[
            "set",
            "greenvn.verified_caller_event_endpoint=https://hooks.example.com/new",
            "--yes",
        ],
        None,
    );
    ok(&run);
    let body = env.sim.last_put_body().unwrap();
    let greenvn = body["greenvn"].as_object().unwrap();
    assert_eq!(greenvn.len(), 3, "{body}");
    assert!(greenvn.contains_key("verified_caller_event_method"));
    assert!(greenvn.contains_key("verified_caller_event_headers"));
    assert!(
        run.stderr.contains("sent with its endpoint"),
        "{}",
        run.stderr
    );
}

#[test]
fn set_without_a_terminal_needs_yes_and_sends_nothing() {
    let env = demo();
    let before = env.sim.settings();
    let run = env.exoset(&["set", "common.deletion_time=7"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(env.sim.put_count(), 0);
    assert_eq!(env.sim.settings(), before);
}

#[test]
fn set_dry_run_prints_the_exact_body_and_sends_nothing() {
    let env = demo();
    let run = env.exoset(&["set", "greenpin.common_pin_length=6", "--dry-run"], None);
    ok(&run);
    let body: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(body, json!({"greenpin": {"common_pin_length": 6}}));
    assert_eq!(env.sim.put_count(), 0);
}

#[test]
fn set_of_an_invalid_value_exits_2_before_any_request() {
    let env = demo();
    let run = env.exoset(&["set", "common.deletion_time=86401", "--yes"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("0 to 86400"), "{}", run.stderr);
    assert_eq!(env.sim.get_count() + env.sim.put_count(), 0);
}

#[test]
fn set_to_the_current_value_sends_nothing() {
    let env = demo();
    let tz = env.value("common.timezone").unwrap();
    let run = env.exoset(&["set", &format!("common.timezone={tz}"), "--yes"], None);
    ok(&run);
    assert!(run.stderr.contains("No changes"), "{}", run.stderr);
    assert_eq!(env.sim.put_count(), 0);
}

#[test]
fn diff_shows_changes_from_a_file_and_sends_nothing() {
    let env = demo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("want.json");
    std::fs::write(&file, r#"{"greenpin": {"aparty_pin_length": 7}}"#).unwrap();
    let run = env.exoset(&["diff", "-f", file.to_str().unwrap()], None);
    ok(&run);
    assert!(
        run.stdout.contains("greenpin.aparty_pin_length"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-> \"7\""), "{}", run.stdout);
    assert_eq!(env.sim.put_count(), 0);
}

#[test]
fn apply_from_stdin_sends_only_what_differs() {
    let env = demo();
    let current = env.sim.settings().to_json();
    // The whole current document plus one change.
    let mut want = current.clone();
    want["common"]["aparty_tag"] = json!("Caller");
    let run = env.exoset(&["apply", "-f", "-", "--yes"], Some(&want.to_string()));
    ok(&run);
    assert_eq!(
        env.sim.last_put_body(),
        Some(json!({"common": {"aparty_tag": "Caller"}}))
    );
    assert_eq!(env.value("common.aparty_tag").as_deref(), Some("Caller"));
}

#[test]
fn apply_of_a_file_with_an_unknown_key_is_refused() {
    let env = demo();
    let run = env.exoset(
        &["apply", "-f", "-", "--yes"],
        Some(r#"{"common": {"no_such_key": "x"}}"#),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("common.no_such_key"), "{}", run.stderr);
    assert_eq!(env.sim.put_count(), 0);
}

#[test]
fn apply_of_malformed_json_is_a_usage_error() {
    let env = demo();
    let run = env.exoset(&["apply", "-f", "-", "--yes"], Some("{\"common\": "));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
}

#[test]
fn export_then_apply_changes_nothing() {
    let env = demo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    ok(&env.exoset(&["export", "-o", file.to_str().unwrap()], None));
    let exported = Settings::from_json_text(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(exported, env.sim.settings());
    let run = env.exoset(&["apply", "-f", file.to_str().unwrap(), "--yes"], None);
    ok(&run);
    assert!(run.stderr.contains("No changes"), "{}", run.stderr);
    assert_eq!(env.sim.put_count(), 0);
}

#[test]
fn the_seed_body_applied_to_the_seed_answer_sends_only_the_keys_that_differ() {
    let envelope: Value = serde_json::from_str(SEED_ANSWER).unwrap();
    let mut config = SimConfig::demo();
    config.initial = Settings::from_json(&envelope["data"]).unwrap();
    let env = start(config);
    let run = env.exoset(&["apply", "-f", "-", "--yes"], Some(SEED_BODY));
    ok(&run);
    let body = env.sim.last_put_body().unwrap();
    let seed: Value = serde_json::from_str(SEED_BODY).unwrap();
    let greenpin = body["greenpin"].as_object().unwrap();
    assert_eq!(greenpin.len(), 9, "the three unreported events: {body}");
    for (key, value) in greenpin {
        assert_eq!(&seed["greenpin"][key], value);
    }
    // The answer's sms_body differs by one space from the body's.
    assert_eq!(
        body["common"],
        json!({"sms_config": seed["common"]["sms_config"]})
    );
    assert!(body.get("greenvn").is_none());
    // Afterwards the simulator holds the whole seed body.
    assert_eq!(
        env.sim.settings(),
        Settings::from_json_text(SEED_BODY).unwrap()
    );
}

#[test]
fn the_simulator_accepts_the_seed_body_whole() {
    let env = demo();
    let run = env.exoset(&["apply", "-f", "-", "--yes"], Some(SEED_BODY));
    ok(&run);
    assert_eq!(
        env.sim.settings(),
        Settings::from_json_text(SEED_BODY).unwrap()
    );
}

#[test]
fn wrong_token_exits_3_with_a_hint() {
    let env = demo();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["get"])
        .env("EXOSET_HOME", env.home.path())
        .env("EXOSET_BASE_URL", env.sim.base_url())
        .env("EXOSET_TENANT_SID", env.sim.sid())
        .env("EXOSET_API_KEY", SimConfig::demo().api_key)
        .env("EXOSET_API_TOKEN", "wrong-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HTTP 401") && stderr.contains("code 7"),
        "{stderr}"
    );
    // The hint: what to check and the command that fixes it.
    assert!(
        stderr.contains("check the API key and token (`exoset auth login`)"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-token"));
}

/// The words the bash script completes after `case_label)`: its
/// `opts="…"` list, split into whole words.
fn bash_opts<'a>(script: &'a str, case_label: &str) -> Vec<&'a str> {
    let label = format!("{case_label})");
    let mut lines = script.lines().skip_while(|l| l.trim() != label);
    lines
        .next()
        .unwrap_or_else(|| panic!("no case {label} in the script"));
    let line = lines
        .find(|l| l.trim_start().starts_with("opts=\""))
        .unwrap_or_else(|| panic!("no opts after {label}"));
    let inner = line
        .trim()
        .trim_start_matches("opts=\"")
        .trim_end_matches('"');
    inner.split_whitespace().collect()
}

/// Every subcommand clap knows, at the top and one level down, is a whole
/// word in the bash script's completion list for its parent.
#[test]
fn completions_cover_every_subcommand() {
    use clap::CommandFactory;
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["completions", "bash"])
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8_lossy(&out.stdout);
    let cli = exoset::cli::Cli::command();
    let top = bash_opts(&script, "exoset");
    let mut checked = 0;
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        assert!(top.contains(&name), "{name} missing from {top:?}");
        checked += 1;
        let nested: Vec<&str> = sub.get_subcommands().map(|s| s.get_name()).collect();
        if !nested.is_empty() {
            let words = bash_opts(
                &script,
                &format!("exoset__subcmd__{}", name.replace('-', "__")),
            );
            for inner in nested {
                assert!(
                    words.contains(&inner),
                    "{name} {inner} missing from {words:?}"
                );
                checked += 1;
            }
        }
    }
    // The ones the README names, at least, and auth's three.
    for name in [
        "get", "set", "diff", "apply", "export", "fields", "history", "rollback", "auth",
    ] {
        assert!(top.contains(&name), "{name}");
    }
    assert!(checked >= 17, "only {checked} subcommands checked");
}
