//! `doctor` across several profiles: this machine's checks once (config,
//! keyrings, terminal), then each profile's credentials and the way to its
//! server, and a line per profile at the end — the check to run before a
//! change goes to a fleet.

use super::{
    Report, Status, account_check, config_checks, ending, keyring_checks, network_checks, quoted,
    shown_base_url, terminal_checks, verdict,
};
use crate::api::client::DEFAULT_BASE_URL;
use crate::cli::{Cli, Failure};
use crate::text::{count, safe, table};

/// One profile's part of the report.
struct Profile {
    name: String,
    base_url: String,
    report: Report,
}

pub fn run_profiles(cli: &Cli, names: &[String], json: bool) -> Result<(), Failure> {
    if !json {
        println!(
            "exoset {} doctor: this machine, then {}",
            env!("CARGO_PKG_VERSION"),
            count(names.len(), "profile")
        );
    }
    let mut machine = Report::new(json);
    config_checks(&mut machine);
    // Whether a missing keyring matters depends on each profile's token;
    // the store is looked at once, as the keyring a token would be in.
    keyring_checks(&mut machine, None);
    terminal_checks(&mut machine);
    let options = cli.client_options().unwrap_or_default();
    let mut profiles = Vec::with_capacity(names.len());
    for name in names {
        // As a fleet resolves each member: the profile alone (flags apply),
        // never the EXOSET_* credentials.
        let overrides = crate::auth::Overrides {
            profile: Some(name.clone()),
            base_url: cli.target.base_url.clone(),
            tenant_sid: None,
            api_key: None,
            profile_only: true,
        };
        let selected = crate::auth::select(&overrides);
        let base_url = selected.as_ref().map_or_else(
            |_| {
                cli.target
                    .base_url
                    .clone()
                    .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
            },
            |s| s.base_url.clone(),
        );
        if !json {
            println!(
                "\nProfile {}, server {}",
                quoted(name),
                shown_base_url(&base_url)
            );
        }
        let mut report = Report::new(json);
        // Ctrl-C at a token_command's prompt ends doctor, as it ends any
        // command.
        let credentials = account_check(&mut report, &overrides, &selected)
            .map_err(|e| Failure::new(e.code, safe(&e.message)))?;
        network_checks(&mut report, &base_url, credentials.as_ref(), &options);
        profiles.push(Profile {
            name: name.clone(),
            base_url,
            report,
        });
    }
    let fails = machine.count(Status::Fail)
        + profiles
            .iter()
            .map(|p| p.report.count(Status::Fail))
            .sum::<usize>();
    let warns = machine.count(Status::Warn)
        + profiles
            .iter()
            .map(|p| p.report.count(Status::Warn))
            .sum::<usize>();
    if json {
        let value = serde_json::json!({
            "exoset": env!("CARGO_PKG_VERSION"),
            "ok": fails == 0,
            "checks": machine.checks,
            "profiles": profiles.iter().map(|p| serde_json::json!({
                "profile": safe(&p.name),
                "base_url": shown_base_url(&p.base_url),
                "ok": p.report.count(Status::Fail) == 0,
                "checks": p.report.checks,
            })).collect::<Vec<_>>(),
        });
        print!("{}", crate::text::json_pretty(&value));
    } else {
        println!();
        let rows: Vec<Vec<String>> = profiles
            .iter()
            .map(|p| {
                let failed: Vec<&str> = p
                    .report
                    .checks
                    .iter()
                    .filter(|c| c.status == Status::Fail)
                    .map(|c| c.title)
                    .collect();
                vec![
                    safe(&p.name).into_owned(),
                    shown_base_url(&p.base_url),
                    if failed.is_empty() {
                        "ok".to_owned()
                    } else {
                        format!("FAIL: {}", failed.join(", "))
                    },
                ]
            })
            .collect();
        print!("{}", table(&["PROFILE", "SERVER", "RESULT"], &rows));
        println!();
        println!("{}", verdict(fails, warns));
    }
    ending(fails)
}
