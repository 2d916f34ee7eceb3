//! The offer of a draft found at start: which keys it changes, the loaded
//! value → the draft's, scrollable, before asking to restore it.

use super::move_in;
use crate::changes::{Drift, Edits};
use crate::keys::Command;
use crate::layout::centered;
use crate::model::Model;
use crate::schema::FieldId;
use crate::settings::Settings;
use crate::theme::Theme;
use crate::widgets::{boxed, cursor_span, short, wrap_words};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Unsent edits found on disk at start, with the base they were made on.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDraft {
    /// Unix seconds.
    pub saved_at: u64,
    pub base: Settings,
    pub edits: Edits,
    /// The editor that wrote it ended after their PUT went out: the
    /// server may hold them already.
    pub maybe_applied: bool,
}

/// A found draft while it is offered, and the key highlighted in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftOffer {
    pub draft: FoundDraft,
    pub cursor: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Restore,
    Discard,
    /// Decide later: the draft stays on disk, offered at the next start.
    Later,
}

impl DraftOffer {
    pub fn new(draft: FoundDraft) -> DraftOffer {
        DraftOffer { draft, cursor: 0 }
    }

    /// This offer as it is drawn: the draft's base and edits through
    /// `mask` (the secrets of webhook URLs and headers). Drawing only; a
    /// restore takes the offer's own values.
    pub fn shown(&self, mask: &mut dyn FnMut(FieldId, &str) -> String) -> DraftOffer {
        let base = crate::model::shown_settings(&self.draft.base, mask);
        let mut edits = Edits::default();
        for (id, value) in self.draft.edits.iter() {
            // Over no base: each edit is kept, as the draft has it.
            edits.set(&Settings::default(), id, mask(id, value));
        }
        DraftOffer {
            draft: FoundDraft {
                base,
                edits,
                ..self.draft.clone()
            },
            cursor: self.cursor,
        }
    }

    /// The keys the draft changes, in the order listed.
    pub fn keys(&self) -> Vec<FieldId> {
        self.draft.edits.iter().map(|(id, _)| id).collect()
    }

    pub fn command(&mut self, command: Command, page: usize) -> Outcome {
        match command {
            Command::Yes => Outcome::Restore,
            Command::No => Outcome::Discard,
            Command::Close => Outcome::Later,
            _ => {
                self.cursor = move_in(self.draft.edits.len(), self.cursor, command, page);
                Outcome::Stay
            }
        }
    }
}

/// Lines each key takes in the list.
const KEY_LINES: usize = 2;

/// `target` names the tenant (`demo (tenant exoset-demo at host)`, safe).
pub fn draw(
    frame: &mut Frame,
    theme: &Theme,
    model: &Model,
    offer: &DraftOffer,
    target: &str,
    body: Rect,
) {
    let draft = &offer.draft;
    let n = draft.edits.len();
    let width = body.width.min(76);
    let inner_width = usize::from(width.saturating_sub(2));
    let when = crate::store::format_time(draft.saved_at);
    let what = if draft.maybe_applied {
        format!(
            "A draft of {} that may have been applied (the editor ended while sending \
             them; the loaded values show what the server holds)",
            crate::text::count(n, "change")
        )
    } else {
        format!("A draft of {}", crate::text::count(n, "unsent change"))
    };
    let head = wrap_words(
        &format!(
            "{what} was saved at {when} for {target}. Restore it on top of the settings \
             just loaded? Loaded value → the draft's:"
        ),
        inner_width,
    );
    // Room for the keys: the body less the box, the head, a blank and the answer.
    let room = usize::from(body.height)
        .saturating_sub(2 + head.len() + 2)
        .max(KEY_LINES);
    let per_page = (room / KEY_LINES).clamp(1, n.max(1));
    let first = offer.cursor.saturating_sub(per_page - 1);
    let moved = Drift::between(&draft.base, &draft.edits, model.base());
    let mut lines: Vec<Line> = head
        .into_iter()
        .map(|l| Line::styled(l, theme.warning))
        .collect();
    for (i, (id, text)) in draft.edits.iter().enumerate().skip(first).take(per_page) {
        let at = i == offer.cursor;
        let conflict = moved.conflicts.iter().any(|c| c.id == id);
        let (mark, style) = if conflict {
            ("~ ", theme.flagged)
        } else {
            ("* ", theme.changed)
        };
        let mut line = Line::from(vec![
            cursor_span(at),
            Span::styled(mark, style),
            Span::raw(id.path()),
        ]);
        if conflict {
            line.spans
                .push(Span::styled("  (changed on the server since)", theme.dim));
        }
        if at {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
        // JSON values (sms_config, headers) by the part that changed, as
        // `d` shows them: their start is the same on both sides.
        if let Some(parts) = crate::model::json_parts(id, model.base().get(id), Some(text))
            && !parts.is_empty()
        {
            let said: Vec<String> = parts
                .into_iter()
                .map(|c| {
                    format!(
                        "{}  {} → {}",
                        c.path,
                        c.old.as_deref().unwrap_or("(absent)"),
                        c.new.as_deref().unwrap_or("(absent)")
                    )
                })
                .collect();
            lines.push(Line::from(vec![
                Span::raw("    "),
                Span::styled(
                    short(&said.join("; "), inner_width.saturating_sub(4)),
                    theme.changed,
                ),
            ]));
            continue;
        }
        let old = model.base().get(id).unwrap_or("(not reported)");
        let half = inner_width.saturating_sub(7) / 2;
        let (old, new) = if crate::text::width(old) + crate::text::width(text) + 7 <= inner_width {
            (short(old, inner_width), short(text, inner_width))
        } else {
            (
                short(old, half),
                short(
                    text,
                    inner_width.saturating_sub(7 + half.min(crate::text::width(old))),
                ),
            )
        };
        lines.push(Line::from(vec![
            Span::raw("    "),
            Span::styled(old, theme.dim),
            Span::raw(" → "),
            Span::styled(new, theme.changed),
        ]));
    }
    if n > per_page {
        lines.push(Line::styled(
            format!("  ↑↓ for the other {}", n - per_page),
            theme.dim,
        ));
    } else {
        lines.push(Line::raw(""));
    }
    // Esc puts the question off; it never discards.
    lines.push(Line::from(vec![
        Span::styled("y", theme.key_cap),
        Span::raw(" restore  "),
        Span::styled("n", theme.key_cap),
        Span::raw(" discard (set aside)  "),
        Span::styled("Esc", theme.key_cap),
        Span::raw(" decide later"),
    ]));
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(body.height);
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(boxed(theme, " Unsent changes ")),
        area,
    );
}
