//! `exoset auth login | status | logout` and `exoset profiles`.

use super::remote::block_on;
use super::{Failure, exit};
use crate::api::{Client, ClientOptions, Credentials};
use crate::auth::{self, AuthError, Overrides, TokenSource};
use crate::config::{ConfigEdit, Profile, check_profile_name};
use crate::keystore::TokenStore;
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroizing;

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Failure {
        Failure::new(e.code, e.message)
    }
}

#[derive(Debug, Clone, Default)]
pub struct LoginArgs {
    pub token_stdin: bool,
    pub no_verify: bool,
}

fn ask(prompt: &str, current: Option<&str>) -> Result<String, Failure> {
    let hint = current.map(|c| format!(" [{c}]")).unwrap_or_default();
    eprint!("{prompt}{hint}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read {prompt}: {e}")))?;
    let line = line.trim();
    match (line.is_empty(), current) {
        (true, Some(current)) => Ok(current.to_string()),
        (true, None) => Err(Failure::usage(format!("{prompt} is required"))),
        (false, _) => Ok(line.to_string()),
    }
}

fn read_token_stdin() -> Result<SecretString, Failure> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the token from stdin: {e}")))?;
    let token = line.trim_end_matches(['\n', '\r']);
    if token.is_empty() {
        return Err(Failure::usage("no token on stdin"));
    }
    Ok(SecretString::from(token.to_string()))
}

fn prompt_token() -> Result<SecretString, Failure> {
    let token = Zeroizing::new(
        rpassword::prompt_password("API token (hidden): ")
            .map_err(|e| Failure::usage(format!("cannot read the token: {e}")))?,
    );
    if token.trim().is_empty() {
        return Err(Failure::usage("the token is required"));
    }
    Ok(SecretString::from(token.trim().to_string()))
}

/// `exoset auth login`
pub fn login(
    overrides: &Overrides,
    args: &LoginArgs,
    options: ClientOptions,
) -> Result<(), Failure> {
    let selected = auth::select_new(overrides)?;
    let name = selected.profile.clone();
    check_profile_name(&name).map_err(Failure::usage)?;
    let saved = selected
        .config
        .profiles
        .get(&name)
        .cloned()
        .unwrap_or_default();
    let interactive = std::io::stdin().is_terminal();

    let value =
        |flag: &Option<String>, saved: &Option<String>, prompt: &str| match (flag, interactive) {
            (Some(v), _) => Ok(v.clone()),
            (None, true) => ask(prompt, saved.as_deref()),
            (None, false) => saved.clone().ok_or_else(|| {
                Failure::usage(format!(
                    "no terminal to ask for the {prompt}: pass it as a flag \
                     (exoset auth login --sid S --api-key K --token-stdin)"
                ))
            }),
        };
    let tenant_sid = value(&overrides.tenant_sid, &saved.tenant_sid, "tenant SID")?;
    let api_key = value(&overrides.api_key, &saved.api_key, "API key or Account SID")?;
    let base_url = overrides
        .base_url
        .clone()
        .or(saved.base_url.clone())
        .unwrap_or_else(|| crate::api::client::DEFAULT_BASE_URL.to_string());

    let token = if args.token_stdin {
        read_token_stdin()?
    } else if interactive {
        prompt_token()?
    } else {
        return Err(Failure::usage(
            "no terminal to ask for the token: pass --token-stdin and pipe it in",
        ));
    };

    let credentials = Credentials {
        base_url: base_url.clone(),
        tenant_sid: tenant_sid.clone(),
        api_key: api_key.clone(),
        api_token: token,
    };
    let client = Client::new(&credentials, options)?;
    if !args.no_verify {
        let answer = block_on(client.get())?.map_err(|e| {
            let mut failure = Failure::from(e);
            failure.message = format!(
                "{}; nothing was saved (`exoset auth login --no-verify` saves without checking)",
                failure.message
            );
            failure
        })?;
        eprintln!(
            "Verified: the server answered with {} settings.",
            answer.settings.reported().count()
        );
    }

    // Open the store before touching the config: failing there leaves no half-login.
    let store = TokenStore::open().map_err(|e| {
        Failure::new(
            exit::CREDENTIALS,
            format!(
                "no OS keyring to keep the token in: {e}; nothing was saved. Use \
                 EXOSET_API_TOKEN, or a token_command in the profile"
            ),
        )
    })?;
    store.set(&name, &credentials.api_token).map_err(|e| {
        Failure::new(
            exit::CREDENTIALS,
            format!(
                "could not save the token in the {}: {e}; nothing was saved",
                store.kind().describe()
            ),
        )
    })?;
    let mut edit = ConfigEdit::open(&selected.paths.config_file).map_err(|e| {
        Failure::usage(format!(
            "{e}; fix the file (the token was saved, the profile not)"
        ))
    })?;
    edit.set_profile(
        &name,
        &Profile {
            tenant_sid: Some(tenant_sid),
            api_key: Some(api_key),
            base_url: Some(base_url),
            ..Profile::default()
        },
    );
    edit.set_default_if_unset(&name);
    edit.save().map_err(|e| Failure::usage(e.to_string()))?;
    eprintln!(
        "Saved profile {name:?} in {} and its token in the {}.",
        selected.paths.config_file.display(),
        store.kind().describe()
    );
    if let Some(caveat) = store.kind().caveat() {
        eprintln!("Note: {caveat}");
    }
    Ok(())
}

/// `exoset auth status`
pub fn status(overrides: &Overrides) -> Result<(), Failure> {
    let selected = auth::select(overrides)?;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not set)".into());
    let mut out = String::new();
    out.push_str(&format!(
        "profile     {}{}\n",
        selected.profile,
        if selected.saved { "" } else { " (not saved)" }
    ));
    out.push_str(&format!(
        "config      {}\n",
        selected.paths.config_file.display()
    ));
    out.push_str(&format!("tenant SID  {}\n", show(&selected.tenant_sid)));
    out.push_str(&format!("API key     {}\n", show(&selected.api_key)));
    out.push_str(&format!("base URL    {}\n", selected.base_url));
    let token = auth::find_token_with(&selected, None).map(|found| {
        for (kind, why) in &found.skipped {
            out.push_str(&format!("skipped     {kind}: {why}\n"));
        }
        ((), found.source)
    });
    match &token {
        Ok((_, source)) => {
            out.push_str(&format!("token       found in {source}\n"));
            if let TokenSource::Store(kind) = source
                && let Some(caveat) = kind.caveat()
            {
                out.push_str(&format!("            note: {caveat}\n"));
            }
        }
        Err(e) => out.push_str(&format!("token       none: {e}\n")),
    }
    print!("{out}");
    match token {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::new(e.code, "no token found")),
    }
}

/// `exoset auth logout`
pub fn logout(overrides: &Overrides, forget: bool) -> Result<(), Failure> {
    let selected = auth::select(overrides)?;
    let name = &selected.profile;
    match TokenStore::open() {
        Ok(store) => match store.delete(name) {
            Ok(true) => eprintln!(
                "Deleted the token of profile {name:?} from the {}.",
                store.kind().describe()
            ),
            Ok(false) => eprintln!(
                "No token of profile {name:?} was in the {}.",
                store.kind().describe()
            ),
            Err(e) => {
                return Err(Failure::new(
                    exit::CREDENTIALS,
                    format!("could not delete the token of profile {name:?}: {e}"),
                ));
            }
        },
        Err(e) => eprintln!("No OS keyring to delete a token from ({e})."),
    }
    if forget {
        let mut edit = ConfigEdit::open(&selected.paths.config_file)
            .map_err(|e| Failure::usage(e.to_string()))?;
        if edit.remove_profile(name) {
            edit.save().map_err(|e| Failure::usage(e.to_string()))?;
            eprintln!(
                "Removed profile {name:?} from {}.",
                selected.paths.config_file.display()
            );
        }
    }
    Ok(())
}

/// `exoset profiles`
pub fn profiles() -> Result<(), Failure> {
    let selected = auth::select(&Overrides::default())?;
    let config = &selected.config;
    if config.profiles.is_empty() {
        eprintln!(
            "No profiles in {}; create one with `exoset auth login`.",
            selected.paths.config_file.display()
        );
        return Ok(());
    }
    let default = config.profile_name(None);
    let mut out = String::new();
    for (name, p) in &config.profiles {
        let mark = if *name == default { "*" } else { " " };
        out.push_str(&format!(
            "{mark} {name:<16} tenant {:<20} key {:<20} {}\n",
            p.tenant_sid.as_deref().unwrap_or("-"),
            p.api_key.as_deref().unwrap_or("-"),
            p.base_url
                .as_deref()
                .unwrap_or(crate::api::client::DEFAULT_BASE_URL),
        ));
    }
    print!("{out}");
    Ok(())
}
