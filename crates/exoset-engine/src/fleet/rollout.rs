//! The rules that keep a fleet send from spreading too far: a canary first,
//! a stop after so many failures, and a typed ceiling on how many tenants
//! one send may change. Pure rules; the faces ask and print.

use super::outcome::{KeyState, Kind, Outcome};
use crate::exit;
use crate::text::count;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio_util::sync::CancellationToken;

/// Whether an outcome counts towards `--max-fail`.
pub fn counts_as_failure(kind: Kind) -> bool {
    matches!(kind, Kind::Failed | Kind::Conflict | Kind::Unknown)
}

/// `--max-fail N` or `N%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFail {
    Count(usize),
    Percent(u32),
}

impl MaxFail {
    /// `3` or `10%`; at least 1 (or 1 %), at most 100 %.
    pub fn parse(text: &str) -> Result<MaxFail, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "--max-fail {}: give a number of tenants (at least 1) or a percentage (1% to \
                 100%)",
                crate::text::safe(text)
            )
        };
        if let Some(n) = text.strip_suffix('%') {
            return match n.trim().parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => Ok(MaxFail::Percent(n)),
                _ => Err(bad()),
            };
        }
        match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(MaxFail::Count(n)),
            _ => Err(bad()),
        }
    }

    /// The number of failures that stops a send to `will_change` tenants:
    /// a percentage is rounded up. A count above `will_change` is refused.
    pub fn limit(self, will_change: usize) -> Result<usize, String> {
        match self {
            MaxFail::Count(n) if n > will_change => Err(format!(
                "--max-fail {n} is more than the {} that will change; nothing was sent",
                count(will_change, "tenant")
            )),
            MaxFail::Count(n) => Ok(n),
            MaxFail::Percent(p) => Ok((will_change * p as usize).div_ceil(100).max(1)),
        }
    }
}

/// Stops a send once `limit` tenants sent to have ended `failed`,
/// `conflict` or `unknown`: `stop` fires, so no new tenant starts and
/// those in flight finish. Counted inside each tenant's task, before it
/// lets another tenant start, so none starts after the limit is reached.
pub struct FailLimit {
    limit: usize,
    seen: AtomicUsize,
    stop: CancellationToken,
}

impl FailLimit {
    pub fn new(limit: usize, stop: CancellationToken) -> FailLimit {
        FailLimit {
            limit,
            seen: AtomicUsize::new(0),
            stop,
        }
    }

    /// Takes in how one tenant sent to ended.
    pub fn see(&self, kind: Kind) {
        if counts_as_failure(kind) {
            let seen = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
            if seen >= self.limit {
                self.stop.cancel();
            }
        }
    }

    pub fn reached(&self) -> bool {
        self.seen.load(Ordering::SeqCst) >= self.limit
    }

    /// What the tenants never started are told.
    pub fn why(&self) -> String {
        format!(
            "not sent: stopped after {}",
            count(self.seen.load(Ordering::SeqCst), "failure")
        )
    }
}

/// Tenants a stop rule kept from starting (`cancelled`, nothing sent) say
/// `why`, and leave the exit code to the failures (not 130: no Ctrl-C).
pub fn mark_stopped(outcomes: &mut [Outcome], why: &str) {
    for line in outcomes.iter_mut().filter(|o| {
        o.kind == Kind::Cancelled && o.changes.iter().all(|c| c.status == KeyState::NotSent)
    }) {
        line.message = why.to_string();
        line.exit_code = exit::OK;
    }
}

/// A run's typed ceiling: `max_tenants_per_send` from config.toml, and
/// the number typed to go above it (`--max-tenants`, or typed in the
/// editor). [`clear_each`](super::clear_each) holds every send to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ceiling {
    pub configured: Option<usize>,
    pub typed: Option<usize>,
}

/// The typed ceiling: `max_tenants_per_send` in config.toml refuses a send
/// to more tenants unless `--max-tenants M` names at least their number.
/// A typed `--max-tenants` below the number is refused whatever the config.
pub fn check_ceiling(
    will_change: usize,
    configured: Option<usize>,
    typed: Option<usize>,
) -> Result<(), String> {
    if let Some(m) = typed {
        if m < will_change {
            return Err(format!(
                "--max-tenants {m}, but {} will change; nothing was sent",
                count(will_change, "tenant")
            ));
        }
        return Ok(());
    }
    match configured {
        Some(max) if will_change > max => Err(format!(
            "{} will change, more than max_tenants_per_send = {max} in config.toml: check the \
             selection, then pass --max-tenants {will_change} to send to them all; nothing was \
             sent",
            count(will_change, "tenant")
        )),
        _ => Ok(()),
    }
}

/// The canary's tenants, by place: the first `n` of those that will change
/// (`changing`, by place), or those named (`named`, profile names), which
/// must be in the selection and change.
pub fn canary(
    profiles: &[&str],
    changing: &[bool],
    n: Option<usize>,
    named: &[String],
) -> Result<Vec<usize>, String> {
    let will_change: Vec<usize> = (0..profiles.len())
        .filter(|&i| changing.get(i).copied().unwrap_or(false))
        .collect();
    if !named.is_empty() {
        let mut chosen = Vec::new();
        for name in named {
            let Some(i) = profiles.iter().position(|p| p == name) else {
                return Err(format!(
                    "--canary-profiles: {} is not in the selection; nothing was sent",
                    crate::text::safe(name)
                ));
            };
            if !will_change.contains(&i) {
                return Err(format!(
                    "--canary-profiles: {} will not change (unchanged, invalid, or not \
                     sendable); nothing was sent",
                    crate::text::safe(name)
                ));
            }
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        return Ok(chosen);
    }
    match n {
        None => Ok(Vec::new()),
        Some(0) => Err("--canary 0 sends to no tenant first: give at least 1".to_string()),
        Some(n) => Ok(will_change.into_iter().take(n).collect()),
    }
}

/// Whether the canary went well enough to go on without asking: every
/// canary tenant `sent`, each key confirmed or unconfirmed.
pub fn canary_passed(lines: &[&Outcome]) -> bool {
    lines.iter().all(|o| {
        o.kind == Kind::Sent
            && o.changes
                .iter()
                .all(|c| matches!(c.status, KeyState::Confirmed | KeyState::Unconfirmed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_fail_counts_and_percentages() {
        assert_eq!(MaxFail::parse("3"), Ok(MaxFail::Count(3)));
        assert_eq!(MaxFail::parse("10%"), Ok(MaxFail::Percent(10)));
        assert!(MaxFail::parse("0").is_err());
        assert!(MaxFail::parse("0%").is_err());
        assert!(MaxFail::parse("101%").is_err());
        assert!(MaxFail::parse("x").is_err());
        assert_eq!(MaxFail::Percent(10).limit(15), Ok(2));
        assert_eq!(MaxFail::Percent(1).limit(3), Ok(1));
        assert_eq!(MaxFail::Count(3).limit(3), Ok(3));
        let above = MaxFail::Count(4).limit(3).unwrap_err();
        assert!(above.contains("more than the 3 tenants"), "{above}");
    }

    #[test]
    fn the_ceiling_wants_the_number_typed() {
        assert!(check_ceiling(5, None, None).is_ok());
        assert!(check_ceiling(5, Some(5), None).is_ok());
        let refused = check_ceiling(6, Some(5), None).unwrap_err();
        assert!(refused.contains("--max-tenants 6"), "{refused}");
        assert!(check_ceiling(6, Some(5), Some(6)).is_ok());
        assert!(check_ceiling(6, Some(5), Some(5)).is_err());
        assert!(check_ceiling(6, None, Some(2)).is_err());
    }

    #[test]
    fn the_canary_takes_tenants_that_will_change() {
        let profiles = ["a", "b", "c", "d"];
        let changing = [false, true, true, true];
        assert_eq!(canary(&profiles, &changing, Some(2), &[]), Ok(vec![1, 2]));
        assert!(canary(&profiles, &changing, Some(0), &[]).is_err());
        assert_eq!(
            canary(&profiles, &changing, None, &["d".into(), "b".into()]),
            Ok(vec![1, 3])
        );
        assert!(canary(&profiles, &changing, None, &["a".into()]).is_err());
        assert!(canary(&profiles, &changing, None, &["zz".into()]).is_err());
    }
}
