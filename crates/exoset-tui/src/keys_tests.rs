//! The bindings table's own checks: no clashes, a way out of every mode,
//! help and key bar generated from it.
use super::*;

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn no_key_means_two_things_in_one_mode() {
    for &mode in Mode::ALL {
        let bindings: Vec<_> = for_mode(mode).collect();
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                for k in a.keys {
                    assert!(
                        !b.keys.contains(k),
                        "{} is bound twice in {mode:?}",
                        k.label()
                    );
                }
            }
        }
    }
}

#[test]
fn every_mode_has_a_way_out() {
    for &mode in Mode::ALL {
        let out = for_mode(mode).any(|b| {
            matches!(
                b.command,
                C::Quit | C::Close | C::No | C::Discard | C::FilterClear | C::FilterDone
            )
        });
        assert!(out, "{mode:?} has no key to leave it");
    }
}

#[test]
fn ctrl_s_matches_whatever_case_the_terminal_sends() {
    let upper = press(
        KeyCode::Char('S'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    let lower = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(lookup(Mode::Browse, &upper), Some(C::Submit));
    assert_eq!(lookup(Mode::Browse, &lower), Some(C::Submit));
}

#[test]
fn shifted_characters_and_shift_tab_match() {
    let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(lookup(Mode::Browse, &big_g), Some(C::Last));
    let back = press(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(lookup(Mode::Browse, &back), Some(C::PrevTab));
    let tab_shift = press(KeyCode::Tab, KeyModifiers::SHIFT);
    assert_eq!(lookup(Mode::Browse, &tab_shift), Some(C::PrevTab));
}

#[test]
fn typing_letters_in_a_text_edit_is_not_a_command() {
    for c in ['q', 'j', 'k', 's', 'y', 'n', '?', '/', 'e', ' '] {
        let event = press(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(lookup(Mode::EditText, &event), None, "{c}");
        assert_eq!(lookup(Mode::EditLines, &event), None, "{c}");
        assert_eq!(lookup(Mode::Filter, &event), None, "{c}");
    }
}

#[test]
fn releases_are_ignored() {
    let mut event = press(KeyCode::Char('q'), KeyModifiers::NONE);
    event.kind = KeyEventKind::Release;
    assert_eq!(lookup(Mode::Browse, &event), None);
}

#[test]
fn labels_read_like_keys() {
    assert_eq!(ctrl('s').label(), "Ctrl-S");
    assert_eq!(key(KeyCode::BackTab).label(), "Shift-Tab");
    assert_eq!(ch(' ').label(), "Space");
    assert_eq!(alt(KeyCode::Enter).label(), "Alt-Enter");
}

#[test]
fn the_help_lists_every_binding_under_each_of_its_modes_or_once_if_global() {
    let lines = help_lines();
    for b in BINDINGS {
        let n = lines
            .iter()
            .filter(|(_, keys, help)| *keys == b.keys_label() && *help == b.help)
            .count();
        let want = if b.modes.len() == Mode::ALL.len() {
            1
        } else {
            b.modes.len()
        };
        assert_eq!(n, want, "{}", b.help);
    }
}
