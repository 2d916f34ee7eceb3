//! The run report every fleet send leaves in the data folder (`runs/`):
//! the `--json` report, the change sent, when, by whom, and the format's
//! version; `exoset rerun` reads it back to plan the same change again on
//! the tenants that did not finish. This is the one definition of the file:
//! saved plans will extend it (a new field, or a new `VERSION` when an old
//! reader would misread it).

use crate::actor::Actor;
use crate::config::{Paths, write_private};
use crate::fleet::Outcome;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a run report says it is; a file without it is not ours.
pub const FORMAT: &str = "exoset-run";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// The newest reports kept in `runs/`.
pub const KEEP: usize = 50;
/// A report larger than this is not one of ours.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// One key of the change, as asked: `common.timezone` = `UTC`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A fleet send, as kept in `runs/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub format: String,
    pub version: u32,
    /// When the send ended, RFC 3339 UTC.
    pub when: String,
    pub actor: Actor,
    /// `set`, `apply` or `rerun`.
    pub command: String,
    /// The change sent: every key asked for and its value.
    pub change: Vec<KeyValue>,
    /// The report, as `--json` prints it.
    pub report: Vec<Outcome>,
}

impl RunReport {
    pub fn new(command: &str, change: Vec<KeyValue>, report: &[Outcome]) -> RunReport {
        RunReport {
            format: FORMAT.to_string(),
            version: VERSION,
            when: crate::store::format_time(crate::store::now_secs()),
            actor: Actor::current(),
            command: command.to_string(),
            change,
            report: report.to_vec(),
        }
    }
}

/// The folder of run reports.
pub fn folder(paths: &Paths) -> PathBuf {
    paths.data_dir.join("runs")
}

/// Writes `report` into `runs/` (atomic, 0600) and keeps the newest
/// [`KEEP`]; the file's path.
pub fn save(paths: &Paths, report: &RunReport) -> std::io::Result<PathBuf> {
    let dir = folder(paths);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let path = dir.join(format!(
        "run-{:012}-{:09}-{}.json",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    ));
    let mut text = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    text.push('\n');
    write_private(&path, &text)?;
    let reports = list(&dir);
    if reports.len() > KEEP {
        for old in &reports[..reports.len() - KEEP] {
            let _ = std::fs::remove_file(old);
        }
    }
    Ok(path)
}

/// The run reports in `dir`, oldest first (their names sort by time).
fn list(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("run-") && n.ends_with(".json"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The newest run report, if any.
pub fn latest(paths: &Paths) -> Option<PathBuf> {
    list(&folder(paths)).pop()
}

/// Reads a run report; a clear sentence when it is missing, unreadable,
/// not ours or of another version.
pub fn load(path: &Path) -> Result<RunReport, String> {
    let shown = crate::text::safe(&path.display().to_string()).into_owned();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown}: no such run report"),
        _ => format!("{shown}: cannot read the run report: {e}"),
    })?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(format!("{shown} is not an exoset run report"));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{shown}: cannot read the run report: {e}"))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("{shown} is not an exoset run report (not JSON)"))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!("{shown} is not an exoset run report"));
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(format!(
                "{shown} is a run report of version {v}; this exoset reads version {VERSION} \
                 only"
            ));
        }
        None => return Err(format!("{shown} is a run report without a version")),
    }
    serde_json::from_value(value).map_err(|e| {
        format!(
            "{shown} is not a readable run report: {}",
            crate::text::safe(&e.to_string())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths::under(dir)
    }

    #[test]
    fn a_report_goes_back_and_forth_and_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        let change = vec![KeyValue {
            key: "common.timezone".into(),
            value: "UTC".into(),
        }];
        let report = RunReport::new("set", change.clone(), &[]);
        let first = save(&paths, &report).unwrap();
        let back = load(&first).unwrap();
        assert_eq!((back.version, back.change), (VERSION, change));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        for _ in 0..KEEP + 3 {
            save(&paths, &report).unwrap();
        }
        assert_eq!(list(&folder(&paths)).len(), KEEP);
        assert!(!first.exists(), "the oldest goes");
        assert!(latest(&paths).is_some());
    }

    #[test]
    fn files_that_are_not_ours_or_of_another_version_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = load(&dir.path().join("nope.json")).unwrap_err();
        assert!(missing.contains("no such run report"), "{missing}");
        let other = dir.path().join("other.json");
        std::fs::write(&other, r#"{"hello": 1}"#).unwrap();
        assert!(
            load(&other)
                .unwrap_err()
                .contains("not an exoset run report")
        );
        std::fs::write(&other, "not json").unwrap();
        assert!(
            load(&other)
                .unwrap_err()
                .contains("not an exoset run report")
        );
        std::fs::write(&other, r#"{"format": "exoset-run", "version": 99}"#).unwrap();
        let version = load(&other).unwrap_err();
        assert!(version.contains("version 99"), "{version}");
    }
}
