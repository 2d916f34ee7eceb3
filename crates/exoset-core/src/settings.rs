//! The settings document: what the server reported, read leniently, written in
//! exactly the wire types of the API.
//!
//! A key missing from an answer is "not reported" — never an empty value and
//! never a change. Keys and sections the schema does not know are kept verbatim
//! so they survive a round trip and can be shown.

use crate::schema::{FieldId, Kind, SETTINGS, Section, lookup};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// Something read that was not in the documented shape but could be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// `section.key` the note is about.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The document could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShapeError(pub String);

/// Settings as reported: known keys as the text a person edits, unknown keys verbatim.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: BTreeMap<FieldId, String>,
    /// Keys the schema does not know, inside known sections.
    unknown: BTreeMap<Section, Map<String, Value>>,
    /// Sections the schema does not know, verbatim.
    unknown_sections: Map<String, Value>,
    notes: Vec<Note>,
}

/// Two documents are equal when they hold the same settings; the notes say
/// how one was read, not what it holds, so they are left out.
impl PartialEq for Settings {
    fn eq(&self, other: &Settings) -> bool {
        self.values == other.values
            && self.unknown == other.unknown
            && self.unknown_sections == other.unknown_sections
    }
}

impl Settings {
    /// Reads the `data` of an answer, or a desired-state file in the body shape.
    pub fn from_json(data: &Value) -> Result<Settings, ShapeError> {
        let Value::Object(sections) = data else {
            return Err(ShapeError(format!(
                "settings must be a JSON object with greenvn, greenpin and common, not {}",
                json_type(data)
            )));
        };
        let mut settings = Settings::default();
        for (name, body) in sections {
            let Some(section) = Section::from_key(name) else {
                settings.unknown_sections.insert(name.clone(), body.clone());
                continue;
            };
            let Value::Object(keys) = body else {
                return Err(ShapeError(format!(
                    "section {name} must be a JSON object, not {}",
                    json_type(body)
                )));
            };
            for (key, value) in keys {
                match lookup(section, key) {
                    Some(id) => settings.read_value(id, value),
                    None => {
                        settings
                            .unknown
                            .entry(section)
                            .or_default()
                            .insert(key.clone(), value.clone());
                    }
                }
            }
        }
        Ok(settings)
    }

    /// Parses text holding a JSON document (see [`Settings::from_json`]).
    pub fn from_json_text(text: &str) -> Result<Settings, ShapeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ShapeError(format!("not valid JSON: {e}")))?;
        Settings::from_json(&value)
    }

    fn read_value(&mut self, id: FieldId, value: &Value) {
        let kind = id.setting().kind;
        match normalise(kind, value) {
            Read::Value(text) => {
                self.values.insert(id, text);
            }
            Read::Noted(text, message) => {
                self.note(id, message);
                self.values.insert(id, text);
            }
            Read::NotReported(message) => self.note(id, message),
        }
    }

    fn note(&mut self, id: FieldId, message: String) {
        self.notes.push(Note {
            path: id.path(),
            message,
        });
    }

    /// The reported value, as text; `None` when the server did not report it.
    pub fn get(&self, id: FieldId) -> Option<&str> {
        self.values.get(&id).map(String::as_str)
    }

    pub fn set(&mut self, id: FieldId, text: impl Into<String>) {
        self.values.insert(id, text.into());
    }

    /// Makes a key "not reported".
    pub fn remove(&mut self, id: FieldId) {
        self.values.remove(&id);
    }

    /// Which known keys were reported, in schema order.
    pub fn reported(&self) -> impl Iterator<Item = (FieldId, &str)> {
        self.values.iter().map(|(id, v)| (*id, v.as_str()))
    }

    /// Keys outside the schema: `(section, key, value)`, sections first by schema order.
    pub fn unknown(&self) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (section, keys) in &self.unknown {
            for (key, value) in keys {
                out.push((section.key().to_string(), key.clone(), value));
            }
        }
        for (section, value) in &self.unknown_sections {
            match value {
                Value::Object(keys) => {
                    for (key, v) in keys {
                        out.push((section.clone(), key.clone(), v));
                    }
                }
                other => out.push((section.clone(), String::new(), other)),
            }
        }
        out
    }

    /// An unknown key's value by section and key name.
    pub fn unknown_value(&self, section: &str, key: &str) -> Option<&Value> {
        match Section::from_key(section) {
            Some(s) => self.unknown.get(&s)?.get(key),
            None => self.unknown_sections.get(section)?.get(key),
        }
    }

    /// What was read in an undocumented shape and normalised.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// The whole document in wire types, unknown keys included verbatim.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for section in Section::ALL {
            let mut keys = Map::new();
            for (id, text) in self
                .reported()
                .filter(|(id, _)| id.setting().section == section)
            {
                keys.insert(id.setting().key.to_string(), wire_value(id, text));
            }
            if let Some(extra) = self.unknown.get(&section) {
                keys.extend(extra.clone());
            }
            if !keys.is_empty() {
                out.insert(section.key().to_string(), Value::Object(keys));
            }
        }
        out.extend(self.unknown_sections.clone());
        Value::Object(out)
    }
}

/// A value as the wire wants it: ints as JSON numbers, a multi-valued
/// `default_region` (kept as its JSON list text) as that list, everything
/// else a string.
pub fn wire_value(id: FieldId, text: &str) -> Value {
    match id.setting().kind {
        Kind::Int { .. } => match text.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(text.to_string()),
        },
        Kind::Region => match region_list(text) {
            Some(list) if list.len() > 1 => {
                Value::Array(list.into_iter().map(Value::String).collect())
            }
            _ => Value::String(text.to_string()),
        },
        _ => Value::String(text.to_string()),
    }
}

/// A region value as the list it stands for: `"KA"` is `["KA"]`, and the
/// JSON list text `["KA","MH"]` (how a multi-valued answer is kept) is that
/// list. `None` for text that is neither.
fn region_list(text: &str) -> Option<Vec<String>> {
    if !text.trim_start().starts_with('[') {
        return Some(vec![text.to_string()]);
    }
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Whether two texts mean the same value for a setting — the one comparison
/// used wherever values are compared (the diff, `apply`, verifying an
/// answer, drift, conflicts, history, rollback): ints by number (`"60"` is
/// `60`), JSON held in strings by the JSON it parses to (spacing and key
/// order do not matter), `default_region` `"KA"` as `["KA"]`.
pub fn same_value(id: FieldId, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match id.setting().kind {
        Kind::Int { .. } => wire_value(id, a) == wire_value(id, b),
        Kind::HeadersJson | Kind::SmsConfigJson => {
            match (
                serde_json::from_str::<Value>(a),
                serde_json::from_str::<Value>(b),
            ) {
                // serde_json's maps compare as maps: key order does not count.
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        Kind::Region => match (region_list(a), region_list(b)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

enum Read {
    Value(String),
    Noted(String, String),
    NotReported(String),
}

fn normalise(kind: Kind, value: &Value) -> Read {
    match (kind, value) {
        (_, Value::Null) => Read::NotReported("null in the answer, taken as not reported".into()),
        (Kind::Int { .. }, Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Read::Value(i.to_string()),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                // Exact below 2^53; and -0 (which JSON parsers read as -0.0) is 0.
                let i = f as i64;
                Read::Noted(
                    i.to_string(),
                    format!("sent as {n}, read as the integer {i}"),
                )
            }
            _ => Read::Noted(n.to_string(), format!("{n} is not an integer")),
        },
        (Kind::Int { .. }, Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => Read::Noted(
                i.to_string(),
                format!("sent as the string {s:?}, read as the number {i}"),
            ),
            Err(_) => Read::Noted(s.clone(), format!("{s:?} is not a number")),
        },
        (Kind::BoolString, Value::Bool(b)) => Read::Noted(
            b.to_string(),
            format!("sent as JSON {b}, read as the string \"{b}\""),
        ),
        (Kind::Region, Value::Array(items)) => read_region_list(items),
        (_, Value::String(s)) => Read::Value(s.clone()),
        (Kind::HeadersJson | Kind::SmsConfigJson, Value::Object(_)) => Read::Noted(
            value.to_string(),
            "sent as a JSON object, read as JSON text".into(),
        ),
        (_, other) => Read::Noted(
            scalar_text(other),
            format!("sent as a JSON {}, read as text", json_type(other)),
        ),
    }
}

fn read_region_list(items: &[Value]) -> Read {
    match items {
        [] => Read::NotReported("an empty list, taken as not reported".into()),
        [Value::String(one)] => Read::Value(one.clone()),
        _ if items.iter().all(Value::is_string) => Read::Noted(
            Value::Array(items.to_vec()).to_string(),
            format!(
                "a list of {} regions; shown as the list, and sent only if you change it \
                 (a change sends one region)",
                items.len()
            ),
        ),
        _ => {
            let texts: Vec<String> = items.iter().map(scalar_text).collect();
            Read::Noted(
                texts.join(","),
                "a list holding values that are not strings, read as text".into(),
            )
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Every setting's documented default, for a fresh simulator.
pub fn documented_defaults() -> Settings {
    let mut settings = Settings::default();
    for (i, setting) in SETTINGS.iter().enumerate() {
        if let Some(default) = setting.default {
            settings.set(FieldId(i), default);
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::lookup_path;
    use serde_json::json;

    fn id(path: &str) -> FieldId {
        lookup_path(path).unwrap_or_else(|| panic!("no setting {path}"))
    }

    #[test]
    fn default_region_is_read_as_string_or_list_and_written_as_string() {
        let list = Settings::from_json(&json!({"common": {"default_region": ["KA"]}})).unwrap();
        let text = Settings::from_json(&json!({"common": {"default_region": "KA"}})).unwrap();
        assert_eq!(list.get(id("common.default_region")), Some("KA"));
        assert!(list.notes().is_empty());
        assert_eq!(list.to_json(), text.to_json());
        assert_eq!(list.to_json()["common"]["default_region"], json!("KA"));
    }

    #[test]
    fn ints_sent_as_strings_and_bools_sent_as_json_are_normalised_and_noted() {
        let s = Settings::from_json(&json!({
            "greenpin": {"aparty_pin_length": "4", "aparty_pin_enabled": true}
        }))
        .unwrap();
        assert_eq!(s.get(id("greenpin.aparty_pin_length")), Some("4"));
        assert_eq!(s.get(id("greenpin.aparty_pin_enabled")), Some("true"));
        assert_eq!(s.notes().len(), 2);
        let out = s.to_json();
        assert_eq!(out["greenpin"]["aparty_pin_length"], json!(4));
        assert_eq!(out["greenpin"]["aparty_pin_enabled"], json!("true"));
    }

    #[test]
    fn an_int_sent_as_minus_zero_is_read_as_0_so_it_survives_a_round_trip() {
        let s = Settings::from_json_text(r#"{"greenpin": {"aparty_pin_length": -0}}"#).unwrap();
        assert_eq!(s.get(id("greenpin.aparty_pin_length")), Some("0"));
        let again = Settings::from_json(&s.to_json()).unwrap();
        assert_eq!(again.get(id("greenpin.aparty_pin_length")), Some("0"));
        let s = Settings::from_json(&json!({"common": {"deletion_time": 60.0}})).unwrap();
        assert_eq!(s.get(id("common.deletion_time")), Some("60"));
        assert_eq!(s.notes()[0].message, "sent as 60.0, read as the integer 60");
    }

    #[test]
    fn missing_keys_and_nulls_are_not_reported() {
        let s = Settings::from_json(&json!({"common": {"timezone": null}})).unwrap();
        assert_eq!(s.get(id("common.timezone")), None);
        assert_eq!(s.get(id("common.country")), None);
        assert_eq!(s.to_json(), json!({}));
    }

    #[test]
    fn unknown_keys_and_sections_survive_a_round_trip() {
        let doc = json!({
            "common": {"timezone": "UTC", "future_flag": {"x": [1, 2]}},
            "greenzap": {"a": 1},
        });
        let s = Settings::from_json(&doc).unwrap();
        assert_eq!(s.to_json(), doc);
        assert_eq!(s.unknown().len(), 2);
        assert_eq!(
            s.unknown_value("common", "future_flag"),
            Some(&json!({"x": [1, 2]}))
        );
    }

    #[test]
    fn a_section_that_is_not_an_object_is_a_shape_error() {
        let err = Settings::from_json(&json!({"greenvn": []})).unwrap_err();
        assert!(err.0.contains("greenvn must be a JSON object"), "{err}");
        for not_an_object in [json!("x"), json!([]), json!(null), json!(4)] {
            let err = Settings::from_json(&not_an_object).unwrap_err();
            assert!(err.0.contains("JSON object"), "{not_an_object}: {err}");
        }
    }

    #[test]
    fn json_valued_settings_sent_as_objects_are_read_as_text() {
        let s = Settings::from_json(&json!({
            "greenvn": {"greencall_complete_event_headers": {"content_type": "json"}}
        }))
        .unwrap();
        assert_eq!(
            s.get(id("greenvn.greencall_complete_event_headers")),
            Some(r#"{"content_type":"json"}"#)
        );
        assert_eq!(s.notes().len(), 1);
    }

    #[test]
    fn documented_defaults_cover_the_keys_with_a_default() {
        let d = documented_defaults();
        assert_eq!(d.get(id("common.max_deallocation_time")), Some("170d"));
        assert_eq!(d.to_json()["common"]["deletion_time"], json!(0));
    }
}
