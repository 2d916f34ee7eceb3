//! The headers of an event (`*_event_headers`): a pick of `content_type`,
//! keeping the other headers, with raw JSON as the way out for anything else.

use super::pick::{Pick, PickTarget};
use crate::schema::{CONTENT_TYPES, FieldId};
use crate::validate;
use serde_json::Value;

pub const RAW_JSON_OPTION: &str = "raw JSON…";

/// The pick for `id`'s `content_type`, on the one its headers hold now.
pub fn pick(id: FieldId, now: Option<&str>) -> Pick {
    let current = now
        .and_then(|t| validate::parse_headers(t).ok())
        .and_then(|map| {
            let ct = map.get("content_type")?.as_str()?.to_string();
            CONTENT_TYPES.iter().position(|c| *c == ct)
        });
    let mut options: Vec<String> = CONTENT_TYPES.iter().map(|c| c.to_string()).collect();
    options.push(RAW_JSON_OPTION.to_string());
    Pick {
        target: PickTarget::ContentType(id),
        options,
        cursor: current.unwrap_or(0),
        current,
    }
}

/// The headers `now` with `content_type` set to `chosen`, other headers kept.
pub fn with_content_type(now: Option<&str>, chosen: String) -> Value {
    let mut map = now
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    map.insert("content_type".to_string(), Value::String(chosen));
    Value::Object(map)
}
