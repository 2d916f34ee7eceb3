//! State on disk, per profile and tenant: the draft of unsent edits, the
//! history of PUTs sent (answered, or with the answer lost: `unknown` until a
//! later read settles it), and the last settings read.
//!
//! Every file is JSON with a `version`, written atomically (temp file + rename)
//! with mode 0600. A file that cannot be read — corrupt, or written by a newer
//! exoset — is renamed aside and reported, never deleted and never a crash;
//! a history that cannot be read at all (over 16 MiB, not a regular file) is
//! moved aside before a new one is written, or nothing is recorded. The lock
//! files are opened like the state files are read (no symlink followed,
//! regular files only) and created 0600, and a state folder that is not the
//! user's own or that others may write to is refused, by name.

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
        self.ready()?;
        let file = open_lock_file(&self.file(".lock"))?;
        file.lock()?;
        Ok(StateLock { _file: file })
    }

    /// Makes the folder (0700) when missing, and checks that it and the
    /// folders above it up to the data folder are the user's own and not
    /// writable by anyone else: in a folder others may write, they could
    /// plant a link where exoset writes. The error names the folder.
    fn ready(&self) -> io::Result<()> {
        create_private_dir(&self.dir)?;
        #[cfg(unix)]
        {
            // `dir` is data/state/<profile>/<tenant>: check it and three up.
            for folder in self.dir.ancestors().take(4) {
                check_own_folder(folder)?;
            }
        }
        Ok(())
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Refuses a state folder that is not the user's own or that others may
/// write to.
#[cfg(unix)]
fn check_own_folder(folder: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let shown = || crate::text::safe(&folder.display().to_string()).into_owned();
    let meta = std::fs::metadata(folder)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot look at {}: {e}", shown())))?;
    if !meta.is_dir() {
        return Err(io::Error::other(format!("{} is not a folder", shown())));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} belongs to user id {}, not to you (user id {me}); exoset keeps its state \
                 only in folders of your own",
                shown(),
                meta.uid()
            ),
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} can be written by other users (mode {:o}); exoset keeps its state only in \
                 folders nobody else can write to (`chmod go-w` it, or 700)",
                shown(),
                meta.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Opens (creating it at mode 0600) a lock file the way state files are
/// read: a symbolic link is refused, not followed, and only a regular file
/// is taken; nothing is truncated on open. An older exoset's lock file made
/// 0644 is narrowed to 0600.
fn open_lock_file(path: &Path) -> io::Result<std::fs::File> {
    let shown = || crate::text::safe(&path.display().to_string()).into_owned();
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: a symlink fails to open; O_NONBLOCK: a FIFO does not
        // block the open (it is then refused as not a regular file).
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return io::Error::other(format!(
                "{} is a symbolic link, which exoset does not follow; remove it",
                shown()
            ));
        }
        io::Error::new(e.kind(), format!("cannot open {}: {e}", shown()))
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file; remove it",
            shown()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
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
        self.ready()?;
        let mut file = open_lock_file(&self.file("editor.lock"))?;
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
        }
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
        self.ready()?;
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
            outcome: Outcome::Answered,
            settled_at: None,
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

    /// A planted link named `.lock` or `editor.lock` is refused, and the
    /// file it points at keeps its bytes and its mode.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
        use std::os::unix::fs::PermissionsExt;
        for name in [".lock", "editor.lock"] {
            let (tmp, state) = dir();
            std::fs::create_dir_all(state.path()).unwrap();
            let target = tmp.path().join("precious");
            std::fs::write(&target, "keep me\n").unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
            std::os::unix::fs::symlink(&target, state.path().join(name)).unwrap();
            let err = if name == ".lock" {
                state.lock().map(|_| ()).unwrap_err()
            } else {
                state.claim_editor().map(|_| ()).unwrap_err()
            };
            let text = err.to_string();
            assert!(text.contains("symbolic link"), "{text}");
            assert!(text.contains(name), "{text}");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
            // And nothing that takes the lock writes through it either.
            if name == ".lock" {
                let draft = Draft::new("prod", "acme/1", &base(), &Edits::default());
                assert!(state.save_draft(&draft).is_err());
            }
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
        }
    }

    #[cfg(unix)]
    #[test]
    fn lock_files_are_made_0600_and_an_old_0644_one_is_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, state) = dir();
        let mode = |name: &str| {
            std::fs::metadata(state.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        drop(state.lock().unwrap());
        let Claim::Mine(claim) = state.claim_editor().unwrap() else {
            panic!("not claimed")
        };
        drop(claim);
        assert_eq!(mode(".lock"), 0o600);
        assert_eq!(mode("editor.lock"), 0o600);
        std::fs::set_permissions(
            state.path().join(".lock"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        drop(state.lock().unwrap());
        assert_eq!(mode(".lock"), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_state_folder_others_can_write_is_refused_naming_it() {
        use std::os::unix::fs::PermissionsExt;
        for (level, perm) in [(0, 0o770), (1, 0o702), (3, 0o775)] {
            let (_tmp, state) = dir();
            std::fs::create_dir_all(state.path()).unwrap();
            let folder = state.path().ancestors().nth(level).unwrap().to_path_buf();
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(perm)).unwrap();
            for result in [
                state.lock().map(|_| ()),
                state.claim_editor().map(|_| ()),
                state.save_last_read(&base()),
                state
                    .record(entry(json!({}), json!({}), json!({})), 10)
                    .map(|_| ()),
            ] {
                let text = result.unwrap_err().to_string();
                assert!(text.contains(&folder.display().to_string()), "{text}");
                assert!(text.contains("can be written by other users"), "{text}");
            }
            assert!(!state.path().join(".lock").exists());
            assert!(!state.history_path().exists());
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
            drop(state.lock().unwrap());
        }
        // A folder of another user's (only root can make one to test with).
        if rustix::process::geteuid().is_root() {
            let (_tmp, state) = dir();
            std::fs::create_dir_all(state.path()).unwrap();
            std::os::unix::fs::chown(state.path(), Some(65534), None).unwrap();
            let text = state.lock().map(|_| ()).unwrap_err().to_string();
            assert!(text.contains("belongs to user id 65534"), "{text}");
            assert!(text.contains(&state.path().display().to_string()), "{text}");
        }
    }

    /// A history over the 16 MiB cap cannot be read; the next record moves
    /// it aside for real (its bytes intact), starts a new one, and says where
    /// the old one went.
    #[test]
    fn an_over_cap_history_is_moved_aside_and_a_new_one_started() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        let big = usize::try_from(crate::config::MAX_FILE_BYTES).unwrap() + 10;
        std::fs::write(state.history_path(), vec![b' '; big]).unwrap();
        let (id, warning) = state
            .record(entry(json!({}), json!({}), json!({})), 10)
            .unwrap();
        assert_eq!(id, 1);
        let warning = warning.unwrap();
        let aside: Vec<PathBuf> = std::fs::read_dir(state.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("history.json.unreadable"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert!(warning.contains("larger than 16 MiB"), "{warning}");
        assert!(
            warning.contains(&format!("moved to {}", aside[0].display())),
            "{warning}"
        );
        assert_eq!(std::fs::metadata(&aside[0]).unwrap().len(), big as u64);
        let Loaded::Found(history) = state.load_history() else {
            panic!("no new history")
        };
        assert_eq!(history.entries.len(), 1);
    }

    /// Not a regular file (here a folder of that name): moved aside too,
    /// with what was in it, and a new history started.
    #[test]
    fn a_history_that_is_not_a_regular_file_is_moved_aside_too() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.history_path()).unwrap();
        std::fs::write(state.history_path().join("inside"), "x").unwrap();
        let (_, warning) = state
            .record(entry(json!({}), json!({}), json!({})), 10)
            .unwrap();
        let warning = warning.unwrap();
        assert!(warning.contains("not a regular file"), "{warning}");
        assert!(warning.contains("moved to"), "{warning}");
        assert!(matches!(state.load_history(), Loaded::Found(h) if h.entries.len() == 1));
    }

    fn unknown_entry() -> HistoryEntry {
        HistoryEntry::unknown(
            "prod",
            "t",
            json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
            &base(),
        )
    }

    fn now(timezone: &str, deletion_time: u64) -> Settings {
        Settings::from_json(
            &json!({"common": {"timezone": timezone, "deletion_time": deletion_time}}),
        )
        .unwrap()
    }

    #[test]
    fn an_unknown_entry_is_settled_by_the_next_read_once() {
        // The server holds what was sent: applied, and `after` is that read.
        let mut e = unknown_entry();
        assert_eq!(e.changed().len(), 1, "timezone only: deletion_time was 10");
        let settled = e.settle(&now("UTC", 10)).unwrap();
        assert_eq!(settled.outcome, Outcome::Applied);
        assert!(
            settled.describe().contains("recorded as applied"),
            "{}",
            settled.describe()
        );
        assert_eq!(e.outcome, Outcome::Applied);
        assert_eq!(e.after, now("UTC", 10).to_json());
        assert_eq!(e.changed()[0].1.as_deref(), Some("IST"));
        assert_eq!(e.changed()[0].2.as_deref(), Some("UTC"));
        assert!(e.settle(&now("IST", 10)).is_none(), "settled once");
        // The old values: not applied.
        let mut e = unknown_entry();
        assert_eq!(
            e.settle(&now("IST", 99)).unwrap().outcome,
            Outcome::NotApplied
        );
        // Neither: stays unknown, said once, never looked at again.
        let mut e = unknown_entry();
        let settled = e.settle(&now("GMT", 10)).unwrap();
        assert_eq!(settled.outcome, Outcome::Unknown);
        assert_eq!(settled.mixed, vec!["common.timezone".to_string()]);
        assert!(
            settled.describe().contains("stays unknown"),
            "{}",
            settled.describe()
        );
        assert!(e.settled_at.is_some());
        assert_eq!(e.after, Value::Null);
        assert!(e.settle(&now("UTC", 10)).is_none());
        // Answered entries are never touched.
        let mut answered = entry(json!({}), json!({}), json!({}));
        assert!(answered.settle(&now("UTC", 10)).is_none());
    }

    #[test]
    fn the_history_settles_waiting_entries_and_writes_only_then() {
        let (_tmp, state) = dir();
        state
            .record(entry(json!({}), json!({}), json!({})), 10)
            .unwrap();
        let before = std::fs::read(state.history_path()).unwrap();
        assert_eq!(state.settle(&now("UTC", 10)).unwrap(), vec![]);
        assert_eq!(std::fs::read(state.history_path()).unwrap(), before);
        let (id, _) = state.record(unknown_entry(), 10).unwrap();
        let settled = state.settle(&now("UTC", 10)).unwrap();
        assert_eq!(settled.len(), 1);
        assert_eq!((settled[0].id, settled[0].outcome), (id, Outcome::Applied));
        assert_eq!(state.settle(&now("UTC", 10)).unwrap(), vec![]);
        let Loaded::Found(history) = state.load_history() else {
            panic!("no history")
        };
        assert_eq!(history.find(id).unwrap().outcome, Outcome::Applied);
    }

    #[test]
    fn outcomes_read_and_write_as_the_format_says() {
        // An entry written before outcomes existed reads as answered.
        let old = json!({"id": 1, "time": 1, "profile": "p", "tenant": "t",
            "request_id": null, "sent": {}, "before": {}, "after": {}});
        let e: HistoryEntry = serde_json::from_value(old).unwrap();
        assert_eq!(e.outcome, Outcome::Answered);
        assert!(serde_json::to_value(&e).unwrap().get("outcome").is_none());
        let mut u = unknown_entry();
        let wire = serde_json::to_value(&u).unwrap();
        assert_eq!(wire["outcome"], "unknown");
        assert_eq!(wire["after"], Value::Null);
        u.outcome = Outcome::NotApplied;
        assert_eq!(serde_json::to_value(&u).unwrap()["outcome"], "not applied");
        let back: HistoryEntry = serde_json::from_value(serde_json::to_value(&u).unwrap()).unwrap();
        assert_eq!(back, u);
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
