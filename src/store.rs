//! State on disk, per profile and tenant: the draft of unsent edits, the
//! history of successful PUTs, and the last settings read.
//!
//! Every file is JSON with a `version`, written atomically (temp file + rename)
//! with mode 0600. A file that cannot be read — corrupt, or written by a newer
//! exoset — is renamed aside and reported, never deleted and never a crash.

use crate::changes::{Edits, same_reported};
use crate::config::{Paths, create_private_dir, read_own_file, write_private};
use crate::schema::{FieldId, lookup_path};
use crate::settings::Settings;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The on-disk format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The folder holding one profile's state for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    dir: PathBuf,
    /// The draft file this process writes: `draft.json`, or
    /// `draft-<pid>.json` beside it while another editor holds the tenant.
    draft: String,
}

impl StateDir {
    pub fn new(paths: &Paths, profile: &str, tenant: &str) -> StateDir {
        StateDir {
            dir: paths
                .data_dir
                .join("state")
                .join(file_safe(profile))
                .join(file_safe(tenant)),
            draft: "draft.json".into(),
        }
    }

    /// The same folder, with this process's draft kept in a file of its own
    /// beside the one another editor writes.
    pub fn with_own_draft(&self, pid: u32) -> StateDir {
        StateDir {
            dir: self.dir.clone(),
            draft: format!("draft-{pid}.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Takes the tenant's advisory lock (`flock` on `.lock`), waiting for
    /// another exoset that holds it: every read-modify-write of the history
    /// and the drafts happens under it, so runs on one jump host that
    /// overlap lose nothing.
    pub fn lock(&self) -> io::Result<StateLock> {
        create_private_dir(&self.dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.file(".lock"))?;
        file.lock()?;
        Ok(StateLock { _file: file })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The tenant's state lock, held until dropped (closing the file releases it).
#[derive(Debug)]
pub struct StateLock {
    _file: std::fs::File,
}

/// Whether this editor may own the tenant's draft.
#[derive(Debug)]
pub enum Claim {
    /// Held until dropped.
    Mine(EditorClaim),
    /// Another exoset edits this tenant: its pid and since when (Unix secs).
    Held { pid: u32, since: u64 },
}

#[derive(Debug)]
pub struct EditorClaim {
    _file: std::fs::File,
}

/// A name usable as one path component whatever it holds.
fn file_safe(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') || (c == '.' && !out.is_empty()) {
            out.push(c);
        } else {
            out.push_str(&format!("%{:02X}", u32::from(c)));
        }
    }
    if out.is_empty() { "%".into() } else { out }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A Unix time as RFC 3339 UTC, e.g. `2026-11-27T23:40:00Z`.
pub fn format_time(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(secs)).to_string()
}

/// The outcome of reading a state file.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Missing,
    Found(T),
    /// Unreadable: moved to `moved_to`, for the reason given.
    SetAside {
        moved_to: PathBuf,
        reason: String,
    },
}

#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

fn load<T: DeserializeOwned>(path: &Path) -> Loaded<T> {
    let bytes = match read_own_file(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => {
            return Loaded::SetAside {
                moved_to: path.to_path_buf(),
                reason: format!("unreadable ({e}); it was left where it is"),
            };
        }
    };
    let reason = match serde_json::from_slice::<VersionOnly>(&bytes) {
        Ok(v) if v.version > FORMAT_VERSION => format!(
            "written by a newer exoset (format {}, this one reads {FORMAT_VERSION})",
            v.version
        ),
        _ => match serde_json::from_slice::<T>(&bytes) {
            Ok(value) => return Loaded::Found(value),
            Err(e) => format!("corrupt ({e})"),
        },
    };
    let moved_to = aside_path(path);
    match std::fs::rename(path, &moved_to) {
        Ok(()) => Loaded::SetAside { moved_to, reason },
        Err(e) => Loaded::SetAside {
            moved_to: path.to_path_buf(),
            reason: format!("{reason}; could not move it aside ({e})"),
        },
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = now_secs();
    let mut candidate = path.with_file_name(format!("{name}.unreadable-{stamp}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = path.with_file_name(format!("{name}.unreadable-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

fn save<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    write_private(path, &text)
}

fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

// ---- drafts ----

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
        create_private_dir(&self.dir)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(self.file("editor.lock"))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                file.rewind()?;
                writeln!(file, "{} {}", std::process::id(), now_secs())?;
                Ok(Claim::Mine(EditorClaim { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.take(256).read_to_string(&mut text);
                let mut parts = text.split_whitespace().map(str::parse::<u64>);
                let pid = parts.next().and_then(Result::ok).unwrap_or(0);
                let since = parts.next().and_then(Result::ok).unwrap_or(0);
                Ok(Claim::Held {
                    pid: u32::try_from(pid).unwrap_or(0),
                    since,
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
fn claim_name(draft: &str) -> String {
    match draft
        .strip_prefix("draft-")
        .and_then(|rest| rest.strip_suffix(".json"))
    {
        Some(pid) => format!("editor-{pid}.lock"),
        None => "editor.lock".into(),
    }
}

// ---- history ----

/// One successful PUT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: u64,
    pub time: u64,
    pub profile: String,
    pub tenant: String,
    pub request_id: Option<String>,
    /// The PUT body as sent.
    pub sent: Value,
    /// The settings before (the fresh read just before the PUT) and after (the answer).
    pub before: Value,
    pub after: Value,
    /// What the answer said about each key sent (`section.key` → outcome);
    /// empty in entries written before outcomes were recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outcomes: BTreeMap<String, crate::changes::KeyStatus>,
    /// The entry this change rolled back, when it was a rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u64>,
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
        }
    }

    /// Keys the PUT changed: in the body, and different before and after.
    pub fn changed(&self) -> Vec<(FieldId, Option<String>, Option<String>)> {
        let (Ok(before), Ok(after), Ok(sent)) = (
            Settings::from_json(&self.before),
            Settings::from_json(&self.after),
            Settings::from_json(&self.sent),
        ) else {
            return Vec::new();
        };
        sent.reported()
            .filter_map(|(id, _)| {
                let (b, a) = (before.get(id), after.get(id));
                (!same_reported(id, b, a))
                    .then(|| (id, b.map(str::to_string), a.map(str::to_string)))
            })
            .collect()
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
    /// An unreadable history is set aside and a new one started; the reason
    /// comes back so the caller can say so.
    pub fn record(
        &self,
        mut entry: HistoryEntry,
        keep: usize,
    ) -> io::Result<(u64, Option<String>)> {
        let _lock = self.lock()?;
        let (mut history, warning) = match self.load_history() {
            Loaded::Found(h) => (h, None),
            Loaded::Missing => (History::default(), None),
            Loaded::SetAside { moved_to, reason } => (
                History::default(),
                Some(format!(
                    "history {reason}; kept as {} and a new one started",
                    moved_to.display()
                )),
            ),
        };
        entry.id = history.next_id;
        history.next_id += 1;
        let id = entry.id;
        history.entries.push(entry);
        let excess = history.entries.len().saturating_sub(keep.max(1));
        history.entries.drain(..excess);
        save(&self.history_path(), &history)?;
        Ok((id, warning))
    }
}

// ---- the last read ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LastRead {
    version: u32,
    time: u64,
    settings: Value,
}

impl StateDir {
    pub fn last_read_path(&self) -> PathBuf {
        self.file("last-read.json")
    }

    /// The settings exoset last read from the server, and when.
    pub fn load_last_read(&self) -> Loaded<(u64, Settings)> {
        match load::<LastRead>(&self.last_read_path()) {
            Loaded::Found(last) => match Settings::from_json(&last.settings) {
                Ok(settings) => Loaded::Found((last.time, settings)),
                Err(e) => Loaded::SetAside {
                    moved_to: self.last_read_path(),
                    reason: format!("unreadable settings ({e})"),
                },
            },
            Loaded::Missing => Loaded::Missing,
            Loaded::SetAside { moved_to, reason } => Loaded::SetAside { moved_to, reason },
        }
    }

    pub fn save_last_read(&self, settings: &Settings) -> io::Result<()> {
        save(
            &self.last_read_path(),
            &LastRead {
                version: FORMAT_VERSION,
                time: now_secs(),
                settings: settings.to_json(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dir() -> (tempfile::TempDir, StateDir) {
        let tmp = tempfile::tempdir().unwrap();
        let state = StateDir::new(&Paths::under(tmp.path()), "prod", "acme/1");
        (tmp, state)
    }

    fn base() -> Settings {
        Settings::from_json(&json!({"common": {"timezone": "IST", "deletion_time": 10}})).unwrap()
    }

    /// Each name becomes one folder of its own, two levels below
    /// `data/state`, checked on the real file system after the folder is
    /// made (`Path::starts_with` alone is lexical: `state/../..` passes it).
    #[test]
    fn tenant_names_cannot_escape_the_state_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = Paths::under(tmp.path());
        let state_root = paths.data_dir.join("state");
        std::fs::create_dir_all(&state_root).unwrap();
        let state_root = state_root.canonicalize().unwrap();
        let hostile = [
            "../../x",
            "..",
            ".",
            "a/../../b",
            "/etc",
            "acme/1",
            "",
            "a\\..\\b",
            "~",
            "..\0x",
        ];
        let mut seen = std::collections::BTreeSet::new();
        for profile in ["prod", "..", "../.."] {
            for tenant in hostile {
                let state = StateDir::new(&paths, profile, tenant);
                std::fs::create_dir_all(state.path()).unwrap();
                let real = state.path().canonicalize().unwrap();
                let inside = real.strip_prefix(&state_root).unwrap_or_else(|_| {
                    panic!("{profile:?}/{tenant:?} escaped to {}", real.display())
                });
                assert_eq!(
                    inside.components().count(),
                    2,
                    "{profile:?}/{tenant:?} is {}",
                    inside.display()
                );
                assert!(seen.insert(real), "{profile:?}/{tenant:?} shares a folder");
            }
        }
        assert_eq!(file_safe("../x"), "%2E.%2Fx");
        assert_eq!(file_safe(".."), "%2E.");
        assert_eq!(file_safe("."), "%2E");
        assert_eq!(file_safe(""), "%");
    }

    #[test]
    fn a_discarded_draft_is_set_aside_and_the_newest_ten_are_kept() {
        let (_tmp, state) = dir();
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, lookup_path("common.deletion_time").unwrap(), "60");
        for _ in 0..12 {
            state
                .save_draft(&Draft::new("prod", "acme", &base, &edits))
                .unwrap();
            let to = state.set_aside_draft_at(&state.draft_path()).unwrap();
            assert!(to.is_some_and(|to| to.exists()));
            assert_eq!(state.load_draft(), Loaded::Missing);
        }
        let kept = std::fs::read_dir(state.path().join("discarded"))
            .unwrap()
            .count();
        assert_eq!(kept, DISCARDED_KEPT);
        // Nothing there: nothing to set aside.
        assert_eq!(state.set_aside_draft_at(&state.draft_path()).unwrap(), None);
    }

    #[test]
    fn a_draft_is_live_while_its_editor_holds_its_claim() {
        let (_tmp, state) = dir();
        let other = state.with_own_draft(4242);
        let draft = state.draft_path();
        let Ok(Claim::Mine(claim)) = state.claim_editor() else {
            panic!("the first claim is mine")
        };
        assert!(!state.draft_is_live(&draft), "its own draft");
        assert!(other.draft_is_live(&draft), "another editor's, running");
        let own = other.claim_own_draft().unwrap();
        assert!(state.draft_is_live(&other.draft_path()));
        drop(claim);
        drop(own);
        assert!(!other.draft_is_live(&draft), "its editor ended");
        assert!(!state.draft_is_live(&other.draft_path()));
    }

    #[test]
    fn a_draft_round_trips_with_its_base_and_edits() {
        let (_tmp, state) = dir();
        let base = base();
        let mut edits = Edits::default();
        edits.set(&base, lookup_path("common.deletion_time").unwrap(), "86401");
        state
            .save_draft(&Draft::new("prod", "acme/1", &base, &edits))
            .unwrap();
        let Loaded::Found(draft) = state.load_draft() else {
            panic!("draft not found")
        };
        assert_eq!(draft.restore(), Ok((base, edits)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state.draft_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        state.remove_draft().unwrap();
        assert_eq!(state.load_draft(), Loaded::Missing);
        state.remove_draft().unwrap();
    }

    #[test]
    fn a_corrupt_draft_is_set_aside_not_deleted() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        std::fs::write(state.draft_path(), "{\"version\": 1, \"edits\": ").unwrap();
        let Loaded::SetAside { moved_to, reason } = state.load_draft() else {
            panic!("expected set aside")
        };
        assert!(reason.starts_with("corrupt"), "{reason}");
        assert_eq!(
            std::fs::read_to_string(&moved_to).unwrap(),
            "{\"version\": 1, \"edits\": "
        );
        assert_eq!(state.load_draft(), Loaded::Missing);
    }

    #[test]
    fn a_draft_from_a_newer_version_is_set_aside_with_that_reason() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        std::fs::write(state.draft_path(), r#"{"version": 99, "future": true}"#).unwrap();
        let Loaded::SetAside { reason, moved_to } = state.load_draft() else {
            panic!("expected set aside")
        };
        assert!(reason.contains("newer exoset"), "{reason}");
        assert!(moved_to.exists());
    }

    fn entry(before: Value, after: Value, sent: Value) -> HistoryEntry {
        HistoryEntry {
            id: 0,
            time: 1,
            profile: "prod".into(),
            tenant: "t".into(),
            request_id: Some("r".into()),
            sent,
            before,
            after,
            outcomes: BTreeMap::new(),
            rollback_of: None,
        }
    }

    #[test]
    fn history_assigns_ids_and_keeps_only_the_newest() {
        let (_tmp, state) = dir();
        for i in 0..5 {
            let e = entry(
                json!({}),
                json!({"common": {"deletion_time": i}}),
                json!({}),
            );
            let (id, warning) = state.record(e, 3).unwrap();
            assert_eq!(id, i + 1);
            assert!(warning.is_none());
        }
        let Loaded::Found(history) = state.load_history() else {
            panic!("no history")
        };
        let ids: Vec<u64> = history.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![3, 4, 5]);
    }

    #[test]
    fn a_corrupt_history_is_set_aside_and_a_new_one_started() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        std::fs::write(state.history_path(), "not json").unwrap();
        let (id, warning) = state
            .record(entry(json!({}), json!({}), json!({})), 10)
            .unwrap();
        assert_eq!(id, 1);
        assert!(warning.unwrap().contains("corrupt"));
        let aside: Vec<_> = std::fs::read_dir(state.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("unreadable"))
            .collect();
        assert_eq!(aside.len(), 1);
    }

    #[test]
    fn a_history_entry_knows_which_keys_its_put_changed() {
        let e = entry(
            json!({"common": {"timezone": "IST", "deletion_time": 10}}),
            json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
            json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
        );
        let changed = e.changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].0, lookup_path("common.timezone").unwrap());
        assert_eq!(changed[0].1.as_deref(), Some("IST"));
    }

    #[test]
    fn the_last_read_round_trips() {
        let (_tmp, state) = dir();
        assert!(matches!(state.load_last_read(), Loaded::Missing));
        state.save_last_read(&base()).unwrap();
        let Loaded::Found((_, settings)) = state.load_last_read() else {
            panic!("no last read")
        };
        assert_eq!(settings, base());
    }
}
