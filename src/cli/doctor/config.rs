//! The config file and the state folder: found, parsed, private.

use super::{Check, Report, Status, env, quoted};
use crate::text::safe;

pub(super) fn config_checks(report: &mut Report) {
    let paths = match crate::config::Paths::from_env() {
        Ok(paths) => paths,
        Err(e) => {
            report.add(
                Check::new(
                    "config.file",
                    "config file",
                    Status::Fail,
                    safe(&e.to_string()),
                )
                .hint("set EXOSET_HOME to a folder exoset may use"),
            );
            return;
        }
    };
    let home_note = env("EXOSET_HOME").map(|h| format!(" (EXOSET_HOME={})", safe(&h)));
    let file = &paths.config_file;
    let shown = safe(&file.display().to_string()).into_owned();
    match std::fs::metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report.add(
                Check::new(
                    "config.file",
                    "config file",
                    Status::Ok,
                    format!(
                        "none yet at {shown}{}",
                        home_note.clone().unwrap_or_default()
                    ),
                )
                .hint("`exoset auth login` creates it; until then credentials come from EXOSET_* variables"),
            );
        }
        Err(e) => report.add(
            Check::new(
                "config.file",
                "config file",
                Status::Fail,
                format!("cannot read {shown}: {e}"),
            )
            .hint(format!("check the permissions of {shown} and its folders")),
        ),
        Ok(meta) => report.add(config_file_check(file, &shown, &meta, home_note.as_deref())),
    }
    report.add(state_check(&paths.data_dir));
}

pub(super) fn mode_of(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

pub(super) fn config_file_check(
    file: &std::path::Path,
    shown: &str,
    meta: &std::fs::Metadata,
    home_note: Option<&str>,
) -> Check {
    let mode = mode_of(meta);
    let mode_text = mode.map(|m| format!(", mode {m:04o}")).unwrap_or_default();
    let home_note = home_note.unwrap_or_default();
    match crate::config::Config::load(file) {
        Err(e) => Check::new(
            "config.file",
            "config file",
            Status::Fail,
            format!(
                "{shown}{mode_text}{home_note} does not parse: {}",
                safe(&e.message)
            ),
        )
        .hint(match e.line {
            Some(line) => format!(
                "fix line {line} of {shown} (exoset never overwrites a file it cannot read)"
            ),
            None => format!("fix {shown} (exoset never overwrites a file it cannot read)"),
        }),
        Ok(config) => {
            let profiles = config.profiles.len();
            let default = config
                .default_profile
                .as_deref()
                .map(|d| format!(", default {}", quoted(d)))
                .unwrap_or_default();
            let summary = format!(
                "{shown}{mode_text}{home_note}: parses, {}{default}",
                crate::text::count(profiles, "profile")
            );
            match mode {
                Some(m) if m & 0o077 != 0 => Check::new(
                    "config.file",
                    "config file",
                    Status::Warn,
                    format!("{summary}; other users on this host can read it"),
                )
                .hint(format!(
                    "chmod 600 {shown} (it holds no token, but it names your tenants and API keys)"
                )),
                _ => Check::new("config.file", "config file", Status::Ok, summary),
            }
        }
    }
}

pub(super) fn state_check(dir: &std::path::Path) -> Check {
    let shown = safe(&dir.display().to_string()).into_owned();
    if !dir.exists() {
        return Check::new(
            "config.state",
            "state folder",
            Status::Ok,
            format!("{shown} (drafts, history, last read): created on first use"),
        );
    }
    match tempfile::tempfile_in(dir) {
        Ok(_) => Check::new(
            "config.state",
            "state folder",
            Status::Ok,
            format!("{shown} (drafts, history, last read): writable"),
        ),
        Err(e) => Check::new(
            "config.state",
            "state folder",
            Status::Fail,
            format!("{shown} is not writable: {e}; unsent edits could not be kept as drafts"),
        )
        .hint(format!(
            "make {shown} writable by you, or set EXOSET_HOME to a folder that is"
        )),
    }
}
