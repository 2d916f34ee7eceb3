//! Reads across tenants: `get` (a matrix, or JSON), `export`, `history`.

use super::{CELL, finish, label};
use crate::cli::remote::{self, display_value};
use crate::cli::write_stdout;
use crate::cli::{Failure, exit};
use crate::fleet::{Got, Member};
use crate::schema::FieldId;
use crate::settings::Settings;
use crate::text::{count, fit, json_pretty, safe, table, width};
use serde_json::{Map, Value};
use std::io::IsTerminal;
use std::path::Path;

/// `get` across tenants: a matrix, or `{profile: {section: {key: value}}}`
/// (each tenant in the shape `get --json` prints for one; `null` for a
/// tenant that could not be read).
pub(super) fn get(
    members: &[Member],
    got: &[Got],
    ids: &[FieldId],
    as_json: bool,
    differ: bool,
) -> Result<(), Failure> {
    let asked_for_keys = !ids.is_empty();
    let ids: Vec<FieldId> = if ids.is_empty() {
        FieldId::all().collect()
    } else {
        ids.to_vec()
    };
    let mut code = exit::OK;
    let mut read: Vec<(&Member, &Settings)> = Vec::new();
    for (member, got) in members.iter().zip(got) {
        match got {
            Got::Read(r) => read.push((member, &r.answer.settings)),
            Got::Failed(refusal) => {
                eprintln!(
                    "exoset: {}: {}",
                    label(&member.profile, member.tenant_label()),
                    safe(&refusal.message)
                );
                code = code.max(refusal.code);
            }
            Got::Cancelled => {
                eprintln!(
                    "exoset: {}: not read: interrupted",
                    label(&member.profile, member.tenant_label())
                );
                code = code.max(exit::INTERRUPTED);
            }
        }
    }
    let differs = |id: FieldId| {
        let mut values = read.iter().map(|(_, s)| s.get(id));
        let first = values.next().flatten();
        values.any(|v| !crate::changes::same_reported(id, first, v))
    };
    let shown_ids: Vec<FieldId> = ids
        .iter()
        .copied()
        .filter(|id| !differ || differs(*id))
        .collect();
    if as_json {
        let mut out = Map::new();
        for (member, got) in members.iter().zip(got) {
            let value = match got {
                Got::Read(r) if differ || asked_for_keys => {
                    remote::only(&crate::cli::show::settings(&r.answer.settings), &shown_ids)
                }
                Got::Read(r) => crate::cli::show::settings(&r.answer.settings).to_json(),
                _ => Value::Null,
            };
            out.insert(member.profile.clone(), value);
        }
        write_stdout(&json_pretty(&Value::Object(out)))?;
        return finish(code, "");
    }
    if read.is_empty() {
        return finish(code.max(exit::NETWORK), "no tenant could be read");
    }
    if shown_ids.is_empty() {
        eprintln!(
            "The {} agree on {}.",
            count(read.len(), "tenant"),
            if ids.len() == 1 {
                "this key"
            } else {
                "every key asked for"
            }
        );
        return finish(code, "");
    }
    // What is shown of each tenant: secrets masked, told apart by a number
    // for this run (`••••#1`, `••••#2`).
    let mut tags = crate::secrets::Tags::default();
    let masked: Vec<Option<Settings>> = got
        .iter()
        .map(|got| match got {
            Got::Read(r) => {
                let mut shown = r.answer.settings.clone();
                for id in &shown_ids {
                    if let Some(value) = r.answer.settings.get(*id) {
                        let text = crate::cli::show::tagged(*id, value, &mut tags);
                        if text != value {
                            shown.set(*id, text);
                        }
                    }
                }
                Some(shown)
            }
            _ => None,
        })
        .collect();
    // Every tenant keeps its place: one that could not be read says so.
    let columns: Vec<(&Member, Option<&Settings>)> = members
        .iter()
        .zip(&masked)
        .map(|(member, shown)| (member, shown.as_ref()))
        .collect();
    let limit = terminal_width();
    // Where the tenants' values of a key part, to keep that in view.
    let parting = |id: FieldId| {
        let values: Vec<String> = masked
            .iter()
            .flatten()
            .map(|s| s.get(id).map(display_value).unwrap_or_default())
            .map(|v| safe(&v).into_owned())
            .collect();
        crate::text::parting(&values.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let partings: Vec<Option<usize>> = shown_ids.iter().map(|id| parting(*id)).collect();
    // Off a terminal a value is never cut; on one, to `max` columns around
    // where the tenants' values part.
    let cell = |settings: Option<&Settings>, key: usize, max: usize| match settings {
        None => "(not read)".to_string(),
        Some(settings) => settings.get(shown_ids[key]).map_or_else(
            || "(not reported)".to_string(),
            |v| {
                let text = safe(&display_value(v)).into_owned();
                match (limit, partings[key]) {
                    (None, _) => text,
                    (Some(_), Some(at)) => crate::text::fit_showing(&text, at, max),
                    (Some(_), None) => fit(&text, max),
                }
            },
        ),
    };
    let marked: Vec<bool> = shown_ids.iter().map(|id| differs(*id)).collect();
    let mark = |key: usize| if marked[key] { "*" } else { "" }.to_string();
    // One row per key…
    let mut by_key_header = vec![String::new(), "KEY".to_string()];
    by_key_header.extend(columns.iter().map(|(m, _)| safe(&m.profile).into_owned()));
    let by_key: Vec<Vec<String>> = (0..shown_ids.len())
        .map(|key| {
            let mut row = vec![mark(key), shown_ids[key].path()];
            row.extend(columns.iter().map(|(_, s)| cell(*s, key, CELL)));
            row
        })
        .collect();
    // …or one row per tenant…
    let mut by_tenant_header = vec!["PROFILE".to_string(), "TENANT".to_string()];
    by_tenant_header.extend(
        shown_ids
            .iter()
            .zip(&marked)
            .map(|(id, mark)| format!("{}{}", id.path(), if *mark { " *" } else { "" })),
    );
    let by_tenant: Vec<Vec<String>> = columns
        .iter()
        .map(|(m, s)| {
            let mut row = vec![
                safe(&m.profile).into_owned(),
                safe(m.tenant_label()).into_owned(),
            ];
            row.extend((0..shown_ids.len()).map(|key| cell(*s, key, CELL)));
            row
        })
        .collect();
    fn header(h: &[String]) -> Vec<&str> {
        h.iter().map(String::as_str).collect()
    }
    let key_text = table(&header(&by_key_header), &by_key);
    let tenant_text = table(&header(&by_tenant_header), &by_tenant);
    let widest = |t: &str| t.lines().map(width).max().unwrap_or(0);
    let text = match limit {
        // Off a terminal, the narrower.
        None if widest(&key_text) <= widest(&tenant_text) => key_text,
        None => tenant_text,
        // On one, a matrix that fits; else one row per key per tenant,
        // the value cut to what is left of the line.
        Some(limit) if widest(&key_text) <= limit => key_text,
        Some(limit) if widest(&tenant_text) <= limit => tenant_text,
        Some(limit) => one_row_each(&shown_ids, &columns, &mark, limit, &cell),
    };
    write_stdout(&text)?;
    if marked.iter().any(|m| *m) {
        eprintln!("* the tenants differ on this key");
    }
    finish(code, "")
}

/// `get` across tenants too wide for the terminal as a matrix: one row per
/// key per tenant, the value in what is left of the line.
pub(super) fn one_row_each(
    ids: &[FieldId],
    columns: &[(&Member, Option<&Settings>)],
    mark: &dyn Fn(usize) -> String,
    limit: usize,
    cell: &dyn Fn(Option<&Settings>, usize, usize) -> String,
) -> String {
    let key_width = ids.iter().map(|id| width(&id.path())).max().unwrap_or(3);
    let profile_width = columns
        .iter()
        .map(|(m, _)| width(&safe(&m.profile)))
        .max()
        .unwrap_or(7)
        .max(7);
    // The mark, the key, the profile and the gaps between them.
    let room = limit
        .saturating_sub(1 + 2 + key_width.max(3) + 2 + profile_width + 2)
        .max(12);
    let rows: Vec<Vec<String>> = (0..ids.len())
        .flat_map(|key| {
            columns.iter().map(move |(m, s)| {
                vec![
                    mark(key),
                    ids[key].path(),
                    safe(&m.profile).into_owned(),
                    cell(*s, key, room),
                ]
            })
        })
        .collect();
    table(&["", "KEY", "PROFILE", "VALUE"], &rows)
}

/// Columns to fit a matrix in, when stdout is a terminal.
pub(super) fn terminal_width() -> Option<usize> {
    std::io::stdout()
        .is_terminal()
        .then(|| crossterm::terminal::size().map_or(100, |(w, _)| usize::from(w)))
}

/// `export` across tenants: a folder of PROFILE.json, or `{profile: doc}`.
pub(super) fn export(
    members: &[Member],
    got: &[Got],
    output: Option<&Path>,
) -> Result<(), Failure> {
    let mut code = exit::OK;
    let mut docs = Map::new();
    let mut read = Vec::new();
    for (member, got) in members.iter().zip(got) {
        match got {
            Got::Read(r) => {
                docs.insert(member.profile.clone(), r.answer.settings.to_json());
                read.push((member.profile.as_str(), &r.answer.settings));
            }
            Got::Failed(refusal) => {
                eprintln!(
                    "exoset: {}: {}",
                    label(&member.profile, member.tenant_label()),
                    safe(&refusal.message)
                );
                code = code.max(refusal.code);
            }
            Got::Cancelled => code = code.max(exit::INTERRUPTED),
        }
    }
    match output {
        None => crate::cli::write_stdout_exact(&json_pretty(&Value::Object(docs)))?,
        Some(dir) if dir == Path::new("-") => {
            crate::cli::write_stdout_exact(&json_pretty(&Value::Object(docs)))?
        }
        Some(dir) => {
            if dir.exists() && !dir.is_dir() {
                return Err(Failure::usage(format!(
                    "{} is a file; with several profiles -o names a folder (one PROFILE.json \
                     each)",
                    safe(&dir.display().to_string())
                )));
            }
            for (profile, doc) in &docs {
                let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
                text.push('\n');
                let path = dir.join(format!("{profile}.json"));
                crate::config::write_private(&path, &text).map_err(|e| {
                    Failure::usage(format!(
                        "cannot write {}: {e}",
                        safe(&path.display().to_string())
                    ))
                })?;
            }
            eprintln!(
                "Wrote {} to {}.",
                count(docs.len(), "file"),
                safe(&dir.display().to_string())
            );
        }
    }
    // Whole, as a single export is; each document that holds secrets is
    // named once it is written.
    let to_stdout = output.is_none_or(|dir| dir == Path::new("-"));
    for (profile, settings) in &read {
        let to = match output {
            Some(dir) if !to_stdout => {
                safe(&dir.join(format!("{profile}.json")).display().to_string()).into_owned()
            }
            _ => format!("this export ({})", safe(profile)),
        };
        crate::cli::remote::note_secrets_in(settings, &to);
    }
    finish(code, "")
}

/// `history` across tenants: each tenant's entries under its name. Needs no
/// token: the history is on this machine.
pub(super) fn history(names: &[String], limit: usize, as_json: bool) -> Result<(), Failure> {
    let mut code = exit::OK;
    let mut text = String::new();
    let mut out = Map::new();
    for name in names {
        let overrides = crate::auth::Overrides {
            profile: Some(name.clone()),
            profile_only: true,
            ..crate::auth::Overrides::default()
        };
        let selected = match crate::auth::select(&overrides) {
            Ok(selected) => selected,
            Err(e) => {
                eprintln!("exoset: {}: {}", safe(name), safe(&e.message));
                code = code.max(e.code);
                continue;
            }
        };
        let Some(tenant) = selected.tenant_sid.clone() else {
            eprintln!(
                "exoset: {}: the profile names no tenant SID; nothing recorded",
                safe(name)
            );
            code = code.max(exit::CREDENTIALS);
            continue;
        };
        let state = crate::store::StateDir::new(&selected.paths, name, &tenant);
        let history = match remote::load_history_of(&state) {
            Ok(history) => history,
            Err(e) => {
                eprintln!("exoset: {}: {}", label(name, &tenant), safe(&e.message));
                code = code.max(e.code);
                continue;
            }
        };
        let newest: Vec<&crate::store::HistoryEntry> =
            history.entries.iter().rev().take(limit).collect();
        if as_json {
            out.insert(name.clone(), remote::history_json(&newest));
            continue;
        }
        text.push_str(&format!("{}:\n", label(name, &tenant)));
        if newest.is_empty() {
            text.push_str("  (no changes recorded)\n");
        } else {
            for line in remote::history_text(&newest).lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    if as_json {
        write_stdout(&json_pretty(&Value::Object(out)))?;
    } else {
        write_stdout(&text)?;
    }
    finish(code, "")
}
