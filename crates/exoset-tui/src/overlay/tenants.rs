//! Other tenants: the profile picker (`P`: switch to another profile's
//! tenant) and "also send to…" (`a` in the send question: the same change
//! planned against other tenants, their diffs shown, then sent, with each
//! tenant's result). Planning and sending are the fleet engine's
//! ([`crate::fleet`]); this file holds the state and the drawing.

use super::move_in;
use crate::fleet::{Kind, Member, Outcome, Plan};
use crate::keys::Command;
use crate::layout::centered;
use crate::text::{count, fit, safe};
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
    pub ticks: Vec<bool>,
    pub cursor: usize,
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
            names,
            cursor: 0,
        }
    }

    pub fn command(&mut self, command: Command, page: usize) -> PickOutcome {
        match (command, self.purpose) {
            (Command::Close, _) => PickOutcome::Close,
            (Command::Mark, Purpose::AlsoSend) => {
                if let Some(tick) = self.ticks.get_mut(self.cursor) {
                    *tick = !*tick;
                }
                PickOutcome::Stay
            }
            (Command::Mark, Purpose::Switch) => PickOutcome::Stay,
            (Command::Choose, Purpose::Switch) => self
                .names
                .get(self.cursor)
                .map_or(PickOutcome::Close, |name| PickOutcome::Switch(name.clone())),
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
                self.cursor = move_in(self.names.len(), self.cursor, command, page);
                PickOutcome::Stay
            }
        }
    }
}

pub fn draw_pick(frame: &mut Frame, theme: &Theme, pick: &TenantPick, body: Rect) {
    let lines: Vec<Line> = pick
        .names
        .iter()
        .zip(&pick.ticks)
        .enumerate()
        .map(|(i, (name, on))| {
            let text = match pick.purpose {
                Purpose::Switch => safe(name).into_owned(),
                Purpose::AlsoSend => format!("[{}] {}", if *on { "x" } else { " " }, safe(name)),
            };
            list_line(theme, text, i == pick.cursor, "")
        })
        .collect();
    let title = match pick.purpose {
        Purpose::Switch => " Switch to a profile's tenant (Enter) ",
        Purpose::AlsoSend => " Also send to… (Space ticks, Enter plans) ",
    };
    let width = pick
        .names
        .iter()
        .map(|n| crate::text::width(n) + 10)
        .max()
        .unwrap_or(20)
        .max(crate::text::width(title) + 4);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(body, u16::try_from(width).unwrap_or(u16::MAX), height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(boxed(theme, title)), area);
}

/// The change planned against other tenants, then what became of it.
#[derive(Debug, Clone)]
pub struct FleetView {
    /// The profiles chosen, in order.
    pub names: Vec<String>,
    /// The sessions on them, once opened.
    pub members: Vec<Member>,
    /// Each tenant's plan, once read.
    pub plans: Option<Vec<Plan>>,
    /// Each tenant's result, once sent.
    pub outcomes: Option<Vec<Outcome>>,
    pub scroll: usize,
}

/// What a key in the fleet view asks of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetOutcome {
    Stay,
    /// Send to this tenant and to the others planned ready.
    Send,
    /// `y` before the plans are in, or after the results.
    NotYet,
    Close,
}

impl FleetView {
    pub fn planning(names: Vec<String>) -> FleetView {
        FleetView {
            names,
            members: Vec::new(),
            plans: None,
            outcomes: None,
            scroll: 0,
        }
    }

    /// Tenants the change will go to (planned ready to send).
    pub fn ready(&self) -> usize {
        self.plans.as_ref().map_or(0, |plans| {
            plans
                .iter()
                .filter(|p| matches!(p, Plan::Send { .. }))
                .count()
        })
    }

    pub fn command(&mut self, command: Command) -> FleetOutcome {
        match command {
            Command::Close => FleetOutcome::Close,
            Command::Yes if self.plans.is_some() && self.outcomes.is_none() => FleetOutcome::Send,
            Command::Yes => FleetOutcome::NotYet,
            Command::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                FleetOutcome::Stay
            }
            Command::Down => {
                self.scroll += 1;
                FleetOutcome::Stay
            }
            _ => FleetOutcome::Stay,
        }
    }

    /// The lines the view shows: one block per tenant.
    pub fn lines(&self, width: usize) -> Vec<(Option<Kind>, String)> {
        let mut out = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            let tenant = self
                .members
                .get(i)
                .map_or("…".to_string(), |m| safe(m.tenant_label()).into_owned());
            let head = format!("{} ({tenant})", safe(name));
            if let Some(outcome) = self.outcomes.as_ref().and_then(|o| o.get(i)) {
                let request = outcome
                    .request_id
                    .as_deref()
                    .map(|id| format!(" [request_id {}]", crate::text::fit_end(&safe(id), 14)))
                    .unwrap_or_default();
                out.push((
                    Some(outcome.kind),
                    fit(
                        &format!(
                            "{head}: {} — {}{request}",
                            outcome.kind.as_str(),
                            safe(&outcome.message)
                        ),
                        width,
                    ),
                ));
                continue;
            }
            match self.plans.as_ref().and_then(|p| p.get(i)) {
                None => out.push((None, format!("{head}: reading…"))),
                Some(Plan::Send {
                    changes, unchanged, ..
                }) => {
                    out.push((
                        Some(Kind::Sent),
                        format!(
                            "{head}: ready — {} to send{}",
                            count(changes.changed().count(), "change"),
                            if *unchanged > 0 {
                                format!(", {} it already holds", count(*unchanged, "key"))
                            } else {
                                String::new()
                            }
                        ),
                    ));
                    for row in changes.changed() {
                        out.push((
                            None,
                            fit(
                                &format!(
                                    "    {}  {} → {}",
                                    row.id.path(),
                                    row.old
                                        .as_deref()
                                        .map_or("(not reported)".to_string(), |o| {
                                            safe(o).into_owned()
                                        }),
                                    safe(&row.new)
                                ),
                                width,
                            ),
                        ));
                    }
                }
                Some(Plan::Unchanged { .. }) => out.push((
                    Some(Kind::Unchanged),
                    format!("{head}: unchanged — it already holds these values; nothing to send"),
                )),
                Some(Plan::Invalid { message, .. }) => out.push((
                    Some(Kind::Invalid),
                    fit(
                        &format!("{head}: left out, invalid there — {}", safe(message)),
                        width,
                    ),
                )),
                Some(Plan::Failed(refusal)) => out.push((
                    Some(Kind::Failed),
                    fit(
                        &format!("{head}: left out — {}", safe(&refusal.message)),
                        width,
                    ),
                )),
                Some(Plan::Cancelled) => {
                    out.push((Some(Kind::Cancelled), format!("{head}: cancelled")))
                }
            }
        }
        out
    }
}

pub fn draw_fleet(frame: &mut Frame, theme: &Theme, view: &FleetView, body: Rect) {
    let width = body.width.saturating_sub(4);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = view
        .lines(inner)
        .into_iter()
        .map(|(kind, text)| {
            let style = match kind {
                Some(Kind::Sent | Kind::Unchanged) => theme.success,
                Some(Kind::Invalid | Kind::Failed | Kind::Conflict) => theme.invalid,
                Some(Kind::Unknown | Kind::Cancelled) => theme.flagged,
                None => theme.dim,
            };
            Line::styled(text, style)
        })
        .collect();
    let foot = match (&view.plans, &view.outcomes) {
        (None, _) => "Reading the other tenants…  Esc closes".to_string(),
        (Some(_), None) => format!(
            "y sends to this tenant and to {} (the others are left out)  Esc closes",
            count(view.ready(), "other tenant")
        ),
        (Some(_), Some(_)) => {
            "Sent. This tenant's own result is on the status line.  Esc closes".into()
        }
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled(foot, theme.dim));
    let most = body.height.saturating_sub(2);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).min(most);
    let visible = usize::from(height.saturating_sub(2));
    let scroll = view.scroll.min(lines.len().saturating_sub(visible));
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let title = format!(" Also send to {} ", count(view.names.len(), "tenant"));
    frame.render_widget(
        Paragraph::new(lines)
            .block(boxed(theme, title))
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        area,
    );
}
