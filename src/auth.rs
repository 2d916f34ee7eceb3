//! Where credentials come from: flags, then `EXOSET_*` variables, then the
//! profile and its token store (the OS keyring or a `token_command`).
//! The token is never a flag.

use crate::api::Credentials;
use crate::api::client::DEFAULT_BASE_URL;
use crate::config::{Config, Paths, Profile};
use crate::exit;
use crate::keystore::{StoreKind, TokenStore};
use secrecy::SecretString;
use std::fmt;

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub tenant_sid: Option<String>,
    pub api_key: Option<String>,
    /// Take the tenant SID and API key from the profile alone, not from
    /// `EXOSET_TENANT_SID` / `EXOSET_API_KEY`: across a fleet each profile
    /// names its own tenant, and one variable must not point them all at one.
    pub profile_only: bool,
}

/// Where the token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    Store(StoreKind),
    Command(String),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Environment => f.write_str("environment (EXOSET_API_TOKEN)"),
            TokenSource::Store(kind) => f.write_str(kind.describe()),
            TokenSource::Command(cmd) => write!(f, "token_command ({cmd})"),
        }
    }
}

/// A failure to find usable credentials, with its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub code: u8,
    pub message: String,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl AuthError {
    fn usage(message: impl Into<String>) -> AuthError {
        AuthError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    fn missing(message: impl Into<String>) -> AuthError {
        AuthError {
            code: exit::CREDENTIALS,
            message: message.into(),
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
    pub config: Config,
    pub paths: Paths,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Picks the profile and fills in what flags and environment say. A profile
/// asked for by name must exist.
pub fn select(overrides: &Overrides) -> Result<Selected, AuthError> {
    select_profile(overrides, true)
}

/// Like [`select`], for `auth login`, which may create the profile it names.
pub fn select_new(overrides: &Overrides) -> Result<Selected, AuthError> {
    select_profile(overrides, false)
}

fn select_profile(overrides: &Overrides, must_exist: bool) -> Result<Selected, AuthError> {
    let paths = Paths::from_env().map_err(|e| AuthError::usage(e.to_string()))?;
    let config = Config::load(&paths.config_file).map_err(|e| AuthError::usage(e.to_string()))?;
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
        return Err(AuthError::usage(format!(
            "no profile {profile:?} in {} ({known}); create it with `exoset auth login -p {profile}`",
            paths.config_file.display()
        )));
    }
    let stored = saved.cloned().unwrap_or_default();
    let pick = |flag: &Option<String>, var: &str, saved: &Option<String>| {
        let from_env = || {
            if overrides.profile_only && var != "EXOSET_BASE_URL" {
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
    } = stored;
    Ok(Selected {
        saved: saved.is_some(),
        base_url: pick(&overrides.base_url, "EXOSET_BASE_URL", &base_url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        tenant_sid: pick(&overrides.tenant_sid, "EXOSET_TENANT_SID", &tenant_sid),
        api_key: pick(&overrides.api_key, "EXOSET_API_KEY", &api_key),
        token_command,
        profile,
        config,
        paths,
    })
}

/// Full credentials for a command that talks to the server.
pub fn resolve(overrides: &Overrides) -> Result<(Credentials, TokenSource, Selected), AuthError> {
    let selected = select(overrides)?;
    let fix = format!("`exoset auth login -p {}`", selected.profile);
    let tenant_sid = selected.tenant_sid.clone().ok_or_else(|| {
        AuthError::missing(format!(
            "no tenant SID for profile {:?}: pass --tenant-sid, set EXOSET_TENANT_SID, or run {fix} \
             (or try `exoset --demo`)",
            selected.profile
        ))
    })?;
    let api_key = selected.api_key.clone().ok_or_else(|| {
        AuthError::missing(format!(
            "no API key for profile {:?}: pass --api-key, set EXOSET_API_KEY, or run {fix}",
            selected.profile
        ))
    })?;
    let (token, source) = find_token(&selected)?;
    let credentials = Credentials {
        base_url: selected.base_url.clone(),
        tenant_sid,
        api_key,
        api_token: token,
    };
    Ok((credentials, source, selected))
}

/// The token: environment, else token_command, else the OS keyring.
pub fn find_token(selected: &Selected) -> Result<(SecretString, TokenSource), AuthError> {
    if let Some(token) = env("EXOSET_API_TOKEN") {
        return Ok((SecretString::from(token), TokenSource::Environment));
    }
    if let Some(command) = &selected.token_command {
        let token = run_token_command(command, &selected.profile)?;
        return Ok((token, TokenSource::Command(command.clone())));
    }
    let fix = format!("run `exoset auth login -p {}`", selected.profile);
    let store = TokenStore::open().map_err(|e| {
        AuthError::missing(format!(
            "no API token for profile {:?}: EXOSET_API_TOKEN is not set, the profile has no \
             token_command, and no OS keyring is usable ({e}); set EXOSET_API_TOKEN or add a \
             token_command to the profile",
            selected.profile
        ))
    })?;
    match store.get(&selected.profile) {
        Ok(Some(token)) => Ok((token, TokenSource::Store(store.kind()))),
        Ok(None) => Err(AuthError::missing(format!(
            "no API token for profile {:?} in the {}; {fix}, or set EXOSET_API_TOKEN",
            selected.profile,
            store.kind().describe()
        ))),
        Err(e) => Err(AuthError::missing(format!(
            "cannot read the API token for profile {:?} from the {}: {e}; {fix}, or set \
             EXOSET_API_TOKEN",
            selected.profile,
            store.kind().describe()
        ))),
    }
}

/// Runs a profile's `token_command` through the shell; its stdout is the token.
pub fn run_token_command(command: &str, profile: &str) -> Result<SecretString, AuthError> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            AuthError::missing(format!(
                "cannot run token_command of profile {profile:?}: {e}"
            ))
        })?;
    if !output.status.success() {
        return Err(AuthError::missing(format!(
            "token_command of profile {profile:?} failed ({}); its output is not shown",
            output.status
        )));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        AuthError::missing(format!(
            "token_command of profile {profile:?} printed something that is not UTF-8"
        ))
    })?;
    let token = text.trim_end_matches(['\n', '\r']);
    if token.is_empty() || token.contains('\n') {
        return Err(AuthError::missing(format!(
            "token_command of profile {profile:?} must print the token on one line"
        )));
    }
    Ok(SecretString::from(token.to_string()))
}
