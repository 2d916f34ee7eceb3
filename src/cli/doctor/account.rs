//! The chosen profile's credentials, resolved as every command resolves them.

use super::{
    CREDENTIALS_GRACE, CREDENTIALS_LIMIT, Check, Report, Status, Unanswered, bounded, quoted, secs,
};
use crate::auth::{Selected, TokenSource};
use crate::exit::{self, Failure};
use crate::keystore::STORE_ENV;
use crate::text::safe;
use std::time::Instant;

pub(super) fn describe_source(source: &TokenSource) -> String {
    match source {
        TokenSource::Environment => "EXOSET_API_TOKEN".to_owned(),
        TokenSource::Store(kind) => format!("the {}", kind.describe()),
        // The command itself is not shown: people do write `echo TOKEN`.
        TokenSource::Command => "the profile's token_command".to_owned(),
    }
}

/// Resolves credentials like every other command; returns them when found,
/// and the error when Ctrl-C stopped a token_command.
pub(super) fn account_check(
    report: &mut Report,
    overrides: &crate::auth::Overrides,
    selected: &Result<Selected, Failure>,
) -> Result<Option<crate::api::Credentials>, Failure> {
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
