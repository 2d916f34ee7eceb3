//! The ExoBridge settings client: GET and PUT `{base}/v1/tenants/{sid}/settings`.
//!
//! Every answer is checked — size capped, JSON and envelope validated — and
//! every failure becomes one [`ApiError`] that reads well to a person and
//! carries the HTTP status, `code`, `message` and `request_id` when there are
//! any. GET retries connect errors, 5xx and 429 with bounded backoff; PUT is
//! never retried, since a lost answer does not mean a lost write.

use crate::settings::{Settings, ShapeError};
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::fmt;
use std::time::Duration;
use url::Url;

pub use super::error::{ApiError, Documented, parse_retry_after, wait_words};
use crate::text::one_line;

/// The largest answer read; a settings document is a few KiB.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
pub const DEFAULT_BASE_URL: &str = "https://leadassist.exotel.in";

/// Who to talk to and as whom. The token never leaves this struct unredacted.
#[derive(Clone)]
pub struct Credentials {
    pub base_url: String,
    pub tenant_sid: String,
    /// The Basic-auth user: API key or Account SID.
    pub api_key: String,
    pub api_token: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("base_url", &self.base_url)
            .field("tenant_sid", &self.tenant_sid)
            .field("api_key", &self.api_key)
            .field("api_token", &"[redacted]")
            .finish()
    }
}

/// Timeouts and retry limits.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// The whole request, answer included.
    pub timeout: Duration,
    /// Extra attempts a GET may make.
    pub get_retries: u32,
    /// First backoff; it doubles per attempt.
    pub backoff: Duration,
    /// The longest wait between attempts, `Retry-After` included; a longer
    /// `Retry-After` ends the retries.
    pub max_backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            get_retries: 3,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// A successful answer: the envelope's request id and the settings in `data`.
#[derive(Debug, Clone)]
pub struct Answer {
    pub request_id: Option<String>,
    pub settings: Settings,
}

/// The `Authorization` value: `Basic base64("<api_key>:<api_token>")`. Every
/// intermediate copy is wiped; the `HeaderValue` itself cannot be (its bytes
/// belong to `http`), so it is made once per client and marked sensitive.
pub fn basic_auth(api_key: &str, api_token: &SecretString) -> HeaderValue {
    use zeroize::Zeroizing;
    let mut raw = Zeroizing::new(Vec::with_capacity(
        api_key.len() + 1 + api_token.expose_secret().len(),
    ));
    raw.extend_from_slice(api_key.as_bytes());
    raw.push(b':');
    raw.extend_from_slice(api_token.expose_secret().as_bytes());
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*raw));
    // Sized up front so that no reallocation leaves an unwiped copy behind.
    let mut header = Zeroizing::new(String::with_capacity("Basic ".len() + encoded.len()));
    header.push_str("Basic ");
    header.push_str(&encoded);
    let mut value =
        HeaderValue::from_str(&header).unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    value.set_sensitive(true);
    value
}

/// The `Authorization` header, or the token read it is waiting for: a
/// keyring read runs while the client is built and connects, and only a
/// request waits for it.
type PendingAuth = futures_util::future::Shared<
    futures_util::future::BoxFuture<'static, Result<HeaderValue, ApiError>>,
>;

/// TEST ONLY: `EXOSET_TEST_RESOLVER=stuck` makes every lookup of a name (the
/// HTTP clients' through [`with_resolver`], doctor's DNS probe through
/// [`lookup_host`]) hang the way a `getaddrinfo` on a dead resolver does: on a
/// blocking thread that never returns. Honoured only in debug builds
/// (`cfg(debug_assertions)`, what the tests run); a release build ignores it.
pub const TEST_RESOLVER_VAR: &str = "EXOSET_TEST_RESOLVER";

fn stuck_resolver_selected() -> bool {
    cfg!(debug_assertions) && std::env::var_os(TEST_RESOLVER_VAR).is_some_and(|v| v == "stuck")
}

/// A lookup that never answers and holds a blocking thread, as a stuck
/// `getaddrinfo` does (see [`TEST_RESOLVER_VAR`]).
async fn stuck_lookup() {
    let _ = tokio::task::spawn_blocking(|| {
        loop {
            std::thread::park();
        }
    })
    .await;
}

struct StuckResolver;

impl reqwest::dns::Resolve for StuckResolver {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async {
            stuck_lookup().await;
            Err("the test resolver never answers".into())
        })
    }
}

/// An HTTP client builder with the resolver exoset uses: the system's, or
/// in a debug build the one [`TEST_RESOLVER_VAR`] selects.
pub fn with_resolver(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    if stuck_resolver_selected() {
        builder.dns_resolver(StuckResolver)
    } else {
        builder
    }
}

/// Looks a host up as the HTTP clients would (see [`with_resolver`]).
pub async fn lookup_host(host: &str, port: u16) -> std::io::Result<Vec<std::net::SocketAddr>> {
    if stuck_resolver_selected() {
        stuck_lookup().await;
        return Err(std::io::Error::other("the test resolver never answers"));
    }
    tokio::net::lookup_host((host, port))
        .await
        .map(|addrs| addrs.collect())
}

/// Whether a URL's host is this machine, where plain http is allowed.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks a tenant SID: the vendor's are short letters and digits ("exotel or
/// custom identifier"); `_` and `-` are allowed too, and nothing that could
/// change the path (`.`, `..`, `/`) or vanish from it (tabs, newlines).
pub fn check_tenant_sid(sid: &str) -> Result<(), String> {
    let ok = !sid.is_empty()
        && sid.len() <= 64
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "tenant SID {} is not valid: use 1 to 64 letters, digits, _ or -",
            crate::text::safe(&format!("{sid:?}"))
        ))
    }
}

/// The API key is the Basic-auth user name, so it cannot hold a ':'.
fn check_api_key(api_key: &str) -> Result<(), ApiError> {
    if api_key.contains(':') {
        return Err(ApiError::Config(
            "the API key must not contain ':' (it is the Basic-auth user name)".into(),
        ));
    }
    Ok(())
}

/// The settings URL for a base and tenant, refusing plain http off this machine.
pub fn settings_url(base_url: &str, tenant_sid: &str) -> Result<Url, ApiError> {
    let mut url = Url::parse(base_url.trim()).map_err(|e| {
        ApiError::Config(format!(
            "base URL {base_url:?} is not a URL ({e}); e.g. {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::Config(
            "the base URL must not hold a user name or password (user:pass@): exoset sends \
             the API key and token itself, and a password in a URL ends up in output and logs"
                .into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(ApiError::Config(format!(
            "the base URL must not hold a #fragment: {}",
            crate::text::safe(base_url)
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(ApiError::Config(format!(
                "base URL {base_url} uses plain http; https is required except on this \
                 machine (localhost)"
            )));
        }
        other => {
            return Err(ApiError::Config(format!(
                "base URL {base_url} must be https://, not {other}://"
            )));
        }
    }
    check_tenant_sid(tenant_sid).map_err(ApiError::Config)?;
    url.path_segments_mut()
        .map_err(|_| ApiError::Config(format!("base URL {base_url} cannot take a path")))?
        .pop_if_empty()
        .extend(["v1", "tenants", tenant_sid, "settings"]);
    Ok(url)
}

/// A client for one tenant's settings.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: Url,
    auth: PendingAuth,
    options: ClientOptions,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url.as_str())
            .finish()
    }
}

impl Client {
    pub fn new(credentials: &Credentials, options: ClientOptions) -> Result<Client, ApiError> {
        let header = basic_auth(&credentials.api_key, &credentials.api_token);
        Client::with_pending_token(
            &credentials.base_url,
            &credentials.tenant_sid,
            &credentials.api_key,
            options,
            futures_util::future::ready(Ok(header)),
        )
    }

    /// A client whose token is still being read: `token` yields the
    /// `Authorization` value (see [`basic_auth`]) or why there is none, and
    /// is awaited by the first request (once; later requests reuse it).
    pub fn with_pending_token(
        base_url: &str,
        tenant_sid: &str,
        api_key: &str,
        options: ClientOptions,
        token: impl std::future::Future<Output = Result<HeaderValue, ApiError>> + Send + 'static,
    ) -> Result<Client, ApiError> {
        use futures_util::FutureExt as _;
        let url = settings_url(base_url, tenant_sid)?;
        check_api_key(api_key)?;
        // reqwest is built without a bundled crypto provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = with_resolver(reqwest::Client::builder())
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!is_loopback(&url));
        if is_loopback(&url) {
            // A proxy cannot reach this machine's loopback; never send it there.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Client {
            http,
            url,
            auth: token.boxed().shared(),
            options,
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A client for another tenant that shares this one's HTTP setup and
    /// connection pool: building the TLS setup costs milliseconds and
    /// memory per client, which a fleet of a hundred tenants feels. The
    /// same rules hold (HTTPS only unless loopback); when the other is on
    /// the other side of that rule, it gets its own.
    pub fn sibling(&self, credentials: &Credentials) -> Result<Client, ApiError> {
        let url = settings_url(&credentials.base_url, &credentials.tenant_sid)?;
        if is_loopback(&url) != is_loopback(&self.url) {
            return Client::new(credentials, self.options.clone());
        }
        check_api_key(&credentials.api_key)?;
        use futures_util::FutureExt as _;
        let header = basic_auth(&credentials.api_key, &credentials.api_token);
        Ok(Client {
            http: self.http.clone(),
            url,
            auth: async move { Ok(header) }.boxed().shared(),
            options: self.options.clone(),
        })
    }

    fn host(&self) -> String {
        self.url.host_str().unwrap_or("the server").to_string()
    }

    /// Reads the current settings, retrying transient failures.
    pub async fn get(&self) -> Result<Answer, ApiError> {
        self.retrying(|| self.send(reqwest::Method::GET, None))
            .await
    }

    /// Tries `once` until it answers, its failure is not worth retrying,
    /// or `get_retries` more tries have failed; waits the backoff (or the
    /// server's `Retry-After`) between tries.
    async fn retrying<Once>(&self, mut once: impl FnMut() -> Once) -> Result<Answer, ApiError>
    where
        Once: std::future::Future<Output = Result<Answer, SendFailure>>,
    {
        let mut attempt = 0;
        loop {
            let result = once().await;
            let (err, retry_after) = match result {
                Ok(answer) => return Ok(answer),
                Err(failure) => (failure.error, failure.retry_after),
            };
            if attempt >= self.options.get_retries || !err.retryable() {
                return Err(err);
            }
            let backoff = self.options.backoff.saturating_mul(1 << attempt.min(16));
            let wait = retry_after.unwrap_or(backoff);
            if wait > self.options.max_backoff {
                return Err(err);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Sends a PUT body once; never retried. A failure after the request may
    /// have reached the server is [`ApiError::Unknown`]; only a failure to
    /// connect means nothing was sent. A complete 429 answer is
    /// [`ApiError::RateLimited`] (refused, with the wait asked for): the
    /// fleet may send once more after it, through `Session::send`.
    pub async fn put(&self, body: &Value) -> Result<Answer, ApiError> {
        self.send(reqwest::Method::PUT, Some(body))
            .await
            .map_err(|failure| {
                if let ApiError::Server {
                    status: 429,
                    message,
                    request_id,
                    ..
                } = failure.error
                {
                    // A complete 429 answer: refused, not applied.
                    ApiError::RateLimited {
                        retry_after: failure.retry_after,
                        message,
                        request_id,
                    }
                } else if failure.error.maybe_applied(failure.envelope) {
                    ApiError::Unknown {
                        detail: failure.error.to_string(),
                    }
                } else {
                    failure.error
                }
            })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        body: Option<&Value>,
    ) -> Result<Answer, SendFailure> {
        let auth = self.auth.clone().await.map_err(|error| SendFailure {
            error,
            retry_after: None,
            envelope: false,
        })?;
        let mut request = self
            .http
            .request(method, self.url.clone())
            .header(AUTHORIZATION, auth)
            .header(USER_AGENT, concat!("exoset/", env!("CARGO_PKG_VERSION")))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|e| SendFailure {
            error: self.transport(&e),
            retry_after: None,
            envelope: false,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let bytes = self
            .read_capped(response, status)
            .await
            .map_err(|error| SendFailure {
                error,
                retry_after,
                envelope: false,
            })?;
        check_answer(status, &bytes).map_err(|error| SendFailure {
            envelope: is_envelope(&bytes),
            error,
            retry_after,
        })
    }

    async fn read_capped(
        &self,
        mut response: reqwest::Response,
        status: u16,
    ) -> Result<Vec<u8>, ApiError> {
        let too_big = || ApiError::BadAnswer {
            status,
            detail: format!(
                "the answer is larger than {} KiB; not a settings document",
                MAX_ANSWER_BYTES / 1024
            ),
            request_id: None,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                        return Err(too_big());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(bytes),
                Err(e) if e.is_timeout() => return Err(self.transport(&e)),
                Err(e) => {
                    return Err(ApiError::BadAnswer {
                        status,
                        detail: format!(
                            "the answer was cut off after {} bytes ({})",
                            bytes.len(),
                            root_cause(&e)
                        ),
                        request_id: None,
                    });
                }
            }
        }
    }

    fn transport(&self, e: &reqwest::Error) -> ApiError {
        if e.is_connect() {
            // Connecting failed (refused, unreachable, or timed out): the
            // request never left this machine.
            ApiError::Connect {
                host: self.host(),
                detail: root_cause(e),
            }
        } else if e.is_timeout() {
            let secs = self.options.timeout.as_secs().max(1);
            ApiError::Timeout {
                host: self.host(),
                secs,
            }
        } else {
            ApiError::Interrupted {
                host: self.host(),
                detail: root_cause(e),
            }
        }
    }
}

/// Why one request failed, with what the retry and unknown-outcome rules need.
struct SendFailure {
    error: ApiError,
    retry_after: Option<Duration>,
    /// The answer was an ExoBridge envelope (it came from the server itself,
    /// not from a proxy in between).
    envelope: bool,
}

fn is_envelope(bytes: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<Value>(bytes),
        Ok(Value::Object(map)) if map.contains_key("success")
    )
}

/// The innermost cause of an error, which is where the useful words are.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    one_line(&cause.to_string(), 200)
}

/// Checks an answer's status, JSON and envelope; returns the settings.
pub fn check_answer(status: u16, bytes: &[u8]) -> Result<Answer, ApiError> {
    let parsed: Result<Value, _> = serde_json::from_slice(bytes);
    let envelope = match parsed {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) if !(200..300).contains(&status) => {
            // An error page (HTML from a proxy, say): report the status plainly.
            return Err(ApiError::Server {
                status,
                code: None,
                message: Some(describe_body(bytes)),
                request_id: None,
            });
        }
        Ok(other) => {
            return Err(ApiError::BadAnswer {
                status,
                detail: format!("expected a JSON object, got {}", kind_of(&other)),
                request_id: None,
            });
        }
        Err(e) => {
            return Err(ApiError::BadAnswer {
                status,
                detail: format!("not valid JSON ({e}): {}", describe_body(bytes)),
                request_id: None,
            });
        }
    };
    let request_id = envelope.get("request_id").and_then(|v| match v {
        Value::String(s) => Some(one_line(s, 80)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let code = envelope.get("code").and_then(|v| match v {
        Value::Null => None,
        Value::String(s) => Some(one_line(s, 40)),
        other => Some(one_line(&other.to_string(), 40)),
    });
    let success = envelope.get("success").and_then(Value::as_bool);
    let message = server_words(&envelope, bytes);
    let reported_status = envelope
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());

    if !(200..300).contains(&status) || success == Some(false) {
        let status = match reported_status {
            Some(s) if (200..300).contains(&status) && s >= 400 => s,
            _ => status,
        };
        return Err(ApiError::Server {
            status,
            code,
            message,
            request_id,
        });
    }
    if success.is_none() {
        return Err(ApiError::BadAnswer {
            status,
            detail: "the answer has no \"success\" field; not an ExoBridge envelope".into(),
            request_id,
        });
    }
    let Some(data) = envelope.get("data") else {
        return Err(ApiError::BadAnswer {
            status,
            detail: "the answer has no \"data\"".into(),
            request_id,
        });
    };
    let settings = Settings::from_json(data).map_err(|ShapeError(detail)| ApiError::BadAnswer {
        status,
        detail: format!("data: {detail}"),
        request_id: request_id.clone(),
    })?;
    Ok(Answer {
        request_id,
        settings,
    })
}

/// The server's words in an answer: the envelope's `message` (compact JSON
/// when it is not a string); in a body that is not the envelope (`{"error":
/// "…"}` from a gateway, say), its `message`, `error` or `detail`, else a
/// bounded excerpt of the body.
fn server_words(map: &serde_json::Map<String, Value>, bytes: &[u8]) -> Option<String> {
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(crate::text::json_line(other)),
    };
    if let Some(words) = ["message", "error", "detail", "error_description"]
        .iter()
        .find_map(|key| map.get(*key).and_then(text))
    {
        return Some(words);
    }
    (!map.contains_key("success")).then(|| describe_body(bytes))
}

fn describe_body(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "empty body".into();
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    let looks_html = text.trim_start().starts_with('<');
    let stripped: String = if looks_html {
        strip_tags(&text)
    } else {
        text.into_owned()
    };
    let line = one_line(&stripped, 120);
    if looks_html {
        format!("an HTML page, not JSON: {line}")
    } else {
        line
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
