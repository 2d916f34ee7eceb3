//! exoset's core: what the ExoBridge settings are and how a change to them is
//! made, with no I/O, no async and no terminal.
//!
//! - [`schema`]: the one table of all 43 settings (section, key, kind,
//!   default, limits, help, companions);
//! - [`settings`]: the settings document (values by [`schema::FieldId`],
//!   unknown keys kept, wire JSON in and out);
//! - [`validate`]: the checks by kind;
//! - [`changes`]: edits over a base, the change set, the companion rule, the
//!   PUT body, drift and verification;
//! - [`openapi`]: the OpenAPI document, generated from the table;
//! - [`text`]: every helper for text that reaches a terminal;
//! - [`exit`]: exit codes (one table) and the [`exit::Failure`] the faces report;
//! - [`outcome`]: the words for what became of a send, per tenant and per key.
//!
//! Reading settings, checking a value and building the body of a PUT:
//!
//! ```
//! use exoset_core::changes::{ChangeSet, Edits};
//! use exoset_core::schema::lookup_path;
//! use exoset_core::settings::Settings;
//! use exoset_core::validate;
//!
//! let base = Settings::from_json_text(r#"{"common": {"timezone": "IST"}}"#).unwrap();
//! let timezone = lookup_path("common.timezone").unwrap();
//! assert!(validate::check(timezone.setting().kind, "UTC").is_ok());
//! assert!(validate::check(timezone.setting().kind, "Mars/Olympus").is_err());
//!
//! let mut edits = Edits::default();
//! edits.set(&base, timezone, "UTC");
//! let change = ChangeSet::new(&base, &edits);
//! let body = change.body().unwrap().unwrap();
//! assert_eq!(body["common"]["timezone"], "UTC");
//! ```

pub mod changes;
pub mod exit;
pub mod openapi;
pub mod outcome;
pub mod schema;
pub mod secrets;
pub mod settings;
pub mod text;
pub mod validate;
