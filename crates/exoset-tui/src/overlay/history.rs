//! The history view: the changes this tenant's PUTs made (as `exoset
//! history` lists them), one entry's keys old → new, and rollback.
//!
//! Rollback here mirrors `exoset rollback`, but sends nothing: it turns the
//! entry into pending edits over the loaded settings, so the diff (`d`) and
//! the send (`s`, confirm, the re-read before the PUT) work as for any edit.

use crate::keys::Command;
use crate::model::{Model, json_parts};
use crate::schema::FieldId;
use crate::store::{History, Loaded, format_time};
use crate::theme::Theme;
use crate::widgets::{Tone, boxed, short};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use std::path::PathBuf;

/// One recorded PUT, as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: u64,
    /// Unix seconds.
    pub time: u64,
    pub request_id: Option<String>,
    /// The keys it changed: (key, before, after), `None` when not reported;
    /// for a PUT not known to have landed, the keys it meant to change, with
    /// the values it sent as `after`.
    pub changed: Vec<(FieldId, Option<String>, Option<String>)>,
    /// Answered, or for a PUT whose answer was lost: unknown, applied or not
    /// applied. Only what landed (answered, applied) can be rolled back.
    pub outcome: crate::store::Outcome,
    /// The entry this one rolled back, when it was a rollback.
    pub rollback_of: Option<u64>,
    /// Who sent it and why, as recorded.
    pub who: Option<String>,
}

/// What the history file gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    /// The read is on its way.
    Reading,
    /// No state folder (the demo): nothing is recorded.
    NoStateDir,
    /// Unreadable: set aside, for the reason given.
    Unreadable { moved_to: PathBuf, reason: String },
    /// Newest first; empty when nothing was recorded yet.
    Entries(Vec<Item>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    pub listing: Listing,
    /// The highlighted entry.
    pub cursor: usize,
    /// The entry shown in detail, with the highlighted key in it.
    pub open: Option<(usize, usize)>,
}

impl HistoryView {
    pub fn items(&self) -> &[Item] {
        match &self.listing {
            Listing::Entries(items) => items,
            _ => &[],
        }
    }

    pub fn opened(&self) -> Option<&Item> {
        self.open.and_then(|(i, _)| self.items().get(i))
    }

    /// This view as it is drawn: every key's old and new value through
    /// `mask` (the secrets of webhook URLs and headers). Drawing only;
    /// rollback takes the view's own values.
    pub fn shown(&self, mask: &mut dyn FnMut(FieldId, &str) -> String) -> HistoryView {
        let mut view = self.clone();
        if let Listing::Entries(items) = &mut view.listing {
            for item in items {
                for (id, before, after) in &mut item.changed {
                    *before = before.as_deref().map(|v| mask(*id, v));
                    *after = after.as_deref().map(|v| mask(*id, v));
                }
            }
        }
        view
    }
}

pub use crate::session::Verdict;

/// What rollback does with each key of `item`, over the loaded settings and
/// the pending edits — the rule `exoset rollback` follows too.
pub fn plan(model: &Model, item: &Item) -> Vec<(FieldId, Verdict)> {
    model.rollback_plan(&item.changed)
}

use crate::text::{count, plural};

fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "(not reported)".to_string(), |v| short(v, 40))
}

/// The history file as read, newest first.
pub fn listing(read: Option<Loaded<History>>) -> Listing {
    match read {
        None => Listing::NoStateDir,
        Some(Loaded::Missing) => Listing::Entries(Vec::new()),
        Some(Loaded::SetAside { moved_to, reason }) => Listing::Unreadable { moved_to, reason },
        Some(Loaded::Found(history)) => Listing::Entries(
            history
                .entries
                .iter()
                .rev()
                .map(|e| Item {
                    id: e.id,
                    time: e.time,
                    request_id: e.request_id.clone(),
                    changed: e.changed(),
                    outcome: e.outcome,
                    rollback_of: e.rollback_of,
                    who: e.who_and_why(),
                })
                .collect(),
        ),
    }
}

/// What a key in the history asks of the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Stay,
    Close,
    /// Roll this entry back (as pending edits).
    Rollback(Item),
}

impl HistoryView {
    /// The view while the history file is read.
    pub fn reading() -> HistoryView {
        HistoryView {
            listing: Listing::Reading,
            cursor: 0,
            open: None,
        }
    }

    pub fn read(&mut self, read: Option<Loaded<History>>) {
        self.listing = listing(read);
        self.cursor = 0;
        self.open = None;
    }

    pub fn command(&mut self, command: Command) -> Outcome {
        let moves = matches!(command, Command::Up | Command::Down);
        match (self.open, command) {
            (None, Command::Close) => return Outcome::Close,
            (None, Command::ShowEntry) if self.cursor < self.items().len() => {
                self.open = Some((self.cursor, 0));
            }
            (None, _) if moves => {
                self.cursor = step(self.items().len(), self.cursor, command);
            }
            (Some(_), Command::Close) => self.open = None,
            (Some((i, at)), _) if moves => {
                let len = self.opened().map_or(0, |item| item.changed.len());
                self.open = Some((i, step(len, at, command)));
            }
            (Some(_), Command::Rollback) => {
                if let Some(item) = self.opened().cloned() {
                    return Outcome::Rollback(item);
                }
            }
            _ => {}
        }
        Outcome::Stay
    }
}

/// What to say after rolling `item` back by `plan`, `restored` of its keys
/// put back: which were left out and why, each value through `mask` (the
/// entry's values need not be among those loaded, whose secrets the status
/// line masks).
pub fn rollback_words(
    item: &Item,
    plan: &[(FieldId, Verdict)],
    restored: usize,
    mask: &dyn Fn(FieldId, &str) -> String,
) -> (Tone, String) {
    let mut left_out = Vec::new();
    for (id, verdict) in plan {
        let mask = |value: &str| mask(*id, value);
        match verdict {
            Verdict::Restore(_) => {}
            Verdict::ChangedSince { now } => {
                let after = item
                    .changed
                    .iter()
                    .find(|(k, ..)| k == id)
                    .and_then(|(_, _, a)| a.as_deref());
                left_out.push(format!(
                    "{} changed again since (entry {} left {}, now {})",
                    id.path(),
                    item.id,
                    shown(after.map(mask).as_deref()),
                    shown(now.as_deref().map(mask).as_deref())
                ));
            }
            Verdict::NotReportedBefore => left_out.push(format!(
                "{} was not reported before entry {}, so it cannot be unset",
                id.path(),
                item.id
            )),
            Verdict::EditPending { mine } => left_out.push(format!(
                "{} has your unsent edit {} (u on its row reverts it)",
                id.path(),
                short(&mask(mine), 30)
            )),
        }
    }
    let left = if left_out.is_empty() {
        String::new()
    } else {
        format!(" Left out: {}.", left_out.join("; "))
    };
    if restored == 0 {
        return (
            Tone::Warning,
            format!("Nothing of entry {} can be rolled back.{left}", item.id),
        );
    }
    let tone = if left_out.is_empty() {
        Tone::Info
    } else {
        Tone::Warning
    };
    let n = restored;
    (
        tone,
        format!(
            "Rollback of entry {} is pending, not sent: {} back to {} old {} \
             (marked *). d shows {}, s sends.{left}",
            item.id,
            count(n, "key"),
            if n == 1 { "its" } else { "their" },
            plural(n, "value"),
            if n == 1 { "it" } else { "them" },
        ),
    )
}

/// What the view says of an entry whose answer was lost.
pub fn outcome_words(outcome: crate::store::Outcome) -> Option<&'static str> {
    use crate::store::Outcome;
    match outcome {
        Outcome::Answered => None,
        Outcome::Unknown => Some(
            "Outcome unknown: its answer was lost, and no read has told whether it was applied.",
        ),
        Outcome::Applied => {
            Some("Applied: its answer was lost; a read after it found the values it sent.")
        }
        Outcome::NotApplied => Some(
            "Not applied: its answer was lost; a read after it found the old values. Nothing \
             to roll back.",
        ),
    }
}

/// Moves a cursor in a list of `len` one up or down.
fn step(len: usize, at: usize, command: Command) -> usize {
    match command {
        Command::Up => at.saturating_sub(1),
        Command::Down => (at + 1).min(len.saturating_sub(1)),
        _ => at,
    }
}

// ----- drawing -----

/// `text` on one line, cut with `…` or padded to exactly `width` columns.
fn fit(text: &str, width: usize) -> String {
    crate::widgets::fit(text, u16::try_from(width).unwrap_or(u16::MAX))
}

/// `text` on one line, its end kept (cut with `…` at the start), padded to
/// exactly `width` columns.
fn fit_end(text: &str, width: usize) -> String {
    let one = crate::widgets::short(text, usize::MAX);
    crate::text::pad(&crate::text::fit_end(&one, width), width)
}

pub fn draw(frame: &mut Frame, theme: &Theme, model: &Model, view: &HistoryView, body: Rect) {
    frame.render_widget(Clear, body);
    match view.opened() {
        Some(item) => draw_entry(frame, theme, model, view, item, body),
        None => draw_list(frame, theme, view, body),
    }
}

fn draw_list(frame: &mut Frame, theme: &Theme, view: &HistoryView, body: Rect) {
    let items = view.items();
    let title = match &view.listing {
        Listing::Entries(items) if !items.is_empty() => format!(
            " History · {} sent, newest first ",
            count(items.len(), "change")
        ),
        _ => " History ".to_string(),
    };
    let block = boxed(theme, title);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let say =
        |text: String| Paragraph::new(Line::styled(text, theme.text)).wrap(Wrap { trim: false });
    match &view.listing {
        Listing::Reading => {
            frame.render_widget(say("Reading the history…".into()), inner);
            return;
        }
        Listing::NoStateDir => {
            frame.render_widget(
                say(
                    "No history here: this session keeps no state on disk (the demo never \
                     does), so nothing it sends is recorded. With a profile, each change sent \
                     is listed here and by `exoset history`."
                        .into(),
                ),
                inner,
            );
            return;
        }
        Listing::Unreadable { moved_to, reason } => {
            // `load` moves a corrupt file aside; one it could not read at
            // all stays where it is until the next change sent moves it.
            let moved = moved_to.file_name().is_some_and(|n| n != "history.json");
            let text = if moved {
                format!(
                    "The history of this tenant cannot be read: it is {reason}. It was moved to \
                     {}; the next change sent starts a new one.",
                    moved_to.display()
                )
            } else {
                format!(
                    "The history of this tenant, {}, cannot be read: it is {reason}. The next \
                     change sent moves it aside and starts a new one.",
                    moved_to.display()
                )
            };
            let lines = vec![Line::styled(text, theme.warning)];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
            return;
        }
        Listing::Entries(items) if items.is_empty() => {
            frame.render_widget(
                say(
                    "No changes recorded for this tenant yet. Each change sent (from here, \
                     `exoset set` or `exoset apply`) is listed here, and can be rolled back."
                        .into(),
                ),
                inner,
            );
            return;
        }
        Listing::Entries(_) => {}
    }
    let width = usize::from(inner.width);
    // id, time, request_id, then the keys in what is left.
    let id_width = items
        .iter()
        .map(|i| i.id.to_string().len() + 1)
        .max()
        .unwrap_or(2);
    let request_width = if width >= 110 { 36 } else { 12 };
    let keys_width = width.saturating_sub(2 + id_width + 2 + 20 + 2 + request_width + 2);
    let header = Line::styled(
        format!(
            "  {}  {}  {}  {}",
            fit("id", id_width),
            fit("sent (UTC)", 20),
            fit("request_id", request_width),
            "keys it changed"
        ),
        theme.dim,
    );
    let height = usize::from(inner.height.saturating_sub(1));
    let top = view.cursor.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = std::iter::once(header)
        .chain(
            items
                .iter()
                .enumerate()
                .skip(top)
                .take(height)
                .map(|(i, item)| {
                    let at = i == view.cursor;
                    // The count first, so a cut list still says how many.
                    let keys = match item.changed.as_slice() {
                        [] => "(changed nothing)".to_string(),
                        [(id, ..)] => id.path(),
                        more => {
                            let paths: Vec<String> =
                                more.iter().map(|(id, ..)| id.path()).collect();
                            format!("{} keys: {}", more.len(), paths.join(", "))
                        }
                    };
                    let keys = match item.rollback_of {
                        Some(of) => format!("rollback of #{of} · {keys}"),
                        None => keys,
                    };
                    let keys = match item.outcome {
                        crate::store::Outcome::Answered => keys,
                        other => format!("[{}] {keys}", other.as_str()),
                    };
                    let request = item.request_id.as_deref().unwrap_or("no request_id");
                    let mut line = Line::from(vec![
                        Span::raw(if at { "› " } else { "  " }),
                        Span::styled(fit(&format!("#{}", item.id), id_width), theme.heading),
                        Span::raw("  "),
                        Span::raw(format_time(item.time)),
                        Span::raw("  "),
                        // Ids share their start; their end tells them apart.
                        Span::styled(fit_end(request, request_width), theme.dim),
                        Span::raw("  "),
                        Span::raw(fit(&keys, keys_width)),
                    ]);
                    if at {
                        line = line.patch_style(theme.selected);
                    }
                    line
                }),
        )
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The lines of an entry's detail and, for each key, the line it starts on.
pub fn entry_lines<'a>(
    theme: &Theme,
    model: &Model,
    view: &HistoryView,
    item: &Item,
    width: u16,
) -> (Vec<Line<'a>>, Vec<usize>) {
    let width = usize::from(width);
    let value_width = width.saturating_sub(8);
    let at = view.open.map_or(0, |(_, at)| at);
    let request = item.request_id.as_deref().unwrap_or("none reported");
    let mut lines = vec![Line::from(vec![
        Span::styled("Sent ", theme.dim),
        Span::raw(format_time(item.time)),
        Span::styled(" · request_id ", theme.dim),
        Span::raw(request.to_string()),
    ])];
    if let Some(who) = &item.who {
        lines.push(Line::styled(fit(who, width), theme.dim));
    }
    if let Some(said) = outcome_words(item.outcome) {
        lines.push(Line::styled(fit(said, width), theme.warning));
    }
    lines.push(Line::styled(
        if item.outcome.landed() {
            format!(
                "It changed {}, old → new:",
                count(item.changed.len(), "key")
            )
        } else {
            format!(
                "It meant to change {}, old → sent:",
                count(item.changed.len(), "key")
            )
        },
        theme.dim,
    ));
    let mut starts = Vec::new();
    let plan = plan(model, item);
    for (i, ((id, before, after), (_, verdict))) in item.changed.iter().zip(&plan).enumerate() {
        starts.push(lines.len());
        let (mark, style) = match verdict {
            Verdict::Restore(_) => ("↺ ", theme.changed),
            _ => ("! ", theme.flagged),
        };
        let mut head = Line::from(vec![
            Span::raw(if i == at { "›" } else { " " }),
            Span::styled(mark, style),
            Span::raw(id.path()),
        ]);
        if i == at {
            head = head.patch_style(theme.selected);
        }
        lines.push(head);
        let value = |label: &str, text: Option<&str>, style| {
            Line::from(vec![
                Span::styled(format!("    {label:<4}"), theme.dim),
                Span::styled(fit(text.unwrap_or("(not reported)"), value_width), style),
            ])
        };
        match json_parts(*id, before.as_deref(), after.as_deref()).filter(|parts| !parts.is_empty())
        {
            // A JSON-valued key: the parts that changed read better than two blobs.
            Some(parts) => {
                for part in parts {
                    let old = part.old.unwrap_or_else(|| "(absent)".into());
                    let new = part.new.unwrap_or_else(|| "(absent)".into());
                    let one = format!("    {}  {old} → {new}", part.path);
                    if crate::text::width(&one) <= width {
                        lines.push(Line::raw(one));
                    } else {
                        lines.push(Line::raw(format!("    {}", part.path)));
                        lines.push(value("old", Some(&old), theme.text));
                        lines.push(value("new", Some(&new), theme.text));
                    }
                }
            }
            None => {
                lines.push(value("old", before.as_deref(), theme.text));
                lines.push(value("new", after.as_deref(), theme.text));
            }
        }
        let note = match verdict {
            Verdict::Restore(_) => None,
            Verdict::ChangedSince { now } => Some(format!(
                "changed again since: the loaded value is {}; left out of a rollback",
                shown(now.as_deref())
            )),
            Verdict::NotReportedBefore => {
                Some("not reported before: it cannot be unset; left out of a rollback".into())
            }
            Verdict::EditPending { mine } => Some(format!(
                "you have an unsent edit ({}); left out of a rollback",
                short(mine, 30)
            )),
        };
        if let Some(note) = note {
            lines.push(Line::styled(
                fit(&format!("    ! {note}"), width),
                theme.flagged,
            ));
        }
    }
    let restorable = plan
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Restore(_)))
        .count();
    lines.push(Line::raw(""));
    lines.push(if !item.outcome.landed() {
        Line::styled(
            "It is not known to have been applied, so it cannot be rolled back.",
            theme.warning,
        )
    } else if restorable == 0 {
        Line::styled(
            "Nothing here can be rolled back (see the ! marks).",
            theme.warning,
        )
    } else {
        Line::from(vec![
            Span::styled("r", theme.key_cap),
            Span::raw(format!(
                " puts the old {} marked ↺ back as pending edits; nothing is sent.",
                plural(restorable, "value")
            )),
        ])
    });
    (lines, starts)
}

fn draw_entry(
    frame: &mut Frame,
    theme: &Theme,
    model: &Model,
    view: &HistoryView,
    item: &Item,
    body: Rect,
) {
    let title = format!(" History · entry #{} ", item.id);
    let block = boxed(theme, title);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let (lines, starts) = entry_lines(theme, model, view, item, inner.width);
    // Keep the highlighted key's lines in sight.
    let at = view.open.map_or(0, |(_, at)| at);
    let end = starts.get(at + 1).copied().unwrap_or(lines.len());
    let height = usize::from(inner.height);
    let scroll = end.saturating_sub(height);
    let scroll = u16::try_from(scroll).unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}
