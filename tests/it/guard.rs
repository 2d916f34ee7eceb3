//! Production guard rails through the real binary: read-only and protected
//! profiles, `--write` / `--read-only`, `--confirm-tenant`, reasons, and who
//! and why in the history — on a multi-tenant simulator, one profile per
//! tenant in a private EXOSET_HOME.

use crate::support::profiles::Profiles as Guarded;
use serde_json::Value;

#[test]
fn a_read_only_profile_sends_nothing_until_write_names_it() {
    let g = Guarded::start(&["mode = \"read-only\"", ""]);
    let set = g.exoset(&["-p", "p1", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(set.code, 2, "{}", set.stderr);
    assert!(
        set.stderr.contains("profile p1 is read-only") && set.stderr.contains("--write=p1"),
        "{}",
        set.stderr
    );
    let file = g.home.path().join("want.json");
    std::fs::write(&file, r#"{"common": {"aparty_tag": "Rider"}}"#).unwrap();
    let apply = g.exoset(&["-p", "p1", "apply", "--yes", "-f", file.to_str().unwrap()]);
    assert_eq!(apply.code, 2, "{}", apply.stderr);
    // A dry run sends nothing, so it is allowed.
    let dry = g.exoset(&["-p", "p1", "set", "--dry-run", "common.aparty_tag=Rider"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(g.puts(1), 0);

    // --write naming another profile unlocks nothing; naming it does.
    let other = g.exoset(&[
        "--write=p2",
        "-p",
        "p1",
        "set",
        "--yes",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(other.code, 2, "{}", other.stderr);
    assert!(
        other.stderr.contains("p2 is not read-only"),
        "{}",
        other.stderr
    );
    assert_eq!(g.puts(1), 0);
    let named = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--write=p1",
        "--yes",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert_eq!((g.puts(1), g.tag(1).as_deref()), (1, Some("Rider")));
    // A space where `=` belongs is named with its fix; nothing is sent.
    let spaced = g.exoset(&[
        "--write",
        "p1",
        "-p",
        "p1",
        "set",
        "--yes",
        "common.aparty_tag=X",
    ]);
    assert_eq!(spaced.code, 2, "{}", spaced.stderr);
    assert!(
        spaced
            .stderr
            .contains("--write takes its profile names after '=': --write=p1"),
        "{}",
        spaced.stderr
    );
    assert_eq!(g.puts(1), 1);

    // Rollback of that change is a send too.
    let rollback = g.exoset(&["-p", "p1", "rollback", "--yes"]);
    assert_eq!(rollback.code, 2, "{}", rollback.stderr);
    assert_eq!(g.puts(1), 1);
    let bare = g.exoset(&["-p", "p1", "--write", "rollback", "--yes"]);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert_eq!(g.puts(1), 2);
}

#[test]
fn read_only_for_a_run_locks_every_profile_and_contradicts_write() {
    let g = Guarded::start(&[""]);
    let run = g.exoset(&[
        "--read-only",
        "-p",
        "p1",
        "set",
        "--yes",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--read-only"), "{}", run.stderr);
    let both = g.exoset(&[
        "--read-only",
        "--write=p1",
        "-p",
        "p1",
        "set",
        "--yes",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(both.stderr.contains("contradict"), "{}", both.stderr);
    assert_eq!(g.puts(1), 0);
}

#[test]
fn a_protected_profile_needs_its_tenant_sid_not_a_bare_yes() {
    let g = Guarded::start(&["mode = \"protected\"\nlabel = \"PROD\"\ncolour = \"red\""]);
    let yes = g.exoset(&["-p", "p1", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(yes.code, 2, "{}", yes.stderr);
    assert!(
        yes.stderr.contains("protected")
            && yes
                .stderr
                .contains(&format!("--confirm-tenant {}", g.sid(1))),
        "{}",
        yes.stderr
    );
    // The question names the label, plain when stderr is not a terminal.
    assert!(yes.stderr.contains("p1 [PROD]"), "{}", yes.stderr);
    let wrong = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--yes",
        "--confirm-tenant",
        "not-it",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    let count = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--confirm-tenant",
        "all:2",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(count.code, 2, "{}", count.stderr);
    assert_eq!(g.puts(1), 0);
    let sid = g.sid(1);
    let right = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--confirm-tenant",
        &sid,
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(right.code, 0, "{}", right.stderr);
    assert_eq!(g.puts(1), 1);
    let all = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--confirm-tenant",
        "all:1",
        "common.aparty_tag=Courier",
    ]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!((g.puts(1), g.tag(1).as_deref()), (2, Some("Courier")));
}

#[test]
fn a_fleet_mixing_modes_refuses_read_only_members_and_asks_for_protected_ones() {
    let g = Guarded::start(&["mode = \"read-only\"", "mode = \"protected\"", ""]);
    // --yes alone: the protected member refuses the whole run.
    let yes = g.exoset(&["--all-profiles", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(yes.code, 2, "{}", yes.stderr);
    assert!(
        yes.stderr.contains("1 protected tenant would change"),
        "{}",
        yes.stderr
    );
    assert_eq!((g.puts(1), g.puts(2), g.puts(3)), (0, 0, 0));
    // The plan shows each tenant's mode.
    assert!(yes.stderr.contains("MODE"), "{}", yes.stderr);
    assert!(
        yes.stderr.contains("read-only") && yes.stderr.contains("protected"),
        "{}",
        yes.stderr
    );

    let sid2 = g.sid(2);
    let run = g.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--confirm-tenant",
        &sid2,
        "--json",
        "common.aparty_tag=Rider",
    ]);
    let report: Vec<Value> = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    let outcome = |p: &str| report.iter().find(|o| o["profile"] == p).unwrap()["outcome"].clone();
    assert_eq!(outcome("p1"), "refused");
    assert_eq!(outcome("p2"), "sent");
    assert_eq!(outcome("p3"), "sent");
    // Taken in by --all-profiles, the refused member does not fail the run.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((g.puts(1), g.puts(2), g.puts(3)), (0, 1, 1));

    // Named with -p, it does.
    let named = g.exoset(&["-p", "p1,p3", "set", "--yes", "common.aparty_tag=Courier"]);
    assert_eq!(named.code, 2, "{}\n{}", named.stdout, named.stderr);
    assert_eq!((g.puts(1), g.puts(3)), (0, 2));
}

#[test]
fn history_says_who_sent_a_change_and_why() {
    let g = Guarded::start(&["require_reason = true"]);
    let none = g.exoset(&["-p", "p1", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("requires a reason"), "{}", none.stderr);
    assert_eq!(g.puts(1), 0);
    let reason = "INC-42: \u{1b}[31mrider\u{7} rollout";
    let run = g.exoset(&[
        "-p",
        "p1",
        "set",
        "--yes",
        "--reason",
        reason,
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let text = g.exoset(&["-p", "p1", "history"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert_eq!(text.stdout.lines().count(), 1, "{}", text.stdout);
    assert!(
        text.stdout.contains("by alice (sudo from bob) on ")
            && text.stdout.contains(" from 10.9.8.7")
            && text
                .stdout
                .contains("why: \"INC-42: \\u001b[31mrider\\u0007 rollout\""),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('\u{1b}'), "{}", text.stdout);

    let json = g.exoset(&["-p", "p1", "history", "--json"]);
    let entries: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    let entry = &entries[0];
    assert_eq!(entry["reason"], reason, "stored as typed");
    assert_eq!(entry["actor"]["user"], "alice");
    assert_eq!(entry["actor"]["sudo_user"], "bob");
    assert_eq!(entry["actor"]["ssh_client"], "10.9.8.7");
    assert!(
        entry["actor"]["host"]
            .as_str()
            .is_some_and(|h| !h.is_empty())
    );
    assert_eq!(entry["exoset"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn an_unknown_mode_or_colour_names_the_profile_and_what_is_allowed() {
    let g = Guarded::start(&["mode = \"locked\""]);
    let run = g.exoset(&["-p", "p1", "get"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("profile \"p1\": mode \"locked\"")
            && run.stderr.contains("normal, read-only, protected"),
        "{}",
        run.stderr
    );
    let g = Guarded::start(&["colour = \"pink\""]);
    let run = g.exoset(&["profiles"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("colour \"pink\""), "{}", run.stderr);
}

#[test]
fn auth_status_and_profiles_show_mode_and_label() {
    let g = Guarded::start(&["mode = \"protected\"\nlabel = \"PROD\"", ""]);
    let status = g.exoset(&["-p", "p1", "auth", "status"]);
    assert!(
        status.stdout.contains("mode        protected [PROD]"),
        "{}",
        status.stdout
    );
    let profiles = g.exoset(&["profiles"]);
    assert_eq!(profiles.code, 0, "{}", profiles.stderr);
    let p1 = profiles.stdout.lines().find(|l| l.contains("p1 ")).unwrap();
    assert!(p1.ends_with("protected [PROD]"), "{}", profiles.stdout);
}

#[test]
fn on_a_terminal_a_protected_send_asks_for_the_tenant_sid_to_be_typed() {
    use crate::support::pty::Pty;
    use std::time::Duration;
    let g = Guarded::start(&["mode = \"protected\"\nlabel = \"PROD\"\ncolour = \"red\""]);
    let home = g.home.path().to_str().unwrap().to_string();
    let env = [("EXOSET_HOME", home.as_str())];
    let args = ["-p", "p1", "set", "common.aparty_tag=Rider"];
    let mut wrong = Pty::spawn(&args, &env, 100, 30);
    let screen = wrong.wait_for("type its tenant SID", Duration::from_secs(20));
    assert!(screen.contains("[PROD]"), "{screen}");
    wrong.type_str("exoset-dem\r");
    assert_eq!(wrong.wait_exit(Duration::from_secs(20)), 2);
    assert!(
        wrong.screen().contains("is not its tenant SID"),
        "{}",
        wrong.screen()
    );
    assert_eq!(g.puts(1), 0);

    let mut right = Pty::spawn(&args, &env, 100, 30);
    right.wait_for("type its tenant SID", Duration::from_secs(20));
    right.type_str(&format!("{}\r", g.sid(1)));
    assert_eq!(right.wait_exit(Duration::from_secs(20)), 0);
    assert_eq!((g.puts(1), g.tag(1).as_deref()), (1, Some("Rider")));
}

/// The editor on a terminal: `3`, a filter on `aparty_tag`, an edit that
/// appends `X`, then `s` and `y` to the send question.
fn editor_change_and_send(g: &Guarded, args: &[&str]) -> crate::support::pty::Pty {
    use std::time::Duration;
    let home = g.home.path().to_str().unwrap().to_string();
    let env = [("EXOSET_HOME", home.as_str())];
    let mut pty = crate::support::pty::Pty::spawn(args, &env, 100, 30);
    let wait = Duration::from_secs(30);
    pty.wait_for("POST_JSON", wait);
    pty.type_str("3/aparty_tag\r");
    pty.wait_for("(Esc clears)", wait);
    pty.type_str("\rX\r");
    pty.wait_for("3 Common *1", wait);
    pty.type_str("s");
    pty.wait_for("Send these changes?", wait);
    pty.type_str("y");
    pty
}

#[test]
fn the_editor_sends_nothing_to_a_read_only_profile_until_write_names_it() {
    use std::time::Duration;
    let wait = Duration::from_secs(30);
    let g = Guarded::start(&["mode = \"read-only\""]);
    let mut locked = editor_change_and_send(&g, &["-p", "p1"]);
    locked.wait_for("--write=p1", wait);
    assert_eq!(g.puts(1), 0);
    locked.signal(nix::sys::signal::Signal::SIGTERM);
    locked.wait_exit(wait);

    // A fresh home: the first run's change waits as a draft in the other.
    let g = Guarded::start(&["mode = \"read-only\""]);
    let mut unlocked = editor_change_and_send(&g, &["-p", "p1", "--write=p1"]);
    unlocked.wait_for("Saved 1 change", wait);
    assert_eq!((g.puts(1), g.tag(1).as_deref()), (1, Some("CustomerX")));
    unlocked.signal(nix::sys::signal::Signal::SIGTERM);
    unlocked.wait_exit(wait);
}

#[test]
fn the_editor_asks_a_protected_profile_for_its_tenant_sid_and_a_reason() {
    use std::time::Duration;
    let wait = Duration::from_secs(30);
    let g = Guarded::start(&["mode = \"protected\"\nlabel = \"PROD\"\nrequire_reason = true"]);
    let mut pty = editor_change_and_send(&g, &["-p", "p1"]);
    let screen = pty.wait_for("type the tenant SID", wait);
    assert!(screen.contains("[PROD]"), "{screen}");
    // A wrong SID: the reason is still asked, then the guard refuses.
    pty.type_str("nope\r");
    pty.wait_for("Why this change", wait);
    pty.type_str("INC-7\r");
    pty.wait_for("is not its tenant SID", wait);
    assert_eq!(g.puts(1), 0);
    // The right one sends, with the reason in the history.
    pty.type_str("s");
    pty.wait_for("Send these changes?", wait);
    pty.type_str("y");
    pty.wait_for("type the tenant SID", wait);
    pty.type_str(&format!("{}\r", g.sid(1)));
    pty.wait_for("Why this change", wait);
    pty.type_str("INC-7\r");
    pty.wait_for("Saved 1 change", wait);
    assert_eq!(g.puts(1), 1);
    pty.signal(nix::sys::signal::Signal::SIGTERM);
    pty.wait_exit(wait);
    let json = g.exoset(&["-p", "p1", "history", "--json"]);
    let entries: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(entries[0]["reason"], "INC-7");
}

/// Across profiles, a profile that requires a reason and gets none refuses
/// the whole run before anything is sent — however it was selected — as an
/// unconfirmed protected tenant does: the others are never changed without
/// it and the run never ends 0 with it left out.
#[test]
fn a_fleet_without_a_required_reason_sends_nothing() {
    let g = Guarded::start(&[
        "",
        "require_reason = true",
        "mode = \"read-only\"\nrequire_reason = true",
    ]);
    for selection in [vec!["--all-profiles"], vec!["-p", "p1,p2"]] {
        let mut args = selection.clone();
        args.extend(["set", "--yes", "common.aparty_tag=Rider"]);
        let run = g.exoset(&args);
        assert_eq!(run.code, 2, "{selection:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "profile p2 requires a reason for every change: pass --reason TEXT; nothing \
                 was sent"
            ),
            "{selection:?}: {}",
            run.stderr
        );
        assert_eq!(
            (g.puts(1), g.puts(2), g.puts(3)),
            (0, 0, 0),
            "{selection:?}"
        );
    }
    // With the reason, p1 and p2 are sent; p3, read-only, is not (and its
    // own requirement does not stop the run).
    let run = g.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--reason",
        "INC-7",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((g.puts(1), g.puts(2), g.puts(3)), (1, 1, 0));
}
