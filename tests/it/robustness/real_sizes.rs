//! The generators above keep strings to 16–32 characters; these cases sit
//! at the limits that matter instead.

use exoset_core::changes::{ChangeSet, Edits};
use exoset_core::schema::{Kind, lookup_path};
use exoset_core::settings::Settings;
use exoset_core::validate::{check, parse_sms_config, warnings};
use exoset_engine::auth::{MAX_TOKEN_BYTES, TOKEN_COMMAND_MAX_OUTPUT, run_token_command};
use exoset_sim_rules as sim_rules;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::time::Duration;

/// A shell command printing `n` bytes of `x`, then `tail`.
fn printing(n: usize, tail: &str) -> String {
    format!("head -c {n} /dev/zero | tr '\\0' x; printf '{tail}'")
}

#[cfg(unix)]
#[test]
fn a_token_command_printing_64_kib_is_read_whole_and_more_is_cut_off() {
    assert_eq!(TOKEN_COMMAND_MAX_OUTPUT, 64 * 1024);
    let run = |command: &str| run_token_command(command, "big", Duration::from_secs(20));
    // Exactly the cap: read to the end, then refused as too long a token.
    let err = run(&printing(TOKEN_COMMAND_MAX_OUTPUT, "")).unwrap_err();
    assert!(
        err.message
            .contains(&format!("printed {TOKEN_COMMAND_MAX_OUTPUT} bytes")),
        "{err}"
    );
    // One byte over: cut off while reading.
    let err = run(&printing(TOKEN_COMMAND_MAX_OUTPUT + 1, "")).unwrap_err();
    assert!(err.message.contains("printed more than 64 KiB"), "{err}");
    for err in [
        run(&printing(TOKEN_COMMAND_MAX_OUTPUT, "")).unwrap_err(),
        run(&printing(TOKEN_COMMAND_MAX_OUTPUT + 1, "")).unwrap_err(),
    ] {
        assert!(!err.message.contains("xxxxxxxx"), "output shown: {err}");
        assert_eq!(err.code, exoset_core::exit::CREDENTIALS, "{err}");
    }
    // The longest token taken, on its line: taken whole.
    let token = run(&printing(MAX_TOKEN_BYTES, "\\n")).unwrap();
    assert_eq!(token.expose_secret().len(), MAX_TOKEN_BYTES);
    assert!(token.expose_secret().bytes().all(|b| b == b'x'));
    let err = run(&printing(MAX_TOKEN_BYTES + 1, "\\n")).unwrap_err();
    assert!(err.message.contains("at most 4 KiB"), "{err}");
}

/// 4,000 characters of Devanagari (over 10,000 bytes of UTF-8) in an SMS body
/// survive sms_config validation on both sides, the change set and the
/// PUT body, and read back as they were.
#[test]
fn a_4000_character_devanagari_sms_body_round_trips_through_the_put_body() {
    let body_text: String = "नमस्ते, आपका कूरियर जल्द ही कॉल करेगा। "
        .chars()
        .cycle()
        .take(4000)
        .collect();
    assert_eq!(body_text.chars().count(), 4000);
    assert!(body_text.len() > 10_000, "{} bytes", body_text.len());
    let config = json!({
        "A": {"sms_enabled": "true", "on_status": ["busy"], "sender_id": "EXODEM", "sms_body": body_text},
        "B": {"sms_enabled": "false"},
    })
    .to_string();
    assert_eq!(check(Kind::SmsConfigJson, &config), Ok(()));
    assert!(warnings(Kind::SmsConfigJson, &config).is_empty());
    let parsed = parse_sms_config(&config).unwrap();
    assert_eq!(parsed["A"]["sms_body"], body_text.as_str());
    let rule = sim_rules::rule("common", "sms_config").unwrap();
    assert_eq!(sim_rules::check(rule, &json!(config)), Ok(config.clone()));

    let id = lookup_path("common.sms_config").unwrap();
    let base = Settings::from_json(&json!({"common": {"sms_config": "{\"B\": {}}"}})).unwrap();
    let mut edits = Edits::default();
    edits.set(&base, id, config.clone());
    let body = ChangeSet::new(&base, &edits).body().unwrap().unwrap();
    assert_eq!(body, json!({"common": {"sms_config": config}}));
    let sent: Value = serde_json::from_str(&body.to_string()).unwrap();
    let again = Settings::from_json(&sent).unwrap();
    assert_eq!(again.get(id), Some(config.as_str()));
    let inner: Value = serde_json::from_str(again.get(id).unwrap()).unwrap();
    assert_eq!(inner["A"]["sms_body"], body_text.as_str());
}
