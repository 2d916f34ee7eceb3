//! The real binary against a scripted local server that misbehaves in every way
//! the API client must survive: each fault gives one clear line, the right exit
//! code, and no panic.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// One canned answer: raw bytes written after the request is read, then an
/// optional delay before writing, and whether to close early.
#[derive(Clone)]
struct Script {
    delay: Duration,
    raw: Vec<u8>,
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut raw = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn json(status: &str, body: &str) -> Script {
    Script {
        delay: Duration::ZERO,
        raw: response(
            status,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        ),
    }
}

fn envelope(status: u16, code: u32, message: &str) -> String {
    format!(
        r#"{{"request_id":"req-{status}","success":false,"status":{status},"code":{code},"message":"{message}","method":"GET","data":null}}"#
    )
}

/// Serves the scripts in turn (the last one repeats); counts requests.
struct Scripted {
    port: u16,
    hits: Arc<AtomicUsize>,
}

fn serve(scripts: Vec<Script>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let script = scripts[n.min(scripts.len() - 1)].clone();
            thread::spawn(move || answer(stream, script));
        }
    });
    Scripted { port, hits }
}

fn answer(mut stream: TcpStream, script: Script) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    thread::sleep(script.delay);
    let _ = stream.write_all(&script.raw);
    let _ = stream.flush();
}

struct Run {
    code: i32,
    stderr: String,
    stdout: String,
}

/// The binary with a home of its own: no developer's config.toml is read
/// and nothing is written into their data folder, whatever their
/// environment holds.
fn exoset(home: &tempfile::TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_exoset"));
    command
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .env_remove("EXOSET_TIMEOUT");
    command
}

fn exoset_get(port: u16, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let out = exoset(&home)
        .args(["get", "--json"])
        .args(extra)
        .env("EXOSET_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("EXOSET_TENANT_SID", "tenant1")
        .env("EXOSET_API_KEY", "key1")
        .env("EXOSET_API_TOKEN", "fault-test-token")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// One line on stderr, no panic, nothing on stdout, and the words expected.
fn assert_one_clear_line(run: &Run, code: i32, words: &[&str]) {
    assert_eq!(run.code, code, "stderr: {}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("exoset: "), "{}", run.stderr);
    for word in words {
        assert!(run.stderr.contains(word), "{word:?} not in {}", run.stderr);
    }
    assert!(!run.stderr.contains("fault-test-token"));
}

#[test]
fn http_401_says_credentials_were_refused_and_exits_3() {
    let s = serve(vec![json(
        "401 Unauthorized",
        &envelope(401, 7, "Authentication failed"),
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(
        &run,
        3,
        &[
            "refused the credentials",
            "HTTP 401",
            "code 7",
            "Authentication failed",
            "req-401",
            "exoset auth login",
        ],
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 1, "a 401 is not retried");
}

/// The line does not name the tenant's SID (the client's error does not
/// carry it); it says the tenant was refused and where to look.
#[test]
fn http_403_says_access_to_the_tenant_was_refused_and_exits_3() {
    let s = serve(vec![json(
        "403 Forbidden",
        &envelope(403, 8, "Not permitted"),
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 3, &[]);
    assert_eq!(
        run.stderr.trim_end(),
        "exoset: the server refused access to this tenant (HTTP 403, code 8): Not permitted \
         — check the tenant SID and that this key may use it (`exoset auth status`) \
         [request_id req-403]"
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 1, "a 403 is not retried");
}

#[test]
fn http_404_points_at_base_url_and_tenant() {
    let s = serve(vec![json(
        "404 Not Found",
        &envelope(404, 5, "no such tenant"),
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["HTTP 404", "base URL and tenant SID"]);
}

#[test]
fn http_405_is_reported_with_status() {
    let s = serve(vec![json(
        "405 Method Not Allowed",
        &envelope(405, 5, "method not allowed"),
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["HTTP 405", "method not allowed"]);
}

#[test]
fn http_429_is_retried_then_reported_as_rate_limiting() {
    let mut script = json("429 Too Many Requests", &envelope(429, 0, "slow down"));
    script.raw = response(
        "429 Too Many Requests",
        &[("Retry-After", "0"), ("Content-Type", "application/json")],
        envelope(429, 0, "slow down").as_bytes(),
    );
    let s = serve(vec![script]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["rate-limiting", "HTTP 429"]);
    assert_eq!(s.hits.load(Ordering::SeqCst), 4, "first try + 3 retries");
}

#[test]
fn a_429_with_retry_after_is_waited_out_then_the_get_succeeds() {
    let limited = Script {
        delay: Duration::ZERO,
        raw: response("429 Too Many Requests", &[("Retry-After", "1")], b""),
    };
    let ok = json(
        "200 OK",
        r#"{"request_id":"r","success":true,"status":200,"code":null,"message":null,"method":"GET","data":{"common":{"timezone":"UTC"}}}"#,
    );
    let s = serve(vec![limited, ok]);
    let started = Instant::now();
    let run = exoset_get(s.port, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"timezone\": \"UTC\""),
        "{}",
        run.stdout
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
}

#[test]
fn http_500_is_retried_then_reported() {
    let s = serve(vec![json(
        "500 Internal Server Error",
        &envelope(500, 0, "internal error"),
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(
        &run,
        1,
        &["server failed", "HTTP 500", "internal error", "req-500"],
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 4);
}

#[test]
fn http_502_with_an_html_page_is_described_not_dumped() {
    let html = "<html><head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body></html>";
    let s = serve(vec![Script {
        delay: Duration::ZERO,
        raw: response(
            "502 Bad Gateway",
            &[("Content-Type", "text/html")],
            html.as_bytes(),
        ),
    }]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["HTTP 502", "an HTML page", "Bad Gateway"]);
    assert!(!run.stderr.contains("<h1>"), "{}", run.stderr);
}

#[test]
fn malformed_json_is_an_unreadable_answer() {
    let s = serve(vec![json(
        "200 OK",
        r#"{"success": true, "data": {"common": "#,
    )]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["unreadable answer", "not valid JSON"]);
}

#[test]
fn a_truncated_body_is_reported_as_cut_off() {
    let mut raw = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".to_vec();
    raw.extend_from_slice(br#"{"request_id":"r","success":true,"data":{"#);
    let s = serve(vec![Script {
        delay: Duration::ZERO,
        raw,
    }]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["cut off"]);
}

#[test]
fn an_answer_slower_than_the_timeout_gives_up_in_time() {
    let slow = Script {
        delay: Duration::from_secs(4),
        raw: response("200 OK", &[], b"{}"),
    };
    let s = serve(vec![slow]);
    let started = Instant::now();
    let run = exoset_get(s.port, &["--timeout", "1"]);
    assert_one_clear_line(&run, 1, &["no answer", "within 1 s"]);
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// A good answer padded with trailing spaces (valid JSON) to `len` bytes.
fn padded_answer(len: usize) -> Vec<u8> {
    let mut body = br#"{"request_id":"r-big","success":true,"status":200,"code":null,"message":null,"method":"GET","data":{"common":{"timezone":"UTC"}}}"#.to_vec();
    assert!(body.len() < len);
    body.resize(len, b' ');
    body
}

/// The cap is `MAX_ANSWER_BYTES` exactly: an answer of that size is read,
/// one byte more is refused, whether its length is announced or streamed.
#[test]
fn an_answer_of_exactly_1_mib_is_read_and_one_byte_more_is_refused() {
    use exoset_engine::api::client::MAX_ANSWER_BYTES;
    assert_eq!(MAX_ANSWER_BYTES, 1024 * 1024);
    for announced in [true, false] {
        for (len, fits) in [(MAX_ANSWER_BYTES, true), (MAX_ANSWER_BYTES + 1, false)] {
            let body = padded_answer(len);
            let raw = if announced {
                response("200 OK", &[("Content-Type", "application/json")], &body)
            } else {
                let mut raw = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n".to_vec();
                raw.extend_from_slice(&body);
                raw
            };
            let s = serve(vec![Script {
                delay: Duration::ZERO,
                raw,
            }]);
            let run = exoset_get(s.port, &[]);
            let case = format!("{len} bytes, length announced: {announced}");
            if fits {
                assert_eq!(run.code, 0, "{case}: {}", run.stderr);
                let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
                assert_eq!(doc["common"]["timezone"], "UTC", "{case}");
            } else {
                assert_one_clear_line(&run, 1, &["larger than 1024 KiB"]);
            }
        }
    }
}

#[test]
fn a_5_mib_body_is_refused_at_the_cap() {
    let body = vec![b' '; 5 * 1024 * 1024];
    let s = serve(vec![Script {
        delay: Duration::ZERO,
        raw: response("200 OK", &[("Content-Type", "application/json")], &body),
    }]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["larger than 1024 KiB"]);
}

#[test]
fn a_5_mib_body_without_a_length_is_refused_while_streaming() {
    let mut raw =
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b' ', 5 * 1024 * 1024));
    let s = serve(vec![Script {
        delay: Duration::ZERO,
        raw,
    }]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["larger than 1024 KiB"]);
}

#[test]
fn a_200_with_success_false_is_a_failure_with_its_message() {
    let s = serve(vec![json(
        "200 OK",
        r#"{"request_id":"r-sf","success":false,"status":400,"code":5,"message":"Invalid country","method":"GET","data":null}"#,
    )]);
    let run = exoset_get(s.port, &[]);
    // 400 with code 5 is the documented "bad parameters": an invalid value, exit 2.
    assert_one_clear_line(
        &run,
        2,
        &[
            "refused a value",
            "HTTP 400",
            "code 5",
            "Invalid country",
            "r-sf",
        ],
    );
}

#[test]
fn a_200_without_an_envelope_is_refused() {
    let s = serve(vec![json("200 OK", r#"{"greenvn": {}}"#)]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(&run, 1, &["not an ExoBridge envelope"]);
}

#[test]
fn a_refused_connection_is_reported_in_one_line() {
    // Bind and drop to find a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = exoset_get(port, &[]);
    // The tries are counted where they can be: the engine's
    // `a_refused_connection_is_tried_once_and_then_get_retries_more_times`.
    assert_one_clear_line(&run, 1, &["could not connect to 127.0.0.1"]);
}

#[test]
fn a_connection_closed_before_the_answer_is_retried_and_each_try_counted() {
    let s = serve(vec![Script {
        delay: Duration::ZERO,
        raw: Vec::new(),
    }]);
    let run = exoset_get(s.port, &[]);
    assert_one_clear_line(
        &run,
        1,
        &["connection to 127.0.0.1 failed before the answer came"],
    );
    assert_eq!(s.hits.load(Ordering::SeqCst), 4, "first try + 3 retries");
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_connecting() {
    let home = tempfile::tempdir().unwrap();
    let out = exoset(&home)
        .args(["get"])
        .env("EXOSET_BASE_URL", "http://leadassist.exotel.in")
        .env("EXOSET_TENANT_SID", "t")
        .env("EXOSET_API_KEY", "k")
        .env("EXOSET_API_TOKEN", "fault-test-token")
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    };
    assert_one_clear_line(&run, 2, &["https is required"]);
}
