//! Text helpers every face shares: making text exoset did not write safe for a
//! terminal, and cutting, padding and counting by display width.
//!
//! Everything printed that came from outside — a server's message, a request
//! id, a key name, a value, a file — goes through [`safe`] (or [`json_safe`]
//! for JSON output), so no control sequence reaches the person's terminal raw.
//! Every printable character of every script is left alone: Devanagari, Tamil,
//! CJK and emoji are shown as themselves, measured by [`width`], and never cut
//! inside a grapheme cluster.

use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Whether `c` must not reach a terminal raw: C0 controls, DEL, C1 controls,
/// and the bidirectional controls that can make text read other than it is
/// (the marks U+061C, U+200E and U+200F, the embeddings and overrides
/// U+202A–E, the isolates U+2066–9).
pub fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// Outside text, safe for a terminal: every hostile character is written
/// visibly as `\u{…}` (tab and newline as `\t` and `\n`), everything else is
/// left as it is. A backslash is left alone: the escapes are for reading, not
/// for parsing back.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_hostile(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`safe`], but newlines are kept as line breaks (for multi-line
/// messages the person should read as lines); every other hostile character
/// is escaped.
pub fn safe_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| safe(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// JSON text with every hostile character written as `\uXXXX`: still valid
/// JSON that parses to the same value, but safe to print to a terminal.
/// serde_json already escapes C0; this adds DEL, C1 and the bidi controls.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| is_hostile(c) && !c.is_ascii_control()) && !json.contains('\u{7f}') {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        // Raw C0 cannot occur inside a JSON string from serde_json; newlines
        // between tokens (pretty printing) are layout and stay.
        if is_hostile(c) && !matches!(c, '\n' | '\t' | '\r' | ' ') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Pretty JSON of `value`, safe for a terminal, ending in a newline.
pub fn json_pretty(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut text = json_safe(&text).into_owned();
    text.push('\n');
    text
}

/// Compact JSON on one line, with `", "` and `": "` between parts, safe for a
/// terminal.
pub fn json_line(value: &serde_json::Value) -> String {
    use serde_json::ser::{CompactFormatter, Formatter};
    use std::io::Write;
    struct Spaced;
    impl Formatter for Spaced {
        fn begin_array_value<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_key<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
            CompactFormatter.begin_object_value(w)?;
            w.write_all(b" ")
        }
    }
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, Spaced);
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return value.to_string();
    }
    json_safe(&String::from_utf8_lossy(&bytes)).into_owned()
}

/// Display width in terminal columns (East Asian wide characters count two,
/// combining marks none), as ratatui measures it.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest prefix of `text` at most `max` columns wide, cut only between
/// grapheme clusters.
pub fn take_width(text: &str, max: usize) -> &str {
    let mut used = 0;
    let mut end = 0;
    for (at, grapheme) in text.grapheme_indices(true) {
        let w = width(grapheme);
        if used + w > max {
            break;
        }
        used += w;
        end = at + grapheme.len();
    }
    &text[..end]
}

/// `text` cut to `max` columns, ending in `…` when something was left out.
pub fn fit(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    format!("{}…", take_width(text, max - 1))
}

/// `text` cut to `max` columns keeping the end (`…` first): for ids whose
/// distinguishing part is at the end.
pub fn fit_end(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let graphemes: Vec<&str> = text.graphemes(true).collect();
    let mut used = 0;
    let mut start = graphemes.len();
    while start > 0 {
        let w = width(graphemes[start - 1]);
        if used + w > max - 1 {
            break;
        }
        used += w;
        start -= 1;
    }
    format!("…{}", graphemes[start..].concat())
}

/// Where texts that differ part: the byte length of the grapheme clusters
/// they all begin with (`None` when they do not differ).
pub fn parting(texts: &[&str]) -> Option<usize> {
    let first = texts.first()?;
    if texts.iter().all(|t| t == first) {
        return None;
    }
    let mut at = 0;
    for grapheme in first.graphemes(true) {
        let end = at + grapheme.len();
        if !texts.iter().all(|t| t.get(at..end) == Some(grapheme)) {
            break;
        }
        at = end;
    }
    Some(at)
}

/// `text` cut to `max` columns so that what starts at byte `at` stays in
/// view: the head when the parting point is near it, else `…` and the text
/// from a little before `at`. For values that differ only past the width of
/// a cell (`https://hooks.example.com/…/a` and `…/b`).
pub fn fit_showing(text: &str, at: usize, max: usize) -> String {
    /// Columns kept before the parting point, to read it in context.
    const BEFORE: usize = 6;
    if width(text) <= max {
        return text.to_string();
    }
    // Never more than a third of the room.
    let before = BEFORE.min(max / 3);
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    if width(&text[..at]) + before < max.saturating_sub(1) {
        return fit(text, max);
    }
    // Back from the parting point by `before` columns, on a cluster
    // boundary.
    let mut start = at;
    for (i, _) in text[..at].grapheme_indices(true).rev() {
        if width(&text[i..at]) > before {
            break;
        }
        start = i;
    }
    let tail = &text[start..];
    if width(tail) < max {
        return fit_end(text, max);
    }
    format!("…{}", fit(tail, max.saturating_sub(1)))
}

/// `text` cut to `max` columns in the middle (`…` there), keeping its head
/// and its tail, the tail getting the odd column: values that share a long
/// start and differ at the end (`https://hooks.example.com/…/call-a` and
/// `…/call-b`) stay told apart. Measured by display width, cut only between
/// grapheme clusters; the text is not made safe here.
pub fn elide_middle(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let room = max - 1;
    let head = take_width(text, room / 2);
    let tail_room = room - width(head);
    let graphemes: Vec<&str> = text[head.len()..].graphemes(true).collect();
    let mut used = 0;
    let mut start = graphemes.len();
    while start > 0 {
        let w = width(graphemes[start - 1]);
        if used + w > tail_room {
            break;
        }
        used += w;
        start -= 1;
    }
    format!("{head}…{}", graphemes[start..].concat())
}

/// `text` padded with spaces to `columns` display columns (never cut).
pub fn pad(text: &str, columns: usize) -> String {
    let w = width(text);
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

/// Whitespace squeezed to single spaces, hostile characters escaped, cut to
/// `max` columns: one line of outside text for a message.
pub fn one_line(text: &str, max: usize) -> String {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    fit(&safe(&squeezed), max)
}

/// Words wrapped to lines of at most `columns` columns, breaking inside a
/// word only when the word alone is wider than a line.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let sep = usize::from(!line.is_empty());
            if width(&line) + sep + width(word) <= columns {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word;
            while width(rest) > columns {
                let head = take_width(rest, columns);
                let head = if head.is_empty() {
                    // One grapheme wider than the line: put it alone.
                    rest.graphemes(true).next().unwrap_or(rest)
                } else {
                    head
                };
                lines.push(head.to_string());
                rest = &rest[head.len()..];
            }
            line.push_str(rest);
        }
        lines.push(line);
    }
    lines
}

/// `"1 change"`, `"2 changes"`: a count and a noun that agrees with it.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// The noun in the form that agrees with `n` (English: add `s`, or `es` after
/// s/x/ch/sh; "entry" → "entries").
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    if let Some(stem) = noun.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if noun.ends_with('s') || noun.ends_with('x') || noun.ends_with("ch") || noun.ends_with("sh") {
        return format!("{noun}es");
    }
    format!("{noun}s")
}

/// Columns padded by display width, two spaces apart; the last one is not
/// padded. Cells must already be safe for a terminal.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&pad(cell, widths[i]));
                text.push_str("  ");
            }
        }
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

/// The tests' own list of control characters (not `is_hostile`).
#[cfg(test)]
#[path = "../../../tests/it/support/controls.rs"]
mod controls;

#[cfg(test)]
mod tests {
    use super::controls::is_control;
    use super::*;

    #[test]
    fn elide_middle_keeps_the_end_where_long_urls_differ() {
        let a = "https://hooks.example.com/exobridge/greenvn/call-complete-a";
        let b = "https://hooks.example.com/exobridge/greenvn/call-complete-b";
        let (ea, eb) = (elide_middle(a, 30), elide_middle(b, 30));
        assert_eq!(ea, "https://hooks.…call-complete-a");
        assert_eq!(width(&ea), 30);
        assert_ne!(ea, eb);
        assert_eq!(elide_middle("short", 30), "short");
        assert_eq!(elide_middle("abcdef", 1), "…");
        assert_eq!(elide_middle("abcdef", 0), "");
        assert_eq!(elide_middle("abcdef", 4), "a…ef");
    }

    #[test]
    fn elide_middle_never_splits_a_wide_or_combined_character() {
        let text = "नमस्ते दुनिया 世界世界世界 end";
        for max in 0..width(text) + 2 {
            let cut = elide_middle(text, max);
            assert!(width(&cut) <= max, "{max}: {cut}");
            for g in cut.graphemes(true).filter(|g| *g != "…") {
                assert!(text.contains(g), "{max}: {g:?} is not one of the text's");
            }
        }
    }

    /// Every character on the tests' own list, between printable text.
    pub fn every_control() -> String {
        let mut s = String::from("a");
        s.extend(super::controls::all());
        s.push('z');
        s
    }

    #[test]
    fn safe_escapes_every_control_and_keeps_every_script() {
        let out = safe(&every_control()).into_owned();
        assert!(!out.chars().any(is_control), "{out:?}");
        assert!(out.starts_with('a') && out.ends_with('z'));
        assert!(out.contains("\\u{1b}") && out.contains("\\u{9b}") && out.contains("\\u{202e}"));
        // The Arabic letter mark, a bidi control outside the U+2000 block.
        assert_eq!(safe("a\u{61c}b"), "a\\u{61c}b");
        for script in ["ग्राहक", "வாடிக்கையாளர்", "顧客", "🙂👍🏽", "café"]
        {
            assert_eq!(safe(script), script);
        }
    }

    #[test]
    fn json_safe_stays_json_of_the_same_value() {
        let value = serde_json::json!({ "m": every_control(), "tag": "ग्राहक" });
        let text = json_pretty(&value);
        assert!(!text.chars().any(|c| is_control(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert!(text.contains("ग्राहक"));
    }

    #[test]
    fn width_counts_columns_not_chars() {
        // The virama joins, the spacing vowel sign takes a column: as ratatui counts.
        assert_eq!(width("ग्राहक"), 5);
        assert_eq!(width("顧客"), 4);
        assert_eq!(width("abc"), 3);
    }

    #[test]
    fn cutting_never_splits_a_grapheme() {
        // "ग्रा" is one cluster-ish run: the cut must land on a boundary.
        let text = "ग्राहक";
        for max in 0..6 {
            let cut = take_width(text, max);
            assert!(width(cut) <= max);
            assert!(text.starts_with(cut));
            assert!(
                cut.is_empty()
                    || text.grapheme_indices(true).any(|(i, _)| i == cut.len())
                    || cut.len() == text.len()
            );
        }
        assert_eq!(fit("顧客顧客", 5), "顧客…");
        assert_eq!(fit_end("r-1234-abcd", 6), "…-abcd");
        assert_eq!(pad("顧", 4), "顧  ");
    }

    #[test]
    fn wrap_breaks_at_words() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn plural_agrees_with_the_count() {
        assert_eq!(count(1, "change"), "1 change");
        assert_eq!(count(2, "change"), "2 changes");
        assert_eq!(count(3, "entry"), "3 entries");
        assert_eq!(count(0, "key"), "0 keys");
        assert_eq!(count(2, "match"), "2 matches");
    }

    #[test]
    fn tables_pad_by_display_width() {
        let text = table(
            &["A", "B"],
            &[
                vec!["顧客".to_string(), "x".to_string()],
                vec!["ab".to_string(), "y".to_string()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "A     B");
        assert_eq!(lines[1], "顧客  x");
        assert_eq!(lines[2], "ab    y");
    }

    #[test]
    fn values_that_differ_past_a_cell_stay_told_apart() {
        let a = "https://hooks.example.com/exobridge/greenvn/callback/alpha";
        let b = "https://hooks.example.com/exobridge/greenvn/callback/beta";
        let at = parting(&[a, b]).unwrap();
        assert_eq!(
            &a[..at],
            "https://hooks.example.com/exobridge/greenvn/callback/"
        );
        let (fa, fb) = (fit_showing(a, at, 24), fit_showing(b, at, 24));
        assert!(width(&fa) <= 24 && width(&fb) <= 24, "{fa} {fb}");
        assert!(fa.contains("alpha") && fb.contains("beta"), "{fa} | {fb}");
        // Parting near the start: the head is what tells them apart.
        let (c, d) = (
            "ab-0123456789012345678901234567890",
            "ax-0123456789012345678901234567890",
        );
        let at = parting(&[c, d]).unwrap();
        assert_eq!(fit_showing(c, at, 10), fit(c, 10));
        // Short enough: whole.
        assert_eq!(fit_showing("short", 2, 10), "short");
        assert_eq!(parting(&["same", "same"]), None);
    }

    #[test]
    fn parting_never_splits_a_devanagari_cluster() {
        // "कि" and "का" share the consonant but not the cluster.
        let a = "नमस्ते दुनिया किताब";
        let b = "नमस्ते दुनिया काला";
        let at = parting(&[a, b]).unwrap();
        assert!(a.is_char_boundary(at) && b.is_char_boundary(at));
        assert_eq!(&a[..at], "नमस्ते दुनिया ");
        let shown = fit_showing(a, at, 8);
        assert!(width(&shown) <= 8, "{shown}");
        assert!(shown.contains("कि"), "{shown}");
    }
}
