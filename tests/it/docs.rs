//! The documents a contributor reads keep up with the code, and stand alone:
//! a user's clone has nothing beside it, so nothing in it may point outside.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn architecture_names_every_crate_of_the_workspace() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut crates: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    assert!(crates.len() >= 6, "{crates:?}");
    for name in &crates {
        assert!(
            architecture.contains(&format!("`{name}`")),
            "ARCHITECTURE.md does not name the crate `{name}`"
        );
    }
}

/// Every text file of the repository, skipping build output and git's own.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | ".git" | "dist" | "corpus" | "artifacts"
            ) {
                files(&path, out);
            }
        } else if !name.ends_with(".lock") && !name.ends_with(".png") {
            out.push(path);
        }
    }
}

#[test]
fn no_file_cites_notes_that_live_outside_the_repository() {
    let mut all = Vec::new();
    files(root(), &mut all);
    assert!(all.len() > 100, "{} files", all.len());
    // Spelled in pieces so this file does not find itself.
    let outside = [
        ["../", "shared"].concat(),
        ["DESIGN", ".md"].concat(),
        ["API", ".md"].concat(),
    ];
    let mut cited = Vec::new();
    for path in &all {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for needle in &outside {
            if text.contains(needle.as_str()) {
                cited.push(format!("{} cites {needle}", path.display()));
            }
        }
    }
    assert!(cited.is_empty(), "{cited:#?}");
}
