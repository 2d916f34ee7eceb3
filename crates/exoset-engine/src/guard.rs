//! The guard every send passes, in both faces: a profile's mode (read-only,
//! protected), the typed confirmation a protected tenant needs, and the
//! reason a profile may require.
//!
//! [`crate::session::Session::send`] takes a [`Cleared`], and only [`clear`]
//! makes one — after checking the mode, this run's `--write` / `--read-only`,
//! the confirmation and the reason — so no face, present or future, can send
//! without passing here.

use crate::config::Profile;
use crate::exit::Failure;
use crate::session::Session;
use crate::text::safe;

/// How careful to be with a profile's tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Normal,
    /// Nothing is sent unless this run unlocks it (`--write`).
    ReadOnly,
    /// A send needs the tenant SID typed (or `--confirm-tenant`).
    Protected,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Normal, Mode::ReadOnly, Mode::Protected];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::ReadOnly => "read-only",
            Mode::Protected => "protected",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == text.trim())
    }
}

/// One of the 16 basic terminal colours, for a profile's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(u8);

impl Colour {
    pub const NAMES: [&'static str; 16] = [
        "black",
        "red",
        "green",
        "yellow",
        "blue",
        "magenta",
        "cyan",
        "white",
        "bright-black",
        "bright-red",
        "bright-green",
        "bright-yellow",
        "bright-blue",
        "bright-magenta",
        "bright-cyan",
        "bright-white",
    ];

    fn parse(text: &str) -> Option<Colour> {
        let text = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Colour::NAMES
            .iter()
            .position(|n| *n == text)
            .and_then(|i| u8::try_from(i).ok())
            .map(Colour)
    }

    /// 0–15, in the order of [`Colour::NAMES`] (the ANSI order).
    pub fn index(self) -> u8 {
        self.0
    }

    pub fn name(self) -> &'static str {
        Colour::NAMES[usize::from(self.0)]
    }

    /// The SGR code of this colour as a foreground (30–37, 90–97).
    pub fn sgr(self) -> u8 {
        if self.0 < 8 {
            30 + self.0
        } else {
            90 + self.0 - 8
        }
    }
}

/// A profile's care: from its entry in config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileGuard {
    pub mode: Mode,
    /// A short word shown with the profile everywhere (`PROD`).
    pub label: Option<String>,
    pub colour: Option<Colour>,
    /// A send needs a reason (`--reason`, or the editor asks).
    pub require_reason: bool,
}

impl ProfileGuard {
    /// The guard a profile's entry asks for; an unknown mode or colour is
    /// refused naming the profile and the allowed values.
    pub fn of(name: &str, profile: &Profile) -> Result<ProfileGuard, String> {
        let mode = match profile.mode.as_deref() {
            None => Mode::Normal,
            Some(text) => Mode::parse(text).ok_or_else(|| {
                format!(
                    "profile {name:?}: mode {text:?} is not one of {}",
                    Mode::ALL.map(Mode::as_str).join(", ")
                )
            })?,
        };
        let colour = match profile.colour.as_deref() {
            None => None,
            Some(text) => Some(Colour::parse(text).ok_or_else(|| {
                format!(
                    "profile {name:?}: colour {text:?} is not one of {}",
                    Colour::NAMES.join(", ")
                )
            })?),
        };
        let label = profile
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        Ok(ProfileGuard {
            mode,
            label,
            colour,
            require_reason: profile.require_reason,
        })
    }

    /// `[PROD]`, escaped and at most 24 columns, or nothing.
    pub fn tag(&self) -> Option<String> {
        self.label
            .as_deref()
            .map(|l| format!("[{}]", crate::text::fit(&safe(l), 22)))
    }
}

/// What this run locks and unlocks: `--read-only` and `--write`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunLocks {
    /// `--read-only`: every profile is read-only for this run.
    pub all_read_only: bool,
    /// `--write`: the profiles unlocked for this run, by name.
    pub write: Vec<String>,
}

impl RunLocks {
    /// Whether `profile` may be sent to in this run.
    pub fn writable(&self, profile: &str, guard: &ProfileGuard) -> bool {
        !self.all_read_only
            && (guard.mode != Mode::ReadOnly || self.write.iter().any(|w| w == profile))
    }
}

/// How the person said yes to a send to one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// `y` to the question, or `--yes`: enough for a normal profile only.
    Yes,
    /// A tenant SID: typed at the question, or given with `--confirm-tenant`.
    Tenant(String),
    /// A fleet's count: `typed` (at the question, or `--confirm-tenant
    /// all:N`) against the number of protected tenants the plan changes.
    Count { typed: usize, protected: usize },
}

/// Leave to send one change to one tenant; only [`clear`] makes one, and
/// [`Session::send`] sends nothing without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleared {
    profile: String,
    tenant: String,
    reason: Option<String>,
}

impl Cleared {
    /// Whether this leave is for `session`'s tenant.
    pub fn is_for(&self, session: &Session) -> bool {
        self.profile == session.profile && self.tenant == session.tenant
    }

    /// Why the change is made, as typed.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

/// Checks a send to `session`'s tenant against its profile's mode, this
/// run's locks, the person's confirmation and the reason; `Err` says why
/// nothing may be sent (exit 2) and how to go on.
pub fn clear(
    session: &Session,
    locks: &RunLocks,
    confirmation: &Confirmation,
    reason: Option<&str>,
) -> Result<Cleared, Failure> {
    let guard = &session.guard;
    let name = match guard.tag() {
        Some(tag) => format!("{} {tag}", safe(&session.profile)),
        None => safe(&session.profile).into_owned(),
    };
    if locks.all_read_only {
        return Err(Failure::usage(format!(
            "every profile is read-only in this run (--read-only): nothing was sent to profile \
             {name}"
        )));
    }
    if !locks.writable(&session.profile, guard) {
        return Err(Failure::usage(format!(
            "profile {name} is read-only: nothing was sent; to change its tenant in this run, \
             add --write={}",
            safe(&session.profile)
        )));
    }
    if guard.mode == Mode::Protected {
        match confirmation {
            Confirmation::Yes => {
                return Err(Failure::usage(format!(
                    "profile {name} is protected: a yes alone does not send to it; type its \
                     tenant SID when asked, or pass --confirm-tenant {}",
                    safe(&session.tenant)
                )));
            }
            Confirmation::Tenant(typed) if typed.trim() != session.tenant => {
                return Err(Failure::usage(format!(
                    "profile {name} is protected and {} is not its tenant SID ({}): nothing \
                     was sent",
                    crate::session::quoted(typed.trim()),
                    safe(&session.tenant)
                )));
            }
            Confirmation::Count { typed, protected } if typed != protected => {
                return Err(Failure::usage(format!(
                    "{typed} was confirmed, but {protected} protected {} would change: nothing \
                     was sent",
                    if *protected == 1 { "tenant" } else { "tenants" }
                )));
            }
            _ => {}
        }
    }
    let reason = reason.filter(|r| !r.trim().is_empty()).map(str::to_string);
    if guard.require_reason && reason.is_none() {
        return Err(Failure::usage(format!(
            "profile {name} requires a reason for every change: pass --reason TEXT (the editor \
             asks for one); nothing was sent"
        )));
    }
    Ok(Cleared {
        profile: session.profile.clone(),
        tenant: session.tenant.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(mode: Option<&str>, colour: Option<&str>) -> Profile {
        Profile {
            mode: mode.map(str::to_string),
            colour: colour.map(str::to_string),
            ..Profile::default()
        }
    }

    #[test]
    fn an_unknown_mode_or_colour_names_the_profile_and_the_allowed_values() {
        let e = ProfileGuard::of("prod", &profile(Some("locked"), None)).unwrap_err();
        assert!(
            e.contains("\"prod\"") && e.contains("normal, read-only, protected"),
            "{e}"
        );
        let e = ProfileGuard::of("prod", &profile(None, Some("pink"))).unwrap_err();
        assert!(e.contains("\"prod\"") && e.contains("bright-white"), "{e}");
        let g = ProfileGuard::of("p", &profile(Some("protected"), Some("Bright Red"))).unwrap();
        assert_eq!(g.mode, Mode::Protected);
        assert_eq!(g.colour.map(Colour::sgr), Some(91));
        assert_eq!(
            ProfileGuard::of("p", &Profile::default()).unwrap(),
            ProfileGuard::default()
        );
    }

    #[test]
    fn write_unlocks_only_the_profiles_it_names_and_read_only_wins() {
        let locked = ProfileGuard {
            mode: Mode::ReadOnly,
            ..ProfileGuard::default()
        };
        let locks = RunLocks {
            all_read_only: false,
            write: vec!["a".into()],
        };
        assert!(locks.writable("a", &locked));
        assert!(!locks.writable("b", &locked));
        assert!(locks.writable("b", &ProfileGuard::default()));
        let all = RunLocks {
            all_read_only: true,
            write: vec!["a".into()],
        };
        assert!(!all.writable("a", &ProfileGuard::default()));
    }

    #[test]
    fn a_label_is_escaped_and_short() {
        let g = ProfileGuard {
            label: Some("PROD\u{1b}[31m and a very long tail of words".into()),
            ..ProfileGuard::default()
        };
        let tag = g.tag().unwrap();
        assert!(
            !tag.contains('\u{1b}') && crate::text::width(&tag) <= 24,
            "{tag}"
        );
    }
}
