//! The characters no printer may let reach a terminal raw, written out as
//! literal ranges: the tests' own list, not `text::is_hostile` (the function
//! the printers use), so that a range dropped from the printers' function is
//! caught by the tests instead of being forgotten by both at once.
//!
//! One file for every test that judges output: `tests/it` uses it as
//! `support::controls`, and the crates' unit tests (`exoset-core`'s `text`,
//! the editor's tests) include it with `#[path]`.

#![allow(dead_code)]

/// Inclusive ranges.
pub const CONTROLS: &[(char, char)] = &[
    // C0: NUL … US (ESC among them).
    ('\u{0}', '\u{1f}'),
    // DEL.
    ('\u{7f}', '\u{7f}'),
    // C1: U+0080 … U+009F (CSI U+009B among them).
    ('\u{80}', '\u{9f}'),
    // The Arabic letter mark.
    ('\u{61c}', '\u{61c}'),
    // Left-to-right and right-to-left marks.
    ('\u{200e}', '\u{200f}'),
    // Embeddings and overrides: LRE, RLE, PDF, LRO, RLO.
    ('\u{202a}', '\u{202e}'),
    // Isolates: LRI, RLI, FSI, PDI.
    ('\u{2066}', '\u{2069}'),
];

/// `c` is on the list.
pub fn is_control(c: char) -> bool {
    CONTROLS.iter().any(|&(from, to)| (from..=to).contains(&c))
}

/// Every character on the list, in order.
pub fn all() -> impl Iterator<Item = char> {
    CONTROLS.iter().flat_map(|&(from, to)| from..=to)
}

/// Every character on the list, between `<` and `>`.
pub fn every_control() -> String {
    let mut s = String::from("<");
    s.extend(all());
    s.push('>');
    s
}

/// The listed characters in `text`, line breaks (the printer's own) aside,
/// named as `U+XXXX`: empty when `text` is clean.
pub fn raw_in(text: &str) -> Vec<String> {
    text.chars()
        .filter(|&c| is_control(c) && c != '\n')
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

#[cfg(test)]
mod the_list {
    #[test]
    fn holds_what_it_says() {
        let all: Vec<char> = super::all().collect();
        assert_eq!(all.len(), 32 + 1 + 32 + 1 + 2 + 5 + 4);
        for c in [
            '\u{1b}', '\u{7f}', '\u{9b}', '\u{61c}', '\u{202e}', '\u{2069}',
        ] {
            assert!(super::is_control(c), "{c:?}");
        }
        for c in [' ', '~', '\u{a0}', '\u{200d}', '\u{2070}', 'ग'] {
            assert!(!super::is_control(c), "{c:?}");
        }
    }
}
