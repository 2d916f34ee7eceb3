//! An OpenAPI 3 description of the settings API, derived from [`SETTINGS`].
//!
//! The vendor publishes none. [`document`] builds one from the schema table and
//! what `docs/api.md` says of the API: the GET and PUT of
//! `/v1/tenants/{tenant_sid}/settings`, every key with its wire type, allowed
//! values, default and help, the envelope of every answer and the published
//! error codes. `exoset fields --openapi` prints it;
//! `assets/openapi.json` is that output, checked by a test to be current.

use crate::schema::{
    CONTENT_TYPES, EVENTS, Kind, SETTINGS, SMS_STATUSES, Section, Setting, event_fields,
};
use serde_json::{Map, Value, json};

/// The OpenAPI version the document declares.
pub const OPENAPI_VERSION: &str = "3.0.3";
/// The vendor's base URL.
pub const SERVER: &str = "https://leadassist.exotel.in";
/// The templated path of both calls.
pub const SETTINGS_PATH: &str = "/v1/tenants/{tenant_sid}/settings";
/// What a tenant SID may look like in the path.
pub const TENANT_SID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";
/// `max_deallocation_time`: `<n><unit>` or `-1` (the 170-day cap is in words).
pub const DURATION_PATTERN: &str = "^(-1|[0-9]+[dhms])$";
/// An absolute http(s) URL (scheme in any case) with an authority, and no white
/// space or control characters. Not `format: uri`: non-ASCII text (an IRI) is
/// accepted as it is.
pub const URL_PATTERN: &str = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#\\u0000-\\u001F\\u007F-\\u009F]+([/?#][^\\s\\u0000-\\u001F\\u007F-\\u009F]*)?$";
/// No control characters, and at least one character that is not white space.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// The published ExoBridge error codes: code, HTTP status, meaning.
pub const ERROR_CODES: &[(i64, u16, &str)] = &[
    (0, 500, "internal error"),
    (3, 400, "mandatory parameters missing"),
    (5, 400, "bad or missing parameters"),
    (7, 401, "authentication missing or failed"),
    (8, 403, "not permitted"),
    (9, 400, "version header missing or unsupported"),
    (15, 403, "region code not supported"),
    (50, 422, "invalid call flow"),
];

/// The failure statuses documented for both calls, with what they mean.
const FAILURES: &[(u16, &str)] = &[
    (400, "Bad request"),
    (401, "Authentication missing or failed"),
    (403, "Not permitted"),
    (404, "No such resource"),
    (405, "Method not allowed (only GET and PUT)"),
    (413, "Request body too large"),
    (
        415,
        "Unsupported media type (send Content-Type: application/json)",
    ),
    (422, "Unprocessable: invalid call flow"),
    (
        429,
        "Too many requests: slow down (honour Retry-After when present); never a success",
    ),
    (500, "Internal error"),
];

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Exotel ExoBridge tenant settings API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The GreenVN / GreenPin settings of one ExoBridge tenant: read them \
                all (GET) or change some (PUT, a partial update). Exotel publishes no OpenAPI \
                document: this one is derived by exoset from the vendor's documentation page \
                for the update call (see docs/api.md in the exoset project), generated from \
                exoset's settings table by `exoset fields --openapi`. It is not published or \
                endorsed by Exotel; where it and the vendor's page differ, the page wins.",
        },
        "servers": [{ "url": SERVER, "description": "Exotel (default cluster)" }],
        "security": [{ "basicAuth": [] }],
        "tags": [{ "name": "settings", "description": "ExoBridge tenant settings" }],
        "paths": { SETTINGS_PATH: path_item() },
        "components": components(),
    })
}

/// The document as `exoset fields --openapi` prints it: pretty, newline-ended.
pub fn to_pretty_json() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

fn path_item() -> Value {
    json!({
        "parameters": [{
            "name": "tenant_sid",
            "in": "path",
            "required": true,
            "description": "The tenant's (account's) SID. Only the tenant the credentials \
                belong to may be read or changed (else 403, code 8).",
            "schema": { "type": "string", "pattern": TENANT_SID_PATTERN },
            "example": "exoset-demo",
        }],
        "get": {
            "operationId": "getSettings",
            "tags": ["settings"],
            "summary": "Read all settings",
            "description": "Retrieves all the settings of the tenant. The vendor publishes no \
                sample answer: expect the envelope of the PUT, with `data` holding every \
                reported setting. Sections or keys may be missing (a missing key means \
                \"not reported\", not \"empty\") and unknown keys may come back.",
            "responses": responses(),
        },
        "put": {
            "operationId": "updateSettings",
            "tags": ["settings"],
            "summary": "Change some settings (partial update)",
            "description": format!(
                "Any setting not in the body keeps its last saved value. The answer carries \
                 all settings, not only the changed ones. Values are checked all or nothing: \
                 one bad key refuses the whole body (400, code 5), and a body that sets \
                 nothing is refused too (400, code 3).\n\n{}",
                companion_rule()
            ),
            "requestBody": {
                "required": true,
                "content": {
                    "application/json": {
                        "schema": { "$ref": "#/components/schemas/SettingsBody" },
                    },
                },
            },
            "responses": responses(),
        },
    })
}

/// The rule JSON schema 3.0 cannot state well, in words.
fn companion_rule() -> String {
    let endpoints: Vec<String> = EVENTS
        .iter()
        .map(|e| format!("`{}.{}_event_endpoint`", e.section.key(), e.name))
        .collect();
    format!(
        "Companion rule (in the schema as an `allOf` of `anyOf`s per section): every `*_event_endpoint` in a body \
         must come with the same event's `*_event_method` and `*_event_headers`, with valid \
         values, in the same body; otherwise the body is refused (400, code 5). The \
         endpoints: {}.",
        endpoints.join(", ")
    )
}

fn responses() -> Value {
    let mut map = Map::new();
    map.insert(
        "200".into(),
        json!({
            "description": "Done: the envelope with every setting in `data`.",
            "content": {
                "application/json": {
                    "schema": { "$ref": "#/components/schemas/SuccessEnvelope" },
                },
            },
        }),
    );
    for &(status, what) in FAILURES {
        let codes: Vec<String> = ERROR_CODES
            .iter()
            .filter(|(_, http, _)| *http == status)
            .map(|(code, _, meaning)| format!("{code} ({meaning})"))
            .collect();
        let description = if codes.is_empty() {
            format!("{what}. No published error code: `code` may be null.")
        } else {
            format!("{what}. Published error codes: {}.", codes.join(", "))
        };
        map.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": {
                    "application/json": {
                        "schema": { "$ref": "#/components/schemas/FailureEnvelope" },
                    },
                },
            }),
        );
    }
    Value::Object(map)
}

fn components() -> Value {
    let error_table: Vec<String> = ERROR_CODES
        .iter()
        .map(|(code, status, meaning)| format!("{code} → HTTP {status}: {meaning}"))
        .collect();
    let mut schemas = Map::new();
    schemas.insert("SettingsBody".into(), settings_object(Use::Request));
    schemas.insert("SettingsData".into(), settings_object(Use::Answer));
    for section in Section::ALL {
        schemas.insert(
            format!("{}Body", section.title()),
            section_object(section, Use::Request),
        );
        schemas.insert(
            format!("{}Data", section.title()),
            section_object(section, Use::Answer),
        );
    }
    schemas.insert(
        "SuccessEnvelope".into(),
        json!({
            "type": "object",
            "description": "The envelope of a successful answer.",
            "required": ["request_id", "success", "status", "method", "data"],
            "properties": {
                "request_id": { "type": "string", "description": "The server's id of this request." },
                "success": { "type": "boolean", "enum": [true] },
                "status": { "type": "integer", "enum": [200], "description": "The HTTP status, repeated." },
                "code": { "type": "integer", "nullable": true, "description": "null on success." },
                "message": { "type": "string", "nullable": true, "description": "null on success." },
                "method": { "type": "string", "description": "The request's method, e.g. PUT." },
                "data": { "$ref": "#/components/schemas/SettingsData" },
            },
        }),
    );
    schemas.insert(
        "FailureEnvelope".into(),
        json!({
            "type": "object",
            "description": format!(
                "The envelope of a refused request: `success` false, the HTTP status in \
                 `status`, an error code in `code` when there is one and a human `message`. \
                 Published error codes: {}.",
                error_table.join("; ")
            ),
            "required": ["success", "status"],
            "properties": {
                "request_id": { "type": "string", "description": "The server's id of this request." },
                "success": { "type": "boolean", "enum": [false] },
                "status": { "type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status, repeated." },
                "code": { "type": "integer", "nullable": true, "description": "A published ExoBridge error code, or null." },
                "message": { "type": "string", "nullable": true, "description": "What went wrong, for a person." },
                "method": { "type": "string", "description": "The request's method." },
                "data": { "description": "null (or absent) on failure." },
            },
        }),
    );
    json!({
        "securitySchemes": {
            "basicAuth": {
                "type": "http",
                "scheme": "basic",
                "description": "HTTP Basic: `Authorization: Basic base64(<api_key>:<api_token>)`, \
                    the API key (or Account SID) and the API token. Missing or wrong: 401, \
                    code 7.",
            },
        },
        "schemas": Value::Object(schemas),
    })
}

/// Whether a schema describes a PUT body or the `data` of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Request,
    Answer,
}

fn settings_object(usage: Use) -> Value {
    let suffix = match usage {
        Use::Request => "Body",
        Use::Answer => "Data",
    };
    let mut properties = Map::new();
    for section in Section::ALL {
        properties.insert(
            section.key().into(),
            json!({ "$ref": format!("#/components/schemas/{}{suffix}", section.title()) }),
        );
    }
    let (description, extra) = match usage {
        Use::Request => (
            format!(
                "A PUT body: any of the three sections, each with any of its keys. Values are \
                 strings unless the key is an integer; booleans are the strings \"true\" and \
                 \"false\". {}",
                companion_rule()
            ),
            json!(false),
        ),
        Use::Answer => (
            "`data` of an answer: the sections with every reported setting. Any section or \
             key may be missing (not reported); unknown keys may come back."
                .to_string(),
            json!(true),
        ),
    };
    json!({
        "type": "object",
        "description": description,
        "properties": Value::Object(properties),
        "additionalProperties": extra,
    })
}

fn section_object(section: Section, usage: Use) -> Value {
    let mut properties = Map::new();
    for setting in SETTINGS.iter().filter(|s| s.section == section) {
        properties.insert(setting.key.into(), key_schema(setting, usage));
    }
    let description = match usage {
        Use::Request => format!(
            "The {} settings to change; every key optional, no others allowed.",
            section.title()
        ),
        Use::Answer => format!(
            "The {} settings as reported; every key optional, unknown keys kept.",
            section.title()
        ),
    };
    let mut schema = json!({
        "type": "object",
        "description": description,
        "properties": Value::Object(properties),
        "additionalProperties": usage == Use::Answer,
    });
    let rules = companion_schemas(section);
    if usage == Use::Request
        && !rules.is_empty()
        && let Value::Object(map) = &mut schema
    {
        map.insert("allOf".into(), Value::Array(rules));
    }
    schema
}

/// The companion rule of each event of `section` as plain JSON schema: either
/// the endpoint is absent, or endpoint, method and headers are all present.
fn companion_schemas(section: Section) -> Vec<Value> {
    (0..EVENTS.len())
        .filter(|&i| EVENTS[i].section == section)
        .map(|i| {
            let [endpoint, method, headers] = event_fields(i).map(|id| id.setting().key);
            json!({
                "anyOf": [
                    { "not": { "required": [endpoint] } },
                    { "required": [endpoint, method, headers] },
                ],
            })
        })
        .collect()
}

/// One key: wire type, allowed values, default, example and help.
fn key_schema(setting: &Setting, usage: Use) -> Value {
    let mut schema = value_schema(setting.kind);
    let mut description = format!("{} Allowed: {}.", setting.help, setting.kind.allowed());
    if let Some((event, part)) = setting.event {
        let [endpoint, method, headers] = event_fields(event);
        let fires = EVENTS[event].fires_when;
        description.push_str(&format!(" Event: fires when {fires}."));
        if part == crate::schema::EventPart::Endpoint {
            description.push_str(&format!(
                " A PUT that sends it must also send {} and {}.",
                method.setting().key,
                headers.setting().key
            ));
        } else {
            description.push_str(&format!(
                " Must be sent whenever {} is.",
                endpoint.setting().key
            ));
        }
    }
    if let Value::Object(map) = &mut schema {
        if let Some(default) = setting.default {
            map.insert("default".into(), wire_value(setting.kind, default));
        }
        if let Some(example) = example(setting) {
            map.insert("example".into(), example);
        }
        map.insert("description".into(), Value::String(description));
    }
    if setting.kind == Kind::Region && usage == Use::Answer {
        // Answers carry the region as a list (`["KA"]`); requests send a string.
        let mut one = schema.clone();
        if let Value::Object(map) = &mut one {
            map.remove("description");
            map.remove("default");
            map.remove("example");
        }
        return json!({
            "description": format!(
                "{} In answers a string or a list of strings (the documented answer has [\"KA\"]).",
                setting.help
            ),
            "anyOf": [one, { "type": "array", "items": one }],
        });
    }
    schema
}

/// The JSON schema of a value of `kind`, without default or description.
fn value_schema(kind: Kind) -> Value {
    match kind {
        Kind::BoolString => json!({ "type": "string", "enum": ["true", "false"] }),
        Kind::Int { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Enum { values } => json!({ "type": "string", "enum": values }),
        Kind::Text => json!({ "type": "string", "minLength": 1, "pattern": TEXT_PATTERN }),
        Kind::Url => json!({ "type": "string", "pattern": URL_PATTERN }),
        Kind::Duration => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        Kind::Country => {
            json!({ "type": "string", "pattern": "^[A-Z]{2}$", "minLength": 2, "maxLength": 2 })
        }
        Kind::Region => {
            json!({ "type": "string", "pattern": "^[A-Z0-9]{2,4}$", "minLength": 2, "maxLength": 4 })
        }
        Kind::Digits => json!({ "type": "string", "pattern": "^[0-9]+$", "minLength": 1 }),
        Kind::HeadersJson | Kind::SmsConfigJson => json!({ "type": "string", "minLength": 2 }),
    }
}

/// A default (stored as the text a person types) in its wire type.
fn wire_value(kind: Kind, text: &str) -> Value {
    match kind {
        Kind::Int { .. } => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        _ => Value::String(text.to_string()),
    }
}

/// An example for keys without a default: the shapes a person can copy.
fn example(setting: &Setting) -> Option<Value> {
    let text = match setting.kind {
        Kind::Url => "https://hooks.example.com/exobridge/event".to_string(),
        Kind::Enum { values } if setting.default.is_none() => values.last()?.to_string(),
        Kind::HeadersJson => format!("{{\"content_type\": \"{}\"}}", CONTENT_TYPES[1]),
        Kind::Digits => "123456".to_string(),
        Kind::SmsConfigJson => json!({
            "A": {
                "sms_enabled": "true",
                "on_status": SMS_STATUSES,
                "DltTemplateId": "1107160000000000001",
                "DltEntityId": "1101000000000000001",
                "sender_id": "EXODEM",
                "sms_body": "Sorry we missed you.",
            },
            "B": { "sms_enabled": "false" },
        })
        .to_string(),
        _ => return None,
    };
    Some(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    fn doc() -> Value {
        document()
    }

    #[test]
    fn declares_openapi_3_and_the_crate_version() {
        let doc = doc();
        assert_eq!(doc["openapi"], OPENAPI_VERSION);
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(
            doc["info"]["description"]
                .as_str()
                .unwrap()
                .contains("not published")
        );
        assert_eq!(doc["servers"][0]["url"], SERVER);
        assert_eq!(
            doc["components"]["securitySchemes"]["basicAuth"]["scheme"],
            "basic"
        );
    }

    #[test]
    fn the_settings_path_has_get_and_put_with_the_tenant_parameter() {
        let doc = doc();
        let item = &doc["paths"][SETTINGS_PATH];
        assert!(item["get"].is_object());
        assert!(item["put"].is_object());
        assert_eq!(item["parameters"][0]["name"], "tenant_sid");
        assert_eq!(
            item["parameters"][0]["schema"]["pattern"],
            TENANT_SID_PATTERN
        );
        for status in [
            "200", "400", "401", "403", "404", "405", "413", "415", "422", "429", "500",
        ] {
            assert!(item["put"]["responses"][status].is_object(), "{status}");
            assert!(item["get"]["responses"][status].is_object(), "{status}");
        }
        let bad = item["put"]["responses"]["400"]["description"]
            .as_str()
            .unwrap();
        assert!(bad.contains("3 (mandatory parameters missing)"), "{bad}");
        assert!(bad.contains("5 (bad or missing parameters)"), "{bad}");
        let put = item["put"]["description"].as_str().unwrap();
        assert!(put.contains("Companion rule"), "{put}");
    }

    #[test]
    fn every_setting_is_in_the_body_and_data_with_its_wire_type() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        for s in &SETTINGS {
            let title = s.section.title();
            let body = &schemas[format!("{title}Body")]["properties"][s.key];
            let data = &schemas[format!("{title}Data")]["properties"][s.key];
            assert!(body.is_object(), "{} missing from the body", s.key);
            assert!(data.is_object(), "{} missing from data", s.key);
            let wire = if s.kind.is_int() { "integer" } else { "string" };
            assert_eq!(body["type"], wire, "{}", s.key);
            assert_eq!(
                body["description"].as_str().map(|d| d.contains(s.help)),
                Some(true)
            );
            if let Some(default) = s.default {
                assert_eq!(body["default"], wire_value(s.kind, default), "{}", s.key);
                validate::check(s.kind, default).unwrap();
            }
        }
        for section in Section::ALL {
            let title = section.title();
            assert_eq!(
                schemas[format!("{title}Body")]["additionalProperties"],
                false
            );
            assert_eq!(
                schemas[format!("{title}Data")]["additionalProperties"],
                true
            );
        }
        assert_eq!(schemas["SettingsBody"]["additionalProperties"], false);
    }

    #[test]
    fn kinds_map_to_enums_ranges_and_patterns() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let common = &schemas["CommonBody"]["properties"];
        assert_eq!(common["intl_num_sup"]["enum"], json!(["true", "false"]));
        assert_eq!(common["timezone"]["enum"], json!(["IST", "UTC"]));
        assert_eq!(common["deletion_time"]["minimum"], 0);
        assert_eq!(common["deletion_time"]["maximum"], 86400);
        assert_eq!(common["deletion_time"]["default"], 0);
        assert_eq!(common["max_deallocation_time"]["pattern"], DURATION_PATTERN);
        assert_eq!(common["country"]["pattern"], "^[A-Z]{2}$");
        let greenpin = &schemas["GreenPinBody"]["properties"];
        assert_eq!(greenpin["aparty_pin_length"]["maximum"], 9);
        assert_eq!(
            greenpin["greenpin_call_complete_event_method"]["enum"],
            json!(["GET", "POST", "POST_XML", "POST_JSON"])
        );
        assert_eq!(
            schemas["GreenVNBody"]["properties"]["greencall_complete_event_endpoint"]["pattern"],
            URL_PATTERN
        );
        let region = &schemas["CommonData"]["properties"]["default_region"];
        assert_eq!(region["anyOf"][1]["type"], "array");
    }

    #[test]
    fn examples_pass_validation() {
        for s in &SETTINGS {
            if let Some(Value::String(text)) = example(s) {
                validate::check(s.kind, &text).unwrap_or_else(|e| panic!("{}: {e}", s.key));
            }
        }
    }
}
