//! Choosing the profiles of a fleet and a session on each.

use crate::api::ClientOptions;
use crate::auth::Overrides;
use crate::config::Config;
use crate::session::Session;

use crate::exit::Failure;
/// Which profiles a command is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `-p a,b -p c`, in the order given.
    pub names: Vec<String>,
    /// `--all-profiles`.
    pub all: bool,
    /// `--profiles-matching GLOB`.
    pub matching: Option<String>,
}

impl Selection {
    /// Whether this asks for a fleet rather than today's one profile: more
    /// than one name, or a choice by the config's list.
    pub fn is_fleet(&self) -> bool {
        self.all || self.matching.is_some() || self.distinct_names().len() > 1
    }

    fn distinct_names(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for name in &self.names {
            let name = name.trim();
            if !name.is_empty() && !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen
    }

    /// The profile names chosen, each once: named ones first in the order
    /// given, then the config's (sorted) that the choice takes in.
    pub fn pick(&self, config: &Config, file: &std::path::Path) -> Result<Vec<String>, String> {
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        let known_list = || {
            if known.is_empty() {
                "there are none yet; create one with `exoset auth login -p NAME`".to_string()
            } else {
                format!("known: {}", known.join(", "))
            }
        };
        let mut picked: Vec<String> = Vec::new();
        let mut missing = Vec::new();
        for name in self.distinct_names() {
            if known.contains(&name) {
                picked.push(name.to_string());
            } else {
                missing.push(format!("{name:?}"));
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "no {} {} in {} ({})",
                crate::text::plural(missing.len(), "profile"),
                missing.join(", "),
                file.display(),
                known_list()
            ));
        }
        if let Some(pattern) = &self.matching {
            let matched: Vec<&str> = known
                .iter()
                .copied()
                .filter(|name| glob_match(pattern, name))
                .collect();
            if matched.is_empty() {
                return Err(format!(
                    "--profiles-matching {pattern:?} matches no profile in {} ({})",
                    file.display(),
                    known_list()
                ));
            }
            picked.extend(matched.into_iter().map(str::to_string));
        }
        if self.all {
            if known.is_empty() {
                return Err(format!(
                    "--all-profiles: there are no profiles in {} yet; create one with \
                     `exoset auth login -p NAME`",
                    file.display()
                ));
            }
            picked.extend(known.iter().map(|s| s.to_string()));
        }
        let mut unique = Vec::new();
        for name in picked {
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        Ok(unique)
    }
}

/// Shell-style `*` (any run, empty included) and `?` (one character).
/// Profile names are plain letters, digits, `-`, `_` and `.`, so classes and
/// braces would add a dependency for nothing.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and how much of the name it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One profile of the fleet: its tenant and a session on it, or why there
/// is none (no credentials, a bad base URL).
#[derive(Debug, Clone)]
pub struct Member {
    pub profile: String,
    /// The tenant SID, or `None` when the profile names none.
    pub tenant: Option<String>,
    pub session: Result<Session, Failure>,
}

impl Member {
    /// The tenant SID for a report.
    pub fn tenant_label(&self) -> &str {
        self.tenant.as_deref().unwrap_or("-")
    }
}

/// Why a typed base URL cannot be used across several profiles, if it
/// cannot: over plain `http://` every profile's token would cross in clear
/// (loopback included: any user of a shared host can listen on a local port).
pub fn plain_http_refusal(base_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(base_url?.trim()).ok()?;
    (url.scheme() == "http").then(|| {
        "--base-url with http:// is not used with several profiles: every profile's token \
         would be sent in clear to that one address; use an https:// URL, or one profile (-p NAME)"
            .to_owned()
    })
}

/// A session per profile; a profile whose credentials cannot be found
/// becomes a member that says why (exit 3), without stopping the others.
/// `base_url` (the flag) applies to every profile, but never over plain
/// `http://` (each member is refused, exit 2); everything else — tenant SID,
/// API key, base URL and token — comes from each profile alone, never from
/// the `EXOSET_*` variables.
pub fn connect(names: &[String], base_url: Option<&str>, options: &ClientOptions) -> Vec<Member> {
    // One HTTP setup and pool for all (see `Client::sibling`).
    let mut shared: Option<crate::api::Client> = None;
    let plain = plain_http_refusal(base_url);
    names
        .iter()
        .map(|profile| {
            if let Some(message) = &plain {
                return Member {
                    profile: profile.clone(),
                    tenant: None,
                    session: Err(Failure::usage(message.clone())),
                };
            }
            let overrides = Overrides {
                profile: Some(profile.clone()),
                base_url: base_url.map(str::to_string),
                tenant_sid: None,
                api_key: None,
                profile_only: true,
            };
            let tenant = crate::auth::select(&overrides)
                .ok()
                .and_then(|s| s.tenant_sid);
            let session =
                crate::auth::resolve(&overrides).and_then(|(credentials, _, selected)| {
                    let client = match &shared {
                        Some(first) => first.sibling(&credentials),
                        None => crate::api::Client::new(&credentials, options.clone()),
                    }
                    .map_err(Failure::from)?;
                    if shared.is_none() {
                        shared = Some(client.clone());
                    }
                    Ok(Session::for_profile(
                        client,
                        &selected.paths,
                        &selected.profile,
                        &credentials.tenant_sid,
                        selected.config.history.keep,
                    )
                    .with_guard(selected.config.guard(&selected.profile)))
                });
            Member {
                profile: profile.clone(),
                tenant,
                session,
            }
        })
        .collect()
}
