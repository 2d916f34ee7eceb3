//! `assets/openapi.json` is the output of `exoset fields --openapi`, kept in
//! step with `src/schema.rs`. CI also checks it with third-party tools
//! (`scripts/check-openapi.sh`).

use std::process::Command;

const ASSET: &str = include_str!("../../assets/openapi.json");
const REGENERATE: &str = "assets/openapi.json is stale: regenerate it with \
    `cargo run -- fields --openapi > assets/openapi.json` and commit it";

#[test]
fn the_shipped_document_is_what_the_generator_prints() {
    let generated = exoset_core::openapi::to_pretty_json();
    assert!(generated == ASSET, "{REGENERATE}");
}

#[test]
fn fields_openapi_prints_the_shipped_document_byte_for_byte() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["fields", "--openapi"])
        .env("EXOSET_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == ASSET.as_bytes(), "{REGENERATE}");
}

#[test]
fn the_shipped_document_is_json_describing_get_and_put() {
    let doc: serde_json::Value = serde_json::from_str(ASSET).unwrap();
    let item = &doc["paths"]["/v1/tenants/{tenant_sid}/settings"];
    assert!(item["get"].is_object() && item["put"].is_object());
    assert!(item["post"].is_null());
}

#[test]
fn fields_refuses_json_and_openapi_together() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["fields", "--json", "--openapi"])
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
