//! Checks by kind. Each failure is a message that names the rule broken, so the
//! editor, the subcommands and the simulator can show it as it is.

use crate::schema::{CONTENT_TYPES, Kind, MAX_DEALLOCATION_SECS, SMS_STATUSES};
use serde_json::{Map, Value};

/// Checks `text`, the value as a person types it, against `kind`.
pub fn check(kind: Kind, text: &str) -> Result<(), String> {
    match kind {
        Kind::BoolString => match text {
            "true" | "false" => Ok(()),
            _ => Err(format!("must be \"true\" or \"false\", not {text:?}")),
        },
        Kind::Int { min, max } => check_int(text, min, max).map(|_| ()),
        Kind::Enum { values } => {
            if values.contains(&text) {
                Ok(())
            } else {
                Err(format!(
                    "must be one of {}, not {text:?}",
                    values.join(", ")
                ))
            }
        }
        Kind::Text => check_text(text),
        Kind::Url => check_url(text),
        Kind::Duration => parse_duration(text).map(|_| ()),
        Kind::Country => country_name(text).map(|_| ()),
        Kind::Region => check_region(text),
        Kind::Digits => check_digits(text),
        Kind::HeadersJson => parse_headers(text).map(|_| ()),
        Kind::SmsConfigJson => parse_sms_config(text).map(|_| ()),
    }
}

/// What in a valid `text` goes beyond the vendor's one example without
/// being ruled out by it: sent as it is, but worth a second look. Only the
/// JSON kinds have any; an invalid value has none (its error says enough).
pub fn warnings(kind: Kind, text: &str) -> Vec<String> {
    match kind {
        Kind::HeadersJson => match parse_headers(text) {
            Ok(map) => {
                let extra: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "content_type")
                    .collect();
                if extra.is_empty() {
                    Vec::new()
                } else {
                    vec![format!(
                        "headers hold {} besides content_type; the vendor's page shows only \
                         content_type, so the server may ignore or refuse them",
                        extra.join(", ")
                    )]
                }
            }
            Err(_) => Vec::new(),
        },
        Kind::SmsConfigJson => match inspect_sms_config(text) {
            Ok((_, warnings)) => warnings,
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Parses an integer within `min..=max`.
pub fn check_int(text: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = text
        .parse()
        .map_err(|_| format!("must be a whole number from {min} to {max}, not {text:?}"))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be from {min} to {max}; {n} is out of range"))
    }
}

fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().any(char::is_control) {
        return Err("must not hold control characters (tabs, newlines)".into());
    }
    Ok(())
}

fn check_url(text: &str) -> Result<(), String> {
    // The URL parser forgives `http:host` and `http:/host`, and strips
    // control characters; the page's rule is an absolute http(s) URL.
    let has_prefix = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    if !has_prefix("http://") && !has_prefix("https://") {
        return Err(format!(
            "must be an absolute URL starting with http:// or https://, not {text:?}"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("must not hold control characters; percent-encode them".into());
    }
    let url = url::Url::parse(text)
        .map_err(|e| format!("must be an absolute http:// or https:// URL ({e}), not {text:?}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "must use http:// or https://, not {}://",
            url.scheme()
        ));
    }
    // The parser also forgives `http:///host` (and backslashes for
    // slashes), finding a host the text does not have where it belongs.
    let after_scheme = text.split_once("://").map_or("", |(_, rest)| rest);
    if url.host_str().is_none_or(str::is_empty) || after_scheme.starts_with(['/', '\\']) {
        return Err("must name a host, e.g. https://example.com/hook".into());
    }
    if text.chars().any(char::is_whitespace) {
        return Err("must not contain spaces; encode them as %20".into());
    }
    Ok(())
}

/// Parses `max_deallocation_time`: seconds, or `None` for `-1` (never).
pub fn parse_duration(text: &str) -> Result<Option<u64>, String> {
    const RULE: &str = "must be <n>d, <n>h, <n>m or <n>s (at most 170 days), or -1 for never";
    if text == "-1" {
        return Ok(None);
    }
    let Some(unit) = text.chars().last() else {
        return Err(format!("{RULE}; it is empty"));
    };
    let per_unit: u64 = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        's' => 1,
        _ => return Err(format!("{RULE}, not {text:?}")),
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{RULE}, not {text:?}"));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{RULE}; {text:?} is too long"))?;
    if n == 0 {
        return Err(format!("{RULE}; use -1 rather than zero"));
    }
    let secs = n.saturating_mul(per_unit);
    if secs > MAX_DEALLOCATION_SECS {
        return Err(format!(
            "must be at most 170 days; {text} is {}",
            describe_secs(secs)
        ));
    }
    Ok(Some(secs))
}

fn describe_secs(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    if rest == 0 {
        format!("{days} days")
    } else {
        format!("{days} days and {rest} s")
    }
}

/// The country's English name for an upper-case ISO 3166-1 alpha-2 code.
pub fn country_name(text: &str) -> Result<String, String> {
    let two_upper = text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase());
    if !two_upper {
        let hint = if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
            format!(" (try {})", text.to_ascii_uppercase())
        } else {
            String::new()
        };
        return Err(format!(
            "must be a two-letter upper-case ISO 3166-1 code such as IN, not {text:?}{hint}"
        ));
    }
    // ISO 3166-1 leaves AA, QM–QZ, XA–XZ and ZZ to users; the country
    // crate knows one of them (XK, used for Kosovo), which the standard,
    // and so the page, does not have.
    let user_assigned = matches!(text, "AA" | "ZZ")
        || text.starts_with('X')
        || (text.starts_with('Q') && text.as_bytes()[1] >= b'M');
    if user_assigned {
        return Err(format!(
            "{text} is a user-assigned code, not an ISO 3166-1 alpha-2 country code"
        ));
    }
    celes::Country::from_alpha2(text)
        .map(|c| c.long_name.to_string())
        .map_err(|_| format!("{text} is not an ISO 3166-1 alpha-2 country code"))
}

fn check_region(text: &str) -> Result<(), String> {
    let ok = (2..=4).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a telecom circle code of 2 to 4 upper-case letters such as KA, not {text:?}"
        ))
    }
}

fn check_digits(text: &str) -> Result<(), String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("must be digits only, e.g. 123456, not {text:?}"))
    }
}

fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{what} must be a JSON object {{…}}")),
        Err(e) => Err(format!("{what} is not valid JSON: {e}")),
    }
}

/// Parses an `*_event_headers` value: a JSON object whose `content_type` is allowed.
pub fn parse_headers(text: &str) -> Result<Map<String, Value>, String> {
    let map = parse_object(text, "headers")?;
    match map.get("content_type") {
        Some(Value::String(ct)) if CONTENT_TYPES.contains(&ct.as_str()) => Ok(map),
        Some(other) => Err(format!(
            "content_type must be one of {}, not {other}",
            CONTENT_TYPES.join(", ")
        )),
        None => Err(format!(
            "headers need a content_type: one of {}",
            CONTENT_TYPES.join(", ")
        )),
    }
}

/// Keys a party object of `sms_config` may hold.
pub const SMS_PARTY_KEYS: &[&str] = &[
    "sms_enabled",
    "on_status",
    "DltTemplateId",
    "DltEntityId",
    "sender_id",
    "sms_body",
];

/// Parses `sms_config`: parties `A` and `B`, each a JSON object. What the
/// page rules out is an error; keys and `on_status` values beyond its one
/// example are only warnings (see [`warnings`]).
pub fn parse_sms_config(text: &str) -> Result<Map<String, Value>, String> {
    inspect_sms_config(text).map(|(map, _)| map)
}

fn inspect_sms_config(text: &str) -> Result<(Map<String, Value>, Vec<String>), String> {
    let map = parse_object(text, "sms_config")?;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for (party, value) in &map {
        if party != "A" && party != "B" {
            problems.push(format!("unknown party {party:?} (only A and B)"));
            continue;
        }
        let Value::Object(fields) = value else {
            problems.push(format!("party {party} must be a JSON object"));
            continue;
        };
        check_sms_party(party, fields, &mut problems, &mut warnings);
    }
    if problems.is_empty() {
        Ok((map, warnings))
    } else {
        Err(format!("sms_config: {}", problems.join("; ")))
    }
}

fn check_sms_party(
    party: &str,
    fields: &Map<String, Value>,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for (key, value) in fields {
        match key.as_str() {
            "sms_enabled" => {
                if !matches!(value.as_str(), Some("true" | "false")) {
                    problems.push(format!(
                        "{party}.sms_enabled must be the string \"true\" or \"false\", not {value}"
                    ));
                }
            }
            "on_status" => check_on_status(party, value, problems, warnings),
            "DltTemplateId" | "DltEntityId" | "sender_id" | "sms_body" => {
                if !value.is_string() {
                    problems.push(format!("{party}.{key} must be a string, not {value}"));
                }
            }
            _ => warnings.push(format!(
                "sms_config: {party}.{key} is not in the vendor's example ({}); sent as it is",
                SMS_PARTY_KEYS.join(", ")
            )),
        }
    }
}

fn check_on_status(
    party: &str,
    value: &Value,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let Value::Array(items) = value else {
        problems.push(format!(
            "{party}.on_status must be a list of call statuses such as {}",
            SMS_STATUSES.join(", ")
        ));
        return;
    };
    let mut seen = Vec::new();
    for item in items {
        match item.as_str() {
            Some(s) => {
                if seen.contains(&s) {
                    warnings.push(format!("sms_config: {party}.on_status lists {s:?} twice"));
                } else if !SMS_STATUSES.contains(&s) {
                    warnings.push(format!(
                        "sms_config: {party}.on_status holds {s:?}, not one of the vendor's \
                         example statuses ({}); sent as it is",
                        SMS_STATUSES.join(", ")
                    ));
                }
                seen.push(s);
            }
            None => problems.push(format!(
                "{party}.on_status must hold strings (call statuses), not {item}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{METHODS, TIMEZONES};

    const SECONDS: Kind = Kind::Int { min: 0, max: 86400 };
    const PIN: Kind = Kind::Int { min: 1, max: 9 };

    fn ok(kind: Kind, text: &str) {
        if let Err(e) = check(kind, text) {
            panic!("{text:?} should pass as {}: {e}", kind.name());
        }
    }

    fn bad(kind: Kind, text: &str, names: &str) {
        match check(kind, text) {
            Ok(()) => panic!("{text:?} should fail as {}", kind.name()),
            Err(e) => assert!(e.contains(names), "message {e:?} should mention {names:?}"),
        }
    }

    #[test]
    fn bool_strings_take_only_lower_case_true_and_false() {
        ok(Kind::BoolString, "true");
        ok(Kind::BoolString, "false");
        bad(Kind::BoolString, "True", "\"true\" or \"false\"");
        bad(Kind::BoolString, "1", "\"true\" or \"false\"");
        bad(Kind::BoolString, "", "\"true\" or \"false\"");
    }

    #[test]
    fn seconds_accept_0_and_86400_and_refuse_86401_and_negatives() {
        ok(SECONDS, "0");
        ok(SECONDS, "1800");
        ok(SECONDS, "86400");
        bad(SECONDS, "86401", "from 0 to 86400");
        bad(SECONDS, "-1", "from 0 to 86400");
        bad(SECONDS, "1.5", "whole number");
        bad(SECONDS, "", "whole number");
        bad(SECONDS, "99999999999999999999", "whole number");
    }

    #[test]
    fn pin_lengths_accept_1_to_9_only() {
        bad(PIN, "0", "from 1 to 9");
        ok(PIN, "1");
        ok(PIN, "9");
        bad(PIN, "10", "from 1 to 9");
        bad(PIN, "four", "whole number");
    }

    #[test]
    fn durations_stop_at_170_days_and_take_minus_one() {
        assert_eq!(parse_duration("170d"), Ok(Some(170 * 86_400)));
        assert_eq!(parse_duration("4080h"), Ok(Some(170 * 86_400)));
        assert_eq!(parse_duration("-1"), Ok(None));
        assert_eq!(parse_duration("1s"), Ok(Some(1)));
        assert_eq!(parse_duration("90m"), Ok(Some(5_400)));
        bad(Kind::Duration, "171d", "at most 170 days");
        bad(Kind::Duration, "4081h", "at most 170 days");
        bad(Kind::Duration, "14688001s", "at most 170 days");
        bad(Kind::Duration, "99999999999999999999999d", "too long");
        bad(Kind::Duration, "0d", "-1");
        bad(Kind::Duration, "-2", "<n>d");
        bad(Kind::Duration, "10", "<n>d");
        bad(Kind::Duration, "d", "<n>d");
        bad(Kind::Duration, "1w", "<n>d");
        bad(Kind::Duration, "+1d", "<n>d");
        bad(Kind::Duration, "", "empty");
        bad(Kind::Duration, "1é", "<n>d");
    }

    #[test]
    fn timezone_and_method_enums_take_their_values_only() {
        let tz = Kind::Enum { values: TIMEZONES };
        ok(tz, "IST");
        ok(tz, "UTC");
        bad(tz, "ist", "IST, UTC");
        bad(tz, "GMT", "IST, UTC");
        let method = Kind::Enum { values: METHODS };
        for m in METHODS {
            ok(method, m);
        }
        bad(method, "PUT", "POST_JSON");
    }

    #[test]
    fn countries_come_from_the_iso_list_not_a_regex() {
        ok(Kind::Country, "IN");
        ok(Kind::Country, "US");
        ok(Kind::Country, "GB");
        assert_eq!(country_name("IN").as_deref(), Ok("India"));
        bad(Kind::Country, "ZZ", "not an ISO 3166-1");
        bad(Kind::Country, "UK", "not an ISO 3166-1");
        bad(Kind::Country, "in", "try IN");
        bad(Kind::Country, "IND", "two-letter");
        bad(Kind::Country, "", "two-letter");
    }

    #[test]
    fn urls_must_be_absolute_http_or_https_with_a_host() {
        ok(Kind::Url, "https://webhook.site/68c6f127");
        ok(Kind::Url, "http://127.0.0.1:8080/hook?x=1");
        bad(Kind::Url, "ftp://example.com/", "http:// or https://");
        bad(Kind::Url, "/relative/path", "absolute");
        bad(Kind::Url, "example.com", "absolute");
        bad(Kind::Url, "https://exa mple.com", "absolute");
        bad(Kind::Url, "", "absolute");
    }

    #[test]
    fn headers_need_one_of_three_content_types() {
        for ct in CONTENT_TYPES {
            ok(
                Kind::HeadersJson,
                &format!("{{\"content_type\": \"{ct}\"}}"),
            );
        }
        ok(
            Kind::HeadersJson,
            r#"{"content_type": "json", "X-Token": "abc"}"#,
        );
        bad(
            Kind::HeadersJson,
            r#"{"content_type": "text/plain"}"#,
            "content_type must be one of",
        );
        bad(
            Kind::HeadersJson,
            r#"{"accept": "json"}"#,
            "need a content_type",
        );
        bad(Kind::HeadersJson, r#"["json"]"#, "JSON object");
        bad(Kind::HeadersJson, "{content_type: json}", "not valid JSON");
    }

    const SEED_SMS: &str = r#"{"A": {"sms_enabled": "false", "on_status": ["busy","no-answer","failed","canceled"],"DltTemplateId": "x1","DltEntityId": "x2","sender_id": "MONOTEL","sms_body": "Hello"},"B": {"sms_enabled": "false"}}"#;

    #[test]
    fn sms_config_accepts_the_seed_example() {
        ok(Kind::SmsConfigJson, SEED_SMS);
        ok(Kind::SmsConfigJson, "{}");
    }

    #[test]
    fn sms_config_names_each_broken_rule() {
        bad(Kind::SmsConfigJson, r#"{"C": {}}"#, "unknown party \"C\"");
        bad(Kind::SmsConfigJson, r#"{"A": "on"}"#, "party A must be");
        bad(
            Kind::SmsConfigJson,
            r#"{"A": {"sms_enabled": true}}"#,
            "A.sms_enabled must be the string",
        );
        bad(
            Kind::SmsConfigJson,
            r#"{"A": {"on_status": "busy"}}"#,
            "must be a list",
        );
        bad(
            Kind::SmsConfigJson,
            r#"{"A": {"DltTemplateId": 123}}"#,
            "A.DltTemplateId must be a string",
        );
        bad(
            Kind::SmsConfigJson,
            r#"{"A": {"on_status": [7]}}"#,
            "must hold strings",
        );
        bad(Kind::SmsConfigJson, "[]", "JSON object");
        bad(Kind::SmsConfigJson, "{", "not valid JSON");
    }

    /// The page gives one example of sms_config and of headers, not a rule:
    /// what goes beyond it is sent, with a warning that names it.
    #[test]
    fn what_the_page_only_exemplifies_is_a_warning_not_an_error() {
        for (kind, text, names) in [
            (
                Kind::SmsConfigJson,
                r#"{"B": {"on_status": ["busy", "answered"]}}"#,
                "\"answered\", not one of the vendor's example statuses",
            ),
            (
                Kind::SmsConfigJson,
                r#"{"B": {"on_status": ["busy", "busy"]}}"#,
                "lists \"busy\" twice",
            ),
            (
                Kind::SmsConfigJson,
                r#"{"A": {"senderid": "X"}}"#,
                "A.senderid is not in the vendor's example",
            ),
            (
                Kind::HeadersJson,
                r#"{"content_type": "json", "x-api-key": "k"}"#,
                "headers hold x-api-key besides content_type",
            ),
        ] {
            ok(kind, text);
            let warnings = warnings(kind, text);
            assert_eq!(warnings.len(), 1, "{text}: {warnings:?}");
            assert!(
                warnings[0].contains(names),
                "{warnings:?} should name {names:?}"
            );
        }
        assert!(warnings(Kind::HeadersJson, r#"{"content_type": "json"}"#).is_empty());
        assert!(warnings(Kind::SmsConfigJson, r#"{"A": {"sms_enabled": "true"}}"#).is_empty());
        assert!(
            warnings(Kind::SmsConfigJson, "{").is_empty(),
            "an error, not a warning"
        );
    }

    #[test]
    fn digits_and_regions_and_text() {
        ok(Kind::Digits, "123456");
        bad(Kind::Digits, "12a", "digits only");
        bad(Kind::Digits, "", "digits only");
        ok(Kind::Region, "KA");
        ok(Kind::Region, "UPE");
        bad(Kind::Region, "ka", "telecom circle");
        bad(Kind::Region, "K", "telecom circle");
        ok(Kind::Text, "Customer");
        bad(Kind::Text, "  ", "empty");
        bad(Kind::Text, "a\nb", "control");
    }
}
