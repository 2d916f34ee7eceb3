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

use crate::config::{Paths, create_private_dir, read_own_file, write_private};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

mod drafts;
mod history;
mod last_read;
#[cfg(test)]
mod tests;

pub use drafts::*;
pub use history::*;

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
    /// Another exoset edits this tenant: its pid, since when (Unix secs),
    /// and who runs it, as its environment said.
    Held {
        pid: u32,
        since: u64,
        by: Option<crate::actor::Actor>,
    },
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
