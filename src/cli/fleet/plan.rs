//! The plan a fleet send prints: each distinct diff once, then a table.

use super::label;
use crate::cli::remote::render_diff;
use crate::fleet::{Member, Plan};
use crate::guard::{Mode, RunLocks};
use crate::text::{count, safe, table, width};

/// Each diff once, with the tenants it is for (thirty tenants with the same
/// change read as one diff), then one table: what would change where.
pub(super) fn plan_text(
    members: &[Member],
    plans: &[Plan],
    will: &str,
    locks: &RunLocks,
) -> String {
    // (the diff or message, the tenants it is for), in first-seen order.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut rows = Vec::new();
    let guard_of = |m: &Member| {
        m.session
            .as_ref()
            .map(|s| s.guard.clone())
            .unwrap_or_default()
    };
    // The mode gets a column when the fleet mixes modes (or this run locks).
    let modes = locks.all_read_only || members.iter().any(|m| guard_of(m).mode != Mode::Normal);
    for (member, plan) in members.iter().zip(plans) {
        let mut text = String::new();
        let guard = guard_of(member);
        let dash = || "-".to_string();
        let (to_change, unchanged, invalid, note) = match plan {
            Plan::Send {
                changes, unchanged, ..
            } => {
                text.push_str(&render_diff(changes, will));
                (
                    changes.changed().count().to_string(),
                    unchanged.to_string(),
                    "0".to_string(),
                    String::new(),
                )
            }
            Plan::Unchanged {
                same_tenant_as: Some(first),
                ..
            } => {
                text.push_str(&format!(
                    "Same tenant as {}: sent once, through that profile.\n",
                    safe(first)
                ));
                let note = format!("same tenant as {}", safe(first));
                ("0".into(), "-".into(), "0".into(), note)
            }
            Plan::Unchanged { unchanged, .. } => {
                text.push_str("No changes: the tenant already holds these values.\n");
                ("0".into(), unchanged.to_string(), "0".into(), String::new())
            }
            Plan::Invalid {
                changes,
                message,
                unchanged,
            } => {
                if let Some(changes) = changes {
                    text.push_str(&render_diff(changes, "would be"));
                }
                text.push_str(&format!("cannot send: {}\n", safe(message)));
                let bad = changes.as_ref().map_or(1, |c| c.problems.len());
                (
                    changes
                        .as_ref()
                        .map_or_else(dash, |c| c.changed().count().to_string()),
                    unchanged.to_string(),
                    bad.to_string(),
                    "not sent: invalid here".to_string(),
                )
            }
            Plan::Failed(refusal) => {
                text.push_str(&format!("cannot read: {}\n", safe(&refusal.message)));
                (dash(), dash(), dash(), "cannot read".to_string())
            }
            Plan::Cancelled => {
                text.push_str("not read: interrupted\n");
                (dash(), dash(), dash(), "interrupted".to_string())
            }
        };
        let tenant = label(&member.profile, member.tenant_label());
        match groups.iter_mut().find(|(diff, _)| *diff == text) {
            Some((_, tenants)) => tenants.push(tenant),
            None => groups.push((text, vec![tenant])),
        }
        let locked = !locks.writable(&member.profile, &guard);
        let note = if locked && matches!(plan, Plan::Send { .. }) {
            "refused: read-only in this run".to_string()
        } else {
            note
        };
        let mut row = vec![
            profile_cell(&member.profile, &guard),
            safe(member.tenant_label()).into_owned(),
        ];
        if modes {
            row.push(match (guard.mode, locked) {
                (Mode::ReadOnly, false) => "read-only, unlocked".to_string(),
                (Mode::Normal, true) => "read-only (--read-only)".to_string(),
                (mode, _) => mode.as_str().to_string(),
            });
        }
        row.extend([to_change, unchanged, invalid, note]);
        rows.push(row);
    }
    let mut text = String::new();
    for (diff, tenants) in &groups {
        text.push_str(&tenants_line(tenants));
        text.push_str(diff);
        text.push('\n');
    }
    let mut header = vec!["PROFILE", "TENANT"];
    if modes {
        header.push("MODE");
    }
    header.extend(["TO CHANGE", "UNCHANGED", "INVALID", "NOTE"]);
    text.push_str(&table(&header, &rows));
    text
}

/// A profile's name with its label (`prod-a [PROD]`), safe for a terminal;
/// no colour: a table measures its cells.
pub(super) fn profile_cell(profile: &str, guard: &crate::guard::ProfileGuard) -> String {
    match guard.tag() {
        Some(tag) => format!("{} {tag}", safe(profile)),
        None => safe(profile).into_owned(),
    }
}

/// `t01 (sid):`, or `3 tenants: t01 (sid), t02 (sid), t03 (sid):` filled
/// into lines of at most 78 columns, never breaking a tenant's name.
pub(super) fn tenants_line(tenants: &[String]) -> String {
    if let [one] = tenants {
        return format!("{one}:\n");
    }
    let mut text = String::new();
    let mut line = format!("{}:", count(tenants.len(), "tenant"));
    for (i, tenant) in tenants.iter().enumerate() {
        let item = if i + 1 == tenants.len() {
            format!("{tenant}:")
        } else {
            format!("{tenant},")
        };
        if width(&line) + 1 + width(&item) > 78 {
            text.push_str(&line);
            text.push('\n');
            line = format!("  {item}");
        } else {
            line.push(' ');
            line.push_str(&item);
        }
    }
    text.push_str(&line);
    text.push('\n');
    text
}
