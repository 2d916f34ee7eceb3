//! `exoset fields`: the schema as a table, JSON, or an OpenAPI document.

use super::Failure;
use crate::schema::{SETTINGS, Setting};
use serde_json::json;
use std::io::Write;

pub fn run(as_json: bool, openapi: bool) -> Result<(), Failure> {
    let text = if openapi {
        crate::openapi::to_pretty_json()
    } else if as_json {
        to_json()
    } else {
        to_table()
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`exoset fields | head`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

fn to_json() -> String {
    let rows: Vec<_> = SETTINGS.iter().map(setting_json).collect();
    let mut text = serde_json::to_string_pretty(&rows).unwrap_or_default();
    text.push('\n');
    text
}

fn setting_json(s: &Setting) -> serde_json::Value {
    json!({
        "section": s.section.key(),
        "key": s.key,
        "path": format!("{}.{}", s.section.key(), s.key),
        "label": s.label,
        "kind": s.kind,
        "wire_type": if s.kind.is_int() { "int" } else { "string" },
        "default": s.default,
        "allowed": s.kind.allowed(),
        "help": s.help,
        "event": s.event.map(|(i, part)| json!({
            "name": crate::schema::EVENTS[i].name,
            "part": part,
        })),
    })
}

fn to_table() -> String {
    let header = ["SECTION", "KEY", "TYPE", "DEFAULT", "ALLOWED"];
    let rows: Vec<Vec<String>> = SETTINGS
        .iter()
        .map(|s| {
            vec![
                s.section.key().to_string(),
                s.key.to_string(),
                s.kind.name().to_string(),
                s.default.unwrap_or("-").to_string(),
                s.kind.allowed(),
            ]
        })
        .collect();
    crate::text::table(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_a_header_and_one_line_per_setting() {
        let table = to_table();
        assert_eq!(table.lines().count(), 1 + 43);
        assert!(table.contains("common    deletion_time"));
    }

    #[test]
    fn json_lists_all_43_with_kind_and_default() {
        let rows: Vec<serde_json::Value> = serde_json::from_str(&to_json()).unwrap();
        assert_eq!(rows.len(), 43);
        let deletion = rows.iter().find(|r| r["key"] == "deletion_time").unwrap();
        assert_eq!(deletion["kind"]["type"], "int");
        assert_eq!(deletion["kind"]["max"], 86400);
        assert_eq!(deletion["default"], "0");
    }
}
