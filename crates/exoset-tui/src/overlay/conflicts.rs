//! Keys changed both here and on the server: for each, the loaded value,
//! mine and theirs, and the choice made so far. The items live in the
//! [`Model`]; this overlay holds only the cursor.

use super::move_in;
use crate::keys::Command;
use crate::model::{Choice, Model};
use crate::theme::Theme;
use crate::widgets::{boxed, cursor_span, fit, wrap_words};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Where the conflict view leads once every key is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterConflicts {
    /// The send that found them: on to the send confirm.
    Send,
    /// A restored draft: back to the list.
    Browse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    /// Choose for the highlighted key.
    Choose(Choice),
    /// Choose for every key.
    ChooseAll(Choice),
    Resolve,
    Close,
    Help,
}

pub fn command(cursor: &mut usize, len: usize, command: Command) -> Outcome {
    match command {
        Command::KeepMine => Outcome::Choose(Choice::Mine),
        Command::TakeTheirs => Outcome::Choose(Choice::Theirs),
        Command::KeepAllMine => Outcome::ChooseAll(Choice::Mine),
        Command::TakeAllTheirs => Outcome::ChooseAll(Choice::Theirs),
        Command::Resolve => Outcome::Resolve,
        Command::Close => Outcome::Close,
        Command::Help => Outcome::Help,
        _ => {
            *cursor = move_in(len, *cursor, command, 5);
            Outcome::Stay
        }
    }
}

/// Lines each key takes in the conflict view.
const CONFLICT_LINES: usize = 4;

pub fn draw(
    frame: &mut Frame,
    theme: &Theme,
    model: &Model,
    after: AfterConflicts,
    body: Rect,
    cursor: usize,
) {
    let total = model.conflicts().len();
    let decided = model
        .conflicts()
        .iter()
        .filter(|c| c.choice.is_some())
        .count();
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
            crate::text::count(total, "setting")
        ),
        width,
    );
    head.push(String::new());
    let then = match after {
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
    for (i, item) in model
        .conflicts()
        .iter()
        .enumerate()
        .skip(first)
        .take(per_page)
    {
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
