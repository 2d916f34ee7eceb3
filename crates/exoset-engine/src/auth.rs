//! Where credentials come from: flags, then `EXOSET_*` variables, then the
//! profile and its token store (the OS keyring or a `token_command`).
//! The token is never a flag.

use crate::api::Credentials;
use crate::api::client::DEFAULT_BASE_URL;
use crate::config::{Config, Paths, Profile};
use crate::exit::{self, Failure};
use crate::keystore::{StoreError, StoreKind, TokenStore};
use secrecy::SecretString;
use std::fmt;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{SendError, SyncSender, sync_channel};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Environment variables that hold a token: removed from every child's
/// environment (`token_command`, `$EDITOR`).
pub const TOKEN_ENV_VARS: [&str; 2] = ["EXOSET_API_TOKEN", "EXOSET_SIM_TOKEN"];

/// How long a `token_command` may run unless its profile says otherwise.
pub const TOKEN_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of a `token_command`'s output read into memory.
pub const TOKEN_COMMAND_MAX_OUTPUT: usize = 64 * 1024;
/// The longest token taken.
pub const MAX_TOKEN_BYTES: usize = 4 * 1024;

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub tenant_sid: Option<String>,
    pub api_key: Option<String>,
    /// Take everything from the profile alone, never from the `EXOSET_*`
    /// variables (`EXOSET_BASE_URL`, `EXOSET_TENANT_SID`, `EXOSET_API_KEY`,
    /// `EXOSET_API_TOKEN`): across a fleet each profile names its own tenant,
    /// server and token, and one variable must not point them all at one
    /// tenant, send one token to every profile's server, or send every
    /// profile's token to one server. Flags still apply.
    pub profile_only: bool,
}

/// Where the token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    Store(StoreKind),
    /// The profile's `token_command`. The command itself is not kept: people
    /// do write `printf %s TOKEN`, and what is not kept cannot be shown.
    Command,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Environment => f.write_str("environment (EXOSET_API_TOKEN)"),
            TokenSource::Store(kind) => f.write_str(kind.describe()),
            TokenSource::Command => f.write_str("the profile's token_command"),
        }
    }
}

/// The profile chosen and its non-secret fields, flags and environment applied.
#[derive(Debug, Clone)]
pub struct Selected {
    pub profile: String,
    /// Whether the profile exists in the config file.
    pub saved: bool,
    pub base_url: String,
    pub tenant_sid: Option<String>,
    pub api_key: Option<String>,
    pub token_command: Option<String>,
    pub token_command_timeout: Duration,
    /// Chosen for a fleet: `EXOSET_API_TOKEN` is not used either (see
    /// [`Overrides::profile_only`]).
    pub profile_only: bool,
    /// A caller's own limit on the `token_command` (doctor's), besides
    /// `token_command_timeout`: its group is killed at whichever comes first.
    pub deadline: Option<Instant>,
    pub config: Config,
    pub paths: Paths,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Picks the profile and fills in what flags and environment say. A profile
/// asked for by name must exist.
pub fn select(overrides: &Overrides) -> Result<Selected, Failure> {
    select_profile(overrides, true)
}

/// Like [`select`], for `auth login`, which may create the profile it names.
pub fn select_new(overrides: &Overrides) -> Result<Selected, Failure> {
    select_profile(overrides, false)
}

fn select_profile(overrides: &Overrides, must_exist: bool) -> Result<Selected, Failure> {
    let paths = Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    let requested = overrides.profile.clone().or_else(|| env("EXOSET_PROFILE"));
    let profile = config.profile_name(requested.as_deref());
    let saved = config.profiles.get(&profile);
    if must_exist && requested.is_some() && saved.is_none() {
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "there are none yet".to_string()
        } else {
            format!("known: {}", known.join(", "))
        };
        return Err(Failure::usage(format!(
            "no profile {profile:?} in {} ({known}); create it with `exoset auth login -p {profile}`",
            paths.config_file.display()
        )));
    }
    let stored = saved.cloned().unwrap_or_default();
    let pick = |flag: &Option<String>, var: &str, saved: &Option<String>| {
        let from_env = || {
            if overrides.profile_only {
                None
            } else {
                env(var)
            }
        };
        flag.clone().or_else(from_env).or_else(|| saved.clone())
    };
    let Profile {
        tenant_sid,
        api_key,
        base_url,
        token_command,
        token_command_timeout,
        ..
    } = stored;
    Ok(Selected {
        saved: saved.is_some(),
        base_url: pick(&overrides.base_url, "EXOSET_BASE_URL", &base_url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        tenant_sid: pick(&overrides.tenant_sid, "EXOSET_TENANT_SID", &tenant_sid),
        api_key: pick(&overrides.api_key, "EXOSET_API_KEY", &api_key),
        token_command,
        token_command_timeout: token_command_timeout.unwrap_or(TOKEN_COMMAND_TIMEOUT),
        profile_only: overrides.profile_only,
        deadline: None,
        profile,
        config,
        paths,
    })
}

/// Full credentials for a command that talks to the server.
pub fn resolve(overrides: &Overrides) -> Result<(Credentials, TokenSource, Selected), Failure> {
    resolve_until(overrides, None)
}

/// Like [`resolve`], with a limit of the caller's own on a `token_command`
/// (see [`Selected::deadline`]).
pub fn resolve_until(
    overrides: &Overrides,
    deadline: Option<Instant>,
) -> Result<(Credentials, TokenSource, Selected), Failure> {
    let mut selected = select(overrides)?;
    selected.deadline = deadline;
    let (tenant_sid, api_key) = tenant_and_key(&selected)?;
    let (token, source) = find_token(&selected)?;
    let credentials = Credentials {
        base_url: selected.base_url.clone(),
        tenant_sid,
        api_key,
        api_token: token,
    };
    Ok((credentials, source, selected))
}

/// The tenant SID and API key of a selection, or what to do about them.
pub fn tenant_and_key(selected: &Selected) -> Result<(String, String), Failure> {
    let fix = format!("`exoset auth login -p {}`", selected.profile);
    let tenant_sid = selected.tenant_sid.clone().ok_or_else(|| {
        Failure::credentials(format!(
            "no tenant SID for profile {:?}: pass --tenant-sid, set EXOSET_TENANT_SID, or run {fix} \
             (or try `exoset --demo`)",
            selected.profile
        ))
    })?;
    let api_key = selected.api_key.clone().ok_or_else(|| {
        Failure::credentials(format!(
            "no API key for profile {:?}: pass --api-key, set EXOSET_API_KEY, or run {fix}",
            selected.profile
        ))
    })?;
    Ok((tenant_sid, api_key))
}

/// Makes this process non-dumpable (no core file, no ptrace attach by other
/// processes of the same user) before it holds a token. Linux only; a
/// failure is not fatal (nothing else would hold the token any better).
pub fn guard_process() {
    #[cfg(target_os = "linux")]
    {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
}

/// The OS keyring, opened on a helper thread while the rest of the start-up
/// (the config, the HTTP client, the terminal) goes on: opening needs nothing
/// from the config. Not started when `EXOSET_API_TOKEN` is set.
///
/// The read runs on that same thread ([`find_token_in_background`]): the
/// kernel keyring is reached through the process keyring of the thread that
/// opened it, which other threads created earlier do not possess.
pub struct EarlyStore(Option<SyncSender<Job>>);

type Job = Box<dyn FnOnce(Option<Result<TokenStore, StoreError>>) + Send>;

impl EarlyStore {
    pub fn start() -> EarlyStore {
        if env("EXOSET_API_TOKEN").is_some() {
            return EarlyStore(None);
        }
        let (tx, rx) = sync_channel::<Job>(1);
        let spawned = std::thread::Builder::new()
            .name("exoset-keyring-early".to_owned())
            .spawn(move || {
                let opened = TokenStore::open();
                if let Ok(job) = rx.recv() {
                    job(Some(opened));
                }
            });
        EarlyStore(spawned.ok().map(|_| tx))
    }

    /// Nothing started: the store is opened when needed.
    pub fn none() -> EarlyStore {
        EarlyStore(None)
    }
}

/// A token found, where, and which keyrings were passed over on the way.
pub struct FoundToken {
    pub token: SecretString,
    pub source: TokenSource,
    pub skipped: Vec<(StoreKind, String)>,
}

/// Says which stores were skipped and why, for a message: empty when none.
pub fn describe_skipped(skipped: &[(StoreKind, String)]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = skipped
        .iter()
        .map(|(kind, why)| format!("the {kind} was skipped: {why}"))
        .collect();
    format!(" [{}]", parts.join("; "))
}

/// The token: environment, else token_command, else the OS keyring.
pub fn find_token(selected: &Selected) -> Result<(SecretString, TokenSource), Failure> {
    find_token_with(selected, None).map(|found| (found.token, found.source))
}

/// Like [`find_token`], saying which stores were skipped; `opened` is the
/// keyring when it was opened already (on this thread).
pub fn find_token_with(
    selected: &Selected,
    opened: Option<Result<TokenStore, StoreError>>,
) -> Result<FoundToken, Failure> {
    if !selected.profile_only
        && let Some(token) = env("EXOSET_API_TOKEN")
    {
        return Ok(FoundToken {
            token: SecretString::from(token),
            source: TokenSource::Environment,
            skipped: Vec::new(),
        });
    }
    if let Some(command) = &selected.token_command {
        let token = run_token_command_until(
            command,
            &selected.profile,
            selected.token_command_timeout,
            selected.deadline,
        )?;
        return Ok(FoundToken {
            token,
            source: TokenSource::Command,
            skipped: Vec::new(),
        });
    }
    let fix = format!("run `exoset auth login -p {}`", selected.profile);
    // Across a fleet the variable is not used, so it is no fix there.
    let (env_said, env_fix, env_or) = if selected.profile_only {
        ("", "", "")
    } else {
        (
            "EXOSET_API_TOKEN is not set, ",
            ", or set EXOSET_API_TOKEN",
            "set EXOSET_API_TOKEN or ",
        )
    };
    let store = opened.unwrap_or_else(TokenStore::open).map_err(|e| {
        Failure::credentials(format!(
            "no API token for profile {:?}: {env_said}the profile has no token_command, and \
             {e}; {env_or}add a token_command to the profile",
            selected.profile
        ))
    })?;
    let skipped = describe_skipped(store.skipped());
    match store.get(&selected.profile) {
        Ok(Some(token)) => Ok(FoundToken {
            token,
            source: TokenSource::Store(store.kind()),
            skipped: store.skipped().to_vec(),
        }),
        Ok(None) => Err(Failure::credentials(format!(
            "no API token for profile {:?} in the {}{skipped}; {fix}{env_fix}",
            selected.profile,
            store.kind().describe()
        ))),
        Err(e) => Err(Failure::credentials(format!(
            "cannot read the API token for profile {:?} from the {}{skipped}: {e}; {fix}{env_fix}",
            selected.profile,
            store.kind().describe()
        ))),
    }
}

/// Finds the token on a helper thread (the one `early` opened the keyring
/// on, when there is one); the receiver yields it.
pub fn find_token_in_background(
    selected: Selected,
    early: EarlyStore,
) -> tokio::sync::oneshot::Receiver<Result<FoundToken, Failure>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |opened| {
        let _ = tx.send(find_token_with(&selected, opened));
    });
    let job = match early.0 {
        Some(sender) => match sender.send(job) {
            Ok(()) => return rx,
            Err(SendError(job)) => job,
        },
        None => job,
    };
    // Without a thread (never seen), the caller's receive reports it.
    let _ = std::thread::Builder::new()
        .name("exoset-token".to_owned())
        .spawn(move || job(None));
    rx
}

/// How long the output of a `token_command` that has exited may stay open
/// (a process it started still holding it) before that process is stopped.
pub const TOKEN_COMMAND_OUTPUT_GRACE: Duration = Duration::from_millis(300);

/// While at least one of these is alive (the editor holds the screen), a
/// `token_command` gets no terminal: its input is `/dev/null` and its error
/// output is dropped, so it can neither prompt on nor draw over the screen.
static OFF_TERMINAL: AtomicUsize = AtomicUsize::new(0);

/// Set once Ctrl-C stopped a `token_command`: the person asked to stop, so
/// no later one (the next profile of a fleet) is started to prompt again.
static CANCELLED: AtomicBool = AtomicBool::new(false);

/// The process groups of the `token_command`s running now.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Keeps every `token_command` off the terminal while it lives; see
/// [`keep_commands_off_terminal`].
pub struct OffTerminal(());

impl Drop for OffTerminal {
    fn drop(&mut self) {
        OFF_TERMINAL.fetch_sub(1, Ordering::SeqCst);
    }
}

/// From now until the guard is dropped, a `token_command` runs without the
/// terminal (input `/dev/null`, error output dropped): for a face that holds
/// the whole screen, such as the editor.
pub fn keep_commands_off_terminal() -> OffTerminal {
    OFF_TERMINAL.fetch_add(1, Ordering::SeqCst);
    OffTerminal(())
}

/// Kills the process group of every `token_command` running now (each one's
/// caller then reports it as stopped): for a way out that cannot wait.
pub fn stop_token_commands() {
    let groups = match RUNNING.lock() {
        Ok(groups) => groups.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for group in groups {
        kill_group(group);
    }
}

/// A running command's group in [`RUNNING`], taken out when dropped.
struct Registered(u32);

impl Registered {
    fn new(group: u32) -> Registered {
        match RUNNING.lock() {
            Ok(mut groups) => groups.push(group),
            Err(poisoned) => poisoned.into_inner().push(group),
        }
        Registered(group)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut groups = match RUNNING.lock() {
            Ok(groups) => groups,
            Err(poisoned) => poisoned.into_inner(),
        };
        groups.retain(|g| *g != self.0);
    }
}

/// Runs a profile's `token_command` through the shell; its stdout is the
/// token. See [`run_token_command_until`]; this one has no deadline but the
/// profile's `timeout`.
pub fn run_token_command(
    command: &str,
    profile: &str,
    timeout: Duration,
) -> Result<SecretString, Failure> {
    run_token_command_until(command, profile, timeout, None)
}

/// Runs a profile's `token_command` through the shell; its stdout is the
/// token. The command runs in its own process group without the token
/// variables in its environment; at most [`TOKEN_COMMAND_MAX_OUTPUT`] bytes
/// of its output are read (into memory wiped afterwards). The output is
/// never shown.
///
/// On a terminal where exoset is in the foreground (and no
/// [`keep_commands_off_terminal`] guard lives), the command reads the
/// terminal and holds its foreground while it runs, so it can prompt (a
/// password, `sudo`) and Ctrl-C reaches it; exoset takes the foreground back
/// however it ends. Otherwise its input is `/dev/null`.
///
/// Its whole process group is killed after `timeout`, at `deadline` (the
/// caller's own limit) when that is sooner, and when Ctrl-C ends it
/// (then the error has exit code 130). Once the command has exited, its
/// output may stay open [`TOKEN_COMMAND_OUTPUT_GRACE`] longer; what still
/// holds it then is killed with its group.
pub fn run_token_command_until(
    command: &str,
    profile: &str,
    timeout: Duration,
    deadline: Option<Instant>,
) -> Result<SecretString, Failure> {
    let fail =
        |what: String| Failure::credentials(format!("token_command of profile {profile:?} {what}"));
    if CANCELLED.load(Ordering::SeqCst) {
        return Err(Failure::interrupted(format!(
            "token_command of profile {profile:?} was not run: Ctrl-C stopped an earlier one"
        )));
    }
    let started = Instant::now();
    let Some(own_deadline) = started.checked_add(timeout) else {
        return Err(Failure::usage(format!(
            "token_command_timeout of profile {profile:?} is {}, more than this system can \
             wait; give a duration like \"60s\"",
            humantime::format_duration(timeout)
        )));
    };
    let (deadline, limit, advice) = match deadline {
        Some(d) if d < own_deadline => (d, d.saturating_duration_since(started), ""),
        _ => (
            own_deadline,
            timeout,
            " (set token_command_timeout in the profile to wait longer)",
        ),
    };
    let on_screen = OFF_TERMINAL.load(Ordering::SeqCst) > 0;
    let terminal = if on_screen {
        None
    } else {
        foreground_terminal()
    };
    let mut child = std::process::Command::new("sh");
    child
        .arg("-c")
        .arg(command)
        .stdout(std::process::Stdio::piped());
    match terminal.as_ref().and_then(|tty| tty.try_clone().ok()) {
        Some(tty) => child.stdin(tty),
        None => child.stdin(std::process::Stdio::null()),
    };
    if on_screen {
        child.stderr(std::process::Stdio::null());
    } else {
        child.stderr(std::process::Stdio::inherit());
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut child, 0);
    for var in TOKEN_ENV_VARS {
        child.env_remove(var);
    }
    let mut child = child
        .spawn()
        .map_err(|e| fail(format!("could not be started: {e}")))?;
    let group = child.id();
    let registered = Registered::new(group);
    // Given the terminal before anything else: a read before this stopped it
    // (SIGTTIN), and the hand-over continues it.
    let foreground = terminal.and_then(|tty| Foreground::hand(tty, group));
    let Some(mut stdout) = child.stdout.take() else {
        drop(foreground);
        stop(&mut child);
        return Err(fail("could not be read".to_owned()));
    };
    let (tx, rx) = sync_channel(1);
    let reader = move || {
        // Sized once, so that growing never leaves an unwiped copy behind.
        let mut out = Zeroizing::new(Vec::with_capacity(TOKEN_COMMAND_MAX_OUTPUT + 1));
        let read = (&mut stdout)
            .take(TOKEN_COMMAND_MAX_OUTPUT as u64 + 1)
            .read_to_end(&mut out);
        let _ = tx.send((read.map(|_| ()), out));
    };
    if let Err(e) = std::thread::Builder::new()
        .name("exoset-token-command".to_owned())
        .spawn(reader)
    {
        drop(foreground);
        stop(&mut child);
        return Err(fail(format!("could not be read: {e}")));
    }
    // First the command's own end; its output is taken afterwards.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(None) => {
                drop(foreground);
                stop(&mut child);
                return Err(fail(format!(
                    "did not finish within {}; it was stopped{advice}",
                    humantime::format_duration(rounded(limit))
                )));
            }
            Err(e) => {
                drop(foreground);
                stop(&mut child);
                return Err(fail(format!("could not be waited for: {e}")));
            }
        }
    };
    drop(foreground);
    if interrupted(&status) {
        CANCELLED.store(true, Ordering::SeqCst);
        // What it started goes with it, SIGINT ignored or not.
        kill_group(group);
        return Err(Failure::interrupted(format!(
            "token_command of profile {profile:?} was interrupted (Ctrl-C); it was stopped"
        )));
    }
    let done = match rx.recv_timeout(TOKEN_COMMAND_OUTPUT_GRACE) {
        Ok(done) => Some(done),
        Err(_) => {
            // Something it started still holds its output open.
            kill_group(group);
            rx.recv_timeout(TOKEN_COMMAND_OUTPUT_GRACE).ok()
        }
    };
    drop(registered);
    let Some((read, out)) = done else {
        return Err(fail(
            "exited, but a process it started left its process group and still holds its \
             output open"
                .to_owned(),
        ));
    };
    if out.len() > TOKEN_COMMAND_MAX_OUTPUT {
        return Err(fail(format!(
            "printed more than {} KiB; a token is one short line (its output is not shown)",
            TOKEN_COMMAND_MAX_OUTPUT / 1024
        )));
    }
    if let Err(e) = read {
        return Err(fail(format!("could not be read: {e}")));
    }
    if !status.success() {
        let shown = if on_screen {
            "; its output is not shown (run `exoset auth status` outside the editor to see its \
             errors)"
        } else {
            "; its output is not shown"
        };
        return Err(fail(format!("failed ({status}){shown}")));
    }
    let text = std::str::from_utf8(&out).map_err(|_| {
        fail("printed something that is not UTF-8 (its output is not shown)".to_owned())
    })?;
    let token = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(text);
    if token.is_empty() {
        return Err(fail("printed no token".to_owned()));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(fail(format!(
            "printed {} bytes; a token is at most {} KiB (its output is not shown)",
            token.len(),
            MAX_TOKEN_BYTES / 1024
        )));
    }
    if token.chars().any(char::is_control) {
        return Err(fail(
            "printed control characters (a line break, tab or escape) around or inside the \
             token; it must print the token alone on one line (its output is not shown)"
                .to_owned(),
        ));
    }
    let mut exact = String::with_capacity(token.len());
    exact.push_str(token);
    Ok(SecretString::from(exact))
}

/// A limit as a person reads it: up to the next tenth of a second.
fn rounded(limit: Duration) -> Duration {
    Duration::from_millis(u64::try_from(limit.as_millis().div_ceil(100) * 100).unwrap_or(u64::MAX))
}

/// Whether the command ended by Ctrl-C: killed by SIGINT, or (a shell or
/// `sudo` that caught it) exit status 130.
fn interrupted(status: &std::process::ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(2) {
            return true;
        }
    }
    // A shell reports a child stopped by SIGINT as 128 + 2, as exoset does.
    status.code() == Some(i32::from(exit::INTERRUPTED))
}

/// The controlling terminal, when exoset is in its foreground process group
/// (a command started in the background must not read it).
#[cfg(unix)]
fn foreground_terminal() -> Option<std::fs::File> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let foreground = rustix::termios::tcgetpgrp(&tty).ok()?;
    (foreground == rustix::process::getpgrp()).then_some(tty)
}

#[cfg(not(unix))]
fn foreground_terminal() -> Option<std::fs::File> {
    None
}

/// The terminal's foreground, given to a command's process group; dropping
/// this takes it back for exoset's own group. SIGTTOU is blocked on this
/// thread meanwhile: taking the foreground back from the background would
/// otherwise stop exoset.
#[cfg(unix)]
struct Foreground {
    tty: std::fs::File,
    ours: rustix::process::Pid,
    mask: nix::sys::signal::SigSet,
}

#[cfg(unix)]
impl Foreground {
    fn hand(tty: std::fs::File, group: u32) -> Option<Foreground> {
        use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
        let pid = i32::try_from(group)
            .ok()
            .and_then(rustix::process::Pid::from_raw)?;
        let mut ttou = SigSet::empty();
        ttou.add(Signal::SIGTTOU);
        let mut mask = SigSet::empty();
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&ttou), Some(&mut mask)).ok()?;
        let held = Foreground {
            tty,
            ours: rustix::process::getpgrp(),
            mask,
        };
        // On failure the command keeps running in the background: a read of
        // the terminal then stops it until its time limit.
        rustix::termios::tcsetpgrp(&held.tty, pid).ok()?;
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::CONT);
        Some(held)
    }
}

#[cfg(unix)]
impl Drop for Foreground {
    fn drop(&mut self) {
        use nix::sys::signal::{SigmaskHow, pthread_sigmask};
        let _ = rustix::termios::tcsetpgrp(&self.tty, self.ours);
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&self.mask), None);
    }
}

/// Nothing to hand over without Unix terminals (never constructed).
#[cfg(not(unix))]
enum Foreground {}

#[cfg(not(unix))]
impl Foreground {
    fn hand(_tty: std::fs::File, _group: u32) -> Option<Foreground> {
        None
    }
}

/// Kills a `token_command`'s whole process group (the shell and what it ran)
/// and waits for the shell.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    kill_group(child.id());
    #[cfg(not(unix))]
    let _ = child.kill();
    let _ = child.wait();
}

/// SIGKILL to a process group.
fn kill_group(group: u32) {
    #[cfg(unix)]
    if let Some(pid) = i32::try_from(group)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = group;
}

#[cfg(test)]
mod tests {
    /// What `auth status` prints of a token_command: never the command,
    /// which may hold the token inline.
    #[test]
    fn a_token_command_source_shows_no_command() {
        assert_eq!(
            super::TokenSource::Command.to_string(),
            "the profile's token_command"
        );
    }

    /// The only way to see the flag is from inside: after the guard, this
    /// process may not be dumped or attached to by others of its user.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_guard_makes_the_process_non_dumpable() {
        use rustix::process::{DumpableBehavior, dumpable_behavior};
        super::guard_process();
        assert_eq!(
            dumpable_behavior().expect("prctl"),
            DumpableBehavior::NotDumpable
        );
    }
}
