//! A terminal whose locale says it is not UTF-8 (`LANG=C`, `POSIX`, an
//! ISO-8859 locale) cannot show the box lines, arrows and dashes the
//! editor draws with: they come out as mojibake. There the backend is
//! wrapped in [`Ascii`], which puts an ASCII stand-in of the same width in
//! every cell just before it is written — one place, so no drawing code
//! needs to know. A locale left unset keeps UTF-8: most terminals are, and
//! minimal hosts often set nothing.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// Whether the locale in effect (LC_ALL, else LC_CTYPE, else LANG; the
/// first one set) names a character set other than UTF-8.
pub fn locale_is_not_utf8(get: impl Fn(&str) -> Option<String>) -> bool {
    let Some(locale) = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| get(name).filter(|v| !v.is_empty()))
    else {
        return false;
    };
    let lower = locale.to_ascii_lowercase();
    !(lower.contains("utf-8") || lower.contains("utf8"))
}

/// The ASCII stand-in of a cell's symbol, as wide as it: exoset's own
/// drawing characters by their look, anything else as `?` (`??` when wide).
pub fn stand_in(symbol: &str) -> Option<&'static str> {
    if symbol.is_ascii() {
        return None;
    }
    Some(match symbol {
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╰" | "╯" => {
            "+"
        }
        "─" | "━" | "—" | "–" | "═" => "-",
        "│" | "┃" | "║" => "|",
        "…" | "·" => ".",
        "→" | "›" | "▶" | "»" => ">",
        "←" | "‹" | "«" => "<",
        "↑" => "^",
        "↓" => "v",
        "×" => "x",
        "“" | "”" => "\"",
        "‘" | "’" => "'",
        "•" | "●" => "*",
        other if crate::text::width(other) >= 2 => "??",
        _ => "?",
    })
}

/// A backend that writes ASCII stand-ins when `on`, else passes through.
pub struct Ascii<B: Backend> {
    inner: B,
    on: bool,
}

impl<B: Backend> Ascii<B> {
    pub fn new(inner: B, on: bool) -> Ascii<B> {
        Ascii { inner, on }
    }

    #[cfg(test)]
    pub fn inner(&self) -> &B {
        &self.inner
    }
}

impl<B: Backend> Backend for Ascii<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if !self.on {
            return self.inner.draw(content);
        }
        let cells: Vec<(u16, u16, Cell)> = content
            .map(|(x, y, cell)| {
                let mut cell = cell.clone();
                if let Some(ascii) = stand_in(cell.symbol()) {
                    cell.set_symbol(ascii);
                }
                (x, y, cell)
            })
            .collect();
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_locale_that_names_another_charset_turns_ascii_on() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        assert!(locale_is_not_utf8(env(&[("LANG", "C")])));
        assert!(locale_is_not_utf8(env(&[("LANG", "en_IN.ISO-8859-1")])));
        assert!(locale_is_not_utf8(env(&[
            ("LANG", "en_IN.UTF-8"),
            ("LC_ALL", "POSIX")
        ])));
        assert!(!locale_is_not_utf8(env(&[("LANG", "C.UTF-8")])));
        assert!(!locale_is_not_utf8(env(&[
            ("LC_CTYPE", "en_US.utf8"),
            ("LANG", "C")
        ])));
        assert!(!locale_is_not_utf8(env(&[])), "unset: UTF-8 is kept");
    }

    #[test]
    fn every_stand_in_is_ascii_and_as_wide_as_what_it_stands_for() {
        for symbol in [
            "┌", "─", "│", "…", "→", "›", "·", "—", "↑", "“", "न", "世", "😀",
        ] {
            let ascii = stand_in(symbol).expect("not ASCII");
            assert!(ascii.is_ascii(), "{symbol}");
            assert_eq!(
                crate::text::width(ascii),
                crate::text::width(symbol).max(1),
                "{symbol}"
            );
        }
        assert_eq!(stand_in("a"), None);
    }
}
