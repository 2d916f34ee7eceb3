//! Styles. Only the 16 basic ANSI colours, so a 16-colour terminal and tmux
//! over SSH show what we mean; with `NO_COLOR`, no colour at all — every
//! meaning is also carried by a marker character or a text attribute.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub text: Style,
    pub dim: Style,
    pub heading: Style,
    pub selected: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub title: Style,
    pub border: Style,
    pub key_cap: Style,
    pub changed: Style,
    pub invalid: Style,
    pub flagged: Style,
    pub error: Style,
    pub warning: Style,
    pub success: Style,
    pub info: Style,
    pub input: Style,
    pub cursor: Style,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);
        let dim = plain.add_modifier(Modifier::DIM);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        if !color {
            return Theme {
                color,
                text: plain,
                dim,
                heading: bold.add_modifier(Modifier::UNDERLINED),
                selected: reversed,
                tab: plain,
                tab_active: reversed.add_modifier(Modifier::BOLD),
                title: bold,
                border: plain,
                key_cap: bold,
                changed: bold,
                invalid: bold,
                flagged: bold,
                error: bold,
                warning: bold,
                success: plain,
                info: plain,
                input: plain.add_modifier(Modifier::UNDERLINED),
                cursor: reversed,
            };
        }
        Theme {
            color,
            text: plain,
            dim: plain.fg(Color::DarkGray),
            heading: bold.fg(Color::Cyan),
            selected: plain.fg(Color::Black).bg(Color::Cyan),
            tab: plain,
            tab_active: bold.fg(Color::Black).bg(Color::Cyan),
            title: bold.fg(Color::Cyan),
            border: plain.fg(Color::DarkGray),
            key_cap: bold.fg(Color::Cyan),
            changed: bold.fg(Color::Yellow),
            invalid: bold.fg(Color::Red),
            flagged: bold.fg(Color::Magenta),
            error: bold.fg(Color::Red),
            warning: bold.fg(Color::Yellow),
            success: plain.fg(Color::Green),
            info: plain,
            input: plain.fg(Color::White).bg(Color::Blue),
            cursor: reversed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colours(style: Style) -> Vec<Color> {
        [style.fg, style.bg, style.underline_color]
            .into_iter()
            .flatten()
            .collect()
    }

    fn all(theme: &Theme) -> Vec<Style> {
        vec![
            theme.text,
            theme.dim,
            theme.heading,
            theme.selected,
            theme.tab,
            theme.tab_active,
            theme.title,
            theme.border,
            theme.key_cap,
            theme.changed,
            theme.invalid,
            theme.flagged,
            theme.error,
            theme.warning,
            theme.success,
            theme.info,
            theme.input,
            theme.cursor,
        ]
    }

    #[test]
    fn no_color_theme_sets_no_colour_at_all() {
        for style in all(&Theme::new(false)) {
            assert!(colours(style).is_empty(), "{style:?}");
        }
    }

    #[test]
    fn colour_theme_uses_only_the_16_basic_colours() {
        for style in all(&Theme::new(true)) {
            for c in colours(style) {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{c:?} is not one of the 16 basic colours"
                );
            }
        }
    }
}
