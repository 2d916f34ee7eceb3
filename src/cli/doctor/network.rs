//! The way to the server: DNS, TCP, TLS, one authenticated GET, the clock.

use super::proxy::{proxy_check, proxy_for, shown_base_url};
use super::{
    Check, DNS_LIMIT, GET_LIMIT, Report, SKEW_WARN_SECS, Status, TCP_LIMIT, TLS_LIMIT, quoted, secs,
};
use crate::api::client::{DEFAULT_BASE_URL, is_loopback};
use crate::api::{Client, ClientOptions};
use crate::exit;
use crate::text::safe;
use hyper_util::client::proxy::matcher::Matcher;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

pub(super) fn network_checks(
    report: &mut Report,
    base_url: &str,
    credentials: Option<&crate::api::Credentials>,
    options: &ClientOptions,
) {
    let url = match Url::parse(base_url.trim()) {
        Ok(url) if url.host_str().is_some() => url,
        Ok(_) | Err(_) => {
            report.add(
                Check::new(
                    "network.url",
                    "base URL",
                    Status::Fail,
                    format!("\"{}\" is not a URL with a host", shown_base_url(base_url)),
                )
                .hint(format!(
                    "e.g. --base-url {DEFAULT_BASE_URL}, or base_url in the profile"
                )),
            );
            return;
        }
    };
    if let Err(e) = crate::api::client::settings_url(base_url, "probe") {
        report.add(Check::new(
            "network.url",
            "base URL",
            Status::Fail,
            safe(&e.to_string()),
        ));
        return;
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);

    let proxy = proxy_for(&url, &Matcher::from_system());
    report.add(proxy_check(&url, proxy.as_ref()));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report.add(Check::new(
                "network.dns",
                "DNS",
                Status::Fail,
                format!("cannot start the runtime: {e}"),
            ));
            return;
        }
    };
    // Where this process itself connects: the proxy when there is one.
    let (target_host, target_port, via) = match &proxy {
        Some(p) => (p.host.clone(), p.port, " (the proxy)"),
        None => (host.clone(), port, ""),
    };
    let connect_limit = TCP_LIMIT.min(options.connect_timeout);
    let addrs = runtime.block_on(dns_check(report, &target_host, target_port, via));
    let tcp_ok = match &addrs {
        Some(addrs) => runtime.block_on(tcp_check(report, addrs, via, connect_limit)),
        None => {
            report.add(Check::new(
                "network.tcp",
                "TCP",
                Status::Skip,
                "not tried: the DNS lookup failed",
            ));
            false
        }
    };
    let date = if tcp_ok {
        runtime.block_on(tls_check(report, &url, proxy.is_some(), options))
    } else {
        report.add(Check::new(
            "network.tls",
            tls_title(&url),
            Status::Skip,
            "not tried: no TCP connection",
        ));
        None
    };
    let path_ok = tcp_ok && !report.failed("network.tls");
    match (credentials, path_ok) {
        (Some(credentials), true) => runtime.block_on(get_check(report, credentials, options)),
        (None, _) => report.add(Check::new(
            "server.get",
            "settings GET",
            Status::Skip,
            "not tried: no credentials (see above)",
        )),
        (_, false) => report.add(Check::new(
            "server.get",
            "settings GET",
            Status::Skip,
            "not tried: the server cannot be reached (see above)",
        )),
    }
    report.add(clock_check(date, tcp_ok));
    // Not dropped: that would wait for a lookup that never answers.
    crate::shut_down(runtime);
}

pub(super) async fn dns_check(
    report: &mut Report,
    host: &str,
    port: u16,
    via: &str,
) -> Option<Vec<SocketAddr>> {
    let id = "network.dns";
    let shown = safe(host).into_owned();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        report.add(Check::new(
            id,
            "DNS",
            Status::Skip,
            format!("{shown}{via} is an address; nothing to look up"),
        ));
        return Some(vec![SocketAddr::new(ip, port)]);
    }
    let start = Instant::now();
    let lookup = tokio::time::timeout(DNS_LIMIT, crate::api::client::lookup_host(host, port)).await;
    let took = start.elapsed();
    match lookup {
        Ok(Ok(addrs)) => {
            if addrs.is_empty() {
                report.add(
                    Check::new(
                        id,
                        "DNS",
                        Status::Fail,
                        format!("{shown}{via} has no address"),
                    )
                    .took(took),
                );
                return None;
            }
            let mut ips: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            ips.dedup();
            report.add(
                Check::new(
                    id,
                    "DNS",
                    Status::Ok,
                    format!("{shown}{via} is {}", ips.join(", ")),
                )
                .took(took),
            );
            Some(addrs)
        }
        Ok(Err(e)) => {
            report.add(
                Check::new(id, "DNS", Status::Fail, format!("cannot look up {shown}{via}: {e}"))
                    .took(took)
                    .hint("check the name, and /etc/resolv.conf; a host that reaches out only through a proxy needs HTTPS_PROXY"),
            );
            None
        }
        Err(_) => {
            report.add(
                Check::new(id, "DNS", Status::Fail, format!("the lookup of {shown}{via} did not answer within {}", secs(DNS_LIMIT)))
                    .timed_out()
                    .took(took)
                    .hint("the DNS server in /etc/resolv.conf does not answer; ask the host's admins, or use a proxy (HTTPS_PROXY)"),
            );
            None
        }
    }
}

pub(super) async fn tcp_check(
    report: &mut Report,
    addrs: &[SocketAddr],
    via: &str,
    limit: Duration,
) -> bool {
    let id = "network.tcp";
    let mut failures = Vec::new();
    let mut any_timed_out = false;
    let start = Instant::now();
    for addr in addrs.iter().take(3) {
        let attempt = Instant::now();
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                report.add(
                    Check::new(id, "TCP", Status::Ok, format!("connected to {addr}{via}"))
                        .took(attempt.elapsed()),
                );
                return true;
            }
            Ok(Err(e)) => failures.push(format!("{addr}: {e}")),
            Err(_) => {
                any_timed_out = true;
                failures.push(format!(
                    "{addr}: no answer within {} (TCP connect timed out)",
                    secs(limit)
                ));
            }
        }
    }
    let mut check = Check::new(
        id,
        "TCP",
        Status::Fail,
        format!("cannot connect{via}: {}", failures.join("; ")),
    )
    .took(start.elapsed());
    check = if any_timed_out {
        check.timed_out().hint("packets are dropped on the way (a firewall?); if this host must go out through a proxy, set HTTPS_PROXY=http://PROXY:PORT")
    } else {
        check.hint(
            "nothing listens there, or a firewall refuses: check the base URL's host and port",
        )
    };
    report.add(check);
    false
}

pub(super) fn tls_title(url: &Url) -> &'static str {
    if url.scheme() == "https" {
        "TLS"
    } else {
        "HTTP"
    }
}

/// The innermost cause of an error, which is where the useful words are.
pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    safe(&cause.to_string()).into_owned()
}

/// A TLS handshake and one unauthenticated request to the base URL; returns
/// the server's clock (its `Date` header) and this machine's at the answer.
pub(super) async fn tls_check(
    report: &mut Report,
    url: &Url,
    proxied: bool,
    options: &ClientOptions,
) -> Option<(SystemTime, SystemTime)> {
    let id = "network.tls";
    let title = tls_title(url);
    let https = url.scheme() == "https";
    let limit = TLS_LIMIT.min(options.timeout);
    // reqwest is built without a bundled crypto provider; ring is ours.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // reqwest's connect timeout covers the TLS handshake too: it is the
    // probe's own limit, not the TCP check's, or a silent peer would be
    // given up on after 3 s while the summary says 5.
    let mut builder = crate::api::client::with_resolver(reqwest::Client::builder())
        .connect_timeout(limit)
        .timeout(limit)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!is_loopback(url));
    if is_loopback(url) {
        builder = builder.no_proxy();
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => {
            report.add(Check::new(
                id,
                title,
                Status::Fail,
                format!("cannot set up HTTP: {}", root_cause(&e)),
            ));
            return None;
        }
    };
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    let start = Instant::now();
    let sent = tokio::time::timeout(
        limit + Duration::from_millis(200),
        client
            .head(origin.clone())
            .header(
                reqwest::header::USER_AGENT,
                concat!("exoset/", env!("CARGO_PKG_VERSION"), " doctor"),
            )
            .send(),
    )
    .await;
    let took = start.elapsed();
    let host = safe(url.host_str().unwrap_or_default()).into_owned();
    let via = if proxied { " through the proxy" } else { "" };
    match sent {
        Ok(Ok(response)) => {
            let now = SystemTime::now();
            let status = response.status().as_u16();
            let summary = if https {
                format!(
                    "handshake with {host}{via} done, certificate trusted; it answered HTTP {status}"
                )
            } else {
                format!("plain http to this machine (no TLS); {host} answered HTTP {status}")
            };
            report.add(Check::new(id, title, Status::Ok, summary).took(took));
            response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .map(|server| (server, now))
        }
        Ok(Err(e)) if e.is_timeout() => {
            report.add(timed_out_tls(id, title, &host, via, limit, took));
            None
        }
        Ok(Err(e)) => {
            let cause = root_cause(&e);
            let lower = cause.to_ascii_lowercase();
            let hint = if lower.contains("certificate") || lower.contains("unknownissuer") {
                "the certificate is not trusted here: a TLS-inspecting company proxy? Install its CA in the system store (Debian: /usr/local/share/ca-certificates/ and update-ca-certificates; RHEL: /etc/pki/ca-trust/source/anchors/ and update-ca-trust); exoset never turns certificate checks off"
            } else if lower.contains("proxy") || proxied {
                "check the proxy variables above: the proxy refused or failed the CONNECT"
            } else {
                "the host accepts connections but the TLS handshake or the HTTP request failed: is the base URL's port an HTTPS port?"
            };
            report.add(
                Check::new(id, title, Status::Fail, format!("{host}{via}: {cause}"))
                    .took(took)
                    .hint(hint),
            );
            None
        }
        Err(_) => {
            report.add(timed_out_tls(id, title, &host, via, limit, took));
            None
        }
    }
}

pub(super) fn timed_out_tls(
    id: &'static str,
    title: &'static str,
    host: &str,
    via: &str,
    limit: Duration,
    took: Duration,
) -> Check {
    Check::new(
        id,
        title,
        Status::Fail,
        format!(
            "{host}{via} accepted the connection but gave no {} answer within {} ({} probe timed out)",
            if title == "TLS" { "TLS" } else { "HTTP" },
            secs(limit),
            title
        ),
    )
    .timed_out()
    .took(took)
    .hint("something on the way holds connections open without answering (a firewall or a dead proxy); check the base URL and the proxy variables")
}

pub(super) async fn get_check(
    report: &mut Report,
    credentials: &crate::api::Credentials,
    options: &ClientOptions,
) {
    let id = "server.get";
    let title = "settings GET";
    let options = ClientOptions {
        connect_timeout: TCP_LIMIT.min(options.connect_timeout),
        timeout: GET_LIMIT.min(options.timeout),
        get_retries: 0,
        ..options.clone()
    };
    let limit = options.timeout;
    let client = match Client::new(credentials, options) {
        Ok(client) => client,
        Err(e) => {
            report.add(Check::new(id, title, Status::Fail, safe(&e.to_string())));
            return;
        }
    };
    let path = safe(client.url().path()).into_owned();
    let start = Instant::now();
    let answer = tokio::time::timeout(limit + Duration::from_millis(500), client.get()).await;
    let took = start.elapsed();
    match answer {
        Ok(Ok(answer)) => {
            let id_note = answer
                .request_id
                .as_deref()
                .map(|r| format!(", request_id {}", safe(r)))
                .unwrap_or_default();
            report.add(
                Check::new(
                    id,
                    title,
                    Status::Ok,
                    format!(
                        "GET {path} as {}: settings read{id_note}",
                        quoted(&credentials.api_key)
                    ),
                )
                .took(took),
            );
        }
        Ok(Err(e)) => {
            let hint = match e.exit_code() {
                exit::CREDENTIALS => {
                    "the server refused these credentials: check the tenant SID, API key and token (`exoset auth login` stores new ones)"
                }
                exit::USAGE => "check the base URL and tenant SID of the profile",
                _ => "the server or the way to it failed; try again, and check the lines above",
            };
            let mut check = Check::new(
                id,
                title,
                Status::Fail,
                format!("GET {path}: {}", safe(&e.to_string())),
            )
            .took(took)
            .hint(hint);
            if matches!(e, crate::api::ApiError::Timeout { .. }) {
                check = check.timed_out();
            }
            report.add(check);
        }
        Err(_) => report.add(
            Check::new(
                id,
                title,
                Status::Fail,
                format!(
                    "GET {path}: no answer within {} (settings GET probe timed out)",
                    secs(limit)
                ),
            )
            .timed_out()
            .took(took),
        ),
    }
}

/// This machine's clock minus the server's, in whole seconds.
pub(super) fn skew_secs(server: SystemTime, local: SystemTime) -> i64 {
    match local.duration_since(server) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

pub(super) fn clock_check(date: Option<(SystemTime, SystemTime)>, reached: bool) -> Check {
    let id = "server.clock";
    let title = "clock";
    let Some((server, local)) = date else {
        let why = if reached {
            "not compared: the server sent no Date header"
        } else {
            "not compared: the server was not reached"
        };
        return Check::new(id, title, Status::Skip, why);
    };
    let skew = skew_secs(server, local);
    // The Date header has whole seconds: a second or two is noise.
    if skew.abs() <= 2 {
        return Check::new(
            id,
            title,
            Status::Ok,
            "in step with the server's (within 2 s)",
        );
    }
    let way = if skew > 0 { "ahead of" } else { "behind" };
    let summary = format!(
        "this machine's clock is {} s {way} the server's",
        skew.abs()
    );
    if skew.abs() < SKEW_WARN_SECS {
        Check::new(id, title, Status::Ok, summary)
    } else {
        Check::new(id, title, Status::Warn, summary).hint(
            "sync it (timedatectl set-ntp true, or chronyc makestep): a clock far off breaks certificate checks and gives history entries the wrong times",
        )
    }
}
