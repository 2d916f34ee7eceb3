//! Generators and contracts for the validators: each kind's rules stated
//! again here, independently of `exoset_core::validate`.

use exoset_core::schema::{CONTENT_TYPES, Kind, METHODS, SETTINGS, SMS_STATUSES, TIMEZONES};
use exoset_core::validate::{
    SMS_PARTY_KEYS, check, parse_duration, parse_headers, parse_sms_config,
};
use exoset_sim_rules::COUNTRY_CODES;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;

/// Every kind the schema uses, plus int ranges it does not.
pub(super) fn any_kind() -> BoxedStrategy<Kind> {
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
pub(super) fn near_valid(kind: Kind) -> BoxedStrategy<String> {
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
pub(super) fn duration_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => ("[-+]?", "[0-9]{0,25}", "[dhmswé]?|.").prop_map(|(s, d, u)| format!("{s}{d}{u}")),
        2 => (0u64..=20_000_000, prop::sample::select(vec!['d', 'h', 'm', 's']))
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => Just("-1".to_string()),
    ]
    .boxed()
}

/// Two letters in any case, and neighbours: one or three letters, non-ASCII.
pub(super) fn country_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Z]{2}",
        2 => "[A-Za-z]{2}",
        1 => "[A-Z]{1,3}",
        1 => (any::<char>(), any::<char>()).prop_map(|(a, b)| format!("{a}{b}")),
    ]
    .boxed()
}

/// Values for a JSON-valued setting's fields: mostly right, sometimes not.
pub(super) fn headers_json() -> BoxedStrategy<Value> {
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

pub(super) fn sms_party() -> BoxedStrategy<Value> {
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

pub(super) fn sms_json() -> BoxedStrategy<Value> {
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
pub(super) fn sms_config_is_valid(config: &Map<String, Value>) -> bool {
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
pub(super) fn sms_config_goes_beyond(config: &Map<String, Value>) -> bool {
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
pub(super) fn int_is_valid(text: &str, min: i64, max: i64) -> bool {
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
pub(super) fn duration_is_valid(text: &str) -> bool {
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
pub(super) fn has_http_prefix(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The host of `scheme://[user@]host[:port]/...`, by plain splitting.
pub(super) fn url_host(text: &str) -> &str {
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
pub(super) fn url_is_plainly_valid(text: &str) -> bool {
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
pub(super) fn headers_are_valid(text: &str) -> bool {
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
pub(super) fn check_validator_contract(kind: Kind, text: &str) -> Result<(), TestCaseError> {
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
pub(super) fn wire(kind: Kind, text: &str) -> Value {
    match kind {
        Kind::Int { .. } => text
            .parse::<i64>()
            .map_or_else(|_| Value::from(text), Value::from),
        _ => Value::from(text),
    }
}

/// `parse_duration`'s answer, recomputed from the rule it states.
pub(super) fn check_duration_contract(text: &str) -> Result<(), TestCaseError> {
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

pub(super) fn check_headers_contract(text: &str) -> Result<(), TestCaseError> {
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

pub(super) fn check_sms_contract(text: &str) -> Result<(), TestCaseError> {
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
pub(super) fn render(value: BoxedStrategy<Value>) -> BoxedStrategy<String> {
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
