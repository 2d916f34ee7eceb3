use super::network::{clock_check, skew_secs};
use super::proxy::{has_login, proxy_for, redact_proxy, shown_base_url};
use super::terminal::{Osc52, classify_da1, colours, locale_check, term_check};
use super::*;
use hyper_util::client::proxy::matcher::Matcher;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned().filter(|v| !v.is_empty())
}

#[test]
fn proxy_passwords_are_masked_and_the_rest_kept() {
    assert_eq!(
        redact_proxy("http://alice:s3cret@proxy.corp:3128"),
        "http://alice:***@proxy.corp:3128"
    );
    assert_eq!(
        redact_proxy("alice:s3cret@proxy.corp:3128/"),
        "alice:***@proxy.corp:3128/"
    );
    assert_eq!(
        redact_proxy("http://alice@proxy.corp:3128"),
        "http://alice@proxy.corp:3128"
    );
    assert_eq!(redact_proxy("http://proxy:3128"), "http://proxy:3128");
    // An @ in the password: everything up to the last @ is userinfo.
    assert_eq!(
        redact_proxy("http://a:p@ss@proxy:1"),
        "http://a:***@proxy:1"
    );
    assert!(!redact_proxy("socks5://u:pw@h:1\x1b[31m").contains('\x1b'));
}

#[test]
fn passwords_with_url_delimiters_are_masked_whole() {
    for value in [
        "http://alice:pa/ss@proxy.corp:3128",
        "http://alice:pa?ss@proxy.corp:3128",
        "http://alice:pa#ss@proxy.corp:3128",
    ] {
        let shown = redact_proxy(value);
        assert_eq!(shown, "http://alice:***@proxy.corp:3128", "{value}");
    }
    assert_eq!(
        shown_base_url("https://me:s3cret/x@host.example"),
        "https://me:***@host.example"
    );
}

#[test]
fn the_proxy_in_effect_is_the_clients_own_choice() {
    let https = Url::parse("https://leadassist.exotel.in").unwrap();
    let matcher = |https_proxy: &str, no: &str| {
        Matcher::builder()
            .https(https_proxy.to_owned())
            .http("http://q:1")
            .no(no.to_owned())
            .build()
    };
    let used = proxy_for(&https, &matcher("http://p:3128", "")).unwrap();
    assert_eq!((used.host.as_str(), used.port), ("p", 3128));
    assert!(!used.with_login);
    let used = proxy_for(&https, &matcher("http://u:pa%2Fss@p:3128", "")).unwrap();
    assert!(used.with_login && !used.shown.contains("pa"), "{used:?}");
    // Unencoded, the client takes `u:pa` for the address (reported as
    // a failure by `proxy_check`, which shows none of it).
    let misread = proxy_for(&https, &matcher("http://u:pa/ss@p:3128", "")).unwrap();
    assert!(!misread.with_login && has_login("http://u:pa/ss@p:3128"));
    assert_eq!(
        proxy_for(&https, &matcher("http://p:3128", ".exotel.in")),
        None
    );
    // A CIDR entry exempts the addresses in it, as the client does.
    let ip = Url::parse("https://10.1.2.3").unwrap();
    assert_eq!(
        proxy_for(&ip, &matcher("http://p:3128", "10.0.0.0/8")),
        None
    );
    assert!(proxy_for(&ip, &matcher("http://p:3128", "11.0.0.0/8")).is_some());
    let local = Url::parse("http://127.0.0.1:8480").unwrap();
    assert_eq!(proxy_for(&local, &matcher("http://p:3128", "")), None);
}

#[test]
fn the_locale_must_be_utf8_by_posix_precedence() {
    let ok = locale_check(&env_of(&[("LANG", "en_IN.UTF-8")]));
    assert_eq!(ok.status, Status::Ok, "{ok:?}");
    let c = locale_check(&env_of(&[("LANG", "C")]));
    assert_eq!(c.status, Status::Warn);
    assert!(c.summary.contains("LANG=C"), "{}", c.summary);
    assert!(c.hint.as_deref().unwrap_or("").contains("C.UTF-8"));
    // LC_ALL wins over LANG, LC_CTYPE too.
    let over = locale_check(&env_of(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "POSIX")]));
    assert_eq!(over.status, Status::Warn);
    assert!(over.summary.contains("LC_ALL=POSIX"));
    let ctype = locale_check(&env_of(&[("LANG", "C"), ("LC_CTYPE", "C.utf8")]));
    assert_eq!(ctype.status, Status::Ok);
    let none = locale_check(&env_of(&[]));
    assert_eq!(none.status, Status::Warn);
}

#[test]
fn colours_are_guessed_from_term_and_colorterm() {
    assert_eq!(colours("xterm-256color", None), 256);
    assert_eq!(colours("xterm", Some("truecolor")), 1 << 24);
    assert_eq!(colours("screen", None), 8);
    assert_eq!(colours("linux", None), 16);
    assert_eq!(colours("dumb", None), 0);
    assert_eq!(colours("vt100", None), 2);
    let dumb = term_check(&env_of(&[("TERM", "dumb")]));
    assert_eq!(dumb.status, Status::Warn);
    let unset = term_check(&env_of(&[]));
    assert_eq!(unset.status, Status::Warn);
    let fine = term_check(&env_of(&[
        ("TERM", "tmux-256color"),
        ("TMUX", "/tmp/x"),
        ("NO_COLOR", "1"),
    ]));
    assert_eq!(fine.status, Status::Ok);
    assert!(fine.summary.contains("inside tmux"), "{}", fine.summary);
    assert!(fine.summary.contains("NO_COLOR"), "{}", fine.summary);
}

#[test]
fn terminal_answers_are_told_apart() {
    assert_eq!(classify_da1(b"\x1b[?65;1;9;52c"), Osc52::Listed);
    assert_eq!(classify_da1(b"junk\x1b[?62;52;22c"), Osc52::Listed);
    assert_eq!(classify_da1(b"\x1b[?64;1;2;6;22c"), Osc52::NotListed);
    assert_eq!(classify_da1(b"\x1b[?1;2c"), Osc52::NotListed);
    assert_eq!(classify_da1(b"\x1b[?5;2c"), Osc52::NotListed);
    assert_eq!(classify_da1(b""), Osc52::Silent);
    assert_eq!(classify_da1(b"\x1b[?1;2"), Osc52::Silent);
}

#[test]
fn clock_skew_is_signed_and_graded() {
    let server = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    assert_eq!(skew_secs(server, server + Duration::from_secs(5)), 5);
    assert_eq!(skew_secs(server + Duration::from_secs(5), server), -5);
    assert_eq!(
        clock_check(Some((server, server + Duration::from_secs(1))), true).status,
        Status::Ok
    );
    let behind = clock_check(Some((server + Duration::from_secs(600), server)), true);
    assert_eq!(behind.status, Status::Warn);
    assert!(
        behind.summary.contains("600 s behind"),
        "{}",
        behind.summary
    );
    assert_eq!(clock_check(None, false).status, Status::Skip);
}

#[test]
fn a_slow_probe_is_abandoned_not_waited_for() {
    let start = Instant::now();
    let r = bounded(Duration::from_millis(50), || {
        std::thread::sleep(Duration::from_secs(2));
        1
    });
    assert_eq!(r, Err(Unanswered::TimedOut));
    assert!(start.elapsed() < Duration::from_millis(500));
    assert_eq!(bounded(Duration::from_secs(1), || 2), Ok(2));
}

#[test]
fn lines_show_status_title_and_fix() {
    let line = render_line(
        &Check::new("network.dns", "DNS", Status::Fail, "cannot look up x").hint("check it"),
        false,
    );
    assert!(line.starts_with("  FAIL  DNS:"), "{line}");
    assert!(
        line.contains("\n") && line.contains("fix: check it"),
        "{line}"
    );
    assert!(line.is_ascii());
    assert_eq!(verdict(0, 0), "All checks passed: exoset should work here.");
    assert!(
        verdict(1, 2).starts_with("1 failure and 2 warnings"),
        "{}",
        verdict(1, 2)
    );
}
