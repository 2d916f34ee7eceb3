//! The draft of unsent edits, and the drafts set aside.

use super::{
    Claim, EditorClaim, FORMAT_VERSION, Loaded, StateDir, load, now_secs, open_lock_file, remove,
    save,
};
use crate::changes::Edits;
use crate::config::create_private_dir;
use crate::schema::lookup_path;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Unsent edits, with the base they were made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub version: u32,
    pub saved_at: u64,
    pub profile: String,
    pub tenant: String,
    /// The settings the edits were made on, in wire form.
    pub base: Value,
    /// `section.key` → the text the user typed.
    pub edits: BTreeMap<String, String>,
    /// The editor ended while these edits were being sent, after the PUT
    /// went out: the server may hold them already.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub maybe_applied: bool,
}

impl Draft {
    pub fn new(profile: &str, tenant: &str, base: &Settings, edits: &Edits) -> Draft {
        Draft {
            version: FORMAT_VERSION,
            saved_at: now_secs(),
            profile: profile.to_string(),
            tenant: tenant.to_string(),
            base: base.to_json(),
            edits: edits
                .iter()
                .map(|(id, text)| (id.path(), text.to_string()))
                .collect(),
            maybe_applied: false,
        }
    }

    /// The base and edits back; keys this build does not know are reported.
    pub fn restore(&self) -> Result<(Settings, Edits), String> {
        let base = Settings::from_json(&self.base).map_err(|e| format!("draft base: {e}"))?;
        let mut edits = Edits::default();
        let mut unknown = Vec::new();
        for (path, text) in &self.edits {
            match lookup_path(path) {
                Some(id) => edits.set(&base, id, text.clone()),
                None => unknown.push(path.as_str()),
            }
        }
        if unknown.is_empty() {
            Ok((base, edits))
        } else {
            Err(format!(
                "the draft edits settings this exoset does not know: {}",
                unknown.join(", ")
            ))
        }
    }
}

impl StateDir {
    pub fn draft_path(&self) -> PathBuf {
        self.file(&self.draft)
    }

    /// Every draft on disk for this tenant, this process's own first: the
    /// next start offers them all.
    pub fn draft_paths(&self) -> Vec<PathBuf> {
        let own = self.draft_path();
        let mut others: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p != &own
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("draft") && n.ends_with(".json"))
            })
            .collect();
        others.sort();
        let mut paths = vec![own];
        paths.extend(others);
        paths
    }

    pub fn load_draft_at(&self, path: &Path) -> Loaded<Draft> {
        load(path)
    }

    /// Removes a draft another run left, once its edits were offered.
    pub fn remove_draft_at(&self, path: &Path) -> io::Result<()> {
        let _lock = self.lock()?;
        remove(path)
    }

    /// Claims the tenant for this editor, or says who holds it. The claim
    /// is an advisory lock on `editor.lock`, released when the process ends
    /// however it ends; the file names the holder for the next one.
    pub fn claim_editor(&self) -> io::Result<Claim> {
        use std::io::{Read, Seek, Write};
        self.ready()?;
        let mut file = open_lock_file(&self.file("editor.lock"))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                file.rewind()?;
                // The holder, then who runs it (one JSON line), for the
                // next editor's notice.
                writeln!(file, "{} {}", std::process::id(), now_secs())?;
                let by = serde_json::to_string(&crate::actor::Actor::current()).unwrap_or_default();
                writeln!(file, "{by}")?;
                Ok(Claim::Mine(EditorClaim { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.take(4096).read_to_string(&mut text);
                let mut lines = text.lines();
                let mut parts = lines
                    .next()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::parse::<u64>);
                let pid = parts.next().and_then(Result::ok).unwrap_or(0);
                let since = parts.next().and_then(Result::ok).unwrap_or(0);
                let by = lines.next().and_then(|l| serde_json::from_str(l).ok());
                Ok(Claim::Held {
                    pid: u32::try_from(pid).unwrap_or(0),
                    since,
                    by,
                })
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    pub fn load_draft(&self) -> Loaded<Draft> {
        load(&self.draft_path())
    }

    pub fn save_draft(&self, draft: &Draft) -> io::Result<()> {
        let _lock = self.lock()?;
        save(&self.draft_path(), draft)
    }

    pub fn remove_draft(&self) -> io::Result<()> {
        let _lock = self.lock()?;
        remove(&self.draft_path())
    }

    /// The claim on this process's own draft file while another editor
    /// holds the tenant (`editor-<pid>.lock` beside `draft-<pid>.json`), so
    /// that no other run takes that draft for a left-over one.
    pub fn claim_own_draft(&self) -> io::Result<EditorClaim> {
        create_private_dir(&self.dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.file(&claim_name(&self.draft)))?;
        file.try_lock().map_err(io::Error::from)?;
        Ok(EditorClaim { _file: file })
    }

    /// Whether the draft at `path` belongs to an editor that is running
    /// now (not this one): its claim file is locked. Such a draft is live;
    /// it is never offered for restoring or discarding.
    pub fn draft_is_live(&self, path: &Path) -> bool {
        if path == self.draft_path() {
            return false;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        let Ok(file) = std::fs::OpenOptions::new()
            .write(true)
            .open(self.file(&claim_name(name)))
        else {
            return false;
        };
        matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
    }

    /// Sets the draft at `path` aside rather than deleting it: moved into
    /// `discarded/`, where the newest [`DISCARDED_KEPT`] are kept. Returns
    /// where it went (`None`: there was no such draft).
    pub fn set_aside_draft_at(&self, path: &Path) -> io::Result<Option<PathBuf>> {
        let _lock = self.lock()?;
        if !path.exists() {
            return Ok(None);
        }
        let folder = self.file("discarded");
        create_private_dir(&folder)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "draft.json".into());
        // Named by the time to the nanosecond, so that names sort as the
        // drafts were set aside (the oldest go first).
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut n = 0;
        let mut to = folder.join(format!("{stamp:024}-{n:03}-{name}"));
        while to.exists() {
            n += 1;
            to = folder.join(format!("{stamp:024}-{n:03}-{name}"));
        }
        std::fs::rename(path, &to)?;
        let mut kept: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .flatten()
            .map(|e| e.path())
            .collect();
        kept.sort();
        let extra = kept.len().saturating_sub(DISCARDED_KEPT);
        for old in kept.into_iter().take(extra) {
            remove(&old)?;
        }
        Ok(Some(to))
    }

    /// "Decide later" on the offer of this draft: it is moved beside, under
    /// a name of its own (`draft-later-….json`), so that this editor's new
    /// draft does not overwrite it and the next start offers it again.
    pub fn postpone_draft(&self) -> io::Result<()> {
        let _lock = self.lock()?;
        let from = self.draft_path();
        if !from.exists() {
            return Ok(());
        }
        let stamp = now_secs();
        let mut n = 0;
        let mut to = self.file(&format!("draft-later-{stamp}-{n}.json"));
        while to.exists() {
            n += 1;
            to = self.file(&format!("draft-later-{stamp}-{n}.json"));
        }
        std::fs::rename(from, to)
    }
}

/// Discarded drafts kept per tenant (in `discarded/`), newest first.
pub const DISCARDED_KEPT: usize = 10;

/// The claim file of a draft file: `editor.lock` for `draft.json`,
/// `editor-<pid>.lock` for `draft-<pid>.json`.
pub(super) fn claim_name(draft: &str) -> String {
    match draft
        .strip_prefix("draft-")
        .and_then(|rest| rest.strip_suffix(".json"))
    {
        Some(pid) => format!("editor-{pid}.lock"),
        None => "editor.lock".into(),
    }
}
