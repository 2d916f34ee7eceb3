//! What became of each tenant: its line of the report and the exit code.

use crate::changes::{ChangeSet, KeyStatus};
use crate::exit;
use crate::session::Sent;
use crate::text::count;
pub use exoset_core::outcome::{KeyState, Kind};
use serde::{Deserialize, Serialize};

use super::Member;
use super::plan::Plan;
use crate::text::table;
/// One key the person changed and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    pub key: String,
    pub old: Option<String>,
    pub new: String,
    pub status: KeyState,
}

/// One tenant's line of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub profile: String,
    pub tenant: String,
    #[serde(rename = "outcome")]
    pub kind: Kind,
    pub exit_code: u8,
    pub message: String,
    pub request_id: Option<String>,
    pub changes: Vec<KeyChange>,
    /// Said on the side (history not kept…); not part of the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

pub(super) fn planned_keys(changes: Option<&ChangeSet>, status: KeyState) -> Vec<KeyChange> {
    changes
        .map(|changes| {
            changes
                .changed()
                .map(|row| KeyChange {
                    key: row.id.path(),
                    old: row.old.clone(),
                    new: row.new.clone(),
                    status,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The outcome of a tenant that is not sent anything.
pub fn unsent(member: &Member, plan: &Plan) -> Outcome {
    let request_id = match plan {
        Plan::Failed(refusal) => refusal.request_id.clone(),
        _ => None,
    };
    let (kind, code, message) = match plan {
        Plan::Send { changes, .. } => (
            Kind::Cancelled,
            exit::INTERRUPTED,
            format!(
                "not sent: interrupted before {} went out",
                count(changes.changed().count(), "change")
            ),
        ),
        Plan::Unchanged {
            same_tenant_as: Some(first),
            ..
        } => (Kind::Unchanged, exit::OK, crate::fleet_alias::said(first)),
        Plan::Unchanged { .. } => (
            Kind::Unchanged,
            exit::OK,
            "the tenant already holds these values; nothing sent".to_string(),
        ),
        Plan::Invalid { message, .. } => {
            (Kind::Invalid, exit::USAGE, format!("not sent: {message}"))
        }
        Plan::Failed(refusal) => (Kind::Failed, refusal.code, refusal.message.clone()),
        Plan::Cancelled => (
            Kind::Cancelled,
            exit::INTERRUPTED,
            "not sent: interrupted before its settings were read".to_string(),
        ),
    };
    Outcome {
        profile: member.profile.clone(),
        tenant: member.tenant_label().to_string(),
        kind,
        exit_code: code,
        message,
        request_id,
        changes: planned_keys(plan.changes(), KeyState::NotSent),
        warnings: Vec::new(),
    }
}

/// The outcome of a tenant the guard would not let a change reach (a
/// read-only profile, a confirmation or reason missing): nothing was sent.
pub fn refused(member: &Member, plan: &Plan, failure: &crate::exit::Failure) -> Outcome {
    Outcome {
        profile: member.profile.clone(),
        tenant: member.tenant_label().to_string(),
        kind: Kind::Refused,
        exit_code: failure.code,
        message: failure.message.clone(),
        request_id: None,
        changes: planned_keys(plan.changes(), KeyState::NotSent),
        warnings: Vec::new(),
    }
}

/// What the shared send path said, as a report line.
pub fn outcome(member: &Member, planned: &ChangeSet, sent: &Sent) -> Outcome {
    outcome_for(&member.profile, member.tenant_label(), planned, sent)
}

/// [`outcome`] for a tenant named by its profile and SID (the editor's own
/// tenant, which is no fleet member).
pub fn outcome_for(profile: &str, tenant: &str, planned: &ChangeSet, sent: &Sent) -> Outcome {
    let report = sent.report();
    let mut message = report.one_line();
    let changes = match sent {
        Sent::Unknown { changes, .. } => {
            message.push_str("; ");
            message.push_str(&get_hint(profile));
            planned_keys(Some(changes), KeyState::Unknown)
        }
        Sent::Done(done) => done
            .checks
            .iter()
            .filter(|c| !c.companion)
            .map(|c| KeyChange {
                key: c.id.path(),
                old: done.before.get(c.id).map(str::to_string),
                new: c.sent.clone(),
                status: match c.status {
                    KeyStatus::Confirmed => KeyState::Confirmed,
                    KeyStatus::NotTaken(_) => KeyState::NotTaken,
                    KeyStatus::Unconfirmed => KeyState::Unconfirmed,
                },
            })
            .collect(),
        _ => planned_keys(Some(planned), KeyState::NotSent),
    };
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind: report.kind,
        exit_code: report.code,
        message,
        request_id: report.request_id,
        changes,
        warnings: sent.warnings().to_vec(),
    }
}

/// How to see what a tenant holds after a PUT whose answer is not known.
pub fn get_hint(profile: &str) -> String {
    format!("run `exoset get -p {profile}` to see what the tenant holds now")
}

/// The line of a tenant whose PUT went out and was stopped before its
/// answer: it may have been applied.
pub fn interrupted_put(profile: &str, tenant: &str, planned: &ChangeSet) -> Outcome {
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind: Kind::Unknown,
        exit_code: exit::UNKNOWN,
        message: format!(
            "interrupted while the PUT was in flight; it may have been applied: {}",
            get_hint(profile)
        ),
        request_id: None,
        changes: planned_keys(Some(planned), KeyState::Unknown),
        warnings: Vec::new(),
    }
}

/// The line of a tenant whose send was stopped before its PUT went out.
pub fn interrupted_before_put(profile: &str, tenant: &str, planned: &ChangeSet) -> Outcome {
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind: Kind::Cancelled,
        exit_code: exit::INTERRUPTED,
        message: format!(
            "not sent: interrupted before {} went out",
            count(planned.changed().count(), "change")
        ),
        request_id: None,
        changes: planned_keys(Some(planned), KeyState::NotSent),
        warnings: Vec::new(),
    }
}

/// The report both faces print: one line per tenant, then the totals;
/// `interrupted` names what stopped the run ("Interrupted (Ctrl-C)").
pub fn report(outcomes: &[Outcome], interrupted: Option<&str>) -> String {
    report_labelled(outcomes, interrupted, &[])
}

/// [`report`] with each profile's label (`prod-a [PROD]`), taken from the
/// members' sessions.
pub fn report_labelled(
    outcomes: &[Outcome],
    interrupted: Option<&str>,
    members: &[Member],
) -> String {
    let tag = |profile: &str| {
        members
            .iter()
            .find(|m| m.profile == profile)
            .and_then(|m| m.session.as_ref().ok())
            .and_then(|s| s.guard.tag())
            .map(|t| format!(" {t}"))
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            let keys = match o.changes.as_slice() {
                [] => "-".to_string(),
                [one] => crate::text::safe(&one.key).into_owned(),
                many => count(many.len(), "key"),
            };
            vec![
                format!("{}{}", crate::text::safe(&o.profile), tag(&o.profile)),
                crate::text::safe(&o.tenant).into_owned(),
                o.kind.as_str().to_string(),
                keys,
                o.request_id
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |id| crate::text::one_line(id, 40)),
                crate::text::one_line(&o.message, 200),
            ]
        })
        .collect();
    let mut text = table(
        &[
            "PROFILE",
            "TENANT",
            "OUTCOME",
            "KEYS",
            "REQUEST_ID",
            "DETAIL",
        ],
        &rows,
    );
    let totals: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|kind| {
            let n = outcomes.iter().filter(|o| o.kind == *kind).count();
            (n > 0).then(|| format!("{n} {}", kind.as_str()))
        })
        .collect();
    text.push_str(&format!(
        "{}: {}.\n",
        count(outcomes.len(), "tenant"),
        totals.join(", ")
    ));
    if let Some(why) = interrupted {
        text.push_str(&format!(
            "{why}: no request started after it; `cancelled` tenants were sent nothing, \
             `unknown` ones may have taken the change.\n"
        ));
    }
    text
}

/// The exit code of a fleet: the highest among its tenants'.
/// Ctrl-C's 130 gives way to 5 when some tenant's outcome is unknown, so
/// a script can tell "stopped before anything went out" (130) from "some
/// tenants may have changed" (5). The editor's end and the subcommands use
/// this one rule.
pub fn exit_code(outcomes: &[Outcome]) -> u8 {
    let highest = outcomes
        .iter()
        .map(|o| o.exit_code)
        .max()
        .unwrap_or(exit::OK);
    // 5 is the highest code below 130, so it is what the rest would give.
    if highest == exit::INTERRUPTED && outcomes.iter().any(|o| o.kind == Kind::Unknown) {
        exit::UNKNOWN
    } else {
        highest
    }
}
