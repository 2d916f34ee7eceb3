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
    /// This view, in every message about it: a result for a view since
    /// closed is not taken for a newer one's.
    pub id: u64,
    /// The profiles chosen, in order.
    pub names: Vec<String>,
    /// The sessions on them, once opened.
    pub members: Vec<Member>,
    /// Each tenant's plan, once read.
    pub plans: Option<Vec<Plan>>,
    /// Each tenant's result, as it arrives.
    pub results: Vec<Option<Outcome>>,
    /// This editor's own tenant, sent through its own send path.
    pub own: OwnRow,
    pub phase: Phase,
    pub scroll: usize,
}

/// This editor's tenant in the fleet view.
#[derive(Debug, Clone, Default)]
pub struct OwnRow {
    pub profile: String,
    pub tenant: String,
    /// The send of this tenant (its request's number), once `y` sent it.
    pub seq: Option<u64>,
    pub outcome: Option<Outcome>,
}

/// Where the fleet view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the other tenants; nothing is sent.
    Planning,
    /// Planned: `y` sends.
    Ready,
    /// `y` was pressed: results come in one by one; `y` does nothing.
    /// `stopping`: Esc asked that no new tenant be started.
    Sending { stopping: bool, fleet_done: bool },
    /// Every result is in.
    Done,
}

/// What a key in the fleet view asks of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetOutcome {
    Stay,
    /// Send to this tenant and to the others planned ready.
    Send,
    /// `y` before the plans are in.
    NotYet,
    /// `y` once sent: nothing is sent again.
    AlreadySent,
    /// Esc while sending: start no new tenant; those out finish.
    Stop,
    /// Esc again while those in flight finish.
    Stopping,
    Close,
}

impl FleetView {
    pub fn planning(id: u64, names: Vec<String>, own: OwnRow) -> FleetView {
        FleetView {
            id,
            names,
            members: Vec::new(),
            plans: None,
            results: Vec::new(),
            own,
            phase: Phase::Planning,
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

    /// Whether anything of this view is still in flight.
    pub fn in_flight(&self) -> bool {
        matches!(self.phase, Phase::Sending { .. })
    }

    /// Whether `y` can still send (or will once the plans are read).
    pub fn sendable(&self) -> bool {
        matches!(self.phase, Phase::Planning | Phase::Ready)
    }

    /// The word for Esc, on the key bar and in the box.
    pub fn esc_word(&self) -> &'static str {
        if self.in_flight() { "stop" } else { "close" }
    }

    pub fn planned(&mut self, plans: Vec<Plan>) {
        if self.phase == Phase::Planning {
            self.results = plans.iter().map(|_| None).collect();
            self.plans = Some(plans);
            self.phase = Phase::Ready;
        }
    }

    /// `y`: the view goes to sending; `own` is this tenant's send, if any.
    pub fn sending(&mut self, own: Option<u64>) {
        self.own.seq = own;
        self.phase = Phase::Sending {
            stopping: false,
            fleet_done: false,
        };
        self.settle();
    }

    /// One other tenant's result, as it arrives.
    pub fn result(&mut self, index: usize, outcome: Outcome) {
        if let Some(slot) = self.results.get_mut(index) {
            *slot = Some(outcome);
        }
    }

    /// Every other tenant's result: the fleet send is over.
    pub fn fleet_sent(&mut self, outcomes: Vec<Outcome>) {
        for (slot, outcome) in self.results.iter_mut().zip(outcomes) {
            *slot = Some(outcome);
        }
        if let Phase::Sending { stopping, .. } = self.phase {
            self.phase = Phase::Sending {
                stopping,
                fleet_done: true,
            };
        }
        self.settle();
    }

    /// This tenant's own result.
    pub fn own_sent(&mut self, outcome: Outcome) {
        self.own.outcome = Some(outcome);
        self.settle();
    }

    /// Done once the fleet's send is over and this tenant's too.
    fn settle(&mut self) {
        let own_done = self.own.seq.is_none() || self.own.outcome.is_some();
        if let Phase::Sending {
            fleet_done: true, ..
        } = self.phase
            && own_done
        {
            self.phase = Phase::Done;
        }
    }

    /// Every result in, this tenant's first.
    pub fn outcomes(&self) -> Vec<&Outcome> {
        self.own
            .outcome
            .iter()
            .chain(self.results.iter().flatten())
            .collect()
    }

    /// `2 sent, 1 failed`.
    pub fn totals(&self) -> String {
        let outcomes = self.outcomes();
        Kind::ALL
            .iter()
            .filter_map(|kind| {
                let n = outcomes.iter().filter(|o| o.kind == *kind).count();
                (n > 0).then(|| format!("{n} {}", kind.as_str()))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn command(&mut self, command: Command) -> FleetOutcome {
        match (command, self.phase) {
            (
                Command::Close,
                Phase::Sending {
                    stopping: false, ..
                },
            ) => {
                if let Phase::Sending { fleet_done, .. } = self.phase {
                    self.phase = Phase::Sending {
                        stopping: true,
                        fleet_done,
                    };
                }
                FleetOutcome::Stop
            }
            (Command::Close, Phase::Sending { stopping: true, .. }) => FleetOutcome::Stopping,
            (Command::Close, _) => FleetOutcome::Close,
            (Command::Yes, Phase::Ready) => FleetOutcome::Send,
            (Command::Yes, Phase::Planning) => FleetOutcome::NotYet,
            (Command::Yes, Phase::Sending { .. }) => FleetOutcome::Stay,
            (Command::Yes, Phase::Done) => FleetOutcome::AlreadySent,
            (Command::Up, _) => {
                self.scroll = self.scroll.saturating_sub(1);
                FleetOutcome::Stay
            }
            (Command::Down, _) => {
                self.scroll += 1;
                FleetOutcome::Stay
            }
            _ => FleetOutcome::Stay,
        }
    }

    /// A result's line: `head: outcome — message [request_id …]`.
    fn result_line(head: &str, outcome: &Outcome, width: usize) -> (Option<Kind>, String) {
        let request = outcome
            .request_id
            .as_deref()
            .map(|id| format!(" [request_id {}]", crate::text::fit_end(&safe(id), 14)))
            .unwrap_or_default();
        (
            Some(outcome.kind),
            fit(
                &format!(
                    "{head}: {} — {}{request}",
                    outcome.kind.as_str(),
                    safe(&outcome.message)
                ),
                width,
            ),
        )
    }

    /// The lines the view shows: one block per tenant.
    pub fn lines(&self, width: usize) -> Vec<(Option<Kind>, String)> {
        let mut out = Vec::new();
        if self.own.seq.is_some() {
            let head = format!(
                "{} ({}, this tenant)",
                safe(&self.own.profile),
                safe(&self.own.tenant)
            );
            match &self.own.outcome {
                Some(outcome) => out.push(Self::result_line(&head, outcome, width)),
                None => out.push((None, format!("{head}: sending…"))),
            }
        }
        for (i, name) in self.names.iter().enumerate() {
            let tenant = self
                .members
                .get(i)
                .map_or("…".to_string(), |m| safe(m.tenant_label()).into_owned());
            let head = format!("{} ({tenant})", safe(name));
            if let Some(outcome) = self.results.get(i).and_then(Option::as_ref) {
                out.push(Self::result_line(&head, outcome, width));
                continue;
            }
            let plan = self.plans.as_ref().and_then(|p| p.get(i));
            if self.in_flight() && matches!(plan, Some(Plan::Send { .. })) {
                out.push((None, fit(&format!("{head}: sending…"), width)));
                continue;
            }
            match plan {
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
                Some(Plan::Unchanged {
                    same_tenant_as: Some(first),
                    ..
                }) => out.push((
                    Some(Kind::Unchanged),
                    fit(
                        &format!("{head}: unchanged — same tenant as {}", safe(first)),
                        width,
                    ),
                )),
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
    let foot = match view.phase {
        Phase::Planning => "Reading the other tenants…  Esc: close".to_string(),
        Phase::Ready => format!(
            "y sends to this tenant and to {} (the others are left out)  Esc: close",
            count(view.ready(), "other tenant")
        ),
        Phase::Sending {
            stopping: false, ..
        } => "Sending…  Esc: stop (no new tenant is started; sends already out finish)".to_string(),
        Phase::Sending { stopping: true, .. } => {
            "Stopping: no new tenant is started; waiting for the sends already out…".to_string()
        }
        Phase::Done => format!("{}.  Esc: close", view.totals()),
    };
    lines.push(Line::raw(""));
    // The foot (the totals, what Esc does) stays in sight below the rows,
    // however far they scroll.
    let most = body.height.saturating_sub(2);
    let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX).min(most);
    let visible = usize::from(height.saturating_sub(3));
    let scroll = view.scroll.min(lines.len().saturating_sub(visible));
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let title = format!(" Also send to {} ", count(view.names.len(), "tenant"));
    let block = boxed(theme, title);
    let inner_area = block.inner(area);
    frame.render_widget(block, area);
    let rows = Rect {
        height: inner_area.height.saturating_sub(1),
        ..inner_area
    };
    let foot_row = Rect {
        y: rows.y.saturating_add(rows.height),
        height: inner_area.height.min(1),
        ..inner_area
    };
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        rows,
    );
    frame.render_widget(Paragraph::new(Line::styled(foot, theme.dim)), foot_row);
}
