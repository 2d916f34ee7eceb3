//! "Also send to…" once the tenants are ticked: the change planned against
//! each (shown once in full, then per tenant what differs), sent, and each
//! tenant's result; Enter shows one tenant in full.

use crate::fleet::{Kind, Member, Outcome, Plan};
use crate::keys::Command;
use crate::layout::centered;
use crate::text::{count, fit, safe};
use crate::theme::Theme;
use crate::widgets::boxed;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

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
    /// The highlighted tenant (an index into `names`).
    pub cursor: usize,
    /// The tenant shown in full (Enter), if any; `scroll` scrolls it.
    pub open: Option<usize>,
    pub scroll: usize,
}

/// This editor's tenant in the fleet view.
#[derive(Debug, Clone, Default)]
pub struct OwnRow {
    pub profile: String,
    pub tenant: String,
    /// The change as planned on this tenant, shown once in full; each other
    /// tenant then shows only where it differs. `None` in tests that do not
    /// need it.
    pub changes: Option<crate::changes::ChangeSet>,
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
            cursor: 0,
            open: None,
            scroll: 0,
        }
    }

    /// This view as it is drawn: every value through `mask` (the secrets of
    /// webhook URLs and headers), results' messages and the reasons a
    /// tenant is left out scrubbed of the secrets of what was planned.
    /// Drawing only; the plans sent are the view's own.
    pub fn shown(&self, secrets: &crate::secrets::Secrets) -> FleetView {
        let mut tags = crate::secrets::Tags::default();
        let mut seen: Vec<(crate::schema::FieldId, String)> = Vec::new();
        let mut mask_set = |set: &crate::changes::ChangeSet| {
            let mut set = set.clone();
            for row in &mut set.rows {
                if let Some(old) = &row.old {
                    seen.push((row.id, old.clone()));
                    row.old = Some(secrets.mask_tagged(row.id, old, &mut tags));
                }
                seen.push((row.id, row.new.clone()));
                row.new = secrets.mask_tagged(row.id, &row.new, &mut tags);
            }
            set
        };
        let mut view = self.clone();
        view.own.changes = self.own.changes.as_ref().map(&mut mask_set);
        view.plans = self.plans.as_ref().map(|plans| {
            plans
                .iter()
                .map(|plan| match plan {
                    Plan::Send {
                        base,
                        edits,
                        changes,
                        unchanged,
                    } => Plan::Send {
                        base: base.clone(),
                        edits: edits.clone(),
                        changes: mask_set(changes),
                        unchanged: *unchanged,
                    },
                    Plan::Invalid {
                        changes,
                        message,
                        unchanged,
                    } => Plan::Invalid {
                        changes: changes.as_ref().map(&mut mask_set),
                        message: message.clone(),
                        unchanged: *unchanged,
                    },
                    other => other.clone(),
                })
                .collect()
        });
        let values: Vec<(crate::schema::FieldId, &str)> =
            seen.iter().map(|(id, v)| (*id, v.as_str())).collect();
        // Why a tenant is left out may quote a value planned.
        for plan in view.plans.iter_mut().flatten() {
            match plan {
                Plan::Invalid { message, .. } => {
                    *message = secrets.mask_in_text(message, values.iter().copied());
                }
                Plan::Failed(refusal) => {
                    refusal.message =
                        secrets.mask_in_text(&refusal.message, values.iter().copied());
                }
                _ => {}
            }
        }
        for outcome in view.results.iter_mut().flatten() {
            outcome.message = secrets.mask_in_text(&outcome.message, values.iter().copied());
            for key in &mut outcome.changes {
                if let Some(id) = crate::schema::lookup_path(&key.key) {
                    key.old = key.old.as_deref().map(|o| secrets.mask(id, o));
                    key.new = secrets.mask(id, &key.new);
                }
            }
        }
        view
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
        if self.open.is_some() {
            "back"
        } else if self.in_flight() {
            "stop"
        } else {
            "close"
        }
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

    /// `29 ready · 0 left out · 0 invalid` (and how many already hold the
    /// values or share a tenant, when any): what `y` would do, in one line.
    pub fn summary(&self) -> String {
        let plans = self.plans.as_deref().unwrap_or_default();
        let n = |f: fn(&Plan) -> bool| plans.iter().filter(|p| f(p)).count();
        let unchanged = n(|p| matches!(p, Plan::Unchanged { .. }));
        let mut text = format!(
            "{} ready · {} left out · {} invalid",
            self.ready(),
            n(|p| matches!(p, Plan::Failed(_) | Plan::Cancelled)),
            n(|p| matches!(p, Plan::Invalid { .. })),
        );
        if unchanged > 0 {
            text.push_str(&format!(" · {unchanged} unchanged"));
        }
        text
    }

    pub fn command(&mut self, command: Command, page: usize) -> FleetOutcome {
        // A tenant shown in full: Esc goes back to the list, the moves
        // scroll it; y still sends.
        if self.open.is_some() {
            match command {
                Command::Close => {
                    self.open = None;
                    self.scroll = 0;
                    return FleetOutcome::Stay;
                }
                Command::Up | Command::PageUp | Command::First => {
                    let by = if command == Command::Up {
                        1
                    } else {
                        page.max(1)
                    };
                    self.scroll = self.scroll.saturating_sub(by);
                    return FleetOutcome::Stay;
                }
                Command::Down | Command::PageDown => {
                    let by = if command == Command::Down {
                        1
                    } else {
                        page.max(1)
                    };
                    self.scroll += by;
                    return FleetOutcome::Stay;
                }
                Command::Yes => {}
                _ => return FleetOutcome::Stay,
            }
        }
        match (command, self.phase) {
            (Command::Choose, _) => {
                if self.cursor < self.names.len() {
                    self.open = Some(self.cursor);
                    self.scroll = 0;
                }
                FleetOutcome::Stay
            }
            (
                Command::Up
                | Command::Down
                | Command::PageUp
                | Command::PageDown
                | Command::First
                | Command::Last,
                _,
            ) => {
                self.cursor = super::move_in(self.names.len(), self.cursor, command, page);
                FleetOutcome::Stay
            }
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

    /// Where a tenant's plan differs from this tenant's change: a key it
    /// holds another old value of (`key  was OLD`, cut in the middle), or a
    /// key only it sends. Every key, when this tenant's change is unknown.
    fn differences(&self, changes: &crate::changes::ChangeSet, width: usize) -> Vec<String> {
        let own = self.own.changes.as_ref();
        let old_of = |row: &crate::changes::DiffRow| {
            row.old
                .as_deref()
                .map_or("(not reported)".to_string(), |o| safe(o).into_owned())
        };
        changes
            .rows
            .iter()
            .filter_map(|row| {
                let mine = own.and_then(|own| own.rows.iter().find(|r| r.id == row.id));
                let path = row.id.path();
                let room = width.saturating_sub(crate::text::width(&path) + 10);
                match mine {
                    Some(mine) if mine.new == row.new && mine.old == row.old => None,
                    Some(mine) if mine.new == row.new => Some(format!(
                        "    {path}  was {}",
                        crate::text::elide_middle(&old_of(row), room)
                    )),
                    _ => Some(fit(
                        &format!(
                            "    {path}  {} → {}",
                            crate::text::elide_middle(&old_of(row), room / 2),
                            crate::text::elide_middle(&safe(&row.new), room / 2)
                        ),
                        width,
                    )),
                }
            })
            .collect()
    }

    /// The lines the view shows: one block per tenant.
    pub fn lines(&self, width: usize) -> Vec<(Option<Kind>, String)> {
        self.lines_and_starts(width).0
    }

    /// [`Self::lines`], and the line each tenant's block starts on.
    fn lines_and_starts(&self, width: usize) -> (Vec<(Option<Kind>, String)>, Vec<usize>) {
        let mut starts = Vec::with_capacity(self.names.len());
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
            starts.push(out.len());
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
                    let also = if *unchanged > 0 {
                        format!(", {} it already holds", count(*unchanged, "key"))
                    } else {
                        String::new()
                    };
                    let differs = self.differences(changes, width);
                    let same = if differs.is_empty() && self.own.changes.is_some() {
                        ", as above"
                    } else {
                        ""
                    };
                    out.push((
                        Some(Kind::Sent),
                        fit(
                            &format!(
                                "{head}: ready — {} to send{same}{also}",
                                count(changes.changed().count(), "change")
                            ),
                            width,
                        ),
                    ));
                    out.extend(differs.into_iter().map(|line| (None, line)));
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
                        &format!("{head}: invalid: {} (left out)", safe(message)),
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
        (out, starts)
    }
}

pub fn draw_fleet(frame: &mut Frame, theme: &Theme, view: &FleetView, body: Rect) {
    let width = body.width.saturating_sub(4);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    if let Some(changes) = view.own.changes.as_ref().filter(|_| view.sendable()) {
        lines.push(Line::styled(
            format!(
                "The change, as planned on this tenant ({}):",
                safe(&view.own.profile)
            ),
            theme.heading,
        ));
        lines.extend(super::diff::change_lines(
            theme,
            changes,
            width.saturating_sub(2),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Each tenant: ready, or where it differs from the above:",
            theme.heading,
        ));
    }
    let (rows_text, starts) = view.lines_and_starts(inner);
    let offset = lines.len();
    let cursor_line = starts.get(view.cursor).map(|s| s + offset);
    lines.extend(rows_text.into_iter().enumerate().map(|(i, (kind, text))| {
        let style = match kind {
            Some(Kind::Sent | Kind::Unchanged) => theme.success,
            Some(Kind::Invalid | Kind::Failed | Kind::Conflict | Kind::Refused) => theme.invalid,
            Some(Kind::Unknown | Kind::Cancelled) => theme.flagged,
            None => theme.dim,
        };
        let line = Line::styled(text, style);
        if Some(i + offset) == cursor_line {
            line.patch_style(theme.selected)
        } else {
            line
        }
    }));
    let left_out = view.names.len().saturating_sub(view.ready());
    let mut foot = match view.phase {
        Phase::Planning => "Reading the other tenants…  Esc: close".to_string(),
        Phase::Ready if left_out == 0 => format!(
            "y sends to this tenant and to {}  Esc: close",
            count(view.ready(), "other tenant")
        ),
        Phase::Ready => format!(
            "y sends to this tenant and to {}, not to {}  Esc: close",
            count(view.ready(), "other tenant"),
            left_out
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
    // The foot (the summary, what y and Esc do) stays in sight below the
    // rows, however far they scroll.
    let summary = matches!(view.phase, Phase::Ready).then(|| view.summary());
    let foot_rows: u16 = if summary.is_some() { 2 } else { 1 };
    foot = fit(&foot, usize::from(width.saturating_sub(2)));
    let most = body.height;
    let height = u16::try_from(lines.len() + 2 + usize::from(foot_rows))
        .unwrap_or(u16::MAX)
        .min(most);
    let visible = usize::from(height.saturating_sub(2 + foot_rows));
    // The highlighted tenant stays in sight; the change above it shows
    // while the cursor is on the first tenants.
    let scroll = cursor_line
        .map_or(0, |at| (at + 2).saturating_sub(visible))
        .min(lines.len().saturating_sub(visible));
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    let title = format!(" Also send to {} ", count(view.names.len(), "tenant"));
    let block = boxed(theme, title);
    let inner_area = block.inner(area);
    frame.render_widget(block, area);
    let rows = Rect {
        height: inner_area.height.saturating_sub(foot_rows),
        ..inner_area
    };
    let foot_area = Rect {
        y: rows.y.saturating_add(rows.height),
        height: inner_area.height.min(foot_rows),
        ..inner_area
    };
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        rows,
    );
    let mut foot_lines = Vec::new();
    if let Some(summary) = summary {
        foot_lines.push(Line::styled(summary, theme.text));
    }
    foot_lines.push(Line::styled(foot, theme.dim));
    frame.render_widget(Paragraph::new(foot_lines), foot_area);
    if let Some(open) = view.open {
        draw_tenant(frame, theme, view, open, area);
    }
}

/// One tenant in full (Enter in the fleet view): its whole diff as the
/// single-tenant diff shows it, or every word of why it is left out, and
/// its result with the keys it sent.
fn draw_tenant(frame: &mut Frame, theme: &Theme, view: &FleetView, i: usize, over: Rect) {
    let width = over.width.saturating_sub(2);
    let wrap = |text: &str| crate::text::wrap(&safe(text), usize::from(width).max(1));
    let name = view
        .names
        .get(i)
        .map(|n| safe(n).into_owned())
        .unwrap_or_default();
    let tenant = view
        .members
        .get(i)
        .map_or("…".to_string(), |m| safe(m.tenant_label()).into_owned());
    let mut lines: Vec<Line> = Vec::new();
    if let Some(outcome) = view.results.get(i).and_then(Option::as_ref) {
        lines.push(Line::styled(
            format!("Result: {}", outcome.kind.as_str()),
            theme.heading,
        ));
        lines.extend(wrap(&outcome.message).into_iter().map(Line::raw));
        if let Some(id) = &outcome.request_id {
            lines.extend(wrap(&format!("request_id {id}")).into_iter().map(Line::raw));
        }
        for key in &outcome.changes {
            let text = format!(
                "{}: {} → {} ({})",
                key.key,
                key.old.as_deref().unwrap_or("(not reported)"),
                key.new,
                key.status.as_str()
            );
            lines.extend(wrap(&text).into_iter().map(Line::raw));
        }
        lines.push(Line::raw(""));
    }
    match view.plans.as_ref().and_then(|p| p.get(i)) {
        None => lines.push(Line::styled("Not read yet.", theme.dim)),
        Some(plan) => {
            match plan {
                Plan::Send { .. } => lines.push(Line::styled("Planned: ready", theme.heading)),
                Plan::Unchanged {
                    same_tenant_as: Some(first),
                    ..
                } => lines.extend(
                    wrap(&format!(
                        "Planned: unchanged — the same tenant as {first}, which sends for it"
                    ))
                    .into_iter()
                    .map(Line::raw),
                ),
                Plan::Unchanged { .. } => lines.push(Line::raw(
                    "Planned: unchanged — it already holds these values",
                )),
                Plan::Invalid { message, .. } => {
                    lines.push(Line::styled("Planned: invalid, left out", theme.invalid));
                    lines.extend(wrap(message).into_iter().map(Line::raw));
                }
                Plan::Failed(refusal) => {
                    lines.push(Line::styled("Planned: left out", theme.invalid));
                    lines.extend(wrap(&refusal.message).into_iter().map(Line::raw));
                }
                Plan::Cancelled => lines.push(Line::raw("Planned: cancelled")),
            }
            if let Some(changes) = plan.changes() {
                lines.extend(super::diff::change_lines(theme, changes, width));
            }
        }
    }
    let visible = usize::from(over.height.saturating_sub(2));
    let scroll = view.scroll.min(lines.len().saturating_sub(visible));
    frame.render_widget(Clear, over);
    let block = boxed(theme, format!(" {name} ({tenant}) · Esc back "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        over,
    );
}
