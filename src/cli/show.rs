//! What the subcommands show of secrets: masked (`••••`) unless
//! `--show-secrets`. Values are masked where they are shown (`get`, diffs,
//! plans, dry-run bodies, history); as a net, every secret met in this run
//! (read from a tenant, typed, or in a file) is also masked wherever it
//! appears in what is printed — a server's message that quotes one, a
//! report's detail — when it is 4 characters or longer. `export` alone
//! writes values whole: it is how a person gets them back.

use crate::schema::FieldId;
use crate::secrets::{MASK, Secrets, Tags};
use crate::settings::Settings;
use std::sync::{Mutex, OnceLock, PoisonError};

struct Shown {
    reveal: bool,
    rules: Secrets,
    /// Every secret met in this run, to mask wherever it is printed.
    seen: Mutex<Vec<String>>,
}

static SHOWN: OnceLock<Shown> = OnceLock::new();

fn shown() -> &'static Shown {
    SHOWN.get_or_init(|| Shown {
        reveal: false,
        rules: Secrets::default(),
        seen: Mutex::new(Vec::new()),
    })
}

/// Sets the policy for this run, once, before anything is printed.
pub fn init(reveal: bool) {
    let rules = crate::config::Paths::from_env()
        .ok()
        .and_then(|p| crate::config::Config::load(&p.config_file).ok())
        .map(|c| c.secrets.rules())
        .unwrap_or_default();
    let _ = SHOWN.set(Shown {
        reveal,
        rules,
        seen: Mutex::new(Vec::new()),
    });
}

/// Which parts of a value are secret in this run (built in, and the
/// config's `[secrets]`, read once by [`init`]).
pub fn rules() -> &'static Secrets {
    &shown().rules
}

/// Whether secrets are shown in full (`--show-secrets`).
pub fn revealed() -> bool {
    shown().reveal
}

/// Notes the secrets of one value, to mask wherever they are printed.
pub fn register(id: FieldId, value: &str) {
    let s = shown();
    let found = s.rules.find(id, value);
    if found.is_empty() {
        return;
    }
    let mut seen = s.seen.lock().unwrap_or_else(PoisonError::into_inner);
    for secret in found {
        if secret.value.chars().count() >= 4 && !seen.contains(&secret.value) {
            seen.push(secret.value);
        }
    }
}

/// [`register`] for every value of a document.
pub fn register_settings(settings: &Settings) {
    for id in FieldId::all() {
        if let Some(value) = settings.get(id) {
            register(id, value);
        }
    }
}

/// A value as shown.
pub fn value(id: FieldId, text: &str) -> String {
    register(id, text);
    if revealed() {
        text.to_string()
    } else {
        shown().rules.mask(id, text)
    }
}

/// The new side of a diff: each secret says whether it changed.
pub fn change(id: FieldId, old: Option<&str>, new: &str) -> String {
    register(id, new);
    if let Some(old) = old {
        register(id, old);
    }
    if revealed() {
        new.to_string()
    } else {
        shown().rules.mask_change(id, old, new)
    }
}

/// A value shown beside others of the same key (`get --differ`): masked
/// secrets are told apart by their number in `tags`.
pub fn tagged(id: FieldId, text: &str, tags: &mut Tags) -> String {
    register(id, text);
    if revealed() {
        text.to_string()
    } else {
        shown().rules.mask_tagged(id, text, tags)
    }
}

/// A document with its secrets masked (for `get --json`, dry-run bodies,
/// history): keys the schema does not know are kept as they are.
pub fn settings(doc: &Settings) -> Settings {
    register_settings(doc);
    if revealed() {
        return doc.clone();
    }
    let mut out = doc.clone();
    for id in FieldId::all() {
        if let Some(value) = doc.get(id) {
            let masked = shown().rules.mask(id, value);
            if masked != value {
                out.set(id, masked);
            }
        }
    }
    out
}

/// A body-shaped JSON document (`{section: {key: value}}`) masked.
pub fn json(doc: &serde_json::Value) -> serde_json::Value {
    if revealed() || doc.is_null() {
        return doc.clone();
    }
    match Settings::from_json(doc) {
        Ok(parsed) => {
            let masked = settings(&parsed);
            if masked == parsed {
                doc.clone()
            } else {
                masked.to_json()
            }
        }
        Err(_) => serde_json::from_str(&scrub(&doc.to_string())).unwrap_or_else(|_| doc.clone()),
    }
}

/// `text` with every secret met in this run masked where it occurs.
pub fn scrub(text: &str) -> String {
    if revealed() {
        return text.to_string();
    }
    let seen = shown().seen.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.is_empty() {
        return text.to_string();
    }
    let mut secrets: Vec<&String> = seen.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for secret in secrets {
        // A secret quoted in JSON is escaped there; both forms go.
        let escaped = serde_json::to_string(secret.as_str()).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        out = out.replace(secret.as_str(), MASK);
        if escaped != secret.as_str() {
            out = out.replace(escaped, MASK);
        }
    }
    out
}

/// Refuses a value that holds the mask: masked output is never input.
pub fn refuse_masked(id: FieldId, value: &str, from: &str) -> Result<(), crate::exit::Failure> {
    if crate::secrets::holds_mask(value) {
        return Err(crate::exit::Failure::usage(format!(
            "{}{from} holds {MASK}, a masked secret from exoset's own output: it is not sent; \
             take the whole value from `exoset export` (which writes secrets in full)",
            id.path()
        )));
    }
    Ok(())
}
