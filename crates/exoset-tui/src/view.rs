//! Drawing: a pure function of [`App`]. Nothing here changes state.

use super::app::{App, ModeState, tab_index};
use super::keys::{self, Command, Mode};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH, centered, columns};
use super::model::Flag;
use super::overlay::confirm::{Facts, Question};
use super::overlay::edit::{EditTarget, TextEdit};
use super::overlay::{
    confirm, conflicts, diff, draft, edit, filter, help, history, multi_pick, pick, sms_form,
};
use super::rows::{self, Row, RowKey};
use super::widgets::{boxed, cursor_span, fit, labelled, short, tone_style, value_span};
use crate::schema::{EVENTS, FieldId, Section};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};
use serde_json::Value;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::too_small(area) {
        draw_too_small(frame, app, area);
        return;
    }
    let areas = app.areas();
    let theme = &app.theme;
    let model = &app.model;
    draw_tabs(frame, app, areas.tabs);
    if let Some(area) = areas.filter {
        let typing = match &app.mode {
            ModeState::Filter(input) => Some(input),
            _ => None,
        };
        filter::draw(frame, theme, typing, &app.filter, area);
    }
    draw_list(frame, app, areas.list);
    draw_detail(frame, app, areas.detail);
    draw_status(frame, app, areas.status);
    draw_key_bar(frame, app, areas.keys);

    let body = areas.body;
    let form = |frame: &mut Frame, editing: Option<&TextEdit>, active: bool| {
        if let Some(form) = &app.form {
            sms_form::draw(frame, theme, model, form, editing, active, body);
        }
    };
    match &app.mode {
        ModeState::Pick(state) => pick::draw(frame, theme, state, body),
        ModeState::SmsForm => form(frame, None, true),
        ModeState::MultiPick(state) => {
            form(frame, None, false);
            multi_pick::draw(frame, theme, state, body);
        }
        ModeState::Edit(state) if state.lines || matches!(state.target, EditTarget::SignOff(_)) => {
            edit::draw(frame, theme, state, sign_off_area(body, state))
        }
        ModeState::Edit(state) if matches!(state.target, EditTarget::SmsPart(..)) => {
            form(frame, Some(state), false);
        }
        ModeState::Diff { scroll } => {
            diff::draw(frame, theme, model, &send_to(app), body, *scroll, false)
        }
        ModeState::Confirm(Question::Send) => {
            diff::draw(frame, theme, model, &send_to(app), body, 0, true);
        }
        ModeState::Confirm(Question::RestoreDraft) => {
            if let Some(offer) = &app.draft_offer {
                draft::draw(frame, theme, model, offer, &app.target(), body);
            }
        }
        ModeState::Confirm(question) => {
            let facts = Facts {
                target: app.target(),
                edits: model.edits().len(),
                busy: app.busy(),
                drafts: app.drafts,
            };
            confirm::draw(frame, theme, *question, &facts, body);
        }
        ModeState::Conflicts { cursor } => {
            conflicts::draw(frame, theme, model, app.after_conflicts, body, *cursor);
        }
        ModeState::Help { scroll, .. } => {
            help::draw(frame, theme, app.mouse, app.help_area(), *scroll);
        }
        ModeState::History(view) => history::draw(frame, theme, model, view, body),
        ModeState::Tenants(pick) => {
            if pick.purpose == crate::overlay::tenants::Purpose::AlsoSend {
                diff::draw(frame, theme, model, &send_to(app), body, 0, true);
            }
            crate::overlay::tenants::draw_pick(frame, theme, pick, body);
        }
        ModeState::Fleet(view) => crate::overlay::fleet::draw_fleet(frame, theme, view, body),
        _ => {}
    }
}

/// A key cut in the middle, so both its start and its `_endpoint` show.
/// Keys are ASCII (ours, or an unknown key's name, which `fit` handles).
/// The guard's question: a small box in the middle of the body; a long
/// edit keeps the whole body.
fn sign_off_area(body: Rect, state: &TextEdit) -> Rect {
    if matches!(state.target, EditTarget::SignOff(_)) {
        crate::layout::centered(body, body.width.min(72), 4.min(body.height))
    } else {
        body
    }
}

/// What the send question names: this tenant, and whether `a` (also send
/// to other profiles' tenants) is on offer.
fn send_to(app: &App) -> diff::SendTo {
    diff::SendTo {
        target: app.target(),
        others: app.profiles.iter().any(|p| Some(p) != app.profile.as_ref()),
    }
}

fn squeeze_key(key: &str, width: u16) -> String {
    let width = usize::from(width);
    let len = key.chars().count();
    if !key.is_ascii() {
        return fit(key, u16::try_from(width).unwrap_or(u16::MAX));
    }
    if len <= width {
        return format!("{key}{}", " ".repeat(width - len));
    }
    let tail_max = width / 2;
    let tail_start = key
        .char_indices()
        .filter(|(i, c)| *c == '_' && len - i <= tail_max)
        .map(|(i, _)| i)
        .next()
        .unwrap_or(len.saturating_sub(tail_max));
    let tail = &key[tail_start.min(key.len())..];
    let head_len = width.saturating_sub(tail.chars().count() + 1);
    let head: String = key.chars().take(head_len).collect();
    format!("{head}…{tail}")
}

// ----- the frame -----

fn draw_too_small(frame: &mut Frame, app: &App, area: Rect) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
        area.width, area.height
    );
    let keys = if app.drafts {
        "q or Ctrl-C quits; unsent changes are kept as a draft"
    } else {
        "Ctrl-C quits at once; q asks first"
    };
    let y = area.y + area.height / 2;
    let rect = Rect::new(area.x, y, area.width, 2.min(area.height));
    let lines = vec![
        Line::styled(text, app.theme.warning),
        Line::styled(keys, app.theme.dim),
    ];
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    for (section, title, ..) in app.tab_spans() {
        let style = if section == app.tab {
            app.theme.tab_active
        } else {
            app.theme.tab
        };
        spans.push(Span::styled(title, style));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let note = app
        .title_note
        .as_deref()
        .map(|n| format!(" · {n}"))
        .unwrap_or_default();
    let label = format!("exoset · {}{note} ", app.title);
    // The profile's label (`[PROD]`) in its colour, before the title; with
    // NO_COLOR it still reads.
    let tag = app.guard.tag().map(|t| format!("{t} ")).unwrap_or_default();
    let tag_style = match app.guard.colour {
        Some(c) if app.theme.color => ratatui::style::Style::default()
            .fg(ratatui::style::Color::Indexed(c.index()))
            .add_modifier(ratatui::style::Modifier::BOLD),
        _ => app.theme.title,
    };
    let room = usize::from(area.width).saturating_sub(used);
    let wanted = crate::text::width(&label) + crate::text::width(&tag);
    if wanted <= room {
        spans.push(Span::raw(" ".repeat(room - wanted)));
        spans.push(Span::styled(tag, tag_style));
        spans.push(Span::styled(label, app.theme.title));
    } else if crate::text::width(&label) <= room {
        spans.push(Span::raw(" ".repeat(room - crate::text::width(&label))));
        spans.push(Span::styled(label, app.theme.title));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn field_markers<'a>(app: &App, id: FieldId, selected: bool) -> Vec<Span<'a>> {
    let theme = &app.theme;
    let first = match app.model.flags().get(&id) {
        Some(Flag::Unconfirmed { .. }) => Span::styled("?", theme.flagged),
        Some(Flag::Refused { .. }) => Span::styled("!", theme.invalid),
        Some(_) => Span::styled("~", theme.flagged),
        None if app.model.edits().get(id).is_some() => Span::styled("*", theme.changed),
        None => Span::raw(" "),
    };
    let second = if app.model.problem(id).is_some() {
        Span::styled("!", theme.invalid)
    } else {
        Span::raw(" ")
    };
    vec![cursor_span(selected), first, second, Span::raw(" ")]
}

/// The edit in progress on a field of the list, drawn in place of its value.
fn inline_edit(app: &App, id: FieldId) -> Option<&TextEdit> {
    match &app.mode {
        ModeState::Edit(edit)
            if !edit.lines
                && matches!(edit.target, EditTarget::Field(t) | EditTarget::Raw(t) if t == id) =>
        {
            Some(edit)
        }
        _ => None,
    }
}

fn draw_list(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    if !app.loaded {
        let text = if app.busy() {
            format!("Loading settings from {}…", app.host)
        } else {
            "Nothing loaded. r tries again; q quits.".to_string()
        };
        let rect = centered(area, area.width, 1);
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim)).centered(),
            rect,
        );
        return;
    }
    let rows = app.rows();
    if rows.is_empty() {
        let text = no_match(app);
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim)).wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    let cols = columns(area.width);
    let selected = app.selected_key();
    for (i, row) in rows
        .iter()
        .skip(app.scroll())
        .take(usize::from(area.height))
        .enumerate()
    {
        let y = area.y + u16::try_from(i).unwrap_or(u16::MAX);
        let rect = Rect::new(area.x, y, area.width, 1);
        let line = match row {
            Row::Heading(h) => Line::styled(fit(&h.title(), area.width), theme.heading),
            Row::Item(key) => {
                let is_selected = selected.as_ref() == Some(key);
                let mut line = item_line(app, key, is_selected, cols.key, cols.value);
                if is_selected {
                    line = line.patch_style(theme.selected);
                }
                line
            }
        };
        frame.render_widget(Paragraph::new(line), rect);
        if let Row::Item(RowKey::Field(id)) = row
            && let Some(edit) = inline_edit(app, *id)
        {
            let x = area.x + cols.value_x();
            frame.render_widget(&edit.input, Rect::new(x, y, cols.value, 1));
        }
    }
}

/// What an empty pane says under a filter: where the matches are, if
/// anywhere, and the key that shows them.
fn no_match(app: &App) -> String {
    let filter = crate::text::safe(&app.filter);
    // While typing, a digit goes into the filter: Enter keeps it first.
    let press = if matches!(app.mode, ModeState::Filter(_)) {
        "Enter, then"
    } else {
        "press"
    };
    let elsewhere: Vec<String> = Section::ALL
        .iter()
        .filter(|s| **s != app.tab)
        .filter_map(|&s| {
            let n = rows::items(&rows::rows(app.model.base(), s, &app.filter)).len();
            (n > 0).then(|| {
                format!(
                    "{} on {} — {press} {}",
                    crate::text::count(n, "match"),
                    s.title(),
                    tab_index(s) + 1
                )
            })
        })
        .collect();
    if elsewhere.is_empty() {
        format!("No setting on any pane matches “{filter}”; Esc clears the filter.")
    } else {
        format!(
            "No setting on {} matches “{filter}”: {}.",
            app.tab.title(),
            elsewhere.join("; ")
        )
    }
}

fn item_line<'a>(
    app: &App,
    key: &RowKey,
    selected: bool,
    key_width: u16,
    value_width: u16,
) -> Line<'a> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    match key {
        RowKey::Field(id) => {
            let s = id.setting();
            spans.extend(field_markers(app, *id, selected));
            spans.push(Span::raw(fit(s.label, layout::LABEL_WIDTH)));
            spans.push(Span::raw(" "));
            spans.push(Span::styled(squeeze_key(s.key, key_width), theme.dim));
            spans.push(Span::raw(" "));
            if inline_edit(app, *id).is_some() {
                // The text box is drawn over this cell and draws only what is
                // typed: the value under it must not show through.
                spans.push(Span::raw(" ".repeat(usize::from(value_width))));
            } else {
                spans.push(value_span(theme, app.model.value(*id), value_width));
            }
        }
        RowKey::Unknown(section, name) => {
            spans.push(cursor_span(selected));
            spans.push(Span::raw("   "));
            spans.push(Span::styled(
                fit("(unknown)", layout::LABEL_WIDTH),
                theme.dim,
            ));
            spans.push(Span::raw(" "));
            let shown = if name.is_empty() { section } else { name };
            spans.push(Span::styled(squeeze_key(shown, key_width), theme.dim));
            spans.push(Span::raw(" "));
            let text = unknown_text(app, section, name);
            spans.push(Span::raw(fit(&text, value_width)));
        }
    }
    Line::from(spans)
}

fn unknown_text(app: &App, section: &str, key: &str) -> String {
    let value = if key.is_empty() {
        app.model
            .base()
            .unknown()
            .into_iter()
            .find(|(s, k, _)| s == section && k.is_empty())
            .map(|(_, _, v)| v.clone())
    } else {
        app.model.base().unknown_value(section, key).cloned()
    };
    match value {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let inner_width = area.width.saturating_sub(2);
    let (title, text) = detail_content(app, inner_width);
    let inner_height = area.height.saturating_sub(2);
    let hidden = detail_rows(&text, inner_width).saturating_sub(inner_height);
    let scroll = app.detail_scroll.min(hidden);
    let mut block = boxed(theme, title);
    // Longer than the pane (long help, a short screen): say so, and how.
    if hidden > scroll {
        block = block.title_bottom(Line::styled(" J more ", theme.dim).right_aligned());
    } else if scroll > 0 {
        block = block.title_bottom(Line::styled(" K back ", theme.dim).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// Rows of the detail pane's text past what it shows, scrolled as it is.
fn detail_more(app: &App) -> bool {
    let area = app.areas().detail;
    let width = area.width.saturating_sub(2);
    let (_, text) = detail_content(app, width);
    let hidden = detail_rows(&text, width).saturating_sub(area.height.saturating_sub(2));
    hidden > app.detail_scroll.min(hidden)
}

/// The detail pane's title and text, for the selected row.
fn detail_content<'a>(app: &App, inner_width: u16) -> (String, Text<'a>) {
    let theme = &app.theme;
    let value_width = inner_width.saturating_sub(9);
    let (title, lines, help) = match app.selected_key().filter(|_| app.loaded) {
        Some(RowKey::Field(id)) => {
            // The full section.key on a line of its own: at 80 columns a
            // long key never fits in the title, and the list cuts it.
            let mut lines = vec![labelled(theme, "Key", Span::raw(id.path()))];
            lines.extend(field_detail(app, id, value_width));
            let s = id.setting();
            let event = s
                .event
                .map(|(i, _)| format!("{} · ", EVENTS[i].label))
                .unwrap_or_default();
            (format!(" {event}{} ", s.label), lines, s.help.to_string())
        }
        Some(RowKey::Unknown(section, key)) => {
            let text = unknown_text(app, &section, &key);
            let lines = vec![labelled(
                theme,
                "Loaded",
                Span::raw(fit(&text, value_width)),
            )];
            (
                format!(" {section}.{key} "),
                lines,
                "A key the server reported that exoset does not know. It is kept and shown \
                 as sent, never edited and never sent back."
                    .to_string(),
            )
        }
        None => (" Details ".to_string(), Vec::new(), String::new()),
    };
    let mut text = Text::from(lines);
    if !help.is_empty() {
        text.lines.push(Line::styled(help, theme.text));
    }
    (title, text)
}

/// Rows `text` takes wrapped at `width` (words wrap; a long word breaks).
pub(crate) fn detail_rows(text: &Text, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    text.lines
        .iter()
        .map(|line| {
            let words: Vec<String> = line
                .spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
                .split(' ')
                .map(str::to_string)
                .collect();
            let mut rows = 1usize;
            let mut used = 0usize;
            for word in words {
                let w = crate::text::width(&word);
                let need = if used == 0 { w } else { used + 1 + w };
                if need <= width {
                    used = need;
                } else {
                    rows += (w.max(1)).div_ceil(width);
                    used = w % width;
                }
            }
            rows
        })
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}

fn field_detail<'a>(app: &App, id: FieldId, width: u16) -> Vec<Line<'a>> {
    let theme = &app.theme;
    let s = id.setting();
    let mut lines = Vec::new();
    let typing = match &app.mode {
        ModeState::Edit(edit) if matches!(edit.target, EditTarget::Field(t) | EditTarget::Raw(t) if t == id) => {
            Some(edit)
        }
        _ => None,
    };
    let loaded = app.model.base().get(id);
    let second = match typing {
        Some(edit) => Some(("Typing", edit.text())),
        None => app.model.edits().get(id).map(|e| ("Edited", e.to_string())),
    };
    // Loaded and edited side by side when both are short, to spare a line.
    let half = width.saturating_sub(9) / 2;
    let short_enough = |t: &str| crate::text::width(t) < usize::from(half) && !t.contains('\n');
    match &second {
        Some((label, text)) if loaded.is_none_or(short_enough) && short_enough(text) => {
            let mut line = labelled(theme, "Loaded", value_span(theme, loaded, half + 2));
            line.spans
                .push(Span::styled(format!("{label:<9}"), theme.dim));
            line.spans.push(Span::styled(text.clone(), theme.changed));
            lines.push(line);
        }
        Some((label, text)) => {
            lines.push(labelled(theme, "Loaded", value_span(theme, loaded, width)));
            lines.push(labelled(
                theme,
                label,
                Span::styled(fit(text, width), theme.changed),
            ));
        }
        None => lines.push(labelled(theme, "Loaded", value_span(theme, loaded, width))),
    }
    match typing {
        Some(edit) => lines.push(match &edit.error {
            Some(message) => Line::styled(format!("! {message}"), theme.invalid),
            None => Line::styled("valid", theme.success),
        }),
        None => {
            if let Some(problem) = app.model.problem(id) {
                lines.push(Line::styled(format!("! {problem}"), theme.invalid));
            }
        }
    }
    match app.model.flags().get(&id) {
        Some(Flag::NotTaken { sent, got }) => lines.push(Line::styled(
            format!(
                "~ not taken as sent: sent {}, the server has {}",
                short(sent, 30),
                got.as_deref()
                    .map_or("nothing".to_string(), |g| short(g, 30))
            ),
            theme.flagged,
        )),
        Some(Flag::Unconfirmed { sent }) => lines.push(Line::styled(
            format!(
                "? sent {}; the server's answer does not report this key, so exoset cannot \
                 confirm it",
                short(sent, 30)
            ),
            theme.flagged,
        )),
        Some(Flag::Refused { message }) => lines.push(Line::styled(
            format!("! refused by the server: {}", short(message, 120)),
            theme.invalid,
        )),
        Some(Flag::Conflict { was }) => lines.push(Line::styled(
            format!(
                "~ changed on the server since loaded (was {})",
                was.as_deref()
                    .map_or("not reported".to_string(), |w| short(w, 30))
            ),
            theme.flagged,
        )),
        None => {}
    }
    let path = id.path();
    for note in app.model.base().notes().iter().filter(|n| n.path == path) {
        lines.push(Line::styled(format!("note: {}", note.message), theme.dim));
    }
    let default = s.default.map_or("none".to_string(), |d| format!("{d:?}"));
    lines.push(labelled(
        theme,
        "Allowed",
        Span::raw(format!("{} · default {default}", s.kind.allowed())),
    ));
    lines
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let lines: Vec<Line> = app
        .status_lines()
        .into_iter()
        .map(|(tone, text)| Line::styled(text, tone_style(&app.theme, tone)))
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_key_bar(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let mode = app.mode();
    let entries: Vec<(String, &str)> = keys::for_mode(mode)
        // Space is shown only where it acts (a bool or an enum).
        .filter(|b| !(b.command == Command::Toggle && mode == Mode::Browse && !app.space_acts()))
        // `J` only where the detail pane has more than it shows.
        .filter(|b| b.command != Command::DetailDown || (app.loaded && detail_more(app)))
        // Nothing loaded: nothing to edit, show, copy or send.
        .filter(|b| {
            app.loaded
                || mode != Mode::Browse
                || !matches!(
                    b.command,
                    Command::Edit
                        | Command::Toggle
                        | Command::Revert
                        | Command::Filter
                        | Command::ShowDiff
                        | Command::Submit
                        | Command::ExternalEdit
                        | Command::Copy
                )
        })
        // Reveal is offered only where there is a secret to show.
        .filter(|b| b.command != Command::Reveal || app.selected_holds_secret())
        // Ticks act only when choosing tenants to also send to, not in `P`.
        .filter(|b| {
            !(matches!(b.command, Command::Mark | Command::MarkAll)
                && matches!(&app.mode, ModeState::Tenants(pick)
                    if pick.purpose == crate::overlay::tenants::Purpose::Switch))
        })
        .filter(|b| b.command != Command::Help)
        .filter_map(|b| {
            // Esc in the fleet view stops a send, or closes: the box says
            // the same word.
            let label = match (b.command, app.fleet_view()) {
                (Command::Close, Some(view)) => Some(view.esc_word()),
                // `y` sends once: not offered once it has.
                (Command::Yes, Some(view)) if !view.sendable() => None,
                _ => b.bar,
            };
            Some((b.keys.first()?.label(), label?))
        })
        .collect();
    let help = keys::for_mode(mode)
        .find(|b| b.command == Command::Help)
        .and_then(|b| Some((b.keys.first()?.label(), b.bar?)));
    let width =
        |(key, label): &(String, &str)| crate::text::width(key) + crate::text::width(label) + 3;
    let all: usize = entries.iter().map(width).sum();
    let help_width = |label: &str| help.as_ref().map_or(0, |(k, _)| width(&(k.clone(), label)));
    let help_label = help.as_ref().map_or("help", |(_, label)| *label);
    let room = usize::from(area.width).saturating_sub(1);
    // When not every key fits, the end says so: `… ? more`.
    let cut = all + help_width(help_label) > room;
    let tail = if cut {
        2 + help_width("more")
    } else {
        help_width(help_label)
    };
    let mut room = room.saturating_sub(tail);
    let mut spans = vec![Span::raw(" ")];
    for entry in &entries {
        if width(entry) > room {
            break;
        }
        room -= width(entry);
        spans.push(Span::styled(entry.0.clone(), theme.key_cap));
        spans.push(Span::raw(format!(" {}  ", entry.1)));
    }
    if cut {
        spans.push(Span::styled("…", theme.dim));
        spans.push(Span::raw(" "));
    }
    if let Some((key, label)) = help {
        spans.push(Span::styled(key, theme.key_cap));
        let label = if cut { "more" } else { label };
        spans.push(Span::raw(format!(" {label}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_keep_their_start_and_their_part() {
        let key = "greenpin_deallocation_callback_event_endpoint";
        let squeezed = squeeze_key(key, 25);
        assert_eq!(squeezed.chars().count(), 25);
        assert!(squeezed.starts_with("greenpin_"), "{squeezed}");
        assert!(squeezed.ends_with("_endpoint"), "{squeezed}");
        assert_eq!(squeeze_key("country", 10), "country   ");
    }
}
