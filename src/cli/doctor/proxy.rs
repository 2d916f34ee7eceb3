//! The proxy the HTTP client will use, asked of the client's own rules.

use super::{Check, Status, env};
use crate::api::client::is_loopback;
use crate::text::safe;
use hyper_util::client::proxy::matcher::Matcher;
use url::Url;

/// The proxy variables doctor reports, in the order they are looked at.
pub(super) const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A proxy value with any user name's password in it masked:
/// `http://me:***@proxy:3128`. Everything before the last `@` is taken as
/// the user name and password, so a password holding `/`, `?`, `#` or `@`
/// is masked whole (a URL parser would end the authority at the `/`).
pub fn redact_proxy(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(at) => value.split_at(at + 3),
        None => ("", value),
    };
    let masked = match rest.rfind('@') {
        Some(at) => {
            let (userinfo, host) = rest.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{host}", &userinfo[..colon]),
                None => rest.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    safe(&format!("{scheme}{masked}")).into_owned()
}

/// A base URL as shown: a password in it masked, as for a proxy.
pub(super) fn shown_base_url(url: &str) -> String {
    redact_proxy(url)
}

/// The proxy a request goes through, as the client decides it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ProxyUse {
    /// The proxy's address, without its user name and password.
    pub(super) shown: String,
    pub(super) host: String,
    pub(super) port: u16,
    /// A user name (and password) is sent to the proxy.
    pub(super) with_login: bool,
}

/// The proxy a request to `url` goes through, if any, asked of the matcher
/// the HTTP client itself uses (hyper-util's, which reqwest builds from the
/// same variables, NO_PROXY's CIDR ranges included); loopback never goes
/// through one (the client turns proxies off for it).
pub(super) fn proxy_for(url: &Url, matcher: &Matcher) -> Option<ProxyUse> {
    if is_loopback(url) {
        return None;
    }
    let dst = url.as_str().parse().ok()?;
    let intercept = matcher.intercept(&dst)?;
    let uri = intercept.uri();
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("https") => 443,
        Some("http") | None => 80,
        Some(_) => 1080,
    });
    Some(ProxyUse {
        shown: safe(&uri.to_string()).into_owned(),
        host: uri.host()?.trim_matches(['[', ']']).to_owned(),
        port,
        with_login: intercept.basic_auth().is_some() || intercept.raw_auth().is_some(),
    })
}

/// Whether a proxy value holds a user name (`user[:password]@` after the
/// scheme), however the client reads it.
pub(super) fn has_login(value: &str) -> bool {
    let rest = value.find("://").map_or(value, |at| &value[at + 3..]);
    rest.contains('@')
}

/// The variable the client would take a proxy from for `url`'s scheme, when
/// one is set: (name, value).
pub(super) fn proxy_variable(url: &Url) -> Option<(&'static str, String)> {
    let names: &[&'static str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .find_map(|name| env(name).map(|value| (*name, value)))
}

/// Whether NO_PROXY (or no_proxy) exempts `url`, by the client's matcher.
pub(super) fn exempted(url: &Url) -> bool {
    let Some(list) = env("NO_PROXY").or_else(|| env("no_proxy")) else {
        return false;
    };
    let probe = Matcher::builder()
        .all("http://proxy.invalid:1")
        .no(list)
        .build();
    url.as_str()
        .parse()
        .is_ok_and(|dst| probe.intercept(&dst).is_none())
}

pub(super) fn proxy_check(url: &Url, proxy: Option<&ProxyUse>) -> Check {
    let set: Vec<String> = PROXY_VARS
        .iter()
        .filter_map(|name| env(name).map(|v| format!("{name}={}", redact_proxy(&v))))
        .collect();
    let listed = if set.is_empty() {
        "no proxy variables set".to_owned()
    } else {
        set.join(", ")
    };
    let host = safe(url.host_str().unwrap_or_default()).into_owned();
    let check = |summary: String| Check::new("network.proxy", "proxy", Status::Ok, summary);
    match proxy {
        _ if is_loopback(url) => check(format!(
            "{listed}; {host} is this machine, reached directly"
        )),
        Some(proxy) => match proxy_variable(url) {
            // A user name and password the client did not read as one: an
            // unencoded `/ ? #` ended the address early, and the proxy it
            // would use is made of pieces of the password. Not shown.
            Some((name, value)) if !proxy.with_login && has_login(&value) => Check {
                status: Status::Fail,
                ..check(format!(
                    "{listed}; the client cannot read the user name and password in {name}: \
                     it would not reach the proxy"
                ))
            }
            .hint(format!(
                "in {name}, write a `/`, `?`, `#` or `@` in the password as %2F, %3F, %23 or %40"
            )),
            _ => check(format!(
                "{listed}; {host} is reached through {}{}",
                proxy.shown,
                if proxy.with_login {
                    " (with the user name and password given; not shown)"
                } else {
                    ""
                }
            )),
        },
        None if exempted(url) => check(format!(
            "{listed}; {host} is reached directly (NO_PROXY exempts it)"
        )),
        None => match proxy_variable(url) {
            // Set, yet the client takes no proxy from it: it goes direct.
            Some((name, _)) => Check {
                status: Status::Fail,
                ..check(format!(
                    "{listed}; {host} is reached directly: the client cannot use {name} as a proxy"
                ))
            }
            .hint(format!(
                "{name} is not a proxy URL; use e.g. http://proxy.example:3128"
            )),
            None => check(format!("{listed}; {host} is reached directly")),
        },
    }
}
