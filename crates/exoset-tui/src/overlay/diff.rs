//! The pending changes (`d`), and the same list under the send question:
//! each changed key old → new, each companion the PUT carries, each problem.

use super::move_in;
use crate::keys::Command;
use crate::model::{Model, json_parts};
use crate::theme::Theme;
use crate::widgets::{boxed, short};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Submit,
    Close,
    Help,
}

/// Moves `scroll` for a command, in a list of `len` first lines.
pub fn command(scroll: &mut usize, command: Command, len: usize) -> Outcome {
    match command {
        Command::Submit => Outcome::Submit,
        Command::Close => Outcome::Close,
        Command::Help => Outcome::Help,
        _ => {
            *scroll = move_in(len, *scroll, command, 10);
            Outcome::Stay
        }
    }
}

/// How many first lines the diff in a box of `body` can start at; counted
/// from the model, nothing is drawn.
pub fn scroll_len(theme: &Theme, model: &Model, body: Rect) -> usize {
    super::scroll_len(
        lines(theme, model, body.width.saturating_sub(2)).len(),
        body.height,
    )
}

pub fn chunks(text: &str, width: usize) -> Vec<String> {
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

pub fn lines<'a>(theme: &Theme, model: &Model, width: u16) -> Vec<Line<'a>> {
    change_lines(theme, model.changes(), width)
}

/// A change set as the diff shows it: each changed key old → new (wrapped,
/// `sms_config` and headers by part), each companion, each problem.
pub fn change_lines<'a>(
    theme: &Theme,
    changes: &crate::changes::ChangeSet,
    width: u16,
) -> Vec<Line<'a>> {
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
        if let Some(parts) = json_parts(row.id, row.old.as_deref(), Some(&row.new)) {
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

/// Where the send question says the changes go.
pub struct SendTo {
    /// `demo (tenant exoset-demo-1 at 127.0.0.1)`, already safe.
    pub target: String,
    /// Whether other profiles exist, so `a` (also send to…) acts.
    pub others: bool,
}

pub fn draw(
    frame: &mut Frame,
    theme: &Theme,
    model: &Model,
    to: &SendTo,
    body: Rect,
    scroll: usize,
    confirm: bool,
) {
    let title = if confirm {
        " Send these changes? "
    } else {
        " Pending changes "
    };
    let block = boxed(theme, title);
    let inner = block.inner(body);
    frame.render_widget(Clear, body);
    frame.render_widget(block, body);
    let lines = lines(theme, model, inner.width);
    let mut list_area = inner;
    if confirm && inner.height > 3 {
        // The question names the tenant on its own line (the host alone is
        // the same for every tenant of a server), its keys on the next.
        list_area.height -= 3;
        let n = model.changes().changed().count();
        let asked = format!("Send {} to {}?", crate::text::count(n, "change"), to.target);
        let question = Line::styled(
            crate::text::fit(&asked, usize::from(inner.width)),
            theme.warning,
        );
        let mut keys = vec![Span::styled("y", theme.key_cap), Span::raw(" send  ")];
        if to.others {
            keys.push(Span::styled("a", theme.key_cap));
            keys.push(Span::raw(" also send to other tenants…  "));
        }
        keys.extend([
            Span::styled("n", theme.key_cap),
            Span::raw("/"),
            Span::styled("Esc", theme.key_cap),
            Span::raw(" back"),
        ]);
        let rect = Rect::new(inner.x, inner.y + inner.height - 2, inner.width, 2);
        frame.render_widget(Paragraph::new(vec![question, Line::from(keys)]), rect);
    }
    let max_scroll = lines.len().saturating_sub(usize::from(list_area.height));
    let scroll = u16::try_from(scroll.min(max_scroll)).unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), list_area);
}
