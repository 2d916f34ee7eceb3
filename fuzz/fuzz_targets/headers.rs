//! `*_event_headers`: any text; what is accepted has an allowed content_type.

#![no_main]

use exoset_core::schema::CONTENT_TYPES;
use exoset_core::validate::parse_headers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_headers(text) {
        Ok(map) => {
            let ct = map.get("content_type").and_then(|v| v.as_str());
            assert!(ct.is_some_and(|ct| CONTENT_TYPES.contains(&ct)));
        }
        Err(message) => assert!(!message.trim().is_empty()),
    }
});
