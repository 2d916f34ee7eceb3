//! `exoset auth login | status | logout` and `exoset profiles`.

use super::remote::block_on;
use super::{Failure, exit};
use crate::api::{Client, ClientOptions, Credentials};
use crate::auth::{self, Overrides, TokenSource};
use crate::config::{ConfigEdit, Profile, check_profile_name};
use crate::keystore::TokenStore;
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroizing;

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

/// Echo is off while the token is typed, and comes back however the prompt
/// ends: Enter, Ctrl-C, Ctrl-D, an error or a panic (the guard's drop).
struct HiddenInput;

impl HiddenInput {
    fn start() -> std::io::Result<HiddenInput> {
        // Raw mode: no echo, and Ctrl-C arrives as a byte instead of killing
        // the process with echo still off.
        crossterm::terminal::enable_raw_mode()?;
        Ok(HiddenInput)
    }
}

impl Drop for HiddenInput {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Reads the token from the terminal without echoing it. Ctrl-C or Ctrl-D
/// cancels (exit 130, as a shell reports SIGINT); Backspace and Ctrl-U edit.
fn prompt_token() -> Result<SecretString, Failure> {
    use std::io::Read;
    eprint!("API token (hidden): ");
    let _ = std::io::stderr().flush();
    let mut token = Zeroizing::new(Vec::<u8>::new());
    let outcome = (|| -> Result<bool, Failure> {
        let _hidden = HiddenInput::start()
            .map_err(|e| Failure::usage(format!("cannot turn echo off to read the token: {e}")))?;
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8; 1];
        loop {
            let n = stdin
                .read(&mut byte)
                .map_err(|e| Failure::usage(format!("cannot read the token: {e}")))?;
            match (n, byte[0]) {
                (0, _) | (_, 0x04) => return Ok(token.is_empty()),
                (_, 0x03) => return Ok(true),
                (_, b'\r' | b'\n') => return Ok(false),
                (_, 0x7f | 0x08) => {
                    // Remove a whole UTF-8 character.
                    while let Some(last) = token.pop() {
                        if last & 0xc0 != 0x80 {
                            break;
                        }
                    }
                }
                (_, 0x15) => token.clear(),
                (_, b) => token.push(b),
            }
        }
    })();
    eprintln!();
    if outcome? {
        return Err(Failure::interrupted("cancelled; nothing was saved"));
    }
    let text = std::str::from_utf8(&token)
        .map_err(|_| Failure::usage("the token is not valid UTF-8"))?
        .trim();
    if text.is_empty() {
        return Err(Failure::usage("the token is required"));
    }
    Ok(SecretString::from(text.to_string()))
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

    // --token-stdin is for pipes; on a terminal, typing it would echo it.
    let token = if args.token_stdin && !interactive {
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
        "Saved profile {} in {} and its token in the {}.",
        quoted(&name),
        shown_path(&selected.paths.config_file),
        store.kind().describe()
    );
    if let Some(caveat) = store.kind().caveat() {
        eprintln!("Note: {caveat}");
    }
    Ok(())
}

/// A name from outside (a profile's), quoted and safe for a terminal.
fn quoted(name: &str) -> String {
    format!("\"{}\"", crate::text::safe(name))
}

/// A file's path as shown: nothing of it reaches the terminal raw.
fn shown_path(path: &std::path::Path) -> String {
    crate::text::safe(&path.display().to_string()).into_owned()
}

/// A base URL as shown: a password in it (which exoset refuses to use) is
/// masked — one holding `/ ? #` too, which a URL parser would not see as a
/// password — and nothing of it reaches the terminal raw.
fn shown_url(url: &str) -> String {
    super::doctor::redact_proxy(url)
}

/// `exoset auth status [--check]`
pub fn status(overrides: &Overrides, check: bool, options: ClientOptions) -> Result<(), Failure> {
    use crate::text::safe;
    let selected = auth::select(overrides)?;
    let show = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "(not set)".into(), |v| safe(v).into_owned())
    };
    let mut out = String::new();
    out.push_str(&format!(
        "profile     {}{}\n",
        safe(&selected.profile),
        if selected.saved { "" } else { " (not saved)" }
    ));
    out.push_str(&format!(
        "config      {}\n",
        shown_path(&selected.paths.config_file)
    ));
    out.push_str(&format!("tenant SID  {}\n", show(&selected.tenant_sid)));
    out.push_str(&format!("API key     {}\n", show(&selected.api_key)));
    out.push_str(&format!("base URL    {}\n", shown_url(&selected.base_url)));
    let guard = selected.config.guard(&selected.profile);
    out.push_str(&format!("mode        {}\n", describe_guard(&guard)));
    let token = auth::find_token_with(&selected, None).map(|found| {
        for (kind, why) in &found.skipped {
            out.push_str(&format!("skipped     {kind}: {}\n", safe(why)));
        }
        (found.token, found.source)
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
        Err(e) => out.push_str(&format!("token       none: {}\n", safe(&e.to_string()))),
    }
    let token = match token {
        Ok(_) => token,
        Err(e) => {
            super::write_stdout(&out)?;
            return Err(Failure::new(e.code, "no token found"));
        }
    };
    if !check {
        return super::write_stdout(&out);
    }
    // --check: one authenticated GET says whether the server takes them,
    // with the token found above (a token_command runs once).
    let Ok((api_token, _)) = token else {
        return super::write_stdout(&out);
    };
    let (tenant_sid, api_key) = auth::tenant_and_key(&selected)?;
    let credentials = crate::api::Credentials {
        base_url: selected.base_url.clone(),
        tenant_sid,
        api_key,
        api_token,
    };
    let checked = Client::new(&credentials, options)
        .map_err(Failure::from)
        .and_then(|client| block_on(client.get())?.map_err(Failure::from));
    match checked {
        Ok(answer) => {
            out.push_str(&format!(
                "server      took the credentials ({} settings read)\n",
                answer.settings.reported().count()
            ));
            super::write_stdout(&out)
        }
        Err(failure) => {
            out.push_str(&format!(
                "server      did not take them: {}\n",
                crate::text::safe_lines(&failure.message)
            ));
            super::write_stdout(&out)?;
            Err(Failure::new(
                failure.code,
                "the credentials were not accepted",
            ))
        }
    }
}

/// `exoset auth logout`
pub fn logout(overrides: &Overrides, forget: bool) -> Result<(), Failure> {
    let selected = auth::select(overrides)?;
    let name = &selected.profile;
    match TokenStore::open() {
        Ok(store) => match store.delete(name) {
            Ok(true) => eprintln!(
                "Deleted the token of profile {} from the {}.",
                quoted(name),
                store.kind().describe()
            ),
            Ok(false) => eprintln!(
                "No token of profile {} was in the {}.",
                quoted(name),
                store.kind().describe()
            ),
            Err(e) => {
                return Err(Failure::new(
                    exit::CREDENTIALS,
                    format!(
                        "could not delete the token of profile {}: {e}",
                        quoted(name)
                    ),
                ));
            }
        },
        Err(e) => eprintln!(
            "No OS keyring to delete a token from ({}).",
            crate::text::safe(&e.to_string())
        ),
    }
    if forget {
        let mut edit = ConfigEdit::open(&selected.paths.config_file)
            .map_err(|e| Failure::usage(e.to_string()))?;
        if edit.remove_profile(name) {
            edit.save().map_err(|e| Failure::usage(e.to_string()))?;
            eprintln!(
                "Removed profile {} from {}.",
                quoted(name),
                shown_path(&selected.paths.config_file)
            );
        }
    }
    Ok(())
}

/// `exoset profiles`
/// `protected [PROD] (reason required)`: a profile's mode, label and
/// whether it needs a reason.
fn describe_guard(guard: &crate::guard::ProfileGuard) -> String {
    let mut text = guard.mode.as_str().to_string();
    if let Some(tag) = guard.tag() {
        text.push(' ');
        text.push_str(&tag);
    }
    if guard.require_reason {
        text.push_str(" (reason required)");
    }
    text
}

pub fn profiles() -> Result<(), Failure> {
    let selected = auth::select(&Overrides::default())?;
    let config = &selected.config;
    if config.profiles.is_empty() {
        eprintln!(
            "No profiles in {}; create one with `exoset auth login`.",
            shown_path(&selected.paths.config_file)
        );
        return Ok(());
    }
    let default = config.profile_name(None);
    let mut out = String::new();
    let cell =
        |v: Option<&str>, w: usize| crate::text::pad(&crate::text::safe(v.unwrap_or("-")), w);
    for (name, p) in &config.profiles {
        let mark = if *name == default { "*" } else { " " };
        let guard = config.guard(name);
        let mode = if guard == crate::guard::ProfileGuard::default() {
            String::new()
        } else {
            format!("  {}", describe_guard(&guard))
        };
        out.push_str(&format!(
            "{mark} {} tenant {} key {} {}{mode}\n",
            cell(Some(name), 16),
            cell(p.tenant_sid.as_deref(), 20),
            cell(p.api_key.as_deref(), 20),
            shown_url(
                p.base_url
                    .as_deref()
                    .unwrap_or(crate::api::client::DEFAULT_BASE_URL)
            ),
        ));
    }
    super::write_stdout(&out)
}
