//! The drawing vocabulary the view and every overlay share: the tone of a
//! message, a bordered box, a line of a list, text cut to a width. A leaf:
//! it imports nothing of the editor but the theme.

use super::theme::Theme;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub tone: Tone,
    pub text: String,
    /// The setting whose problem the message tells of: once that problem
    /// is gone (fixed, reverted, reloaded away), so is the message.
    pub about: Option<crate::schema::FieldId>,
}

pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Info => theme.info,
        Tone::Success => theme.success,
        Tone::Warning => theme.warning,
        Tone::Error => theme.error,
    }
}

/// Text on one line (control characters as spaces, so a value keeps its
/// length), cut to `max` display columns, never inside a grapheme.
pub fn short(text: &str, max: usize) -> String {
    let one: String = text
        .chars()
        .map(|c| if crate::text::is_hostile(c) { ' ' } else { c })
        .collect();
    crate::text::fit(&one, max)
}

/// `text` on one line, cut with `…` or padded to exactly `width` display
/// columns (wide characters count two; a grapheme is never split).
pub fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width);
    crate::text::pad(&short(text, width), width)
}

/// A value on one line in exactly `width` columns, cut in the middle when
/// too long: values that differ only at the end (two webhook URLs) stay
/// told apart.
pub fn fit_value(text: &str, width: u16) -> String {
    let width = usize::from(width);
    let one: String = text
        .chars()
        .map(|c| if crate::text::is_hostile(c) { ' ' } else { c })
        .collect();
    crate::text::pad(&crate::text::elide_middle(&one, width), width)
}

/// Words of `text` (runs of whitespace as one space) in lines of at most
/// `width` display columns.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines = vec![String::new()];
    for word in squeezed.split(' ').filter(|w| !w.is_empty()) {
        let last = lines.last_mut().map_or(0, |l| crate::text::width(l));
        if last > 0 && last + 1 + crate::text::width(word) > width {
            lines.push(String::new());
        }
        if let Some(line) = lines.last_mut() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

pub fn boxed<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border)
        .title(title)
        .title_style(theme.title)
}

/// The cursor column: `›` on the selected row, so it shows without colour.
pub fn cursor_span<'a>(selected: bool) -> Span<'a> {
    Span::raw(if selected { "›" } else { " " })
}

/// A line of an overlay's list, `›` at the cursor.
pub fn list_line<'a>(theme: &Theme, text: String, at_cursor: bool, note: &str) -> Line<'a> {
    let marker = if at_cursor { "› " } else { "  " };
    let mut line = Line::from(vec![
        Span::raw(marker),
        Span::raw(text),
        Span::styled(note.to_string(), theme.dim),
    ]);
    if at_cursor {
        line = line.patch_style(theme.selected);
    }
    line
}

/// A label in a column of nine, then the text.
pub fn labelled<'a>(theme: &Theme, label: &str, text: Span<'a>) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{label:<9}"), theme.dim), text])
}

pub fn value_span<'a>(theme: &Theme, value: Option<&str>, width: u16) -> Span<'a> {
    match value {
        Some(text) => Span::styled(fit_value(text, width), theme.text),
        None => Span::styled(fit("not reported", width), theme.dim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_cut_in_the_middle_so_urls_that_differ_at_the_end_differ() {
        let a = fit_value("https://hooks.example.com/exobridge/greenvn/call-a", 24);
        let b = fit_value("https://hooks.example.com/exobridge/greenvn/call-b", 24);
        assert_eq!(a, "https://hoo…eenvn/call-a");
        assert_ne!(a, b);
        assert_eq!(fit_value("ok", 4), "ok  ");
    }

    #[test]
    fn fit_pads_and_cuts_to_the_width() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("a\nb", 3), "a b");
    }
}
