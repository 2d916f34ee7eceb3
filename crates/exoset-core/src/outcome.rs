//! The words for what became of a send: each tenant's outcome and each key's
//! status, written once. The fleet's report, its `--json`, the editor's
//! results and README's lists all take them from here (a test holds README to
//! them); a new outcome is added here, and only here.

use serde::{Deserialize, Serialize};

/// What became of one tenant, in the words of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Sent,
    Unchanged,
    Invalid,
    Conflict,
    Failed,
    /// The PUT went out and its answer was lost (or Ctrl-C came while it
    /// was in flight): it may have been applied.
    Unknown,
    /// Not started: Ctrl-C or a stop rule (`--max-fail`, a canary that did
    /// not pass) came first; nothing was sent to it.
    Cancelled,
    /// The guard refused it: a read-only profile, or the confirmation or
    /// reason it needs was not given.
    Refused,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Sent,
        Kind::Unchanged,
        Kind::Invalid,
        Kind::Conflict,
        Kind::Failed,
        Kind::Unknown,
        Kind::Cancelled,
        Kind::Refused,
    ];

    /// The word in reports and in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sent => "sent",
            Kind::Unchanged => "unchanged",
            Kind::Invalid => "invalid",
            Kind::Conflict => "conflict",
            Kind::Failed => "failed",
            Kind::Unknown => "unknown",
            Kind::Cancelled => "cancelled",
            Kind::Refused => "refused",
        }
    }

    /// What it means, for README and help.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::Sent => "the PUT was answered and every key is confirmed or unconfirmed",
            Kind::Unchanged => "the tenant already holds every value asked for: nothing sent",
            Kind::Invalid => "the change cannot be sent to this tenant",
            Kind::Conflict => "the tenant changed a key to send since it was read",
            Kind::Failed => {
                "no credentials, refused, unreadable, the server refused the PUT, or a key \
                 not taken as sent"
            }
            Kind::Unknown => "the PUT went out and its answer was lost: it may have been applied",
            Kind::Cancelled => "not started: Ctrl-C or a stop rule",
            Kind::Refused => {
                "the profile is read-only in this run, or the confirmation or reason it needs \
                 was not given: nothing was sent to it"
            }
        }
    }
}

/// What is known of one key the person changed, in `--json` and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    Confirmed,
    NotTaken,
    Unconfirmed,
    Unknown,
    NotSent,
}

impl KeyState {
    pub const ALL: [KeyState; 5] = [
        KeyState::Confirmed,
        KeyState::NotTaken,
        KeyState::Unconfirmed,
        KeyState::Unknown,
        KeyState::NotSent,
    ];

    /// The word in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Confirmed => "confirmed",
            KeyState::NotTaken => "not_taken",
            KeyState::Unconfirmed => "unconfirmed",
            KeyState::Unknown => "unknown",
            KeyState::NotSent => "not_sent",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            KeyState::Confirmed => "the answer reports the value sent",
            KeyState::NotTaken => "the answer reports another value",
            KeyState::Unconfirmed => "the answer does not report the key",
            KeyState::Unknown => "the answer was lost",
            KeyState::NotSent => "the PUT did not go out",
        }
    }
}

/// README's list of outcomes: `` `word` (meaning)``, joined by commas.
pub fn outcomes_list() -> String {
    Kind::ALL
        .iter()
        .map(|k| format!("`{}` ({})", k.as_str(), k.meaning()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// README's list of key statuses, the same way.
pub fn key_statuses_list() -> String {
    KeyState::ALL
        .iter()
        .map(|k| format!("`{}` ({})", k.as_str(), k.meaning()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_own_word_and_a_meaning() {
        let words: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let mut unique = words.clone();
        unique.dedup();
        assert_eq!(words, unique);
        for kind in Kind::ALL {
            // The JSON word is the report's word.
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
            assert!(!kind.meaning().is_empty());
        }
        for state in KeyState::ALL {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::from(state.as_str())
            );
        }
    }
}
