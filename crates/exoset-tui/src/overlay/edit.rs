//! A text edit: one line in place in the list (or the form), or several in
//! a box. Every text field, the filter included, follows readline: Ctrl-U
//! deletes to the start, Ctrl-K to the end, Ctrl-W the word before, Ctrl-A /
//! Ctrl-E go home / end, and Ctrl-Z undoes.

use crate::keys::Command;
use crate::schema::FieldId;
use crate::sms;
use crate::theme::Theme;
use crate::widgets::boxed;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use serde_json::Value;

/// What a text edit changes when kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget {
    /// A setting's value as typed.
    Field(FieldId),
    /// A JSON-valued setting as raw JSON text.
    Raw(FieldId),
    /// One text part of the open `sms_config` form.
    SmsPart(usize, &'static str),
    /// What the guard asks before a send (see `crate::guard`).
    SignOff(SignOffStep),
}

/// What the guard asks before a send, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOffStep {
    /// A protected profile's tenant SID, typed.
    TenantSid,
    /// The number of protected tenants a fleet send changes, typed.
    Count,
    /// The number of tenants a fleet send changes, typed: it is above
    /// `max_tenants_per_send`.
    Tenants,
    /// Why: recorded with the change (required by `require_reason`).
    Reason,
}

#[derive(Debug, Clone)]
pub struct TextEdit {
    pub target: EditTarget,
    pub input: TextArea<'static>,
    pub lines: bool,
    /// The validation message for the text as it stands.
    pub error: Option<String>,
}

/// What a key in a text edit asks of the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing beyond the edit's own state.
    Stay,
    /// The text changed: check it again.
    Changed,
    /// Keep the text, valid or not (`invalid` says why it is not).
    Keep {
        target: EditTarget,
        text: String,
        invalid: Option<String>,
    },
    /// Leave; the field keeps what it had.
    Discard,
}

impl TextEdit {
    pub fn new(theme: &Theme, target: EditTarget, text: &str, lines: bool) -> TextEdit {
        TextEdit {
            target,
            input: text_input(theme, text, lines),
            lines,
            error: None,
        }
    }

    pub fn text(&self) -> String {
        self.input.lines().join("\n")
    }

    pub fn command(&mut self, command: Command) -> Outcome {
        match command {
            Command::Keep => Outcome::Keep {
                target: self.target,
                text: self.text(),
                invalid: self.error.clone(),
            },
            Command::Newline if self.lines => {
                self.input.insert_newline();
                Outcome::Changed
            }
            Command::Discard => Outcome::Discard,
            other if readline(&mut self.input, other) => Outcome::Changed,
            _ => Outcome::Stay,
        }
    }

    /// A key no binding claims: typed into the text. Enter and Tab only in
    /// a multi-line edit.
    pub fn type_key(&mut self, key: KeyEvent) -> Outcome {
        if !self.lines && enter_like(&key) {
            return Outcome::Stay;
        }
        self.input.input(key);
        Outcome::Changed
    }

    pub fn paste(&mut self, text: &str) {
        if self.lines {
            self.input
                .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        } else {
            self.input.insert_str(text.replace(['\r', '\n'], ""));
        }
    }

    /// Whether the edit is of `id`'s value (as text or raw JSON).
    pub fn edits_field(&self, id: FieldId) -> bool {
        matches!(self.target, EditTarget::Field(t) | EditTarget::Raw(t) if t == id)
    }
}

/// Keys that would end a one-line edit or leave the field in a form.
pub fn enter_like(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab)
        || (key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char('m' | 'j')))
}

/// The readline commands, on any text area; whether the command was one.
pub fn readline(input: &mut TextArea<'static>, command: Command) -> bool {
    match command {
        Command::DeleteToStart => {
            input.delete_line_by_head();
        }
        Command::DeleteToEnd => {
            input.delete_line_by_end();
        }
        Command::DeleteWordBack => {
            input.delete_word();
        }
        Command::LineStart => input.move_cursor(CursorMove::Head),
        Command::LineEnd => input.move_cursor(CursorMove::End),
        Command::Undo => {
            input.undo();
        }
        _ => return false,
    }
    true
}

/// A text area styled for the editor, the cursor at the end of `text`.
pub fn text_input(theme: &Theme, text: &str, lines: bool) -> TextArea<'static> {
    let content: Vec<String> = if lines {
        text.split('\n').map(str::to_string).collect()
    } else {
        vec![text.replace(['\r', '\n'], " ")]
    };
    let mut input = TextArea::new(content);
    input.set_style(theme.input);
    input.set_cursor_style(theme.cursor);
    input.set_cursor_line_style(ratatui::style::Style::default());
    input.set_selection_style(theme.selected);
    input.set_placeholder_style(theme.dim);
    if lines {
        input.set_wrap_mode(WrapMode::WordOrGlyph);
    }
    input.move_cursor(CursorMove::Bottom);
    input.move_cursor(CursorMove::End);
    input
}

/// JSON text pretty-printed for a person to edit; other text as it is.
pub fn pretty_json(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

fn title(edit: &TextEdit) -> String {
    match edit.target {
        EditTarget::Field(id) => format!(" {} · {} ", id.setting().label, id.path()),
        EditTarget::Raw(id) => format!(" Raw JSON · {} ", id.path()),
        EditTarget::SmsPart(party, key) => format!(
            " {} · party {} · {key} ",
            sms::part_label(key),
            sms::PARTIES[party]
        ),
        EditTarget::SignOff(SignOffStep::TenantSid) => {
            " Protected: type the tenant SID to send · Enter, Esc cancels ".to_string()
        }
        EditTarget::SignOff(SignOffStep::Count) => {
            " Protected tenants: type how many will change · Enter, Esc cancels ".to_string()
        }
        EditTarget::SignOff(SignOffStep::Tenants) => {
            " Above the ceiling: type how many tenants will change · Enter, Esc cancels "
                .to_string()
        }
        EditTarget::SignOff(SignOffStep::Reason) => {
            " Why this change (kept in the history) · Enter, Esc cancels ".to_string()
        }
    }
}

/// A multi-line edit, in a box over the body, its check on the last line.
pub fn draw(frame: &mut Frame, theme: &Theme, edit: &TextEdit, body: Rect) {
    let block = boxed(theme, title(edit));
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    if inner.height < 2 {
        return;
    }
    let text_area = Rect {
        height: inner.height - 1,
        ..inner
    };
    frame.render_widget(&edit.input, text_area);
    let rect = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    frame.render_widget(Paragraph::new(check_line(theme, edit)), rect);
}

/// `valid`, or `! why not`.
pub fn check_line<'a>(theme: &Theme, edit: &TextEdit) -> Line<'a> {
    if matches!(edit.target, EditTarget::SignOff(_)) {
        return Line::styled("Enter goes on · Esc sends nothing", theme.dim);
    }
    match &edit.error {
        Some(message) => Line::styled(format!("! {message}"), theme.invalid),
        None => Line::styled("valid", theme.success),
    }
}
