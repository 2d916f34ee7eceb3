//! The subcommands that talk to the server: get, set, diff, apply, export.

use super::{Failure, exit};
use crate::api::{ApiError, Client, ClientOptions, Credentials};
use crate::changes::{ChangeSet, Edits, not_taken};
use crate::schema::{FieldId, lookup_path};
use crate::settings::Settings;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure::new(e.exit_code(), e.to_string())
    }
}

/// How a command that changes settings should behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendMode {
    /// Print the exact PUT body; send nothing.
    pub dry_run: bool,
    /// Do not ask before sending.
    pub yes: bool,
}

/// Runs a future on a small runtime: one thread is plenty for one request.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

pub fn connect(credentials: &Credentials, options: ClientOptions) -> Result<Client, Failure> {
    Ok(Client::new(credentials, options)?)
}

fn print_notes(settings: &Settings) {
    for note in settings.notes() {
        eprintln!("note: {note}");
    }
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `exoset get | head` closing early is not a failure worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(
            exit::NETWORK,
            format!("cannot write output: {e}"),
        )),
    }
}

fn parse_paths(paths: &[String]) -> Result<Vec<FieldId>, Failure> {
    paths
        .iter()
        .map(|p| {
            lookup_path(p).ok_or_else(|| {
                Failure::usage(format!(
                    "{p:?} is not a setting; paths look like common.timezone (see `exoset fields`)"
                ))
            })
        })
        .collect()
}

/// `exoset get [--json] [PATH…]`
pub fn get(client: &Client, as_json: bool, paths: &[String]) -> Result<(), Failure> {
    let ids = parse_paths(paths)?;
    let answer = block_on(client.get())??;
    print_notes(&answer.settings);
    let text = if as_json {
        get_json(&answer.settings, &ids)
    } else {
        get_table(&answer.settings, &ids)
    };
    write_stdout(&text)
}

/// The document as JSON; filtered to `ids` when any are given.
pub fn get_json(settings: &Settings, ids: &[FieldId]) -> String {
    let doc = if ids.is_empty() {
        settings.to_json()
    } else {
        let mut filtered = Settings::default();
        for &id in ids {
            if let Some(text) = settings.get(id) {
                filtered.set(id, text);
            }
        }
        filtered.to_json()
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The document as a two-column table of `section.key` and value.
pub fn get_table(settings: &Settings, ids: &[FieldId]) -> String {
    let ids: Vec<FieldId> = if ids.is_empty() {
        FieldId::all().collect()
    } else {
        ids.to_vec()
    };
    let mut rows: Vec<(String, String)> = ids
        .iter()
        .map(|&id| {
            let value = settings
                .get(id)
                .map(display_value)
                .unwrap_or_else(|| "(not reported)".into());
            (id.path(), value)
        })
        .collect();
    if ids.len() == crate::schema::SETTINGS.len() {
        for (section, key, value) in settings.unknown() {
            rows.push((
                format!("{section}.{key} (unknown to exoset)"),
                display_value(&value.to_string()),
            ));
        }
    }
    let width = rows.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(path, value)| format!("{path:<width$}  {value}\n"))
        .collect()
}

/// A value on one line: control characters escaped so a table stays a table.
fn display_value(text: &str) -> String {
    text.chars()
        .flat_map(char::escape_default)
        .collect::<String>()
        .replace("\\\"", "\"")
        .replace("\\'", "'")
}

/// Parses and checks `PATH=VALUE` assignments, before any network round trip.
pub fn parse_assignments(assignments: &[String]) -> Result<Vec<(FieldId, String)>, Failure> {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for assignment in assignments {
        let Some((path, value)) = assignment.split_once('=') else {
            return Err(Failure::usage(format!(
                "{assignment:?} is not PATH=VALUE, e.g. common.timezone=UTC"
            )));
        };
        let [id] = parse_paths(&[path.to_string()])?[..] else {
            return Err(Failure::usage(format!("{path:?} is not a setting")));
        };
        if let Err(e) = crate::validate::check(id.setting().kind, value) {
            problems.push(format!("{}: {e}", id.path()));
        }
        pairs.push((id, value.to_string()));
    }
    if problems.is_empty() {
        Ok(pairs)
    } else {
        Err(Failure::usage(problems.join("\n")))
    }
}

/// `exoset set PATH=VALUE…`, with the assignments already parsed.
pub fn set(client: &Client, pairs: Vec<(FieldId, String)>, mode: SendMode) -> Result<(), Failure> {
    let base = block_on(client.get())??;
    print_notes(&base.settings);
    let mut edits = Edits::default();
    for (id, value) in pairs {
        edits.set(&base.settings, id, value);
    }
    send_changes(client, &base.settings, &edits, mode)
}

/// Reads a desired-state file (`-` is stdin) in the PUT-body shape.
pub fn read_desired(path: &Path) -> Result<Settings, Failure> {
    let name = path.display();
    let mut text = String::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    result.map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
    let desired =
        Settings::from_json_text(&text).map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    for note in desired.notes() {
        eprintln!("note: {name}: {note}");
    }
    Ok(desired)
}

fn desired_edits(base: &Settings, desired: &Settings, file: &Path) -> Result<Edits, Failure> {
    Edits::from_desired(base, desired)
        .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))
}

/// `exoset diff -f FILE`
pub fn diff(client: &Client, file: &Path) -> Result<(), Failure> {
    let desired = read_desired(file)?;
    let base = block_on(client.get())??;
    print_notes(&base.settings);
    let edits = desired_edits(&base.settings, &desired, file)?;
    let changes = ChangeSet::new(&base.settings, &edits);
    write_stdout(&render_diff(&changes))?;
    report_problems(&changes)
}

/// `exoset apply -f FILE`
pub fn apply(client: &Client, file: &Path, mode: SendMode) -> Result<(), Failure> {
    let desired = read_desired(file)?;
    let base = block_on(client.get())??;
    print_notes(&base.settings);
    let edits = desired_edits(&base.settings, &desired, file)?;
    send_changes(client, &base.settings, &edits, mode)
}

/// `exoset export [-o FILE]`
pub fn export(client: &Client, output: Option<&Path>) -> Result<(), Failure> {
    let answer = block_on(client.get())??;
    print_notes(&answer.settings);
    let text = get_json(&answer.settings, &[]);
    match output {
        None => write_stdout(&text),
        Some(path) if path == Path::new("-") => write_stdout(&text),
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display()))),
    }
}

/// The pending diff, one line per key; companions marked.
pub fn render_diff(changes: &ChangeSet) -> String {
    if changes.is_empty() {
        return "No changes.\n".into();
    }
    let width = changes
        .rows
        .iter()
        .map(|r| r.id.path().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for row in &changes.rows {
        let path = row.id.path();
        if row.companion {
            text.push_str(&format!(
                "  {path:<width$}  {} (unchanged; sent with its endpoint)\n",
                quoted(&row.new)
            ));
        } else {
            let old = row
                .old
                .as_deref()
                .map(quoted)
                .unwrap_or_else(|| "(not reported)".into());
            text.push_str(&format!(
                "~ {path:<width$}  {old} -> {}\n",
                quoted(&row.new)
            ));
        }
    }
    let n = changes.changed().count();
    text.push_str(&format!(
        "{n} change{}, {} key{} sent.\n",
        if n == 1 { "" } else { "s" },
        changes.rows.len(),
        if changes.rows.len() == 1 { "" } else { "s" }
    ));
    text
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| text.to_string())
}

fn report_problems(changes: &ChangeSet) -> Result<(), Failure> {
    if changes.problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = changes.problems.iter().map(ToString::to_string).collect();
    Err(Failure::usage(format!(
        "cannot send these changes:\n  {}",
        lines.join("\n  ")
    )))
}

/// Shows the diff, asks, sends the PUT, and checks what the server took.
fn send_changes(
    client: &Client,
    base: &Settings,
    edits: &Edits,
    mode: SendMode,
) -> Result<(), Failure> {
    let changes = ChangeSet::new(base, edits);
    report_problems(&changes)?;
    let body = match changes.body() {
        Ok(Some(body)) => body,
        Ok(None) => {
            eprintln!("No changes: the server already has these values.");
            return Ok(());
        }
        Err(_) => return report_problems(&changes),
    };
    if mode.dry_run {
        eprint!("{}", render_diff(&changes));
        eprintln!("Dry run: this PUT body would be sent to {}:", client.url());
        let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
        text.push('\n');
        return write_stdout(&text);
    }
    eprint!("{}", render_diff(&changes));
    if !mode.yes {
        confirm()?;
    }
    let answer = block_on(client.put(&body))??;
    print_notes(&answer.settings);
    let missed = not_taken(&changes, &answer.settings);
    let request = answer
        .request_id
        .as_deref()
        .map(|id| format!(" (request_id {id})"))
        .unwrap_or_default();
    if missed.is_empty() {
        eprintln!("Saved{request}.");
        return Ok(());
    }
    let lines: Vec<String> = missed
        .iter()
        .map(|(id, got)| {
            let sent = changes
                .rows
                .iter()
                .find(|r| r.id == *id)
                .map(|r| quoted(&r.new))
                .unwrap_or_default();
            let got = got
                .as_deref()
                .map(quoted)
                .unwrap_or_else(|| "(not reported)".into());
            format!("{}: sent {sent}, server has {got}", id.path())
        })
        .collect();
    Err(Failure::new(
        exit::NETWORK,
        format!(
            "the server answered{request} but did not take {} key{} as sent:\n  {}",
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            lines.join("\n  ")
        ),
    ))
}

fn confirm() -> Result<(), Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::usage(
            "not sending without confirmation: no terminal to ask on; pass --yes \
             (or --dry-run to see the body)",
        ));
    }
    eprint!("Send these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    if matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure::usage("not sent"))
    }
}
