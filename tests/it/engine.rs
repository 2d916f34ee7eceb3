//! The engine against the vendor's own examples, and its invariants under
//! generated input.

use exoset_core::changes::{ChangeSet, Edits};
use exoset_core::schema::{EVENTS, FieldId, Kind, SETTINGS, event_fields, lookup_path};
use exoset_core::settings::Settings;
use exoset_core::validate;
use proptest::prelude::*;
use serde_json::{Value, json};

const SEED_BODY: &str = include_str!("../fixtures/seed/example-put-body.json");
const SEED_ANSWER: &str = include_str!("../fixtures/seed/example-put-response.json");

fn id(path: &str) -> FieldId {
    lookup_path(path).unwrap_or_else(|| panic!("no setting {path}"))
}

fn seed_answer() -> Settings {
    let envelope: Value = serde_json::from_str(SEED_ANSWER).unwrap();
    Settings::from_json(&envelope["data"]).unwrap()
}

#[test]
fn seed_body_parses_and_every_value_validates() {
    let body = Settings::from_json_text(SEED_BODY).unwrap();
    assert_eq!(body.reported().count(), 43, "the seed body sets every key");
    assert!(body.notes().is_empty(), "{:?}", body.notes());
    assert!(body.unknown().is_empty());
    for (id, text) in body.reported() {
        if let Err(e) = validate::check(id.setting().kind, text) {
            panic!("{} = {text:?}: {e}", id.path());
        }
    }
    // Written back, it is the same document.
    let original: Value = serde_json::from_str(SEED_BODY).unwrap();
    assert_eq!(body.to_json(), original);
}

#[test]
fn seed_answer_parses_with_default_region_as_a_list() {
    let answer = seed_answer();
    assert_eq!(answer.get(id("common.default_region")), Some("KA"));
    assert!(answer.notes().is_empty(), "{:?}", answer.notes());
}

#[test]
fn seed_answer_reports_the_greenpin_keys_it_omits_as_not_reported() {
    let answer = seed_answer();
    let omitted = [
        "greenpin_failed_verification",
        "greenpin_verified_caller",
        "greenpin_deallocation_callback",
    ];
    for event in omitted {
        for part in ["endpoint", "method", "headers"] {
            let path = format!("greenpin.{event}_event_{part}");
            assert_eq!(answer.get(id(&path)), None, "{path}");
        }
    }
    assert_eq!(answer.reported().count(), 43 - 9);
}

#[test]
fn change_set_from_seed_answer_to_seed_body_sends_exactly_what_differs() {
    let answer = seed_answer();
    let desired = Settings::from_json_text(SEED_BODY).unwrap();
    let edits = Edits::from_desired(&answer, &desired).unwrap();
    let cs = ChangeSet::new(&answer, &edits);
    let body_json: Value = serde_json::from_str(SEED_BODY).unwrap();
    let greenpin = &body_json["greenpin"];
    let mut expected_greenpin = serde_json::Map::new();
    for event in [
        "greenpin_failed_verification",
        "greenpin_verified_caller",
        "greenpin_deallocation_callback",
    ] {
        for part in ["endpoint", "method", "headers"] {
            let key = format!("{event}_event_{part}");
            expected_greenpin.insert(key.clone(), greenpin[&key].clone());
        }
    }
    // The answer's sms_body has a double space the body does not: a real difference.
    let expected = json!({
        "greenpin": expected_greenpin,
        "common": {"sms_config": body_json["common"]["sms_config"]},
    });
    assert_eq!(cs.body(), Ok(Some(expected)));
    assert!(cs.rows.iter().all(|r| !r.companion));
}

// ---- generated input ----

fn valid_value(kind: Kind) -> BoxedStrategy<String> {
    let pick = |xs: &'static [&'static str]| {
        proptest::sample::select(xs)
            .prop_map(str::to_string)
            .boxed()
    };
    match kind {
        Kind::BoolString => pick(&["true", "false"]),
        Kind::Int { min, max } => (min..=max).prop_map(|n| n.to_string()).boxed(),
        Kind::Enum { values } => pick(values),
        Kind::Text => "[A-Za-z][A-Za-z0-9 ]{0,12}".boxed(),
        Kind::Url => "[a-z]{1,8}"
            .prop_map(|h| format!("https://{h}.example/hook"))
            .boxed(),
        Kind::Duration => prop_oneof![
            Just("-1".to_string()),
            (1u32..=170).prop_map(|d| format!("{d}d")),
            (1u32..=4080).prop_map(|h| format!("{h}h")),
        ]
        .boxed(),
        Kind::Country => pick(&["IN", "US", "GB", "SG", "AE"]),
        Kind::Region => pick(&["KA", "MH", "DL", "TN"]),
        Kind::Digits => "[0-9]{1,8}".boxed(),
        Kind::HeadersJson => pick(&["json", "application/json", "application/xml"])
            .prop_map(|ct| format!("{{\"content_type\": \"{ct}\"}}"))
            .boxed(),
        Kind::SmsConfigJson => pick(&[
            r#"{"A": {"sms_enabled": "true", "on_status": ["busy"]}, "B": {"sms_enabled": "false"}}"#,
            r#"{"B": {"sms_enabled": "false"}}"#,
        ]),
    }
}

fn any_value(kind: Kind) -> BoxedStrategy<String> {
    prop_oneof![39 => valid_value(kind), 1 => ".{0,10}"].boxed()
}

/// The share of generated cases that must make a body, in percent; about
/// 44% do (an invalid edit, or an endpoint whose method or headers the base
/// lacks, makes none).
const MIN_SENDABLE_PERCENT: usize = 25;

/// A document holding a random subset of the known keys.
fn document() -> impl Strategy<Value = Settings> {
    let per_key: Vec<_> = SETTINGS
        .iter()
        .map(|s| proptest::option::weighted(0.8, valid_value(s.kind)))
        .collect();
    per_key.prop_map(|values| {
        let mut doc = Settings::default();
        for (i, v) in values.into_iter().enumerate() {
            if let Some(v) = v {
                doc.set(FieldId(i), v);
            }
        }
        doc
    })
}

fn edits_over(base: Settings) -> impl Strategy<Value = (Settings, Edits)> {
    let per_key: Vec<_> = SETTINGS
        .iter()
        .map(|s| proptest::option::weighted(0.25, any_value(s.kind)))
        .collect();
    per_key.prop_map(move |values| {
        let mut edits = Edits::default();
        for (i, v) in values.into_iter().enumerate() {
            if let Some(v) = v {
                edits.set(&base, FieldId(i), v);
            }
        }
        (base.clone(), edits)
    })
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::support::cases()))]

    #[test]
    fn parse_then_serialise_keeps_unknown_keys(
        base in document(),
        unknown in prop::collection::btree_map("x_[a-z]{1,8}", json_value(), 0..5),
        section in proptest::sample::select(&["greenvn", "greenpin", "common", "greenzap"][..]),
    ) {
        let mut doc = base.to_json();
        let obj = doc.as_object_mut().unwrap();
        let target = obj.entry(section).or_insert_with(|| json!({}));
        for (k, v) in &unknown {
            target.as_object_mut().unwrap().insert(k.clone(), v.clone());
        }
        let parsed = Settings::from_json(&doc).unwrap();
        let again = parsed.to_json();
        for (k, v) in &unknown {
            prop_assert_eq!(&again[section][k], v);
        }
        prop_assert_eq!(Settings::from_json(&again).unwrap(), parsed);
    }
}

/// Runs `property` on generated bases and edits whose change set makes a
/// body, and fails unless at least `min_percent` of the generated cases made
/// one: a generator that drifted into mostly invalid edits would otherwise
/// leave the property checking nothing. Cases without a body are rejected
/// with `prop_assume!`, so `cases()` of them always run.
fn on_sendable_bodies(
    min_percent: usize,
    property: impl Fn(&Settings, &Edits, &ChangeSet, &Value) -> Result<(), TestCaseError>,
) {
    use proptest::test_runner::{Config, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cases = crate::support::cases();
    let generated = AtomicUsize::new(0);
    let accepted = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        max_global_rejects: cases * 20,
        ..Config::default()
    });
    let result = runner.run(&document().prop_flat_map(edits_over), |(base, edits)| {
        generated.fetch_add(1, Ordering::Relaxed);
        let cs = ChangeSet::new(&base, &edits);
        let body = cs.body();
        prop_assume!(matches!(body, Ok(Some(_))));
        let Ok(Some(body)) = body else {
            unreachable!("assumed above")
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        property(&base, &edits, &cs, &body)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (generated, accepted) = (generated.into_inner(), accepted.into_inner());
    assert!(accepted >= cases as usize, "only {accepted} bodies checked");
    assert!(
        accepted * 100 >= generated * min_percent,
        "only {accepted} of {generated} generated cases made a body (want {min_percent}%)"
    );
    eprintln!("{accepted} of {generated} generated cases made a body");
}

#[test]
fn a_put_body_never_holds_an_unchanged_key_other_than_a_companion() {
    on_sendable_bodies(MIN_SENDABLE_PERCENT, |base, edits, cs, body| {
        let mut unchanged_companions = 0;
        for (section, keys) in body.as_object().unwrap() {
            for (key, value) in keys.as_object().unwrap() {
                let id = lookup_path(&format!("{section}.{key}")).unwrap();
                let row = cs.rows.iter().find(|r| r.id == id).unwrap();
                let old = base
                    .get(id)
                    .map(|t| exoset_core::settings::wire_value(id, t));
                if old.as_ref() == Some(value) {
                    prop_assert!(row.companion, "{} unchanged but sent", id.path());
                    let (event, _) = id.setting().event.unwrap();
                    let endpoint = event_fields(event)[0];
                    prop_assert!(edits.get(endpoint).is_some());
                    unchanged_companions += 1;
                } else {
                    prop_assert!(!row.companion);
                }
            }
        }
        prop_assert_eq!(
            cs.rows.iter().filter(|r| r.companion).count(),
            unchanged_companions
        );
        Ok(())
    });
}

#[test]
fn every_endpoint_in_a_body_has_its_method_and_headers() {
    on_sendable_bodies(MIN_SENDABLE_PERCENT, |_, _, _, body| {
        for (event, info) in EVENTS.iter().enumerate() {
            let section = &body[info.section.key()];
            let [endpoint, method, headers] = event_fields(event);
            if section.get(endpoint.setting().key).is_some() {
                let m = section.get(method.setting().key).and_then(Value::as_str);
                let h = section.get(headers.setting().key).and_then(Value::as_str);
                prop_assert!(m.is_some_and(|m| validate::check(method.setting().kind, m).is_ok()));
                prop_assert!(h.is_some_and(|h| validate::check(headers.setting().kind, h).is_ok()));
            }
        }
        Ok(())
    });
}
