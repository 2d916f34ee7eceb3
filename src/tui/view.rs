//! Drawing: a pure function of [`App`]. Nothing here changes state.

use super::app::{
    AfterConflicts, App, Choice, EditTarget, Flag, ModeState, MultiPick, Pick, PickTarget,
    Question, TextEdit, Tone, short,
};
use super::keys::{self, Command};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH, centered, columns};
use super::rows::{Row, RowKey};
use super::sms::{self, FormRow};
use super::theme::Theme;
use crate::schema::{EVENTS, FieldId, Kind, SMS_STATUSES};
use crate::validate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use serde_json::Value;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::too_small(area) {
        draw_too_small(frame, app, area);
        return;
    }
    let areas = app.areas();
    draw_tabs(frame, app, areas.tabs);
    if let Some(filter) = areas.filter {
        draw_filter(frame, app, filter);
    }
    draw_list(frame, app, areas.list);
    draw_detail(frame, app, areas.detail);
    draw_status(frame, app, areas.status);
    draw_key_bar(frame, app, areas.keys);

    match &app.mode {
        ModeState::Pick(pick) => draw_pick(frame, app, pick, areas.body),
        ModeState::SmsForm => draw_form(frame, app, areas.body),
        ModeState::MultiPick(multi) => {
            draw_form(frame, app, areas.body);
            draw_multi(frame, app, multi, areas.body);
        }
        ModeState::Edit(edit) if edit.lines => draw_edit_box(frame, app, edit, areas.body),
        ModeState::Edit(edit) if matches!(edit.target, EditTarget::SmsPart(..)) => {
            draw_form(frame, app, areas.body);
        }
        ModeState::Diff { scroll } => draw_diff(frame, app, areas.body, *scroll, false),
        ModeState::Confirm(Question::Send) => draw_diff(frame, app, areas.body, 0, true),
        ModeState::Confirm(question) => draw_question(frame, app, *question, areas.body),
        ModeState::Conflicts { cursor } => draw_conflicts(frame, app, areas.body, *cursor),
        ModeState::Help { scroll, .. } => {
            let mut area = areas.body;
            area.height += areas.status.height;
            draw_help(frame, app, area, *scroll);
        }
        ModeState::History(view) => super::history::draw(frame, app, view, areas.body),
        _ => {}
    }
}

// ----- text helpers -----

/// `text` on one line, cut with `…` or padded to exactly `width` display
/// columns (wide characters count two; a grapheme is never split).
pub(super) fn fit(text: &str, width: u16) -> String {
    let width = usize::from(width);
    crate::text::pad(&short(text, width), width)
}

/// A key cut in the middle, so both its start and its `_endpoint` show.
/// Keys are ASCII (ours, or an unknown key's name, which `fit` handles).
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

fn boxed<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border)
        .title(title)
        .title_style(theme.title)
}

fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Info => theme.info,
        Tone::Success => theme.success,
        Tone::Warning => theme.warning,
        Tone::Error => theme.error,
    }
}

fn value_span<'a>(theme: &Theme, value: Option<&str>, width: u16) -> Span<'a> {
    match value {
        Some(text) => Span::styled(fit(text, width), theme.text),
        None => Span::styled(fit("not reported", width), theme.dim),
    }
}

// ----- the frame -----

fn draw_too_small(frame: &mut Frame, app: &App, area: Rect) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
        area.width, area.height
    );
    let y = area.y + area.height / 2;
    let rect = Rect::new(area.x, y, area.width, 1.min(area.height));
    frame.render_widget(
        Paragraph::new(Line::styled(text, app.theme.warning)).centered(),
        rect,
    );
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
    let label = format!("exoset · {} ", app.title);
    let room = usize::from(area.width).saturating_sub(used);
    if crate::text::width(&label) <= room {
        spans.push(Span::raw(" ".repeat(room - crate::text::width(&label))));
        spans.push(Span::styled(label, app.theme.title));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_filter(frame: &mut Frame, app: &App, area: Rect) {
    let prompt = Span::styled(" / ", app.theme.key_cap);
    frame.render_widget(Paragraph::new(Line::from(prompt)), area);
    let rest = Rect {
        x: area.x + 3,
        width: area.width.saturating_sub(3),
        ..area
    };
    match &app.mode {
        ModeState::Filter(input) => frame.render_widget(input, rest),
        _ => {
            let line = Line::from(vec![
                Span::raw(app.filter.clone()),
                Span::styled("   (Esc clears)", app.theme.dim),
            ]);
            frame.render_widget(Paragraph::new(line), rest);
        }
    }
}

/// The cursor column: `›` on the selected row, so it shows without colour.
fn cursor_span<'a>(selected: bool) -> Span<'a> {
    Span::raw(if selected { "›" } else { " " })
}

fn field_markers<'a>(app: &App, id: FieldId, selected: bool) -> Vec<Span<'a>> {
    let theme = &app.theme;
    let first = match app.flags.get(&id) {
        Some(Flag::Unconfirmed { .. }) => Span::styled("?", theme.flagged),
        Some(Flag::Refused { .. }) => Span::styled("!", theme.invalid),
        Some(_) => Span::styled("~", theme.flagged),
        None if app.edits.get(id).is_some() => Span::styled("*", theme.changed),
        None => Span::raw(" "),
    };
    let second = if app.problem(id).is_some() {
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
        let text = format!("No setting on this pane matches “{}”.", app.filter);
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), area);
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
            spans.push(value_span(theme, app.value(*id), value_width));
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
        app.base
            .unknown()
            .into_iter()
            .find(|(s, k, _)| s == section && k.is_empty())
            .map(|(_, _, v)| v.clone())
    } else {
        app.base.unknown_value(section, key).cloned()
    };
    match value {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn labelled<'a>(theme: &Theme, label: &str, text: Span<'a>) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{label:<9}"), theme.dim), text])
}

fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let inner_width = area.width.saturating_sub(2);
    let value_width = inner_width.saturating_sub(9);
    let (title, lines, help) = match app.selected_key().filter(|_| app.loaded) {
        Some(RowKey::Field(id)) => {
            let lines = field_detail(app, id, value_width);
            let s = id.setting();
            let event = s
                .event
                .map(|(i, _)| format!("{} · ", EVENTS[i].label))
                .unwrap_or_default();
            (
                format!(" {event}{} · {} ", s.label, id.path()),
                lines,
                s.help.to_string(),
            )
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
    let block = boxed(theme, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut text = Text::from(lines);
    if !help.is_empty() {
        text.lines.push(Line::styled(help, theme.text));
    }
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
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
    let loaded = app.base.get(id);
    let second = match typing {
        Some(edit) => Some(("Typing", edit.text())),
        None => app.edits.get(id).map(|e| ("Edited", e.to_string())),
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
            if let Some(problem) = app.problem(id) {
                lines.push(Line::styled(format!("! {problem}"), theme.invalid));
            }
        }
    }
    match app.flags.get(&id) {
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
    for note in app.base.notes().iter().filter(|n| n.path == path) {
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
    let entries: Vec<(String, &str, bool)> = keys::for_mode(app.mode())
        .filter_map(|b| {
            let label = b.bar?;
            let key = b.keys.first()?.label();
            Some((key, label, b.command == Command::Help))
        })
        .collect();
    let width = |(key, label, _): &(String, &str, bool)| {
        crate::text::width(key) + crate::text::width(label) + 3
    };
    let reserved: usize = entries.iter().filter(|e| e.2).map(width).sum();
    let mut room = usize::from(area.width).saturating_sub(reserved + 1);
    let mut spans = vec![Span::raw(" ")];
    for entry in entries.iter().filter(|e| !e.2) {
        if width(entry) > room {
            break;
        }
        room -= width(entry);
        spans.push(Span::styled(entry.0.clone(), theme.key_cap));
        spans.push(Span::raw(format!(" {}  ", entry.1)));
    }
    for entry in entries.iter().filter(|e| e.2) {
        spans.push(Span::styled(entry.0.clone(), theme.key_cap));
        spans.push(Span::raw(format!(" {}  ", entry.1)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

// ----- overlays -----

fn list_line<'a>(theme: &Theme, text: String, at_cursor: bool, note: &str) -> Line<'a> {
    let marker = if at_cursor { "› " } else { "  " };
    let mut line = Line::from(vec![
        Span::raw(marker),
        Span::raw(text),
        Span::styled(note.to_string(), theme.dim),
    ]);
    if at_cursor {
        line = line.patch_style(theme.selected);
    }
    line
}

fn draw_pick(frame: &mut Frame, app: &App, pick: &Pick, body: Rect) {
    let theme = &app.theme;
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

fn draw_multi(frame: &mut Frame, app: &App, multi: &MultiPick, body: Rect) {
    let theme = &app.theme;
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

const FORM_LABEL: u16 = 18;

fn draw_form(frame: &mut Frame, app: &App, body: Rect) {
    let theme = &app.theme;
    let Some(form) = &app.form else {
        return;
    };
    let block = boxed(
        theme,
        format!(" {} · {} ", form.id.setting().label, form.id.path()),
    );
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let value_width = inner.width.saturating_sub(FORM_LABEL + 4);
    let selected = form.selected();
    let editing = match &app.mode {
        ModeState::Edit(edit) if !edit.lines => match edit.target {
            EditTarget::SmsPart(party, key) => Some((FormRow::Part(party, key), edit)),
            _ => None,
        },
        _ => None,
    };
    for (y, row) in (inner.y..).zip(sms::rows()) {
        if y >= inner.y + inner.height.saturating_sub(1) {
            break;
        }
        let at_cursor = row == selected;
        let cursor = if at_cursor { "› " } else { "  " };
        let line = match row {
            FormRow::Party(party) => {
                let absent = if form.has_party(party) {
                    ""
                } else {
                    "  (not in the document)"
                };
                Line::from(vec![
                    Span::styled(format!("Party {}", sms::PARTIES[party]), theme.heading),
                    Span::styled(absent, theme.dim),
                ])
            }
            FormRow::Part(party, key) => {
                let value = match form.display(party, key) {
                    Some(text) => Span::raw(fit(&text, value_width)),
                    None => Span::styled(fit("not set", value_width), theme.dim),
                };
                Line::from(vec![
                    Span::raw(cursor),
                    Span::raw(fit(sms::part_label(key), FORM_LABEL)),
                    Span::raw("  "),
                    value,
                ])
            }
            FormRow::Raw => Line::from(vec![
                Span::raw(cursor),
                Span::raw(fit("Raw JSON…", FORM_LABEL)),
                Span::raw("  "),
                Span::styled(
                    fit("edit the whole document as JSON text", value_width),
                    theme.dim,
                ),
            ]),
        };
        let line = if at_cursor && matches!(app.mode, ModeState::SmsForm) {
            line.patch_style(theme.selected)
        } else {
            line
        };
        let rect = Rect::new(inner.x, y, inner.width, 1);
        frame.render_widget(Paragraph::new(line), rect);
        if let Some((at, edit)) = editing
            && at == row
        {
            let x = inner.x + FORM_LABEL + 4;
            frame.render_widget(&edit.input, Rect::new(x, y, value_width, 1));
        }
    }
    // The state of the whole document, at the bottom of the form.
    let check = match app.value(form.id) {
        Some(text) => validate::check(Kind::SmsConfigJson, text),
        None => Ok(()),
    };
    let status = match (check, app.edits.get(form.id).is_some()) {
        (Err(message), _) => Line::styled(format!("! {message}"), theme.invalid),
        (Ok(()), true) => Line::styled(
            "* changed; changes apply at once — u on the row reverts them all",
            theme.changed,
        ),
        (Ok(()), false) => Line::styled("unchanged", theme.dim),
    };
    if inner.height > 0 {
        let rect = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        frame.render_widget(Paragraph::new(status), rect);
    }
}

fn edit_title(edit: &TextEdit) -> String {
    match edit.target {
        EditTarget::Field(id) => format!(" {} · {} ", id.setting().label, id.path()),
        EditTarget::Raw(id) => format!(" Raw JSON · {} ", id.path()),
        EditTarget::SmsPart(party, key) => format!(
            " {} · party {} · {key} ",
            sms::part_label(key),
            sms::PARTIES[party]
        ),
    }
}

fn draw_edit_box(frame: &mut Frame, app: &App, edit: &TextEdit, body: Rect) {
    let theme = &app.theme;
    let area = body;
    let block = boxed(theme, edit_title(edit));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    let text_area = Rect {
        height: inner.height - 1,
        ..inner
    };
    frame.render_widget(&edit.input, text_area);
    let status = match &edit.error {
        Some(message) => Line::styled(format!("! {message}"), theme.invalid),
        None => Line::styled("valid", theme.success),
    };
    let rect = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    frame.render_widget(Paragraph::new(status), rect);
}

/// `text` cut into pieces of at most `width` characters (control characters
/// shown as spaces), for values that must be seen whole.
fn chunks(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// For a JSON-valued key whose old and new values are both JSON objects, the
/// parts that changed: a person reads `A.sms_body` better than two blobs.
fn json_parts(row: &crate::changes::DiffRow) -> Option<Vec<super::app::JsonChange>> {
    if !matches!(
        row.id.setting().kind,
        Kind::HeadersJson | Kind::SmsConfigJson
    ) {
        return None;
    }
    let old: Value = serde_json::from_str(row.old.as_deref()?).ok()?;
    let new: Value = serde_json::from_str(&row.new).ok()?;
    if !(old.is_object() && new.is_object()) {
        return None;
    }
    Some(super::app::json_changes(&old, &new))
}

/// The pending diff as lines of at most `width` columns: each changed key
/// with its old and new value, each companion, each problem.
pub fn diff_lines<'a>(app: &App, width: u16) -> Vec<Line<'a>> {
    let theme = &app.theme;
    let changes = &app.changes;
    let mut lines = Vec::new();
    if changes.is_empty() && changes.problems.is_empty() {
        lines.push(Line::styled("No pending changes.", theme.dim));
        return lines;
    }
    let width = usize::from(width);
    let value_width = width.saturating_sub(9);
    let push_value = |lines: &mut Vec<Line<'a>>, label: &str, text: &str, style: Style| {
        for (i, piece) in chunks(text, value_width).into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("    {label:<5}"), theme.dim),
                Span::styled(piece, style),
            ]));
        }
    };
    for row in &changes.rows {
        let path = row.id.path();
        if row.companion {
            lines.push(Line::from(vec![
                Span::styled("= ", theme.dim),
                Span::raw(path),
                Span::styled("  unchanged, sent with its endpoint", theme.dim),
            ]));
            push_value(&mut lines, "", &row.new, theme.dim);
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled("* ", theme.changed),
            Span::raw(path),
        ]));
        let old = row.old.as_deref();
        if let Some(parts) = json_parts(row) {
            for change in parts {
                let part = change.path;
                let was = change.old.unwrap_or_else(|| "(absent)".to_string());
                let now = change.new.unwrap_or_else(|| "(absent)".to_string());
                if crate::text::width(&part)
                    + crate::text::width(&was)
                    + crate::text::width(&now)
                    + 9
                    <= width
                {
                    lines.push(Line::from(vec![
                        Span::raw(format!("    {part}  ")),
                        Span::styled(was, theme.dim),
                        Span::raw(" → "),
                        Span::styled(now, theme.changed),
                    ]));
                } else {
                    lines.push(Line::raw(format!("    {part}")));
                    push_value(&mut lines, "was", &was, theme.dim);
                    push_value(&mut lines, "now", &now, theme.changed);
                }
            }
            continue;
        }
        let short_enough = old.map_or(14, crate::text::width) + crate::text::width(&row.new) + 7
            <= width
            && !row.new.contains('\n');
        if short_enough {
            lines.push(Line::from(vec![
                Span::raw("    "),
                match old {
                    Some(old) => Span::styled(short(old, width), theme.dim),
                    None => Span::styled("(not reported)", theme.dim),
                },
                Span::raw(" → "),
                Span::styled(row.new.clone(), theme.changed),
            ]));
        } else {
            push_value(
                &mut lines,
                "was",
                old.unwrap_or("(not reported)"),
                theme.dim,
            );
            push_value(&mut lines, "now", &row.new, theme.changed);
        }
    }
    for problem in &changes.problems {
        let text = format!("! {}: {}", problem.id.path(), problem.message);
        for piece in chunks(&text, width) {
            lines.push(Line::styled(piece, theme.invalid));
        }
    }
    let n = changes.changed().count();
    lines.push(Line::styled(
        format!(
            "{}; the PUT carries {}.",
            crate::text::count(n, "change"),
            crate::text::count(changes.rows.len(), "key")
        ),
        theme.text,
    ));
    lines
}

fn draw_diff(frame: &mut Frame, app: &App, body: Rect, scroll: usize, confirm: bool) {
    let theme = &app.theme;
    let title = if confirm {
        " Send these changes? "
    } else {
        " Pending changes "
    };
    let block = boxed(theme, title);
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let lines = diff_lines(app, inner.width);
    let mut list_area = inner;
    if confirm && inner.height > 2 {
        list_area.height -= 2;
        let n = app.changes.changed().count();
        let question = Line::from(vec![
            Span::styled(
                format!("Send {} to {}? ", crate::text::count(n, "change"), app.host),
                theme.warning,
            ),
            Span::styled("y", theme.key_cap),
            Span::raw(" send  "),
            Span::styled("n", theme.key_cap),
            Span::raw("/"),
            Span::styled("Esc", theme.key_cap),
            Span::raw(" back"),
        ]);
        let rect = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        frame.render_widget(Paragraph::new(question), rect);
    }
    let max_scroll = lines.len().saturating_sub(usize::from(list_area.height));
    let scroll = u16::try_from(scroll.min(max_scroll)).unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), list_area);
}

fn draw_question(frame: &mut Frame, app: &App, question: Question, body: Rect) {
    let theme = &app.theme;
    let n = app.edits.len();
    let changes = crate::text::count(n, "unsent change");
    let (title, text, yes, no) = match question {
        Question::Quit if app.busy() => (
            " Quit? ",
            "A send is in flight: quitting now may leave it applied or not.".to_string(),
            "quit",
            "stay",
        ),
        Question::Quit if app.drafts => (
            " Quit? ",
            format!(
                "Quit? Your {changes} {} in the draft and {} offered next time.",
                if n == 1 { "stays" } else { "stay" },
                if n == 1 { "is" } else { "are" }
            ),
            "quit",
            "stay",
        ),
        Question::Quit => (
            " Quit? ",
            format!("Quit and lose {changes}?"),
            "quit",
            "stay",
        ),
        Question::RestoreDraft => {
            let draft = app.found_draft.as_ref();
            let n = draft.map_or(0, |d| d.edits.len());
            let when = draft.map_or(String::new(), |d| crate::store::format_time(d.saved_at));
            (
                " Unsent changes ",
                format!(
                    "A draft of {} was saved at {when}. Restore it on top of the settings \
                     just loaded?",
                    crate::text::count(n, "unsent change")
                ),
                "restore",
                "discard it",
            )
        }
        Question::Reload => (
            " Reload? ",
            format!("Reload from the server and discard {changes}?"),
            "discard and reload",
            "keep editing",
        ),
        Question::Send => (" Send? ", String::new(), "send", "back"),
    };
    let width = 64u16;
    let text_lines = wrap_words(&text, usize::from(width - 2));
    let height = u16::try_from(text_lines.len()).unwrap_or(1) + 4;
    let mut lines: Vec<Line> = text_lines
        .into_iter()
        .map(|l| Line::styled(l, theme.warning))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme.key_cap),
        Span::raw(format!(" {yes}  ")),
        Span::styled("n", theme.key_cap),
        Span::raw("/"),
        Span::styled("Esc", theme.key_cap),
        Span::raw(format!(" {no}")),
    ]));
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(boxed(theme, title)), area);
}

/// Lines each key takes in the conflict view.
const CONFLICT_LINES: usize = 4;

/// The keys changed on both sides: for each, the loaded value, mine and
/// theirs, and the choice made so far.
fn draw_conflicts(frame: &mut Frame, app: &App, body: Rect, cursor: usize) {
    let theme = &app.theme;
    let total = app.conflicts.len();
    let decided = app.conflicts.iter().filter(|c| c.choice.is_some()).count();
    let block = boxed(
        theme,
        format!(" Changed here and on the server: {decided} of {total} resolved "),
    );
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let width = usize::from(inner.width);
    let mut head = wrap_words(
        &format!(
            "{} changed both here and on the server since loading. For each, m keeps \
             mine (it goes over theirs), t takes theirs (my edit is dropped); M / T for \
             all. Nothing is sent until each has a choice.",
            if total == 1 {
                "1 setting".to_string()
            } else {
                format!("{total} settings")
            }
        ),
        width,
    );
    head.push(String::new());
    let then = match app.after_conflicts {
        AfterConflicts::Send => {
            "Enter applies the choices and asks to send; Esc backs out, sending nothing."
        }
        AfterConflicts::Browse => {
            "Enter applies the choices; Esc backs out (the keys stay marked ~)."
        }
    };
    let foot = wrap_words(then, width);
    let mut lines: Vec<Line> = head
        .into_iter()
        .map(|l| Line::styled(l, theme.warning))
        .collect();
    let room = usize::from(inner.height).saturating_sub(lines.len() + foot.len());
    let per_page = (room / CONFLICT_LINES).max(1);
    let first = cursor.saturating_sub(per_page - 1);
    let value_width = inner.width.saturating_sub(12);
    for (i, item) in app.conflicts.iter().enumerate().skip(first).take(per_page) {
        let c = &item.conflict;
        let at = i == cursor;
        let (choice, style) = match item.choice {
            Some(Choice::Mine) => ("[keep mine]", theme.changed),
            Some(Choice::Theirs) => ("[take theirs]", theme.info),
            None => ("[choose m / t]", theme.invalid),
        };
        let path = c.id.path();
        let pad = width.saturating_sub(crate::text::width(&path) + crate::text::width(choice) + 3);
        let mut line = Line::from(vec![
            cursor_span(at),
            Span::raw(" "),
            Span::styled(path, theme.text),
            Span::raw(" ".repeat(pad)),
            Span::styled(choice, style),
        ]);
        if at {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
        for (label, value, style) in [
            ("loaded", c.base.as_deref(), theme.dim),
            ("mine", Some(c.mine.as_str()), theme.changed),
            ("theirs", c.theirs.as_deref(), theme.text),
        ] {
            let value = match value {
                Some(text) => Span::styled(fit(text, value_width), style),
                None => Span::styled(fit("not reported", value_width), theme.dim),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("    {label:<7} "), theme.dim),
                value,
            ]));
        }
    }
    let list = Rect {
        height: inner
            .height
            .saturating_sub(u16::try_from(foot.len()).unwrap_or(0)),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), list);
    let foot_lines: Vec<Line> = foot
        .into_iter()
        .map(|l| Line::styled(l, theme.dim))
        .collect();
    let foot_height = u16::try_from(foot_lines.len())
        .unwrap_or(0)
        .min(inner.height);
    let rect = Rect::new(
        inner.x,
        inner.y + inner.height - foot_height,
        inner.width,
        foot_height,
    );
    frame.render_widget(Paragraph::new(foot_lines), rect);
}

/// Words of `text` in lines of at most `width` display columns.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().map_or(0, |l| crate::text::width(l));
        if last > 0 && last + 1 + crate::text::width(word) > width {
            lines.push(String::new());
        }
        if let Some(line) = lines.last_mut() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The help at `width` columns: the markers, then every binding of the
/// table, mode by mode.
pub fn help_text<'a>(app: &App, width: u16) -> Vec<Line<'a>> {
    let theme = &app.theme;
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
    if app.mouse {
        lines.push(Line::styled("Mouse", theme.heading));
        lines.push(Line::raw(
            "  click a tab or a row; the wheel moves the selection",
        ));
    }
    lines
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let block = boxed(&app.theme, " Keys — Esc closes, ↑↓ scroll ");
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let lines = help_text(app, inner.width);
    let max_scroll = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = u16::try_from(scroll.min(max_scroll)).unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
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

    #[test]
    fn fit_pads_and_cuts_to_the_width() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("a\nb", 3), "a b");
    }
}
