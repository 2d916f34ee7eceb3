//! The editor's way out: a quit or a signal while sends are in flight stops
//! them as the fleet subcommands do on Ctrl-C, takes in their last results,
//! and keeps the fleet's per-tenant report to print once the terminal is
//! given back; the draft is written again when it must be.

use super::app::RequestKind;
use super::tasks::{Stopped, Tasks};
use super::{Action, App, Driver, Effect, update};
use crate::exit::{self, Failure};
use ratatui::backend::Backend;
use std::io::Write;
use tokio::sync::mpsc;

/// How the run loop ended.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ended {
    Quit,
    Signal(&'static str, u8),
}

impl<B: Backend, S: super::EventSource, W: Write> Driver<B, S, W> {
    /// The editor ends with sends in flight: they are stopped (aborted, as
    /// the fleet subcommands do on Ctrl-C), their last results taken in, and
    /// the fleet's per-tenant report kept to print; the failure says how it
    /// ended: 5 when a PUT may have gone out, 130 when a send was stopped
    /// before its PUT. `None` when nothing was in flight.
    pub(super) async fn wind_down(
        &mut self,
        app: &mut App,
        tasks: &mut Tasks,
        rx: &mut mpsc::UnboundedReceiver<Action>,
        why: &str,
    ) -> Option<Failure> {
        let own_was = tasks.own_in_flight();
        let fleet_was = tasks.fleet_in_flight();
        if !own_was && !fleet_was {
            tasks.cancel();
            return None;
        }
        let planned = app.request.as_ref().and_then(|r| r.changes.clone());
        let stopped = tasks.abort_sends().await;
        tasks.cancel();
        // What came in before the end, the fleet's last word included.
        while let Ok(action) = rx.try_recv() {
            for effect in update(app, action) {
                match effect {
                    Effect::SaveDraft { base, edits } => {
                        let _ = self.write_draft(&base, &edits);
                    }
                    Effect::RemoveDraft => {
                        if let Some(state) = &self.state {
                            let _ = state.dir.remove_draft();
                        }
                    }
                    _ => {}
                }
            }
        }
        let profile = app.profile.clone().unwrap_or_default();
        let tenant = app.tenant.clone().unwrap_or_default();
        let mut lines = Vec::new();
        // The send's own answer, when it came before the end took hold.
        let answered = app
            .request
            .as_ref()
            .is_none_or(|r| r.kind == RequestKind::Loading);
        if own_was && answered {
            lines.extend(app.last_sent.clone());
        } else if own_was {
            let own = match (stopped, &planned) {
                (Stopped::AfterPut, Some(changes)) => {
                    self.maybe_applied = true;
                    Some(crate::fleet::interrupted_put(&profile, &tenant, changes))
                }
                (Stopped::BeforePut, Some(changes)) => Some(crate::fleet::interrupted_before_put(
                    &profile, &tenant, changes,
                )),
                _ => app.last_sent.clone(),
            };
            lines.extend(own);
        }
        if let Some(view) = app.fleet_view() {
            // This tenant's result, when it came before the end.
            if !own_was {
                lines.extend(view.own.outcome.clone());
            }
            lines.extend(view.results.iter().flatten().cloned());
        }
        if lines.is_empty() {
            return None;
        }
        let code = crate::fleet::exit_code(&lines);
        if !app.show_secrets {
            mask_messages(&mut lines, app);
        }
        self.report = Some(crate::fleet::report(&lines, Some(why)));
        let message = match code {
            exit::UNKNOWN => "stopped while sending: a PUT may have been applied (see the report)",
            exit::INTERRUPTED => "stopped while sending, before its PUT went out: nothing was sent",
            exit::OK => "every send had finished",
            _ => "stopped while sending (see the report)",
        };
        (code != exit::OK).then(|| Failure::new(code, message))
    }

    /// Writes the draft a way out needs ([`App::exit_draft`]); again when
    /// its file has gone (another run set it aside) or when its edits may
    /// have been applied.
    pub(super) fn save_exit_draft(&mut self, app: &mut App) -> Result<(), String> {
        let gone = self
            .state
            .as_ref()
            .is_some_and(|state| !state.dir.draft_path().exists());
        match app.exit_draft_with(gone || self.maybe_applied) {
            Some(Effect::SaveDraft { base, edits }) => self.write_draft(&base, &edits),
            _ => Ok(()),
        }
    }
}

/// The report is printed once the terminal is given back, where nothing
/// knows the editor's values: a server's message that quotes a secret of a
/// value sent, or of this tenant's settings, is masked here.
fn mask_messages(lines: &mut [crate::fleet::Outcome], app: &App) {
    let sent: Vec<(crate::schema::FieldId, String)> = lines
        .iter()
        .flat_map(|line| &line.changes)
        .filter_map(|key| {
            let id = crate::schema::lookup_path(&key.key)?;
            Some(
                key.old
                    .iter()
                    .chain([&key.new])
                    .map(move |v| (id, v.clone()))
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect();
    let mut values = app.model.held();
    values.extend(sent.iter().map(|(id, v)| (*id, v.as_str())));
    for line in lines {
        line.message = app
            .secrets
            .mask_in_text(&line.message, values.iter().copied());
    }
}

#[cfg(test)]
#[test]
fn a_report_message_quoting_a_secret_sent_is_masked() {
    use crate::fleet::{KeyChange, Kind, Outcome};
    use exoset_core::outcome::KeyState;
    let app = App::new("demo", "127.0.0.1", false, false);
    let endpoint = "greenvn.greencall_complete_event_endpoint";
    let mut lines = vec![Outcome {
        profile: "unit-2".into(),
        tenant: "exoset-demo-2".into(),
        kind: Kind::Failed,
        exit_code: 1,
        message: "HTTP 400: https://h.example/cb?auth_token=S3cretTok9 is not allowed".into(),
        request_id: None,
        changes: vec![KeyChange {
            key: endpoint.into(),
            old: None,
            new: "https://h.example/cb?auth_token=S3cretTok9".into(),
            status: KeyState::NotSent,
        }],
        warnings: Vec::new(),
    }];
    mask_messages(&mut lines, &app);
    assert!(
        !lines[0].message.contains("S3cretTok9"),
        "{}",
        lines[0].message
    );
    assert!(
        lines[0].message.contains("auth_token=••••"),
        "{}",
        lines[0].message
    );
}
