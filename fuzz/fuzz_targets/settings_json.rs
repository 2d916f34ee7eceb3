//! Answers' `data` and desired-state files: any text read as settings, then
//! written, read again, and turned into a change set against nothing.

#![no_main]

use exoset_core::changes::{ChangeSet, Edits};
use exoset_core::settings::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = match Settings::from_json_text(text) {
        Ok(settings) => settings,
        Err(err) => {
            assert!(!err.0.trim().is_empty());
            return;
        }
    };
    // Values and unknown keys survive a round trip (notes need not: see README).
    let again = Settings::from_json(&settings.to_json()).expect("to_json reads back");
    assert!(again.reported().eq(settings.reported()));
    assert_eq!(again.unknown(), settings.unknown());

    let base = Settings::default();
    if let Ok(edits) = Edits::from_desired(&base, &settings) {
        let cs = ChangeSet::new(&base, &edits);
        match cs.body() {
            Ok(Some(body)) => {
                let read = Settings::from_json(&body).expect("a PUT body reads back");
                assert!(read.notes().is_empty(), "{:?}", read.notes());
            }
            Ok(None) => assert!(cs.rows.is_empty()),
            Err(problems) => assert!(problems.iter().all(|p| !p.message.trim().is_empty())),
        }
    }
});
