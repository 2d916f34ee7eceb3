//! The rows of a pane: the schema's settings for one section, event triples
//! under their event's heading, then the keys the server reported that the
//! schema does not know, read-only.

use crate::schema::{EVENTS, FieldId, Section};
use crate::settings::Settings;

/// A heading between rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    /// An event's endpoint, method and headers follow (index into `EVENTS`).
    Event(usize),
    /// Settings that belong to no event.
    General,
    /// Keys the server reported that exoset does not know.
    Other,
}

impl Heading {
    pub fn title(self) -> String {
        match self {
            Heading::Event(i) => {
                let event = &EVENTS[i];
                format!("{} — when {}", event.label, event.fires_when)
            }
            Heading::General => "General".to_string(),
            Heading::Other => "Other — not known to exoset; kept as sent, read-only".to_string(),
        }
    }
}

/// What a selectable row stands for; it survives filtering and reloads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowKey {
    Field(FieldId),
    /// An unknown key: section name and key as the server sent them.
    Unknown(String, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Heading(Heading),
    Item(RowKey),
}

/// The pane an unknown section's keys are shown on.
pub fn pane_of(section: &str) -> Section {
    Section::from_key(section).unwrap_or(Section::Common)
}

/// Whether a setting matches a filter: its label, key or event, any case.
fn field_matches(id: FieldId, needle: &str) -> bool {
    let s = id.setting();
    let event = s.event.map(|(i, _)| EVENTS[i].label).unwrap_or_default();
    [s.label, s.key, event]
        .iter()
        .any(|hay| hay.to_lowercase().contains(needle))
}

/// The rows of `tab` that pass `filter` (empty: all), headings included.
pub fn rows(base: &Settings, tab: Section, filter: &str) -> Vec<Row> {
    let needle = filter.trim().to_lowercase();
    let mut out = Vec::new();
    let mut current: Option<Heading> = None;
    let mut has_events = false;
    for id in FieldId::all().filter(|id| id.setting().section == tab) {
        if !needle.is_empty() && !field_matches(id, &needle) {
            continue;
        }
        let heading = match id.setting().event {
            Some((event, _)) => {
                has_events = true;
                Some(Heading::Event(event))
            }
            None if has_events => Some(Heading::General),
            None => None,
        };
        if let Some(h) = heading
            && heading != current
        {
            out.push(Row::Heading(h));
            current = heading;
        }
        out.push(Row::Item(RowKey::Field(id)));
    }
    let unknown: Vec<RowKey> = base
        .unknown()
        .into_iter()
        .filter(|(section, _, _)| pane_of(section) == tab)
        .filter(|(section, key, _)| {
            needle.is_empty()
                || key.to_lowercase().contains(&needle)
                || section.to_lowercase().contains(&needle)
        })
        .map(|(section, key, _)| RowKey::Unknown(section, key))
        .collect();
    if !unknown.is_empty() {
        out.push(Row::Heading(Heading::Other));
        out.extend(unknown.into_iter().map(Row::Item));
    }
    out
}

/// Only the rows a cursor can rest on.
pub fn items(rows: &[Row]) -> Vec<&RowKey> {
    rows.iter()
        .filter_map(|r| match r {
            Row::Item(key) => Some(key),
            Row::Heading(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SETTINGS;
    use serde_json::json;

    #[test]
    fn every_setting_is_on_exactly_one_pane() {
        let base = Settings::default();
        let mut seen = 0;
        for tab in Section::ALL {
            seen += items(&rows(&base, tab, "")).len();
        }
        assert_eq!(seen, SETTINGS.len());
    }

    #[test]
    fn event_triples_sit_under_their_event_then_general() {
        let rows = rows(&Settings::default(), Section::Greenpin, "");
        assert_eq!(rows[0], Row::Heading(Heading::Event(4)));
        let headings: Vec<_> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Heading(h) => Some(*h),
                Row::Item(_) => None,
            })
            .collect();
        assert_eq!(
            headings,
            vec![
                Heading::Event(4),
                Heading::Event(5),
                Heading::Event(6),
                Heading::Event(7),
                Heading::General
            ]
        );
    }

    #[test]
    fn common_has_no_headings_without_unknown_keys() {
        let rows = rows(&Settings::default(), Section::Common, "");
        assert!(rows.iter().all(|r| matches!(r, Row::Item(_))));
    }

    #[test]
    fn unknown_keys_go_under_other_on_their_pane_and_unknown_sections_on_common() {
        let base = Settings::from_json(&json!({
            "greenpin": {"pin_retry": 3},
            "greenzap": {"a": "b"},
        }))
        .unwrap_or_default();
        let pin = rows(&base, Section::Greenpin, "");
        assert_eq!(
            pin[pin.len() - 2..],
            [
                Row::Heading(Heading::Other),
                Row::Item(RowKey::Unknown("greenpin".into(), "pin_retry".into()))
            ]
        );
        let common = rows(&base, Section::Common, "");
        assert_eq!(
            common.last(),
            Some(&Row::Item(RowKey::Unknown("greenzap".into(), "a".into())))
        );
    }

    #[test]
    fn the_filter_matches_label_key_or_event_in_any_case() {
        let base = Settings::default();
        let by_label = items(&rows(&base, Section::Common, "TIMEZONE")).len();
        assert_eq!(by_label, 1);
        let by_key = items(&rows(&base, Section::Common, "lcr_")).len();
        assert_eq!(by_key, 1);
        let by_event = rows(&base, Section::Greenvn, "deallocation");
        assert_eq!(items(&by_event).len(), 3);
        assert_eq!(by_event[0], Row::Heading(Heading::Event(3)));
        assert!(items(&rows(&base, Section::Common, "zzz")).is_empty());
    }
}
