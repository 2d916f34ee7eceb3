//! The `sms_config` sub-form: the JSON document behind it, one row per part of
//! each party, and the changes a person can make to it. Parts the document
//! does not hold stay absent until the person sets them.

use crate::schema::{FieldId, SMS_STATUSES};
use crate::validate::{SMS_PARTY_KEYS, parse_sms_config};
use serde_json::{Map, Value};

/// The parties `sms_config` holds, as `validate::parse_sms_config` takes them.
pub const PARTIES: [&str; 2] = ["A", "B"];

/// A row of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRow {
    /// A party's heading (index into [`PARTIES`]).
    Party(usize),
    /// One key of a party's object (a key of `SMS_PARTY_KEYS`).
    Part(usize, &'static str),
    /// The raw-JSON escape hatch.
    Raw,
}

/// How a part is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Toggle,
    Statuses,
    Line,
    Lines,
}

pub fn part_kind(key: &str) -> PartKind {
    match key {
        "sms_enabled" => PartKind::Toggle,
        "on_status" => PartKind::Statuses,
        "sms_body" => PartKind::Lines,
        _ => PartKind::Line,
    }
}

pub fn part_label(key: &str) -> &str {
    match key {
        "sms_enabled" => "SMS enabled",
        "on_status" => "On status",
        "DltTemplateId" => "DLT template ID",
        "DltEntityId" => "DLT entity ID",
        "sender_id" => "Sender ID",
        "sms_body" => "SMS body",
        other => other,
    }
}

/// Every row, headings included, in the order drawn.
pub fn rows() -> Vec<FormRow> {
    let mut out = Vec::new();
    for party in 0..PARTIES.len() {
        out.push(FormRow::Party(party));
        out.extend(SMS_PARTY_KEYS.iter().map(|k| FormRow::Part(party, k)));
    }
    out.push(FormRow::Raw);
    out
}

/// The rows a cursor can rest on.
pub fn selectable() -> Vec<FormRow> {
    rows()
        .into_iter()
        .filter(|r| !matches!(r, FormRow::Party(_)))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmsForm {
    /// The setting the form edits.
    pub id: FieldId,
    pub doc: Map<String, Value>,
    /// Index into [`selectable`].
    pub cursor: usize,
}

impl SmsForm {
    /// Opens the form on a value; `None` (not reported) starts empty. Fails,
    /// with the validator's message, when the value cannot be shown as a form.
    pub fn open(id: FieldId, text: Option<&str>) -> Result<SmsForm, String> {
        let doc = match text {
            None => Map::new(),
            Some(text) => parse_sms_config(text)?,
        };
        Ok(SmsForm { id, doc, cursor: 0 })
    }

    pub fn selected(&self) -> FormRow {
        selectable()
            .get(self.cursor)
            .copied()
            .unwrap_or(FormRow::Raw)
    }

    pub fn value(&self, party: usize, key: &str) -> Option<&Value> {
        self.doc.get(PARTIES[party])?.get(key)
    }

    pub fn has_party(&self, party: usize) -> bool {
        self.doc.contains_key(PARTIES[party])
    }

    /// A part as a person reads it; `None` when the document does not hold it.
    pub fn display(&self, party: usize, key: &str) -> Option<String> {
        let value = self.value(party, key)?;
        Some(match value {
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "(none)".to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        })
    }

    /// The text of a text part, empty when absent.
    pub fn text(&self, party: usize, key: &str) -> String {
        self.value(party, key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn party_mut(&mut self, party: usize) -> Option<&mut Map<String, Value>> {
        let entry = self
            .doc
            .entry(PARTIES[party])
            .or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Flips `sms_enabled`; an absent one becomes `"true"`.
    pub fn toggle(&mut self, party: usize) {
        let on = self.value(party, "sms_enabled").and_then(Value::as_str) == Some("true");
        if let Some(map) = self.party_mut(party) {
            map.insert("sms_enabled".to_string(), Value::String((!on).to_string()));
        }
    }

    /// Which of `SMS_STATUSES` a party's `on_status` holds.
    pub fn ticks(&self, party: usize) -> Vec<bool> {
        let held: Vec<&str> = self
            .value(party, "on_status")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        SMS_STATUSES.iter().map(|s| held.contains(s)).collect()
    }

    /// Sets `on_status` from ticks over `SMS_STATUSES`; ticking nothing on an
    /// absent list leaves it absent.
    pub fn set_ticks(&mut self, party: usize, ticks: &[bool]) {
        let chosen: Vec<Value> = SMS_STATUSES
            .iter()
            .zip(ticks)
            .filter(|(_, on)| **on)
            .map(|(s, _)| Value::String((*s).to_string()))
            .collect();
        if chosen.is_empty() && self.value(party, "on_status").is_none() {
            return;
        }
        if let Some(map) = self.party_mut(party) {
            map.insert("on_status".to_string(), Value::Array(chosen));
        }
    }

    /// Sets a text part; empty text on an absent part leaves it absent.
    pub fn set_text(&mut self, party: usize, key: &str, text: String) {
        if text.is_empty() && self.value(party, key).is_none() {
            return;
        }
        if let Some(map) = self.party_mut(party) {
            map.insert(key.to_string(), Value::String(text));
        }
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.doc.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Kind, SETTINGS};

    fn sms_id() -> FieldId {
        FieldId::all()
            .find(|id| SETTINGS[id.0].kind == Kind::SmsConfigJson)
            .unwrap_or(FieldId(0))
    }

    const SEED: &str = r#"{"A": {"sms_enabled": "false", "on_status": ["busy","failed"], "sender_id": "MONOTEL"}, "B": {"sms_enabled": "false"}}"#;

    #[test]
    fn the_form_has_every_party_key_for_a_and_b_and_a_raw_row() {
        assert_eq!(selectable().len(), 2 * SMS_PARTY_KEYS.len() + 1);
        assert_eq!(selectable().last(), Some(&FormRow::Raw));
    }

    #[test]
    fn toggling_flips_and_creates_sms_enabled() {
        let mut form = SmsForm::open(sms_id(), Some(SEED)).unwrap();
        form.toggle(0);
        assert_eq!(form.display(0, "sms_enabled").as_deref(), Some("true"));
        let mut empty = SmsForm::open(sms_id(), None).unwrap();
        empty.toggle(1);
        assert_eq!(
            empty.to_value().to_string(),
            r#"{"B":{"sms_enabled":"true"}}"#
        );
    }

    #[test]
    fn ticks_follow_sms_statuses_order_and_absent_stays_absent() {
        let mut form = SmsForm::open(sms_id(), Some(SEED)).unwrap();
        assert_eq!(form.ticks(0), vec![true, false, true, false]);
        form.set_ticks(0, &[false, true, true, true]);
        assert_eq!(
            form.display(0, "on_status").as_deref(),
            Some("no-answer, failed, canceled")
        );
        form.set_ticks(1, &[false; 4]);
        assert_eq!(form.value(1, "on_status"), None);
    }

    #[test]
    fn every_change_keeps_the_document_valid() {
        let mut form = SmsForm::open(sms_id(), Some(SEED)).unwrap();
        form.set_text(1, "sms_body", "Line one\nline two".into());
        form.set_ticks(1, &[true, false, false, false]);
        form.toggle(1);
        assert!(parse_sms_config(&form.to_value().to_string()).is_ok());
    }

    #[test]
    fn a_value_the_form_cannot_show_says_why() {
        let err = SmsForm::open(sms_id(), Some(r#"{"C": {}}"#)).unwrap_err();
        assert!(err.contains("unknown party"), "{err}");
        assert!(SmsForm::open(sms_id(), Some("{")).is_err());
    }
}
