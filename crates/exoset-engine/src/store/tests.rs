use super::*;
use crate::changes::Edits;
use crate::schema::lookup_path;
use crate::settings::Settings;
use serde_json::Value;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> (tempfile::TempDir, StateDir) {
    let tmp = tempfile::tempdir().unwrap();
    let state = StateDir::new(&Paths::under(tmp.path()), "prod", "acme/1");
    (tmp, state)
}

fn base() -> Settings {
    Settings::from_json(&json!({"common": {"timezone": "IST", "deletion_time": 10}})).unwrap()
}

/// Each name becomes one folder of its own, two levels below
/// `data/state`, checked on the real file system after the folder is
/// made (`Path::starts_with` alone is lexical: `state/../..` passes it).
#[test]
fn tenant_names_cannot_escape_the_state_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = Paths::under(tmp.path());
    let state_root = paths.data_dir.join("state");
    std::fs::create_dir_all(&state_root).unwrap();
    let state_root = state_root.canonicalize().unwrap();
    let hostile = [
        "../../x",
        "..",
        ".",
        "a/../../b",
        "/etc",
        "acme/1",
        "",
        "a\\..\\b",
        "~",
        "..\0x",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for profile in ["prod", "..", "../.."] {
        for tenant in hostile {
            let state = StateDir::new(&paths, profile, tenant);
            std::fs::create_dir_all(state.path()).unwrap();
            let real = state.path().canonicalize().unwrap();
            let inside = real
                .strip_prefix(&state_root)
                .unwrap_or_else(|_| panic!("{profile:?}/{tenant:?} escaped to {}", real.display()));
            assert_eq!(
                inside.components().count(),
                2,
                "{profile:?}/{tenant:?} is {}",
                inside.display()
            );
            assert!(seen.insert(real), "{profile:?}/{tenant:?} shares a folder");
        }
    }
    assert_eq!(file_safe("../x"), "%2E.%2Fx");
    assert_eq!(file_safe(".."), "%2E.");
    assert_eq!(file_safe("."), "%2E");
    assert_eq!(file_safe(""), "%");
}

#[test]
fn a_discarded_draft_is_set_aside_and_the_newest_ten_are_kept() {
    let (_tmp, state) = dir();
    let base = base();
    let mut edits = Edits::default();
    edits.set(&base, lookup_path("common.deletion_time").unwrap(), "60");
    for _ in 0..12 {
        state
            .save_draft(&Draft::new("prod", "acme", &base, &edits))
            .unwrap();
        let to = state.set_aside_draft_at(&state.draft_path()).unwrap();
        assert!(to.is_some_and(|to| to.exists()));
        assert_eq!(state.load_draft(), Loaded::Missing);
    }
    let kept = std::fs::read_dir(state.path().join("discarded"))
        .unwrap()
        .count();
    assert_eq!(kept, DISCARDED_KEPT);
    // Nothing there: nothing to set aside.
    assert_eq!(state.set_aside_draft_at(&state.draft_path()).unwrap(), None);
}

#[test]
fn a_draft_is_live_while_its_editor_holds_its_claim() {
    let (_tmp, state) = dir();
    let other = state.with_own_draft(4242);
    let draft = state.draft_path();
    let Ok(Claim::Mine(claim)) = state.claim_editor() else {
        panic!("the first claim is mine")
    };
    assert!(!state.draft_is_live(&draft), "its own draft");
    assert!(other.draft_is_live(&draft), "another editor's, running");
    let own = other.claim_own_draft().unwrap();
    assert!(state.draft_is_live(&other.draft_path()));
    drop(claim);
    drop(own);
    assert!(!other.draft_is_live(&draft), "its editor ended");
    assert!(!state.draft_is_live(&other.draft_path()));
}

#[test]
fn a_draft_round_trips_with_its_base_and_edits() {
    let (_tmp, state) = dir();
    let base = base();
    let mut edits = Edits::default();
    edits.set(&base, lookup_path("common.deletion_time").unwrap(), "86401");
    state
        .save_draft(&Draft::new("prod", "acme/1", &base, &edits))
        .unwrap();
    let Loaded::Found(draft) = state.load_draft() else {
        panic!("draft not found")
    };
    assert_eq!(draft.restore(), Ok((base, edits)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(state.draft_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    state.remove_draft().unwrap();
    assert_eq!(state.load_draft(), Loaded::Missing);
    state.remove_draft().unwrap();
}

#[test]
fn a_corrupt_draft_is_set_aside_not_deleted() {
    let (_tmp, state) = dir();
    std::fs::create_dir_all(state.path()).unwrap();
    std::fs::write(state.draft_path(), "{\"version\": 1, \"edits\": ").unwrap();
    let Loaded::SetAside { moved_to, reason } = state.load_draft() else {
        panic!("expected set aside")
    };
    assert!(reason.starts_with("corrupt"), "{reason}");
    assert_eq!(
        std::fs::read_to_string(&moved_to).unwrap(),
        "{\"version\": 1, \"edits\": "
    );
    assert_eq!(state.load_draft(), Loaded::Missing);
}

#[test]
fn a_draft_from_a_newer_version_is_set_aside_with_that_reason() {
    let (_tmp, state) = dir();
    std::fs::create_dir_all(state.path()).unwrap();
    std::fs::write(state.draft_path(), r#"{"version": 99, "future": true}"#).unwrap();
    let Loaded::SetAside { reason, moved_to } = state.load_draft() else {
        panic!("expected set aside")
    };
    assert!(reason.contains("newer exoset"), "{reason}");
    assert!(moved_to.exists());
}

fn entry(before: Value, after: Value, sent: Value) -> HistoryEntry {
    HistoryEntry {
        id: 0,
        time: 1,
        profile: "prod".into(),
        tenant: "t".into(),
        request_id: Some("r".into()),
        sent,
        before,
        after,
        outcomes: BTreeMap::new(),
        rollback_of: None,
        outcome: Outcome::Answered,
        settled_at: None,
        actor: None,
        exoset: None,
        reason: None,
    }
}

#[test]
fn history_assigns_ids_and_keeps_only_the_newest() {
    let (_tmp, state) = dir();
    for i in 0..5 {
        let e = entry(
            json!({}),
            json!({"common": {"deletion_time": i}}),
            json!({}),
        );
        let (id, warning) = state.record(e, 3).unwrap();
        assert_eq!(id, i + 1);
        assert!(warning.is_none());
    }
    let Loaded::Found(history) = state.load_history() else {
        panic!("no history")
    };
    let ids: Vec<u64> = history.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![3, 4, 5]);
}

#[test]
fn a_corrupt_history_is_set_aside_and_a_new_one_started() {
    let (_tmp, state) = dir();
    std::fs::create_dir_all(state.path()).unwrap();
    std::fs::write(state.history_path(), "not json").unwrap();
    let (id, warning) = state
        .record(entry(json!({}), json!({}), json!({})), 10)
        .unwrap();
    assert_eq!(id, 1);
    assert!(warning.unwrap().contains("corrupt"));
    let aside: Vec<_> = std::fs::read_dir(state.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("unreadable"))
        .collect();
    assert_eq!(aside.len(), 1);
}

#[test]
fn a_history_entry_knows_which_keys_its_put_changed() {
    let e = entry(
        json!({"common": {"timezone": "IST", "deletion_time": 10}}),
        json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
        json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
    );
    let changed = e.changed();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0, lookup_path("common.timezone").unwrap());
    assert_eq!(changed[0].1.as_deref(), Some("IST"));
}

/// A planted link named `.lock` or `editor.lock` is refused, and the
/// file it points at keeps its bytes and its mode.
#[cfg(unix)]
#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    use std::os::unix::fs::PermissionsExt;
    for name in [".lock", "editor.lock"] {
        let (tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        let target = tmp.path().join("precious");
        std::fs::write(&target, "keep me\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&target, state.path().join(name)).unwrap();
        let err = if name == ".lock" {
            state.lock().map(|_| ()).unwrap_err()
        } else {
            state.claim_editor().map(|_| ()).unwrap_err()
        };
        let text = err.to_string();
        assert!(text.contains("symbolic link"), "{text}");
        assert!(text.contains(name), "{text}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        // And nothing that takes the lock writes through it either.
        if name == ".lock" {
            let draft = Draft::new("prod", "acme/1", &base(), &Edits::default());
            assert!(state.save_draft(&draft).is_err());
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    }
}

#[cfg(unix)]
#[test]
fn lock_files_are_made_0600_and_an_old_0644_one_is_narrowed() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, state) = dir();
    let mode = |name: &str| {
        std::fs::metadata(state.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    drop(state.lock().unwrap());
    let Claim::Mine(claim) = state.claim_editor().unwrap() else {
        panic!("not claimed")
    };
    drop(claim);
    assert_eq!(mode(".lock"), 0o600);
    assert_eq!(mode("editor.lock"), 0o600);
    std::fs::set_permissions(
        state.path().join(".lock"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    drop(state.lock().unwrap());
    assert_eq!(mode(".lock"), 0o600);
}

#[cfg(unix)]
#[test]
fn a_state_folder_others_can_write_is_refused_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    for (level, perm) in [(0, 0o770), (1, 0o702), (3, 0o775)] {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        let folder = state.path().ancestors().nth(level).unwrap().to_path_buf();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(perm)).unwrap();
        for result in [
            state.lock().map(|_| ()),
            state.claim_editor().map(|_| ()),
            state.save_last_read(&base()),
            state
                .record(entry(json!({}), json!({}), json!({})), 10)
                .map(|_| ()),
        ] {
            let text = result.unwrap_err().to_string();
            assert!(text.contains(&folder.display().to_string()), "{text}");
            assert!(text.contains("can be written by other users"), "{text}");
        }
        assert!(!state.path().join(".lock").exists());
        assert!(!state.history_path().exists());
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
        drop(state.lock().unwrap());
    }
    // A folder of another user's (only root can make one to test with).
    if rustix::process::geteuid().is_root() {
        let (_tmp, state) = dir();
        std::fs::create_dir_all(state.path()).unwrap();
        std::os::unix::fs::chown(state.path(), Some(65534), None).unwrap();
        let text = state.lock().map(|_| ()).unwrap_err().to_string();
        assert!(text.contains("belongs to user id 65534"), "{text}");
        assert!(text.contains(&state.path().display().to_string()), "{text}");
    }
}

/// A history over the 16 MiB cap cannot be read; the next record moves
/// it aside for real (its bytes intact), starts a new one, and says where
/// the old one went.
#[test]
fn an_over_cap_history_is_moved_aside_and_a_new_one_started() {
    let (_tmp, state) = dir();
    std::fs::create_dir_all(state.path()).unwrap();
    let big = usize::try_from(crate::config::MAX_FILE_BYTES).unwrap() + 10;
    std::fs::write(state.history_path(), vec![b' '; big]).unwrap();
    let (id, warning) = state
        .record(entry(json!({}), json!({}), json!({})), 10)
        .unwrap();
    assert_eq!(id, 1);
    let warning = warning.unwrap();
    let aside: Vec<PathBuf> = std::fs::read_dir(state.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("history.json.unreadable"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(warning.contains("larger than 16 MiB"), "{warning}");
    assert!(
        warning.contains(&format!("moved to {}", aside[0].display())),
        "{warning}"
    );
    assert_eq!(std::fs::metadata(&aside[0]).unwrap().len(), big as u64);
    let Loaded::Found(history) = state.load_history() else {
        panic!("no new history")
    };
    assert_eq!(history.entries.len(), 1);
}

/// Not a regular file (here a folder of that name): moved aside too,
/// with what was in it, and a new history started.
#[test]
fn a_history_that_is_not_a_regular_file_is_moved_aside_too() {
    let (_tmp, state) = dir();
    std::fs::create_dir_all(state.history_path()).unwrap();
    std::fs::write(state.history_path().join("inside"), "x").unwrap();
    let (_, warning) = state
        .record(entry(json!({}), json!({}), json!({})), 10)
        .unwrap();
    let warning = warning.unwrap();
    assert!(warning.contains("not a regular file"), "{warning}");
    assert!(warning.contains("moved to"), "{warning}");
    assert!(matches!(state.load_history(), Loaded::Found(h) if h.entries.len() == 1));
}

fn unknown_entry() -> HistoryEntry {
    HistoryEntry::unknown(
        "prod",
        "t",
        json!({"common": {"timezone": "UTC", "deletion_time": 10}}),
        &base(),
    )
}

fn now(timezone: &str, deletion_time: u64) -> Settings {
    Settings::from_json(&json!({"common": {"timezone": timezone, "deletion_time": deletion_time}}))
        .unwrap()
}

#[test]
fn an_unknown_entry_is_settled_by_the_next_read_once() {
    // The server holds what was sent: applied, and `after` is that read.
    let mut e = unknown_entry();
    assert_eq!(e.changed().len(), 1, "timezone only: deletion_time was 10");
    let settled = e.settle(&now("UTC", 10)).unwrap();
    assert_eq!(settled.outcome, Outcome::Applied);
    assert!(
        settled.describe().contains("recorded as applied"),
        "{}",
        settled.describe()
    );
    assert_eq!(e.outcome, Outcome::Applied);
    assert_eq!(e.after, now("UTC", 10).to_json());
    assert_eq!(e.changed()[0].1.as_deref(), Some("IST"));
    assert_eq!(e.changed()[0].2.as_deref(), Some("UTC"));
    assert!(e.settle(&now("IST", 10)).is_none(), "settled once");
    // The old values: not applied.
    let mut e = unknown_entry();
    assert_eq!(
        e.settle(&now("IST", 99)).unwrap().outcome,
        Outcome::NotApplied
    );
    // Neither: stays unknown, said once, never looked at again.
    let mut e = unknown_entry();
    let settled = e.settle(&now("GMT", 10)).unwrap();
    assert_eq!(settled.outcome, Outcome::Unknown);
    assert_eq!(settled.mixed, vec!["common.timezone".to_string()]);
    assert!(
        settled.describe().contains("stays unknown"),
        "{}",
        settled.describe()
    );
    assert!(e.settled_at.is_some());
    assert_eq!(e.after, Value::Null);
    assert!(e.settle(&now("UTC", 10)).is_none());
    // Answered entries are never touched.
    let mut answered = entry(json!({}), json!({}), json!({}));
    assert!(answered.settle(&now("UTC", 10)).is_none());
}

#[test]
fn the_history_settles_waiting_entries_and_writes_only_then() {
    let (_tmp, state) = dir();
    state
        .record(entry(json!({}), json!({}), json!({})), 10)
        .unwrap();
    let before = std::fs::read(state.history_path()).unwrap();
    assert_eq!(state.settle(&now("UTC", 10)).unwrap(), vec![]);
    assert_eq!(std::fs::read(state.history_path()).unwrap(), before);
    let (id, _) = state.record(unknown_entry(), 10).unwrap();
    let settled = state.settle(&now("UTC", 10)).unwrap();
    assert_eq!(settled.len(), 1);
    assert_eq!((settled[0].id, settled[0].outcome), (id, Outcome::Applied));
    assert_eq!(state.settle(&now("UTC", 10)).unwrap(), vec![]);
    let Loaded::Found(history) = state.load_history() else {
        panic!("no history")
    };
    assert_eq!(history.find(id).unwrap().outcome, Outcome::Applied);
}

#[test]
fn outcomes_read_and_write_as_the_format_says() {
    // An entry written before outcomes existed reads as answered.
    let old = json!({"id": 1, "time": 1, "profile": "p", "tenant": "t",
        "request_id": null, "sent": {}, "before": {}, "after": {}});
    let e: HistoryEntry = serde_json::from_value(old).unwrap();
    assert_eq!(e.outcome, Outcome::Answered);
    assert!(serde_json::to_value(&e).unwrap().get("outcome").is_none());
    let mut u = unknown_entry();
    let wire = serde_json::to_value(&u).unwrap();
    assert_eq!(wire["outcome"], "unknown");
    assert_eq!(wire["after"], Value::Null);
    u.outcome = Outcome::NotApplied;
    assert_eq!(serde_json::to_value(&u).unwrap()["outcome"], "not applied");
    let back: HistoryEntry = serde_json::from_value(serde_json::to_value(&u).unwrap()).unwrap();
    assert_eq!(back, u);
}

#[test]
fn the_last_read_round_trips() {
    let (_tmp, state) = dir();
    assert!(matches!(state.load_last_read(), Loaded::Missing));
    state.save_last_read(&base()).unwrap();
    let Loaded::Found((_, settings)) = state.load_last_read() else {
        panic!("no last read")
    };
    assert_eq!(settings, base());
}
