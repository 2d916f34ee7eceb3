//! The history of PUTs sent, and what is known of each one's fate.

use super::{FORMAT_VERSION, Loaded, StateDir, aside_path, format_time, load, now_secs, save};
use crate::changes::same_reported;
use crate::config::read_own_file;
use crate::schema::FieldId;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// What is known of a recorded PUT's fate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The server answered it (the entry's `after` is the answer). Entries
    /// written before outcomes were recorded are all of this kind.
    #[default]
    Answered,
    /// Its answer was lost after it went out: it may or may not have been
    /// applied. Settled at the next read of the tenant.
    Unknown,
    /// Its answer was lost, and the next read found every value it sent.
    Applied,
    /// Its answer was lost, and the next read found every value it meant to
    /// change still as before.
    #[serde(rename = "not applied")]
    NotApplied,
}

impl Outcome {
    fn is_answered(&self) -> bool {
        *self == Outcome::Answered
    }

    /// `unknown`, `applied`, `not applied`; `answered` for the rest.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Unknown => "unknown",
            Outcome::Applied => "applied",
            Outcome::NotApplied => "not applied",
        }
    }

    /// Whether the values it sent are known to have reached the server, so
    /// that rolling it back means something.
    pub fn landed(&self) -> bool {
        matches!(self, Outcome::Answered | Outcome::Applied)
    }
}

/// One PUT that went out: answered, or with its answer lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: u64,
    pub time: u64,
    pub profile: String,
    pub tenant: String,
    pub request_id: Option<String>,
    /// The PUT body as sent.
    pub sent: Value,
    /// The settings before (the fresh read just before the PUT) and after:
    /// the answer, or for a PUT whose answer was lost, the read that settled
    /// it (`null` while its outcome is unknown).
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    /// What the answer said about each key sent (`section.key` → outcome);
    /// empty in entries written before outcomes were recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outcomes: BTreeMap<String, crate::changes::KeyStatus>,
    /// The entry this change rolled back, when it was a rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
    /// Absent for a PUT the server answered; `unknown`, `applied` or
    /// `not applied` for one whose answer was lost.
    #[serde(default, skip_serializing_if = "Outcome::is_answered")]
    pub outcome: Outcome,
    /// When a read looked at an `unknown` entry to settle it (Unix secs):
    /// it is looked at, and what was found said, once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<u64>,
    /// Who sent it, as the environment said (attribution, not an audit
    /// trail); absent in entries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<crate::actor::Actor>,
    /// The exoset version that sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exoset: Option<String>,
    /// Why, as typed (`--reason`, or the editor's send question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What settling an entry whose answer was lost found, to say once.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub id: u64,
    pub time: u64,
    pub outcome: Outcome,
    /// Keys found with neither the value sent nor the one before
    /// (`section.key`), when the outcome stays unknown.
    pub mixed: Vec<String>,
}

impl Settled {
    /// One line for a person.
    pub fn describe(&self) -> String {
        let entry = format!(
            "history entry {} (sent {}, its answer lost)",
            self.id,
            format_time(self.time)
        );
        match self.outcome {
            Outcome::Applied => format!(
                "{entry}: the server holds the values it sent, so it is now recorded as applied"
            ),
            Outcome::NotApplied => format!(
                "{entry}: the server still holds the values from before it, so it is now \
                 recorded as not applied"
            ),
            _ if self.mixed.is_empty() => format!(
                "{entry}: the server holds some of the values it sent and some from before, \
                 so its outcome stays unknown"
            ),
            _ => format!(
                "{entry}: the server holds neither the values it sent nor those from before \
                 for {}, so its outcome stays unknown",
                self.mixed.join(", ")
            ),
        }
    }
}

impl HistoryEntry {
    /// An entry for a PUT that just succeeded; [`StateDir::record`] gives it its id.
    pub fn new(
        profile: &str,
        tenant: &str,
        request_id: Option<String>,
        sent: Value,
        before: &Settings,
        after: &Settings,
    ) -> HistoryEntry {
        HistoryEntry {
            id: 0,
            time: now_secs(),
            profile: profile.to_string(),
            tenant: tenant.to_string(),
            request_id,
            sent,
            before: before.to_json(),
            after: after.to_json(),
            outcomes: BTreeMap::new(),
            rollback_of: None,
            outcome: Outcome::Answered,
            settled_at: None,
            actor: None,
            exoset: None,
            reason: None,
        }
    }

    /// An entry for a PUT whose answer was lost after it went out: outcome
    /// `unknown`, the body sent and the values read before it, no `after`.
    pub fn unknown(profile: &str, tenant: &str, sent: Value, before: &Settings) -> HistoryEntry {
        HistoryEntry {
            id: 0,
            time: now_secs(),
            profile: profile.to_string(),
            tenant: tenant.to_string(),
            request_id: None,
            sent,
            before: before.to_json(),
            after: Value::Null,
            outcomes: BTreeMap::new(),
            rollback_of: None,
            outcome: Outcome::Unknown,
            settled_at: None,
            actor: None,
            exoset: None,
            reason: None,
        }
    }

    /// `by alice on jump1 from 10.0.0.5 (exoset 0.1.0); why: "…"`: who sent
    /// it and why, as recorded, each part escaped for a terminal; `None` for
    /// entries written before exoset recorded them.
    pub fn who_and_why(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(actor) = &self.actor {
            let version = self
                .exoset
                .as_deref()
                .map(|v| format!(" (exoset {})", crate::text::safe(v)))
                .unwrap_or_default();
            parts.push(format!("by {}{version}", actor.describe()));
        }
        if let Some(reason) = &self.reason {
            parts.push(format!("why: {}", crate::session::quoted(reason)));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Keys the PUT changed: in the body, and different before and after.
    /// For a PUT not known to have landed (`unknown`, `not applied`), the
    /// keys it meant to change, with the values it sent as `after`.
    pub fn changed(&self) -> Vec<(FieldId, Option<String>, Option<String>)> {
        let (Ok(before), Ok(sent)) = (
            Settings::from_json(&self.before),
            Settings::from_json(&self.sent),
        ) else {
            return Vec::new();
        };
        let after = if self.outcome.landed() {
            match Settings::from_json(&self.after) {
                Ok(after) => after,
                Err(_) => return Vec::new(),
            }
        } else {
            sent.clone()
        };
        sent.reported()
            .filter_map(|(id, _)| {
                let (b, a) = (before.get(id), after.get(id));
                (!same_reported(id, b, a))
                    .then(|| (id, b.map(str::to_string), a.map(str::to_string)))
            })
            .collect()
    }

    /// Settles an `unknown` entry not looked at yet against a read of the
    /// tenant made after it: `applied` when the server holds every value it
    /// meant to change as sent, `not applied` when it holds every one as
    /// before, else it stays `unknown`. Either way it is looked at only once.
    /// `None` when there is nothing to settle.
    pub fn settle(&mut self, now: &Settings) -> Option<Settled> {
        if self.outcome != Outcome::Unknown || self.settled_at.is_some() {
            return None;
        }
        let intended = self.changed();
        let (mut sent_held, mut old_held, mut mixed) = (0, 0, Vec::new());
        for (id, before, sent) in &intended {
            let got = now.get(*id);
            if same_reported(*id, sent.as_deref(), got) {
                sent_held += 1;
            } else if same_reported(*id, before.as_deref(), got) {
                old_held += 1;
            } else {
                mixed.push(id.path());
            }
        }
        let outcome = if intended.is_empty() || !mixed.is_empty() {
            Outcome::Unknown
        } else if sent_held == intended.len() {
            Outcome::Applied
        } else if old_held == intended.len() {
            Outcome::NotApplied
        } else {
            Outcome::Unknown
        };
        self.outcome = outcome;
        self.settled_at = Some(now_secs());
        if outcome != Outcome::Unknown {
            self.after = now.to_json();
        }
        Some(Settled {
            id: self.id,
            time: self.time,
            outcome,
            mixed,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub version: u32,
    pub next_id: u64,
    pub entries: Vec<HistoryEntry>,
}

impl Default for History {
    fn default() -> Self {
        History {
            version: FORMAT_VERSION,
            next_id: 1,
            entries: Vec::new(),
        }
    }
}

impl History {
    pub fn find(&self, id: u64) -> Option<&HistoryEntry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

impl StateDir {
    pub fn history_path(&self) -> PathBuf {
        self.file("history.json")
    }

    pub fn load_history(&self) -> Loaded<History> {
        load(&self.history_path())
    }

    /// Appends an entry (its id assigned here) and keeps the newest `keep`.
    /// An unreadable history (corrupt, from a newer exoset, over the size
    /// cap, not a regular file) is moved aside and a new one started; the
    /// warning comes back, naming where it went, so the caller can say so.
    /// When it cannot be moved aside, nothing is recorded (the error says
    /// so) and the file is left as it is.
    pub fn record(
        &self,
        mut entry: HistoryEntry,
        keep: usize,
    ) -> io::Result<(u64, Option<String>)> {
        let _lock = self.lock()?;
        let path = self.history_path();
        let shown = |p: &Path| crate::text::safe(&p.display().to_string()).into_owned();
        let (mut history, warning) = match self.load_history() {
            Loaded::Found(h) => (h, None),
            Loaded::Missing => (History::default(), None),
            // Read failed (too large, not a regular file, ...): `load`
            // left it in place; move it aside now, or record nothing.
            Loaded::SetAside { moved_to, reason } if moved_to == path => {
                let aside = aside_path(&path);
                if let Err(e) = std::fs::rename(&path, &aside) {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "the history {} is {reason}, and it could not be moved aside \
                             ({e}), so this change was not recorded",
                            shown(&path)
                        ),
                    ));
                }
                let reason = reason
                    .strip_suffix("; it was left where it is")
                    .unwrap_or(&reason);
                (
                    History::default(),
                    Some(format!(
                        "the history {} was {reason}; it was moved to {} and a new one started",
                        shown(&path),
                        shown(&aside)
                    )),
                )
            }
            Loaded::SetAside { moved_to, reason } => (
                History::default(),
                Some(format!(
                    "the history {} was {reason}; it was moved to {} and a new one started",
                    shown(&path),
                    shown(&moved_to)
                )),
            ),
        };
        entry.id = history.next_id;
        history.next_id += 1;
        let id = entry.id;
        history.entries.push(entry);
        let excess = history.entries.len().saturating_sub(keep.max(1));
        history.entries.drain(..excess);
        save(&path, &history)?;
        Ok((id, warning))
    }

    /// Settles the entries whose answer was lost against a read of the
    /// tenant made after them (see [`HistoryEntry::settle`]); what was found
    /// comes back, to be said once. Nothing is written when nothing waits.
    pub fn settle(&self, now: &Settings) -> io::Result<Vec<Settled>> {
        let waiting = |h: &History| {
            h.entries
                .iter()
                .any(|e| e.outcome == Outcome::Unknown && e.settled_at.is_none())
        };
        // Most reads find nothing waiting: look before taking the lock,
        // leaving an unreadable history to the next `record` or `history`.
        let peek = read_own_file(&self.history_path())
            .ok()
            .and_then(|bytes| serde_json::from_slice::<History>(&bytes).ok());
        if !peek.as_ref().is_some_and(waiting) {
            return Ok(Vec::new());
        }
        let _lock = self.lock()?;
        let Loaded::Found(mut history) = self.load_history() else {
            return Ok(Vec::new());
        };
        let settled: Vec<Settled> = history
            .entries
            .iter_mut()
            .filter_map(|e| e.settle(now))
            .collect();
        if !settled.is_empty() {
            save(&self.history_path(), &history)?;
        }
        Ok(settled)
    }
}
