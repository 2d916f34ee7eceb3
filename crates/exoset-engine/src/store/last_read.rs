//! The last settings read of a tenant (for `--expect-unchanged`).

use super::{FORMAT_VERSION, Loaded, StateDir, load, now_secs, save};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct LastRead {
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
