//! The draft and history files: what they hold survives, and what is not
//! theirs is set aside, never trusted.

use super::{cases_at_most, plausible_text, readable_doc};
use exoset_core::changes::{ChangeSet, Edits};
use exoset_core::schema::{FieldId, SETTINGS, lookup_path};
use exoset_core::settings::{Settings, same_value};
use exoset_engine::config::Paths;
use exoset_engine::store::{Draft, History, HistoryEntry, Loaded, StateDir};
use proptest::prelude::*;

fn state() -> (tempfile::TempDir, StateDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::new(&Paths::under(tmp.path()), "p", "t");
    std::fs::create_dir_all(dir.path()).unwrap();
    (tmp, dir)
}

/// A `section.key` this build knows, or any text.
fn draft_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(SETTINGS.iter().map(|s| s.section.key().to_string() + "." + s.key).collect::<Vec<_>>()),
        1 => ".{0,24}",
    ]
    .boxed()
}

/// Draft-shaped JSON with arbitrary parts (real paths and bases often),
/// and arbitrary bytes.
fn draft_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        3 => (
            0u32..3,
            proptest::collection::btree_map(draft_key(), ".{0,12}", 0..4),
            prop_oneof![
                Just(serde_json::json!({})),
                Just(serde_json::json!({"common": {"timezone": 5}})),
                Just(serde_json::json!({"common": {"timezone": "UTC", "deletion_time": 9}})),
                Just(serde_json::json!({"greenvn": {"x_new": [1]}, "common": {}})),
                Just(serde_json::json!([1])),
                Just(serde_json::json!(null)),
            ],
        )
            .prop_map(|(version, edits, base)| {
                serde_json::json!({
                    "version": version, "saved_at": 1, "profile": "p", "tenant": "t",
                    "base": base, "edits": edits,
                })
                .to_string()
                .into_bytes()
            }),
    ]
}

/// Each case writes a file, reads it and may move it aside: at 10,000
/// cases these took minutes on two busy cores, so they stop at
/// `FILE_CASES` (BENCHMARKS.md has the times).
const FILE_CASES: u32 = 2_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_at_most(FILE_CASES)))]

    #[test]
    fn any_draft_file_is_read_or_set_aside_never_a_panic(bytes in draft_bytes()) {
        let (_tmp, dir) = state();
        std::fs::write(dir.draft_path(), &bytes).unwrap();
        match dir.load_draft() {
            Loaded::Found(draft) => {
                // A draft restores exactly when its base reads as settings
                // and every edit names a setting this build knows.
                let restorable = Settings::from_json(&draft.base).is_ok()
                    && draft.edits.keys().all(|k| lookup_path(k).is_some());
                match draft.restore() {
                    Ok((base, edits)) => {
                        prop_assert!(restorable);
                        prop_assert_eq!(Settings::from_json(&draft.base).ok(), Some(base.clone()));
                        for (path, text) in &draft.edits {
                            let id = lookup_path(path).unwrap();
                            let kept = edits.get(id).map(str::to_string);
                            let same_as_base = base.get(id).is_some_and(|b| same_value(id, b, text));
                            prop_assert_eq!(kept.is_none(), same_as_base, "{}", path);
                        }
                    }
                    Err(message) => {
                        prop_assert!(!restorable, "refused a restorable draft: {message}");
                        prop_assert!(!message.is_empty());
                    }
                }
            }
            Loaded::SetAside { moved_to, reason } => {
                prop_assert!(!reason.is_empty());
                // Set aside, never deleted: the bytes are still there.
                prop_assert_eq!(std::fs::read(&moved_to).unwrap(), bytes);
            }
            Loaded::Missing => prop_assert!(false, "the file was there"),
        }
    }
}

/// History files made from the format: real entries recorded from
/// generated changes, written as the store writes them, then left
/// whole, from a newer version, cut short, or replaced by any bytes.
fn history_bytes() -> impl Strategy<Value = Vec<u8>> {
    let history = prop::collection::vec(base_and_edits(), 0..4)
        .prop_map(|puts| {
            let mut history = History::default();
            for (n, (base, edits)) in puts.into_iter().enumerate() {
                let sent = match ChangeSet::new(&base, &edits).body() {
                    Ok(Some(body)) => body,
                    _ => serde_json::json!({}),
                };
                let mut after = base.clone();
                for (id, text) in edits.iter() {
                    after.set(id, text.to_string());
                }
                let mut entry =
                    HistoryEntry::new("p", "t", Some(format!("req-{n}")), sent, &base, &after);
                entry.id = n as u64 + 1;
                history.entries.push(entry);
                history.next_id = n as u64 + 2;
            }
            history
        })
        .boxed();
    prop_oneof![
        4 => history.clone().prop_map(|h| serde_json::to_vec(&h).unwrap()),
        1 => history.clone().prop_map(|mut h| {
            h.version += 1;
            serde_json::to_vec(&h).unwrap()
        }),
        1 => (history, any::<prop::sample::Index>()).prop_map(|(h, at)| {
            let mut bytes = serde_json::to_vec(&h).unwrap();
            bytes.truncate(at.index(bytes.len()));
            bytes
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

/// Any history file is read or set aside, never a panic; one the store
/// could have written reads back as it was. Counts what it read and what
/// it set aside, so a generator that drifted to one side cannot pass.
#[test]
fn any_history_file_is_read_or_set_aside_never_a_panic() {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cases = cases_at_most(FILE_CASES);
    let (read, set_aside) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let result = runner.run(&history_bytes(), |bytes| {
        let (_tmp, dir) = state();
        std::fs::write(dir.history_path(), &bytes).unwrap();
        let written: Option<History> = serde_json::from_slice(&bytes).ok();
        match dir.load_history() {
            Loaded::Found(history) => {
                read.fetch_add(1, Ordering::Relaxed);
                for entry in &history.entries {
                    let _ = entry.changed();
                }
                if let Some(written) = written {
                    prop_assert_eq!(history, written);
                }
            }
            Loaded::SetAside { moved_to, reason } => {
                set_aside.fetch_add(1, Ordering::Relaxed);
                prop_assert!(!reason.is_empty());
                prop_assert_eq!(std::fs::read(&moved_to).unwrap(), bytes);
            }
            Loaded::Missing => prop_assert!(false, "the file was there"),
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (read, set_aside) = (read.into_inner(), set_aside.into_inner());
    eprintln!("history files: {read} read, {set_aside} set aside");
    // About 4 in 7 are whole histories; at least a third must read.
    assert!(read * 3 >= cases as usize, "only {read} of {cases} read");
    assert!(
        set_aside * 10 >= cases as usize,
        "only {set_aside} of {cases} set aside"
    );
}

/// A base and edits made from generated documents and values.
fn base_and_edits() -> impl Strategy<Value = (Settings, Edits)> {
    (
        readable_doc(),
        prop::collection::vec((0..SETTINGS.len(), plausible_text()), 0..8),
    )
        .prop_map(|(doc, edits)| {
            let base = Settings::from_json(&doc).unwrap();
            let mut set = Edits::default();
            for (i, text) in edits {
                set.set(&base, FieldId(i), text);
            }
            (base, set)
        })
}

// Each case writes (and syncs) real files, so at most 300 cases.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_at_most(300)))]

    #[test]
    fn a_saved_draft_of_real_settings_restores_as_it_was((base, edits) in base_and_edits()) {
        let (_tmp, dir) = state();
        dir.save_draft(&Draft::new("p", "t", &base, &edits)).unwrap();
        match dir.load_draft() {
            Loaded::Found(draft) => {
                prop_assert_eq!(draft.restore(), Ok((base, edits)));
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    /// Entries recorded one after another read back as recorded: ids
    /// counted on, only the newest `keep` kept, each with the keys its
    /// body changed.
    #[test]
    fn recorded_entries_read_back_with_their_ids_and_changes(
        puts in prop::collection::vec(base_and_edits(), 1..6),
        keep in 1usize..5,
    ) {
        let (_tmp, dir) = state();
        let mut recorded = Vec::new();
        for (n, (base, edits)) in puts.into_iter().enumerate() {
            let cs = ChangeSet::new(&base, &edits);
            let sent = match cs.body() {
                Ok(Some(body)) => body,
                _ => serde_json::json!({}),
            };
            let mut after = base.clone();
            for (id, text) in edits.iter() {
                after.set(id, text.to_string());
            }
            let entry = HistoryEntry::new("p", "t", Some(format!("req-{n}")), sent, &base, &after);
            let (id, warning) = dir.record(entry.clone(), keep).unwrap();
            prop_assert_eq!(id, n as u64 + 1);
            prop_assert!(warning.is_none());
            // The file holds wire values, read back as the document
            // reads them ("+5" for an int comes back as "5").
            let (base_read, after_read) = (
                Settings::from_json(&base.to_json()).unwrap(),
                Settings::from_json(&after.to_json()).unwrap(),
            );
            let mut expected_changed: Vec<_> = if entry.sent == serde_json::json!({}) {
                Vec::new()
            } else {
                cs.rows
                    .iter()
                    .filter(|r| !r.companion)
                    .map(|r| {
                        (
                            r.id,
                            base_read.get(r.id).map(str::to_string),
                            after_read.get(r.id).map(str::to_string),
                        )
                    })
                    .collect()
            };
            expected_changed.sort();
            let mut entry = entry;
            entry.id = id;
            recorded.push((entry, expected_changed));
        }
        let Loaded::Found(history) = dir.load_history() else {
            return Err(TestCaseError::fail("no history after recording"));
        };
        let kept = &recorded[recorded.len().saturating_sub(keep)..];
        prop_assert_eq!(history.next_id, recorded.len() as u64 + 1);
        prop_assert_eq!(history.entries.len(), kept.len());
        for (read, (entry, changed)) in history.entries.iter().zip(kept) {
            prop_assert_eq!(read, entry);
            let mut got = read.changed();
            got.sort();
            prop_assert_eq!(&got, changed, "entry {}", read.id);
        }
    }
}
