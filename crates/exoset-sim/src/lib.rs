//! The ExoBridge settings API, simulated: `exoset sim`, `exoset --demo` and the
//! tests run against it over real HTTP.
//!
//! It implements `docs/api.md` as the real server is documented to behave: Basic
//! auth, one tenant, `GET` and a partially merging `PUT` of
//! `/v1/tenants/{sid}/settings`, validation of every key from the schema (wire
//! types included) and the companion rule, all-or-nothing, and the envelope on
//! every answer with `common.default_region` as a list. State lives in memory,
//! optionally saved to a file after each accepted `PUT`.
//!
//! Tests reach behind the client's back through the [`Simulator`] handle: read
//! or replace the state, count requests, see the last `PUT` body, and inject
//! faults for the next requests.
//!
//! It can serve a fleet: several tenant SIDs behind the same credentials,
//! each with its own settings, counts and faults (`exoset sim --tenants N`),
//! and add latency to every request (`--latency 300ms`) for measuring and for
//! interrupting a fleet run part-way.

use exoset_sim_rules as sim_rules;

mod tenant_state;

// The core's modules under the names used below (`crate::schema`, …).
use crate::schema::{FieldId, Kind, Section, lookup};
use crate::settings::{Settings, documented_defaults};
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use exoset_core::{schema, settings};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;

/// Tenant SID of the built-in demo account.
pub const DEMO_SID: &str = "exoset-demo";
/// API key (Basic-auth username) of the demo account.
pub const DEMO_API_KEY: &str = "demo-key";
/// API token (Basic-auth password) of the demo account. Not a secret: it only
/// opens the simulator.
pub const DEMO_API_TOKEN: &str = "demo-token";
/// The demo account's settings, in the PUT-body shape.
pub const DEMO_SETTINGS_JSON: &str = include_str!("../../../assets/demo-settings.json");
/// Largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A body up to this size is read to its end even when refused (see `read_body`).
const DRAIN_LIMIT: usize = 16 * MAX_BODY_BYTES;

const SETTINGS_PATH_PREFIX: &str = "/v1/tenants/";
const SETTINGS_PATH_SUFFIX: &str = "/settings";

/// What the simulator serves and to whom.
#[derive(Clone)]
pub struct SimConfig {
    /// The only tenant SID the credentials may act on.
    pub sid: String,
    /// Basic-auth username (API key or Account SID).
    pub api_key: String,
    /// Basic-auth password.
    pub api_token: String,
    /// Loaded at start when it exists (it then wins over `initial`), saved
    /// after each accepted PUT.
    pub state_file: Option<PathBuf>,
    /// Settings at start when there is no state file yet.
    pub initial: Settings,
    /// Ways the real server may answer that the documented page allows.
    pub quirks: Quirks,
    /// More tenants the same credentials may act on, each with its own
    /// settings (with a state file, each kept beside it: see
    /// `tenant_state`).
    pub more_tenants: Vec<(String, Settings)>,
    /// Added to every request before it is answered: a far-away server.
    pub latency: Duration,
}

/// Ways of answering that the vendor's page shows or allows, which a client
/// written from the same reading must cope with: the seed's own answer
/// leaves keys out and re-serialises JSON held in strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quirks {
    /// Keys left out of every answer ("not reported"), though stored.
    pub omit: Vec<FieldId>,
    /// JSON held in strings (`*_event_headers`, `sms_config`) is answered
    /// re-serialised: compact, as the seed's answer writes it.
    pub reserialise_json: bool,
    /// The region codes this tenant supports; a PUT of another
    /// `default_region` is refused with 403, code 15. `None`: any.
    pub regions: Option<Vec<String>>,
}

impl Quirks {
    /// Like the vendor's example exchange: the nine greenpin keys of the
    /// failed-verification, verified-caller and deallocation events are left
    /// out of answers, and JSON in strings comes back re-serialised.
    pub fn seed_like() -> Quirks {
        let omit = [
            "failed_verification",
            "verified_caller",
            "deallocation_callback",
        ]
        .iter()
        .flat_map(|event| {
            ["endpoint", "method", "headers"]
                .map(|part| lookup(Section::Greenpin, &format!("greenpin_{event}_event_{part}")))
        })
        .flatten()
        .collect();
        Quirks {
            omit,
            reserialise_json: true,
            regions: None,
        }
    }
}

impl SimConfig {
    /// The demo account: [`DEMO_SID`], [`DEMO_API_KEY`], [`DEMO_API_TOKEN`] and
    /// the settings of `assets/demo-settings.json`, in memory only.
    pub fn demo() -> SimConfig {
        SimConfig {
            sid: DEMO_SID.to_string(),
            api_key: DEMO_API_KEY.to_string(),
            api_token: DEMO_API_TOKEN.to_string(),
            state_file: None,
            initial: demo_settings(),
            quirks: Quirks::default(),
            more_tenants: Vec::new(),
            latency: Duration::ZERO,
        }
    }

    /// `n` demo tenants: [`DEMO_SID`] alone when `n` is 1, else
    /// `exoset-demo-1` … `exoset-demo-N`, each with [`fleet_settings`].
    pub fn fleet(n: usize) -> SimConfig {
        SimConfig::fleet_named(DEMO_SID, n)
    }

    /// Like [`SimConfig::fleet`], with the SIDs `{prefix}-1` … `{prefix}-N`
    /// (or `prefix` alone when `n` is 1).
    pub fn fleet_named(prefix: &str, n: usize) -> SimConfig {
        let mut config = SimConfig {
            sid: prefix.to_string(),
            ..SimConfig::demo()
        };
        if n > 1 {
            config.sid = fleet_sid(prefix, 1);
            config.initial = fleet_settings(1);
            config.more_tenants = (2..=n)
                .map(|i| (fleet_sid(prefix, i), fleet_settings(i)))
                .collect();
        }
        config
    }

    /// Every tenant SID served, `sid` first.
    pub fn sids(&self) -> Vec<String> {
        std::iter::once(self.sid.clone())
            .chain(self.more_tenants.iter().map(|(sid, _)| sid.clone()))
            .collect()
    }
}

/// The SID of the `i`th tenant (from 1) of a fleet.
pub fn fleet_sid(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}")
}

/// The demo settings, varied a little for the `i`th tenant (from 1) of a
/// fleet so that the tenants differ as real ones do: each has its own flow
/// id, every third has least-cost routing off, every fourth works in UTC.
pub fn fleet_settings(i: usize) -> Settings {
    let mut settings = demo_settings();
    let mut put = |path: &str, value: String| {
        if let Some(id) = crate::schema::lookup_path(path) {
            settings.set(id, value);
        }
    };
    put("greenvn.default_flow_id", (123_455 + i).to_string());
    if i.is_multiple_of(3) {
        put("common.lcr_enabled", "false".into());
    }
    if i.is_multiple_of(4) {
        put("common.timezone", "UTC".into());
    }
    settings
}

// The token stays out of `Debug`, as everywhere in exoset.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("sid", &self.sid)
            .field("api_key", &self.api_key)
            .field("api_token", &"<redacted>")
            .field("state_file", &self.state_file)
            .field(
                "initial",
                &format_args!("{} keys", self.initial.reported().count()),
            )
            .field("more_tenants", &self.more_tenants.len())
            .field("latency", &self.latency)
            .finish()
    }
}

/// The demo account's settings. A test proves the embedded file parses without
/// notes; the documented defaults are only a fallback that cannot happen.
pub fn demo_settings() -> Settings {
    Settings::from_json_text(DEMO_SETTINGS_JSON).unwrap_or_else(|_| documented_defaults())
}

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
}

/// A running simulator. Dropping it stops the server; [`Simulator::shutdown`]
/// also waits until it has stopped.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Simulator {
    /// Binds `addr` (port 0 picks a free port) and serves on a tokio task.
    /// Fails when the address is taken or the state file exists but cannot be
    /// read as settings (it is never overwritten then).
    pub async fn start(config: SimConfig, addr: SocketAddr) -> io::Result<Simulator> {
        Simulator::start_inner(config, addr, false).await
    }

    /// Starts on 127.0.0.1 with a free port, on a thread with its own runtime:
    /// for tests that are not async, such as those running the `exoset` binary.
    pub fn start_background(config: SimConfig) -> io::Result<Simulator> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("exoset-sim".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Simulator::start(config, loopback(0)).await {
                        Ok(mut sim) => {
                            let task = sim.task.take();
                            if ready_tx.send(Ok(sim)).is_ok()
                                && let Some(task) = task
                            {
                                let _ = task.await;
                            }
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let mut sim = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the simulator thread ended before it started"))??;
        sim.thread = Some(thread);
        Ok(sim)
    }

    async fn start_inner(config: SimConfig, addr: SocketAddr, log: bool) -> io::Result<Simulator> {
        let settings = match &config.state_file {
            Some(path) => load_state(path)?.unwrap_or_else(|| config.initial.clone()),
            None => config.initial.clone(),
        };
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let tenants = std::iter::once((config.sid.clone(), settings))
            .chain(tenant_state::load_more(
                config.state_file.as_deref(),
                &config.sid,
                config.more_tenants,
            )?)
            .map(|(sid, settings)| (sid, Tenant::new(settings)))
            .collect();
        let shared = Arc::new(Shared {
            sid: config.sid,
            api_key: config.api_key,
            api_token: config.api_token,
            state_file: config.state_file,
            latency: config.latency,
            log,
            ids: RequestIds::new(),
            state: Mutex::new(SimState {
                tenants,
                put_count: 0,
                get_count: 0,
                last_put_body: None,
                faults: VecDeque::new(),
                quirks: config.quirks.clone(),
            }),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Simulator {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
            thread: None,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the base URL a client (or a profile) takes.
    pub fn base_url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// The tenant SID it serves (the first, in a fleet).
    pub fn sid(&self) -> &str {
        &self.shared.sid
    }

    /// Every tenant SID it serves, the first first.
    pub fn sids(&self) -> Vec<String> {
        self.shared
            .lock()
            .tenants
            .iter()
            .map(|(sid, _)| sid.clone())
            .collect()
    }

    /// The current settings, as a GET would report them.
    pub fn settings(&self) -> Settings {
        self.shared.lock().primary().settings.clone()
    }

    /// Replaces the settings behind the client's back (another user's edit).
    /// Not saved to the state file: only PUTs are.
    pub fn set_settings(&self, settings: Settings) {
        self.shared.lock().primary().settings = settings;
    }

    /// Changes the settings behind the client's back; see [`Simulator::set_settings`].
    pub fn modify(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.shared.lock().primary().settings);
    }

    /// One tenant's current settings; `None` for a SID it does not serve.
    pub fn settings_of(&self, sid: &str) -> Option<Settings> {
        self.shared
            .lock()
            .tenant(sid)
            .map(|tenant| tenant.settings.clone())
    }

    /// Changes one tenant's settings behind the client's back; `false` for
    /// a SID it does not serve.
    pub fn modify_of(&self, sid: &str, change: impl FnOnce(&mut Settings)) -> bool {
        let mut state = self.shared.lock();
        match state.tenant(sid) {
            Some(tenant) => {
                change(&mut tenant.settings);
                true
            }
            None => false,
        }
    }

    /// PUTs that reached one tenant (authenticated or not); 0 for a SID it
    /// does not serve.
    pub fn put_count_of(&self, sid: &str) -> usize {
        self.shared.lock().tenant(sid).map_or(0, |t| t.put_count)
    }

    /// GETs that reached one tenant; 0 for a SID it does not serve.
    pub fn get_count_of(&self, sid: &str) -> usize {
        self.shared.lock().tenant(sid).map_or(0, |t| t.get_count)
    }

    /// Serves `fault` to each of the next `times` requests for tenant `sid`
    /// (after the faults queued for every request, and those queued for it);
    /// `false` for a SID it does not serve.
    pub fn inject_for(&self, sid: &str, fault: Fault, times: usize) -> bool {
        let mut state = self.shared.lock();
        match state.tenant(sid) {
            Some(tenant) => {
                tenant.faults.extend(std::iter::repeat_n(fault, times));
                true
            }
            None => false,
        }
    }

    /// Every PUT received, whatever its answer (refused, faulted or accepted).
    pub fn put_count(&self) -> usize {
        self.shared.lock().put_count
    }

    /// Every GET received, whatever its answer.
    pub fn get_count(&self) -> usize {
        self.shared.lock().get_count
    }

    /// The body of the last PUT received: its JSON, or a JSON string holding
    /// the text when it was not JSON; `None` before any PUT or after one over
    /// the size limit.
    pub fn last_put_body(&self) -> Option<Value> {
        self.shared.lock().last_put_body.clone()
    }

    /// Serves `fault` to each of the next `times` requests, after the faults
    /// already queued. Every request takes one, whatever its method or path.
    /// Changes how the simulator answers from the next request on.
    pub fn set_quirks(&self, quirks: Quirks) {
        self.shared.lock().quirks = quirks;
    }

    pub fn inject(&self, fault: Fault, times: usize) {
        let mut state = self.shared.lock();
        state.faults.extend(std::iter::repeat_n(fault, times));
    }

    /// Forgets the faults not served yet, every tenant's too.
    pub fn clear_faults(&self) {
        let mut state = self.shared.lock();
        state.faults.clear();
        for (_, tenant) in &mut state.tenants {
            tenant.faults.clear();
        }
    }

    /// Stops accepting, lets requests in flight finish, and waits for the
    /// server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("sid", &self.shared.sid)
            .finish_non_exhaustive()
    }
}

/// For `exoset sim`: serves `config` on 127.0.0.1:`port` (0 picks one) and
/// logs one line per request on standard output (method, path, status —
/// never a header). The caller prints [`banner`] and stops it.
pub async fn start_logged(config: SimConfig, port: u16) -> io::Result<Simulator> {
    Simulator::start_inner(config, loopback(port), true).await
}

/// What `exoset sim` prints at start. Only the demo token is ever shown.
pub fn banner(sim: &Simulator) -> String {
    let shared = &sim.shared;
    let base = sim.base_url();
    let state = match &shared.state_file {
        Some(path) => format!("{} (saved after each accepted PUT)", path.display()),
        None => "in memory; lost when the simulator stops".to_string(),
    };
    let (token, token_env) = if shared.api_token == DEMO_API_TOKEN {
        (
            format!("{DEMO_API_TOKEN} (the demo token)"),
            format!(" EXOSET_API_TOKEN={DEMO_API_TOKEN}"),
        )
    } else {
        (
            "the one it was given; pass it in EXOSET_API_TOKEN".to_string(),
            String::new(),
        )
    };
    let tenants: Vec<String> = shared
        .lock()
        .tenants
        .iter()
        .map(|(s, _)| s.clone())
        .collect();
    let (sid, sid_line) = match tenants.as_slice() {
        [] | [_] => (shared.sid.clone(), format!("tenant SID: {}", shared.sid)),
        [first, .., last] => (
            shared.sid.clone(),
            format!("tenant SIDs: {first} … {last} ({} tenants)", tenants.len()),
        ),
    };
    let latency = if shared.latency.is_zero() {
        String::new()
    } else {
        format!(
            "\n  latency:    {} added to every request",
            humantime::format_duration(shared.latency)
        )
    };
    format!(
        "ExoBridge simulator listening on {base}\n\
         \x20 {sid_line}\n\
         \x20 API key:    {key}\n\
         \x20 API token:  {token}\n\
         \x20 state:      {state}{latency}\n\
         Try: EXOSET_BASE_URL={base} EXOSET_TENANT_SID={sid} EXOSET_API_KEY={key}{token_env} \
         exoset\n\
         Ctrl-C stops it.",
        key = shared.api_key,
    )
}

/// A line on standard output; a closed pipe is not worth a panic.
fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

struct Shared {
    sid: String,
    api_key: String,
    api_token: String,
    state_file: Option<PathBuf>,
    latency: Duration,
    log: bool,
    ids: RequestIds,
    state: Mutex<SimState>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, SimState> {
        // A panic elsewhere must not take the simulator down with it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct SimState {
    /// Every tenant served, the first (`Shared::sid`) first; never empty.
    tenants: Vec<(String, Tenant)>,
    quirks: Quirks,
    /// Every PUT and GET received, whichever tenant (if any) they were for.
    put_count: usize,
    get_count: usize,
    last_put_body: Option<Value>,
    /// Faults for the next requests, whatever they are for.
    faults: VecDeque<Fault>,
}

impl SimState {
    fn tenant(&mut self, sid: &str) -> Option<&mut Tenant> {
        self.tenants
            .iter_mut()
            .find(|(s, _)| s == sid)
            .map(|(_, tenant)| tenant)
    }

    fn primary(&mut self) -> &mut Tenant {
        if self.tenants.is_empty() {
            // Cannot happen (start puts the first tenant in); keep it total.
            self.tenants
                .push((String::new(), Tenant::new(Settings::default())));
        }
        &mut self.tenants[0].1
    }
}

/// One tenant's settings, what reached it, and the faults queued for it.
struct Tenant {
    settings: Settings,
    put_count: usize,
    get_count: usize,
    faults: VecDeque<Fault>,
}

impl Tenant {
    fn new(settings: Settings) -> Tenant {
        Tenant {
            settings,
            put_count: 0,
            get_count: 0,
            faults: VecDeque::new(),
        }
    }
}

/// UUID-shaped request ids: a random prefix per simulator and a counter, so
/// every id is unique.
struct RequestIds {
    prefix: u64,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> RequestIds {
        RequestIds {
            prefix: RandomState::new().hash_one(std::process::id()),
            next: AtomicU64::new(1),
        }
    }

    fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let p = self.prefix;
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            p >> 32,
            (p >> 16) & 0xffff,
            p & 0xfff,
            0x8000 | ((n >> 48) & 0x3fff),
            n & 0xffff_ffff_ffff
        )
    }
}

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

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
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
        let path = tenant_state::file_for(path, &shared.sid, sid);
        save_state(&path, &next).map_err(|e| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(0),
                format!("internal error: could not save the settings: {e}"),
            )
        })?;
    }
    tenant.settings = next;
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
fn answer_data(settings: &Settings, quirks: &Quirks) -> Value {
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

/// The saved settings, `None` when there is no file yet.
fn load_state(path: &Path) -> io::Result<Option<Settings>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot read the state file {}: {e}", path.display()),
            ));
        }
    };
    Settings::from_json_text(&text).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the state file {} does not hold settings: {e}",
                path.display()
            ),
        )
    })
}

/// Writes the settings in the PUT-body shape atomically: a 0600 temporary
/// file in the same folder, flushed, renamed over the old one, so a crash
/// leaves either the old or the new file, never half of one. (The
/// simulator's own writer: it does not depend on the engine, whose
/// `config::write_private` does the same for exoset's files.)
fn save_state(path: &Path, settings: &Settings) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(&settings.to_json()).map_err(io::Error::other)?;
    text.push('\n');
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut folders = std::fs::DirBuilder::new();
    folders.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folders, 0o700);
    folders.create(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".exoset-sim-")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::lookup_path;
    use exoset_core::validate;

    #[test]
    fn demo_settings_parse_cleanly_and_leave_three_greenpin_events_unreported() {
        let demo = Settings::from_json_text(DEMO_SETTINGS_JSON).unwrap();
        assert!(demo.notes().is_empty(), "{:?}", demo.notes());
        assert!(demo.unknown().is_empty());
        for (id, text) in demo.reported() {
            validate::check(id.setting().kind, text)
                .unwrap_or_else(|e| panic!("{} = {text:?}: {e}", id.path()));
            assert!(!text.contains("webhook.site"), "{}", id.path());
        }
        for event in [
            "failed_verification",
            "verified_caller",
            "deallocation_callback",
        ] {
            let path = format!("greenpin.greenpin_{event}_event_endpoint");
            assert_eq!(demo.get(lookup_path(&path).unwrap()), None, "{path}");
        }
        assert_eq!(demo.reported().count(), 43 - 9);
        assert_eq!(demo_settings(), demo);
    }

    #[test]
    fn sim_config_debug_never_shows_the_token() {
        let config = SimConfig {
            api_token: "s3cret-token".into(),
            ..SimConfig::demo()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-token"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[tokio::test]
    async fn the_banner_shows_the_demo_token_only() {
        let demo = Simulator::start(SimConfig::demo(), loopback(0))
            .await
            .unwrap();
        let shown = banner(&demo);
        assert!(shown.contains(&demo.base_url()), "{shown}");
        assert!(shown.contains(DEMO_SID), "{shown}");
        assert!(shown.contains("EXOSET_API_TOKEN=demo-token"), "{shown}");

        let config = SimConfig {
            api_token: "s3cret-token".into(),
            ..SimConfig::demo()
        };
        let private = Simulator::start(config, loopback(0)).await.unwrap();
        let shown = banner(&private);
        assert!(!shown.contains("s3cret-token"), "{shown}");
        assert!(shown.contains("EXOSET_API_TOKEN"), "{shown}");
    }

    #[test]
    fn the_page_rules_and_the_clients_schema_name_the_same_keys() {
        // Drift either way fails: a key the client knows and the simulator
        // does not, or the other way round.
        let ours: std::collections::BTreeSet<String> = sim_rules::RULES
            .iter()
            .map(|(s, k, _)| format!("{s}.{k}"))
            .collect();
        let theirs: std::collections::BTreeSet<String> = crate::schema::SETTINGS
            .iter()
            .map(|s| format!("{}.{}", s.section.key(), s.key))
            .collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn request_ids_are_uuid_shaped_and_unique() {
        let ids = RequestIds::new();
        let a = ids.next();
        let b = ids.next();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36, "{a}");
        assert_eq!(a.matches('-').count(), 4, "{a}");
    }

    // Endpoints the URL parser tolerates but the page (and the OpenAPI
    // document) do not are refused, by the simulator's rule and the client's.
    #[test]
    fn endpoints_need_a_scheme_with_slashes_and_no_control_characters() {
        let rule = sim_rules::Rule::Url;
        for bad in [
            "http:host.example",
            "http:/host.example",
            "\u{1}https://h.example/",
            "https://h.example/\u{1}",
        ] {
            assert!(validate::check(Kind::Url, bad).is_err(), "{bad:?}");
            let err = sim_rules::check(rule, &json!(bad)).unwrap_err();
            assert!(err.starts_with("must be an absolute http"), "{err}");
        }
        for good in [
            "HTTPS://h.example/x",
            "https://u:p@h.example?x=1",
            "https://h.example/é",
        ] {
            assert_eq!(validate::check(Kind::Url, good), Ok(()), "{good:?}");
            assert_eq!(sim_rules::check(rule, &json!(good)), Ok(good.to_string()));
        }
    }

    #[test]
    fn answer_data_lists_default_region_and_always_has_three_sections() {
        let data = answer_data(
            &Settings::from_json_text(r#"{"common": {"default_region": "MH"}}"#).unwrap(),
            &Quirks::default(),
        );
        assert_eq!(data["common"]["default_region"], json!(["MH"]));
        assert_eq!(data["greenvn"], json!({}));
        assert_eq!(data["greenpin"], json!({}));
    }
}
