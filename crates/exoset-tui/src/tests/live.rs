//! The real loop, on a TestBackend, against the simulator over HTTP.

use super::*;
use crate::api::{Client, ClientOptions, Credentials};
use crate::{Driver, EventSource};
use crossterm::event::Event;
use exoset_sim::{DEMO_API_KEY, DEMO_API_TOKEN, Fault, SimConfig, Simulator};
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Terminal events from the test script.
struct Script(mpsc::UnboundedReceiver<std::io::Result<Event>>);

impl Stream for Script {
    type Item = std::io::Result<Event>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

impl EventSource for Script {}

type Keys = mpsc::UnboundedSender<std::io::Result<Event>>;

fn send(keys: &Keys, code: KeyCode, mods: KeyModifiers) {
    let _ = keys.send(Ok(Event::Key(KeyEvent::new(code, mods))));
}

fn tap(keys: &Keys, c: char) {
    send(keys, KeyCode::Char(c), KeyModifiers::NONE);
}

async fn sim() -> Simulator {
    Simulator::start(SimConfig::demo(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("simulator starts")
}

fn client(sim: &Simulator) -> Client {
    let credentials = Credentials {
        base_url: sim.base_url(),
        tenant_sid: sim.sid().to_string(),
        api_key: DEMO_API_KEY.to_string(),
        api_token: DEMO_API_TOKEN.to_string().into(),
    };
    Client::new(&credentials, ClientOptions::default()).expect("client")
}

/// A TestBackend whose last frame the test script can read while the real
/// loop runs: the harness waits on what is on screen (or on the simulator's
/// counters), never on a fixed sleep — except where idleness itself is what
/// a test measures.
struct SharedBackend {
    inner: TestBackend,
    screen: Screen,
    /// Frames flushed so far, for the script to read while the loop runs.
    flushed: Flushed,
}

/// How many frames the backend has flushed.
type Flushed = std::sync::Arc<std::sync::atomic::AtomicUsize>;

/// The text of the last frame drawn.
type Screen = std::sync::Arc<std::sync::Mutex<String>>;

impl SharedBackend {
    fn buffer(&self) -> &ratatui::buffer::Buffer {
        self.inner.buffer()
    }
}

impl ratatui::backend::Backend for SharedBackend {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, kind: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(kind)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    /// A frame is complete: publish its text.
    fn flush(&mut self) -> Result<(), Self::Error> {
        let text = buffer_text(self.inner.buffer());
        if let Ok(mut screen) = self.screen.lock() {
            *screen = text;
        }
        self.flushed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.flush()
    }
}

fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

type TestDriver = Driver<SharedBackend, Script, Vec<u8>>;

/// A driver on a shared screen, the keys to type into it, and the screen.
fn harness(width: u16, height: u16) -> (TestDriver, Keys, Screen) {
    let (driver, keys, screen, _) = counting_harness(width, height);
    (driver, keys, screen)
}

/// [`harness`], and the count of frames flushed.
fn counting_harness(width: u16, height: u16) -> (TestDriver, Keys, Screen, Flushed) {
    let (tx, rx) = mpsc::unbounded_channel();
    let screen = Screen::default();
    let flushed = Flushed::default();
    let backend = SharedBackend {
        inner: TestBackend::new(width, height),
        screen: screen.clone(),
        flushed: flushed.clone(),
    };
    let terminal = Terminal::new(backend).expect("terminal");
    (
        Driver::new(terminal, Script(rx), Vec::new()),
        tx,
        screen,
        flushed,
    )
}

/// Waits until `done` holds, checking every few milliseconds, for at most
/// 10 s (CI runs on two busy cores).
async fn until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the last frame drawn holds `text`.
async fn shown(screen: &Screen, text: &str) {
    until(&format!("{text:?} on screen"), || {
        screen.lock().is_ok_and(|s| s.contains(text))
    })
    .await;
}

fn text(driver: &TestDriver) -> String {
    buffer_text(driver.terminal.backend().buffer())
}

#[tokio::test]
async fn loads_edits_sends_and_quits_against_the_simulator() {
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(100, 30);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.profile = Some("demo".into());
    app.tenant = Some(sim.sid().to_string());
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        tap(&keys, 'j');
        tap(&keys, 'j');
        tap(&keys, 'j');
        tap(&keys, ' '); // timezone IST -> UTC
        tap(&keys, 's');
        tap(&keys, 'y');
        until("the PUT", || sim.put_count() >= 1).await;
        shown(&screen, "Saved 1 change").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        sim.last_put_body(),
        Some(json!({"common": {"timezone": "UTC"}})),
        "only the change goes out"
    );
    assert_eq!(sim.get_count(), 2, "one load, one check before the PUT");
    assert_eq!(app.model.base().get(id("common.timezone")), Some("UTC"));
    assert!(app.model.edits().is_empty());
    let screen = text(&driver);
    // The "Saved" line names where it went, not just the host.
    let saved = format!("Saved 1 change to demo (tenant {} at 127.0.0.1)", sim.sid());
    assert!(screen.contains(&saved), "{screen}");
    assert!(screen.contains("(request_id"), "{screen}");
}

#[tokio::test]
async fn a_change_on_the_server_since_loading_is_a_conflict_and_nothing_is_sent() {
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(100, 30);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..6 {
            tap(&keys, 'j');
        }
        send(&keys, KeyCode::Enter, KeyModifiers::NONE);
        tap(&keys, 'X');
        send(&keys, KeyCode::Enter, KeyModifiers::NONE);
        sim.modify(|s| s.set(id("common.aparty_tag"), "Server"));
        tap(&keys, 's');
        tap(&keys, 'y');
        until("the check", || sim.get_count() >= 2).await;
        shown(&screen, "Not sent: 1 setting changed both here").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sim.put_count(), 0);
    assert!(matches!(
        app.model.flags().get(&id("common.aparty_tag")),
        Some(Flag::Conflict { .. })
    ));
    assert_eq!(
        app.model.base().get(id("common.aparty_tag")),
        Some("Server")
    );
    assert_eq!(app.mode(), Mode::Conflicts);
    let screen = text(&driver);
    assert!(
        screen.contains("Not sent: 1 setting changed both here"),
        "{screen}"
    );
    assert!(screen.contains("common.aparty_tag"), "{screen}");
}

#[tokio::test]
async fn esc_cancels_a_slow_load_and_the_screen_keeps_answering() {
    let sim = sim().await;
    sim.inject(Fault::Delay(Duration::from_secs(30)), 1);
    let (mut driver, keys, screen) = harness(80, 24);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let started = Instant::now();
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loading settings").await;
        tap(&keys, '?');
        tap(&keys, 'q');
        send(&keys, KeyCode::Esc, KeyModifiers::NONE);
        shown(&screen, "Load cancelled").await;
        tap(&keys, 'r');
        until("the second GET", || sim.get_count() >= 2).await;
        // Its answer on screen before quitting (the GET is counted as it
        // arrives, before it is answered).
        shown(&screen, "Loaded ").await;
        tap(&keys, 'q');
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "nothing waited for the slow GET"
    );
    assert!(app.loaded, "the second load answered");
}

#[tokio::test]
async fn an_idle_editor_draws_nothing() {
    use std::sync::atomic::Ordering;
    let sim = sim().await;
    let (mut driver, keys, screen, flushed) = counting_harness(80, 24);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let counts = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        // Counted from the frame that shows the settings loaded.
        let loaded = flushed.load(Ordering::SeqCst);
        // Idle time is what this test measures: the only fixed waits of
        // the live tests, and nothing may be drawn during them.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let idle = flushed.load(Ordering::SeqCst) - loaded;
        tap(&keys, 'j');
        until("the frame for j", || {
            flushed.load(Ordering::SeqCst) > loaded
        })
        .await;
        // Keys that mean nothing here change nothing, so draw nothing.
        for c in "xzxzx".chars() {
            tap(&keys, c);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = flushed.load(Ordering::SeqCst) - loaded;
        tap(&keys, 'q');
        (idle, after)
    };
    let (result, (idle, after)) = tokio::join!(driver.run(client(&sim), &mut app), counts);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(idle, 0, "frames drawn while idle for 300 ms");
    assert_eq!(
        after, 1,
        "one frame for j, none for x or z, none while idle"
    );
}

#[tokio::test]
async fn unsent_edits_survive_a_quit_as_a_draft_and_a_send_lands_in_the_history() {
    use crate::EditorState;
    use crate::store::{Loaded, StateDir};
    use exoset_engine::config::Paths;
    let home = tempfile::tempdir().expect("temp dir");
    let state = EditorState {
        dir: StateDir::new(&Paths::under(home.path()), "demo", "exoset-demo"),
        profile: "demo".into(),
        tenant: "exoset-demo".into(),
        history_keep: 10,
    };
    let sim = sim().await;

    // First run: change the timezone, quit without sending.
    let (mut driver, keys, screen) = harness(100, 30);
    driver.state = Some(state.clone());
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.drafts = true;
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..3 {
            tap(&keys, 'j');
        }
        tap(&keys, ' ');
        tap(&keys, 'q');
        tap(&keys, 'y');
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert!(
        matches!(state.dir.load_draft(), Loaded::Found(_)),
        "the draft was kept"
    );
    assert!(
        matches!(state.dir.load_last_read(), Loaded::Found(_)),
        "and the last read"
    );

    // Second run: the draft is offered, restored and sent.
    drop(driver);
    let (mut driver, keys, screen) = harness(100, 30);
    driver.state = Some(state.clone());
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.drafts = true;
    let script = async {
        until("the GET", || sim.get_count() >= 2).await;
        shown(&screen, "A draft of 1 unsent change").await;
        tap(&keys, 'y');
        tap(&keys, 's');
        tap(&keys, 'y');
        until("the PUT", || sim.put_count() >= 1).await;
        shown(&screen, "Saved 1 change").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        sim.last_put_body(),
        Some(json!({"common": {"timezone": "UTC"}}))
    );
    assert_eq!(state.dir.load_draft(), Loaded::Missing, "sent, so no draft");
    let Loaded::Found(history) = state.dir.load_history() else {
        panic!("no history");
    };
    assert_eq!(history.entries.len(), 1);
    assert_eq!(
        history.entries[0].sent,
        json!({"common": {"timezone": "UTC"}})
    );
}

#[tokio::test]
async fn y_writes_the_value_as_osc_52_to_the_terminal() {
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(80, 24);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        tap(&keys, 'y');
        tap(&keys, 'q');
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    let country = sim
        .settings()
        .get(id("common.country"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(driver.clipboard, crate::osc52(&country).into_bytes());
}

#[tokio::test]
async fn e_hands_the_value_to_the_editor_and_takes_the_result() {
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(80, 24);
    driver.editor = Some("sed -i 's/^.*$/Agent/'".to_string());
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..6 {
            tap(&keys, 'j');
        }
        tap(&keys, 'e');
        shown(&screen, "Agent").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        app.model.edits().get(id("common.aparty_tag")),
        Some("Agent")
    );
}

#[tokio::test]
async fn a_refused_put_shows_the_servers_words_and_keeps_the_edit() {
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(100, 30);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..3 {
            tap(&keys, 'j');
        }
        tap(&keys, ' ');
        tap(&keys, 's');
        // The check GET answers as usual; the PUT gets the failure.
        sim.inject(Fault::Delay(Duration::ZERO), 1);
        sim.inject(
            Fault::error(403, Some(8), "not permitted for this tenant"),
            1,
        );
        tap(&keys, 'y');
        until("the PUT", || sim.put_count() >= 1).await;
        shown(&screen, "Not applied").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(app.model.edits().get(id("common.timezone")), Some("UTC"));
    // The status wraps: read it as words.
    let screen = text(&driver)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for part in [
        "Not applied",
        "HTTP 403",
        "code 8",
        "not permitted for this tenant",
        "request_id",
        "Your changes are kept",
    ] {
        assert!(screen.contains(part), "{part} missing from\n{screen}");
    }
}

/// Through the real send path (check GET, PUT, verify), a server whose
/// answer reports another value than the one sent: the key is flagged not
/// taken (`~`), the message says what was sent and what the server has,
/// and the PUT went out once. (`behaviour` checks `update` against a
/// fixture; this is the loop, the client and the simulator.)
#[tokio::test]
async fn a_value_the_server_reports_otherwise_is_flagged_not_taken() {
    let sim = sim().await;
    let mut data = sim.settings().to_json();
    assert_eq!(data["common"]["timezone"], json!("IST"));
    data["common"]["timezone"] = json!("IST");
    let answer = json!({
        "request_id": "req-other", "success": true, "status": 200,
        "code": null, "message": null, "method": "PUT", "data": data,
    });
    let (mut driver, keys, screen) = harness(100, 30);
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..3 {
            tap(&keys, 'j');
        }
        tap(&keys, ' '); // timezone IST -> UTC
        tap(&keys, 's');
        // The check GET answers as usual; the PUT's answer reports IST.
        sim.inject(Fault::Delay(Duration::ZERO), 1);
        sim.inject(
            Fault::Raw {
                status: 200,
                body: answer.to_string(),
            },
            1,
        );
        tap(&keys, 'y');
        until("the PUT", || sim.put_count() >= 1).await;
        shown(&screen, "server has").await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sim.put_count(), 1);
    assert!(matches!(
        app.model.flags().get(&id("common.timezone")),
        Some(Flag::NotTaken { .. })
    ));
    let message = app.message.clone().expect("message");
    assert!(
        message
            .text
            .contains("common.timezone (sent UTC, server has IST)"),
        "{}",
        message.text
    );
    let screen = text(&driver);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("timezone") && l.contains('~')),
        "{screen}"
    );
}

#[tokio::test]
async fn a_change_sent_is_rolled_back_from_the_history_view_and_sent_again() {
    use crate::EditorState;
    use crate::store::{Loaded, StateDir};
    use exoset_engine::config::Paths;
    let home = tempfile::tempdir().expect("temp dir");
    let state = EditorState {
        dir: StateDir::new(&Paths::under(home.path()), "demo", "exoset-demo"),
        profile: "demo".into(),
        tenant: "exoset-demo".into(),
        history_keep: 10,
    };
    let sim = sim().await;
    let (mut driver, keys, screen) = harness(100, 30);
    driver.state = Some(state.clone());
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.drafts = true;
    let recorded = |n: usize| match state.dir.load_history() {
        Loaded::Found(history) => history.entries.len() >= n,
        _ => false,
    };
    let script = async {
        until("the first GET", || sim.get_count() >= 1).await;
        shown(&screen, "Loaded ").await;
        tap(&keys, '3');
        for _ in 0..3 {
            tap(&keys, 'j');
        }
        tap(&keys, ' '); // timezone IST -> UTC
        tap(&keys, 's');
        tap(&keys, 'y');
        until("the first entry", || recorded(1)).await;
        shown(&screen, "Saved 1 change").await;
        tap(&keys, 'H');
        send(&keys, KeyCode::Enter, KeyModifiers::NONE);
        tap(&keys, 'r');
        tap(&keys, 's');
        tap(&keys, 'y');
        until("the second entry", || recorded(2)).await;
        until("the rollback's answer on screen", || {
            screen
                .lock()
                .is_ok_and(|s| s.contains("Saved 1 change") && !s.contains("Rollback of entry"))
        })
        .await;
        send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sim.put_count(), 2);
    assert_eq!(
        sim.last_put_body(),
        Some(json!({"common": {"timezone": "IST"}})),
        "the rollback sends the old value back"
    );
    assert!(app.model.edits().is_empty());
    // Recorded as the rollback of the first entry, as `exoset rollback` does.
    let Loaded::Found(history) = state.dir.load_history() else {
        panic!("no history");
    };
    let [first, second] = history.entries.as_slice() else {
        panic!("{:?}", history.entries);
    };
    assert_eq!(first.rollback_of, None);
    assert_eq!(second.rollback_of, Some(first.id));
}
