//! The simulator's own statement of what the update call accepts, written
//! from the vendor's page (restated in `docs/api.md`) and nothing else.
//!
//! The client checks values with `exoset_core::validate`, driven by
//! `exoset_core::schema`. If the simulator checked with the same code, "the
//! server accepts what the client sends" would prove nothing: a wrong rule
//! would be wrong on both sides. So this crate depends on neither (it depends
//! on no exoset crate at all); it has its own table
//! of keys and rules, and checks the *wire* value (a JSON integer where the
//! page says int, a JSON string everywhere else). `tests/it/robustness.rs`
//! compares the two on generated values: they must agree. Where the page
//! gives only an example (keys of an `sms_config` party beyond the ones
//! shown, `on_status` values beyond its four, header keys besides
//! `content_type`), both accept.

use serde_json::{Map, Value};

/// How the value of one key is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The string `"true"` or `"false"` (not a JSON boolean).
    BoolString,
    /// A JSON integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// One of these strings, exactly.
    OneOf(&'static [&'static str]),
    /// A tag: a non-blank string of one line, with no control characters.
    Tag,
    /// An absolute http(s) URL with a host.
    Url,
    /// `<n>d`, `<n>h`, `<n>m` or `<n>s` of at most 170 days (n at least 1),
    /// or `-1` for never.
    Duration,
    /// An ISO 3166-1 alpha-2 code, upper case.
    Country,
    /// A telecom circle code such as `KA`: 2 to 4 upper-case letters or digits.
    Circle,
    /// A non-empty string of ASCII digits, e.g. `"123456"`.
    Digits,
    /// A string holding a JSON object whose `content_type` is allowed.
    Headers,
    /// A string holding the outbound SMS configuration, see [`check_sms`].
    SmsConfig,
}

const EVENT_METHODS: &[&str] = &["GET", "POST", "POST_XML", "POST_JSON"];
const HEADER_CONTENT_TYPES: &[&str] = &["json", "application/json", "application/xml"];
const TIMEZONES: &[&str] = &["IST", "UTC"];
const PIN_LENGTH: Rule = Rule::Int { min: 1, max: 9 };
const MAX_SECONDS: u64 = 170 * 86_400;

/// Every key of the page: section, key, rule. greenvn 13, greenpin 18,
/// common 12.
pub const RULES: &[(&str, &str, Rule)] = &[
    ("greenvn", "greencall_complete_event_endpoint", Rule::Url),
    (
        "greenvn",
        "greencall_complete_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    ("greenvn", "greencall_complete_event_headers", Rule::Headers),
    ("greenvn", "failed_verification_event_endpoint", Rule::Url),
    (
        "greenvn",
        "failed_verification_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenvn",
        "failed_verification_event_headers",
        Rule::Headers,
    ),
    ("greenvn", "verified_caller_event_endpoint", Rule::Url),
    (
        "greenvn",
        "verified_caller_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    ("greenvn", "verified_caller_event_headers", Rule::Headers),
    ("greenvn", "deallocation_callback_event_endpoint", Rule::Url),
    (
        "greenvn",
        "deallocation_callback_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenvn",
        "deallocation_callback_event_headers",
        Rule::Headers,
    ),
    ("greenvn", "default_flow_id", Rule::Digits),
    (
        "greenpin",
        "greenpin_call_complete_event_endpoint",
        Rule::Url,
    ),
    (
        "greenpin",
        "greenpin_call_complete_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenpin",
        "greenpin_call_complete_event_headers",
        Rule::Headers,
    ),
    (
        "greenpin",
        "greenpin_failed_verification_event_endpoint",
        Rule::Url,
    ),
    (
        "greenpin",
        "greenpin_failed_verification_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenpin",
        "greenpin_failed_verification_event_headers",
        Rule::Headers,
    ),
    (
        "greenpin",
        "greenpin_verified_caller_event_endpoint",
        Rule::Url,
    ),
    (
        "greenpin",
        "greenpin_verified_caller_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenpin",
        "greenpin_verified_caller_event_headers",
        Rule::Headers,
    ),
    (
        "greenpin",
        "greenpin_deallocation_callback_event_endpoint",
        Rule::Url,
    ),
    (
        "greenpin",
        "greenpin_deallocation_callback_event_method",
        Rule::OneOf(EVENT_METHODS),
    ),
    (
        "greenpin",
        "greenpin_deallocation_callback_event_headers",
        Rule::Headers,
    ),
    ("greenpin", "aparty_pin_length", PIN_LENGTH),
    ("greenpin", "bparty_pin_length", PIN_LENGTH),
    ("greenpin", "common_pin_length", PIN_LENGTH),
    ("greenpin", "aparty_pin_enabled", Rule::BoolString),
    ("greenpin", "bparty_pin_enabled", Rule::BoolString),
    ("greenpin", "common_pin_enabled", Rule::BoolString),
    ("common", "country", Rule::Country),
    ("common", "intl_num_sup", Rule::BoolString),
    ("common", "max_deallocation_time", Rule::Duration),
    ("common", "timezone", Rule::OneOf(TIMEZONES)),
    (
        "common",
        "deletion_time",
        Rule::Int {
            min: 0,
            max: 86_400,
        },
    ),
    ("common", "tag_enabled", Rule::BoolString),
    ("common", "aparty_tag", Rule::Tag),
    ("common", "bparty_tag", Rule::Tag),
    ("common", "sms_config", Rule::SmsConfig),
    ("common", "sticky_agent_enabled", Rule::BoolString),
    ("common", "lcr_enabled", Rule::BoolString),
    ("common", "default_region", Rule::Circle),
];

/// The rule of `section.key`, if the page has that key.
pub fn rule(section: &str, key: &str) -> Option<Rule> {
    RULES
        .iter()
        .find(|(s, k, _)| *s == section && *k == key)
        .map(|(_, _, rule)| *rule)
}

/// For an `*_event_endpoint` key, the method and headers keys that must come
/// with it in the same body (the page's companion rule).
pub fn companions(key: &str) -> Option<[String; 2]> {
    let event = key.strip_suffix("_event_endpoint")?;
    Some([
        format!("{event}_event_method"),
        format!("{event}_event_headers"),
    ])
}

/// Checks a wire value against `rule`: `Ok` holds the value as text (an
/// integer's digits, a string as it is), `Err` says what is wrong.
pub fn check(rule: Rule, value: &Value) -> Result<String, String> {
    if let Rule::Int { min, max } = rule {
        return match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            Some(n) => Err(format!("must be from {min} to {max}; {n} is out of range")),
            None => Err(format!(
                "must be a JSON integer from {min} to {max}, not {}",
                describe_value(value)
            )),
        };
    }
    let text = match (rule, value) {
        (_, Value::String(text)) => text,
        (Rule::BoolString, Value::Bool(b)) => {
            return Err(format!(
                "must be the string \"{b}\", not the JSON boolean {b}"
            ));
        }
        (_, other) => {
            return Err(format!(
                "must be a JSON string, not {}",
                describe_value(other)
            ));
        }
    };
    let ok = match rule {
        Rule::Int { .. } => false,
        Rule::BoolString => text == "true" || text == "false",
        Rule::OneOf(values) => values.contains(&text.as_str()),
        Rule::Tag => !text.trim().is_empty() && !text.chars().any(char::is_control),
        Rule::Url => url_ok(text),
        Rule::Duration => duration_ok(text),
        Rule::Country => text.len() == 2 && COUNTRY_CODES.contains(&text.as_str()),
        Rule::Circle => {
            (2..=4).contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        Rule::Digits => !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
        Rule::Headers => return check_headers(text).map(|()| text.clone()),
        Rule::SmsConfig => return check_sms(text).map(|()| text.clone()),
    };
    if ok {
        Ok(text.clone())
    } else {
        Err(format!("must be {}, not {value}", describe(rule)))
    }
}

/// A JSON value as a person would name it in a message.
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the JSON boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => format!("the list {value}"),
        Value::Object(_) => "a JSON object".to_string(),
    }
}

fn describe(rule: Rule) -> String {
    match rule {
        Rule::BoolString => "\"true\" or \"false\"".into(),
        Rule::Int { min, max } => format!("an integer from {min} to {max}"),
        Rule::OneOf(values) => format!("one of {}", values.join(", ")),
        Rule::Tag => "a non-empty line of text".into(),
        Rule::Url => "an absolute http:// or https:// URL with a host".into(),
        Rule::Duration => "<n>d, <n>h, <n>m or <n>s of at most 170 days, or -1".into(),
        Rule::Country => "an ISO 3166-1 alpha-2 country code".into(),
        Rule::Circle => "a telecom circle code such as KA".into(),
        Rule::Digits => "a string of digits".into(),
        Rule::Headers | Rule::SmsConfig => "a JSON object in a string".into(),
    }
}

/// `<digits><unit>`, counted in seconds without overflow.
fn duration_ok(text: &str) -> bool {
    if text == "-1" {
        return true;
    }
    let bytes = text.as_bytes();
    let Some((&unit, digits)) = bytes.split_last() else {
        return false;
    };
    let per_unit: u64 = match unit {
        b'd' => 86_400,
        b'h' => 3_600,
        b'm' => 60,
        b's' => 1,
        _ => return false,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n * 10 + u64::from(d - b'0');
        if n > MAX_SECONDS {
            return false;
        }
    }
    n >= 1 && n * per_unit <= MAX_SECONDS
}

/// An absolute http(s) URL: the scheme in any case with its `//`, nothing
/// that is a control character or a space anywhere, and a URL a standard
/// parser reads with a host.
fn url_ok(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return false;
    }
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    // The host comes right after the `//`: `http:///host` has none there,
    // whatever a forgiving parser makes of it.
    if text[text.find("//").map_or(0, |at| at + 2)..].starts_with(['/', '\\']) {
        return false;
    }
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// `*_event_headers`: a JSON object whose `content_type` is one of the
/// three; other keys are taken as they are.
fn check_headers(text: &str) -> Result<(), String> {
    let map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err("headers must hold a JSON object".into()),
        Err(e) => return Err(format!("headers is not valid JSON: {e}")),
    };
    match map.get("content_type").and_then(Value::as_str) {
        Some(ct) if HEADER_CONTENT_TYPES.contains(&ct) => Ok(()),
        _ => Err(format!(
            "content_type must be one of {}",
            HEADER_CONTENT_TYPES.join(", ")
        )),
    }
}

/// `sms_config`: a JSON object of parties `A` and `B`, each an object. Of
/// the keys the page shows, `sms_enabled` is `"true"` or `"false"`,
/// `on_status` a list of strings, and `DltTemplateId`, `DltEntityId`,
/// `sender_id` and `sms_body` strings. Keys it does not show, and statuses
/// beyond its four, are taken as they are: the page is one example.
pub fn check_sms(text: &str) -> Result<(), String> {
    let parties: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err("sms_config must hold a JSON object".into()),
        Err(e) => return Err(format!("sms_config is not JSON: {e}")),
    };
    for (party, fields) in &parties {
        if party != "A" && party != "B" {
            return Err(format!(
                "sms_config: no party {party:?}; the parties are A and B"
            ));
        }
        let Value::Object(fields) = fields else {
            return Err(format!("sms_config.{party} must be an object"));
        };
        for (key, value) in fields {
            let ok = match key.as_str() {
                "sms_enabled" => value == "true" || value == "false",
                "on_status" => value
                    .as_array()
                    .is_some_and(|items| items.iter().all(Value::is_string)),
                "DltTemplateId" | "DltEntityId" | "sender_id" | "sms_body" => value.is_string(),
                _ => true,
            };
            if !ok {
                return Err(format!("sms_config.{party}.{key}: {value} is not allowed"));
            }
        }
    }
    Ok(())
}

/// ISO 3166-1 alpha-2: the 249 officially assigned codes.
pub const COUNTRY_CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_has_the_pages_43_keys() {
        assert_eq!(RULES.len(), 43);
        for section in ["greenvn", "greenpin", "common"] {
            let n = RULES.iter().filter(|(s, _, _)| *s == section).count();
            let want = match section {
                "greenvn" => 13,
                "greenpin" => 18,
                _ => 12,
            };
            assert_eq!(n, want, "{section}");
        }
        // That the client's table names the same keys is checked in
        // exoset-sim, which depends on both (this crate cannot see it).
        for (_, key, _) in RULES {
            if let Some([method, headers]) = companions(key) {
                assert!(RULES.iter().any(|(_, k, _)| *k == method), "{method}");
                assert!(RULES.iter().any(|(_, k, _)| *k == headers), "{headers}");
            }
        }
    }

    #[test]
    fn there_are_249_distinct_sorted_country_codes() {
        assert_eq!(COUNTRY_CODES.len(), 249);
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn wire_types_and_values_are_checked() {
        let pin = rule("greenpin", "aparty_pin_length").unwrap();
        assert_eq!(check(pin, &json!(4)), Ok("4".into()));
        assert!(
            check(pin, &json!("4"))
                .unwrap_err()
                .contains("JSON integer")
        );
        assert!(check(pin, &json!(4.0)).is_err());
        assert!(check(pin, &json!(10)).unwrap_err().contains("from 1 to 9"));
        let flag = rule("common", "tag_enabled").unwrap();
        assert!(
            check(flag, &json!(true))
                .unwrap_err()
                .contains("not the JSON boolean true")
        );
        assert_eq!(check(flag, &json!("false")), Ok("false".into()));
        let time = rule("common", "max_deallocation_time").unwrap();
        for good in ["-1", "170d", "4080h", "244800m", "14688000s", "1s", "007d"] {
            assert_eq!(check(time, &json!(good)), Ok(good.into()), "{good}");
        }
        for bad in [
            "171d",
            "0d",
            "-2",
            "d",
            "1w",
            "+1d",
            "1 d",
            "",
            "99999999999999999999d",
        ] {
            assert!(check(time, &json!(bad)).is_err(), "{bad}");
        }
        let url = rule("greenvn", "verified_caller_event_endpoint").unwrap();
        assert!(check(url, &json!("HTTPS://h.example/x")).is_ok());
        for bad in [
            "http:h.example",
            "ftp://h.example",
            "https://",
            "https://a b",
            "https://h\u{1}",
        ] {
            assert!(check(url, &json!(bad)).is_err(), "{bad:?}");
        }
        let sms = rule("common", "sms_config").unwrap();
        assert!(check(sms, &json!(r#"{"A": {"x": 1, "on_status": ["later"]}}"#)).is_ok());
        assert!(check(sms, &json!(r#"{"C": {}}"#)).is_err());
        assert!(check(sms, &json!(r#"{"A": {"on_status": [1]}}"#)).is_err());
        let headers = rule("greenvn", "verified_caller_event_headers").unwrap();
        assert!(check(headers, &json!(r#"{"content_type": "json", "x": 1}"#)).is_ok());
        assert!(check(headers, &json!(r#"{"content_type": "text/plain"}"#)).is_err());
        assert_eq!(
            companions("greenpin_call_complete_event_endpoint"),
            Some([
                "greenpin_call_complete_event_method".to_string(),
                "greenpin_call_complete_event_headers".to_string()
            ])
        );
        assert_eq!(companions("greenpin_call_complete_event_method"), None);
    }
}
