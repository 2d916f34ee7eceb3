//! A yes/no question: send, quit, reload. (The draft found at start is
//! asked about in [`super::draft`], with its changes listed.)

use crate::keys::Command;
use crate::layout::centered;
use crate::theme::Theme;
use crate::widgets::{boxed, wrap_words};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Send,
    Quit,
    Reload,
    /// A draft of unsent edits was found at start.
    RestoreDraft,
}

/// The answer a key gives, if it is one.
pub fn answer(command: Command) -> Option<bool> {
    match command {
        Command::Yes => Some(true),
        Command::No => Some(false),
        _ => None,
    }
}

/// What the quit and reload questions need to know.
pub struct Facts {
    /// Where the changes would go: `demo (tenant exoset-demo-1 at host)`.
    pub target: String,
    pub edits: usize,
    pub busy: bool,
    pub drafts: bool,
}

/// The quit or reload question in a box over the body. (The send question
/// is drawn under the diff, the draft offer by [`super::draft`].)
pub fn draw(frame: &mut Frame, theme: &Theme, question: Question, facts: &Facts, body: Rect) {
    let n = facts.edits;
    let changes = format!(
        "{} to {}",
        crate::text::count(n, "unsent change"),
        facts.target
    );
    let (title, text, yes, no) = match question {
        Question::Quit if facts.busy => (
            " Quit? ",
            format!(
                "A send to {} is in flight: quitting now may leave it applied or not.",
                facts.target
            ),
            "quit",
            "stay",
        ),
        Question::Quit if facts.drafts => (
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
        Question::Reload => (
            " Reload? ",
            format!("Reload from the server and discard {changes}?"),
            "discard and reload",
            "keep editing",
        ),
        Question::Send | Question::RestoreDraft => return,
    };
    let width = 64u16;
    let text_lines = wrap_words(&text, usize::from(width - 2));
    let height = u16::try_from(text_lines.len()).unwrap_or(1) + 4;
    let mut lines: Vec<Line> = text_lines
        .into_iter()
        .map(|l| Line::styled(l, theme.warning))
        .collect();
    lines.push(Line::raw(""));
    lines.push(answer_line(theme, yes, no));
    let area = centered(body, width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(boxed(theme, title)), area);
}

/// `y yes  n/Esc no`.
pub fn answer_line<'a>(theme: &Theme, yes: &str, no: &str) -> Line<'a> {
    Line::from(vec![
        Span::styled("y", theme.key_cap),
        Span::raw(format!(" {yes}  ")),
        Span::styled("n", theme.key_cap),
        Span::raw("/"),
        Span::styled("Esc", theme.key_cap),
        Span::raw(format!(" {no}")),
    ])
}
