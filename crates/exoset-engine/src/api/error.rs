//! What can go wrong talking to ExoBridge: every failure of a call, its
//! words and its exit code, the vendor's documented error codes, and the wait
//! a 429 asks for.

use crate::text::one_line;
use std::time::Duration;

/// Every way a call can fail, each able to say what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The configuration cannot work (bad URL, plain http to a remote host).
    #[error("{0}")]
    Config(String),
    /// No connection was made: nothing left this machine.
    #[error("could not connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("no answer from {host} within {secs} s; the server may be slow or unreachable")]
    Timeout { host: String, secs: u64 },
    /// The connection failed after it was made (closed, reset): the request
    /// may have reached the server.
    #[error("the connection to {host} failed before the answer came: {detail}")]
    Interrupted { host: String, detail: String },
    /// The server answered with a failure (non-2xx or `success: false`).
    #[error("{}", server_line(*.status, .code.as_deref(), .message.as_deref(), .request_id.as_deref()))]
    Server {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    },
    /// A PUT whose answer was lost after the request went out (connection
    /// closed, timeout, an unreadable 2xx, a gateway error without the
    /// envelope): it may have been applied. Never retried on our own.
    #[error("no usable answer to the PUT ({detail}); the PUT may have been applied")]
    Unknown { detail: String },
    /// The answer could not be understood.
    #[error("unreadable answer from the server (HTTP {status}): {detail}{}", request_suffix(.request_id.as_deref()))]
    BadAnswer {
        status: u16,
        detail: String,
        request_id: Option<String>,
    },
    /// A PUT answered 429 in full: refused, not applied. `retry_after` is
    /// the wait the server asked for (`Retry-After`, seconds or an HTTP
    /// date), when it gave one that could be read.
    #[error("{}", rate_limited_line(*.retry_after, .message.as_deref(), .request_id.as_deref()))]
    RateLimited {
        retry_after: Option<Duration>,
        message: Option<String>,
        request_id: Option<String>,
    },
    #[error("request cancelled")]
    Cancelled,
    /// The token could not be had (read from the keyring while connecting).
    #[error("{0}")]
    Credentials(String),
}

impl From<ApiError> for crate::exit::Failure {
    fn from(e: ApiError) -> crate::exit::Failure {
        let request_id = e.request_id().map(str::to_string);
        crate::exit::Failure::new(e.exit_code(), e.to_string()).with_request_id(request_id)
    }
}

impl ApiError {
    /// The exit code of this failure (see `exit`), by the documented error
    /// code where there is one (`docs/api.md`), else by the HTTP status.
    pub fn exit_code(&self) -> u8 {
        use crate::exit;
        match self {
            ApiError::Config(_) => exit::USAGE,
            ApiError::Unknown { .. } => exit::UNKNOWN,
            ApiError::Credentials(_) => exit::CREDENTIALS,
            ApiError::Server { status, code, .. } => {
                match (*status, documented(*status, code.as_deref())) {
                    (_, Some(Documented::Region | Documented::Refused)) => exit::USAGE,
                    (_, Some(Documented::Version)) => exit::NETWORK,
                    (_, Some(Documented::Credentials)) | (401 | 403, None) => exit::CREDENTIALS,
                    // "you might be trying to update the same resource
                    // concurrently": a conflict, read again.
                    (409, _) => exit::CONFLICT,
                    _ => exit::NETWORK,
                }
            }
            _ => exit::NETWORK,
        }
    }

    /// The documented error code of a server failure, when it has one.
    pub fn documented(&self) -> Option<Documented> {
        match self {
            ApiError::Server { status, code, .. } => documented(*status, code.as_deref()),
            _ => None,
        }
    }

    /// Whether the server said a concurrent update of the same settings was
    /// under way (409): a conflict, not applied.
    pub fn is_concurrent_update(&self) -> bool {
        matches!(self, ApiError::Server { status: 409, .. })
    }

    /// The server's own words, when it sent any.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            ApiError::Server { message, .. } | ApiError::RateLimited { message, .. } => {
                message.as_deref()
            }
            _ => None,
        }
    }

    /// Whether a PUT that failed this way may still have been applied.
    /// `envelope` says whether the answer (if any) was the ExoBridge envelope.
    pub(super) fn maybe_applied(&self, envelope: bool) -> bool {
        match self {
            ApiError::Timeout { .. } | ApiError::Interrupted { .. } => true,
            ApiError::BadAnswer { status, .. } => (200..300).contains(status),
            ApiError::Server { status, .. } => matches!(status, 502..=504) && !envelope,
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } | ApiError::BadAnswer { status, .. } => Some(*status),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Server { request_id, .. }
            | ApiError::BadAnswer { request_id, .. }
            | ApiError::RateLimited { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether a GET may be tried again after this failure.
    pub(super) fn retryable(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::Interrupted { .. } => true,
            ApiError::Server { status, .. } | ApiError::BadAnswer { status, .. } => {
                *status == 429 || *status >= 500
            }
            _ => false,
        }
    }
}

fn request_suffix(request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!(" [request_id {}]", one_line(id, 80)))
        .unwrap_or_default()
}

/// The error codes the vendor publishes for the ExoBridge APIs (`docs/api.md`),
/// grouped by what a person should do about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Documented {
    /// 7 authentication missing or failed, 8 not permitted.
    Credentials,
    /// 15 region code not supported: `common.default_region` was refused.
    Region,
    /// 3 mandatory parameters missing, 5 bad or missing parameters,
    /// 50 invalid call flow: the server refused a value.
    Refused,
    /// 9 version header missing or unsupported.
    Version,
    /// 0 internal error.
    Internal,
}

/// A code counts only with the HTTP status it is published with: a code 5
/// on a 404 is not the documented "bad parameters".
fn documented(status: u16, code: Option<&str>) -> Option<Documented> {
    match (status, code?.trim()) {
        (401, "7") | (403, "8") => Some(Documented::Credentials),
        (403, "15") => Some(Documented::Region),
        (400, "3" | "5") | (422, "50") => Some(Documented::Refused),
        (400, "9") => Some(Documented::Version),
        (500, "0") => Some(Documented::Internal),
        _ => None,
    }
}

fn server_line(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    request_id: Option<&str>,
) -> String {
    let what = match (documented(status, code), status) {
        (Some(Documented::Region), _) => "the server does not support the region code sent",
        (Some(Documented::Refused), _) if code.map(str::trim) == Some("3") => {
            "the server says mandatory parameters are missing"
        }
        (Some(Documented::Refused), _) if code.map(str::trim) == Some("50") => {
            "the server refused the call flow"
        }
        (Some(Documented::Refused), _) => "the server refused a value",
        (Some(Documented::Version), _) => {
            "the server does not accept this request's version: exoset sent a request this \
             server's version does not accept"
        }
        (Some(Documented::Credentials), 403) | (None, 403) => {
            "the server refused access to this tenant"
        }
        (Some(Documented::Credentials), _) | (None, 401) => "the server refused the credentials",
        (_, 404) => "not found: check the base URL and tenant SID",
        (_, 405) => "the server does not allow this method here",
        (_, 408 | 504) => "the server timed out",
        (_, 409) => {
            "the server reports a concurrent update of these settings (conflict); nothing was \
             applied: read the settings again before sending"
        }
        (_, 413) => "the request was too large for the server",
        (_, 429) => "the server is rate-limiting requests; wait and try again",
        (_, 400..=499) => "the server rejected the request",
        _ => "the server failed",
    };
    let code_part = code
        .map(|c| format!(", code {}", one_line(c, 40)))
        .unwrap_or_default();
    let message = message
        .filter(|m| !m.trim().is_empty())
        .map(|m| format!(": {}", one_line(m, 300)))
        .unwrap_or_default();
    let hint = match (documented(status, code), status) {
        (Some(Documented::Credentials), 401) | (None, 401) => {
            " — check the API key and token (`exoset auth login`)"
        }
        (Some(Documented::Credentials), _) | (None, 403) => {
            " — check the tenant SID and that this key may use it (`exoset auth status`)"
        }
        (Some(Documented::Version), _) => " — please report this",
        _ => "",
    };
    format!(
        "{what} (HTTP {status}{code_part}){message}{hint}{}",
        request_suffix(request_id)
    )
}

/// A 429 to a PUT in words: refused, not applied, and the wait asked for.
fn rate_limited_line(
    retry_after: Option<Duration>,
    message: Option<&str>,
    request_id: Option<&str>,
) -> String {
    let wait = match retry_after {
        Some(wait) => format!("it asks to wait {} (Retry-After)", wait_words(wait)),
        None => "it gave no Retry-After to wait for".to_string(),
    };
    let message = message
        .filter(|m| !m.trim().is_empty())
        .map(|m| format!(": {}", one_line(m, 300)))
        .unwrap_or_default();
    format!(
        "the server is rate-limiting requests (HTTP 429){message}; the PUT was refused, not \
         applied; {wait}{}",
        request_suffix(request_id)
    )
}

/// A wait in whole seconds, rounded up: `1 s`, `90 s`.
pub fn wait_words(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    format!("{secs} s")
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (the wait until
/// then from `now`; a date past is no wait). `None` when unreadable.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
