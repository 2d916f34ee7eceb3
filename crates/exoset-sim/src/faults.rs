//! Misbehaviours a test asks for: slowness, cut connections, odd answers.

use crate::schema::FieldId;
use std::time::Duration;

/// A misbehaviour to serve instead of (or before) the normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Wait, then answer as usual: a slow server, for progress and cancellation.
    Delay(Duration),
    /// Answer with this failure envelope without looking at the request.
    Error {
        status: u16,
        code: Option<i64>,
        message: String,
        /// Seconds for a `Retry-After` header (429, 503).
        retry_after: Option<u64>,
    },
    /// Answer with this status and body verbatim, not an envelope: a proxy's
    /// error page, a truncated or malformed answer.
    Raw { status: u16, body: String },
    /// Apply the PUT, then lose the answer: the status line goes out and the
    /// connection is closed before the body (a dropped connection, as seen
    /// from the client, after the change was made).
    DropAfterApply,
    /// Apply the PUT, then never answer (the client's timeout ends it).
    HangAfterApply,
    /// Someone else's change lands just before this request is served; then
    /// it is answered as usual. Given to the read before a PUT, it makes a
    /// conflict happen between the client's first read and its re-read.
    ChangeBehind { id: FieldId, value: String },
}

impl Fault {
    /// A failure envelope with no `Retry-After`.
    pub fn error(status: u16, code: Option<i64>, message: impl Into<String>) -> Fault {
        Fault::Error {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The vendor's 409 on a PUT: "you might be trying to update the same
    /// resource concurrently". Nothing is applied.
    pub fn concurrent_update() -> Fault {
        Fault::error(
            409,
            None,
            "conflict: you might be trying to update the same resource concurrently",
        )
    }

    /// The vendor's 429: too many requests, with `Retry-After: secs`.
    /// Nothing is applied.
    pub fn rate_limited(secs: u64) -> Fault {
        Fault::Error {
            status: 429,
            code: None,
            message: "too many requests".to_string(),
            retry_after: Some(secs),
        }
    }
}
