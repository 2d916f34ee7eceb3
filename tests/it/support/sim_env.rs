//! The real binary against an in-process simulator, with a private
//! EXOSET_HOME and the simulator's credentials in the environment.

#![allow(dead_code)]

use exoset_core::schema::lookup_path;
use exoset_sim::{SimConfig, Simulator};
use std::io::Write;
use std::process::{Command, Stdio};

pub struct Env {
    pub sim: Simulator,
    pub home: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn start(config: SimConfig) -> Env {
        Env {
            sim: Simulator::start_background(config).unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn demo() -> Env {
        Env::start(SimConfig::demo())
    }

    /// `exoset ARGS` with this home and the simulator's credentials, its
    /// stdin, stdout and stderr piped, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let demo = SimConfig::demo();
        let mut command = Command::new(env!("CARGO_BIN_EXE_exoset"));
        command
            .args(args)
            .env("EXOSET_HOME", self.home.path())
            .env("EXOSET_BASE_URL", self.sim.base_url())
            .env("EXOSET_TENANT_SID", self.sim.sid())
            .env("EXOSET_API_KEY", &demo.api_key)
            .env("EXOSET_API_TOKEN", &demo.api_token)
            .env_remove("EXOSET_PROFILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `exoset ARGS`, feeding `stdin` when given (else an empty stdin).
    pub fn exoset(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = self.command(args).spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            // The program may exit before reading; that is its answer.
            let _ = pipe.write_all(text.as_bytes());
        }
        drop(pipe);
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The simulator's current value of `section.key`.
    pub fn value(&self, path: &str) -> Option<String> {
        self.sim
            .settings()
            .get(lookup_path(path).unwrap())
            .map(str::to_string)
    }

    /// Changes a value on the server behind the client's back.
    pub fn set_behind_our_back(&self, path: &str, value: &str) {
        let id = lookup_path(path).unwrap();
        self.sim.modify(|s| s.set(id, value));
    }
}

pub fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
}
