//! `exoset doctor`: the first command to run on a machine where something does
//! not work. It checks the config file, the keyrings, the credentials of the
//! chosen profile, the way to the server (proxy, DNS, TCP, TLS, one
//! authenticated GET, the clock) and the terminal (locale, TERM, colours,
//! OSC 52), and prints each as ok / warn / fail with what to do about it.
//!
//! Rules it keeps:
//! - every probe has its own short time limit and says which one ran out, so
//!   doctor never hangs (a locked Secret Service, a dead proxy, a firewall
//!   that drops packets);
//! - it never prints the token, the Authorization header or any keyring
//!   secret, and proxy passwords are masked;
//! - text from outside (environment values, server messages) goes through
//!   [`crate::text::safe`]; doctor's own words are plain ASCII, since the
//!   locale it runs under may not be UTF-8.
//!
//! Keyrings are looked at only through the public API of
//! [`crate::keystore`], including whether the Secret Service's default
//! collection is locked ([`crate::keystore::probe_secret_service`]).

use super::{Cli, Failure};
use crate::api::client::DEFAULT_BASE_URL;
use crate::exit;
use crate::text::safe;
use account::account_check;
use config::config_checks;
use keyring::keyring_checks;
use network::network_checks;
pub(super) use profiles::run_profiles;
pub(super) use proxy::redact_proxy;
use proxy::shown_base_url;
use serde::Serialize;
use std::time::Duration;
use terminal::terminal_checks;

mod account;
mod config;
mod keyring;
mod network;
mod profiles;
mod proxy;
mod terminal;
#[cfg(test)]
mod tests;

/// How long each probe may take.
const DNS_LIMIT: Duration = Duration::from_secs(3);
const TCP_LIMIT: Duration = Duration::from_secs(3);
const TLS_LIMIT: Duration = Duration::from_secs(5);
const GET_LIMIT: Duration = Duration::from_secs(8);
/// The Secret Service probe, kernel-keyring probe and store choice.
const KEYRING_LIMIT: Duration = Duration::from_secs(3);
/// Resolving credentials may run a token_command or read a keyring.
const CREDENTIALS_LIMIT: Duration = Duration::from_secs(10);
/// How much longer than [`CREDENTIALS_LIMIT`] doctor waits for a
/// token_command killed at that limit to be reported.
const CREDENTIALS_GRACE: Duration = Duration::from_secs(2);
/// How long the terminal may take to answer the OSC 52 query.
const OSC52_LIMIT: Duration = Duration::from_millis(800);
/// A clock this far from the server's is worth a warning.
const SKEW_WARN_SECS: i64 = 60;

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// Not run: it does not apply here, or something it needs failed.
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable name for scripts, e.g. `network.dns`.
    pub id: &'static str,
    /// Short name for people, e.g. `DNS`.
    pub title: &'static str,
    pub status: Status,
    /// What was found.
    pub summary: String,
    /// What to do about it (or, for an ok, what to keep in mind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// Whether the probe ran out of time.
    pub timed_out: bool,
}

impl Check {
    fn new(
        id: &'static str,
        title: &'static str,
        status: Status,
        summary: impl Into<String>,
    ) -> Check {
        Check {
            id,
            title,
            status,
            summary: summary.into(),
            hint: None,
            elapsed_ms: None,
            timed_out: false,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = Some(hint.into());
        self
    }

    fn took(mut self, elapsed: Duration) -> Check {
        self.elapsed_ms = Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        self
    }

    fn timed_out(mut self) -> Check {
        self.timed_out = true;
        self
    }

    fn group(&self) -> &'static str {
        match self.id.split('.').next().unwrap_or("") {
            "config" => "Config",
            "keyring" => "Keyring",
            "account" => "Account",
            "network" => "Network",
            "server" => "Server",
            "terminal" => "Terminal",
            _ => "Other",
        }
    }
}

/// Collects the checks; in human mode prints each as it is made, so a slow
/// probe shows where the time goes.
struct Report {
    checks: Vec<Check>,
    json: bool,
    color: bool,
}

impl Report {
    fn new(json: bool) -> Report {
        Report {
            checks: Vec::new(),
            json,
            color: coloured(json),
        }
    }

    fn add(&mut self, check: Check) {
        if !self.json {
            let new_group = self
                .checks
                .last()
                .is_none_or(|c| c.group() != check.group());
            if new_group {
                println!("\n{}", check.group());
            }
            println!("{}", render_line(&check, self.color));
        }
        self.checks.push(check);
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    fn failed(&self, id: &str) -> bool {
        self.checks
            .iter()
            .any(|c| c.id == id && c.status == Status::Fail)
    }
}

/// The printed form of one check: status, title, summary, and the hint on
/// the next line.
fn render_line(check: &Check, color: bool) -> String {
    use crossterm::style::Stylize;
    let label = format!("{:<4}", check.status.label());
    let label = if color {
        match check.status {
            Status::Ok => label.green().to_string(),
            Status::Warn => label.yellow().to_string(),
            Status::Fail => label.red().bold().to_string(),
            Status::Skip => label.dark_grey().to_string(),
        }
    } else {
        label
    };
    let took = match check.elapsed_ms {
        Some(ms) if check.status != Status::Skip => format!(" ({ms} ms)"),
        _ => String::new(),
    };
    let mut line = format!(
        "  {label}  {:<15} {}{took}",
        format!("{}:", check.title),
        check.summary
    );
    if let Some(hint) = &check.hint {
        let lead = if matches!(check.status, Status::Warn | Status::Fail) {
            "fix: "
        } else {
            "note: "
        };
        line.push_str(&format!("\n  {:<4}  {:<15} {lead}{hint}", "", ""));
    }
    line
}

/// `exoset doctor [--json]`: exit 0 when no check fails, 1 otherwise.
/// Colour for the human report: on a terminal, unless NO_COLOR.
fn coloured(json: bool) -> bool {
    use std::io::IsTerminal;
    !json
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn run(cli: &Cli, json: bool) -> Result<(), Failure> {
    let mut report = Report::new(json);
    let overrides = cli.overrides();
    let selected = crate::auth::select(&overrides);
    let profile = match &selected {
        Ok(s) => s.profile.clone(),
        Err(_) => overrides
            .profile
            .clone()
            .or_else(|| env("EXOSET_PROFILE"))
            .unwrap_or_else(|| crate::config::DEFAULT_PROFILE.to_owned()),
    };
    let base_url = match &selected {
        Ok(s) => s.base_url.clone(),
        Err(_) => overrides
            .base_url
            .clone()
            .or_else(|| env("EXOSET_BASE_URL"))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
    };
    if !json {
        println!(
            "exoset {} doctor: this machine, profile {}, server {}",
            env!("CARGO_PKG_VERSION"),
            quoted(&profile),
            shown_base_url(&base_url)
        );
    }

    config_checks(&mut report);
    keyring_checks(&mut report, selected.as_ref().ok());
    let credentials = account_check(&mut report, &overrides, &selected);
    // Ctrl-C at a token_command's prompt ends doctor, as it ends any command.
    if let Err(e) = &credentials {
        return Err(Failure::new(e.code, safe(&e.message)));
    }
    let credentials = credentials.ok().flatten();
    let client_options = cli.client_options().unwrap_or_default();
    network_checks(
        &mut report,
        &base_url,
        credentials.as_ref(),
        &client_options,
    );
    terminal_checks(&mut report);

    let (fails, warns) = (report.count(Status::Fail), report.count(Status::Warn));
    if json {
        let value = serde_json::json!({
            "exoset": env!("CARGO_PKG_VERSION"),
            "profile": safe(&profile),
            "base_url": shown_base_url(&base_url),
            "ok": fails == 0,
            "counts": {
                "ok": report.count(Status::Ok),
                "warn": warns,
                "fail": fails,
                "skip": report.count(Status::Skip),
            },
            "checks": report.checks,
        });
        print!("{}", crate::text::json_pretty(&value));
    } else {
        println!();
        println!("{}", verdict(fails, warns));
    }
    ending(fails)
}

/// Exit 1 when any check failed.
fn ending(fails: usize) -> Result<(), Failure> {
    if fails > 0 {
        Err(Failure::new(
            exit::NETWORK,
            format!("doctor: {} failed", crate::text::count(fails, "check")),
        ))
    } else {
        Ok(())
    }
}

fn verdict(fails: usize, warns: usize) -> String {
    use crate::text::count;
    match (fails, warns) {
        (0, 0) => "All checks passed: exoset should work here.".to_owned(),
        (0, w) => format!(
            "No failures, {}: exoset should work here; the fixes above make it better.",
            count(w, "warning")
        ),
        (f, w) => format!(
            "{} and {}: start with the first FAIL above; its fix line says what to do.",
            count(f, "failure"),
            count(w, "warning")
        ),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `"name"` with anything hostile made visible.
fn quoted(text: &str) -> String {
    format!("\"{}\"", safe(text))
}

pub(super) use crate::keystore::helper::Unanswered;

/// Runs `f` on a helper thread and waits at most `limit` for it. A call that
/// runs late is abandoned (it ends with the process): the report goes on.
fn bounded<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Unanswered> {
    crate::keystore::helper::bounded("exoset-doctor", limit, f)
}

fn secs(limit: Duration) -> String {
    format!("{:.1} s", limit.as_secs_f64())
}
