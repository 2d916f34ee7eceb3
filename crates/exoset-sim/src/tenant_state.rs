//! Where the state file keeps each tenant: the first tenant's settings in
//! the state file itself, every further tenant's beside it as
//! `<stem>-<sid>.json`, so a fleet (the demo's three tenants) keeps all of
//! them across restarts, and deleting the folder resets all of them.

use crate::settings::Settings;
use std::io;
use std::path::{Path, PathBuf};

/// The file that keeps tenant `sid`'s settings, when `first` is the SID the
/// state file itself is for.
pub(crate) fn file_for(state_file: &Path, first: &str, sid: &str) -> PathBuf {
    if sid == first {
        return state_file.to_path_buf();
    }
    let stem = state_file
        .file_stem()
        .map_or("simulator".into(), |s| s.to_string_lossy());
    // SIDs the simulator is given are ours, but a file name takes no path.
    let sid: String = sid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    state_file.with_file_name(format!("{stem}-{sid}.json"))
}

/// Each further tenant's settings: its file when there is one, else those
/// given.
pub(crate) fn load_more(
    state_file: Option<&Path>,
    first: &str,
    more: Vec<(String, Settings)>,
) -> io::Result<Vec<(String, Settings)>> {
    more.into_iter()
        .map(|(sid, given)| {
            let kept = match state_file {
                Some(path) => crate::state::load_state(&file_for(path, first, &sid))?,
                None => None,
            };
            Ok((sid, kept.unwrap_or(given)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_tenant_keeps_the_state_file_and_the_others_sit_beside_it() {
        let state = Path::new("/s/demo/simulator.json");
        assert_eq!(file_for(state, "exoset-demo", "exoset-demo"), state);
        assert_eq!(
            file_for(state, "exoset-demo", "exoset-demo-2"),
            Path::new("/s/demo/simulator-exoset-demo-2.json")
        );
        assert_eq!(
            file_for(state, "a", "../x"),
            Path::new("/s/demo/simulator-___x.json")
        );
    }
}
