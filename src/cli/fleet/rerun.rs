//! `exoset rerun`, and the run report every fleet send keeps for it.

use super::Fleet;
use crate::changes::Edits;
use crate::cli::{Cli, Failure};
use crate::config::{Config, Paths};
use crate::fleet::{self, Selection};
use crate::runs;
use crate::schema::FieldId;
use crate::settings::Settings;
use crate::text::{count, safe};
use std::path::Path;

/// A change's keys and values, as a run report keeps them.
pub(super) fn key_values<'a>(
    pairs: impl Iterator<Item = (FieldId, &'a str)>,
) -> Vec<runs::KeyValue> {
    pairs
        .map(|(id, value)| runs::KeyValue {
            key: id.path(),
            value: value.to_string(),
        })
        .collect()
}

/// Keeps the run report in the data folder's `runs/`; says where when some
/// tenant did not finish (`exoset rerun` takes it up). Failing to keep it
/// is a warning: the send is done.
pub(super) fn keep_run_report(
    command: &str,
    change: Vec<runs::KeyValue>,
    outcomes: &[fleet::Outcome],
) {
    let report = runs::RunReport::new(command, change, outcomes);
    let saved = Paths::from_env()
        .map_err(|e| e.to_string())
        .and_then(|paths| runs::save(&paths, &report).map_err(|e| e.to_string()));
    let unfinished = outcomes.iter().any(|o| RERUN_DEFAULT.contains(&o.kind));
    match saved {
        Ok(path) if unfinished => eprintln!(
            "The run report is in {}; `exoset rerun` sends the change again to the tenants \
             that did not finish.",
            safe(&path.display().to_string())
        ),
        Ok(_) => {}
        Err(e) => eprintln!("warning: cannot keep the run report: {}", safe(&e)),
    }
}

/// The outcomes `exoset rerun` takes up unless told otherwise.
pub(super) const RERUN_DEFAULT: [fleet::Kind; 3] = [
    fleet::Kind::Failed,
    fleet::Kind::Unknown,
    fleet::Kind::Cancelled,
];

/// `exoset rerun [FILE] [--outcome …]`: the change of a run report planned
/// again on exactly the tenants that ended with those outcomes, through the
/// same guard, plan, questions and send as `set` ([`Fleet::change`]). A
/// tenant whose "unknown" PUT did land now plans `unchanged`.
pub fn rerun(
    cli: &Cli,
    file: Option<&Path>,
    outcomes: &[String],
    send: &crate::cli::SendArgs,
) -> Result<(), Failure> {
    if !cli.target.profile.is_empty()
        || cli.fleet.all_profiles
        || cli.fleet.profiles_matching.is_some()
    {
        return Err(Failure::usage(
            "rerun takes its tenants from the run report; -p, --all-profiles and \
             --profiles-matching do not apply",
        ));
    }
    for (flag, given) in [
        ("--tenant-sid", cli.target.tenant_sid.is_some()),
        ("--api-key", cli.target.api_key.is_some()),
    ] {
        if given {
            return Err(Failure::usage(format!(
                "{flag} names one tenant; rerun uses each profile's own"
            )));
        }
    }
    if send.expect_unchanged.is_some() {
        return Err(Failure::usage("--expect-unchanged does not apply to rerun"));
    }
    let mut kinds = Vec::new();
    for word in outcomes {
        let word = word.trim();
        match fleet::Kind::ALL.iter().find(|k| k.as_str() == word) {
            Some(kind) => kinds.push(*kind),
            None => {
                return Err(Failure::usage(format!(
                    "--outcome {}: not an outcome (one of {})",
                    crate::session::quoted(word),
                    fleet::Kind::ALL
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    let paths = Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => runs::latest(&paths).ok_or_else(|| {
            Failure::usage(format!(
                "no run report in {}: nothing to rerun",
                safe(&runs::folder(&paths).display().to_string())
            ))
        })?,
    };
    let report = runs::load(&path).map_err(Failure::usage)?;
    let mut names: Vec<String> = Vec::new();
    for line in report.report.iter().filter(|o| kinds.contains(&o.kind)) {
        if !names.contains(&line.profile) {
            names.push(line.profile.clone());
        }
    }
    let mut pairs = Vec::new();
    for kv in &report.change {
        let id = crate::schema::lookup_path(&kv.key).ok_or_else(|| {
            Failure::usage(format!(
                "{}: the run report names {}, not a setting exoset knows; nothing was sent",
                safe(&path.display().to_string()),
                crate::session::quoted(&kv.key)
            ))
        })?;
        pairs.push((id, kv.value.clone()));
    }
    let words: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    if names.is_empty() || pairs.is_empty() {
        eprintln!(
            "No tenant of the run of {} ended {}: nothing to rerun.",
            safe(&report.when),
            words.join(", ")
        );
        return Ok(());
    }
    eprintln!(
        "Rerunning the change of the run of {} on the {} that ended {}: {}.",
        safe(&report.when),
        count(names.len(), "tenant"),
        words.join(", "),
        names
            .iter()
            .map(|n| safe(n).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    let selection = Selection {
        names: names.clone(),
        all: false,
        matching: None,
    };
    let names = selection
        .pick(&config, &paths.config_file)
        .map_err(Failure::usage)?;
    if let Some(refusal) = fleet::plain_http_refusal(cli.target.base_url.as_deref())
        && names.len() > 1
    {
        return Err(Failure::usage(refusal));
    }
    let members = super::connect_members(cli, &names)?;
    let requested = pairs.len();
    let change = key_values(pairs.iter().map(|(id, v)| (*id, v.as_str())));
    let edits = move |base: &Settings| {
        let mut edits = Edits::default();
        for (id, value) in &pairs {
            edits.set(base, *id, value.clone());
        }
        Ok(edits)
    };
    Fleet::new(cli.fleet.jobs, super::configured_ceiling()?)?.change(
        cli,
        &members,
        requested,
        edits,
        send,
        ("rerun", change),
    )
}
