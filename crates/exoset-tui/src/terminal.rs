//! The real terminal: raw mode and the alternate screen, given back on every
//! way out (the panic hook included); its events; OSC 52; the signals that
//! end the editor.

use super::Action;
use base64::Engine as _;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream, KeyEventKind, MouseEventKind,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::Stream;
use std::io;
use std::pin::Pin;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

// ----- the terminal -----

/// Whether the terminal is in the editor's state, for the panic hook.
pub(super) static ACTIVE: AtomicBool = AtomicBool::new(false);
/// A panic happened somewhere (a task, a thread): the hook gave the terminal
/// back, so the loop must end rather than draw on the shell's screen.
pub(super) static PANICKED: AtomicBool = AtomicBool::new(false);
pub(super) static MOUSE: AtomicBool = AtomicBool::new(false);
pub(super) static HOOK: Once = Once::new();

/// Puts the terminal back as the shell had it. Safe to call twice.
pub(super) fn restore_terminal() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = crossterm::execute!(out, DisableMouseCapture);
    }
    let _ = crossterm::execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

pub(super) fn take_terminal() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    crossterm::execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        crossterm::cursor::Hide
    )?;
    if MOUSE.load(Ordering::SeqCst) {
        crossterm::execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// The real terminal, held in raw mode on the alternate screen; restored
/// when dropped and, through the panic hook, before a panic is printed.
pub(super) struct Console;

impl Console {
    pub(super) fn enter(mouse: bool) -> io::Result<Console> {
        HOOK.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                PANICKED.store(true, Ordering::SeqCst);
                // First the terminal, so the message lands on the shell's screen.
                restore_terminal();
                eprintln!("{}", panic_message(info));
            }));
        });
        MOUSE.store(mouse, Ordering::SeqCst);
        let console = Console;
        take_terminal()?;
        Ok(console)
    }

    pub(super) fn suspend(&self) {
        restore_terminal();
    }

    pub(super) fn resume(&self) -> io::Result<()> {
        take_terminal()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// What a panic prints, once the terminal is restored. The payload and the
/// place are kept for a bug report; the token is never formatted into a
/// panic (it is a `SecretString`), and should the environment's token appear
/// anyway it is blanked.
pub(super) fn panic_message(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    panic_text(
        &payload,
        &place,
        std::env::var("EXOSET_API_TOKEN").ok().as_deref(),
    )
}

/// The words of [`panic_message`]: the payload may quote text from outside
/// (a value, a server's message), so it is escaped; `env_token` is blanked.
fn panic_text(payload: &str, place: &str, env_token: Option<&str>) -> String {
    let payload = crate::text::safe(payload);
    let mut text = format!(
        "exoset: internal error{place}: {payload}\n\
         exoset: the terminal was restored and unsent changes are kept as a draft, \
         offered at the next start. Please report this."
    );
    if let Some(token) = env_token
        && token.len() >= 4
    {
        text = text.replace(token, "[redacted]");
    }
    text
}

/// The key that panics on purpose, with [`TEST_PANIC_VAR`] set to `1`.
pub(super) const TEST_PANIC_KEY: crossterm::event::KeyCode = crossterm::event::KeyCode::F(12);
/// TEST ONLY: with this set to `1`, F12 panics with [`TEST_PANIC_MESSAGE`], so
/// the end-to-end tests can prove a panic restores the terminal and keeps the
/// draft. Nobody sets it by accident, and without it F12 does nothing.
pub(super) const TEST_PANIC_VAR: &str = "EXOSET_TEST_PANIC";
pub(super) const TEST_PANIC_MESSAGE: &str = "test panic on F12 (EXOSET_TEST_PANIC=1)";

pub(super) fn test_panic_armed() -> bool {
    std::env::var_os(TEST_PANIC_VAR).is_some_and(|v| v == "1")
}

/// Terminal events, which can stop reading while `$EDITOR` owns the terminal.
pub struct TerminalEvents(pub(super) Option<EventStream>);

/// Where terminal events come from: the real terminal, or a test's channel.
pub trait EventSource: Stream<Item = io::Result<Event>> + Unpin {
    /// Stops reading the terminal, so an external editor gets every key.
    fn pause(&mut self) {}
    fn resume(&mut self) {}
}

impl Stream for TerminalEvents {
    type Item = io::Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.0.as_mut() {
            Some(stream) => Pin::new(stream).poll_next(cx),
            None => Poll::Pending,
        }
    }
}

impl EventSource for TerminalEvents {
    fn pause(&mut self) {
        // Dropping the stream stops crossterm's reader thread.
        self.0 = None;
    }

    fn resume(&mut self) {
        self.0 = Some(EventStream::new());
    }
}

/// The terminal event a person's action becomes, if it means anything.
pub(super) fn action_from(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                Some(Action::Mouse(mouse))
            }
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize(width, height)),
        _ => None,
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal the
/// person sits at, across SSH.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// SIGTERM, SIGHUP (an SSH drop) and SIGINT end the editor: the loop
/// returns, the draft is written (an open edit box included), the terminal
/// is restored, and the exit status is 128 + the signal's number.
pub(super) struct Signals {
    #[cfg(unix)]
    unix: Vec<(tokio::signal::unix::Signal, &'static str, u8)>,
}

impl Signals {
    /// Listens for the signals only for a real terminal (tests leave them be).
    pub(super) fn new(listen: bool) -> Signals {
        #[cfg(unix)]
        {
            if !listen {
                return Signals { unix: Vec::new() };
            }
            use tokio::signal::unix::{SignalKind, signal};
            let unix = [
                (SignalKind::terminate(), "SIGTERM", 15),
                (SignalKind::hangup(), "SIGHUP", 1),
                (SignalKind::interrupt(), "SIGINT", 2),
            ]
            .into_iter()
            .filter_map(|(kind, name, n)| signal(kind).ok().map(|s| (s, name, n)))
            .collect();
            Signals { unix }
        }
        #[cfg(not(unix))]
        {
            let _ = listen;
            Signals {}
        }
    }

    /// The next signal's name and number.
    pub(super) async fn next(&mut self) -> (&'static str, u8) {
        #[cfg(unix)]
        {
            if self.unix.is_empty() {
                return std::future::pending().await;
            }
            let waits = self.unix.iter_mut().map(|(signal, name, number)| {
                Box::pin(async move {
                    signal.recv().await;
                    (*name, *number)
                })
            });
            futures_util::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panics_payload_is_escaped_and_the_environments_token_blanked() {
        let text = super::panic_text(
            "bad value \u{1b}[31mred\u{61c}\u{202e} tok-Secret-42",
            " at x.rs:1",
            Some("tok-Secret-42"),
        );
        let raw = crate::tests::controls::raw_in(&text);
        assert!(raw.is_empty(), "{raw:?} in {text:?}");
        assert!(text.contains("\\u{1b}[31mred\\u{61c}\\u{202e}"), "{text}");
        assert!(!text.contains("tok-Secret-42") && text.contains("[redacted]"));
        assert!(text.starts_with("exoset: internal error at x.rs:1: bad value"));
    }
}
