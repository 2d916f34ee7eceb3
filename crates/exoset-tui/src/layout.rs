//! Where things go on the screen. Shared by the view (to draw) and by
//! `update` (to keep the selection in sight and to map mouse clicks).

use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_WIDTH: u16 = 80;
/// 80×24 inside tmux or screen with a status line is 80×23, and 80×22
/// with two: those fit, with a shorter detail pane.
pub const MIN_HEIGHT: u16 = 22;

/// The most lines the status area takes (an error with its request id wraps).
pub const MAX_STATUS_LINES: u16 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub tabs: Rect,
    pub filter: Option<Rect>,
    pub list: Rect,
    pub detail: Rect,
    pub status: Rect,
    pub keys: Rect,
    /// Filter, list and detail together: where overlays sit.
    pub body: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Lines `texts` take when wrapped at `width`.
pub fn wrapped_lines<'a>(texts: impl Iterator<Item = &'a str>, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    texts
        .map(|t| crate::text::width(t).div_ceil(width).max(1))
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}

pub fn areas(area: Rect, filter_shown: bool, status_lines: u16) -> Areas {
    let status_lines = status_lines.clamp(1, MAX_STATUS_LINES);
    // Compact below 24 rows: the detail pane gives up the rows, the list
    // keeps its 13.
    let detail_height = match area.height {
        36.. => 11,
        24.. => 8,
        h => 8u16.saturating_sub(24 - h),
    };
    let [tabs, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(status_lines),
        Constraint::Length(1),
    ])
    .areas(area);
    let [filter, list, detail] = Layout::vertical([
        Constraint::Length(u16::from(filter_shown)),
        Constraint::Fill(1),
        Constraint::Length(detail_height),
    ])
    .areas(body);
    Areas {
        tabs,
        filter: filter_shown.then_some(filter),
        list,
        detail,
        status,
        keys,
        body,
    }
}

/// A box centred in `area`, at most `width` × `height`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Column widths of a settings row: markers, label, key, value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub markers: u16,
    pub label: u16,
    pub key: u16,
    pub value: u16,
}

pub const LABEL_WIDTH: u16 = 22;
const LONGEST_KEY: u16 = 45;

pub fn columns(width: u16) -> Columns {
    let markers = 4;
    // One space after the label and one after the key.
    let rest = width.saturating_sub(markers + LABEL_WIDTH + 2);
    let key = rest.saturating_sub(28).min(rest / 2).clamp(12, LONGEST_KEY);
    Columns {
        markers,
        label: LABEL_WIDTH,
        key,
        value: rest.saturating_sub(key),
    }
}

impl Columns {
    /// Where the value column starts, relative to the row.
    pub fn value_x(self) -> u16 {
        self.markers + self.label + 1 + self.key + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_80_columns_the_value_keeps_room_and_at_120_keys_are_whole() {
        let narrow = columns(80);
        assert!(narrow.value >= 25, "{narrow:?}");
        assert_eq!(narrow.value_x() + narrow.value, 80);
        assert_eq!(columns(120).key, LONGEST_KEY);
    }

    #[test]
    fn the_list_gets_most_of_an_80_by_24_screen() {
        let a = areas(Rect::new(0, 0, 80, 24), false, 1);
        assert_eq!(a.list.height, 13);
        assert_eq!(a.keys.y, 23);
        let filtered = areas(Rect::new(0, 0, 80, 24), true, 1);
        assert_eq!(filtered.list.height, 12);
    }

    #[test]
    fn at_80_by_23_and_22_the_list_keeps_its_rows_and_the_detail_shrinks() {
        for (height, detail) in [(23, 7), (22, 6)] {
            let a = areas(Rect::new(0, 0, 80, height), false, 1);
            assert_eq!(a.list.height, 13, "{height}");
            assert_eq!(a.detail.height, detail, "{height}");
            assert_eq!(a.keys.y, height - 1);
            assert!(!too_small(Rect::new(0, 0, 80, height)));
        }
        assert!(too_small(Rect::new(0, 0, 80, 21)));
    }
}
