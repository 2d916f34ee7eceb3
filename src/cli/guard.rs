//! The guard as the subcommands meet it: this run's locks from `--write` and
//! `--read-only`, a profile's label, and the questions a protected profile
//! or a required reason asks. What may be sent is decided by
//! [`crate::guard::clear`]; this module only gathers what the person says.

use super::{Cli, Failure};
use crate::config::{Config, Paths};
use crate::guard::{Confirmation, Mode, ProfileGuard, RunLocks};
use crate::session::Session;
use crate::text::safe;
use std::io::{BufRead, IsTerminal, Write};

/// This run's locks. `fleet`: the run works on several profiles (a bare
/// `--write` then names none and is refused).
pub fn locks(cli: &Cli, fleet: bool) -> Result<RunLocks, Failure> {
    if cli.read_only && cli.write.is_some() {
        return Err(Failure::usage(
            "--write and --read-only contradict each other: give one",
        ));
    }
    let Some(write) = cli.write.as_deref() else {
        return Ok(RunLocks {
            all_read_only: cli.read_only,
            write: Vec::new(),
        });
    };
    let config = Paths::from_env()
        .ok()
        .and_then(|paths| Config::load(&paths.config_file).ok())
        .unwrap_or_default();
    let names: Vec<String> = if write.trim().is_empty() {
        if fleet {
            return Err(Failure::usage(
                "a bare --write unlocks the one profile of a single-profile run; with several \
                 profiles name them: --write=NAME[,NAME…]",
            ));
        }
        let requested = cli.target.profile.first().cloned().or_else(|| {
            std::env::var("EXOSET_PROFILE")
                .ok()
                .filter(|p| !p.is_empty())
        });
        vec![config.profile_name(requested.as_deref())]
    } else {
        write
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    };
    for name in &names {
        match config.profiles.get(name) {
            None => eprintln!(
                "note: --write: there is no profile {} in the config file",
                safe(name)
            ),
            Some(_) if config.guard(name).mode != Mode::ReadOnly => eprintln!(
                "note: --write: profile {} is not read-only; nothing to unlock",
                safe(name)
            ),
            Some(_) => {}
        }
    }
    Ok(RunLocks {
        all_read_only: false,
        write: names,
    })
}

/// `[PROD]` in the profile's colour (when `colour`), or nothing.
pub fn tag(guard: &ProfileGuard, colour: bool) -> Option<String> {
    let tag = guard.tag()?;
    Some(match guard.colour {
        Some(c) if colour => format!("\x1b[1;{}m{tag}\x1b[0m", c.sgr()),
        _ => tag,
    })
}

/// Colour on stderr: a terminal, and `NO_COLOR` unset.
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `--confirm-tenant` as typed: SIDs, and `all:N` when given.
#[derive(Debug, Default)]
pub struct Confirmations {
    pub sids: Vec<String>,
    pub all: Option<usize>,
}

impl Confirmations {
    pub fn parse(given: &[String]) -> Result<Confirmations, Failure> {
        let mut out = Confirmations::default();
        for item in given {
            let item = item.trim();
            match item.strip_prefix("all:") {
                Some(n) => {
                    let n = n.trim().parse::<usize>().map_err(|_| {
                        Failure::usage(format!(
                            "--confirm-tenant {}: all:N takes the number of protected tenants \
                             that will change",
                            safe(item)
                        ))
                    })?;
                    out.all = Some(n);
                }
                None if item.is_empty() => {
                    return Err(Failure::usage(
                        "--confirm-tenant needs a tenant SID or all:N",
                    ));
                }
                None => out.sids.push(item.to_string()),
            }
        }
        Ok(out)
    }

    /// Refuses SIDs that name none of `tenants` (the tenants this run
    /// sends to): a typo must not pass for a confirmation.
    pub fn check_sids(&self, tenants: &[&str]) -> Result<(), Failure> {
        match self.sids.iter().find(|s| !tenants.contains(&s.as_str())) {
            Some(sid) => Err(Failure::usage(format!(
                "--confirm-tenant {}: no tenant this run sends to has that SID; nothing was sent",
                safe(sid)
            ))),
            None => Ok(()),
        }
    }
}

/// Reads one line from the terminal after `prompt` (on stderr); `None` when
/// there is no terminal to ask on.
pub fn ask(prompt: &str) -> Result<Option<String>, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(None);
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    Ok(Some(line.trim().to_string()))
}

/// The reason for a send: `--reason`, else asked on the terminal when a
/// profile requires one (and `--yes` does not forbid asking).
pub fn reason(
    given: Option<&str>,
    required_by: &[&str],
    may_ask: bool,
) -> Result<Option<String>, Failure> {
    if let Some(reason) = given.filter(|r| !r.trim().is_empty()) {
        return Ok(Some(reason.to_string()));
    }
    if required_by.is_empty() || !may_ask {
        return Ok(None);
    }
    let names: Vec<String> = required_by.iter().map(|n| safe(n).into_owned()).collect();
    Ok(ask(&format!(
        "Reason for this change (profile {} requires one): ",
        names.join(", ")
    ))?
    .filter(|r| !r.is_empty()))
}

/// How the person confirms a send to one tenant: `None` when they decline.
/// A protected profile's tenant SID comes from `--confirm-tenant`, or is
/// typed; anything else is a plain yes (`--yes`, or `y` to `question`).
pub fn confirm_one(
    session: &Session,
    yes: bool,
    given: &Confirmations,
    question: &str,
) -> Result<Option<Confirmation>, Failure> {
    given.check_sids(&[session.tenant.as_str()])?;
    let protected = session.guard.mode == Mode::Protected;
    if let Some(n) = given.all {
        return Ok(Some(Confirmation::Count {
            typed: n,
            protected: usize::from(protected),
        }));
    }
    if given.sids.contains(&session.tenant) {
        return Ok(Some(Confirmation::Tenant(session.tenant.clone())));
    }
    if !protected {
        if yes {
            return Ok(Some(Confirmation::Yes));
        }
        return match ask(&format!("{question} [y/N] "))? {
            None => Err(Failure::usage(
                "not sending without confirmation: no terminal to ask on; pass --yes \
                 (or --dry-run to see the body)",
            )),
            Some(a) if matches!(a.as_str(), "y" | "Y" | "yes" | "YES" | "Yes") => {
                Ok(Some(Confirmation::Yes))
            }
            Some(_) => Ok(None),
        };
    }
    if yes {
        // The guard says why a yes alone is not enough.
        return Ok(Some(Confirmation::Yes));
    }
    match ask(&format!(
        "{question}\nThis profile is protected: type its tenant SID ({}) to send, or press \
         Enter to cancel: ",
        safe(&session.tenant)
    ))? {
        None => Err(Failure::usage(format!(
            "not sending to protected profile {}: no terminal to ask on; pass \
             --confirm-tenant {}",
            safe(&session.profile),
            safe(&session.tenant)
        ))),
        Some(typed) if typed.is_empty() => Ok(None),
        Some(typed) => Ok(Some(Confirmation::Tenant(typed))),
    }
}
