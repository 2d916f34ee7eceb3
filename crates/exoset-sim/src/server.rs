//! The running simulator: start, stop, and the handle tests reach behind the client with.

use crate::config::{DEMO_API_TOKEN, Quirks, SimConfig};
use crate::connections::{CountingListener, Counts};
use crate::faults::Fault;
use crate::handler::handle;
use crate::settings::Settings;
use crate::state::{RequestIds, Shared, SimState, Tenant, load_state};
use axum::Router;
use serde_json::Value;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A running simulator. Dropping it stops the server; [`Simulator::shutdown`]
/// also waits until it has stopped.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    connections: Arc<Counts>,
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
            .chain(crate::tenant_state::load_more(
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
            rate_limit: config.rate_limit,
            log,
            ids: RequestIds::new(),
            state: Mutex::new(SimState {
                tenants,
                put_count: 0,
                get_count: 0,
                last_put_body: None,
                faults: VecDeque::new(),
                quirks: config.quirks.clone(),
                rate_window: None,
            }),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let connections = Arc::new(Counts::default());
        let listener = CountingListener::new(listener, connections.clone());
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
            connections,
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
    /// PUTs to `sid` that were accepted and applied (received ones that
    /// were refused, rate-limited or faulted before applying are not).
    pub fn applied_count_of(&self, sid: &str) -> usize {
        self.shared
            .lock()
            .tenant(sid)
            .map_or(0, |t| t.applied_count)
    }

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

    /// Connections accepted so far (a client that reuses one for several
    /// requests counts once).
    pub fn connections_accepted(&self) -> usize {
        self.connections.accepted()
    }

    /// Connections accepted and not yet closed. Once a client has exited,
    /// this falling to 0 means everything it wrote has been read and
    /// answered or dropped: a test waits for it instead of sleeping.
    pub fn connections_open(&self) -> usize {
        self.connections.open()
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
pub(crate) fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}
