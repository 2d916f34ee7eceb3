//! Work on a helper thread, waited for at most so long. A keyring that does
//! not answer (a locked Secret Service, a hung session bus) must never hang
//! exoset, and neither may a probe of `exoset doctor`: the one way both run
//! something that may not come back.

use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

/// Why a bounded call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    TimedOut,
    /// No helper thread could be started, or it died without an answer.
    NoThread(String),
}

/// Runs `f` on a helper thread named `name`; the receiver yields its result.
/// Dropping the receiver abandons the call (it ends with the process).
pub fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<Receiver<T>, String> {
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            // The receiver may be gone (timed out); nothing to do then.
            let _ = tx.send(f());
        })
        .map_err(|e| format!("could not start a helper thread: {e}"))?;
    Ok(rx)
}

/// Waits for what [`spawn`] started until `deadline`.
pub fn wait<T>(rx: &Receiver<T>, deadline: Instant) -> Result<T, RecvTimeoutError> {
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
}

/// Runs `f` on a helper thread and waits at most `limit` for it; a call
/// that runs late is abandoned.
pub fn bounded<T: Send + 'static>(
    name: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Unanswered> {
    let rx = spawn(name, f).map_err(Unanswered::NoThread)?;
    wait(&rx, Instant::now() + limit).map_err(|e| match e {
        RecvTimeoutError::Timeout => Unanswered::TimedOut,
        RecvTimeoutError::Disconnected => {
            Unanswered::NoThread("the helper thread failed".to_owned())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_in_time_is_returned() {
        assert_eq!(bounded("t", Duration::from_secs(5), || 2), Ok(2));
    }

    #[test]
    fn a_call_that_panics_is_no_answer_not_a_hang() {
        let r: Result<u8, _> = bounded("t", Duration::from_secs(5), || panic!("boom"));
        assert!(matches!(r, Err(Unanswered::NoThread(_))), "{r:?}");
    }
}
