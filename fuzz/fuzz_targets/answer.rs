//! The server's answer: any bytes under a status chosen by the first byte.
//! A non-2xx must be a server error with that status; every error one line.

#![no_main]

use exoset_engine::api::client::{ApiError, check_answer};
use libfuzzer_sys::fuzz_target;

/// Statuses the first byte picks from: the real ones and the edges of 2xx.
const STATUSES: [u16; 16] = [
    200, 201, 204, 299, 300, 199, 0, 400, 401, 403, 404, 429, 500, 502, 504, 65535,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(pick) % STATUSES.len()];
    match check_answer(status, body) {
        Ok(_) => assert!((200..300).contains(&status), "Ok from HTTP {status}"),
        Err(err) => {
            let line = err.to_string();
            assert!(!line.trim().is_empty(), "empty message for {err:?}");
            assert!(!line.contains('\n'), "not one line: {line:?}");
            if !(200..300).contains(&status) {
                assert!(matches!(err, ApiError::Server { .. }) && err.status() == Some(status));
            }
        }
    }
});
