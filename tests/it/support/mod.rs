//! What the integration tests share: the real binary in a pseudo-terminal
//! (`pty`), the real binary against an in-process simulator (`sim_env`) and
//! against a multi-tenant one with a profile per tenant (`profiles`), the
//! tests' own list of control characters (`controls`), how a test that
//! cannot run here says so (`skipped`), and how many cases a property runs
//! (`cases`).

pub mod controls;
pub mod profiles;
pub mod pty;
pub mod sim_env;

/// Says, past the test harness's capture, that a test found what it needs
/// absent and did not run: `scripts/test.sh` counts these lines and prints
/// them as skipped, so an absent keyring never counts as a pass. Tests that
/// call it return right after.
pub fn skipped(why: &str) {
    use std::io::Write;
    // `eprintln!` is captured by the harness (and shown only on failure);
    // a write to the process's stderr is not. One write, so parallel tests'
    // lines do not interleave within it.
    let line = format!("\nSKIPPED: {}\n", why.replace('\n', " "));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Cases for a property: `PROPTEST_CASES` when set (`.ci/run` sets 10,000),
/// else 256.
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// [`cases`], but at most `cap`: for properties whose cases write real
/// files, with the cap their comment gives the reason for.
pub fn cases_at_most(cap: u32) -> u32 {
    cases().min(cap)
}

/// Whether process `pid` is gone (or only a zombie left for its reaper).
pub fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}
