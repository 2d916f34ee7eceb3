//! The `sms_config` form: parties A and B, each part a row, and raw JSON as
//! the way out. The form's state is [`SmsForm`]; edits of its parts sit on
//! top of it as a [`TextEdit`] or a [`super::multi_pick::MultiPick`].

use super::edit::{EditTarget, TextEdit};
use super::move_in;
use crate::keys::Command;
use crate::model::Model;
use crate::schema::Kind;
use crate::sms::{self, FormRow, SmsForm};
use crate::theme::Theme;
use crate::validate;
use crate::widgets::{boxed, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Edit (or toggle) this row.
    Edit(FormRow),
    /// Hand this row (or the whole document) to `$EDITOR`.
    External(FormRow),
    Close,
    Help,
}

pub fn command(form: &mut SmsForm, command: Command) -> Outcome {
    match command {
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::First
        | Command::Last => {
            form.cursor = move_in(sms::selectable().len(), form.cursor, command, 8);
            Outcome::Stay
        }
        Command::Edit | Command::Toggle => Outcome::Edit(form.selected()),
        Command::ExternalEdit => Outcome::External(form.selected()),
        Command::Close => Outcome::Close,
        Command::Help => Outcome::Help,
        _ => Outcome::Stay,
    }
}

const FORM_LABEL: u16 = 18;

/// The form over the body; `editing` is a one-line edit of a part in place,
/// `active` whether the form has the keys (its cursor row is highlighted).
pub fn draw(
    frame: &mut Frame,
    theme: &Theme,
    model: &Model,
    form: &SmsForm,
    editing: Option<&TextEdit>,
    active: bool,
    body: Rect,
) {
    let block = boxed(
        theme,
        format!(" {} · {} ", form.id.setting().label, form.id.path()),
    );
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let value_width = inner.width.saturating_sub(FORM_LABEL + 4);
    let selected = form.selected();
    let editing = editing
        .filter(|e| !e.lines)
        .and_then(|edit| match edit.target {
            EditTarget::SmsPart(party, key) => Some((FormRow::Part(party, key), edit)),
            _ => None,
        });
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
        let line = if at_cursor && active {
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
    let check = match model.value(form.id) {
        Some(text) => validate::check(Kind::SmsConfigJson, text),
        None => Ok(()),
    };
    let status = match (check, model.edits().get(form.id).is_some()) {
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
