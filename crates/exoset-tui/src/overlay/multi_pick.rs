//! Choosing any number of values: a party's `on_status` in the SMS form.

use super::move_in;
use crate::keys::Command;
use crate::layout::centered;
use crate::schema::SMS_STATUSES;
use crate::sms;
use crate::theme::Theme;
use crate::widgets::{boxed, list_line};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPick {
    pub party: usize,
    pub ticks: Vec<bool>,
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Keep these ticks for this party.
    Chose(usize, Vec<bool>),
    Close,
}

impl MultiPick {
    pub fn command(&mut self, command: Command, page: usize) -> Outcome {
        match command {
            Command::Mark => {
                if let Some(tick) = self.ticks.get_mut(self.cursor) {
                    *tick = !*tick;
                }
                Outcome::Stay
            }
            Command::Choose => Outcome::Chose(self.party, self.ticks.clone()),
            Command::Close => Outcome::Close,
            _ => {
                self.cursor = move_in(self.ticks.len(), self.cursor, command, page);
                Outcome::Stay
            }
        }
    }
}

pub fn draw(frame: &mut Frame, theme: &Theme, multi: &MultiPick, body: Rect) {
    let lines: Vec<Line> = SMS_STATUSES
        .iter()
        .zip(&multi.ticks)
        .enumerate()
        .map(|(i, (status, on))| {
            let tick = if *on { "[x] " } else { "[ ] " };
            list_line(theme, format!("{tick}{status}"), i == multi.cursor, "")
        })
        .collect();
    let title = format!(" On status · party {} ", sms::PARTIES[multi.party]);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(body, 34, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(boxed(theme, title)), area);
}
