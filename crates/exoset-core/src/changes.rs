//! Base settings + edits → the diff a person reviews and the PUT body.
//!
//! The body holds only the keys that changed, plus the method and headers of
//! every event whose endpoint is in it (the companion rule), in wire types.

use crate::schema::{EVENTS, FieldId, Section, event_fields};
use crate::settings::{Settings, same_value, wire_value};

use crate::validate;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The user's edits over a base document. An edit equal to the base is no edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    map: BTreeMap<FieldId, String>,
}

impl Edits {
    /// Records `text` for `id`, or forgets the edit when `text` is the base value.
    pub fn set(&mut self, base: &Settings, id: FieldId, text: impl Into<String>) {
        let text = text.into();
        match base.get(id) {
            Some(old) if same_value(id, old, &text) => {
                self.map.remove(&id);
            }
            _ => {
                self.map.insert(id, text);
            }
        }
    }

    pub fn revert(&mut self, id: FieldId) {
        self.map.remove(&id);
    }

    pub fn get(&self, id: FieldId) -> Option<&str> {
        self.map.get(&id).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FieldId, &str)> {
        self.map.iter().map(|(id, v)| (*id, v.as_str()))
    }

    /// Drops edits that now equal the base (after the base was replaced).
    pub fn rebase(&mut self, base: &Settings) {
        self.map
            .retain(|id, text| base.get(*id).is_none_or(|old| !same_value(*id, old, text)));
    }

    /// The value the user sees: the edit, else the reported value.
    pub fn effective<'a>(&'a self, base: &'a Settings, id: FieldId) -> Option<&'a str> {
        self.get(id).or_else(|| base.get(id))
    }

    /// Edits that would bring `base` to the `desired` document (any subset of
    /// the body shape). Unknown keys may appear only with the value the base
    /// already has: the API refuses keys it does not know.
    pub fn from_desired(base: &Settings, desired: &Settings) -> Result<Edits, String> {
        let mut edits = Edits::default();
        for (id, text) in desired.reported() {
            edits.set(base, id, text);
        }
        let refused: Vec<String> = desired
            .unknown()
            .into_iter()
            .filter(|(section, key, value)| base.unknown_value(section, key) != Some(*value))
            .map(|(section, key, _)| {
                if key.is_empty() {
                    section
                } else {
                    format!("{section}.{key}")
                }
            })
            .collect();
        if refused.is_empty() {
            Ok(edits)
        } else {
            Err(format!(
                "not a setting exoset knows (see `exoset fields`): {}",
                refused.join(", ")
            ))
        }
    }
}

/// One line of the pending diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub id: FieldId,
    /// `None`: the server did not report this key.
    pub old: Option<String>,
    pub new: String,
    /// Unchanged, but sent because its event's endpoint is sent.
    pub companion: bool,
}

/// A reason the change set cannot be sent, attached to a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub id: FieldId,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.id.path(), self.message)
    }
}

/// The pending changes: what a person reviews and what the PUT carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// Changed keys then companions, in schema order.
    pub rows: Vec<DiffRow>,
    /// Empty when the set can be sent.
    pub problems: Vec<Problem>,
    /// Valid values that go beyond the vendor's examples: sent, but said.
    pub warnings: Vec<Problem>,
}

impl ChangeSet {
    pub fn new(base: &Settings, edits: &Edits) -> ChangeSet {
        let mut rows: Vec<DiffRow> = edits
            .iter()
            .map(|(id, new)| DiffRow {
                id,
                old: base.get(id).map(str::to_string),
                new: new.to_string(),
                companion: false,
            })
            .collect();
        let mut problems: Vec<Problem> = edits
            .iter()
            .filter_map(|(id, text)| {
                validate::check(id.setting().kind, text)
                    .err()
                    .map(|message| Problem { id, message })
            })
            .collect();

        for (event, info) in EVENTS.iter().enumerate() {
            let [endpoint, method, headers] = event_fields(event);
            if edits.get(endpoint).is_none() {
                continue;
            }
            for (companion, part) in [(method, "method"), (headers, "headers")] {
                if edits.get(companion).is_some() {
                    continue;
                }
                match base.get(companion) {
                    Some(value) => {
                        if let Err(message) = validate::check(companion.setting().kind, value) {
                            problems.push(Problem {
                                id: companion,
                                message: format!(
                                    "the {} endpoint is being sent, so its {part} goes too, \
                                     but the current {part} is invalid: {message}",
                                    info.name
                                ),
                            });
                        }
                        rows.push(DiffRow {
                            id: companion,
                            old: Some(value.to_string()),
                            new: value.to_string(),
                            companion: true,
                        });
                    }
                    None => problems.push(Problem {
                        id: companion,
                        message: format!(
                            "the {} endpoint is being sent, so its {part} must be set too \
                             (the server reported none)",
                            info.name
                        ),
                    }),
                }
            }
        }
        let warnings = edits
            .iter()
            .flat_map(|(id, text)| {
                validate::warnings(id.setting().kind, text)
                    .into_iter()
                    .map(move |message| Problem { id, message })
            })
            .collect();
        rows.sort_by_key(|r| r.id);
        problems.sort_by_key(|p| p.id);
        ChangeSet {
            rows,
            problems,
            warnings,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows the user changed (not companions).
    pub fn changed(&self) -> impl Iterator<Item = &DiffRow> {
        self.rows.iter().filter(|r| !r.companion)
    }

    /// The PUT body, or the problems that stop it; `Ok(None)` when nothing changed.
    pub fn body(&self) -> Result<Option<Value>, &[Problem]> {
        if !self.problems.is_empty() {
            return Err(&self.problems);
        }
        if self.rows.is_empty() {
            return Ok(None);
        }
        let mut out = Map::new();
        for section in Section::ALL {
            let keys: Map<String, Value> = self
                .rows
                .iter()
                .filter(|r| r.id.setting().section == section)
                .map(|r| (r.id.setting().key.to_string(), wire_value(r.id, &r.new)))
                .collect();
            if !keys.is_empty() {
                out.insert(section.key().to_string(), Value::Object(keys));
            }
        }
        Ok(Some(Value::Object(out)))
    }
}

/// What the server's answer says about one key that was sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "got")]
pub enum KeyStatus {
    /// The answer reports the value sent (compared by meaning).
    Confirmed,
    /// The answer reports another value: the server did not take it as sent.
    NotTaken(String),
    /// The answer does not report the key: "not reported", never a change,
    /// so exoset cannot tell whether it was taken.
    Unconfirmed,
}

/// One key of a PUT body and what the answer says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    pub id: FieldId,
    pub sent: String,
    pub companion: bool,
    pub status: KeyStatus,
}

/// Every key sent, checked against the server's answer.
pub fn verify(sent: &ChangeSet, answer: &Settings) -> Vec<KeyCheck> {
    sent.rows
        .iter()
        .map(|row| KeyCheck {
            id: row.id,
            sent: row.new.clone(),
            companion: row.companion,
            status: match answer.get(row.id) {
                None => KeyStatus::Unconfirmed,
                Some(got) if same_value(row.id, got, &row.new) => KeyStatus::Confirmed,
                Some(got) => KeyStatus::NotTaken(got.to_string()),
            },
        })
        .collect()
}

/// Whether two reads agree on a key: both unreported, or the same wire value.
pub fn same_reported(id: FieldId, a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_value(id, a, b),
        (None, None) => true,
        _ => false,
    }
}

/// A key changed both by the user and, since the user's base, on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub id: FieldId,
    /// The value the edit was made on.
    pub base: Option<String>,
    pub mine: String,
    /// The server's value now.
    pub theirs: Option<String>,
}

/// What moved on the server between the user's base and a fresh read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Keys changed only on the server: `(key, base value, server value)`.
    pub taken_in: Vec<(FieldId, Option<String>, Option<String>)>,
    /// Keys changed on both sides to different values.
    pub conflicts: Vec<Conflict>,
}

impl Drift {
    /// Compares the base the edits were made on with the server's settings now.
    pub fn between(base: &Settings, edits: &Edits, server: &Settings) -> Drift {
        let mut drift = Drift::default();
        for id in FieldId::all() {
            let (was, now) = (base.get(id), server.get(id));
            if same_reported(id, was, now) {
                continue;
            }
            match edits.get(id) {
                Some(mine) if now.is_some_and(|theirs| same_value(id, theirs, mine)) => {}
                Some(mine) => drift.conflicts.push(Conflict {
                    id,
                    base: was.map(str::to_string),
                    mine: mine.to_string(),
                    theirs: now.map(str::to_string),
                }),
                None => drift
                    .taken_in
                    .push((id, was.map(str::to_string), now.map(str::to_string))),
            }
        }
        drift
    }

    pub fn is_empty(&self) -> bool {
        self.taken_in.is_empty() && self.conflicts.is_empty()
    }
}

/// Keys a change set would send whose value on the server differs from a
/// reference read (an export file, or the last read): touched behind our back.
pub fn changed_since(
    changes: &ChangeSet,
    reference: &Settings,
    server: &Settings,
) -> Vec<(FieldId, Option<String>, Option<String>)> {
    changes
        .rows
        .iter()
        .filter_map(|row| {
            let (was, now) = (reference.get(row.id), server.get(row.id));
            (!same_reported(row.id, was, now))
                .then(|| (row.id, was.map(str::to_string), now.map(str::to_string)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::lookup_path;
    use serde_json::json;

    fn id(path: &str) -> FieldId {
        lookup_path(path).unwrap_or_else(|| panic!("no setting {path}"))
    }

    fn base() -> Settings {
        Settings::from_json(&json!({
            "greenvn": {
                "greencall_complete_event_endpoint": "https://a.example/hook",
                "greencall_complete_event_method": "POST_JSON",
                "greencall_complete_event_headers": "{\"content_type\": \"application/json\"}",
            },
            "common": {"timezone": "IST", "deletion_time": 1800},
        }))
        .unwrap()
    }

    #[test]
    fn no_edits_means_no_body() {
        let cs = ChangeSet::new(&base(), &Edits::default());
        assert!(cs.is_empty());
        assert_eq!(cs.body(), Ok(None));
    }

    #[test]
    fn reverting_an_edit_to_the_base_value_removes_it() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.timezone"), "UTC");
        assert_eq!(edits.len(), 1);
        edits.set(&base, id("common.timezone"), "IST");
        assert!(edits.is_empty());
        edits.set(&base, id("common.deletion_time"), "1800");
        assert!(edits.is_empty(), "same int is no edit");
    }

    #[test]
    fn body_holds_only_changed_keys_in_wire_types() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.deletion_time"), "60");
        edits.set(&base, id("common.timezone"), "UTC");
        let cs = ChangeSet::new(&base, &edits);
        assert_eq!(
            cs.body(),
            Ok(Some(
                json!({"common": {"timezone": "UTC", "deletion_time": 60}})
            ))
        );
    }

    #[test]
    fn an_endpoint_carries_its_method_and_headers() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(
            &base,
            id("greenvn.greencall_complete_event_endpoint"),
            "https://b.example/x",
        );
        let cs = ChangeSet::new(&base, &edits);
        assert_eq!(cs.changed().count(), 1);
        assert_eq!(cs.rows.iter().filter(|r| r.companion).count(), 2);
        assert_eq!(
            cs.body(),
            Ok(Some(json!({"greenvn": {
                "greencall_complete_event_endpoint": "https://b.example/x",
                "greencall_complete_event_method": "POST_JSON",
                "greencall_complete_event_headers": "{\"content_type\": \"application/json\"}",
            }})))
        );
    }

    #[test]
    fn an_endpoint_whose_method_was_never_reported_is_a_problem_on_that_event() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(
            &base,
            id("greenvn.verified_caller_event_endpoint"),
            "https://b.example/x",
        );
        let cs = ChangeSet::new(&base, &edits);
        let ids: Vec<_> = cs.problems.iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            vec![
                id("greenvn.verified_caller_event_method"),
                id("greenvn.verified_caller_event_headers")
            ]
        );
        assert!(cs.problems[0].message.contains("must be set too"));
        let refused: Vec<_> = cs.body().unwrap_err().iter().map(|p| p.id).collect();
        assert_eq!(refused, ids);

        edits.set(&base, id("greenvn.verified_caller_event_method"), "GET");
        edits.set(
            &base,
            id("greenvn.verified_caller_event_headers"),
            r#"{"content_type": "json"}"#,
        );
        assert!(ChangeSet::new(&base, &edits).body().is_ok());
    }

    #[test]
    fn an_invalid_edit_stops_the_body_and_names_the_field() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.deletion_time"), "86401");
        let cs = ChangeSet::new(&base, &edits);
        assert_eq!(cs.problems.len(), 1);
        assert_eq!(cs.problems[0].id, id("common.deletion_time"));
        let refused = cs.body().unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].id, id("common.deletion_time"));
        assert!(
            refused[0].message.contains("86401"),
            "{}",
            refused[0].message
        );
    }

    #[test]
    fn desired_documents_with_new_unknown_keys_are_refused() {
        let base = base();
        let desired = Settings::from_json(&json!({"common": {"nosuch": "x"}})).unwrap();
        let err = Edits::from_desired(&base, &desired).unwrap_err();
        assert!(err.contains("common.nosuch"), "{err}");
    }

    #[test]
    fn verify_tells_confirmed_not_taken_and_unconfirmed_apart() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.timezone"), "UTC");
        edits.set(&base, id("common.deletion_time"), "60");
        edits.set(&base, id("common.country"), "SG");
        let cs = ChangeSet::new(&base, &edits);
        let answer =
            Settings::from_json(&json!({"common": {"timezone": "UTC", "deletion_time": 1800}}))
                .unwrap();
        let statuses: Vec<(String, KeyStatus)> = verify(&cs, &answer)
            .into_iter()
            .map(|k| (k.id.path(), k.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("common.country".into(), KeyStatus::Unconfirmed),
                ("common.timezone".into(), KeyStatus::Confirmed),
                (
                    "common.deletion_time".into(),
                    KeyStatus::NotTaken("1800".into())
                ),
            ]
        );
    }

    #[test]
    fn json_in_strings_and_regions_compare_by_meaning() {
        let headers = id("greenvn.greencall_complete_event_headers");
        assert!(same_value(
            headers,
            r#"{"content_type": "application/xml", "x": 1}"#,
            r#"{"x":1,"content_type":"application/xml"}"#
        ));
        assert!(!same_value(
            headers,
            r#"{"content_type": "application/xml"}"#,
            r#"{"content_type": "json"}"#
        ));
        let region = id("common.default_region");
        assert!(same_value(region, "KA", r#"["KA"]"#));
        assert!(!same_value(region, "KA", r#"["KA","MH"]"#));
        assert!(same_value(region, r#"["KA", "MH"]"#, r#"["KA","MH"]"#));
        assert!(same_value(id("common.deletion_time"), "60", " 60"));
        let base = base();
        let mut edits = Edits::default();
        edits.set(
            &base,
            headers,
            r#"{"content_type":"application/json"}"#.to_string(),
        );
        assert!(edits.is_empty(), "a respaced JSON value is no edit");
    }

    #[test]
    fn drift_takes_in_server_only_changes_and_flags_both_sided_ones() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.timezone"), "UTC");
        edits.set(&base, id("common.deletion_time"), "60");
        let mut server = base.clone();
        server.set(id("common.timezone"), "UTC"); // same change: no conflict
        server.set(id("common.deletion_time"), "120"); // both sides: conflict
        server.set(id("common.country"), "SG"); // server only: taken in
        let drift = Drift::between(&base, &edits, &server);
        assert_eq!(
            drift.taken_in,
            vec![(id("common.country"), None, Some("SG".into()))]
        );
        assert_eq!(
            drift.conflicts,
            vec![Conflict {
                id: id("common.deletion_time"),
                base: Some("1800".into()),
                mine: "60".into(),
                theirs: Some("120".into()),
            }]
        );
        assert!(Drift::between(&base, &edits, &base).is_empty());
    }

    #[test]
    fn changed_since_lists_sent_keys_that_moved_on_the_server() {
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, id("common.timezone"), "UTC");
        let cs = ChangeSet::new(&base, &edits);
        let mut server = base.clone();
        server.set(id("common.country"), "SG");
        assert!(
            changed_since(&cs, &base, &server).is_empty(),
            "untouched key moved"
        );
        server.set(id("common.timezone"), "UTC");
        assert_eq!(
            changed_since(&cs, &base, &server),
            vec![(
                id("common.timezone"),
                Some("IST".into()),
                Some("UTC".into())
            )]
        );
    }
}
