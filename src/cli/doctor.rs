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
use crate::api::client::{DEFAULT_BASE_URL, is_loopback};
use crate::api::{Client, ClientOptions};
use crate::auth::{Selected, TokenSource};
use crate::exit;
use crate::keystore::{STORE_ENV, StoreKind, TokenStore};
use crate::text::safe;
use hyper_util::client::proxy::matcher::Matcher;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

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
pub fn run(cli: &Cli, json: bool) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let color = !json
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut report = Report {
        checks: Vec::new(),
        json,
        color,
    };
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

/// Why a bounded call did not give an answer.
#[derive(Debug, PartialEq, Eq)]
enum Unanswered {
    TimedOut,
    NoThread(String),
}

/// Runs `f` on a helper thread and waits at most `limit` for it. A call that
/// runs late is abandoned (it ends with the process): the report goes on.
fn bounded<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Unanswered> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("exoset-doctor".to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| Unanswered::NoThread(e.to_string()))?;
    rx.recv_timeout(limit).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => Unanswered::TimedOut,
        mpsc::RecvTimeoutError::Disconnected => {
            Unanswered::NoThread("the helper thread failed".to_owned())
        }
    })
}

fn secs(limit: Duration) -> String {
    format!("{:.1} s", limit.as_secs_f64())
}

// ---------------------------------------------------------------- config --

fn config_checks(report: &mut Report) {
    let paths = match crate::config::Paths::from_env() {
        Ok(paths) => paths,
        Err(e) => {
            report.add(
                Check::new(
                    "config.file",
                    "config file",
                    Status::Fail,
                    safe(&e.to_string()),
                )
                .hint("set EXOSET_HOME to a folder exoset may use"),
            );
            return;
        }
    };
    let home_note = env("EXOSET_HOME").map(|h| format!(" (EXOSET_HOME={})", safe(&h)));
    let file = &paths.config_file;
    let shown = safe(&file.display().to_string()).into_owned();
    match std::fs::metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report.add(
                Check::new(
                    "config.file",
                    "config file",
                    Status::Ok,
                    format!(
                        "none yet at {shown}{}",
                        home_note.clone().unwrap_or_default()
                    ),
                )
                .hint("`exoset auth login` creates it; until then credentials come from EXOSET_* variables"),
            );
        }
        Err(e) => report.add(
            Check::new(
                "config.file",
                "config file",
                Status::Fail,
                format!("cannot read {shown}: {e}"),
            )
            .hint(format!("check the permissions of {shown} and its folders")),
        ),
        Ok(meta) => report.add(config_file_check(file, &shown, &meta, home_note.as_deref())),
    }
    report.add(state_check(&paths.data_dir));
}

fn mode_of(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

fn config_file_check(
    file: &std::path::Path,
    shown: &str,
    meta: &std::fs::Metadata,
    home_note: Option<&str>,
) -> Check {
    let mode = mode_of(meta);
    let mode_text = mode.map(|m| format!(", mode {m:04o}")).unwrap_or_default();
    let home_note = home_note.unwrap_or_default();
    match crate::config::Config::load(file) {
        Err(e) => Check::new(
            "config.file",
            "config file",
            Status::Fail,
            format!(
                "{shown}{mode_text}{home_note} does not parse: {}",
                safe(&e.message)
            ),
        )
        .hint(match e.line {
            Some(line) => format!(
                "fix line {line} of {shown} (exoset never overwrites a file it cannot read)"
            ),
            None => format!("fix {shown} (exoset never overwrites a file it cannot read)"),
        }),
        Ok(config) => {
            let profiles = config.profiles.len();
            let default = config
                .default_profile
                .as_deref()
                .map(|d| format!(", default {}", quoted(d)))
                .unwrap_or_default();
            let summary = format!(
                "{shown}{mode_text}{home_note}: parses, {}{default}",
                crate::text::count(profiles, "profile")
            );
            match mode {
                Some(m) if m & 0o077 != 0 => Check::new(
                    "config.file",
                    "config file",
                    Status::Warn,
                    format!("{summary}; other users on this host can read it"),
                )
                .hint(format!(
                    "chmod 600 {shown} (it holds no token, but it names your tenants and API keys)"
                )),
                _ => Check::new("config.file", "config file", Status::Ok, summary),
            }
        }
    }
}

fn state_check(dir: &std::path::Path) -> Check {
    let shown = safe(&dir.display().to_string()).into_owned();
    if !dir.exists() {
        return Check::new(
            "config.state",
            "state folder",
            Status::Ok,
            format!("{shown} (drafts, history, last read): created on first use"),
        );
    }
    match tempfile::tempfile_in(dir) {
        Ok(_) => Check::new(
            "config.state",
            "state folder",
            Status::Ok,
            format!("{shown} (drafts, history, last read): writable"),
        ),
        Err(e) => Check::new(
            "config.state",
            "state folder",
            Status::Fail,
            format!("{shown} is not writable: {e}; unsent edits could not be kept as drafts"),
        )
        .hint(format!(
            "make {shown} writable by you, or set EXOSET_HOME to a folder that is"
        )),
    }
}

// --------------------------------------------------------------- keyring --

fn keyring_checks(report: &mut Report, selected: Option<&Selected>) {
    if cfg!(target_os = "linux") {
        report.add(secret_service_check());
        report.add(kernel_keyring_check());
    }
    // A missing keyring only matters when the token must come from one.
    let token_elsewhere = if env("EXOSET_API_TOKEN").is_some() {
        Some("EXOSET_API_TOKEN is set")
    } else if selected.is_some_and(|s| s.token_command.is_some()) {
        Some("the profile has a token_command")
    } else {
        None
    };
    report.add(store_check(token_elsewhere));
}

/// Where the session bus is and whether something listens there.
fn session_bus() -> Result<String, Check> {
    let title = "Secret Service";
    let Some(address) = env("DBUS_SESSION_BUS_ADDRESS") else {
        return Err(Check::new(
            "keyring.secret-service",
            title,
            Status::Skip,
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), as is usual over SSH",
        )
        .hint("tokens go to the kernel keyring below; a Secret Service needs a session bus (e.g. `dbus-run-session -- bash` with gnome-keyring unlocked in it)"));
    };
    let shown = safe(&address).into_owned();
    #[cfg(unix)]
    if let Some(path) = address
        .split(',')
        .find_map(|part| part.strip_prefix("unix:path="))
        .and_then(|rest| rest.split(',').next())
        && let Err(e) = std::os::unix::net::UnixStream::connect(path)
    {
        return Err(Check::new(
            "keyring.secret-service",
            title,
            Status::Warn,
            format!("DBUS_SESSION_BUS_ADDRESS={shown}, but nothing answers there ({e}): a value left over from another login?"),
        )
        .hint("unset DBUS_SESSION_BUS_ADDRESS (exoset then uses the kernel keyring), or start a bus with `dbus-run-session -- bash`"));
    }
    Ok(shown)
}

use crate::keystore::SecretServiceCollection as Collection;

fn display() -> Option<String> {
    env("WAYLAND_DISPLAY")
        .map(|d| format!("WAYLAND_DISPLAY={}", safe(&d)))
        .or_else(|| env("DISPLAY").map(|d| format!("DISPLAY={}", safe(&d))))
}

fn secret_service_check() -> Check {
    let id = "keyring.secret-service";
    let title = "Secret Service";
    let bus = match session_bus() {
        Ok(bus) => bus,
        Err(check) => return check,
    };
    let start = Instant::now();
    let answer = bounded(KEYRING_LIMIT, crate::keystore::probe_secret_service);
    let took = start.elapsed();
    match answer {
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Warn,
            format!(
                "the session bus ({bus}) is up, but the Secret Service did not answer within {}",
                secs(KEYRING_LIMIT)
            ),
        )
        .timed_out()
        .took(took)
        .hint(format!("exoset gives up on it after {} and uses the kernel keyring; {STORE_ENV}=keyutils skips it at once", secs(crate::keystore::SECRET_SERVICE_TIMEOUT))),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
        Ok(Err(e)) if e.contains("ServiceUnknown") || e.contains("NameHasNoOwner") => Check::new(
            id,
            title,
            Status::Skip,
            format!("the session bus ({bus}) is up, but nothing on it provides the Secret Service (no gnome-keyring, KeePassXC, ...)"),
        )
        .took(took),
        Ok(Err(e)) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the session bus ({bus}) is up, but asking the Secret Service failed: {}", safe(&e)),
        )
        .took(took)
        .hint(format!("{STORE_ENV}=keyutils makes exoset use the kernel keyring")),
        Ok(Ok(Collection::Unlocked(label))) => Check::new(
            id,
            title,
            Status::Ok,
            format!("answers on the session bus; default collection {} is unlocked", quoted(&label)),
        )
        .took(took),
        Ok(Ok(Collection::Locked(label))) => {
            let summary = format!(
                "answers on the session bus, but its default collection {} is locked",
                quoted(&label)
            );
            match display() {
                Some(display) => Check::new(id, title, Status::Warn, summary)
                    .took(took)
                    .hint(format!(
                        "reading the token will ask to unlock it on {display} and wait up to {}; if nobody sees that screen (ssh -X), unlock it first or set {STORE_ENV}=keyutils",
                        secs(crate::keystore::SECRET_SERVICE_PROMPT_TIMEOUT)
                    )),
                None => Check::new(id, title, Status::Warn, format!("{summary}, and there is no display to unlock it on: exoset skips it"))
                    .took(took)
                    .hint("unlock it (`gnome-keyring-daemon --replace --unlock` reads the password on stdin), or use the kernel keyring below"),
            }
        }
        Ok(Ok(Collection::Missing)) => Check::new(
            id,
            title,
            Status::Warn,
            "answers on the session bus, but has no default collection to keep tokens in",
        )
        .took(took)
        .hint("create one with your keyring's manager (seahorse, KeePassXC), or use the kernel keyring below"),
    }
}

fn kernel_keyring_expiry() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/kernel/keys/persistent_keyring_expiry")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn days(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        crate::text::count(usize::try_from(secs / 86_400).unwrap_or(usize::MAX), "day")
    } else {
        format!("{:.1} hours", secs as f64 / 3600.0)
    }
}

/// Stores, reads back and deletes a throwaway key: opening a keyring is not
/// proof that it takes keys (a container's seccomp profile may refuse).
fn kernel_keyring_probe() -> Result<String, String> {
    use secrecy::{ExposeSecret, SecretString};
    let store = TokenStore::open_kind(StoreKind::Keyutils).map_err(|e| e.to_string())?;
    let name = format!("exoset-doctor-probe-{}", std::process::id());
    let marker = SecretString::from("doctor-probe".to_owned());
    store
        .set(&name, &marker)
        .map_err(|e| format!("it opens, but storing a test key failed: {e}"))?;
    let read = store.get(&name);
    let _ = store.delete(&name);
    match read {
        Ok(Some(back)) if back.expose_secret() == "doctor-probe" => Ok(store.describe()),
        Ok(_) => Err("it opens, but a test key stored in it could not be read back".to_owned()),
        Err(e) => Err(format!("it opens, but reading a test key failed: {e}")),
    }
}

fn kernel_keyring_check() -> Check {
    let id = "keyring.kernel";
    let title = "kernel keyring";
    let start = Instant::now();
    let answer = bounded(KEYRING_LIMIT, kernel_keyring_probe);
    let took = start.elapsed();
    match answer {
        Ok(Ok(describe)) => {
            let forgets = if describe.contains("persistent") {
                match kernel_keyring_expiry() {
                    Some(s) => format!(
                        "forgets at reboot and after {} unused (/proc/sys/kernel/keys/persistent_keyring_expiry)",
                        days(s)
                    ),
                    None => "forgets at reboot and after some days unused".to_owned(),
                }
            } else {
                "forgets at reboot and when your last login session on this host ends".to_owned()
            };
            Check::new(
                id,
                title,
                Status::Ok,
                format!("usable ({}; a test key was stored, read and deleted); {forgets}", safe(&describe)),
            )
            .took(took)
        }
        Ok(Err(e)) => Check::new(id, title, Status::Warn, format!("not usable: {}", safe(&e)))
            .took(took)
            .hint("in a container, allow the keyctl system calls; or keep the token in EXOSET_API_TOKEN or a profile's token_command"),
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Warn,
            format!("did not answer within {}", secs(KEYRING_LIMIT)),
        )
        .timed_out()
        .took(took),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
    }
}

fn store_check(token_elsewhere: Option<&str>) -> Check {
    let id = "keyring.store";
    let title = "token store";
    let forced = env(STORE_ENV)
        .filter(|v| !v.trim().eq_ignore_ascii_case("auto"))
        .map(|v| format!(" (forced by {STORE_ENV}={})", safe(&v)))
        .unwrap_or_default();
    let start = Instant::now();
    // The store's own calls are bounded; this bounds the whole choice too.
    let answer = bounded(KEYRING_LIMIT + KEYRING_LIMIT, || {
        TokenStore::open().map(|store| (store.kind(), store.describe(), store.skipped().to_vec()))
    });
    let took = start.elapsed();
    match answer {
        Ok(Ok((kind, describe, skipped))) => {
            let mut summary = format!("tokens are kept in the {}{forced}", safe(&describe));
            for (kind, why) in &skipped {
                summary.push_str(&format!("; skipped {kind}: {}", safe(why)));
            }
            let check = Check::new(id, title, Status::Ok, summary).took(took);
            match kind.caveat() {
                Some(caveat) => check.hint(caveat),
                None => check,
            }
        }
        Ok(Err(e)) => {
            let status = if token_elsewhere.is_some() {
                Status::Warn
            } else {
                Status::Fail
            };
            let mut summary = format!(
                "no keyring can hold a token here{forced}: {}",
                safe(&e.to_string())
            );
            if let Some(why) = token_elsewhere {
                summary.push_str(&format!(" (not needed now: {why})"));
            }
            Check::new(id, title, status, summary)
                .took(took)
                .hint("keep the token out of files: set EXOSET_API_TOKEN for the session, or give the profile a token_command (e.g. `pass show exotel/acme`) in config.toml")
        }
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Fail,
            format!(
                "choosing a store did not finish within {}{forced}",
                secs(KEYRING_LIMIT + KEYRING_LIMIT)
            ),
        )
        .timed_out()
        .took(took)
        .hint(format!("{STORE_ENV}=keyutils skips the Secret Service")),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
    }
}

// --------------------------------------------------------------- account --

fn describe_source(source: &TokenSource) -> String {
    match source {
        TokenSource::Environment => "EXOSET_API_TOKEN".to_owned(),
        TokenSource::Store(kind) => format!("the {}", kind.describe()),
        // The command itself is not shown: people do write `echo TOKEN`.
        TokenSource::Command => "the profile's token_command".to_owned(),
    }
}

/// Resolves credentials like every other command; returns them when found,
/// and the error when Ctrl-C stopped a token_command.
fn account_check(
    report: &mut Report,
    overrides: &crate::auth::Overrides,
    selected: &Result<Selected, crate::auth::AuthError>,
) -> Result<Option<crate::api::Credentials>, crate::auth::AuthError> {
    let id = "account.credentials";
    let title = "credentials";
    if let Err(e) = selected {
        report.add(Check::new(id, title, Status::Fail, safe(&e.message)).hint(
            "`exoset profiles` lists the saved profiles; `exoset auth login -p NAME` creates one",
        ));
        return Ok(None);
    }
    let overrides = overrides.clone();
    let start = Instant::now();
    // A token_command is killed at the limit by the thread itself, which is
    // then waited for; only a keyring read that hangs (an unlock prompt) is
    // left behind, to end with the process.
    let deadline = start.checked_add(CREDENTIALS_LIMIT);
    let answer = bounded(CREDENTIALS_LIMIT + CREDENTIALS_GRACE, move || {
        crate::auth::resolve_until(&overrides, deadline)
    });
    let took = start.elapsed();
    match answer {
        Ok(Ok((credentials, source, selected))) => {
            let saved = if selected.saved {
                ""
            } else {
                " (not in the config file; from flags and EXOSET_* variables)"
            };
            report.add(
                Check::new(
                    id,
                    title,
                    Status::Ok,
                    format!(
                        "profile {}{saved}: tenant {}, API key {}, token from {}",
                        quoted(&selected.profile),
                        quoted(&credentials.tenant_sid),
                        quoted(&credentials.api_key),
                        describe_source(&source)
                    ),
                )
                .took(took),
            );
            Ok(Some(credentials))
        }
        Ok(Err(e)) if e.code == exit::INTERRUPTED => Err(e),
        Ok(Err(e)) => {
            let mut check = Check::new(id, title, Status::Fail, safe(&e.message)).took(took);
            // A token_command killed at doctor's limit.
            if took >= CREDENTIALS_LIMIT {
                check = check.timed_out();
            }
            report.add(check);
            Ok(None)
        }
        Err(Unanswered::TimedOut) => {
            report.add(
                Check::new(
                    id,
                    title,
                    Status::Fail,
                    format!("reading the token did not finish within {}: a token_command waiting for input, or a keyring waiting for an unlock prompt", secs(CREDENTIALS_LIMIT)),
                )
                .timed_out()
                .took(took)
                .hint(format!("run the token_command by hand to see what it waits for, or set {STORE_ENV}=keyutils")),
            );
            Ok(None)
        }
        Err(Unanswered::NoThread(e)) => {
            report.add(Check::new(
                id,
                title,
                Status::Fail,
                format!("could not be checked: {e}"),
            ));
            Ok(None)
        }
    }
}

// --------------------------------------------------------------- network --

/// The proxy variables doctor reports, in the order they are looked at.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A proxy value with any user name's password in it masked:
/// `http://me:***@proxy:3128`. Everything before the last `@` is taken as
/// the user name and password, so a password holding `/`, `?`, `#` or `@`
/// is masked whole (a URL parser would end the authority at the `/`).
pub fn redact_proxy(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(at) => value.split_at(at + 3),
        None => ("", value),
    };
    let masked = match rest.rfind('@') {
        Some(at) => {
            let (userinfo, host) = rest.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{host}", &userinfo[..colon]),
                None => rest.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    safe(&format!("{scheme}{masked}")).into_owned()
}

/// A base URL as shown: a password in it masked, as for a proxy.
fn shown_base_url(url: &str) -> String {
    redact_proxy(url)
}

/// The proxy a request goes through, as the client decides it.
#[derive(Debug, PartialEq, Eq)]
struct ProxyUse {
    /// The proxy's address, without its user name and password.
    shown: String,
    host: String,
    port: u16,
    /// A user name (and password) is sent to the proxy.
    with_login: bool,
}

/// The proxy a request to `url` goes through, if any, asked of the matcher
/// the HTTP client itself uses (hyper-util's, which reqwest builds from the
/// same variables, NO_PROXY's CIDR ranges included); loopback never goes
/// through one (the client turns proxies off for it).
fn proxy_for(url: &Url, matcher: &Matcher) -> Option<ProxyUse> {
    if is_loopback(url) {
        return None;
    }
    let dst = url.as_str().parse().ok()?;
    let intercept = matcher.intercept(&dst)?;
    let uri = intercept.uri();
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("https") => 443,
        Some("http") | None => 80,
        Some(_) => 1080,
    });
    Some(ProxyUse {
        shown: safe(&uri.to_string()).into_owned(),
        host: uri.host()?.trim_matches(['[', ']']).to_owned(),
        port,
        with_login: intercept.basic_auth().is_some() || intercept.raw_auth().is_some(),
    })
}

/// Whether a proxy value holds a user name (`user[:password]@` after the
/// scheme), however the client reads it.
fn has_login(value: &str) -> bool {
    let rest = value.find("://").map_or(value, |at| &value[at + 3..]);
    rest.contains('@')
}

/// The variable the client would take a proxy from for `url`'s scheme, when
/// one is set: (name, value).
fn proxy_variable(url: &Url) -> Option<(&'static str, String)> {
    let names: &[&'static str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .find_map(|name| env(name).map(|value| (*name, value)))
}

/// Whether NO_PROXY (or no_proxy) exempts `url`, by the client's matcher.
fn exempted(url: &Url) -> bool {
    let Some(list) = env("NO_PROXY").or_else(|| env("no_proxy")) else {
        return false;
    };
    let probe = Matcher::builder()
        .all("http://proxy.invalid:1")
        .no(list)
        .build();
    url.as_str()
        .parse()
        .is_ok_and(|dst| probe.intercept(&dst).is_none())
}

fn network_checks(
    report: &mut Report,
    base_url: &str,
    credentials: Option<&crate::api::Credentials>,
    options: &ClientOptions,
) {
    let url = match Url::parse(base_url.trim()) {
        Ok(url) if url.host_str().is_some() => url,
        Ok(_) | Err(_) => {
            report.add(
                Check::new(
                    "network.url",
                    "base URL",
                    Status::Fail,
                    format!("\"{}\" is not a URL with a host", shown_base_url(base_url)),
                )
                .hint(format!(
                    "e.g. --base-url {DEFAULT_BASE_URL}, or base_url in the profile"
                )),
            );
            return;
        }
    };
    if let Err(e) = crate::api::client::settings_url(base_url, "probe") {
        report.add(Check::new(
            "network.url",
            "base URL",
            Status::Fail,
            safe(&e.to_string()),
        ));
        return;
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);

    let proxy = proxy_for(&url, &Matcher::from_system());
    report.add(proxy_check(&url, proxy.as_ref()));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report.add(Check::new(
                "network.dns",
                "DNS",
                Status::Fail,
                format!("cannot start the runtime: {e}"),
            ));
            return;
        }
    };
    // Where this process itself connects: the proxy when there is one.
    let (target_host, target_port, via) = match &proxy {
        Some(p) => (p.host.clone(), p.port, " (the proxy)"),
        None => (host.clone(), port, ""),
    };
    let connect_limit = TCP_LIMIT.min(options.connect_timeout);
    let addrs = runtime.block_on(dns_check(report, &target_host, target_port, via));
    let tcp_ok = match &addrs {
        Some(addrs) => runtime.block_on(tcp_check(report, addrs, via, connect_limit)),
        None => {
            report.add(Check::new(
                "network.tcp",
                "TCP",
                Status::Skip,
                "not tried: the DNS lookup failed",
            ));
            false
        }
    };
    let date = if tcp_ok {
        runtime.block_on(tls_check(report, &url, proxy.is_some(), options))
    } else {
        report.add(Check::new(
            "network.tls",
            tls_title(&url),
            Status::Skip,
            "not tried: no TCP connection",
        ));
        None
    };
    let path_ok = tcp_ok && !report.failed("network.tls");
    match (credentials, path_ok) {
        (Some(credentials), true) => runtime.block_on(get_check(report, credentials, options)),
        (None, _) => report.add(Check::new(
            "server.get",
            "settings GET",
            Status::Skip,
            "not tried: no credentials (see above)",
        )),
        (_, false) => report.add(Check::new(
            "server.get",
            "settings GET",
            Status::Skip,
            "not tried: the server cannot be reached (see above)",
        )),
    }
    report.add(clock_check(date, tcp_ok));
    // Not dropped: that would wait for a lookup that never answers.
    crate::shut_down(runtime);
}

fn proxy_check(url: &Url, proxy: Option<&ProxyUse>) -> Check {
    let set: Vec<String> = PROXY_VARS
        .iter()
        .filter_map(|name| env(name).map(|v| format!("{name}={}", redact_proxy(&v))))
        .collect();
    let listed = if set.is_empty() {
        "no proxy variables set".to_owned()
    } else {
        set.join(", ")
    };
    let host = safe(url.host_str().unwrap_or_default()).into_owned();
    let check = |summary: String| Check::new("network.proxy", "proxy", Status::Ok, summary);
    match proxy {
        _ if is_loopback(url) => check(format!(
            "{listed}; {host} is this machine, reached directly"
        )),
        Some(proxy) => match proxy_variable(url) {
            // A user name and password the client did not read as one: an
            // unencoded `/ ? #` ended the address early, and the proxy it
            // would use is made of pieces of the password. Not shown.
            Some((name, value)) if !proxy.with_login && has_login(&value) => Check {
                status: Status::Fail,
                ..check(format!(
                    "{listed}; the client cannot read the user name and password in {name}: \
                     it would not reach the proxy"
                ))
            }
            .hint(format!(
                "in {name}, write a `/`, `?`, `#` or `@` in the password as %2F, %3F, %23 or %40"
            )),
            _ => check(format!(
                "{listed}; {host} is reached through {}{}",
                proxy.shown,
                if proxy.with_login {
                    " (with the user name and password given; not shown)"
                } else {
                    ""
                }
            )),
        },
        None if exempted(url) => check(format!(
            "{listed}; {host} is reached directly (NO_PROXY exempts it)"
        )),
        None => match proxy_variable(url) {
            // Set, yet the client takes no proxy from it: it goes direct.
            Some((name, _)) => Check {
                status: Status::Fail,
                ..check(format!(
                    "{listed}; {host} is reached directly: the client cannot use {name} as a proxy"
                ))
            }
            .hint(format!(
                "{name} is not a proxy URL; use e.g. http://proxy.example:3128"
            )),
            None => check(format!("{listed}; {host} is reached directly")),
        },
    }
}

async fn dns_check(
    report: &mut Report,
    host: &str,
    port: u16,
    via: &str,
) -> Option<Vec<SocketAddr>> {
    let id = "network.dns";
    let shown = safe(host).into_owned();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        report.add(Check::new(
            id,
            "DNS",
            Status::Skip,
            format!("{shown}{via} is an address; nothing to look up"),
        ));
        return Some(vec![SocketAddr::new(ip, port)]);
    }
    let start = Instant::now();
    let lookup = tokio::time::timeout(DNS_LIMIT, crate::api::client::lookup_host(host, port)).await;
    let took = start.elapsed();
    match lookup {
        Ok(Ok(addrs)) => {
            if addrs.is_empty() {
                report.add(
                    Check::new(
                        id,
                        "DNS",
                        Status::Fail,
                        format!("{shown}{via} has no address"),
                    )
                    .took(took),
                );
                return None;
            }
            let mut ips: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            ips.dedup();
            report.add(
                Check::new(
                    id,
                    "DNS",
                    Status::Ok,
                    format!("{shown}{via} is {}", ips.join(", ")),
                )
                .took(took),
            );
            Some(addrs)
        }
        Ok(Err(e)) => {
            report.add(
                Check::new(id, "DNS", Status::Fail, format!("cannot look up {shown}{via}: {e}"))
                    .took(took)
                    .hint("check the name, and /etc/resolv.conf; a host that reaches out only through a proxy needs HTTPS_PROXY"),
            );
            None
        }
        Err(_) => {
            report.add(
                Check::new(id, "DNS", Status::Fail, format!("the lookup of {shown}{via} did not answer within {}", secs(DNS_LIMIT)))
                    .timed_out()
                    .took(took)
                    .hint("the DNS server in /etc/resolv.conf does not answer; ask the host's admins, or use a proxy (HTTPS_PROXY)"),
            );
            None
        }
    }
}

async fn tcp_check(report: &mut Report, addrs: &[SocketAddr], via: &str, limit: Duration) -> bool {
    let id = "network.tcp";
    let mut failures = Vec::new();
    let mut any_timed_out = false;
    let start = Instant::now();
    for addr in addrs.iter().take(3) {
        let attempt = Instant::now();
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                report.add(
                    Check::new(id, "TCP", Status::Ok, format!("connected to {addr}{via}"))
                        .took(attempt.elapsed()),
                );
                return true;
            }
            Ok(Err(e)) => failures.push(format!("{addr}: {e}")),
            Err(_) => {
                any_timed_out = true;
                failures.push(format!(
                    "{addr}: no answer within {} (TCP connect timed out)",
                    secs(limit)
                ));
            }
        }
    }
    let mut check = Check::new(
        id,
        "TCP",
        Status::Fail,
        format!("cannot connect{via}: {}", failures.join("; ")),
    )
    .took(start.elapsed());
    check = if any_timed_out {
        check.timed_out().hint("packets are dropped on the way (a firewall?); if this host must go out through a proxy, set HTTPS_PROXY=http://PROXY:PORT")
    } else {
        check.hint(
            "nothing listens there, or a firewall refuses: check the base URL's host and port",
        )
    };
    report.add(check);
    false
}

fn tls_title(url: &Url) -> &'static str {
    if url.scheme() == "https" {
        "TLS"
    } else {
        "HTTP"
    }
}

/// The innermost cause of an error, which is where the useful words are.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    safe(&cause.to_string()).into_owned()
}

/// A TLS handshake and one unauthenticated request to the base URL; returns
/// the server's clock (its `Date` header) and this machine's at the answer.
async fn tls_check(
    report: &mut Report,
    url: &Url,
    proxied: bool,
    options: &ClientOptions,
) -> Option<(SystemTime, SystemTime)> {
    let id = "network.tls";
    let title = tls_title(url);
    let https = url.scheme() == "https";
    let limit = TLS_LIMIT.min(options.timeout);
    // reqwest is built without a bundled crypto provider; ring is ours.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // reqwest's connect timeout covers the TLS handshake too: it is the
    // probe's own limit, not the TCP check's, or a silent peer would be
    // given up on after 3 s while the summary says 5.
    let mut builder = crate::api::client::with_resolver(reqwest::Client::builder())
        .connect_timeout(limit)
        .timeout(limit)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!is_loopback(url));
    if is_loopback(url) {
        builder = builder.no_proxy();
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => {
            report.add(Check::new(
                id,
                title,
                Status::Fail,
                format!("cannot set up HTTP: {}", root_cause(&e)),
            ));
            return None;
        }
    };
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    let start = Instant::now();
    let sent = tokio::time::timeout(
        limit + Duration::from_millis(200),
        client
            .head(origin.clone())
            .header(
                reqwest::header::USER_AGENT,
                concat!("exoset/", env!("CARGO_PKG_VERSION"), " doctor"),
            )
            .send(),
    )
    .await;
    let took = start.elapsed();
    let host = safe(url.host_str().unwrap_or_default()).into_owned();
    let via = if proxied { " through the proxy" } else { "" };
    match sent {
        Ok(Ok(response)) => {
            let now = SystemTime::now();
            let status = response.status().as_u16();
            let summary = if https {
                format!(
                    "handshake with {host}{via} done, certificate trusted; it answered HTTP {status}"
                )
            } else {
                format!("plain http to this machine (no TLS); {host} answered HTTP {status}")
            };
            report.add(Check::new(id, title, Status::Ok, summary).took(took));
            response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .map(|server| (server, now))
        }
        Ok(Err(e)) if e.is_timeout() => {
            report.add(timed_out_tls(id, title, &host, via, limit, took));
            None
        }
        Ok(Err(e)) => {
            let cause = root_cause(&e);
            let lower = cause.to_ascii_lowercase();
            let hint = if lower.contains("certificate") || lower.contains("unknownissuer") {
                "the certificate is not trusted here: a TLS-inspecting company proxy? Install its CA in the system store (Debian: /usr/local/share/ca-certificates/ and update-ca-certificates; RHEL: /etc/pki/ca-trust/source/anchors/ and update-ca-trust); exoset never turns certificate checks off"
            } else if lower.contains("proxy") || proxied {
                "check the proxy variables above: the proxy refused or failed the CONNECT"
            } else {
                "the host accepts connections but the TLS handshake or the HTTP request failed: is the base URL's port an HTTPS port?"
            };
            report.add(
                Check::new(id, title, Status::Fail, format!("{host}{via}: {cause}"))
                    .took(took)
                    .hint(hint),
            );
            None
        }
        Err(_) => {
            report.add(timed_out_tls(id, title, &host, via, limit, took));
            None
        }
    }
}

fn timed_out_tls(
    id: &'static str,
    title: &'static str,
    host: &str,
    via: &str,
    limit: Duration,
    took: Duration,
) -> Check {
    Check::new(
        id,
        title,
        Status::Fail,
        format!(
            "{host}{via} accepted the connection but gave no {} answer within {} ({} probe timed out)",
            if title == "TLS" { "TLS" } else { "HTTP" },
            secs(limit),
            title
        ),
    )
    .timed_out()
    .took(took)
    .hint("something on the way holds connections open without answering (a firewall or a dead proxy); check the base URL and the proxy variables")
}

async fn get_check(
    report: &mut Report,
    credentials: &crate::api::Credentials,
    options: &ClientOptions,
) {
    let id = "server.get";
    let title = "settings GET";
    let options = ClientOptions {
        connect_timeout: TCP_LIMIT.min(options.connect_timeout),
        timeout: GET_LIMIT.min(options.timeout),
        get_retries: 0,
        ..options.clone()
    };
    let limit = options.timeout;
    let client = match Client::new(credentials, options) {
        Ok(client) => client,
        Err(e) => {
            report.add(Check::new(id, title, Status::Fail, safe(&e.to_string())));
            return;
        }
    };
    let path = safe(client.url().path()).into_owned();
    let start = Instant::now();
    let answer = tokio::time::timeout(limit + Duration::from_millis(500), client.get()).await;
    let took = start.elapsed();
    match answer {
        Ok(Ok(answer)) => {
            let id_note = answer
                .request_id
                .as_deref()
                .map(|r| format!(", request_id {}", safe(r)))
                .unwrap_or_default();
            report.add(
                Check::new(
                    id,
                    title,
                    Status::Ok,
                    format!(
                        "GET {path} as {}: settings read{id_note}",
                        quoted(&credentials.api_key)
                    ),
                )
                .took(took),
            );
        }
        Ok(Err(e)) => {
            let hint = match e.exit_code() {
                exit::CREDENTIALS => {
                    "the server refused these credentials: check the tenant SID, API key and token (`exoset auth login` stores new ones)"
                }
                exit::USAGE => "check the base URL and tenant SID of the profile",
                _ => "the server or the way to it failed; try again, and check the lines above",
            };
            let mut check = Check::new(
                id,
                title,
                Status::Fail,
                format!("GET {path}: {}", safe(&e.to_string())),
            )
            .took(took)
            .hint(hint);
            if matches!(e, crate::api::ApiError::Timeout { .. }) {
                check = check.timed_out();
            }
            report.add(check);
        }
        Err(_) => report.add(
            Check::new(
                id,
                title,
                Status::Fail,
                format!(
                    "GET {path}: no answer within {} (settings GET probe timed out)",
                    secs(limit)
                ),
            )
            .timed_out()
            .took(took),
        ),
    }
}

/// This machine's clock minus the server's, in whole seconds.
fn skew_secs(server: SystemTime, local: SystemTime) -> i64 {
    match local.duration_since(server) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn clock_check(date: Option<(SystemTime, SystemTime)>, reached: bool) -> Check {
    let id = "server.clock";
    let title = "clock";
    let Some((server, local)) = date else {
        let why = if reached {
            "not compared: the server sent no Date header"
        } else {
            "not compared: the server was not reached"
        };
        return Check::new(id, title, Status::Skip, why);
    };
    let skew = skew_secs(server, local);
    // The Date header has whole seconds: a second or two is noise.
    if skew.abs() <= 2 {
        return Check::new(
            id,
            title,
            Status::Ok,
            "in step with the server's (within 2 s)",
        );
    }
    let way = if skew > 0 { "ahead of" } else { "behind" };
    let summary = format!(
        "this machine's clock is {} s {way} the server's",
        skew.abs()
    );
    if skew.abs() < SKEW_WARN_SECS {
        Check::new(id, title, Status::Ok, summary)
    } else {
        Check::new(id, title, Status::Warn, summary).hint(
            "sync it (timedatectl set-ntp true, or chronyc makestep): a clock far off breaks certificate checks and gives history entries the wrong times",
        )
    }
}

// -------------------------------------------------------------- terminal --

fn terminal_checks(report: &mut Report) {
    report.add(locale_check(&|name| env(name)));
    report.add(term_check(&|name| env(name)));
    report.add(osc52_check());
}

/// The locale in effect for text (LC_ALL, else LC_CTYPE, else LANG).
fn locale_check(get: &dyn Fn(&str) -> Option<String>) -> Check {
    let id = "terminal.locale";
    let title = "locale";
    let found = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| get(name).map(|v| (*name, v)));
    let fix = "export LANG=C.UTF-8 (in ~/.profile on this host; `locale -a` lists what it has), or let your SSH client send a UTF-8 LANG";
    match found {
        None => Check::new(
            id,
            title,
            Status::Warn,
            "none set (LC_ALL, LC_CTYPE and LANG are empty): the C locale, ASCII only; tmux, screen, less and man here will garble Indic text (Devanagari, Tamil) and other non-Latin values",
        )
        .hint(fix),
        Some((name, value)) => {
            let lower = value.to_ascii_lowercase();
            if lower.contains("utf-8") || lower.contains("utf8") {
                Check::new(id, title, Status::Ok, format!("{name}={}: UTF-8", safe(&value)))
            } else {
                Check::new(
                    id,
                    title,
                    Status::Warn,
                    format!("{name}={} is not a UTF-8 locale: tmux, screen, less and man here will garble Indic text (Devanagari, Tamil) and other non-Latin values", safe(&value)),
                )
                .hint(fix)
            }
        }
    }
}

/// How many colours a terminal of this TERM / COLORTERM shows, as a guess.
fn colours(term: &str, colorterm: Option<&str>) -> u32 {
    if colorterm.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c == "truecolor" || c == "24bit"
    }) {
        return 1 << 24;
    }
    let term = term.to_ascii_lowercase();
    if term == "dumb" {
        0
    } else if term.contains("256color") {
        256
    } else if term.contains("direct") {
        1 << 24
    } else if term.contains("16color") || term.starts_with("rxvt") || term == "linux" {
        16
    } else if term.starts_with("vt") && !term.starts_with("vte") {
        2
    } else {
        8
    }
}

fn term_check(get: &dyn Fn(&str) -> Option<String>) -> Check {
    use std::io::IsTerminal;
    let id = "terminal.term";
    let title = "terminal";
    let mut notes = Vec::new();
    if let Some(tmux) = get("TMUX")
        .map(|_| "inside tmux")
        .or_else(|| get("STY").map(|_| "inside screen"))
    {
        notes.push(tmux.to_owned());
    }
    let no_color = get("NO_COLOR").is_some();
    if no_color {
        notes.push("NO_COLOR is set: no colours".to_owned());
    }
    let tty = std::io::stdout().is_terminal();
    if tty {
        if let Ok((cols, rows)) = crossterm::terminal::size() {
            notes.push(format!("{cols}x{rows}"));
            if cols < 80 || rows < 24 {
                notes.push("smaller than the 80x24 the editor wants".to_owned());
            }
        }
    } else {
        notes.push("stdout is not a terminal here".to_owned());
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join(", "))
    };
    let Some(term) = get("TERM") else {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM is not set: the editor cannot know what the terminal does{notes}"),
        )
        .hint("export TERM=xterm-256color (or what your terminal emulator is)");
    };
    let n = colours(&term, get("COLORTERM").as_deref());
    let shown = safe(&term).into_owned();
    let count = match n {
        0 => "no colours".to_owned(),
        16_777_216 => "24-bit colour".to_owned(),
        n => format!("{n} colours"),
    };
    if term == "dumb" {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM=dumb: the editor cannot draw here; subcommands work{notes}"),
        )
        .hint("export TERM=xterm-256color (or what your terminal emulator is)");
    }
    if n < 8 && !no_color {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM={shown}: {count}{notes}"),
        )
        .hint("the editor uses the 16 basic colours; set NO_COLOR=1 on a monochrome terminal");
    }
    Check::new(
        id,
        title,
        Status::Ok,
        format!("TERM={shown}: {count}{notes}"),
    )
}

/// What the terminal said of itself when asked its device attributes (DA1,
/// `ESC [ c`). The clipboard itself is never asked for: `ESC ] 52 ; c ; ?`
/// reads it, and a terminal that first asks the person answers after doctor
/// has gone, into the shell.
#[derive(Debug, PartialEq, Eq)]
enum Osc52 {
    /// The DA1 answer lists 52: clipboard access (xterm's extension).
    Listed,
    /// It answered, without 52 among its features.
    NotListed,
    /// It answered nothing in time.
    Silent,
}

/// The parameters of the first DA1 answer (`ESC [ ? 64 ; 1 ; 52 c`) in
/// `bytes`, if a whole one is there.
fn da1_params(bytes: &[u8]) -> Option<Vec<u32>> {
    bytes.windows(3).enumerate().find_map(|(i, w)| {
        if w != b"\x1b[?" {
            return None;
        }
        let rest = &bytes[i + 3..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        (rest[end] == b'c').then(|| {
            rest[..end]
                .split(|b| *b == b';')
                .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
                .collect()
        })
    })
}

fn classify_da1(bytes: &[u8]) -> Osc52 {
    match da1_params(bytes) {
        Some(params) if params.contains(&52) => Osc52::Listed,
        Some(_) => Osc52::NotListed,
        None => Osc52::Silent,
    }
}

/// Asks the terminal for its device attributes, in raw mode, and reads the
/// answer for at most `limit`. Whatever the terminal sends meanwhile or
/// after is thrown away before raw mode ends, so no answer arriving late is
/// typed into the shell.
fn ask_da1(limit: Duration) -> Result<Osc52, String> {
    use std::io::{Read, Write};
    struct Cooked;
    impl Drop for Cooked {
        fn drop(&mut self) {
            // Pending input (a late answer) is dropped while still raw.
            #[cfg(unix)]
            let _ =
                rustix::termios::tcflush(std::io::stdin(), rustix::termios::QueueSelector::IFlush);
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
    crossterm::terminal::enable_raw_mode()
        .map_err(|e| format!("cannot switch the terminal to raw mode: {e}"))?;
    let _cooked = Cooked;
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::Builder::new()
        .name("exoset-doctor-tty".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 512];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[c")
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left) {
            Ok(bytes) => {
                got.extend_from_slice(&bytes);
                if da1_params(&got).is_some() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Ok(classify_da1(&got))
}

fn osc52_check() -> Check {
    use std::io::IsTerminal;
    let id = "terminal.osc52";
    let title = "OSC 52 copy";
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Check::new(
            id,
            title,
            Status::Skip,
            "not asked: stdin or stdout is not a terminal",
        );
    }
    if env("TERM").is_none_or(|t| t == "dumb") {
        return Check::new(id, title, Status::Skip, "not asked: TERM is unset or dumb");
    }
    let tmux = env("TMUX").is_some();
    let start = Instant::now();
    let answer = ask_da1(OSC52_LIMIT);
    let took = start.elapsed();
    let tmux_hint = if tmux {
        " Inside tmux: `set -g set-clipboard on` in ~/.tmux.conf passes copies on."
    } else {
        ""
    };
    let unread = "exoset never reads your clipboard to find out";
    match answer {
        Ok(Osc52::Listed) => Check::new(
            id,
            title,
            Status::Ok,
            "the terminal lists clipboard access (52) in its device attributes: `y` in the editor copies to your clipboard",
        )
        .took(took),
        Ok(Osc52::NotListed) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the terminal answered, but does not list clipboard access (52) in its device attributes: copying with `y` may still work (most terminals take copies without saying so), or may not; {unread}"),
        )
        .took(took)
        .hint(format!("try `y` in the editor and paste; enable OSC 52 / clipboard access in your terminal's settings if nothing arrives.{tmux_hint}")),
        Ok(Osc52::Silent) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the terminal did not answer within {} (device-attributes query timed out): copying with `y` cannot be confirmed; {unread}", secs(OSC52_LIMIT)),
        )
        .timed_out()
        .took(took)
        .hint(format!("try `y` in the editor and paste; a terminal (or multiplexer) that answers no queries may still take copies.{tmux_hint}")),
        Err(e) => Check::new(id, title, Status::Skip, format!("not asked: {}", safe(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned().filter(|v| !v.is_empty())
    }

    #[test]
    fn proxy_passwords_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact_proxy("http://alice:s3cret@proxy.corp:3128"),
            "http://alice:***@proxy.corp:3128"
        );
        assert_eq!(
            redact_proxy("alice:s3cret@proxy.corp:3128/"),
            "alice:***@proxy.corp:3128/"
        );
        assert_eq!(
            redact_proxy("http://alice@proxy.corp:3128"),
            "http://alice@proxy.corp:3128"
        );
        assert_eq!(redact_proxy("http://proxy:3128"), "http://proxy:3128");
        // An @ in the password: everything up to the last @ is userinfo.
        assert_eq!(
            redact_proxy("http://a:p@ss@proxy:1"),
            "http://a:***@proxy:1"
        );
        assert!(!redact_proxy("socks5://u:pw@h:1\x1b[31m").contains('\x1b'));
    }

    #[test]
    fn passwords_with_url_delimiters_are_masked_whole() {
        for value in [
            "http://alice:pa/ss@proxy.corp:3128",
            "http://alice:pa?ss@proxy.corp:3128",
            "http://alice:pa#ss@proxy.corp:3128",
        ] {
            let shown = redact_proxy(value);
            assert_eq!(shown, "http://alice:***@proxy.corp:3128", "{value}");
        }
        assert_eq!(
            shown_base_url("https://me:s3cret/x@host.example"),
            "https://me:***@host.example"
        );
    }

    #[test]
    fn the_proxy_in_effect_is_the_clients_own_choice() {
        let https = Url::parse("https://leadassist.exotel.in").unwrap();
        let matcher = |https_proxy: &str, no: &str| {
            Matcher::builder()
                .https(https_proxy.to_owned())
                .http("http://q:1")
                .no(no.to_owned())
                .build()
        };
        let used = proxy_for(&https, &matcher("http://p:3128", "")).unwrap();
        assert_eq!((used.host.as_str(), used.port), ("p", 3128));
        assert!(!used.with_login);
        let used = proxy_for(&https, &matcher("http://u:pa%2Fss@p:3128", "")).unwrap();
        assert!(used.with_login && !used.shown.contains("pa"), "{used:?}");
        // Unencoded, the client takes `u:pa` for the address (reported as
        // a failure by `proxy_check`, which shows none of it).
        let misread = proxy_for(&https, &matcher("http://u:pa/ss@p:3128", "")).unwrap();
        assert!(!misread.with_login && has_login("http://u:pa/ss@p:3128"));
        assert_eq!(
            proxy_for(&https, &matcher("http://p:3128", ".exotel.in")),
            None
        );
        // A CIDR entry exempts the addresses in it, as the client does.
        let ip = Url::parse("https://10.1.2.3").unwrap();
        assert_eq!(
            proxy_for(&ip, &matcher("http://p:3128", "10.0.0.0/8")),
            None
        );
        assert!(proxy_for(&ip, &matcher("http://p:3128", "11.0.0.0/8")).is_some());
        let local = Url::parse("http://127.0.0.1:8480").unwrap();
        assert_eq!(proxy_for(&local, &matcher("http://p:3128", "")), None);
    }

    #[test]
    fn the_locale_must_be_utf8_by_posix_precedence() {
        let ok = locale_check(&env_of(&[("LANG", "en_IN.UTF-8")]));
        assert_eq!(ok.status, Status::Ok, "{ok:?}");
        let c = locale_check(&env_of(&[("LANG", "C")]));
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("LANG=C"), "{}", c.summary);
        assert!(c.hint.as_deref().unwrap_or("").contains("C.UTF-8"));
        // LC_ALL wins over LANG, LC_CTYPE too.
        let over = locale_check(&env_of(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "POSIX")]));
        assert_eq!(over.status, Status::Warn);
        assert!(over.summary.contains("LC_ALL=POSIX"));
        let ctype = locale_check(&env_of(&[("LANG", "C"), ("LC_CTYPE", "C.utf8")]));
        assert_eq!(ctype.status, Status::Ok);
        let none = locale_check(&env_of(&[]));
        assert_eq!(none.status, Status::Warn);
    }

    #[test]
    fn colours_are_guessed_from_term_and_colorterm() {
        assert_eq!(colours("xterm-256color", None), 256);
        assert_eq!(colours("xterm", Some("truecolor")), 1 << 24);
        assert_eq!(colours("screen", None), 8);
        assert_eq!(colours("linux", None), 16);
        assert_eq!(colours("dumb", None), 0);
        assert_eq!(colours("vt100", None), 2);
        let dumb = term_check(&env_of(&[("TERM", "dumb")]));
        assert_eq!(dumb.status, Status::Warn);
        let unset = term_check(&env_of(&[]));
        assert_eq!(unset.status, Status::Warn);
        let fine = term_check(&env_of(&[
            ("TERM", "tmux-256color"),
            ("TMUX", "/tmp/x"),
            ("NO_COLOR", "1"),
        ]));
        assert_eq!(fine.status, Status::Ok);
        assert!(fine.summary.contains("inside tmux"), "{}", fine.summary);
        assert!(fine.summary.contains("NO_COLOR"), "{}", fine.summary);
    }

    #[test]
    fn terminal_answers_are_told_apart() {
        assert_eq!(classify_da1(b"\x1b[?65;1;9;52c"), Osc52::Listed);
        assert_eq!(classify_da1(b"junk\x1b[?62;52;22c"), Osc52::Listed);
        assert_eq!(classify_da1(b"\x1b[?64;1;2;6;22c"), Osc52::NotListed);
        assert_eq!(classify_da1(b"\x1b[?1;2c"), Osc52::NotListed);
        assert_eq!(classify_da1(b"\x1b[?5;2c"), Osc52::NotListed);
        assert_eq!(classify_da1(b""), Osc52::Silent);
        assert_eq!(classify_da1(b"\x1b[?1;2"), Osc52::Silent);
    }

    #[test]
    fn clock_skew_is_signed_and_graded() {
        let server = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(skew_secs(server, server + Duration::from_secs(5)), 5);
        assert_eq!(skew_secs(server + Duration::from_secs(5), server), -5);
        assert_eq!(
            clock_check(Some((server, server + Duration::from_secs(1))), true).status,
            Status::Ok
        );
        let behind = clock_check(Some((server + Duration::from_secs(600), server)), true);
        assert_eq!(behind.status, Status::Warn);
        assert!(
            behind.summary.contains("600 s behind"),
            "{}",
            behind.summary
        );
        assert_eq!(clock_check(None, false).status, Status::Skip);
    }

    #[test]
    fn a_slow_probe_is_abandoned_not_waited_for() {
        let start = Instant::now();
        let r = bounded(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(2));
            1
        });
        assert_eq!(r, Err(Unanswered::TimedOut));
        assert!(start.elapsed() < Duration::from_millis(500));
        assert_eq!(bounded(Duration::from_secs(1), || 2), Ok(2));
    }

    #[test]
    fn lines_show_status_title_and_fix() {
        let line = render_line(
            &Check::new("network.dns", "DNS", Status::Fail, "cannot look up x").hint("check it"),
            false,
        );
        assert!(line.starts_with("  FAIL  DNS:"), "{line}");
        assert!(
            line.contains("\n") && line.contains("fix: check it"),
            "{line}"
        );
        assert!(line.is_ascii());
        assert_eq!(verdict(0, 0), "All checks passed: exoset should work here.");
        assert!(
            verdict(1, 2).starts_with("1 failure and 2 warnings"),
            "{}",
            verdict(1, 2)
        );
    }
}
