//! The `?` help: the markers, then every binding of the table, mode by mode.

use super::move_in;
use crate::keys::{self, Command};
use crate::theme::Theme;
use crate::widgets::{boxed, wrap_words};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Whether the help closes; else `scroll` moved in a list of `len`.
pub fn command(scroll: &mut usize, len: usize, command: Command) -> bool {
    if command == Command::Close {
        return true;
    }
    *scroll = move_in(len, *scroll, command, 10);
    false
}

/// How many first lines the help in a box of `area` can start at; counted,
/// nothing is drawn.
pub fn scroll_len(theme: &Theme, mouse: bool, area: Rect) -> usize {
    super::scroll_len(
        lines(theme, mouse, area.width.saturating_sub(2)).len(),
        area.height,
    )
}

pub fn lines<'a>(theme: &Theme, mouse: bool, width: u16) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::styled("Markers", theme.heading),
        Line::from(vec![
            Span::styled("  *", theme.changed),
            Span::raw(" changed    "),
            Span::styled("!", theme.invalid),
            Span::raw(" invalid: it stops a send"),
        ]),
        Line::from(vec![
            Span::styled("  ~", theme.flagged),
            Span::raw(" not taken as sent, or changed on the server since it was loaded"),
        ]),
        Line::from(vec![
            Span::styled("  ?", theme.flagged),
            Span::raw(" sent, but the server's answer does not report it (unconfirmed)"),
        ]),
    ];
    let entries = keys::help_lines();
    let key_width = entries
        .iter()
        .map(|(_, keys, _)| crate::text::width(keys))
        .max()
        .unwrap_or(0)
        + 2;
    let text_width = usize::from(width).saturating_sub(key_width + 2).max(10);
    for (title, keys, help) in entries {
        match title {
            Some(title) => lines.push(Line::styled(title, theme.heading)),
            None => {
                for (i, piece) in wrap_words(help, text_width).into_iter().enumerate() {
                    let keys = if i == 0 { keys.as_str() } else { "" };
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {keys:<key_width$}"), theme.key_cap),
                        Span::raw(piece),
                    ]));
                }
            }
        }
    }
    if mouse {
        lines.push(Line::styled("Mouse", theme.heading));
        lines.push(Line::raw(
            "  click a tab or a row; the wheel moves the selection",
        ));
    }
    lines
}

pub fn draw(frame: &mut Frame, theme: &Theme, mouse: bool, area: Rect, scroll: usize) {
    let block = boxed(theme, " Keys — Esc closes, ↑↓ scroll ");
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let lines = lines(theme, mouse, inner.width);
    let max_scroll = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = u16::try_from(scroll.min(max_scroll)).unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}
