//! Other tenants: the profile picker (`P`: switch to another profile's
//! tenant) and the tick list of "also send to…" (`a` in the send
//! question). The view of the change planned against them, then sent, is
//! [`super::fleet`]. Planning and sending are the fleet engine's
//! ([`crate::fleet`]); these files hold the state and the drawing.

use super::move_in;
use crate::keys::Command;
use crate::layout::centered;
use crate::text::{count, fit, pad, safe};
use crate::theme::Theme;
use crate::widgets::{boxed, list_line};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

/// What the picker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Open another profile's tenant in this editor.
    Switch,
    /// Tick tenants to also send the pending change to.
    AlsoSend,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPick {
    pub purpose: Purpose,
    /// Profile names (this editor's own left out).
    pub names: Vec<String>,
    /// Each profile's tenant SID, when its settings name one.
    pub tenants: Vec<Option<String>>,
    /// Each profile that reaches the same tenant as this editor's or as an
    /// earlier one in the list: that profile (sent once, through it).
    pub same_as: Vec<Option<String>>,
    /// This editor's profile, named in "same tenant as" warnings.
    pub own: Option<String>,
    /// Each profile's label and mode when not normal (`[PROD] protected`).
    pub modes: Vec<String>,
    pub ticks: Vec<bool>,
    /// The cursor, among the rows the filter shows.
    pub cursor: usize,
    /// Rows whose name or SID hold this (any case) are shown.
    pub filter: String,
    /// `/` was pressed: keys type into the filter until Enter or Esc.
    pub typing: bool,
}

/// What a key in the picker asks of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickOutcome {
    Stay,
    Switch(String),
    /// Plan the change on these profiles.
    Plan(Vec<String>),
    /// Enter with nothing ticked.
    NothingTicked,
    Close,
}

impl TenantPick {
    pub fn new(purpose: Purpose, names: Vec<String>) -> TenantPick {
        TenantPick {
            purpose,
            ticks: vec![false; names.len()],
            tenants: vec![None; names.len()],
            same_as: vec![None; names.len()],
            own: None,
            modes: Vec::new(),
            names,
            cursor: 0,
            filter: String::new(),
            typing: false,
        }
    }

    /// The rows the filter shows, as indices into `names`.
    pub fn shown(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        (0..self.names.len())
            .filter(|&i| {
                needle.is_empty()
                    || self.names[i].to_lowercase().contains(&needle)
                    || self
                        .tenants
                        .get(i)
                        .and_then(Option::as_deref)
                        .is_some_and(|t| t.to_lowercase().contains(&needle))
            })
            .collect()
    }

    /// The row at the cursor, as an index into `names`.
    fn at(&self) -> Option<usize> {
        self.shown().get(self.cursor).copied()
    }

    /// A key typed into the filter (`/`): a character, or Backspace.
    pub fn type_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.push(c);
            }
            KeyCode::Backspace => {
                self.filter.pop();
            }
            _ => return,
        }
        self.cursor = 0;
    }

    /// Text pasted into the filter: its first line, without controls.
    pub fn paste(&mut self, text: &str) {
        let line = text.lines().next().unwrap_or_default();
        self.filter
            .extend(line.chars().filter(|c| !crate::text::is_hostile(*c)));
        self.cursor = 0;
    }

    /// A command while typing the filter: Enter keeps it, Esc clears it,
    /// ↑↓ move.
    pub fn filter_command(&mut self, command: Command, page: usize) {
        match command {
            Command::FilterDone => self.typing = false,
            Command::FilterClear => {
                self.typing = false;
                self.filter.clear();
                self.cursor = 0;
            }
            Command::Up | Command::Down => {
                self.cursor = move_in(self.shown().len(), self.cursor, command, page);
            }
            _ => {}
        }
    }

    /// The SIDs and same-tenant warnings, one per name.
    pub fn with_targets(
        mut self,
        tenants: Vec<Option<String>>,
        same_as: Vec<Option<String>>,
        own: Option<String>,
    ) -> TenantPick {
        if tenants.len() == self.names.len() {
            self.tenants = tenants;
        }
        if same_as.len() == self.names.len() {
            self.same_as = same_as;
        }
        self.own = own;
        self
    }

    /// Each profile's label and mode, one per name.
    pub fn with_modes(mut self, modes: Vec<String>) -> TenantPick {
        if modes.len() == self.names.len() {
            self.modes = modes;
        }
        self
    }

    pub fn ticked(&self) -> usize {
        self.ticks.iter().filter(|t| **t).count()
    }

    pub fn command(&mut self, command: Command, page: usize) -> PickOutcome {
        match (command, self.purpose) {
            (Command::Close, _) if !self.filter.is_empty() => {
                // Esc clears a kept filter first.
                self.filter.clear();
                self.cursor = 0;
                PickOutcome::Stay
            }
            (Command::Close, _) => PickOutcome::Close,
            (Command::Filter, _) => {
                self.typing = true;
                PickOutcome::Stay
            }
            (Command::Mark, Purpose::AlsoSend) => {
                if let Some(tick) = self.at().and_then(|i| self.ticks.get_mut(i)) {
                    *tick = !*tick;
                }
                PickOutcome::Stay
            }
            (Command::MarkAll, Purpose::AlsoSend) => {
                // Every row shown: all of them, or those the filter keeps.
                let shown = self.shown();
                let all = shown.iter().all(|&i| self.ticks[i]);
                for i in shown {
                    self.ticks[i] = !all;
                }
                PickOutcome::Stay
            }
            (Command::Mark | Command::MarkAll, Purpose::Switch) => PickOutcome::Stay,
            (Command::Choose, Purpose::Switch) => match self.at() {
                Some(i) => PickOutcome::Switch(self.names[i].clone()),
                None if self.filter.is_empty() => PickOutcome::Close,
                None => PickOutcome::Stay,
            },
            (Command::Choose, Purpose::AlsoSend) => {
                let chosen: Vec<String> = self
                    .names
                    .iter()
                    .zip(&self.ticks)
                    .filter(|(_, on)| **on)
                    .map(|(name, _)| name.clone())
                    .collect();
                if chosen.is_empty() {
                    PickOutcome::NothingTicked
                } else {
                    PickOutcome::Plan(chosen)
                }
            }
            _ => {
                self.cursor = move_in(self.shown().len(), self.cursor, command, page);
                PickOutcome::Stay
            }
        }
    }

    /// A row: `[x] name  SID  (same tenant as …)`, names padded to `name_width`.
    fn row(&self, i: usize, name_width: usize) -> (String, String) {
        let name = self
            .names
            .get(i)
            .map(|n| safe(n).into_owned())
            .unwrap_or_default();
        let tenant = self
            .tenants
            .get(i)
            .and_then(Option::as_deref)
            .map_or("-".to_string(), |t| safe(t).into_owned());
        let head = pad(&fit(&name, name_width), name_width);
        let mode = self
            .modes
            .get(i)
            .filter(|m| !m.is_empty())
            .map(|m| format!("  {m}"))
            .unwrap_or_default();
        let text = match self.purpose {
            Purpose::Switch => format!("{head}  {tenant}{mode}"),
            Purpose::AlsoSend => {
                let on = self.ticks.get(i).copied().unwrap_or(false);
                format!("[{}] {head}  {tenant}{mode}", if on { "x" } else { " " })
            }
        };
        let note = match self.same_as.get(i).and_then(Option::as_ref) {
            Some(first) if Some(first) == self.own.as_ref() => {
                "  same tenant as this one: not sent twice".to_string()
            }
            Some(first) => format!("  same tenant as {}: sent once", safe(first)),
            None => String::new(),
        };
        (text, note)
    }

    /// The line under the rows: how many are ticked, what is shared.
    fn foot(&self) -> String {
        let shared = self.same_as.iter().filter(|s| s.is_some()).count();
        let shared = if shared > 0 {
            format!(" · {shared} on the same tenant as another")
        } else {
            String::new()
        };
        let filter = if self.typing || !self.filter.is_empty() {
            format!(
                "/{}{} ({} shown) · ",
                safe(&self.filter),
                if self.typing { "▏" } else { "" },
                self.shown().len()
            )
        } else {
            String::new()
        };
        match self.purpose {
            Purpose::Switch => format!("{filter}{}{shared}", count(self.names.len(), "profile")),
            Purpose::AlsoSend => format!(
                "{filter}{} of {} ticked{shared}",
                self.ticked(),
                self.names.len()
            ),
        }
    }
}

pub fn draw_pick(frame: &mut Frame, theme: &Theme, pick: &TenantPick, body: Rect) {
    let title = match pick.purpose {
        Purpose::Switch => " Switch to a profile's tenant (Enter) ",
        Purpose::AlsoSend => " Also send to… (Space ticks, A all, Enter plans) ",
    };
    let name_width = pick
        .names
        .iter()
        .map(|n| crate::text::width(&safe(n)))
        .max()
        .unwrap_or(0)
        .clamp(4, 24);
    let shown = pick.shown();
    let rows: Vec<(String, String)> = shown.iter().map(|&i| pick.row(i, name_width)).collect();
    let foot = pick.foot();
    let want = rows
        .iter()
        .map(|(text, note)| crate::text::width(text) + crate::text::width(note) + 4)
        .max()
        .unwrap_or(20)
        .max(crate::text::width(title) + 4)
        .max(crate::text::width(&foot) + 2);
    let width = u16::try_from(want).unwrap_or(u16::MAX).min(body.width);
    // Rows, a blank-free foot line and the borders; as many rows as fit,
    // the cursor always among them.
    // As tall as the whole list, so a filter does not make the box jump.
    let height = u16::try_from(pick.names.len() + 3)
        .unwrap_or(u16::MAX)
        .min(body.height);
    let visible = usize::from(height.saturating_sub(3)).max(1);
    let first = pick.cursor.saturating_sub(visible - 1);
    let inner_width = usize::from(width.saturating_sub(4));
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, (text, note))| {
            let room = inner_width.saturating_sub(crate::text::width(&text));
            let mut line = list_line(theme, text, i == pick.cursor, "");
            if !note.is_empty() {
                line.spans
                    .push(ratatui::text::Span::styled(fit(&note, room), theme.warning));
            }
            line
        })
        .collect();
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let block = boxed(theme, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let list = Rect {
        height: inner.height.saturating_sub(1),
        ..inner
    };
    let foot_row = Rect {
        y: list.y.saturating_add(list.height),
        height: inner.height.min(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), list);
    let more = if first + visible < shown.len() || first > 0 {
        " · PgDn g G"
    } else {
        ""
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(&format!("{foot}{more}"), usize::from(inner.width)),
            theme.dim,
        )),
        foot_row,
    );
}
