//! The 16 basic colours in their classic escape forms.
//!
//! crossterm writes every colour as `ESC[38;5;Nm` (and `48;5;N` for the
//! background), even the 16 basic ones, and has no switch for the forms a
//! 16-colour terminal (`TERM=linux`, old xterms, some serial consoles)
//! understands. [`Ansi16`] sits between ratatui and the terminal: it keeps
//! what is written until `flush` (ratatui flushes once per frame), then
//! rewrites, in every SGR sequence (`ESC[…m`), `38;5;N` with N < 16 into
//! `30+N` / `90+N-8` and `48;5;N` into `40+N` / `100+N-8`, and passes every
//! other byte through as it came. What was never flushed is not written:
//! after a panic the terminal is already back with the shell, and half a
//! frame must not land on its screen.

use std::io::{self, Write};

const ESC: u8 = 0x1b;

/// A writer that sends the 16 basic colours in their classic forms.
pub struct Ansi16<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Ansi16<W> {
    pub fn new(inner: W) -> Ansi16<W> {
        Ansi16 {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for Ansi16<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let out = rewrite(&self.pending);
            self.pending.clear();
            self.inner.write_all(&out)?;
        }
        self.inner.flush()
    }
}

/// `bytes` with every SGR sequence's 256-colour form of the 16 basic
/// colours in its classic form; everything else byte for byte.
pub fn rewrite(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == ESC && bytes.get(i + 1) == Some(&b'[') {
            // Parameters: digits and `;`, then the final byte.
            let start = i + 2;
            let end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'))
                .map(|n| start + n);
            if let Some(end) = end
                && bytes[end] == b'm'
                && let Some(params) = classic(&bytes[start..end])
            {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(params.as_bytes());
                out.push(b'm');
                i = end + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The parameters of an SGR sequence with the basic colours rewritten, or
/// `None` when there is nothing to rewrite.
fn classic(params: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(params).ok()?;
    let parts: Vec<&str> = text.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut changed = false;
    let mut i = 0;
    while i < parts.len() {
        let part = parts[i];
        if (part == "38" || part == "48") && parts.get(i + 1) == Some(&"5") {
            let colour = parts.get(i + 2).and_then(|n| n.parse::<u8>().ok());
            match colour {
                Some(n) if n < 16 => {
                    let base = match (part == "38", n < 8) {
                        (true, true) => 30,
                        (true, false) => 90 - 8,
                        (false, true) => 40,
                        (false, false) => 100 - 8,
                    };
                    out.push((base + u16::from(n)).to_string());
                    changed = true;
                }
                _ => out.extend(
                    parts[i..(i + 3).min(parts.len())]
                        .iter()
                        .map(|p| p.to_string()),
                ),
            }
            i += 3;
            continue;
        }
        if (part == "38" || part == "48" || part == "58") && parts.get(i + 1) == Some(&"2") {
            // A true colour: its three numbers are not parameters of their own.
            let end = (i + 5).min(parts.len());
            out.extend(parts[i..end].iter().map(|p| p.to_string()));
            i = end;
            continue;
        }
        if part == "58" && parts.get(i + 1) == Some(&"5") {
            // The underline colour has no classic form.
            let end = (i + 3).min(parts.len());
            out.extend(parts[i..end].iter().map(|p| p.to_string()));
            i = end;
            continue;
        }
        out.push(part.to_string());
        i += 1;
    }
    changed.then(|| out.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        String::from_utf8(rewrite(text.as_bytes())).expect("utf-8")
    }

    #[test]
    fn the_basic_colours_take_their_classic_forms() {
        for n in 0..8 {
            assert_eq!(r(&format!("\x1b[38;5;{n}m")), format!("\x1b[{}m", 30 + n));
            assert_eq!(r(&format!("\x1b[48;5;{n}m")), format!("\x1b[{}m", 40 + n));
        }
        for n in 8..16 {
            assert_eq!(
                r(&format!("\x1b[38;5;{n}m")),
                format!("\x1b[{}m", 90 + n - 8)
            );
            assert_eq!(
                r(&format!("\x1b[48;5;{n}m")),
                format!("\x1b[{}m", 100 + n - 8)
            );
        }
    }

    #[test]
    fn combined_sequences_are_rewritten_part_by_part() {
        assert_eq!(r("\x1b[38;5;1;48;5;2m"), "\x1b[31;42m");
        assert_eq!(r("\x1b[1;38;5;12;4m"), "\x1b[1;94;4m");
        assert_eq!(r("\x1b[0;48;5;15m"), "\x1b[0;107m");
    }

    #[test]
    fn everything_else_passes_through_byte_for_byte() {
        for text in [
            "\x1b[38;5;16m",
            "\x1b[38;5;208m",
            "\x1b[48;5;255m",
            "\x1b[38;2;1;2;3m",
            "\x1b[58;5;1m",
            "\x1b[39m",
            "\x1b[0m",
            "\x1b[m",
            "\x1b[2;5H",
            "\x1b[?1049h",
            "\x1b]52;c;YQ==\x07",
            "\x1b[38;5m",
            "\x1b[38;5;",
            "plain 38;5;1m text, é and 漢字",
            "\x1b",
        ] {
            assert_eq!(r(text), text, "{text:?}");
        }
        // A true colour's numbers are not read as colours of their own.
        assert_eq!(r("\x1b[38;2;38;5;1m"), "\x1b[38;2;38;5;1m");
        // One rewritten, one passed through, text around them kept.
        assert_eq!(
            r("a\x1b[38;5;3mb\x1b[38;5;100mc\x1b[1;1Hd"),
            "a\x1b[33mb\x1b[38;5;100mc\x1b[1;1Hd"
        );
    }

    #[test]
    fn nothing_goes_out_before_flush_and_everything_after() {
        let mut sink = Vec::new();
        {
            let mut w = Ansi16::new(&mut sink);
            w.write_all(b"\x1b[38;5;").expect("write");
            w.write_all(b"9mX").expect("write");
            assert!(w.inner.is_empty(), "held until flush");
            w.flush().expect("flush");
            assert_eq!(w.inner.as_slice(), b"\x1b[91mX");
            w.write_all(b"half a frame").expect("write");
        }
        assert_eq!(sink, b"\x1b[91mX", "what was never flushed is not written");
    }
}
