//! The filter line after `/`: narrows the list as it is typed.

use super::edit::{enter_like, readline};
use crate::keys::Command;
use crate::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

/// What a key on the filter line asks of the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// The text changed: the filter is now `text(input)`.
    Changed,
    /// Keep the filter and go back to the list.
    Done,
    /// Clear the filter and go back to the list.
    Clear,
    /// Move the selection in the list below.
    Move(Command),
}

pub fn command(input: &mut TextArea<'static>, command: Command) -> Outcome {
    match command {
        Command::FilterDone => Outcome::Done,
        Command::FilterClear => Outcome::Clear,
        Command::Up | Command::Down => Outcome::Move(command),
        other if readline(input, other) => Outcome::Changed,
        _ => Outcome::Stay,
    }
}

pub fn type_key(input: &mut TextArea<'static>, key: KeyEvent) -> Outcome {
    if enter_like(&key) {
        return Outcome::Stay;
    }
    input.input(key);
    Outcome::Changed
}

pub fn paste(input: &mut TextArea<'static>, text: &str) {
    input.insert_str(text.replace(['\r', '\n'], ""));
}

pub fn text(input: &TextArea<'static>) -> String {
    input.lines().join("")
}

/// The filter line: the text being typed, or the filter kept.
pub fn draw(
    frame: &mut Frame,
    theme: &Theme,
    typing: Option<&TextArea<'static>>,
    filter: &str,
    area: Rect,
) {
    let prompt = Span::styled(" / ", theme.key_cap);
    frame.render_widget(Paragraph::new(Line::from(prompt)), area);
    let rest = Rect {
        x: area.x + 3,
        width: area.width.saturating_sub(3),
        ..area
    };
    match typing {
        Some(input) => frame.render_widget(input, rest),
        None => {
            let line = Line::from(vec![
                Span::raw(filter.to_string()),
                Span::styled("   (Esc clears)", theme.dim),
            ]);
            frame.render_widget(Paragraph::new(line), rest);
        }
    }
}
