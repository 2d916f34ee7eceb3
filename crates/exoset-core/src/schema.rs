//! The one table of every ExoBridge setting.
//!
//! Everything else — the settings document, validation, the change set, the
//! simulator, `exoset fields`, the editor's rows and help — reads [`SETTINGS`];
//! nothing else lists the keys. Adding a setting is one entry here.

use serde::Serialize;

/// The three sections of the settings body and of `data` in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Greenvn,
    Greenpin,
    Common,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Greenvn, Section::Greenpin, Section::Common];

    /// The section's name on the wire.
    pub fn key(self) -> &'static str {
        match self {
            Section::Greenvn => "greenvn",
            Section::Greenpin => "greenpin",
            Section::Common => "common",
        }
    }

    /// The name a person reads (tab titles).
    pub fn title(self) -> &'static str {
        match self {
            Section::Greenvn => "GreenVN",
            Section::Greenpin => "GreenPin",
            Section::Common => "Common",
        }
    }

    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// How a value travels on the wire and what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// The strings `"true"` / `"false"` (not JSON booleans).
    BoolString,
    /// A JSON integer within `min..=max`.
    Int { min: i64, max: i64 },
    /// A string that must be one of `values`.
    Enum { values: &'static [&'static str] },
    /// Free text (tags).
    Text,
    /// An absolute http(s) URL.
    Url,
    /// `<n>d|h|m|s`, at most 170 days, or `-1` for "never".
    Duration,
    /// An ISO 3166-1 alpha-2 country code.
    Country,
    /// A telecom circle code such as `KA`; answers may carry it as a list.
    Region,
    /// A string of decimal digits.
    Digits,
    /// A string holding a JSON object with an allowed `content_type`.
    HeadersJson,
    /// A string holding the JSON SMS configuration for parties A and B.
    SmsConfigJson,
}

impl Kind {
    /// A short name for tables and `exoset fields`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::BoolString => "bool-string",
            Kind::Int { .. } => "int",
            Kind::Enum { .. } => "enum",
            Kind::Text => "string",
            Kind::Url => "url",
            Kind::Duration => "duration",
            Kind::Country => "country",
            Kind::Region => "region",
            Kind::Digits => "digits",
            Kind::HeadersJson => "headers-json",
            Kind::SmsConfigJson => "sms-config-json",
        }
    }

    /// Whether the wire value is a JSON number rather than a string.
    pub fn is_int(self) -> bool {
        matches!(self, Kind::Int { .. })
    }

    /// What a person may type, in one line.
    pub fn allowed(self) -> String {
        match self {
            Kind::BoolString => "\"true\" or \"false\"".to_string(),
            Kind::Int { min, max } => format!("an integer from {min} to {max}"),
            Kind::Enum { values } => format!("one of {}", values.join(", ")),
            Kind::Text => "any text".to_string(),
            Kind::Url => "an absolute http:// or https:// URL".to_string(),
            Kind::Duration => {
                "<n>d, <n>h, <n>m or <n>s, at most 170 days; or -1 for never".to_string()
            }
            Kind::Country => "an ISO 3166-1 alpha-2 country code, e.g. IN".to_string(),
            Kind::Region => "a telecom circle code, e.g. KA".to_string(),
            Kind::Digits => "digits only, e.g. 123456".to_string(),
            Kind::HeadersJson => format!(
                "JSON object with content_type one of {}",
                CONTENT_TYPES.join(", ")
            ),
            Kind::SmsConfigJson => {
                "JSON object with parties A and B (sms_enabled, on_status, DltTemplateId, \
                 DltEntityId, sender_id, sms_body)"
                    .to_string()
            }
        }
    }
}

pub const METHODS: &[&str] = &["GET", "POST", "POST_XML", "POST_JSON"];
pub const TIMEZONES: &[&str] = &["IST", "UTC"];
pub const CONTENT_TYPES: &[&str] = &["json", "application/json", "application/xml"];
/// Call outcomes that can trigger an SMS (`sms_config.<party>.on_status`).
pub const SMS_STATUSES: &[&str] = &["busy", "no-answer", "failed", "canceled"];
/// Longest duration `max_deallocation_time` may hold: 170 days.
pub const MAX_DEALLOCATION_SECS: u64 = 170 * 24 * 60 * 60;

/// Which part of an event triple a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPart {
    Endpoint,
    Method,
    Headers,
}

/// An event whose endpoint, method and headers belong together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Event {
    pub section: Section,
    /// The key prefix before `_event_…`, e.g. `greenpin_call_complete`.
    pub name: &'static str,
    pub label: &'static str,
    pub fires_when: &'static str,
}

pub const EVENTS: &[Event] = &[
    Event {
        section: Section::Greenvn,
        name: "greencall_complete",
        label: "Call complete",
        fires_when: "a GreenVN call completes",
    },
    Event {
        section: Section::Greenvn,
        name: "failed_verification",
        label: "Failed verification",
        fires_when: "verification fails for an invalid caller",
    },
    Event {
        section: Section::Greenvn,
        name: "verified_caller",
        label: "Verified caller",
        fires_when: "a caller is verified",
    },
    Event {
        section: Section::Greenvn,
        name: "deallocation_callback",
        label: "Deallocation",
        fires_when: "a number is deallocated by the deallocation policy",
    },
    Event {
        section: Section::Greenpin,
        name: "greenpin_call_complete",
        label: "Call complete",
        fires_when: "a GreenPin call completes",
    },
    Event {
        section: Section::Greenpin,
        name: "greenpin_failed_verification",
        label: "Failed verification",
        fires_when: "verification fails for an invalid caller",
    },
    Event {
        section: Section::Greenpin,
        name: "greenpin_verified_caller",
        label: "Verified caller",
        fires_when: "an unverified caller is verified",
    },
    Event {
        section: Section::Greenpin,
        name: "greenpin_deallocation_callback",
        label: "Deallocation",
        fires_when: "a number is deallocated by the deallocation policy",
    },
];

/// One setting: where it lives, how it travels, what it means.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Setting {
    pub section: Section,
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// The vendor's documented default, as the text a person would type.
    pub default: Option<&'static str>,
    pub help: &'static str,
    /// Index into [`EVENTS`] and the part of the triple, for event keys.
    #[serde(skip)]
    pub event: Option<(usize, EventPart)>,
}

/// A setting's position in [`SETTINGS`]: the compact id every other module uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldId(pub usize);

impl FieldId {
    pub fn setting(self) -> &'static Setting {
        &SETTINGS[self.0]
    }

    pub fn all() -> impl Iterator<Item = FieldId> {
        (0..SETTINGS.len()).map(FieldId)
    }

    /// `section.key`, the path the subcommands take.
    pub fn path(self) -> String {
        let s = self.setting();
        format!("{}.{}", s.section.key(), s.key)
    }
}

/// Finds a setting by section and key.
pub fn lookup(section: Section, key: &str) -> Option<FieldId> {
    SETTINGS
        .iter()
        .position(|s| s.section == section && s.key == key)
        .map(FieldId)
}

/// Finds a setting by `section.key`, or by a bare key when it is unambiguous.
pub fn lookup_path(path: &str) -> Option<FieldId> {
    match path.split_once('.') {
        Some((section, key)) => lookup(Section::from_key(section)?, key),
        None => {
            let mut hits = SETTINGS.iter().enumerate().filter(|(_, s)| s.key == path);
            let (i, _) = hits.next()?;
            hits.next().is_none().then_some(FieldId(i))
        }
    }
}

/// The setting a mistyped path most likely meant, for "did you mean": the
/// same key in another section when exactly one section has it, else the
/// nearest path by edit distance when it is near enough to be a typo (at
/// most a third of what was typed, and at least 2). `None` when nothing is
/// that near.
pub fn suggest(path: &str) -> Option<FieldId> {
    let typed = path.trim().to_ascii_lowercase();
    let key = typed
        .rsplit_once('.')
        .map_or(typed.as_str(), |(_, key)| key);
    let mut same_key = FieldId::all().filter(|id| id.setting().key == key);
    if let (Some(id), None) = (same_key.next(), same_key.next()) {
        return Some(id);
    }
    let bare = !typed.contains('.');
    let (nearest, distance) = FieldId::all()
        .map(|id| {
            let candidate = if bare {
                id.setting().key.to_string()
            } else {
                id.path()
            };
            (id, edit_distance(&typed, &candidate))
        })
        .min_by_key(|&(_, distance)| distance)?;
    (distance <= (typed.chars().count() / 3).max(2)).then_some(nearest)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The ids of an event's endpoint, method and headers.
pub fn event_fields(event: usize) -> [FieldId; 3] {
    let find = |part| {
        FieldId::all()
            .find(|id| id.setting().event == Some((event, part)))
            .unwrap_or(FieldId(0))
    };
    [
        find(EventPart::Endpoint),
        find(EventPart::Method),
        find(EventPart::Headers),
    ]
}

const fn endpoint(section: Section, event: usize, key: &'static str) -> Setting {
    Setting {
        section,
        key,
        label: "Endpoint",
        kind: Kind::Url,
        default: None,
        help: "URL that ExoBridge calls when this event happens. Sending it also sends the \
               event's method and headers, as the API requires.",
        event: Some((event, EventPart::Endpoint)),
    }
}

const fn method(section: Section, event: usize, key: &'static str) -> Setting {
    Setting {
        section,
        key,
        label: "Method",
        kind: Kind::Enum { values: METHODS },
        default: None,
        help: "How the endpoint is called: GET, POST, or POST with an XML (POST_XML) or \
               JSON (POST_JSON) body.",
        event: Some((event, EventPart::Method)),
    }
}

const fn headers(section: Section, event: usize, key: &'static str) -> Setting {
    Setting {
        section,
        key,
        label: "Headers",
        kind: Kind::HeadersJson,
        default: None,
        help: "JSON object sent as a string, e.g. {\"content_type\": \"application/json\"}; \
               content_type must be json, application/json or application/xml.",
        event: Some((event, EventPart::Headers)),
    }
}

const fn plain(
    section: Section,
    key: &'static str,
    label: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    help: &'static str,
) -> Setting {
    Setting {
        section,
        key,
        label,
        kind,
        default,
        help,
        event: None,
    }
}

use Section::{Common, Greenpin, Greenvn};

const PIN_LENGTH: Kind = Kind::Int { min: 1, max: 9 };

/// Every setting the API takes: 13 greenvn, 18 greenpin, 12 common.
pub static SETTINGS: [Setting; 43] = [
    endpoint(Greenvn, 0, "greencall_complete_event_endpoint"),
    method(Greenvn, 0, "greencall_complete_event_method"),
    headers(Greenvn, 0, "greencall_complete_event_headers"),
    endpoint(Greenvn, 1, "failed_verification_event_endpoint"),
    method(Greenvn, 1, "failed_verification_event_method"),
    headers(Greenvn, 1, "failed_verification_event_headers"),
    endpoint(Greenvn, 2, "verified_caller_event_endpoint"),
    method(Greenvn, 2, "verified_caller_event_method"),
    headers(Greenvn, 2, "verified_caller_event_headers"),
    endpoint(Greenvn, 3, "deallocation_callback_event_endpoint"),
    method(Greenvn, 3, "deallocation_callback_event_method"),
    headers(Greenvn, 3, "deallocation_callback_event_headers"),
    plain(
        Greenvn,
        "default_flow_id",
        "Default flow ID",
        Kind::Digits,
        None,
        "Call flow used when the account has several ExoBridge flows; your account \
         manager gives the ID.",
    ),
    endpoint(Greenpin, 4, "greenpin_call_complete_event_endpoint"),
    method(Greenpin, 4, "greenpin_call_complete_event_method"),
    headers(Greenpin, 4, "greenpin_call_complete_event_headers"),
    endpoint(Greenpin, 5, "greenpin_failed_verification_event_endpoint"),
    method(Greenpin, 5, "greenpin_failed_verification_event_method"),
    headers(Greenpin, 5, "greenpin_failed_verification_event_headers"),
    endpoint(Greenpin, 6, "greenpin_verified_caller_event_endpoint"),
    method(Greenpin, 6, "greenpin_verified_caller_event_method"),
    headers(Greenpin, 6, "greenpin_verified_caller_event_headers"),
    endpoint(Greenpin, 7, "greenpin_deallocation_callback_event_endpoint"),
    method(Greenpin, 7, "greenpin_deallocation_callback_event_method"),
    headers(Greenpin, 7, "greenpin_deallocation_callback_event_headers"),
    plain(
        Greenpin,
        "aparty_pin_length",
        "A-party PIN length",
        PIN_LENGTH,
        Some("4"),
        "Digits in the A-party's PIN.",
    ),
    plain(
        Greenpin,
        "bparty_pin_length",
        "B-party PIN length",
        PIN_LENGTH,
        Some("4"),
        "Digits in the B-party's PIN.",
    ),
    plain(
        Greenpin,
        "common_pin_length",
        "Common PIN length",
        PIN_LENGTH,
        Some("4"),
        "PIN length used when no per-party length is set.",
    ),
    plain(
        Greenpin,
        "aparty_pin_enabled",
        "A-party PIN required",
        Kind::BoolString,
        Some("false"),
        "Whether the A-party must enter a PIN.",
    ),
    plain(
        Greenpin,
        "bparty_pin_enabled",
        "B-party PIN required",
        Kind::BoolString,
        Some("false"),
        "Whether the B-party must enter a PIN.",
    ),
    plain(
        Greenpin,
        "common_pin_enabled",
        "Common PIN length on",
        Kind::BoolString,
        Some("false"),
        "Use one common PIN length for both parties.",
    ),
    plain(
        Common,
        "country",
        "Country",
        Kind::Country,
        Some("IN"),
        "The account's country, as a two-letter ISO 3166-1 code.",
    ),
    plain(
        Common,
        "intl_num_sup",
        "International numbers",
        Kind::BoolString,
        Some("false"),
        "Allow international numbers.",
    ),
    plain(
        Common,
        "max_deallocation_time",
        "Max deallocation time",
        Kind::Duration,
        Some("170d"),
        "Longest an allocation lives when no deallocation policy says otherwise; it also \
         caps a longer policy. -1 keeps allocations forever.",
    ),
    plain(
        Common,
        "timezone",
        "Timezone",
        Kind::Enum { values: TIMEZONES },
        Some("IST"),
        "Timezone the account works in.",
    ),
    plain(
        Common,
        "deletion_time",
        "Deletion cool-off (s)",
        Kind::Int { min: 0, max: 86400 },
        Some("0"),
        "Seconds a released GreenVN/GreenPin rests before it can be used again (86400 = one \
         day).",
    ),
    plain(
        Common,
        "tag_enabled",
        "Tags in callbacks",
        Kind::BoolString,
        Some("false"),
        "Send party tags in StatusCallback parameters. Your account manager may need to \
         enable it too.",
    ),
    plain(
        Common,
        "aparty_tag",
        "A-party tag",
        Kind::Text,
        Some("aparty"),
        "Tag for the A-party when tags are on and the allocation names none.",
    ),
    plain(
        Common,
        "bparty_tag",
        "B-party tag",
        Kind::Text,
        Some("bparty"),
        "Tag for the B-party when tags are on and the allocation names none.",
    ),
    plain(
        Common,
        "sms_config",
        "SMS configuration",
        Kind::SmsConfigJson,
        None,
        "Outbound SMS per party (A, B): whether it is on, which call outcomes send it, the \
         DLT template and entity IDs, sender ID and body.",
    ),
    plain(
        Common,
        "sticky_agent_enabled",
        "Sticky agent",
        Kind::BoolString,
        Some("false"),
        "Route repeat callers to the agent they spoke to before.",
    ),
    plain(
        Common,
        "lcr_enabled",
        "Least cost routing",
        Kind::BoolString,
        Some("false"),
        "Prefer a virtual number from the A-party's own region.",
    ),
    plain(
        Common,
        "default_region",
        "Default region",
        Kind::Region,
        Some("KA"),
        "Telecom circle used by default. Answers return it as a list; it is sent as a \
         string.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_holds_13_greenvn_18_greenpin_12_common() {
        let count = |s| SETTINGS.iter().filter(|x| x.section == s).count();
        assert_eq!(count(Greenvn), 13);
        assert_eq!(count(Greenpin), 18);
        assert_eq!(count(Common), 12);
    }

    #[test]
    fn keys_are_unique_within_their_section() {
        let mut seen = HashSet::new();
        for s in &SETTINGS {
            assert!(seen.insert((s.section, s.key)), "duplicate {}", s.key);
        }
    }

    #[test]
    fn every_event_has_a_full_triple_named_after_it() {
        for (i, event) in EVENTS.iter().enumerate() {
            let [e, m, h] = event_fields(i);
            assert_eq!(e.setting().key, format!("{}_event_endpoint", event.name));
            assert_eq!(m.setting().key, format!("{}_event_method", event.name));
            assert_eq!(h.setting().key, format!("{}_event_headers", event.name));
            for id in [e, m, h] {
                assert_eq!(id.setting().section, event.section);
            }
        }
    }

    #[test]
    fn lookup_path_finds_section_key_and_unambiguous_bare_keys() {
        assert_eq!(
            lookup_path("common.timezone").map(|id| id.path()),
            Some("common.timezone".into())
        );
        assert!(lookup_path("timezone").is_some());
        assert!(lookup_path("greenvn.timezone").is_none());
        assert!(lookup_path("nosuch.timezone").is_none());
    }

    #[test]
    fn a_mistyped_path_gets_the_setting_it_most_likely_meant() {
        let path = |typed: &str| suggest(typed).map(FieldId::path);
        // The right key in the wrong section.
        assert_eq!(
            path("common.aparty_pin_length").as_deref(),
            Some("greenpin.aparty_pin_length")
        );
        // A word left out, a letter wrong, a bare key.
        assert_eq!(
            path("greenvn.greencall_complete_endpoint").as_deref(),
            Some("greenvn.greencall_complete_event_endpoint")
        );
        assert_eq!(path("common.timezon").as_deref(), Some("common.timezone"));
        assert_eq!(path("timezome").as_deref(), Some("common.timezone"));
        assert_eq!(path("Common.TimeZone").as_deref(), Some("common.timezone"));
        // Nothing near: no guess.
        assert_eq!(path("common.colour_of_the_sky"), None);
        assert_eq!(path("x"), None);
        assert_eq!(path(""), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("timezone", "timezone"), 0);
        assert_eq!(edit_distance("ÅÃ", "AÃ"), 1);
    }
}
