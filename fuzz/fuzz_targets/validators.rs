//! Every validator: the first byte picks the kind, the rest is the text.

#![no_main]

use exoset_core::schema::{Kind, SETTINGS};
use exoset_core::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut kinds: Vec<Kind> = Vec::new();
    for s in &SETTINGS {
        if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    kinds.push(Kind::Int {
        min: i64::MIN,
        max: i64::MAX,
    });
    let kind = kinds[usize::from(pick) % kinds.len()];
    if let Err(message) = validate::check(kind, text) {
        assert!(!message.trim().is_empty(), "{kind:?} {text:?}");
    }
    match validate::parse_duration(text) {
        Ok(Some(secs)) => assert!(secs > 0 && secs <= 170 * 86_400),
        Ok(None) => assert_eq!(text, "-1"),
        Err(message) => assert!(!message.is_empty()),
    }
    if let Ok(name) = validate::country_name(text) {
        assert!(!name.is_empty() && text.len() == 2);
    }
});
