//! `sms_config`: any text; what is accepted is a JSON object of parties A and B.

#![no_main]

use exoset_core::validate::parse_sms_config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_sms_config(text) {
        Ok(map) => assert!(map.keys().all(|party| party == "A" || party == "B")),
        Err(message) => assert!(message.starts_with("sms_config"), "{message}"),
    }
});
