//! The real binary on a multi-tenant simulator with one profile per tenant
//! (`p1` … `pN`) in a private EXOSET_HOME, tokens from a token_command, and
//! the environment a person on a jump host would have (`USER`, `SUDO_USER`,
//! `SSH_CONNECTION`); no `EXOSET_*` credentials.

#![allow(dead_code)]

use exoset_core::schema::lookup_path;
use exoset_sim::{SimConfig, Simulator};
use std::process::{Command, Stdio};

pub struct Profiles {
    pub sim: Simulator,
    pub home: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub const TAG: &str = "common.aparty_tag";

impl Profiles {
    /// Profiles `p1` … `pN` on tenants 1 … N; `extra[i]` is added to the
    /// profile `p{i+1}`'s entry (a mode, a label).
    pub fn start(extra: &[&str]) -> Profiles {
        Profiles::start_with(SimConfig::fleet(extra.len()), extra)
    }

    /// [`Profiles::start`] on a simulator started from `config` (which
    /// serves at least `extra.len()` tenants).
    pub fn start_with(config: SimConfig, extra: &[&str]) -> Profiles {
        let sim = Simulator::start_background(config).unwrap();
        let home = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for (i, (sid, more)) in sim.sids().iter().zip(extra).enumerate() {
            text.push_str(&format!(
                "[profiles.p{}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
                 base_url = \"{}\"\ntoken_command = \"echo demo-token\"\n{more}\n\n",
                i + 1,
                sim.base_url()
            ));
        }
        std::fs::write(home.path().join("config.toml"), text).unwrap();
        Profiles { sim, home }
    }

    pub fn exoset(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", self.home.path())
            .env("USER", "alice")
            .env("SUDO_USER", "bob")
            .env("SSH_CONNECTION", "10.9.8.7 50000 10.0.0.1 22")
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_BASE_URL")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Puts `line` at the top of config.toml (a top-level setting).
    pub fn config_top(&self, line: &str) {
        let path = self.home.path().join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, format!("{line}\n{text}")).unwrap();
    }

    /// PUTs to tenant `n` that were applied.
    pub fn applied(&self, n: usize) -> usize {
        self.sim.applied_count_of(&self.sid(n))
    }

    pub fn sid(&self, n: usize) -> String {
        self.sim.sids()[n - 1].clone()
    }

    pub fn puts(&self, n: usize) -> usize {
        self.sim.put_count_of(&self.sid(n))
    }

    pub fn tag(&self, n: usize) -> Option<String> {
        self.sim
            .settings_of(&self.sid(n))
            .unwrap()
            .get(lookup_path(TAG).unwrap())
            .map(str::to_string)
    }
}
