//! Secrets in webhook URLs and headers through the real binary: sent and
//! stored exactly, never printed (unless `--show-secrets`), and never taken
//! back as input from masked output.

use crate::support::profiles::Profiles;
use exoset_core::schema::lookup_path;

const HEADERS: &str = "greenvn.greencall_complete_event_headers";
const ENDPOINT: &str = "greenvn.greencall_complete_event_endpoint";
const BASIC: &str = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
const TOKEN: &str = "XYZW9secret";

fn headers_value() -> String {
    format!(r#"{{"content_type":"application/json","Authorization":"{BASIC}"}}"#)
}

fn endpoint_value() -> String {
    format!("https://h.example/cb?auth_token={TOKEN}")
}

fn assert_hidden(what: &str, text: &str) {
    for secret in [TOKEN, "QWxhZGRpbjpvcGVuIHNlc2FtZQ"] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

/// Two tenants; tenant 1 gets the secrets through `set`.
fn with_secrets() -> Profiles {
    let p = Profiles::start(&["", ""]);
    let headers = format!("{HEADERS}={}", headers_value());
    let endpoint = format!("{ENDPOINT}={}", endpoint_value());
    let run = p.exoset(&["-p", "p1", "set", "--yes", &headers, &endpoint]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_hidden("set", &format!("{}{}", run.stdout, run.stderr));
    assert!(
        run.stderr.contains("auth_token=•••• (changed)"),
        "{}",
        run.stderr
    );
    p
}

fn value_on_server(p: &Profiles, n: usize, path: &str) -> Option<String> {
    p.sim
        .settings_of(&p.sid(n))
        .unwrap()
        .get(lookup_path(path).unwrap())
        .map(str::to_string)
}

#[test]
fn secrets_are_sent_exactly_and_shown_nowhere() {
    let p = with_secrets();
    // The server got both exactly.
    assert_eq!(
        value_on_server(&p, 1, ENDPOINT).as_deref(),
        Some(endpoint_value().as_str())
    );
    let sent: serde_json::Value =
        serde_json::from_str(&value_on_server(&p, 1, HEADERS).unwrap()).unwrap();
    assert_eq!(sent["Authorization"], BASIC);

    let file = p.home.path().join("want.json");
    std::fs::write(
        &file,
        r#"{"greenvn": {"greencall_complete_event_endpoint": "https://h.example/cb?auth_token=NEWSECRET1"}}"#,
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for args in [
        vec!["-p", "p1", "get"],
        vec!["-p", "p1", "get", "--json"],
        vec!["-p", "p1", "diff", "-f", f],
        vec!["-p", "p1", "apply", "--dry-run", "-f", f],
        vec!["-p", "p1", "history"],
        vec!["-p", "p1", "history", "--json"],
        vec!["--all-profiles", "get", "--differ"],
        vec!["--all-profiles", "set", "--yes", "common.aparty_tag=Rider"],
        vec![
            "--all-profiles",
            "set",
            "--yes",
            "--json",
            "common.aparty_tag=Courier",
        ],
        vec!["--all-profiles", "apply", "--dry-run", "-f", f],
    ] {
        let run = p.exoset(&args);
        assert!(run.code == 0, "{args:?}: {}\n{}", run.stdout, run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert_hidden(&format!("{args:?}"), &all);
        assert!(!all.contains("NEWSECRET1"), "{args:?}: {all}");
    }
    // --show-secrets shows them.
    let shown = p.exoset(&["-p", "p1", "--show-secrets", "get", ENDPOINT, HEADERS]);
    assert!(
        shown.stdout.contains(TOKEN) && shown.stdout.contains(BASIC),
        "{}",
        shown.stdout
    );
    // export writes them whole, and says so.
    let export = p.exoset(&["-p", "p1", "export"]);
    assert!(export.stdout.contains(TOKEN), "{}", export.stdout);
    assert!(
        export.stderr.contains("holds secrets in full"),
        "{}",
        export.stderr
    );
}

#[test]
fn masked_output_is_never_taken_back_as_input() {
    let p = with_secrets();
    let get = p.exoset(&["-p", "p1", "get", "--json"]);
    assert!(get.stdout.contains("••••"), "{}", get.stdout);
    let file = p.home.path().join("masked.json");
    std::fs::write(&file, &get.stdout).unwrap();
    let puts = p.puts(1);
    for args in [
        vec!["-p", "p1", "apply", "--yes", "-f", file.to_str().unwrap()],
        vec!["-p", "p1", "diff", "-f", file.to_str().unwrap()],
    ] {
        let run = p.exoset(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("greenvn.greencall_complete_event_")
                && run.stderr.contains("export"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let set = p.exoset(&[
        "-p",
        "p1",
        "set",
        "--yes",
        &format!("{ENDPOINT}=https://h/?token=••••"),
    ]);
    assert_eq!(set.code, 2, "{}", set.stderr);
    assert!(set.stderr.contains(ENDPOINT), "{}", set.stderr);
    assert_eq!(p.puts(1), puts, "nothing sent");
}

#[test]
fn tenants_whose_secrets_differ_are_told_apart_by_a_number() {
    let p = Profiles::start(&["", ""]);
    for (n, token) in [(1, "FIRSTTOKEN1"), (2, "SECONDTOKEN2")] {
        let id = lookup_path(ENDPOINT).unwrap();
        p.sim.modify_of(&p.sid(n), |s| {
            s.set(id, format!("https://h/cb?auth_token={token}"))
        });
    }
    let run = p.exoset(&["--all-profiles", "get", "--differ", ENDPOINT]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("auth_token=••••#1") && run.stdout.contains("auth_token=••••#2"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("TOKEN"), "{}", run.stdout);
}

/// Across profiles, export writes every document whole and names, for each
/// profile whose settings hold secrets, the keys that hold them — on
/// stdout and in a folder alike; a profile without secrets is not named.
#[test]
fn a_fleet_export_names_each_profile_holding_secrets_and_its_keys() {
    let p = with_secrets();
    let export = p.exoset(&["export", "-p", "p1,p2"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let docs: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
    assert_eq!(
        docs["p1"]["greenvn"]["greencall_complete_event_endpoint"],
        endpoint_value()
    );
    let notes: Vec<&str> = export
        .stderr
        .lines()
        .filter(|l| l.starts_with("note: "))
        .collect();
    assert_eq!(notes.len(), 1, "{}", export.stderr);
    assert!(
        notes[0].contains("this export (p1) holds secrets in full")
            && notes[0].contains(HEADERS)
            && notes[0].contains(ENDPOINT),
        "{}",
        notes[0]
    );
    let dir = p.home.path().join("exported");
    std::fs::create_dir(&dir).unwrap();
    let export = p.exoset(&["export", "-p", "p1,p2", "-o", dir.to_str().unwrap()]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let file = dir.join("p1.json");
    assert!(std::fs::read_to_string(&file).unwrap().contains(TOKEN));
    assert!(
        export
            .stderr
            .contains(&format!("note: {} holds secrets in full", file.display())),
        "{}",
        export.stderr
    );
    assert!(
        !export.stderr.contains("p2.json holds"),
        "{}",
        export.stderr
    );
}

/// A rollback refused because a key changed again since names the key and
/// both values — masked: the entry's secret and the server's new one.
#[test]
fn a_rollback_refused_for_a_key_changed_since_masks_both_values() {
    let p = with_secrets();
    let theirs = "https://h.example/cb?auth_token=OTHERsecret9";
    p.sim.modify_of(&p.sid(1), |s| {
        s.set(lookup_path(ENDPOINT).unwrap(), theirs);
    });
    let run = p.exoset(&["-p", "p1", "rollback", "--yes"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&format!("{ENDPOINT}: that change left")) && all.contains("auth_token=••••"),
        "{all}"
    );
    assert_hidden("rollback", &all);
    assert!(!all.contains("OTHERsecret9"), "{all}");
    let shown = p.exoset(&["-p", "p1", "--show-secrets", "rollback", "--yes"]);
    assert!(shown.stderr.contains("OTHERsecret9"), "{}", shown.stderr);
    assert_eq!(p.puts(1), 1);
}
