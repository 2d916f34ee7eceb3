//! No outside input makes exoset panic: the server's answer, settings and
//! desired-state documents, every validator, the config file and the change
//! set, each under `PROPTEST_CASES` generated cases (256 unless set; CI sets
//! 10,000; properties that write files are capped lower, each saying why). Every failure must be a message a
//! person can read, so each property also checks that errors are non-empty and
//! that what succeeds agrees with an independent statement of the rules.
//!
//! `fuzz/README.md` says how to run these and the cargo-fuzz targets.

use exoset_core::changes::{ChangeSet, Edits};
use exoset_core::schema::{
    CONTENT_TYPES, FieldId, Kind, METHODS, SETTINGS, SMS_STATUSES, Section, TIMEZONES, lookup,
};
use exoset_core::settings::{Settings, same_value};
use exoset_core::validate::{
    self, SMS_PARTY_KEYS, check, country_name, parse_duration, parse_headers, parse_sms_config,
};
use exoset_engine::api::client::{ApiError, check_answer};
use exoset_engine::config::{Config, EditorPrefs, HistoryPrefs, Profile, check_profile_name};
use exoset_sim_rules::{self as sim_rules, COUNTRY_CODES};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::path::Path;

use crate::support::{cases, cases_at_most};

// ---- generators: text ----

/// Any text: printable ASCII, any non-control text, or any chars at all.
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[ -~]{0,16}",
        2 => any::<String>(),
        1 => prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter),
    ]
    .boxed()
}

/// Strings a real answer or a person might put in a setting, right and wrong.
const PLAUSIBLE: &[&str] = &[
    "",
    " ",
    "\n",
    "\t",
    "true",
    "false",
    "True",
    "0",
    "1",
    "4",
    "-0",
    "-1",
    "+5",
    " 4 ",
    "1.5",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "86400",
    "86401",
    "170d",
    "171d",
    "4080h",
    "0d",
    "1é",
    "IN",
    "in",
    "UK",
    "ZZ",
    "KA",
    "KA,MH",
    "ka",
    "https://a.example/hook",
    "http://127.0.0.1:9/x",
    "ftp://x",
    "https://",
    "https://exa mple",
    "GET",
    "POST_JSON",
    "IST",
    "UTC",
    "123456",
    "12a",
    "{}",
    "[]",
    "null",
    "{",
    "{\"content_type\": \"json\"}",
    "{\"content_type\": 1}",
    "{\"A\": {\"sms_enabled\": \"true\"}}",
    "{\"A\": {\"on_status\": [\"busy\", \"busy\"]}}",
    "{\"C\": 1}",
];

fn plausible_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(PLAUSIBLE).prop_map(str::to_string),
        2 => any_text(),
    ]
    .boxed()
}

// ---- generators: JSON ----

fn json_number() -> BoxedStrategy<Value> {
    prop_oneof![
        (-3i64..12).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Finite floats only: JSON has no NaN; ANY includes -0.0 and subnormals.
        prop::num::f64::ANY.prop_map(Value::from),
        (-1.0e16f64..1.0e16).prop_map(|f| Value::from(f.trunc())),
        Just(Value::from(-0.0f64)),
    ]
    .boxed()
}

fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        2 => json_number(),
        3 => plausible_text().prop_map(Value::from),
    ]
    .boxed()
}

/// Every key a document or a JSON-valued setting gives meaning to.
fn meaningful_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = SETTINGS.iter().map(|s| s.key).collect();
    keys.extend(Section::ALL.iter().map(|s| s.key()));
    keys.extend(SMS_PARTY_KEYS);
    keys.extend([
        "A",
        "B",
        "content_type",
        "success",
        "data",
        "status",
        "code",
        "message",
        "request_id",
    ]);
    keys
}

fn json_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(meaningful_keys()).prop_map(str::to_string),
        1 => any_text(),
    ]
    .boxed()
}

fn object_of(
    key: impl Strategy<Value = String>,
    value: impl Strategy<Value = Value>,
    max: usize,
) -> impl Strategy<Value = Value> {
    prop::collection::vec((key, value), 0..max)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}

/// Any JSON value, a few levels deep, with keys that mean something often.
fn any_json() -> BoxedStrategy<Value> {
    json_leaf()
        .prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                object_of(json_key(), inner, 5),
            ]
        })
        .boxed()
}

/// A value for a known key: what a server might really send, or anything.
fn setting_value() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => json_leaf(),
        1 => prop::collection::vec(json_leaf(), 0..3).prop_map(Value::Array),
        1 => any_json(),
    ]
    .boxed()
}

fn section_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(vec!["greenvn", "greenpin", "common"]).prop_map(str::to_string),
        1 => any_text(),
    ]
    .boxed()
}

/// A settings-shaped document: sections (known ones mostly) of keys (known
/// ones mostly, from any section) with values of any type.
fn settings_doc() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        4 => prop::sample::select(SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>())
            .prop_map(str::to_string),
        1 => any_text(),
    ];
    let section = prop_oneof![
        12 => object_of(key, setting_value(), 10),
        1 => any_json(),
    ];
    object_of(section_name(), section, 4).boxed()
}

/// A settings-shaped document whose sections are all objects, so it reads.
fn readable_doc() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        6 => prop::sample::select(SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>())
            .prop_map(str::to_string),
        1 => "x_[a-z]{1,4}",
    ];
    object_of(
        prop::sample::select(vec!["greenvn", "greenpin", "common", "greenzap"])
            .prop_map(str::to_string),
        object_of(key, setting_value(), 10),
        4,
    )
    .boxed()
}

/// An HTTP status: the ones ExoBridge and proxies send, or any at all.
fn http_status() -> BoxedStrategy<u16> {
    const SEEN: &[u16] = &[
        200, 201, 204, 301, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504,
    ];
    prop_oneof![
        3 => Just(200u16),
        3 => prop::sample::select(SEEN),
        1 => any::<u16>(),
    ]
    .boxed()
}

/// `{"success": …, "data": …, …}` with each field present or not, right-typed or not.
fn envelope() -> BoxedStrategy<Value> {
    let field = |value: BoxedStrategy<Value>| proptest::option::weighted(0.8, value);
    (
        field(prop_oneof![4 => any::<bool>().prop_map(Value::from), 1 => json_leaf()].boxed()),
        field(prop_oneof![3 => settings_doc(), 1 => any_json()].boxed()),
        field(prop_oneof![any_text().prop_map(Value::from), json_number(), json_leaf()].boxed()),
        field(json_leaf()),
        field(json_leaf()),
        field(json_number()),
        object_of(json_key(), json_leaf(), 2),
    )
        .prop_map(
            |(success, data, request_id, code, message, status, extra)| {
                let mut map = match extra {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                let fields = [
                    ("success", success),
                    ("data", data),
                    ("request_id", request_id),
                    ("code", code),
                    ("message", message),
                    ("status", status),
                ];
                for (key, value) in fields {
                    match value {
                        Some(value) => map.insert(key.to_string(), value),
                        None => map.remove(key),
                    };
                }
                Value::Object(map)
            },
        )
        .boxed()
}

/// Bytes: anything, JSON text, or JSON text cut short or with one byte changed.
fn answer_bytes() -> BoxedStrategy<Vec<u8>> {
    let json_text = prop_oneof![envelope(), any_json()].prop_map(|v| v.to_string().into_bytes());
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..64),
        1 => "<html>[ -~]{0,40}".prop_map(String::into_bytes),
        2 => json_text.clone(),
        2 => (json_text, any::<prop::sample::Index>(), any::<u8>(), any::<bool>()).prop_map(
            |(mut bytes, at, byte, cut)| {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    if cut {
                        bytes.truncate(i);
                    } else {
                        bytes[i] = byte;
                    }
                }
                bytes
            },
        ),
    ]
    .boxed()
}

// ---- what every answer must satisfy ----

fn is_2xx(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The answer parser's contract on any input: a non-2xx is always a server
/// error carrying that status, an error always reads as a line, and Ok only
/// ever comes from a 2xx.
fn check_answer_contract(status: u16, bytes: &[u8]) -> Result<(), TestCaseError> {
    match check_answer(status, bytes) {
        Ok(answer) => {
            prop_assert!(is_2xx(status), "Ok from HTTP {status}");
            let value: Value = serde_json::from_slice(bytes).expect("Ok answer is JSON");
            prop_assert_eq!(value["success"].as_bool(), Some(true));
            let data = Settings::from_json(&value["data"]);
            prop_assert_eq!(data.as_ref(), Ok(&answer.settings));
        }
        Err(err) => {
            let line = err.to_string();
            prop_assert!(!line.trim().is_empty(), "empty message for {err:?}");
            prop_assert!(!line.contains('\n'), "message is not one line: {line:?}");
            if !is_2xx(status) {
                prop_assert!(
                    matches!(err, ApiError::Server { .. }) && err.status() == Some(status),
                    "HTTP {status} gave {err:?}"
                );
            }
        }
    }
    Ok(())
}

// ---- settings ----

/// Whether `from_json` must accept a document: an object whose known sections
/// are all objects.
fn readable(doc: &Value) -> bool {
    doc.as_object().is_some_and(|sections| {
        sections
            .iter()
            .all(|(name, body)| Section::from_key(name).is_none() || body.is_object())
    })
}

fn check_settings_contract(doc: &Value) -> Result<(), TestCaseError> {
    match Settings::from_json(doc) {
        Ok(settings) => {
            prop_assert!(readable(doc));
            for note in settings.notes() {
                let (section, key) = note.path.split_once('.').expect("note path is section.key");
                prop_assert!(
                    Section::from_key(section)
                        .and_then(|s| lookup(s, key))
                        .is_some()
                );
                prop_assert!(!note.message.trim().is_empty());
            }
            // What is written reads back, always.
            prop_assert!(Settings::from_json(&settings.to_json()).is_ok());
        }
        Err(err) => {
            prop_assert!(!readable(doc), "refused a readable document: {err}");
            prop_assert!(!err.0.trim().is_empty());
        }
    }
    Ok(())
}

// ---- validators ----

/// Every kind the schema uses, plus int ranges it does not.
fn any_kind() -> BoxedStrategy<Kind> {
    let mut kinds: Vec<Kind> = Vec::new();
    for s in &SETTINGS {
        if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    prop_oneof![
        4 => prop::sample::select(kinds),
        1 => (any::<i64>(), any::<i64>()).prop_map(|(a, b)| Kind::Int {
            min: a.min(b),
            max: a.max(b),
        }),
    ]
    .boxed()
}

/// Text near each kind's valid shape, and anything at all.
fn near_valid(kind: Kind) -> BoxedStrategy<String> {
    let near = match kind {
        Kind::BoolString => "(true|false|TRUE|False|t|1|0| true|false )".boxed(),
        Kind::Int { .. } => "[-+ ]?[0-9]{0,21}[ .]?[0-9]?".boxed(),
        Kind::Enum { .. } => prop::sample::select([METHODS, TIMEZONES].concat())
            .prop_flat_map(|v| {
                (Just(v), 0..3usize).prop_map(|(v, how)| match how {
                    0 => v.to_string(),
                    1 => v.to_lowercase(),
                    _ => format!("{v} "),
                })
            })
            .boxed(),
        Kind::Text => "[ \t\n]?[A-Za-z0-9 ]{0,8}[\u{0}-\u{1f}\u{7f}-\u{9f}]?".boxed(),
        Kind::Url => prop_oneof![
            "(https?|ftp|HTTP|file|data|mailto)(:|://|:///)[a-z0-9.\\[\\]:@%]{0,12}(/[ -~]{0,8})?",
            "(https?|HTTPS?|hTtP)://[a-z0-9-]{1,8}(\\.[a-z][a-z0-9-]{0,5}){0,2}(:[0-9]{1,6})?(/[A-Za-z0-9._~-]{0,8}){0,3}",
        ]
        .boxed(),
        Kind::Duration => duration_text(),
        Kind::Country => country_text(),
        Kind::Region => "[A-Za-z0-9]{0,5}".boxed(),
        Kind::Digits => "[0-9]{0,12}[^0-9]?".boxed(),
        Kind::HeadersJson => headers_json().prop_map(|v| v.to_string()).boxed(),
        Kind::SmsConfigJson => sms_json().prop_map(|v| v.to_string()).boxed(),
    };
    prop_oneof![3 => near, 1 => any_text()].boxed()
}

/// Digits and a unit, and what is close to that: signs, other units, no
/// digits, too many digits, a multi-byte last char.
fn duration_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => ("[-+]?", "[0-9]{0,25}", "[dhmswé]?|.").prop_map(|(s, d, u)| format!("{s}{d}{u}")),
        2 => (0u64..=20_000_000, prop::sample::select(vec!['d', 'h', 'm', 's']))
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => Just("-1".to_string()),
    ]
    .boxed()
}

/// Two letters in any case, and neighbours: one or three letters, non-ASCII.
fn country_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Z]{2}",
        2 => "[A-Za-z]{2}",
        1 => "[A-Z]{1,3}",
        1 => (any::<char>(), any::<char>()).prop_map(|(a, b)| format!("{a}{b}")),
    ]
    .boxed()
}

/// Values for a JSON-valued setting's fields: mostly right, sometimes not.
fn headers_json() -> BoxedStrategy<Value> {
    let content_type = prop_oneof![
        3 => prop::sample::select(CONTENT_TYPES).prop_map(Value::from),
        1 => json_leaf(),
        1 => any_json(),
    ];
    (
        proptest::option::weighted(0.8, content_type),
        object_of(json_key(), any_json(), 4),
    )
        .prop_map(|(ct, extra)| {
            let mut map = match extra {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            match ct {
                Some(ct) => map.insert("content_type".into(), ct),
                None => map.remove("content_type"),
            };
            Value::Object(map)
        })
        .boxed()
}

fn sms_party() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        4 => prop::sample::select(SMS_PARTY_KEYS).prop_map(str::to_string),
        1 => json_key(),
    ];
    let statuses = prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(SMS_STATUSES).prop_map(Value::from),
            1 => json_leaf(),
        ],
        0..6,
    )
    .prop_map(Value::Array);
    let value = prop_oneof![
        3 => prop::sample::select(vec!["true", "false"]).prop_map(Value::from),
        3 => statuses,
        3 => any_text().prop_map(Value::from),
        2 => any_json(),
    ];
    prop_oneof![
        8 => object_of(key, value, 7),
        1 => any_json(),
    ]
    .boxed()
}

fn sms_json() -> BoxedStrategy<Value> {
    let party = prop_oneof![
        6 => prop::sample::select(vec!["A", "B"]).prop_map(str::to_string),
        1 => json_key(),
    ];
    object_of(party, sms_party(), 3).boxed()
}

/// The sms_config rules, restated independently of `validate`.
/// What the vendor's page rules out, and only that: parties A and B, each an
/// object; `sms_enabled` a bool-string; `on_status` a list of strings (the
/// four statuses are an example, not a rule); the text keys strings. Other
/// keys are allowed (with a warning, see `warnings_name_what_goes_beyond`).
fn sms_config_is_valid(config: &Map<String, Value>) -> bool {
    config.iter().all(|(party, fields)| {
        (party == "A" || party == "B")
            && fields.as_object().is_some_and(|fields| {
                fields.iter().all(|(key, value)| match key.as_str() {
                    "sms_enabled" => value == "true" || value == "false",
                    "on_status" => value
                        .as_array()
                        .is_some_and(|items| items.iter().all(Value::is_string)),
                    "DltTemplateId" | "DltEntityId" | "sender_id" | "sms_body" => value.is_string(),
                    _ => true,
                })
            })
    })
}

/// Whether a valid sms_config goes beyond the page's one example: a key it
/// does not show, or an `on_status` value outside its four or listed twice.
fn sms_config_goes_beyond(config: &Map<String, Value>) -> bool {
    config.values().filter_map(Value::as_object).any(|fields| {
        fields.iter().any(|(key, value)| match key.as_str() {
            "on_status" => value.as_array().is_some_and(|items| {
                items.iter().enumerate().any(|(i, item)| {
                    item.as_str().is_some_and(|s| !SMS_STATUSES.contains(&s))
                        || items[..i].contains(item)
                })
            }),
            k => !exoset_core::validate::SMS_PARTY_KEYS.contains(&k),
        })
    })
}

/// Whether `text` is a whole number in `min..=max`: an optional `+` or `-`,
/// then one or more ASCII digits, counted without overflow.
fn int_is_valid(text: &str, min: i64, max: i64) -> bool {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut n: i128 = 0;
    for b in digits.bytes() {
        n = n * 10 + i128::from(b - b'0');
        if n > 1 << 64 {
            return false;
        }
    }
    let n = if negative { -n } else { n };
    (i128::from(min)..=i128::from(max)).contains(&n)
}

/// `max_deallocation_time`: `-1`, or one or more digits (n >= 1) and one of
/// `d h m s`, at most 170 days in all.
fn duration_is_valid(text: &str) -> bool {
    if text == "-1" {
        return true;
    }
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let per_unit: u128 = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        's' => 1,
        _ => return false,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let n: u128 = digits.bytes().fold(0, |n, b| n * 10 + u128::from(b - b'0'));
    n >= 1 && n * per_unit <= 170 * 86_400
}

/// The URL's scheme prefix, in any case, with its `//`.
fn has_http_prefix(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The host of `scheme://[user@]host[:port]/...`, by plain splitting.
fn url_host(text: &str) -> &str {
    let rest = text.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port.split_once(']').map_or(host_port, |(h, _)| h);
    }
    host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
}

/// A URL that is surely valid: the prefix, then DNS labels of letters,
/// digits and inner hyphens whose last starts with a letter, an optional
/// port up to 65535, and a path of unreserved characters.
fn url_is_plainly_valid(text: &str) -> bool {
    if !has_http_prefix(text) {
        return false;
    }
    let rest = text.split_once("://").map_or("", |(_, rest)| rest);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    labels.iter().all(|l| label_ok(l))
        && labels
            .last()
            .is_some_and(|l| l.as_bytes()[0].is_ascii_alphabetic())
        && port.is_none_or(|p| {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|p| p <= 65_535)
        })
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._~-".contains(&b))
}

/// Whether headers text is a JSON object with an allowed `content_type`.
fn headers_are_valid(text: &str) -> bool {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map
            .get("content_type")
            .and_then(Value::as_str)
            .is_some_and(|ct| ["json", "application/json", "application/xml"].contains(&ct)),
        _ => false,
    }
}

/// What each kind's check must agree with, stated without `validate`: both
/// directions for every kind (for URLs, everything outside the rule is
/// refused and everything plainly inside it accepted).
fn check_validator_contract(kind: Kind, text: &str) -> Result<(), TestCaseError> {
    let result = check(kind, text);
    if let Err(message) = &result {
        prop_assert!(!message.trim().is_empty(), "empty message for {text:?}");
    }
    let ok = result.is_ok();
    match kind {
        Kind::BoolString => prop_assert_eq!(ok, text == "true" || text == "false"),
        Kind::Int { min, max } => prop_assert_eq!(ok, int_is_valid(text, min, max), "{:?}", text),
        Kind::Enum { values } => prop_assert_eq!(ok, values.contains(&text)),
        Kind::Text => prop_assert_eq!(
            ok,
            !text.trim().is_empty() && !text.chars().any(char::is_control)
        ),
        Kind::Url => {
            if ok {
                prop_assert!(has_http_prefix(text), "{text:?}");
                prop_assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control()));
                prop_assert!(!url_host(text).is_empty(), "no host in {text:?}");
            }
            if url_is_plainly_valid(text) {
                prop_assert!(ok, "refused {text:?}: {result:?}");
            }
        }
        Kind::Duration => prop_assert_eq!(ok, duration_is_valid(text), "{:?}", text),
        Kind::Country => prop_assert_eq!(ok, COUNTRY_CODES.contains(&text), "{:?}", text),
        Kind::Region => prop_assert_eq!(
            ok,
            (2..=4).contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        ),
        Kind::Digits => prop_assert_eq!(
            ok,
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
        ),
        Kind::HeadersJson => prop_assert_eq!(ok, headers_are_valid(text), "{:?}", text),
        Kind::SmsConfigJson => {
            let expected = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => sms_config_is_valid(&map),
                _ => false,
            };
            prop_assert_eq!(ok, expected, "{:?}", text);
        }
    }
    Ok(())
}

/// What the client sends for `text`: an int's number when it reads as one,
/// a string otherwise (`wire_value` also trims, which `check` does not).
fn wire(kind: Kind, text: &str) -> Value {
    match kind {
        Kind::Int { .. } => text
            .parse::<i64>()
            .map_or_else(|_| Value::from(text), Value::from),
        _ => Value::from(text),
    }
}

/// `parse_duration`'s answer, recomputed from the rule it states.
fn check_duration_contract(text: &str) -> Result<(), TestCaseError> {
    let expected = if text == "-1" {
        Some(None)
    } else {
        let unit = text.chars().last();
        let per_unit = match unit {
            Some('d') => Some(86_400u128),
            Some('h') => Some(3_600),
            Some('m') => Some(60),
            Some('s') => Some(1),
            _ => None,
        };
        per_unit.and_then(|per_unit| {
            let digits = &text[..text.len() - 1];
            let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            let n: u128 = if all_digits {
                digits.parse().ok()?
            } else {
                return None;
            };
            let secs = n * per_unit;
            (n > 0 && n <= u64::MAX as u128 && secs <= 170 * 86_400).then_some(Some(secs as u64))
        })
    };
    match parse_duration(text) {
        Ok(secs) => prop_assert_eq!(Some(secs), expected, "{:?}", text),
        Err(message) => {
            prop_assert_eq!(expected, None, "{:?} refused: {}", text, message);
            prop_assert!(!message.trim().is_empty());
        }
    }
    Ok(())
}

fn check_headers_contract(text: &str) -> Result<(), TestCaseError> {
    let expected = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map
            .get("content_type")
            .and_then(Value::as_str)
            .is_some_and(|ct| CONTENT_TYPES.contains(&ct)),
        _ => false,
    };
    match parse_headers(text) {
        Ok(map) => {
            prop_assert!(expected, "accepted {text:?}");
            prop_assert_eq!(
                Value::Object(map),
                serde_json::from_str::<Value>(text).unwrap()
            );
        }
        Err(message) => {
            prop_assert!(!expected, "refused {text:?}: {message}");
            prop_assert!(!message.trim().is_empty());
        }
    }
    Ok(())
}

fn check_sms_contract(text: &str) -> Result<(), TestCaseError> {
    let expected = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => sms_config_is_valid(&map),
        _ => false,
    };
    match parse_sms_config(text) {
        Ok(map) => {
            prop_assert!(expected, "accepted {text:?}");
            let warned = !exoset_core::validate::warnings(Kind::SmsConfigJson, text).is_empty();
            prop_assert_eq!(warned, sms_config_goes_beyond(&map), "{:?}", text);
        }
        Err(message) => {
            prop_assert!(!expected, "refused {text:?}: {message}");
            prop_assert!(message.starts_with("sms_config"), "{message}");
        }
    }
    Ok(())
}

/// JSON text as a person or a server might lay it out, or cut short.
fn render(value: BoxedStrategy<Value>) -> BoxedStrategy<String> {
    (value, 0..4u8, any::<prop::sample::Index>())
        .prop_map(|(v, how, at)| match how {
            0 => serde_json::to_string_pretty(&v).unwrap_or_default(),
            1 => {
                // Cut at a char boundary: what a paste that lost its end looks like.
                let text = v.to_string();
                let cut = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(at.index(text.chars().count().max(1)))
                    .unwrap_or(text.len());
                text[..cut].to_string()
            }
            _ => v.to_string(),
        })
        .boxed()
}

// ---- config ----

const CONFIG_PATH: &str = "/home/someone/.config/exoset/config.toml";

fn toml_value() -> BoxedStrategy<String> {
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

fn toml_key() -> BoxedStrategy<String> {
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

fn profile_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_.-]{0,8}",
        1 => ".{0,70}".prop_map(|s| format!("{s:?}")),
        1 => "'[^'\n]{0,8}'",
        1 => "\\.?[a-z]{0,3}",
    ]
    .boxed()
}

fn toml_line() -> BoxedStrategy<String> {
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

fn toml_text() -> BoxedStrategy<String> {
    (
        prop::collection::vec(toml_line(), 0..10),
        prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r"]),
    )
        .prop_map(|(lines, eol)| lines.join(eol))
        .boxed()
}

/// `text` as a TOML basic string: quotes, backslashes and control
/// characters escaped, everything else as it is.
fn toml_string(text: &str) -> String {
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
fn timeout_text() -> BoxedStrategy<(String, std::time::Duration)> {
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

fn valid_profile() -> BoxedStrategy<(String, Profile)> {
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
fn valid_config() -> BoxedStrategy<(String, Config)> {
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

fn check_config_contract(text: &str) -> Result<(), TestCaseError> {
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

// ---- change set ----

fn check_change_set(base: &Settings, edits: &Edits) -> Result<(), TestCaseError> {
    let cs = ChangeSet::new(base, edits);
    for (id, new) in edits.iter() {
        prop_assert!(
            cs.changed().any(|r| r.id == id && r.new == new),
            "edit {} missing from the rows",
            id.path()
        );
    }
    match cs.body() {
        Err(problems) => {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.message.trim().is_empty(), "{}", p.id.path());
            }
        }
        Ok(None) => prop_assert!(cs.rows.is_empty()),
        Ok(Some(body)) => {
            prop_assert!(!cs.rows.is_empty());
            // The body reads back, cleanly, as exactly the rows it was made of.
            let read = Settings::from_json(&body).expect("a PUT body reads back");
            prop_assert!(read.notes().is_empty(), "{:?}", read.notes());
            prop_assert!(read.unknown().is_empty());
            prop_assert_eq!(read.reported().count(), cs.rows.len());
            for row in &cs.rows {
                let got = read.get(row.id);
                prop_assert!(
                    got.is_some_and(|got| same_value(row.id, got, &row.new)),
                    "{} sent as {:?}, reads back as {:?}",
                    row.id.path(),
                    row.new,
                    got
                );
                prop_assert!(check(row.id.setting().kind, &row.new).is_ok());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    // ---- the server's answer ----

    #[test]
    fn answer_parser_gives_a_one_line_error_or_settings_for_any_bytes(
        status in http_status(),
        bytes in answer_bytes(),
    ) {
        check_answer_contract(status, &bytes)?;
    }

    #[test]
    fn answer_parser_handles_any_json_value_as_the_whole_answer(
        status in http_status(),
        value in any_json(),
    ) {
        check_answer_contract(status, value.to_string().as_bytes())?;
    }

    #[test]
    fn answer_in_an_envelope_is_ok_exactly_when_2xx_success_true_and_data_reads(
        status in http_status(),
        envelope in envelope(),
    ) {
        let bytes = envelope.to_string().into_bytes();
        check_answer_contract(status, &bytes)?;
        let result = check_answer(status, &bytes);
        let should_pass = is_2xx(status)
            && envelope["success"] == json!(true)
            && envelope.get("data").is_some_and(|d| Settings::from_json(d).is_ok());
        prop_assert_eq!(result.is_ok(), should_pass, "{:?}", result);
        let request_id = matches!(&envelope["request_id"], Value::String(_) | Value::Number(_));
        match result {
            Ok(answer) => prop_assert_eq!(answer.request_id.is_some(), request_id),
            Err(err) => {
                if envelope["success"] == json!(false) || !is_2xx(status) {
                    prop_assert!(matches!(err, ApiError::Server { .. }), "{:?}", err);
                }
                if let Some(id) = err.request_id() {
                    prop_assert!(request_id && !id.contains('\n'));
                }
            }
        }
    }

    // ---- settings documents ----

    #[test]
    fn settings_from_json_reads_exactly_the_objects_of_objects(doc in settings_doc()) {
        check_settings_contract(&doc)?;
    }

    #[test]
    fn settings_from_json_handles_any_json_value(doc in any_json()) {
        check_settings_contract(&doc)?;
    }

    #[test]
    fn settings_from_json_text_handles_any_text_and_any_document(
        text in prop_oneof![any_text(), render(settings_doc())],
    ) {
        match Settings::from_json_text(&text) {
            Ok(settings) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(Settings::from_json(&value).unwrap(), settings);
            }
            Err(err) => prop_assert!(!err.0.trim().is_empty()),
        }
    }

    /// The whole document survives `to_json` and a second read: values and
    /// unknown keys. (A `-0` sent for an int once read as "-0" and came back
    /// as "0"; src/settings.rs now reads it as 0.)
    #[test]
    fn settings_values_and_unknown_keys_survive_to_json_and_back(doc in readable_doc()) {
        let settings = Settings::from_json(&doc).unwrap();
        let again = Settings::from_json(&settings.to_json()).unwrap();
        let before: Vec<_> = settings.reported().collect();
        let after: Vec<_> = again.reported().collect();
        prop_assert_eq!(after, before);
        prop_assert_eq!(again.unknown(), settings.unknown());
        prop_assert_eq!(again.to_json(), settings.to_json());
    }

    /// The strict round trip, `from_json(to_json(x)) == x`. Equality leaves
    /// out the notes, which record how the first document was sent, not what
    /// it holds.
    #[test]
    fn settings_read_from_any_document_equal_themselves_after_to_json_and_back(
        doc in readable_doc(),
    ) {
        let settings = Settings::from_json(&doc).unwrap();
        let again = Settings::from_json(&settings.to_json()).unwrap();
        prop_assert_eq!(again, settings);
    }

    // ---- validators ----

    #[test]
    fn every_validator_answers_any_text_with_ok_or_a_message(
        (kind, text) in any_kind().prop_flat_map(|k| (Just(k), near_valid(k))),
    ) {
        check_validator_contract(kind, &text)?;
    }

    #[test]
    fn every_validator_answers_arbitrary_text(kind in any_kind(), text in any_text()) {
        check_validator_contract(kind, &text)?;
    }

    /// The simulator's own table of the page's rules (`sim_rules`, which
    /// shares no code with `validate`) and the client agree on every key,
    /// for values near each kind's shape and for any text. What the client
    /// only warns about, the server accepts.
    #[test]
    fn the_simulator_and_the_client_agree_on_every_value(
        (i, text) in (0..SETTINGS.len()).prop_flat_map(|i| (Just(i), near_valid(SETTINGS[i].kind))),
    ) {
        let setting = &SETTINGS[i];
        let rule = sim_rules::rule(setting.section.key(), setting.key);
        prop_assert!(rule.is_some(), "the simulator has no rule for {}", setting.key);
        let server = sim_rules::check(rule.unwrap(), &wire(setting.kind, &text));
        let client = check(setting.kind, &text);
        prop_assert_eq!(
            client.is_ok(),
            server.is_ok(),
            "{}.{} = {:?}: client {:?}, simulator {:?}",
            setting.section.key(),
            setting.key,
            text,
            client,
            server
        );
        if let Ok(stored) = server {
            match setting.kind {
                Kind::Int { .. } => prop_assert_eq!(stored.parse::<i64>().ok(), text.parse().ok()),
                _ => prop_assert_eq!(stored, text),
            }
        }
    }

    #[test]
    fn parse_duration_agrees_with_its_rule_on_digits_and_units(
        text in prop_oneof![3 => duration_text(), 1 => any_text()],
    ) {
        check_duration_contract(&text)?;
    }

    #[test]
    fn country_name_is_a_name_for_two_upper_case_letters_or_a_message(
        text in prop_oneof![3 => country_text(), 1 => any_text()],
    ) {
        match country_name(&text) {
            Ok(name) => {
                prop_assert!(text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()));
                prop_assert!(!name.trim().is_empty());
            }
            Err(message) => {
                let quoted = format!("{text:?}");
                prop_assert!(message.contains(&quoted) || message.contains(&text), "{}", message);
            }
        }
    }

    #[test]
    fn parse_headers_accepts_exactly_objects_with_an_allowed_content_type(
        text in prop_oneof![
            2 => render(headers_json()),
            1 => render(any_json()),
            1 => any_text(),
        ],
    ) {
        check_headers_contract(&text)?;
    }

    #[test]
    fn parse_sms_config_accepts_exactly_the_documented_parties_and_keys(
        text in prop_oneof![
            3 => render(sms_json()),
            1 => render(any_json()),
            1 => any_text(),
        ],
    ) {
        check_sms_contract(&text)?;
    }

    // ---- config file ----

    #[test]
    fn config_parse_answers_any_text_with_a_config_or_a_located_error(text in any_text()) {
        check_config_contract(&text)?;
    }

    #[test]
    fn config_parse_answers_toml_like_text_with_a_config_or_a_located_error(text in toml_text()) {
        check_config_contract(&text)?;
    }

    /// A file right in every part must read, as exactly what it says.
    #[test]
    fn a_valid_config_reads_as_exactly_what_it_says((text, expected) in valid_config()) {
        match Config::parse(&text, Path::new(CONFIG_PATH)) {
            Ok(config) => prop_assert_eq!(config, expected, "{}", text),
            Err(err) => prop_assert!(false, "refused {text:?}: {err}"),
        }
    }

    // ---- change set ----

    #[test]
    fn change_set_from_any_edits_is_sendable_or_says_why(
        base in readable_doc(),
        edits in prop::collection::vec((0..SETTINGS.len(), plausible_text()), 0..8),
    ) {
        let base = Settings::from_json(&base).unwrap();
        let mut set = Edits::default();
        for (i, text) in edits {
            set.set(&base, FieldId(i), text);
        }
        check_change_set(&base, &set)?;
    }
}

/// A desired document made from the schema: known keys in their own
/// sections with any values, and now and then a key exoset does not know
/// (in a known section or a new one), so that most documents are read as
/// edits and the rest are refused.
fn desired_doc() -> BoxedStrategy<Value> {
    (
        prop::collection::vec((0..SETTINGS.len(), setting_value()), 0..8),
        proptest::option::weighted(
            0.25,
            (
                prop::sample::select(vec!["greenvn", "greenpin", "common", "greenzap"]),
                "x_[a-z]{1,4}",
                setting_value(),
            ),
        ),
    )
        .prop_map(|(known, unknown)| {
            let mut doc = json!({});
            for (i, value) in known {
                let setting = &SETTINGS[i];
                doc[setting.section.key()][setting.key] = value;
            }
            if let Some((section, key, value)) = unknown {
                doc[section][key] = value;
            }
            doc
        })
        .boxed()
}

/// Any desired document gives a change set that is sendable or says why,
/// or is refused for naming a key exoset does not know. Counts both, so
/// the generator cannot drift to refusing nearly everything (as documents
/// of mostly unknown keys did).
#[test]
fn change_set_from_any_desired_document_is_sendable_or_says_why() {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cases = cases();
    let (taken, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let result = runner.run(&(readable_doc(), desired_doc()), |(base, desired)| {
        let base = Settings::from_json(&base).unwrap();
        let desired = Settings::from_json(&desired).unwrap();
        match Edits::from_desired(&base, &desired) {
            Ok(edits) => {
                taken.fetch_add(1, Ordering::Relaxed);
                check_change_set(&base, &edits)?;
            }
            Err(message) => {
                refused.fetch_add(1, Ordering::Relaxed);
                prop_assert!(
                    message.starts_with("not a setting exoset knows"),
                    "{message}"
                );
                prop_assert!(!desired.unknown().is_empty());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (taken, refused) = (taken.into_inner(), refused.into_inner());
    eprintln!("desired documents: {taken} read as edits, {refused} refused");
    // About 3 in 4 carry no unknown key.
    assert!(
        taken * 2 >= cases as usize,
        "only {taken} of {cases} read as edits"
    );
    assert!(
        refused * 10 >= cases as usize,
        "only {refused} of {cases} refused"
    );
}

// ---- exhaustive and regression cases ----

#[test]
fn every_two_upper_case_letters_give_a_country_name_or_a_message() {
    let mut known = 0;
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let code = String::from_utf8(vec![a, b]).unwrap();
            match country_name(&code) {
                Ok(name) => {
                    assert!(!name.trim().is_empty(), "{code}");
                    known += 1;
                }
                Err(message) => assert!(message.contains(&code), "{message}"),
            }
            // The client takes exactly the codes of a table written out by
            // hand (the simulator's), not whatever its country crate knows.
            assert_eq!(
                check(Kind::Country, &code).is_ok(),
                COUNTRY_CODES.contains(&code.as_str()),
                "{code}"
            );
        }
    }
    assert_eq!(known, 249, "ISO 3166-1 has 249 alpha-2 codes");
}

#[test]
fn a_deeply_nested_answer_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "{{\"success\":true,\"data\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = check_answer(200, deep.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    let err = validate::parse_sms_config(&"{\"A\":".repeat(50_000)).unwrap_err();
    assert!(err.contains("not valid JSON"), "{err}");
}

// ---- the draft and history files ----

mod state_files {
    use super::{cases_at_most, plausible_text, readable_doc};
    use exoset_core::changes::{ChangeSet, Edits};
    use exoset_core::schema::{FieldId, SETTINGS, lookup_path};
    use exoset_core::settings::{Settings, same_value};
    use exoset_engine::config::Paths;
    use exoset_engine::store::{Draft, History, HistoryEntry, Loaded, StateDir};
    use proptest::prelude::*;

    fn state() -> (tempfile::TempDir, StateDir) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = StateDir::new(&Paths::under(tmp.path()), "p", "t");
        std::fs::create_dir_all(dir.path()).unwrap();
        (tmp, dir)
    }

    /// A `section.key` this build knows, or any text.
    fn draft_key() -> BoxedStrategy<String> {
        prop_oneof![
            3 => prop::sample::select(SETTINGS.iter().map(|s| s.section.key().to_string() + "." + s.key).collect::<Vec<_>>()),
            1 => ".{0,24}",
        ]
        .boxed()
    }

    /// Draft-shaped JSON with arbitrary parts (real paths and bases often),
    /// and arbitrary bytes.
    fn draft_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            1 => proptest::collection::vec(any::<u8>(), 0..200),
            3 => (
                0u32..3,
                proptest::collection::btree_map(draft_key(), ".{0,12}", 0..4),
                prop_oneof![
                    Just(serde_json::json!({})),
                    Just(serde_json::json!({"common": {"timezone": 5}})),
                    Just(serde_json::json!({"common": {"timezone": "UTC", "deletion_time": 9}})),
                    Just(serde_json::json!({"greenvn": {"x_new": [1]}, "common": {}})),
                    Just(serde_json::json!([1])),
                    Just(serde_json::json!(null)),
                ],
            )
                .prop_map(|(version, edits, base)| {
                    serde_json::json!({
                        "version": version, "saved_at": 1, "profile": "p", "tenant": "t",
                        "base": base, "edits": edits,
                    })
                    .to_string()
                    .into_bytes()
                }),
        ]
    }

    /// Each case writes a file, reads it and may move it aside: at 10,000
    /// cases these took minutes on two busy cores, so they stop at
    /// `FILE_CASES` (BENCHMARKS.md has the times).
    const FILE_CASES: u32 = 2_000;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases_at_most(FILE_CASES)))]

        #[test]
        fn any_draft_file_is_read_or_set_aside_never_a_panic(bytes in draft_bytes()) {
            let (_tmp, dir) = state();
            std::fs::write(dir.draft_path(), &bytes).unwrap();
            match dir.load_draft() {
                Loaded::Found(draft) => {
                    // A draft restores exactly when its base reads as settings
                    // and every edit names a setting this build knows.
                    let restorable = Settings::from_json(&draft.base).is_ok()
                        && draft.edits.keys().all(|k| lookup_path(k).is_some());
                    match draft.restore() {
                        Ok((base, edits)) => {
                            prop_assert!(restorable);
                            prop_assert_eq!(Settings::from_json(&draft.base).ok(), Some(base.clone()));
                            for (path, text) in &draft.edits {
                                let id = lookup_path(path).unwrap();
                                let kept = edits.get(id).map(str::to_string);
                                let same_as_base = base.get(id).is_some_and(|b| same_value(id, b, text));
                                prop_assert_eq!(kept.is_none(), same_as_base, "{}", path);
                            }
                        }
                        Err(message) => {
                            prop_assert!(!restorable, "refused a restorable draft: {message}");
                            prop_assert!(!message.is_empty());
                        }
                    }
                }
                Loaded::SetAside { moved_to, reason } => {
                    prop_assert!(!reason.is_empty());
                    // Set aside, never deleted: the bytes are still there.
                    prop_assert_eq!(std::fs::read(&moved_to).unwrap(), bytes);
                }
                Loaded::Missing => prop_assert!(false, "the file was there"),
            }
        }
    }

    /// History files made from the format: real entries recorded from
    /// generated changes, written as the store writes them, then left
    /// whole, from a newer version, cut short, or replaced by any bytes.
    fn history_bytes() -> impl Strategy<Value = Vec<u8>> {
        let history = prop::collection::vec(base_and_edits(), 0..4)
            .prop_map(|puts| {
                let mut history = History::default();
                for (n, (base, edits)) in puts.into_iter().enumerate() {
                    let sent = match ChangeSet::new(&base, &edits).body() {
                        Ok(Some(body)) => body,
                        _ => serde_json::json!({}),
                    };
                    let mut after = base.clone();
                    for (id, text) in edits.iter() {
                        after.set(id, text.to_string());
                    }
                    let mut entry =
                        HistoryEntry::new("p", "t", Some(format!("req-{n}")), sent, &base, &after);
                    entry.id = n as u64 + 1;
                    history.entries.push(entry);
                    history.next_id = n as u64 + 2;
                }
                history
            })
            .boxed();
        prop_oneof![
            4 => history.clone().prop_map(|h| serde_json::to_vec(&h).unwrap()),
            1 => history.clone().prop_map(|mut h| {
                h.version += 1;
                serde_json::to_vec(&h).unwrap()
            }),
            1 => (history, any::<prop::sample::Index>()).prop_map(|(h, at)| {
                let mut bytes = serde_json::to_vec(&h).unwrap();
                bytes.truncate(at.index(bytes.len()));
                bytes
            }),
            1 => proptest::collection::vec(any::<u8>(), 0..200),
        ]
    }

    /// Any history file is read or set aside, never a panic; one the store
    /// could have written reads back as it was. Counts what it read and what
    /// it set aside, so a generator that drifted to one side cannot pass.
    #[test]
    fn any_history_file_is_read_or_set_aside_never_a_panic() {
        use proptest::test_runner::{Config, TestRunner};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cases = cases_at_most(FILE_CASES);
        let (read, set_aside) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let mut runner = TestRunner::new(Config {
            cases,
            ..Config::default()
        });
        let result = runner.run(&history_bytes(), |bytes| {
            let (_tmp, dir) = state();
            std::fs::write(dir.history_path(), &bytes).unwrap();
            let written: Option<History> = serde_json::from_slice(&bytes).ok();
            match dir.load_history() {
                Loaded::Found(history) => {
                    read.fetch_add(1, Ordering::Relaxed);
                    for entry in &history.entries {
                        let _ = entry.changed();
                    }
                    if let Some(written) = written {
                        prop_assert_eq!(history, written);
                    }
                }
                Loaded::SetAside { moved_to, reason } => {
                    set_aside.fetch_add(1, Ordering::Relaxed);
                    prop_assert!(!reason.is_empty());
                    prop_assert_eq!(std::fs::read(&moved_to).unwrap(), bytes);
                }
                Loaded::Missing => prop_assert!(false, "the file was there"),
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        let (read, set_aside) = (read.into_inner(), set_aside.into_inner());
        eprintln!("history files: {read} read, {set_aside} set aside");
        // About 4 in 7 are whole histories; at least a third must read.
        assert!(read * 3 >= cases as usize, "only {read} of {cases} read");
        assert!(
            set_aside * 10 >= cases as usize,
            "only {set_aside} of {cases} set aside"
        );
    }

    /// A base and edits made from generated documents and values.
    fn base_and_edits() -> impl Strategy<Value = (Settings, Edits)> {
        (
            readable_doc(),
            prop::collection::vec((0..SETTINGS.len(), plausible_text()), 0..8),
        )
            .prop_map(|(doc, edits)| {
                let base = Settings::from_json(&doc).unwrap();
                let mut set = Edits::default();
                for (i, text) in edits {
                    set.set(&base, FieldId(i), text);
                }
                (base, set)
            })
    }

    // Each case writes (and syncs) real files, so at most 300 cases.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases_at_most(300)))]

        #[test]
        fn a_saved_draft_of_real_settings_restores_as_it_was((base, edits) in base_and_edits()) {
            let (_tmp, dir) = state();
            dir.save_draft(&Draft::new("p", "t", &base, &edits)).unwrap();
            match dir.load_draft() {
                Loaded::Found(draft) => {
                    prop_assert_eq!(draft.restore(), Ok((base, edits)));
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }

        /// Entries recorded one after another read back as recorded: ids
        /// counted on, only the newest `keep` kept, each with the keys its
        /// body changed.
        #[test]
        fn recorded_entries_read_back_with_their_ids_and_changes(
            puts in prop::collection::vec(base_and_edits(), 1..6),
            keep in 1usize..5,
        ) {
            let (_tmp, dir) = state();
            let mut recorded = Vec::new();
            for (n, (base, edits)) in puts.into_iter().enumerate() {
                let cs = ChangeSet::new(&base, &edits);
                let sent = match cs.body() {
                    Ok(Some(body)) => body,
                    _ => serde_json::json!({}),
                };
                let mut after = base.clone();
                for (id, text) in edits.iter() {
                    after.set(id, text.to_string());
                }
                let entry = HistoryEntry::new("p", "t", Some(format!("req-{n}")), sent, &base, &after);
                let (id, warning) = dir.record(entry.clone(), keep).unwrap();
                prop_assert_eq!(id, n as u64 + 1);
                prop_assert!(warning.is_none());
                // The file holds wire values, read back as the document
                // reads them ("+5" for an int comes back as "5").
                let (base_read, after_read) = (
                    Settings::from_json(&base.to_json()).unwrap(),
                    Settings::from_json(&after.to_json()).unwrap(),
                );
                let mut expected_changed: Vec<_> = if entry.sent == serde_json::json!({}) {
                    Vec::new()
                } else {
                    cs.rows
                        .iter()
                        .filter(|r| !r.companion)
                        .map(|r| {
                            (
                                r.id,
                                base_read.get(r.id).map(str::to_string),
                                after_read.get(r.id).map(str::to_string),
                            )
                        })
                        .collect()
                };
                expected_changed.sort();
                let mut entry = entry;
                entry.id = id;
                recorded.push((entry, expected_changed));
            }
            let Loaded::Found(history) = dir.load_history() else {
                return Err(TestCaseError::fail("no history after recording"));
            };
            let kept = &recorded[recorded.len().saturating_sub(keep)..];
            prop_assert_eq!(history.next_id, recorded.len() as u64 + 1);
            prop_assert_eq!(history.entries.len(), kept.len());
            for (read, (entry, changed)) in history.entries.iter().zip(kept) {
                prop_assert_eq!(read, entry);
                let mut got = read.changed();
                got.sort();
                prop_assert_eq!(&got, changed, "entry {}", read.id);
            }
        }
    }
}

// ---- real sizes ----

/// The generators above keep strings to 16–32 characters; these cases sit
/// at the limits that matter instead.
mod real_sizes {
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
}
