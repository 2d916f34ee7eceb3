//! What the simulator serves and to whom: tenants, credentials, quirks.

use crate::schema::{FieldId, Section, lookup};
use crate::settings::{Settings, documented_defaults};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Tenant SID of the built-in demo account.
pub const DEMO_SID: &str = "exoset-demo";
/// API key (Basic-auth username) of the demo account.
pub const DEMO_API_KEY: &str = "demo-key";
/// API token (Basic-auth password) of the demo account. Not a secret: it only
/// opens the simulator.
pub const DEMO_API_TOKEN: &str = "demo-token";
/// The demo account's settings, in the PUT-body shape.
pub const DEMO_SETTINGS_JSON: &str = include_str!("../../../assets/demo-settings.json");
/// Largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the simulator serves and to whom.
#[derive(Clone)]
pub struct SimConfig {
    /// The only tenant SID the credentials may act on.
    pub sid: String,
    /// Basic-auth username (API key or Account SID).
    pub api_key: String,
    /// Basic-auth password.
    pub api_token: String,
    /// Loaded at start when it exists (it then wins over `initial`), saved
    /// after each accepted PUT.
    pub state_file: Option<PathBuf>,
    /// Settings at start when there is no state file yet.
    pub initial: Settings,
    /// Ways the real server may answer that the documented page allows.
    pub quirks: Quirks,
    /// More tenants the same credentials may act on, each with its own
    /// settings (with a state file, each kept beside it: see
    /// `tenant_state`).
    pub more_tenants: Vec<(String, Settings)>,
    /// Added to every request before it is answered: a far-away server.
    pub latency: Duration,
    /// At most this many requests a second (all tenants together); the
    /// others are answered 429 with `Retry-After: 1`, and not applied.
    pub rate_limit: Option<u32>,
}

/// Ways of answering that the vendor's page shows or allows, which a client
/// written from the same reading must cope with: the seed's own answer
/// leaves keys out and re-serialises JSON held in strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quirks {
    /// Keys left out of every answer ("not reported"), though stored.
    pub omit: Vec<FieldId>,
    /// JSON held in strings (`*_event_headers`, `sms_config`) is answered
    /// re-serialised: compact, as the seed's answer writes it.
    pub reserialise_json: bool,
    /// The region codes this tenant supports; a PUT of another
    /// `default_region` is refused with 403, code 15. `None`: any.
    pub regions: Option<Vec<String>>,
}

impl Quirks {
    /// Like the vendor's example exchange: the nine greenpin keys of the
    /// failed-verification, verified-caller and deallocation events are left
    /// out of answers, and JSON in strings comes back re-serialised.
    pub fn seed_like() -> Quirks {
        let omit = [
            "failed_verification",
            "verified_caller",
            "deallocation_callback",
        ]
        .iter()
        .flat_map(|event| {
            ["endpoint", "method", "headers"]
                .map(|part| lookup(Section::Greenpin, &format!("greenpin_{event}_event_{part}")))
        })
        .flatten()
        .collect();
        Quirks {
            omit,
            reserialise_json: true,
            regions: None,
        }
    }
}

impl SimConfig {
    /// The demo account: [`DEMO_SID`], [`DEMO_API_KEY`], [`DEMO_API_TOKEN`] and
    /// the settings of `assets/demo-settings.json`, in memory only.
    pub fn demo() -> SimConfig {
        SimConfig {
            sid: DEMO_SID.to_string(),
            api_key: DEMO_API_KEY.to_string(),
            api_token: DEMO_API_TOKEN.to_string(),
            state_file: None,
            initial: demo_settings(),
            quirks: Quirks::default(),
            more_tenants: Vec::new(),
            latency: Duration::ZERO,
            rate_limit: None,
        }
    }

    /// `n` demo tenants: [`DEMO_SID`] alone when `n` is 1, else
    /// `exoset-demo-1` … `exoset-demo-N`, each with [`fleet_settings`].
    pub fn fleet(n: usize) -> SimConfig {
        SimConfig::fleet_named(DEMO_SID, n)
    }

    /// Like [`SimConfig::fleet`], with the SIDs `{prefix}-1` … `{prefix}-N`
    /// (or `prefix` alone when `n` is 1).
    pub fn fleet_named(prefix: &str, n: usize) -> SimConfig {
        let mut config = SimConfig {
            sid: prefix.to_string(),
            ..SimConfig::demo()
        };
        if n > 1 {
            config.sid = fleet_sid(prefix, 1);
            config.initial = fleet_settings(1);
            config.more_tenants = (2..=n)
                .map(|i| (fleet_sid(prefix, i), fleet_settings(i)))
                .collect();
        }
        config
    }

    /// Every tenant SID served, `sid` first.
    pub fn sids(&self) -> Vec<String> {
        std::iter::once(self.sid.clone())
            .chain(self.more_tenants.iter().map(|(sid, _)| sid.clone()))
            .collect()
    }
}

/// The SID of the `i`th tenant (from 1) of a fleet.
pub fn fleet_sid(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}")
}

/// The demo settings, varied a little for the `i`th tenant (from 1) of a
/// fleet so that the tenants differ as real ones do: each has its own flow
/// id, every third has least-cost routing off, every fourth works in UTC.
pub fn fleet_settings(i: usize) -> Settings {
    let mut settings = demo_settings();
    let mut put = |path: &str, value: String| {
        if let Some(id) = crate::schema::lookup_path(path) {
            settings.set(id, value);
        }
    };
    put("greenvn.default_flow_id", (123_455 + i).to_string());
    if i.is_multiple_of(3) {
        put("common.lcr_enabled", "false".into());
    }
    if i.is_multiple_of(4) {
        put("common.timezone", "UTC".into());
    }
    settings
}

// The token stays out of `Debug`, as everywhere in exoset.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("sid", &self.sid)
            .field("api_key", &self.api_key)
            .field("api_token", &"<redacted>")
            .field("state_file", &self.state_file)
            .field(
                "initial",
                &format_args!("{} keys", self.initial.reported().count()),
            )
            .field("more_tenants", &self.more_tenants.len())
            .field("latency", &self.latency)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// The demo account's settings. A test proves the embedded file parses without
/// notes; the documented defaults are only a fallback that cannot happen.
pub fn demo_settings() -> Settings {
    Settings::from_json_text(DEMO_SETTINGS_JSON).unwrap_or_else(|_| documented_defaults())
}
