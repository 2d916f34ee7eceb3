//! The simulator over real HTTP: what `docs/api.md` promises, answered as a client
//! sees it.

use exoset_core::schema::lookup_path;
use exoset_core::settings::Settings;
use exoset_sim::{
    DEMO_API_KEY, DEMO_API_TOKEN, DEMO_SID, Fault, MAX_BODY_BYTES, SimConfig, Simulator,
    demo_settings,
};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const SEED_BODY: &str = include_str!("../fixtures/seed/example-put-body.json");

async fn start() -> Simulator {
    start_with(SimConfig::demo()).await
}

async fn start_with(config: SimConfig) -> Simulator {
    Simulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    // reqwest is built without a TLS provider; plain HTTP still wants one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn settings_url(sim: &Simulator, sid: &str) -> String {
    format!("{}/v1/tenants/{sid}/settings", sim.base_url())
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(sim: &Simulator) -> Answer {
    send(
        client()
            .get(settings_url(sim, DEMO_SID))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN)),
    )
    .await
}

async fn put_text(sim: &Simulator, body: impl Into<String>) -> Answer {
    send(
        client()
            .put(settings_url(sim, DEMO_SID))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN))
            .header("content-type", "application/json")
            .body(body.into()),
    )
    .await
}

async fn put(sim: &Simulator, body: Value) -> Answer {
    put_text(sim, body.to_string()).await
}

/// A settings document as a 200 carries it: three sections, region as a list.
fn as_answered(doc: &Value) -> Value {
    let mut doc = doc.clone();
    for section in ["greenvn", "greenpin", "common"] {
        if doc.get(section).is_none() {
            doc[section] = json!({});
        }
    }
    if let Some(region) = doc["common"].get("default_region").cloned() {
        doc["common"]["default_region"] = json!([region]);
    }
    doc
}

fn assert_envelope(answer: &Answer, status: u16, code: Option<i64>, method: &str) {
    let body = &answer.body;
    assert_eq!(answer.status, status, "{body}");
    assert_eq!(body["status"], json!(status), "{body}");
    assert_eq!(body["success"], json!(status == 200), "{body}");
    assert_eq!(body["code"], json!(code), "{body}");
    assert_eq!(body["method"], json!(method), "{body}");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    if status == 200 {
        assert_eq!(body["message"], Value::Null, "{body}");
    } else {
        assert_eq!(body["data"], Value::Null, "{body}");
        assert!(!answer.message().is_empty(), "{body}");
    }
}

fn text_of(settings: &Settings, path: &str) -> Option<String> {
    settings.get(lookup_path(path).unwrap()).map(str::to_string)
}

#[tokio::test]
async fn get_answers_the_full_settings_with_default_region_as_a_list() {
    let sim = start().await;
    let answer = get(&sim).await;
    assert_envelope(&answer, 200, None, "GET");
    let data = &answer.body["data"];
    assert_eq!(data["common"]["default_region"], json!(["KA"]));
    assert_eq!(*data, as_answered(&demo_settings().to_json()));
    assert_eq!(data["greenpin"]["aparty_pin_length"], json!(4));
    assert_eq!(data["common"]["deletion_time"], json!(1800));
    // The demo account, like the seed's answer, does not report three events.
    assert!(data["greenpin"]["greenpin_call_complete_event_endpoint"].is_string());
    assert!(
        data["greenpin"]
            .get("greenpin_verified_caller_event_endpoint")
            .is_none()
    );
    assert_eq!(sim.get_count(), 1);
}

#[tokio::test]
async fn every_answer_has_its_own_request_id() {
    let sim = start().await;
    let a = get(&sim).await;
    let b = get(&sim).await;
    assert_ne!(a.body["request_id"], b.body["request_id"]);
}

#[tokio::test]
async fn put_merges_partially_and_answers_every_setting() {
    let sim = start().await;
    let body = json!({"common": {"timezone": "UTC", "deletion_time": 0}, "greenpin": {}});
    let answer = put(&sim, body.clone()).await;
    assert_envelope(&answer, 200, None, "PUT");

    let mut expected = demo_settings().to_json();
    expected["common"]["timezone"] = json!("UTC");
    expected["common"]["deletion_time"] = json!(0);
    assert_eq!(answer.body["data"], as_answered(&expected));
    assert_eq!(get(&sim).await.body["data"], as_answered(&expected));
    assert_eq!(sim.put_count(), 1);
    assert_eq!(sim.last_put_body(), Some(body));
}

#[tokio::test]
async fn put_of_an_unreported_event_with_its_companions_reports_it_afterwards() {
    let sim = start().await;
    let answer = put(
        &sim,
        json!({"greenpin": {
            "greenpin_verified_caller_event_endpoint": "https://hooks.example.com/v",
            "greenpin_verified_caller_event_method": "GET",
            "greenpin_verified_caller_event_headers": "{\"content_type\": \"json\"}",
        }}),
    )
    .await;
    assert_envelope(&answer, 200, None, "PUT");
    let greenpin = &answer.body["data"]["greenpin"];
    assert_eq!(
        greenpin["greenpin_verified_caller_event_endpoint"],
        json!("https://hooks.example.com/v")
    );
    assert_eq!(
        greenpin["greenpin_verified_caller_event_method"],
        json!("GET")
    );
    assert!(
        greenpin
            .get("greenpin_failed_verification_event_method")
            .is_none()
    );
}

#[tokio::test]
async fn requests_without_authorization_are_401_code_7() {
    let sim = start().await;
    let answer = send(client().get(settings_url(&sim, DEMO_SID))).await;
    assert_envelope(&answer, 401, Some(7), "GET");
    assert!(answer.message().contains("missing"), "{}", answer.body);
    assert!(answer.headers.contains_key("www-authenticate"));

    let put = send(
        client()
            .put(settings_url(&sim, DEMO_SID))
            .header("content-type", "application/json")
            .body(r#"{"common": {"timezone": "UTC"}}"#),
    )
    .await;
    assert_envelope(&put, 401, Some(7), "PUT");
    assert_eq!(sim.settings(), demo_settings());
}

#[tokio::test]
async fn a_wrong_token_or_key_is_401_code_7_and_never_echoed() {
    let sim = start().await;
    for (key, token) in [
        (DEMO_API_KEY, "not-the-token"),
        ("not-the-key", DEMO_API_TOKEN),
    ] {
        let answer = send(
            client()
                .get(settings_url(&sim, DEMO_SID))
                .basic_auth(key, Some(token)),
        )
        .await;
        assert_envelope(&answer, 401, Some(7), "GET");
        assert!(
            !answer.body.to_string().contains("not-the"),
            "{}",
            answer.body
        );
    }
}

#[tokio::test]
async fn malformed_basic_auth_like_the_seed_samples_is_401_code_7() {
    use base64::Engine;
    let sim = start().await;
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(format!("{DEMO_API_KEY}:{DEMO_API_TOKEN}"));
    let malformed = [
        format!("Basic{encoded}"),      // the Node sample: no space
        format!("Bearer {encoded}"),    // another scheme
        "Basic not*base64".to_string(), // not base64
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("no-colon")
        ),
    ];
    for header in malformed {
        let answer = send(
            client()
                .get(settings_url(&sim, DEMO_SID))
                .header("authorization", &header),
        )
        .await;
        assert_envelope(&answer, 401, Some(7), "GET");
    }
    // And the right form passes.
    let answer = send(
        client()
            .get(settings_url(&sim, DEMO_SID))
            .header("authorization", format!("Basic {encoded}")),
    )
    .await;
    assert_envelope(&answer, 200, None, "GET");
}

#[tokio::test]
async fn right_credentials_on_another_tenant_are_403_code_8() {
    let sim = start().await;
    let answer = send(
        client()
            .get(settings_url(&sim, "someone-else"))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN)),
    )
    .await;
    assert_envelope(&answer, 403, Some(8), "GET");
    assert!(answer.message().contains("someone-else"), "{}", answer.body);
}

#[tokio::test]
async fn other_methods_on_the_settings_path_are_405_with_the_envelope() {
    let sim = start().await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let answer = send(
            client()
                .request(method.clone(), settings_url(&sim, DEMO_SID))
                .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN)),
        )
        .await;
        assert_envelope(&answer, 405, None, method.as_str());
        assert_eq!(answer.headers["allow"], "GET, PUT");
    }
}

#[tokio::test]
async fn unknown_paths_are_404_with_the_envelope() {
    let sim = start().await;
    for path in [
        "/",
        "/v1/tenants/exoset-demo",
        "/v1/tenants/exoset-demo/settings/extra",
        "/v2/tenants/exoset-demo/settings",
    ] {
        let answer = send(
            client()
                .get(format!("{}{path}", sim.base_url()))
                .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN)),
        )
        .await;
        assert_envelope(&answer, 404, None, "GET");
    }
}

/// Each bad body: the keys and reasons its 400 must name.
fn refused_bodies() -> Vec<(&'static str, Value, Vec<&'static str>)> {
    vec![
        (
            "int out of range",
            json!({"common": {"deletion_time": 86401}}),
            vec!["common.deletion_time: must be from 0 to 86400; 86401 is out of range"],
        ),
        (
            "int sent as a string",
            json!({"greenpin": {"aparty_pin_length": "4"}}),
            vec![
                "greenpin.aparty_pin_length: must be a JSON integer",
                "the string \"4\"",
            ],
        ),
        (
            "int sent as a fraction",
            json!({"greenpin": {"common_pin_length": 4.5}}),
            vec!["greenpin.common_pin_length: must be a JSON integer"],
        ),
        (
            "bool-string sent as a JSON boolean",
            json!({"greenpin": {"aparty_pin_enabled": true}}),
            vec!["greenpin.aparty_pin_enabled: must be the string \"true\", not the JSON boolean"],
        ),
        (
            "bool-string with a wrong word",
            json!({"common": {"lcr_enabled": "yes"}}),
            vec!["common.lcr_enabled: must be \"true\" or \"false\""],
        ),
        (
            "default_region sent as a list",
            json!({"common": {"default_region": ["KA"]}}),
            vec!["common.default_region: must be a JSON string"],
        ),
        (
            "unknown key",
            json!({"greenvn": {"x": "1"}}),
            vec!["greenvn.x: unknown key"],
        ),
        (
            "key of another section",
            json!({"greenvn": {"timezone": "UTC"}}),
            vec!["greenvn.timezone: unknown key"],
        ),
        (
            "unknown section",
            json!({"greenzap": {"timezone": "UTC"}}),
            vec!["greenzap: unknown section"],
        ),
        (
            "section that is not an object",
            json!({"common": ["timezone"]}),
            vec!["common: must be a JSON object"],
        ),
        (
            "endpoint without its method and headers",
            json!({"greenvn": {"greencall_complete_event_endpoint": "https://hooks.example.com/c"}}),
            vec![
                "greenvn.greencall_complete_event_method: missing; it must be sent with \
                 greencall_complete_event_endpoint",
                "greenvn.greencall_complete_event_headers: missing",
            ],
        ),
        (
            "endpoint with its method but not its headers",
            json!({"greenpin": {
                "greenpin_call_complete_event_endpoint": "https://hooks.example.com/c",
                "greenpin_call_complete_event_method": "POST",
            }}),
            vec!["greenpin.greenpin_call_complete_event_headers: missing"],
        ),
        (
            "headers that are not JSON",
            json!({"greenvn": {
                "greencall_complete_event_endpoint": "https://hooks.example.com/c",
                "greencall_complete_event_method": "POST",
                "greencall_complete_event_headers": "{content_type: json}",
            }}),
            vec!["greenvn.greencall_complete_event_headers: headers is not valid JSON"],
        ),
        (
            "headers with a content_type outside the three",
            json!({"greenvn": {"verified_caller_event_headers": "{\"content_type\": \"text/plain\"}"}}),
            vec!["greenvn.verified_caller_event_headers: content_type must be one of"],
        ),
        (
            "method outside the four",
            json!({"greenvn": {"verified_caller_event_method": "PUT"}}),
            vec![
                "greenvn.verified_caller_event_method: must be one of GET, POST, POST_XML, POST_JSON",
            ],
        ),
        (
            "null value",
            json!({"common": {"timezone": null}}),
            vec!["common.timezone: must be a JSON string, not null"],
        ),
    ]
}

#[tokio::test]
async fn each_invalid_put_is_400_code_5_naming_the_key_and_changes_nothing() {
    let sim = start().await;
    let before = sim.settings();
    for (case, body, expected) in refused_bodies() {
        let answer = put(&sim, body).await;
        assert_envelope(&answer, 400, Some(5), "PUT");
        let message = answer.message();
        assert!(
            message.starts_with("invalid parameters: "),
            "{case}: {message}"
        );
        for part in expected {
            assert!(
                message.contains(part),
                "{case}: {message:?} should contain {part:?}"
            );
        }
        assert_eq!(sim.settings(), before, "{case} changed the settings");
    }
    assert_eq!(get(&sim).await.body["data"], as_answered(&before.to_json()));
}

#[tokio::test]
async fn a_put_with_some_bad_keys_names_each_and_stores_none_of_the_good_ones() {
    let sim = start().await;
    let answer = put(
        &sim,
        json!({
            "common": {"timezone": "UTC", "deletion_time": 86401},
            "greenvn": {"x": "1"},
        }),
    )
    .await;
    assert_envelope(&answer, 400, Some(5), "PUT");
    assert_eq!(
        answer.message(),
        "invalid parameters: common.deletion_time: must be from 0 to 86400; 86401 is out of \
         range; greenvn.x: unknown key"
    );
    assert_eq!(
        text_of(&sim.settings(), "common.timezone").as_deref(),
        Some("IST")
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_400_code_5() {
    let sim = start().await;
    for body in ["[1, 2]", "\"greenvn\"", "{\"common\": ", "not json"] {
        let answer = put_text(&sim, body).await;
        assert_envelope(&answer, 400, Some(5), "PUT");
    }
    assert_eq!(sim.settings(), demo_settings());
}

#[tokio::test]
async fn a_body_without_any_setting_is_400_code_3() {
    let sim = start().await;
    for body in [
        json!({}),
        json!({"greenvn": {}, "greenpin": {}, "common": {}}),
    ] {
        let answer = put(&sim, body).await;
        assert_envelope(&answer, 400, Some(3), "PUT");
    }
}

#[tokio::test]
async fn a_put_without_a_json_content_type_is_refused() {
    let sim = start().await;
    let answer = send(
        client()
            .put(settings_url(&sim, DEMO_SID))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(r#"{"common": {"timezone": "UTC"}}"#),
    )
    .await;
    assert_envelope(&answer, 400, Some(5), "PUT");
    assert!(answer.message().contains("Content-Type: application/json"));
    assert_eq!(sim.settings(), demo_settings());
}

#[tokio::test]
async fn a_body_over_one_mib_is_413() {
    let sim = start().await;
    let big = format!(
        "{{\"common\": {{\"aparty_tag\": \"{}\"}}}}",
        "a".repeat(MAX_BODY_BYTES)
    );
    let answer = put_text(&sim, big).await;
    assert_envelope(&answer, 413, None, "PUT");
    assert_eq!(sim.settings(), demo_settings());
    assert_eq!(sim.put_count(), 1);
}

#[tokio::test]
async fn the_seed_example_body_is_accepted_and_get_returns_it() {
    let sim = start().await;
    let answer = put_text(&sim, SEED_BODY).await;
    assert_envelope(&answer, 200, None, "PUT");
    let seed: Value = serde_json::from_str(SEED_BODY).unwrap();
    assert_eq!(answer.body["data"], as_answered(&seed));
    let after = get(&sim).await;
    assert_eq!(after.body["data"], as_answered(&seed));
    assert_eq!(
        after.body["data"]["common"]["default_region"],
        json!(["KA"])
    );
}

#[tokio::test]
async fn the_state_file_survives_a_restart_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim-state.json");
    let config = SimConfig {
        state_file: Some(file.clone()),
        ..SimConfig::demo()
    };

    let sim = start_with(config.clone()).await;
    assert!(!file.exists(), "nothing is written before a PUT");
    let answer = put(&sim, json!({"common": {"aparty_tag": "Rider"}})).await;
    assert_envelope(&answer, 200, None, "PUT");
    sim.shutdown().await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("sim-state.json")]);

    // The file wins over `initial` on the next start.
    let restarted = start_with(SimConfig {
        initial: Settings::default(),
        ..config
    })
    .await;
    let data = get(&restarted).await.body["data"].clone();
    assert_eq!(data["common"]["aparty_tag"], json!("Rider"));
    assert_eq!(data["common"]["bparty_tag"], json!("Courier"));
    assert_eq!(data["common"]["default_region"], json!(["KA"]));
}

#[tokio::test]
async fn a_state_file_that_is_not_settings_stops_the_start_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    std::fs::write(&file, "not json").unwrap();
    let config = SimConfig {
        state_file: Some(file.clone()),
        ..SimConfig::demo()
    };
    let err = Simulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("state.json"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not json");
}

#[tokio::test]
async fn changes_behind_the_clients_back_show_in_the_next_get() {
    let sim = start().await;
    sim.modify(|s| s.set(lookup_path("common.timezone").unwrap(), "UTC"));
    assert_eq!(
        get(&sim).await.body["data"]["common"]["timezone"],
        json!("UTC")
    );
    sim.set_settings(Settings::from_json_text(r#"{"common": {"country": "US"}}"#).unwrap());
    let data = get(&sim).await.body["data"].clone();
    assert_eq!(
        data,
        json!({"greenvn": {}, "greenpin": {}, "common": {"country": "US"}})
    );
    assert_eq!(sim.put_count(), 0);
}

#[tokio::test]
async fn unknown_keys_in_the_state_are_served_verbatim() {
    let sim = start().await;
    sim.set_settings(
        Settings::from_json_text(r#"{"common": {"timezone": "IST", "future_flag": {"on": true}}}"#)
            .unwrap(),
    );
    let data = get(&sim).await.body["data"].clone();
    assert_eq!(data["common"]["future_flag"], json!({"on": true}));
}

#[tokio::test]
async fn put_count_and_last_body_include_refused_puts() {
    let sim = start().await;
    assert_eq!(sim.last_put_body(), None);
    put(&sim, json!({"common": {"timezone": "GMT"}})).await;
    send(
        client()
            .put(settings_url(&sim, DEMO_SID))
            .body("plain text"),
    )
    .await;
    assert_eq!(sim.put_count(), 2);
    assert_eq!(sim.last_put_body(), Some(json!("plain text")));
}

#[tokio::test]
async fn an_injected_error_answers_the_next_requests_then_stops() {
    let sim = start().await;
    sim.inject(
        Fault::Error {
            status: 503,
            code: Some(0),
            message: "maintenance".into(),
            retry_after: Some(2),
        },
        2,
    );
    for _ in 0..2 {
        let answer = get(&sim).await;
        assert_envelope(&answer, 503, Some(0), "GET");
        assert_eq!(answer.message(), "maintenance");
        assert_eq!(answer.headers["retry-after"], "2");
    }
    assert_envelope(&get(&sim).await, 200, None, "GET");
    assert_eq!(sim.get_count(), 3);
}

#[tokio::test]
async fn a_faulted_put_is_counted_but_stores_nothing() {
    let sim = start().await;
    sim.inject(Fault::error(500, Some(0), "internal error"), 1);
    let answer = put(&sim, json!({"common": {"timezone": "UTC"}})).await;
    assert_envelope(&answer, 500, Some(0), "PUT");
    assert_eq!(sim.put_count(), 1);
    assert_eq!(sim.settings(), demo_settings());
}

#[tokio::test]
async fn a_raw_fault_answers_a_body_that_is_not_an_envelope() {
    let sim = start().await;
    sim.inject(
        Fault::Raw {
            status: 200,
            body: "<html>gateway</html>".into(),
        },
        1,
    );
    let response = client()
        .get(settings_url(&sim, DEMO_SID))
        .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "<html>gateway</html>");
}

#[tokio::test]
async fn a_delay_fault_slows_the_answer_then_answers_normally() {
    let sim = start().await;
    sim.inject(Fault::Delay(Duration::from_millis(300)), 1);
    let started = Instant::now();
    assert_envelope(&get(&sim).await, 200, None, "GET");
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.inject(Fault::Delay(Duration::from_secs(60)), 1);
    sim.clear_faults();
    let started = Instant::now();
    get(&sim).await;
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// A plain HTTP/1.1 exchange over a socket, no async: what a subprocess
/// test's setup can do, and what reqwest cannot send (chunked bodies).
fn raw_exchange(base_url: &str, head: &str, body: &[u8]) -> String {
    let host = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(stream, "{head}Host: {host}\r\nConnection: close\r\n\r\n").unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn demo_authorization() -> String {
    use base64::Engine;
    let pair = format!("{DEMO_API_KEY}:{DEMO_API_TOKEN}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[tokio::test]
async fn a_chunked_body_over_one_mib_is_413() {
    let sim = start().await;
    let base = sim.base_url();
    let answer = tokio::task::spawn_blocking(move || {
        let chunk = vec![b' '; 64 * 1024];
        let mut body = Vec::new();
        for _ in 0..20 {
            body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            body.extend_from_slice(&chunk);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\n");
        let head = format!(
            "PUT /v1/tenants/{DEMO_SID}/settings HTTP/1.1\r\nAuthorization: {}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            demo_authorization()
        );
        raw_exchange(&base, &head, &body)
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":null"), "{answer}");
    assert_eq!(sim.put_count(), 1);
    assert_eq!(sim.last_put_body(), None);
}

#[test]
fn a_background_simulator_serves_tests_that_are_not_async() {
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let head = format!(
        "GET /v1/tenants/{DEMO_SID}/settings HTTP/1.1\r\nAuthorization: {}\r\n",
        demo_authorization()
    );
    let answer = raw_exchange(&sim.base_url(), &head, b"");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"default_region\":[\"KA\"]"), "{answer}");
    assert_eq!(sim.get_count(), 1);

    let base = sim.base_url();
    drop(sim);
    // Dropped, it stops listening.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(base.trim_start_matches("http://")).is_ok() {
        assert!(Instant::now() < deadline, "still listening after drop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ----- a fleet -----

async fn get_sid(sim: &Simulator, sid: &str) -> Answer {
    send(
        client()
            .get(settings_url(sim, sid))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN)),
    )
    .await
}

async fn put_sid(sim: &Simulator, sid: &str, body: Value) -> Answer {
    send(
        client()
            .put(settings_url(sim, sid))
            .basic_auth(DEMO_API_KEY, Some(DEMO_API_TOKEN))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn a_fleet_serves_each_tenant_its_own_settings_counts_and_faults() {
    let sim = start_with(SimConfig::fleet(3)).await;
    assert_eq!(
        sim.sids(),
        vec!["exoset-demo-1", "exoset-demo-2", "exoset-demo-3"]
    );
    let flows: Vec<Value> = {
        let mut flows = Vec::new();
        for sid in sim.sids() {
            let answer = get_sid(&sim, &sid).await;
            assert_eq!(answer.status, 200, "{sid}: {}", answer.body);
            flows.push(answer.body["data"]["greenvn"]["default_flow_id"].clone());
        }
        flows
    };
    assert_ne!(flows[0], flows[1], "the tenants differ a little");

    let answer = put_sid(
        &sim,
        "exoset-demo-2",
        json!({"common": {"aparty_tag": "Rider"}}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let tag = lookup_path("common.aparty_tag").unwrap();
    assert_eq!(
        sim.settings_of("exoset-demo-2").unwrap().get(tag),
        Some("Rider")
    );
    assert_eq!(
        sim.settings_of("exoset-demo-1").unwrap().get(tag),
        Some("Customer")
    );
    assert_eq!(sim.put_count_of("exoset-demo-2"), 1);
    assert_eq!(sim.put_count_of("exoset-demo-1"), 0);
    assert_eq!(sim.get_count_of("exoset-demo-1"), 1);

    // A fault for one tenant is served to that tenant only.
    assert!(sim.inject_for("exoset-demo-3", Fault::error(503, None, "down"), 1));
    assert_eq!(get_sid(&sim, "exoset-demo-1").await.status, 200);
    assert_eq!(get_sid(&sim, "exoset-demo-3").await.status, 503);
    assert_eq!(get_sid(&sim, "exoset-demo-3").await.status, 200);

    // Someone else's change lands just before the request is served.
    sim.inject_for(
        "exoset-demo-1",
        Fault::ChangeBehind {
            id: tag,
            value: "Walker".into(),
        },
        1,
    );
    let answer = get_sid(&sim, "exoset-demo-1").await;
    assert_eq!(answer.body["data"]["common"]["aparty_tag"], json!("Walker"));

    // A SID it does not serve is refused as before.
    assert_eq!(get_sid(&sim, DEMO_SID).await.status, 403);
}

#[tokio::test]
async fn latency_is_added_to_every_request_and_one_tenant_is_the_demo() {
    let single = SimConfig::fleet(1);
    assert_eq!(single.sid, DEMO_SID);
    assert!(single.more_tenants.is_empty());
    let sim = start_with(SimConfig {
        latency: Duration::from_millis(200),
        ..single
    })
    .await;
    let started = Instant::now();
    assert_eq!(get(&sim).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}
