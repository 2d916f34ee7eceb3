//! One request: routing, Basic auth, the GET and the merging PUT, the envelope.

use crate::config::{MAX_BODY_BYTES, Quirks};
use crate::faults::Fault;
use crate::schema::{FieldId, Kind, Section, lookup};
use crate::server::say;
use crate::settings::Settings;
use crate::sim_rules;
use crate::state::{Shared, save_state};
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::io::{self};
use std::pin::Pin;
use std::sync::Arc;

/// A body up to this size is read to its end even when refused (see `read_body`).
const DRAIN_LIMIT: usize = 16 * MAX_BODY_BYTES;
const SETTINGS_PATH_PREFIX: &str = "/v1/tenants/";
const SETTINGS_PATH_SUFFIX: &str = "/settings";

/// A refused request: status, published error code and message.
struct Refusal {
    status: StatusCode,
    code: Option<i64>,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: Option<i64>, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_parameters(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, Some(5), message)
    }
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = answer(&shared, request).await;
    if shared.log {
        say(&format!("{method} {path} {}", response.status().as_u16()));
    }
    response
}

async fn answer(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method;
    let id = shared.ids.next();
    let sid = settings_path_sid(parts.uri.path()).map(str::to_string);

    // Counted and recorded before anything can refuse it: "received".
    let body = if method == Method::PUT {
        let read = read_body(&parts.headers, body).await;
        let mut state = shared.lock();
        state.put_count += 1;
        state.last_put_body = read.as_ref().ok().map(|bytes| {
            serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
        });
        if let Some(tenant) = sid.as_deref().and_then(|sid| state.tenant(sid)) {
            tenant.put_count += 1;
        }
        Some(read)
    } else {
        if method == Method::GET {
            let mut state = shared.lock();
            state.get_count += 1;
            if let Some(tenant) = sid.as_deref().and_then(|sid| state.tenant(sid)) {
                tenant.get_count += 1;
            }
        }
        None
    };

    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }

    if let Some(limit) = shared.rate_limit
        && !shared.lock().admit(limit, std::time::Instant::now())
    {
        let mut response = failure(
            &id,
            &method,
            Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                format!("too many requests: at most {limit} a second"),
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
        return response;
    }

    let fault = {
        let mut state = shared.lock();
        state.faults.pop_front().or_else(|| {
            sid.as_deref()
                .and_then(|sid| state.tenant(sid))
                .and_then(|tenant| tenant.faults.pop_front())
        })
    };
    let mut lose_answer = None;
    match fault {
        Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(Fault::ChangeBehind { id, value }) => {
            let mut state = shared.lock();
            if let Some(tenant) = sid.as_deref().and_then(|sid| state.tenant(sid)) {
                tenant.settings.set(id, value);
            }
        }
        Some(fault @ (Fault::DropAfterApply | Fault::HangAfterApply)) => lose_answer = Some(fault),
        Some(Fault::Error {
            status,
            code,
            message,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = failure(&id, &method, Refusal::new(status, code, message));
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return response;
        }
        Some(Fault::Raw { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from(body),
            )
                .into_response();
        }
        None => {}
    }

    let served = serve(shared, &method, parts.uri.path(), &parts.headers, body);
    match lose_answer {
        Some(Fault::HangAfterApply) => return std::future::pending().await,
        Some(_) => {
            // Headers out, then the body fails: hyper closes the connection.
            let broken = futures_util::stream::iter([Err::<axum::body::Bytes, _>(
                io::Error::other("connection dropped by the simulator"),
            )]);
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(broken),
            )
                .into_response();
        }
        None => {}
    }
    match served {
        Ok(data) => success(&id, &method, data),
        Err(refusal) => {
            let challenge = refusal.status == StatusCode::UNAUTHORIZED;
            let not_allowed = refusal.status == StatusCode::METHOD_NOT_ALLOWED;
            let mut response = failure(&id, &method, refusal);
            if challenge {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"ExoBridge\""),
                );
            }
            if not_allowed {
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, PUT"));
            }
            response
        }
    }
}

/// Why a PUT body could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyError {
    TooLarge,
    Unreadable,
}

/// Reads a body of at most [`MAX_BODY_BYTES`]. A larger one is still read, up
/// to [`DRAIN_LIMIT`], and thrown away: answering before the client has sent it
/// all would reset the connection under the 413.
async fn read_body(headers: &HeaderMap, mut body: Body) -> Result<Vec<u8>, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| BodyError::Unreadable)?;
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total <= MAX_BODY_BYTES {
                bytes.extend_from_slice(&data);
            } else if total > DRAIN_LIMIT {
                return Err(BodyError::TooLarge);
            }
        }
    }
    if total > MAX_BODY_BYTES {
        Err(BodyError::TooLarge)
    } else {
        Ok(bytes)
    }
}

/// Routing, auth, then the call itself: the settings as `data`, or a refusal.
fn serve(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Option<Result<Vec<u8>, BodyError>>,
) -> Result<Value, Refusal> {
    let Some(sid) = settings_path_sid(path) else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            None,
            format!("no such resource: {path} (the settings live at /v1/tenants/<sid>/settings)"),
        ));
    };
    if method != Method::GET && method != Method::PUT {
        return Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            format!("method {method} is not allowed here; use GET or PUT"),
        ));
    }
    authenticate(shared, headers)?;
    if shared.lock().tenant(sid).is_none() {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            Some(8),
            format!("not permitted: these credentials do not give access to tenant {sid}"),
        ));
    }
    match body {
        None => {
            let mut state = shared.lock();
            let quirks = state.quirks.clone();
            match state.tenant(sid) {
                Some(tenant) => Ok(answer_data(&tenant.settings, &quirks)),
                None => Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    Some(8),
                    "not permitted",
                )),
            }
        }
        Some(Err(BodyError::TooLarge)) => Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("request body larger than {MAX_BODY_BYTES} bytes"),
        )),
        Some(Err(BodyError::Unreadable)) => Err(Refusal::bad_parameters(
            "invalid parameters: the request body could not be read",
        )),
        Some(Ok(bytes)) => put(shared, sid, headers, &bytes),
    }
}

fn settings_path_sid(path: &str) -> Option<&str> {
    let sid = path
        .strip_prefix(SETTINGS_PATH_PREFIX)?
        .strip_suffix(SETTINGS_PATH_SUFFIX)?;
    (!sid.is_empty() && !sid.contains('/')).then_some(sid)
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), Refusal> {
    const HOW: &str = "send Authorization: Basic base64(api_key:api_token)";
    let refuse = |why: &str| {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            Some(7),
            format!("authentication failed: {why}"),
        )
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            Some(7),
            format!("authentication missing: {HOW}"),
        ));
    };
    let malformed = || refuse(&format!("the Authorization header is malformed; {HOW}"));
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = text.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (key, token) = decoded.split_once(':').ok_or_else(malformed)?;
    // Both compared in full, so the answer does not tell which one was wrong.
    let key_ok = same_bytes(key, &shared.api_key);
    let token_ok = same_bytes(token, &shared.api_token);
    if key_ok & token_ok {
        Ok(())
    } else {
        Err(refuse("wrong API key or token"))
    }
}

fn same_bytes(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A PUT: validate everything, then merge and save, or change nothing.
fn put(shared: &Shared, sid: &str, headers: &HeaderMap, bytes: &[u8]) -> Result<Value, Refusal> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Refusal::bad_parameters(
            "invalid parameters: the body must be JSON sent with Content-Type: application/json",
        ));
    }
    let body: Value = serde_json::from_slice(bytes).map_err(|e| {
        Refusal::bad_parameters(format!(
            "invalid parameters: the body is not valid JSON: {e}"
        ))
    })?;
    let updates = check_put_body(&body)?;

    let mut state = shared.lock();
    if let Some(regions) = &state.quirks.regions
        && let Some((_, region)) = updates
            .iter()
            .find(|(id, _)| id.setting().key == "default_region")
        && !regions.iter().any(|r| r == region)
    {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            Some(15),
            format!(
                "region code not supported: {region:?} (this account supports {})",
                regions.join(", ")
            ),
        ));
    }
    let quirks = state.quirks.clone();
    let Some(tenant) = state.tenant(sid) else {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            Some(8),
            "not permitted",
        ));
    };
    let mut next = tenant.settings.clone();
    for (id, text) in updates {
        next.set(id, text);
    }
    if let Some(path) = shared.state_file.as_ref() {
        let path = crate::tenant_state::file_for(path, &shared.sid, sid);
        save_state(&path, &next).map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(0),
                format!("internal error: could not save the settings: {e}"),
            )
        })?;
    }
    tenant.settings = next;
    tenant.applied_count += 1;
    Ok(answer_data(&tenant.settings, &quirks))
}

/// Every key of a PUT body checked against the simulator's own table of the
/// page's rules ([`sim_rules`], which shares no code with the client's
/// validation), in wire types, plus the companion rule. `Ok` holds the texts
/// to store; `Err` names each bad key.
fn check_put_body(body: &Value) -> Result<Vec<(FieldId, String)>, Refusal> {
    let Value::Object(sections) = body else {
        return Err(Refusal::bad_parameters(format!(
            "invalid parameters: the body must be a JSON object with greenvn, greenpin and/or \
             common, not {}",
            describe(body)
        )));
    };
    let mut problems = Vec::new();
    let mut updates = Vec::new();
    for (name, keys) in sections {
        let Some(section) = Section::from_key(name) else {
            problems.push(format!(
                "{name}: unknown section (the sections are greenvn, greenpin and common)"
            ));
            continue;
        };
        let Value::Object(keys) = keys else {
            problems.push(format!(
                "{name}: must be a JSON object, not {}",
                describe(keys)
            ));
            continue;
        };
        for (key, value) in keys {
            // Where the value is stored; the rule comes from the simulator's
            // table, not the client's.
            let (Some(rule), Some(id)) = (sim_rules::rule(name, key), lookup(section, key)) else {
                problems.push(format!("{name}.{key}: unknown key"));
                continue;
            };
            match sim_rules::check(rule, value) {
                Ok(text) => updates.push((id, text)),
                Err(why) => problems.push(format!("{name}.{key}: {why}")),
            }
        }
        for key in keys.keys() {
            let Some(companions) = sim_rules::companions(key) else {
                continue;
            };
            if sim_rules::rule(name, key).is_none() {
                continue;
            }
            for companion in companions {
                if !keys.contains_key(&companion) {
                    problems.push(format!(
                        "{name}.{companion}: missing; it must be sent with {key}"
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Refusal::bad_parameters(format!(
            "invalid parameters: {}",
            problems.join("; ")
        )));
    }
    if updates.is_empty() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(3),
            "mandatory parameters missing: the body sets no settings",
        ));
    }
    Ok(updates)
}

fn describe(value: &Value) -> String {
    sim_rules::describe_value(value)
}

/// `data` of a 200: every section present, `common.default_region` a list,
/// shaped by the quirks in force.
pub(crate) fn answer_data(settings: &Settings, quirks: &Quirks) -> Value {
    let mut shown = settings.clone();
    for (id, text) in settings.reported() {
        if quirks.omit.contains(&id) {
            shown.remove(id);
        } else if quirks.reserialise_json
            && matches!(id.setting().kind, Kind::HeadersJson | Kind::SmsConfigJson)
            && let Ok(value) = serde_json::from_str::<Value>(text)
        {
            shown.set(id, value.to_string());
        }
    }
    let mut data = match shown.to_json() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for section in Section::ALL {
        data.entry(section.key())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Some(Value::Object(common)) = data.get_mut(Section::Common.key())
        && let Some(region) = common.get_mut("default_region")
        && region.is_string()
    {
        *region = Value::Array(vec![region.take()]);
    }
    Value::Object(data)
}

fn success(id: &str, method: &Method, data: Value) -> Response {
    let envelope = json!({
        "request_id": id,
        "success": true,
        "status": 200,
        "code": null,
        "message": null,
        "method": method.as_str(),
        "data": data,
    });
    (StatusCode::OK, axum::Json(envelope)).into_response()
}

fn failure(id: &str, method: &Method, refusal: Refusal) -> Response {
    let envelope = json!({
        "request_id": id,
        "success": false,
        "status": refusal.status.as_u16(),
        "code": refusal.code,
        "message": refusal.message,
        "method": method.as_str(),
        "data": null,
    });
    (refusal.status, axum::Json(envelope)).into_response()
}
