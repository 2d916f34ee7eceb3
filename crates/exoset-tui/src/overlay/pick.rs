//! Picking one value from a list: an enum's values, or a headers'
//! `content_type` (see [`super::headers`]).

use super::move_in;
use crate::keys::Command;
use crate::layout::centered;
use crate::schema::FieldId;
use crate::theme::Theme;
use crate::widgets::{boxed, list_line};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickTarget {
    Enum(FieldId),
    /// The `content_type` of an `*_event_headers`; the last option is raw JSON.
    ContentType(FieldId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub target: PickTarget,
    pub options: Vec<String>,
    pub cursor: usize,
    /// The option the field holds now.
    pub current: Option<usize>,
}

/// What a key in a pick asks of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// This option was chosen for this target.
    Chose(PickTarget, String),
    Close,
}

impl Pick {
    /// A pick of an enum's values, the cursor on the value held now.
    pub fn of_enum(id: FieldId, values: &[&str], now: Option<&str>) -> Pick {
        let current = now.and_then(|v| values.iter().position(|x| *x == v));
        Pick {
            target: PickTarget::Enum(id),
            options: values.iter().map(|v| v.to_string()).collect(),
            cursor: current.unwrap_or(0),
            current,
        }
    }

    pub fn command(&mut self, command: Command, page: usize) -> Outcome {
        match command {
            Command::Choose => Outcome::Chose(
                self.target,
                self.options.get(self.cursor).cloned().unwrap_or_default(),
            ),
            Command::Close => Outcome::Close,
            _ => {
                self.cursor = move_in(self.options.len(), self.cursor, command, page);
                Outcome::Stay
            }
        }
    }
}

pub fn draw(frame: &mut Frame, theme: &Theme, pick: &Pick, body: Rect) {
    let id = match pick.target {
        PickTarget::Enum(id) | PickTarget::ContentType(id) => id,
    };
    let title = match pick.target {
        PickTarget::Enum(_) => format!(" {} ", id.setting().label),
        PickTarget::ContentType(_) => format!(" {} content_type ", id.setting().label),
    };
    let lines: Vec<Line> = pick
        .options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let note = if Some(i) == pick.current {
                "  (now)"
            } else {
                ""
            };
            list_line(theme, option.clone(), i == pick.cursor, note)
        })
        .collect();
    let width = pick
        .options
        .iter()
        .map(|o| crate::text::width(o) + 12)
        .max()
        .unwrap_or(20)
        .max(crate::text::width(&title) + 4);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(body, u16::try_from(width).unwrap_or(u16::MAX), height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(boxed(theme, title)), area);
}
