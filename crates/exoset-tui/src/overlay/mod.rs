//! The overlays: each mode that sits over the list, in a file of its own
//! with its state, what its keys do and its drawing.
//!
//! An overlay never changes the [`Model`](super::model::Model) or the mode
//! itself: its `command` changes only its own state and returns an outcome,
//! which `app` carries out. So overlays import neither `app` nor `view`, and
//! neither imports the other through them.

pub mod confirm;
pub mod conflicts;
pub mod diff;
pub mod draft;
pub mod edit;
pub mod filter;
pub mod fleet;
pub mod headers;
pub mod help;
pub mod history;
pub mod multi_pick;
pub mod pick;
pub mod sms_form;
pub mod tenants;

use super::keys::Command;

/// Where a cursor in a list of `len` goes for a moving command.
pub fn move_in(len: usize, at: usize, command: Command, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match command {
        Command::Up => at.saturating_sub(1),
        Command::Down => (at + 1).min(last),
        Command::PageUp => at.saturating_sub(page),
        Command::PageDown => (at + page).min(last),
        Command::First => 0,
        Command::Last => last,
        _ => at,
    }
}

/// How many first lines an overlay of `lines` lines in a box `height` rows
/// high (borders included) can start at: one for each that leaves it full.
pub fn scroll_len(lines: usize, height: u16) -> usize {
    let visible = usize::from(height.saturating_sub(2));
    lines.saturating_sub(visible) + 1
}
