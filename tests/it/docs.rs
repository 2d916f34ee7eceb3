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

/// Runs of whitespace as one space: a wrapped paragraph reads as one line.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn readme_and_api_doc_hold_the_one_table_of_exit_codes() {
    let table = flat(&exoset_core::exit::markdown());
    for doc in ["README.md", "docs/api.md"] {
        let text = flat(&std::fs::read_to_string(root().join(doc)).unwrap());
        assert!(
            text.contains(&table),
            "{doc} does not hold the exit codes as exoset_core::exit::CODES gives them:\n{}",
            exoset_core::exit::markdown()
        );
    }
}

#[test]
fn readme_lists_the_outcomes_and_key_statuses_as_the_table_words_them() {
    let readme = flat(&std::fs::read_to_string(root().join("README.md")).unwrap());
    for list in [
        exoset_core::outcome::outcomes_list(),
        exoset_core::outcome::key_statuses_list(),
    ] {
        assert!(readme.contains(&flat(&list)), "README lacks: {list}");
    }
}

#[test]
fn help_and_man_page_give_every_exit_code_from_the_table() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_exoset"))
        .arg("--help")
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = flat(&String::from_utf8(help.stdout).unwrap());
    assert!(
        help.contains(&flat(&exoset_core::exit::help_text())),
        "{help}"
    );
    let dir = tempfile::tempdir().unwrap();
    let man = std::process::Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(man.status.success(), "{man:?}");
    let page = std::fs::read_to_string(dir.path().join("exoset.1")).unwrap();
    // roff writes a hyphen as `\-` and an apostrophe as `\*(Aq`.
    let page = flat(&page.replace("\\-", "-").replace("\\*(Aq", "'"));
    let section = &page[page.find(".SH \"EXIT STATUS\"").unwrap()..];
    let section = &section[..section.find(".SH ENVIRONMENT").unwrap()];
    for code in &exoset_core::exit::CODES {
        let words = flat(&code.summary.replace('`', ""));
        // The man page starts each with a capital letter.
        let rest = &words[1..];
        assert!(
            section.contains(&format!(".TP \\fB{}\\fR", code.code)) && section.contains(rest),
            "EXIT STATUS lacks {}: {rest}\n{section}",
            code.code
        );
    }
    assert!(section.contains(&flat(exoset_core::exit::ACROSS_TENANTS)));
}
