//! The client's own rules: envelope checks, retries, limits.

use super::*;

#[test]
fn basic_auth_header_bytes_are_exactly_basic_space_base64_of_key_colon_token() {
    let token = SecretString::from("t0k:en");
    let value = basic_auth("KEY123", &token);
    // base64("KEY123:t0k:en")
    assert_eq!(value.as_bytes(), b"Basic S0VZMTIzOnQwazplbg==");
    assert!(value.is_sensitive());
}

#[test]
fn settings_url_appends_the_tenant_path() {
    let url = settings_url("https://leadassist.exotel.in", "acme1").unwrap();
    assert_eq!(
        url.as_str(),
        "https://leadassist.exotel.in/v1/tenants/acme1/settings"
    );
    let url = settings_url("https://x.example/prefix/", "t").unwrap();
    assert_eq!(
        url.as_str(),
        "https://x.example/prefix/v1/tenants/t/settings"
    );
}

#[test]
fn plain_http_is_refused_unless_loopback() {
    assert!(settings_url("http://127.0.0.1:8080", "t").is_ok());
    assert!(settings_url("http://localhost:8080", "t").is_ok());
    assert!(settings_url("http://[::1]:8080", "t").is_ok());
    let err = settings_url("http://leadassist.exotel.in", "t").unwrap_err();
    assert!(err.to_string().contains("https is required"), "{err}");
    assert_eq!(err.exit_code(), crate::exit::USAGE);
    // Each refusal is a config error (exit 2) that says what is wrong.
    for (base, tenant, says) in [
        (
            "ftp://x",
            "t",
            "base URL ftp://x must be https://, not ftp://",
        ),
        ("not a url", "t", "base URL \"not a url\" is not a URL"),
        (
            "https://u:p@x.example",
            "t",
            "must not hold a user name or password",
        ),
        (
            "https://x.example",
            "a/b",
            "tenant SID \"a/b\" is not valid",
        ),
        ("https://x.example", "..", "tenant SID \"..\" is not valid"),
    ] {
        let err = settings_url(base, tenant).unwrap_err();
        assert!(
            matches!(err, ApiError::Config(_)),
            "{base} {tenant}: {err:?}"
        );
        assert_eq!(err.exit_code(), crate::exit::USAGE, "{base} {tenant}");
        assert!(err.to_string().contains(says), "{base} {tenant}: {err}");
    }
}

#[test]
fn success_false_in_a_200_is_an_error_with_every_field() {
    let body = br#"{"request_id":"r1","success":false,"status":400,"code":5,"message":"bad country","method":"PUT","data":null}"#;
    let err = check_answer(200, body).unwrap_err();
    assert_eq!(
        err,
        ApiError::Server {
            status: 400,
            code: Some("5".into()),
            message: Some("bad country".into()),
            request_id: Some("r1".into()),
        }
    );
    let line = err.to_string();
    for part in ["HTTP 400", "code 5", "bad country", "request_id r1"] {
        assert!(line.contains(part), "{line}");
    }
}

#[test]
fn credentials_debug_never_shows_the_token() {
    let c = Credentials {
        base_url: "https://x".into(),
        tenant_sid: "t".into(),
        api_key: "k".into(),
        api_token: SecretString::from("sekrit-canary"),
    };
    assert!(!format!("{c:?}").contains("sekrit-canary"));
}

#[test]
fn retry_after_is_read_as_seconds_or_an_http_date() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
    assert_eq!(
        super::parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        super::parse_retry_after(" 1 ", now),
        Some(Duration::from_secs(1))
    );
    assert_eq!(
        super::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
        Some(Duration::from_secs(30))
    );
    // A date already past is no wait; nonsense is no answer.
    assert_eq!(
        super::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(super::parse_retry_after("soon", now), None);
    assert_eq!(super::parse_retry_after("-3", SystemTime::now()), None);
    assert_eq!(super::wait_words(Duration::from_millis(1500)), "2 s");
}

/// A refused connection never reached a server, so nothing there can count
/// the tries: count them here, through the real connect.
#[test]
fn a_refused_connection_is_tried_once_and_then_get_retries_more_times() {
    // Bind and drop to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let credentials = Credentials {
        base_url: format!("http://127.0.0.1:{port}"),
        tenant_sid: "t".into(),
        api_key: "k".into(),
        api_token: SecretString::from("token"),
    };
    let options = ClientOptions {
        backoff: Duration::from_millis(1),
        ..ClientOptions::default()
    };
    let retries = options.get_retries;
    let client = Client::new(&credentials, options).unwrap();
    let tries = std::cell::Cell::new(0u32);
    let failed = crate::runtime()
        .unwrap()
        .block_on(client.retrying(|| {
            tries.set(tries.get() + 1);
            client.send(reqwest::Method::GET, None)
        }))
        .unwrap_err();
    assert!(matches!(failed, ApiError::Connect { .. }), "{failed:?}");
    assert_eq!(tries.get(), 1 + retries);
    assert_eq!(retries, 3);
}
