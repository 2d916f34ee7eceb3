//! What the simulator holds: each tenant's settings, counts and faults, and the state file.

use crate::config::Quirks;
use crate::faults::Fault;
use crate::settings::Settings;
use serde_json::Value;
use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub(crate) struct Shared {
    pub(crate) sid: String,
    pub(crate) api_key: String,
    pub(crate) api_token: String,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) latency: Duration,
    /// Requests a second answered before 429s (see `SimConfig::rate_limit`).
    pub(crate) rate_limit: Option<u32>,
    pub(crate) log: bool,
    pub(crate) ids: RequestIds,
    pub(crate) state: Mutex<SimState>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, SimState> {
        // A panic elsewhere must not take the simulator down with it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) struct SimState {
    /// Every tenant served, the first (`Shared::sid`) first; never empty.
    pub(crate) tenants: Vec<(String, Tenant)>,
    pub(crate) quirks: Quirks,
    /// Every PUT and GET received, whichever tenant (if any) they were for.
    pub(crate) put_count: usize,
    pub(crate) get_count: usize,
    pub(crate) last_put_body: Option<Value>,
    /// Faults for the next requests, whatever they are for.
    pub(crate) faults: VecDeque<Fault>,
    /// The rate limit's current one-second window: when it began, and the
    /// requests let through in it.
    pub(crate) rate_window: Option<(std::time::Instant, u32)>,
}

impl SimState {
    pub(crate) fn tenant(&mut self, sid: &str) -> Option<&mut Tenant> {
        self.tenants
            .iter_mut()
            .find(|(s, _)| s == sid)
            .map(|(_, tenant)| tenant)
    }

    /// Whether one more request fits in the rate limit's current
    /// one-second window (`limit` a second); counts it when it does.
    pub(crate) fn admit(&mut self, limit: u32, now: std::time::Instant) -> bool {
        match &mut self.rate_window {
            Some((start, used)) if now.duration_since(*start) < Duration::from_secs(1) => {
                if *used >= limit {
                    return false;
                }
                *used += 1;
                true
            }
            _ => {
                self.rate_window = Some((now, 1));
                limit > 0
            }
        }
    }

    pub(crate) fn primary(&mut self) -> &mut Tenant {
        if self.tenants.is_empty() {
            // Cannot happen (start puts the first tenant in); keep it total.
            self.tenants
                .push((String::new(), Tenant::new(Settings::default())));
        }
        &mut self.tenants[0].1
    }
}

/// One tenant's settings, what reached it, and the faults queued for it.
pub(crate) struct Tenant {
    pub(crate) settings: Settings,
    pub(crate) put_count: usize,
    /// PUTs accepted and applied (a refused or rate-limited one is not).
    pub(crate) applied_count: usize,
    pub(crate) get_count: usize,
    pub(crate) faults: VecDeque<Fault>,
}

impl Tenant {
    pub(crate) fn new(settings: Settings) -> Tenant {
        Tenant {
            settings,
            put_count: 0,
            applied_count: 0,
            get_count: 0,
            faults: VecDeque::new(),
        }
    }
}

/// UUID-shaped request ids: a random prefix per simulator and a counter, so
/// every id is unique.
pub(crate) struct RequestIds {
    pub(crate) prefix: u64,
    pub(crate) next: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> RequestIds {
        RequestIds {
            prefix: RandomState::new().hash_one(std::process::id()),
            next: AtomicU64::new(1),
        }
    }

    pub(crate) fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let p = self.prefix;
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            p >> 32,
            (p >> 16) & 0xffff,
            p & 0xfff,
            0x8000 | ((n >> 48) & 0x3fff),
            n & 0xffff_ffff_ffff
        )
    }
}

/// The saved settings, `None` when there is no file yet.
pub(crate) fn load_state(path: &Path) -> io::Result<Option<Settings>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot read the state file {}: {e}", path.display()),
            ));
        }
    };
    Settings::from_json_text(&text).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the state file {} does not hold settings: {e}",
                path.display()
            ),
        )
    })
}

/// Writes the settings in the PUT-body shape atomically: a 0600 temporary
/// file in the same folder, flushed, renamed over the old one, so a crash
/// leaves either the old or the new file, never half of one. (The
/// simulator's own writer: it does not depend on the engine, whose
/// `config::write_private` does the same for exoset's files.)
pub(crate) fn save_state(path: &Path, settings: &Settings) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(&settings.to_json()).map_err(io::Error::other)?;
    text.push('\n');
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut folders = std::fs::DirBuilder::new();
    folders.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folders, 0o700);
    folders.create(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".exoset-sim-")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
