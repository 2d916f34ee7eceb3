//! The terminal: locale, TERM and colours, OSC 52.

use super::{Check, OSC52_LIMIT, Report, Status, env, secs};
use crate::text::safe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub(super) fn terminal_checks(report: &mut Report) {
    report.add(locale_check(&|name| env(name)));
    report.add(term_check(&|name| env(name)));
    report.add(osc52_check());
}

/// The locale in effect for text (LC_ALL, else LC_CTYPE, else LANG).
pub(super) fn locale_check(get: &dyn Fn(&str) -> Option<String>) -> Check {
    let id = "terminal.locale";
    let title = "locale";
    let found = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| get(name).map(|v| (*name, v)));
    let fix = "export LANG=C.UTF-8 (in ~/.profile on this host; `locale -a` lists what it has), or let your SSH client send a UTF-8 LANG";
    match found {
        None => Check::new(
            id,
            title,
            Status::Warn,
            "none set (LC_ALL, LC_CTYPE and LANG are empty): the C locale, ASCII only; tmux, screen, less and man here will garble Indic text (Devanagari, Tamil) and other non-Latin values",
        )
        .hint(fix),
        Some((name, value)) => {
            let lower = value.to_ascii_lowercase();
            if lower.contains("utf-8") || lower.contains("utf8") {
                Check::new(id, title, Status::Ok, format!("{name}={}: UTF-8", safe(&value)))
            } else {
                Check::new(
                    id,
                    title,
                    Status::Warn,
                    format!("{name}={} is not a UTF-8 locale: tmux, screen, less and man here will garble Indic text (Devanagari, Tamil) and other non-Latin values", safe(&value)),
                )
                .hint(fix)
            }
        }
    }
}

/// How many colours a terminal of this TERM / COLORTERM shows, as a guess.
pub(super) fn colours(term: &str, colorterm: Option<&str>) -> u32 {
    if colorterm.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c == "truecolor" || c == "24bit"
    }) {
        return 1 << 24;
    }
    let term = term.to_ascii_lowercase();
    if term == "dumb" {
        0
    } else if term.contains("256color") {
        256
    } else if term.contains("direct") {
        1 << 24
    } else if term.contains("16color") || term.starts_with("rxvt") || term == "linux" {
        16
    } else if term.starts_with("vt") && !term.starts_with("vte") {
        2
    } else {
        8
    }
}

pub(super) fn term_check(get: &dyn Fn(&str) -> Option<String>) -> Check {
    use std::io::IsTerminal;
    let id = "terminal.term";
    let title = "terminal";
    let mut notes = Vec::new();
    if let Some(tmux) = get("TMUX")
        .map(|_| "inside tmux")
        .or_else(|| get("STY").map(|_| "inside screen"))
    {
        notes.push(tmux.to_owned());
    }
    let no_color = get("NO_COLOR").is_some();
    if no_color {
        notes.push("NO_COLOR is set: no colours".to_owned());
    }
    let tty = std::io::stdout().is_terminal();
    if tty {
        if let Ok((cols, rows)) = crossterm::terminal::size() {
            notes.push(format!("{cols}x{rows}"));
            if cols < 80 || rows < 22 {
                notes.push("smaller than the 80x22 the editor wants".to_owned());
            }
        }
    } else {
        notes.push("stdout is not a terminal here".to_owned());
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join(", "))
    };
    let Some(term) = get("TERM") else {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM is not set: the editor cannot know what the terminal does{notes}"),
        )
        .hint("export TERM=xterm-256color (or what your terminal emulator is)");
    };
    let n = colours(&term, get("COLORTERM").as_deref());
    let shown = safe(&term).into_owned();
    let count = match n {
        0 => "no colours".to_owned(),
        16_777_216 => "24-bit colour".to_owned(),
        n => format!("{n} colours"),
    };
    if term == "dumb" {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM=dumb: the editor cannot draw here; subcommands work{notes}"),
        )
        .hint("export TERM=xterm-256color (or what your terminal emulator is)");
    }
    if n < 8 && !no_color {
        return Check::new(
            id,
            title,
            Status::Warn,
            format!("TERM={shown}: {count}{notes}"),
        )
        .hint("the editor uses the 16 basic colours; set NO_COLOR=1 on a monochrome terminal");
    }
    Check::new(
        id,
        title,
        Status::Ok,
        format!("TERM={shown}: {count}{notes}"),
    )
}

/// What the terminal said of itself when asked its device attributes (DA1,
/// `ESC [ c`). The clipboard itself is never asked for: `ESC ] 52 ; c ; ?`
/// reads it, and a terminal that first asks the person answers after doctor
/// has gone, into the shell.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Osc52 {
    /// The DA1 answer lists 52: clipboard access (xterm's extension).
    Listed,
    /// It answered, without 52 among its features.
    NotListed,
    /// It answered nothing in time.
    Silent,
}

/// The parameters of the first DA1 answer (`ESC [ ? 64 ; 1 ; 52 c`) in
/// `bytes`, if a whole one is there.
pub(super) fn da1_params(bytes: &[u8]) -> Option<Vec<u32>> {
    bytes.windows(3).enumerate().find_map(|(i, w)| {
        if w != b"\x1b[?" {
            return None;
        }
        let rest = &bytes[i + 3..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))?;
        (rest[end] == b'c').then(|| {
            rest[..end]
                .split(|b| *b == b';')
                .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
                .collect()
        })
    })
}

pub(super) fn classify_da1(bytes: &[u8]) -> Osc52 {
    match da1_params(bytes) {
        Some(params) if params.contains(&52) => Osc52::Listed,
        Some(_) => Osc52::NotListed,
        None => Osc52::Silent,
    }
}

/// Asks the terminal for its device attributes, in raw mode, and reads the
/// answer for at most `limit`. Whatever the terminal sends meanwhile or
/// after is thrown away before raw mode ends, so no answer arriving late is
/// typed into the shell.
pub(super) fn ask_da1(limit: Duration) -> Result<Osc52, String> {
    use std::io::{Read, Write};
    struct Cooked;
    impl Drop for Cooked {
        fn drop(&mut self) {
            // Pending input (a late answer) is dropped while still raw.
            #[cfg(unix)]
            let _ =
                rustix::termios::tcflush(std::io::stdin(), rustix::termios::QueueSelector::IFlush);
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
    crossterm::terminal::enable_raw_mode()
        .map_err(|e| format!("cannot switch the terminal to raw mode: {e}"))?;
    let _cooked = Cooked;
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::Builder::new()
        .name("exoset-doctor-tty".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 512];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[c")
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left) {
            Ok(bytes) => {
                got.extend_from_slice(&bytes);
                if da1_params(&got).is_some() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Ok(classify_da1(&got))
}

pub(super) fn osc52_check() -> Check {
    use std::io::IsTerminal;
    let id = "terminal.osc52";
    let title = "OSC 52 copy";
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Check::new(
            id,
            title,
            Status::Skip,
            "not asked: stdin or stdout is not a terminal",
        );
    }
    if env("TERM").is_none_or(|t| t == "dumb") {
        return Check::new(id, title, Status::Skip, "not asked: TERM is unset or dumb");
    }
    let tmux = env("TMUX").is_some();
    let start = Instant::now();
    let answer = ask_da1(OSC52_LIMIT);
    let took = start.elapsed();
    let tmux_hint = if tmux {
        " Inside tmux: `set -g set-clipboard on` in ~/.tmux.conf passes copies on."
    } else {
        ""
    };
    let unread = "exoset never reads your clipboard to find out";
    match answer {
        Ok(Osc52::Listed) => Check::new(
            id,
            title,
            Status::Ok,
            "the terminal lists clipboard access (52) in its device attributes: `y` in the editor copies to your clipboard",
        )
        .took(took),
        Ok(Osc52::NotListed) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the terminal answered, but does not list clipboard access (52) in its device attributes: copying with `y` may still work (most terminals take copies without saying so), or may not; {unread}"),
        )
        .took(took)
        .hint(format!("try `y` in the editor and paste; enable OSC 52 / clipboard access in your terminal's settings if nothing arrives.{tmux_hint}")),
        Ok(Osc52::Silent) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the terminal did not answer within {} (device-attributes query timed out): copying with `y` cannot be confirmed; {unread}", secs(OSC52_LIMIT)),
        )
        .timed_out()
        .took(took)
        .hint(format!("try `y` in the editor and paste; a terminal (or multiplexer) that answers no queries may still take copies.{tmux_hint}")),
        Err(e) => Check::new(id, title, Status::Skip, format!("not asked: {}", safe(&e))),
    }
}
