//! Profiles that point at the same tenant: the same settings URL (base URL
//! and tenant SID). Sending one change through each would PUT it twice and
//! record it in two histories, so the first profile sends and every later
//! one is planned `unchanged`, "same tenant as FIRST". Both faces plan
//! through here, and [`crate::fleet::send_all`] applies it again, so no face
//! can send one tenant twice by forgetting it.
//!
//! (History stays keyed by profile; keying it by tenant is a later change.)

use crate::config::Config;
use crate::fleet::{Member, Plan};
use std::collections::BTreeMap;
use url::Url;

/// The tenant a member's session reaches, as one comparable string: the
/// settings URL, which holds the base URL and the SID. `None` when the
/// member has no session (its plan then says why).
pub fn tenant_key(member: &Member) -> Option<String> {
    member.session.as_ref().ok().map(|s| key_of(s.client.url()))
}

/// [`tenant_key`] of a URL: scheme and host as the URL parser lowers them,
/// the default port dropped, the trailing `/` ignored.
pub fn key_of(url: &Url) -> String {
    let mut key = url.clone();
    key.set_query(None);
    key.set_fragment(None);
    key.as_str().trim_end_matches('/').to_owned()
}

/// For each member, the profile of an earlier one (or of `first`: the
/// editor's own tenant, sent through its own path) that reaches the same
/// tenant.
pub fn same_tenant_as(members: &[Member], first: Option<(&str, &str)>) -> Vec<Option<String>> {
    let mut seen: Vec<(String, String)> = first
        .map(|(profile, key)| vec![(key.to_owned(), profile.to_owned())])
        .unwrap_or_default();
    members
        .iter()
        .map(|member| {
            let key = tenant_key(member)?;
            if let Some((_, profile)) = seen.iter().find(|(k, _)| *k == key) {
                return Some(profile.clone());
            }
            seen.push((key, member.profile.clone()));
            None
        })
        .collect()
}

/// Plans every member that reaches the same tenant as an earlier one (or as
/// `first`) `unchanged`: nothing is sent through it. Plans that could not be
/// made (a failed or cancelled read) are left as they are.
pub fn once_per_tenant(members: &[Member], plans: &mut [Plan], first: Option<(&str, &str)>) {
    for (plan, alias) in plans.iter_mut().zip(same_tenant_as(members, first)) {
        let Some(profile) = alias else { continue };
        if matches!(
            plan,
            Plan::Send { .. } | Plan::Unchanged { .. } | Plan::Invalid { .. }
        ) {
            *plan = Plan::Unchanged {
                unchanged: 0,
                same_tenant_as: Some(profile),
            };
        }
    }
}

/// What the report says of a profile planned away by [`once_per_tenant`].
pub fn said(first: &str) -> String {
    // Raw, as every report message: each face makes it safe to show.
    format!("same tenant as {first}; sent once, through that profile")
}

/// `plans` with [`once_per_tenant`] applied (the fleet's send calls it, so a
/// face that did not still sends each tenant once).
pub fn guarded(members: &[Member], plans: &[Plan]) -> Vec<Plan> {
    let mut plans = plans.to_vec();
    once_per_tenant(members, &mut plans, None);
    plans
}

/// Where a profile points, read from its settings before any credential:
/// its tenant SID and the tenant's key (see [`key_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub tenant: Option<String>,
    /// `None` when the base URL or SID cannot make a settings URL.
    pub key: Option<String>,
}

impl Target {
    pub fn new(base_url: &str, tenant: Option<&str>) -> Target {
        Target {
            tenant: tenant.map(str::to_owned),
            key: tenant.and_then(|sid| {
                crate::api::client::settings_url(base_url, sid)
                    .ok()
                    .map(|url| key_of(&url))
            }),
        }
    }
}

/// Every profile of `config` and where it points; `base_url` (the flag)
/// applies to all, as in [`crate::fleet::connect`].
pub fn targets(config: &Config, base_url: Option<&str>) -> BTreeMap<String, Target> {
    config
        .profiles
        .iter()
        .map(|(name, profile)| {
            let base = base_url
                .or(profile.base_url.as_deref())
                .unwrap_or(crate::api::client::DEFAULT_BASE_URL);
            (
                name.clone(),
                Target::new(base, profile.tenant_sid.as_deref()),
            )
        })
        .collect()
}

/// The first of `names` (in order) that reaches the same tenant as `name`,
/// when that is not `name` itself.
pub fn first_on_same_tenant<'a>(
    targets: &BTreeMap<String, Target>,
    names: impl IntoIterator<Item = &'a String>,
    name: &str,
) -> Option<&'a String> {
    let key = targets.get(name)?.key.as_ref()?;
    names
        .into_iter()
        .find(|other| targets.get(*other).and_then(|t| t.key.as_ref()) == Some(key))
        .filter(|first| first.as_str() != name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_base_url_and_sid_is_one_tenant_however_the_url_is_written() {
        let targets: BTreeMap<String, Target> = [
            ("a", "https://API.example.com", Some("acme")),
            ("b", "https://api.example.com:443/", Some("acme")),
            ("c", "https://api.example.com", Some("other")),
            ("d", "http://127.0.0.1:9", Some("acme")),
            ("e", "not a url", Some("acme")),
            ("f", "not a url", Some("acme")),
            ("g", "https://api.example.com", None),
        ]
        .into_iter()
        .map(|(n, base, sid)| (n.to_string(), Target::new(base, sid)))
        .collect();
        let names: Vec<String> = targets.keys().cloned().collect();
        let first = |name: &str| first_on_same_tenant(&targets, &names, name).cloned();
        assert_eq!(first("b"), Some("a".to_string()));
        assert_eq!(first("a"), None, "the first is no alias of itself");
        for name in ["c", "d", "e", "f", "g"] {
            assert_eq!(first(name), None, "{name}");
        }
    }
}
