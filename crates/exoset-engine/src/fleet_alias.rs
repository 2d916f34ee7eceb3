//! Profiles that point at the same tenant: the same settings URL (base URL
//! and tenant SID). Sending one change through each would PUT it twice and
//! record it in two histories, so the first profile sends and every later
//! one is planned `unchanged`, "same tenant as FIRST". Both faces plan
//! through here, and [`crate::fleet::send_all`] applies it again, so no face
//! can send one tenant twice by forgetting it.
//!
//! (History stays keyed by profile; keying it by tenant is a later change.)

use crate::fleet::{Member, Plan};
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

/// Names of profiles (as given) that share a tenant with another, grouped:
/// `[["a", "b"]]` when a and b reach one tenant. For warnings before anything
/// is read; `entries` are (profile, base URL, tenant SID).
pub fn groups<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<Vec<String>> {
    let mut by_key: Vec<(String, Vec<String>)> = Vec::new();
    for (profile, base_url, sid) in entries {
        let Ok(url) = crate::api::client::settings_url(base_url, sid) else {
            continue;
        };
        let key = key_of(&url);
        match by_key.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(profile.to_owned()),
            None => by_key.push((key, vec![profile.to_owned()])),
        }
    }
    by_key
        .into_iter()
        .map(|(_, names)| names)
        .filter(|names| names.len() > 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_base_url_and_sid_is_one_tenant_however_the_url_is_written() {
        let groups = groups([
            ("a", "https://API.example.com", "acme"),
            ("b", "https://api.example.com:443/", "acme"),
            ("c", "https://api.example.com", "other"),
            ("d", "http://127.0.0.1:9", "acme"),
        ]);
        assert_eq!(groups, vec![vec!["a".to_string(), "b".to_string()]]);
    }

    #[test]
    fn a_bad_base_url_is_no_tenant_and_shares_none() {
        assert!(groups([("a", "not a url", "x"), ("b", "not a url", "x")]).is_empty());
    }
}
