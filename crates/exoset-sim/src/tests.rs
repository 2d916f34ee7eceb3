use super::*;
use crate::handler::answer_data;
use crate::schema::Kind;
use crate::schema::lookup_path;
use crate::server::loopback;
use crate::settings::Settings;
use crate::state::RequestIds;
use exoset_core::validate;
use serde_json::json;

#[test]
fn demo_settings_parse_cleanly_and_leave_three_greenpin_events_unreported() {
    let demo = Settings::from_json_text(DEMO_SETTINGS_JSON).unwrap();
    assert!(demo.notes().is_empty(), "{:?}", demo.notes());
    assert!(demo.unknown().is_empty());
    for (id, text) in demo.reported() {
        validate::check(id.setting().kind, text)
            .unwrap_or_else(|e| panic!("{} = {text:?}: {e}", id.path()));
        assert!(!text.contains("webhook.site"), "{}", id.path());
    }
    for event in [
        "failed_verification",
        "verified_caller",
        "deallocation_callback",
    ] {
        let path = format!("greenpin.greenpin_{event}_event_endpoint");
        assert_eq!(demo.get(lookup_path(&path).unwrap()), None, "{path}");
    }
    assert_eq!(demo.reported().count(), 43 - 9);
    assert_eq!(demo_settings(), demo);
}

#[test]
fn sim_config_debug_never_shows_the_token() {
    let config = SimConfig {
        api_token: "s3cret-token".into(),
        ..SimConfig::demo()
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret-token"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

#[tokio::test]
async fn the_banner_shows_the_demo_token_only() {
    let demo = Simulator::start(SimConfig::demo(), loopback(0))
        .await
        .unwrap();
    let shown = banner(&demo);
    assert!(shown.contains(&demo.base_url()), "{shown}");
    assert!(shown.contains(DEMO_SID), "{shown}");
    assert!(shown.contains("EXOSET_API_TOKEN=demo-token"), "{shown}");

    let config = SimConfig {
        api_token: "s3cret-token".into(),
        ..SimConfig::demo()
    };
    let private = Simulator::start(config, loopback(0)).await.unwrap();
    let shown = banner(&private);
    assert!(!shown.contains("s3cret-token"), "{shown}");
    assert!(shown.contains("EXOSET_API_TOKEN"), "{shown}");
}

#[test]
fn the_page_rules_and_the_clients_schema_name_the_same_keys() {
    // Drift either way fails: a key the client knows and the simulator
    // does not, or the other way round.
    let ours: std::collections::BTreeSet<String> = sim_rules::RULES
        .iter()
        .map(|(s, k, _)| format!("{s}.{k}"))
        .collect();
    let theirs: std::collections::BTreeSet<String> = crate::schema::SETTINGS
        .iter()
        .map(|s| format!("{}.{}", s.section.key(), s.key))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn request_ids_are_uuid_shaped_and_unique() {
    let ids = RequestIds::new();
    let a = ids.next();
    let b = ids.next();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36, "{a}");
    assert_eq!(a.matches('-').count(), 4, "{a}");
}

// Endpoints the URL parser tolerates but the page (and the OpenAPI
// document) do not are refused, by the simulator's rule and the client's.
#[test]
fn endpoints_need_a_scheme_with_slashes_and_no_control_characters() {
    let rule = sim_rules::Rule::Url;
    for bad in [
        "http:host.example",
        "http:/host.example",
        "\u{1}https://h.example/",
        "https://h.example/\u{1}",
    ] {
        assert!(validate::check(Kind::Url, bad).is_err(), "{bad:?}");
        let err = sim_rules::check(rule, &json!(bad)).unwrap_err();
        assert!(err.starts_with("must be an absolute http"), "{err}");
    }
    for good in [
        "HTTPS://h.example/x",
        "https://u:p@h.example?x=1",
        "https://h.example/é",
    ] {
        assert_eq!(validate::check(Kind::Url, good), Ok(()), "{good:?}");
        assert_eq!(sim_rules::check(rule, &json!(good)), Ok(good.to_string()));
    }
}

#[test]
fn answer_data_lists_default_region_and_always_has_three_sections() {
    let data = answer_data(
        &Settings::from_json_text(r#"{"common": {"default_region": "MH"}}"#).unwrap(),
        &Quirks::default(),
    );
    assert_eq!(data["common"]["default_region"], json!(["MH"]));
    assert_eq!(data["greenvn"], json!({}));
    assert_eq!(data["greenpin"], json!({}));
}

#[test]
fn connections_are_counted_open_until_the_client_closes_them() {
    use std::io::{Read, Write};
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    let wait_for = |open: usize| {
        let started = std::time::Instant::now();
        while sim.connections_open() != open {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{} open, waiting for {open}",
                sim.connections_open()
            );
            std::thread::yield_now();
        }
    };
    assert_eq!((sim.connections_accepted(), sim.connections_open()), (0, 0));
    let mut first = std::net::TcpStream::connect(sim.addr()).unwrap();
    let second = std::net::TcpStream::connect(sim.addr()).unwrap();
    wait_for(2);
    // A request answered on a kept-alive connection leaves it open.
    write!(
        first,
        "GET /v1/tenants/{}/settings HTTP/1.1\r\nHost: x\r\n\r\n",
        sim.sid()
    )
    .unwrap();
    let mut head = [0u8; 12];
    first.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 401");
    assert_eq!(sim.connections_open(), 2);
    drop(first);
    wait_for(1);
    drop(second);
    wait_for(0);
    assert_eq!(sim.connections_accepted(), 2);
}
