//! The settings being edited: what was loaded (the base), the edits over it,
//! the change set they make, the per-key flags and the conflicts with the
//! server. Its fields are private: every change of a value goes through a
//! method here, so the change set, the flags and the conflicts always agree
//! with the edits. Views read it through its methods.

use crate::changes::{ChangeSet, Conflict, Drift, Edits};
use crate::schema::{FieldId, Kind};
use crate::session::Verdict;
use crate::settings::Settings;
use serde_json::Value;
use std::collections::BTreeMap;

/// Something to tell about a field after a send or a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// The server's answer does not hold what was sent.
    NotTaken { sent: String, got: Option<String> },
    /// The server's answer does not report this key, which was sent: it may
    /// or may not have been taken.
    Unconfirmed { sent: String },
    /// The server refused the PUT naming this key.
    Refused { message: String },
    /// The value changed on the server since it was loaded.
    Conflict { was: Option<String> },
}

/// What the person chose for a key changed on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// My edit goes over the server's value.
    Mine,
    /// My edit is dropped; the server's value stays.
    Theirs,
}

/// A key changed both here and on the server, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictItem {
    pub conflict: Conflict,
    pub choice: Option<Choice>,
}

#[derive(Debug, Clone)]
pub struct Model {
    base: Settings,
    edits: Edits,
    /// `ChangeSet::new(base, edits)`, kept in step by every change.
    changes: ChangeSet,
    flags: BTreeMap<FieldId, Flag>,
    /// Keys changed both here and on the server; nothing is sent until each
    /// has a [`Choice`] and the choices are applied.
    conflicts: Vec<ConflictItem>,
}

impl Default for Model {
    fn default() -> Model {
        let (base, edits) = (Settings::default(), Edits::default());
        Model {
            changes: ChangeSet::new(&base, &edits),
            base,
            edits,
            flags: BTreeMap::new(),
            conflicts: Vec::new(),
        }
    }
}

impl Model {
    /// This model as it is shown: every value through `mask` (secrets in
    /// webhook URLs and headers), the changes worked out again on what is
    /// shown. Drawing only; never edited, saved or sent.
    pub fn shown(&self, mask: &mut dyn FnMut(FieldId, &str) -> String) -> Model {
        let base = shown_settings(&self.base, mask);
        let mut edits = Edits::default();
        for (id, value) in self.edits.iter() {
            let shown = mask(id, value);
            edits.set(&base, id, shown);
        }
        let flags = self
            .flags
            .iter()
            .map(|(id, flag)| {
                let flag = match flag {
                    Flag::NotTaken { sent, got } => Flag::NotTaken {
                        sent: mask(*id, sent),
                        got: got.as_deref().map(|g| mask(*id, g)),
                    },
                    Flag::Unconfirmed { sent } => Flag::Unconfirmed {
                        sent: mask(*id, sent),
                    },
                    Flag::Conflict { was } => Flag::Conflict {
                        was: was.as_deref().map(|w| mask(*id, w)),
                    },
                    other => other.clone(),
                };
                (*id, flag)
            })
            .collect();
        let conflicts = self
            .conflicts
            .iter()
            .map(|item| {
                let c = &item.conflict;
                ConflictItem {
                    conflict: Conflict {
                        id: c.id,
                        base: c.base.as_deref().map(|b| mask(c.id, b)),
                        mine: mask(c.id, &c.mine),
                        theirs: c.theirs.as_deref().map(|t| mask(c.id, t)),
                    },
                    choice: item.choice,
                }
            })
            .collect();
        Model {
            changes: ChangeSet::new(&base, &edits),
            base,
            edits,
            flags,
            conflicts,
        }
    }

    // ----- reading -----

    pub fn base(&self) -> &Settings {
        &self.base
    }

    pub fn edits(&self) -> &Edits {
        &self.edits
    }

    pub fn changes(&self) -> &ChangeSet {
        &self.changes
    }

    pub fn flags(&self) -> &BTreeMap<FieldId, Flag> {
        &self.flags
    }

    pub fn conflicts(&self) -> &[ConflictItem] {
        &self.conflicts
    }

    /// Every value this model holds: loaded, edited, and in a flag (sent
    /// and not taken; loaded before the server changed it).
    pub fn held(&self) -> Vec<(FieldId, &str)> {
        let base = FieldId::all().filter_map(|id| self.base.get(id).map(|v| (id, v)));
        let flags = self.flags.iter().flat_map(|(id, flag)| {
            let values = match flag {
                Flag::NotTaken { sent, got } => vec![Some(sent.as_str()), got.as_deref()],
                Flag::Unconfirmed { sent } => vec![Some(sent.as_str())],
                Flag::Conflict { was } => vec![was.as_deref()],
                Flag::Refused { .. } => Vec::new(),
            };
            values.into_iter().flatten().map(|v| (*id, v))
        });
        base.chain(self.edits.iter()).chain(flags).collect()
    }

    /// The value shown for a field: the edit, else the reported value.
    pub fn value(&self, id: FieldId) -> Option<&str> {
        self.edits.effective(&self.base, id)
    }

    /// Puts the problems and warnings of the real values in place of
    /// those worked out on a shown copy ([`Model::shown`]): drawing only.
    pub fn replace_findings(
        &mut self,
        problems: Vec<crate::changes::Problem>,
        warnings: Vec<crate::changes::Problem>,
    ) {
        self.changes.problems = problems;
        self.changes.warnings = warnings;
    }

    /// Why a field stops a send, if it does.
    pub fn problem(&self, id: FieldId) -> Option<&str> {
        self.changes
            .problems
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.message.as_str())
    }

    /// The first key with no choice yet, in the conflict list.
    pub fn first_open_conflict(&self) -> Option<usize> {
        self.conflicts.iter().position(|c| c.choice.is_none())
    }

    // ----- changing values -----

    fn refresh(&mut self) {
        self.changes = ChangeSet::new(&self.base, &self.edits);
    }

    /// A key the person set or reverted by hand: its flag goes, and it is no
    /// longer in conflict.
    fn settle(&mut self, id: FieldId) {
        self.flags.remove(&id);
        self.conflicts.retain(|c| c.conflict.id != id);
    }

    /// Sets a field to text as typed, valid or not.
    pub fn set(&mut self, id: FieldId, text: String) {
        self.edits.set(&self.base, id, text);
        self.settle(id);
        self.refresh();
    }

    /// Reverts a field to its loaded value; whether it had an edit.
    pub fn revert(&mut self, id: FieldId) -> bool {
        let had = self.edits.get(id).is_some();
        self.edits.revert(id);
        self.settle(id);
        self.refresh();
        had
    }

    /// Sets a JSON-valued field by meaning: an equal document is no change,
    /// and a document equal to the loaded one reverts the field.
    pub fn set_json(&mut self, id: FieldId, value: &Value) {
        let parse = |text: Option<&str>| text.and_then(|t| serde_json::from_str::<Value>(t).ok());
        if parse(self.base.get(id)).as_ref() == Some(value) {
            self.revert(id);
        } else if parse(self.value(id)).as_ref() != Some(value) {
            self.set(id, crate::text::json_line(value));
        }
    }

    /// Keeps text for a JSON-valued field: valid JSON is stored compactly and
    /// compared by meaning; invalid text is kept as typed, and marked.
    pub fn set_raw(&mut self, id: FieldId, text: String) {
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => self.set_json(id, &value),
            Err(_) => self.set(id, text),
        }
    }

    pub fn toggle_bool(&mut self, id: FieldId) {
        let next = match self.value(id) {
            Some("true") => "false",
            Some("false") => "true",
            _ => match id.setting().default {
                Some("true") => "false",
                _ => "true",
            },
        };
        self.set(id, next.to_string());
    }

    pub fn step_enum(&mut self, id: FieldId, values: &[&str]) {
        let next = match self
            .value(id)
            .and_then(|v| values.iter().position(|x| *x == v))
        {
            Some(i) => values[(i + 1) % values.len()],
            None => values.first().copied().unwrap_or_default(),
        };
        self.set(id, next.to_string());
    }

    /// Drops every edit, flag and conflict (a reload the person asked for).
    pub fn discard_edits(&mut self) {
        self.edits = Edits::default();
        self.flags.clear();
        self.conflicts.clear();
        self.refresh();
    }

    // ----- what the server says -----

    /// Makes `settings` the new base; edits equal to it are dropped.
    pub fn adopt(&mut self, settings: Settings) {
        self.base = settings;
        self.edits.rebase(&self.base);
        self.refresh();
    }

    /// Makes a fresh read the base; returns the keys that changed only
    /// there, which are taken in (and no longer flagged).
    pub fn take_in(&mut self, fresh: Settings) -> Vec<FieldId> {
        let drift = Drift::between(&self.base, &self.edits, &fresh);
        self.adopt(fresh);
        let taken: Vec<FieldId> = drift.taken_in.iter().map(|(id, ..)| *id).collect();
        for id in &taken {
            self.flags.remove(id);
        }
        taken
    }

    pub fn clear_flags(&mut self) {
        self.flags.clear();
    }

    /// Marks a key after a send (not taken, unconfirmed, refused).
    pub fn mark(&mut self, id: FieldId, flag: Flag) {
        self.flags.insert(id, flag);
    }

    // ----- drafts, conflicts, rollback -----

    /// Puts a draft's edits (made over `draft_base`) on the loaded settings;
    /// returns how the server moved since the draft's base.
    pub fn take_draft(&mut self, draft_base: &Settings, draft_edits: &Edits) -> Drift {
        let drift = Drift::between(draft_base, draft_edits, &self.base);
        for (id, text) in draft_edits.iter() {
            self.edits.set(&self.base, id, text);
        }
        self.refresh();
        drift
    }

    /// Flags keys changed on both sides; each waits for a [`Choice`].
    pub fn open_conflicts(&mut self, conflicts: Vec<Conflict>) {
        for conflict in &conflicts {
            self.flags.insert(
                conflict.id,
                Flag::Conflict {
                    was: conflict.base.clone(),
                },
            );
        }
        self.conflicts = conflicts
            .into_iter()
            .map(|conflict| ConflictItem {
                conflict,
                choice: None,
            })
            .collect();
    }

    pub fn choose(&mut self, at: usize, choice: Choice) {
        if let Some(item) = self.conflicts.get_mut(at) {
            item.choice = Some(choice);
        }
    }

    pub fn choose_all(&mut self, choice: Choice) {
        for item in &mut self.conflicts {
            item.choice = Some(choice);
        }
    }

    /// Applies the choices: mine keeps the edit over the server's value,
    /// theirs drops it. Returns how many of each, or `None` (nothing
    /// applied) while any key has no choice.
    pub fn resolve(&mut self) -> Option<(usize, usize)> {
        if self.first_open_conflict().is_some() {
            return None;
        }
        let items = std::mem::take(&mut self.conflicts);
        let (mut mine, mut theirs) = (0, 0);
        for item in &items {
            let id = item.conflict.id;
            self.flags.remove(&id);
            match item.choice {
                Some(Choice::Theirs) => {
                    self.edits.revert(id);
                    theirs += 1;
                }
                _ => {
                    // Mine: the edit, as it was when the conflict was found.
                    self.edits.set(&self.base, id, item.conflict.mine.clone());
                    mine += 1;
                }
            }
        }
        self.refresh();
        Some((mine, theirs))
    }

    /// What rollback does with each key of a history entry (`(key, before,
    /// after)`), over the loaded settings and the pending edits.
    pub fn rollback_plan(
        &self,
        changed: &[(FieldId, Option<String>, Option<String>)],
    ) -> Vec<(FieldId, Verdict)> {
        crate::session::rollback_plan(changed, &self.base, &self.edits)
    }

    /// Puts back the old values a rollback plan restores, as edits made by
    /// hand would be (flags and conflicts settled); returns those keys.
    pub fn apply_rollback(&mut self, plan: &[(FieldId, Verdict)]) -> Vec<FieldId> {
        let mut restored = Vec::new();
        for (id, verdict) in plan {
            if let Verdict::Restore(value) = verdict {
                self.edits.set(&self.base, *id, value.clone());
                self.settle(*id);
                restored.push(*id);
            }
        }
        self.refresh();
        restored
    }
}

/// `settings` as shown: every value through `mask`; keys the schema does
/// not know kept as they are. Drawing only.
pub fn shown_settings(
    settings: &Settings,
    mask: &mut dyn FnMut(FieldId, &str) -> String,
) -> Settings {
    let mut shown = settings.clone();
    for id in FieldId::all() {
        if let Some(value) = settings.get(id) {
            let masked = mask(id, value);
            if masked != value {
                shown.set(id, masked);
            }
        }
    }
    shown
}

/// A part of a JSON document that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonChange {
    /// Dotted path, e.g. `A.sms_body`.
    pub path: String,
    /// The part as JSON text; `None` when absent.
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The parts of two JSON documents that differ: objects are compared key by
/// key, anything else whole.
pub fn json_changes(old: &Value, new: &Value) -> Vec<JsonChange> {
    fn walk(old: Option<&Value>, new: Option<&Value>, path: &str, out: &mut Vec<JsonChange>) {
        match (old, new) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
                for key in keys {
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(a.get(key), b.get(key), &inner, out);
                }
            }
            (a, b) if a == b => {}
            (a, b) => out.push(JsonChange {
                path: path.to_string(),
                old: a.map(crate::text::json_line),
                new: b.map(crate::text::json_line),
            }),
        }
    }
    let mut out = Vec::new();
    walk(Some(old), Some(new), "", &mut out);
    out
}

/// For a JSON-valued key whose old and new values are both JSON objects,
/// the parts that differ: a person reads `A.sms_body` better than two blobs.
pub fn json_parts(id: FieldId, old: Option<&str>, new: Option<&str>) -> Option<Vec<JsonChange>> {
    if !matches!(id.setting().kind, Kind::HeadersJson | Kind::SmsConfigJson) {
        return None;
    }
    let old: Value = serde_json::from_str(old?).ok()?;
    let new: Value = serde_json::from_str(new?).ok()?;
    if !(old.is_object() && new.is_object()) {
        return None;
    }
    Some(json_changes(&old, &new))
}
