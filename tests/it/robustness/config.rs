//! Generators and contracts for the config file.

use exoset_engine::config::{Config, EditorPrefs, HistoryPrefs, Profile, check_profile_name};
use proptest::prelude::*;
use std::path::Path;

use super::*;

pub(super) const CONFIG_PATH: &str = "/home/someone/.config/exoset/config.toml";

pub(super) fn toml_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => any_text().prop_map(|s| format!("{s:?}")),
        1 => any_text().prop_map(|s| format!("'{s}'")),
        1 => any_text().prop_map(|s| format!("\"\"\"{s}\"\"\"")),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => "[-+]?[0-9_]{1,22}(\\.[0-9]*)?([eE][-+]?[0-9]{1,4})?",
        1 => "(0x|0o|0b)[0-9a-fA-F_]{0,18}",
        1 => "(inf|nan|[-+]inf|true|false|True|yes)",
        1 => "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?)?",
        1 => "\\[[ -~]{0,12}\\]",
        1 => "\\{ ?[a-z_]{0,10} ?= ?[ -~]{0,10} ?\\}",
    ]
    .boxed()
}

pub(super) fn toml_key() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "default_profile", "tenant_sid", "api_key", "base_url", "token_command",
            "mouse", "keep", "profiles", "editor", "history",
        ])
        .prop_map(str::to_string),
        1 => "profiles\\.[a-z._-]{1,8}(\\.[a-z_]{1,12})?",
        1 => any_text().prop_map(|s| format!("{s:?}")),
        1 => "[ -~]{0,8}",
    ]
    .boxed()
}

pub(super) fn profile_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_.-]{0,8}",
        1 => ".{0,70}".prop_map(|s| format!("{s:?}")),
        1 => "'[^'\n]{0,8}'",
        1 => "\\.?[a-z]{0,3}",
    ]
    .boxed()
}

pub(super) fn toml_line() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (toml_key(), toml_value()).prop_map(|(k, v)| format!("{k} = {v}")),
        3 => profile_name().prop_map(|n| format!("[profiles.{n}]")),
        1 => prop::sample::select(vec![
            "[editor]", "[history]", "[profiles]", "[[profiles]]", "[[editor]]", "[profiles",
            "", "# comment", "   ", "\"\"\"", "=", "[]", "a.b.c = 1", "\t[editor] # x",
        ])
        .prop_map(str::to_string),
        1 => any_text(),
    ]
    .boxed()
}

pub(super) fn toml_text() -> BoxedStrategy<String> {
    (
        prop::collection::vec(toml_line(), 0..10),
        prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r"]),
    )
        .prop_map(|(lines, eol)| lines.join(eol))
        .boxed()
}

/// `text` as a TOML basic string: quotes, backslashes and control
/// characters escaped, everything else as it is.
pub(super) fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A timeout as a person writes it, and what it means.
pub(super) fn timeout_text() -> BoxedStrategy<(String, std::time::Duration)> {
    use std::time::Duration;
    prop_oneof![
        (1u64..100_000).prop_map(|n| (format!("{n}s"), Duration::from_secs(n))),
        (1u64..10_000).prop_map(|n| (format!("{n}m"), Duration::from_secs(n * 60))),
        (1u64..1_000).prop_map(|n| (format!("{n}ms"), Duration::from_millis(n))),
        (1u64..48, 1u64..60)
            .prop_map(|(h, m)| (format!("{h}h {m}m"), Duration::from_secs(h * 3600 + m * 60))),
    ]
    .boxed()
}

pub(super) fn valid_profile() -> BoxedStrategy<(String, Profile)> {
    let field = || proptest::option::weighted(0.7, any_text());
    (
        field(),
        field(),
        field(),
        field(),
        proptest::option::weighted(0.5, timeout_text()),
    )
        .prop_map(|(tenant_sid, api_key, base_url, token_command, timeout)| {
            let mut text = String::new();
            for (key, value) in [
                ("tenant_sid", &tenant_sid),
                ("api_key", &api_key),
                ("base_url", &base_url),
                ("token_command", &token_command),
            ] {
                if let Some(value) = value {
                    text.push_str(&format!("{key} = {}\n", toml_string(value)));
                }
            }
            if let Some((written, _)) = &timeout {
                text.push_str(&format!("token_command_timeout = \"{written}\"\n"));
            }
            let profile = Profile {
                tenant_sid,
                api_key,
                base_url,
                token_command,
                token_command_timeout: timeout.map(|(_, d)| d),
                ..Profile::default()
            };
            (text, profile)
        })
        .boxed()
}

/// A config file that is right in every part, with the `Config` it must
/// read as: any profile names the rules allow, any text in the strings.
pub(super) fn valid_config() -> BoxedStrategy<(String, Config)> {
    (
        proptest::option::of(any_text()),
        prop::collection::btree_map("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}", valid_profile(), 0..4),
        proptest::option::of(any::<bool>()),
        proptest::option::of(1usize..=exoset_engine::config::HistoryPrefs::MAX_KEEP),
    )
        .prop_map(|(default_profile, profiles, mouse, keep)| {
            let mut text = String::new();
            if let Some(name) = &default_profile {
                text.push_str(&format!("default_profile = {}\n", toml_string(name)));
            }
            if let Some(mouse) = mouse {
                text.push_str(&format!("[editor]\nmouse = {mouse}\n"));
            }
            if let Some(keep) = keep {
                text.push_str(&format!("[history]\nkeep = {keep}\n"));
            }
            let mut config = Config {
                default_profile,
                editor: EditorPrefs {
                    mouse: mouse.unwrap_or(false),
                },
                ..Config::default()
            };
            if let Some(keep) = keep {
                config.history = HistoryPrefs { keep };
            }
            for (name, (body, profile)) in profiles {
                text.push_str(&format!("[profiles.{}]\n{body}", toml_string(&name)));
                config.profiles.insert(name, profile);
            }
            (text, config)
        })
        .boxed()
}

pub(super) fn check_config_contract(text: &str) -> Result<(), TestCaseError> {
    match Config::parse(text, Path::new(CONFIG_PATH)) {
        Ok(config) => {
            for name in config.profiles.keys() {
                prop_assert!(
                    check_profile_name(name).is_ok(),
                    "accepted profile {name:?}"
                );
            }
        }
        Err(err) => {
            prop_assert!(!err.message.trim().is_empty(), "empty message for {text:?}");
            prop_assert!(err.to_string().starts_with(CONFIG_PATH));
            if let Some(line) = err.line {
                prop_assert!(line >= 1 && line <= text.split('\n').count(), "line {line}");
            }
        }
    }
    Ok(())
}
