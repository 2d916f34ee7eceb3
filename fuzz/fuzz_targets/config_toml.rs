//! The config file: any text; an error names the file and a line inside it.

#![no_main]

use exoset_engine::config::{Config, check_profile_name};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, Path::new("/x/config.toml")) {
        Ok(config) => assert!(
            config
                .profiles
                .keys()
                .all(|n| check_profile_name(n).is_ok())
        ),
        Err(err) => {
            assert!(!err.message.trim().is_empty(), "{text:?}");
            if let Some(line) = err.line {
                assert!(line >= 1 && line <= text.split('\n').count(), "line {line}");
            }
        }
    }
});
