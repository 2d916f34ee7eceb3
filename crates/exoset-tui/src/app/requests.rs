//! Loading and sending: the requests in flight, and what is said about
//! their answers (in the words the subcommands use for the same outcome).

use super::{App, Effect, ModeState, Request, RequestKind, SignOff, count, paths};
use crate::api::{Answer, ApiError};
use crate::changes::{ChangeSet, KeyStatus};
use crate::exit::Failure;
use crate::model::Flag;
use crate::overlay::confirm::Question;
use crate::overlay::conflicts::AfterConflicts;
use crate::overlay::edit::{EditTarget, SignOffStep};
use crate::schema::FieldId;
use crate::session::{self, Sent};
use crate::settings::Settings;
use crate::sms::SmsForm;
use crate::widgets::{Tone, short};

impl App {
    /// Says something about the problem of `id`; it is forgotten once
    /// that problem is gone ([`App::forget_stale_message`]).
    pub(super) fn say_about(&mut self, id: FieldId, tone: Tone, text: impl Into<String>) {
        self.say(tone, text);
        if let Some(message) = self.message.as_mut() {
            message.about = Some(id);
        }
    }

    /// Drops the message when the problem it tells of is gone, so the
    /// status line never says what is no longer true.
    pub(super) fn forget_stale_message(&mut self) {
        let stale = self
            .message
            .as_ref()
            .and_then(|m| m.about)
            .is_some_and(|id| self.model.problem(id).is_none());
        if stale {
            self.message = None;
        }
    }

    pub(super) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(super) fn start_load(&mut self) -> Vec<Effect> {
        // A load replaces what was pending: no rollback is on its way.
        self.rollback_of = None;
        let seq = self.next_seq();
        self.request = Some(Request {
            seq,
            kind: RequestKind::Loading,
            changes: None,
        });
        vec![Effect::Load { seq }]
    }

    pub(super) fn in_flight(&self, seq: u64) -> bool {
        self.request.as_ref().is_some_and(|r| r.seq == seq)
    }

    pub(super) fn on_loaded(&mut self, seq: u64, result: Result<Answer, ApiError>) {
        if !self.in_flight(seq) {
            return;
        }
        self.request = None;
        match result {
            Ok(answer) => {
                self.adopt(answer.settings);
                self.model.clear_flags();
                let reported = self.model.base().reported().count();
                let total = crate::schema::SETTINGS.len();
                let mut text = format!("Loaded {reported} of {total} settings");
                if reported < total {
                    text.push_str(&format!(" ({} not reported)", total - reported));
                }
                let unknown = self.model.base().unknown().len();
                if unknown > 0 {
                    text.push_str(&format!(
                        "; {} exoset does not know, under Other",
                        count(unknown, "key")
                    ));
                }
                let notes = self.model.base().notes().len();
                if notes > 0 {
                    text.push_str(&format!(
                        "; {} read in an undocumented shape (see the field's details)",
                        count(notes, "value")
                    ));
                }
                text.push('.');
                match self.notice.take() {
                    Some(notice) => self.say(Tone::Warning, format!("{text} {notice}")),
                    None => self.say(Tone::Success, text),
                }
                self.told_held = false;
                if let Some(changes) = self.after_unknown.take() {
                    self.tell_held(&changes);
                    self.told_held = true;
                }
                self.offer_draft();
            }
            Err(e) => {
                self.exit_with(Failure::new(
                    e.exit_code(),
                    format!("could not load the settings: {e}"),
                ));
                let hint = if self.loaded {
                    ""
                } else {
                    " — r tries again"
                };
                self.say(
                    Tone::Error,
                    format!("Could not load the settings: {e}{hint}"),
                );
            }
        }
    }

    /// After a PUT with an unknown outcome, a fresh read says which of the
    /// keys sent the server holds; those are no longer edits.
    fn tell_held(&mut self, changes: &ChangeSet) {
        let (held, not) = session::held_after_unknown(changes, self.model.base());
        let text = match (held.is_empty(), not.is_empty()) {
            (false, true) => format!(
                "The PUT whose answer was lost was applied: the server holds {} sent ({}).",
                if held.len() == 1 {
                    "the change".to_string()
                } else {
                    format!("all {}", count(held.len(), "change"))
                },
                held.join(", ")
            ),
            (true, false) => format!(
                "The PUT whose answer was lost was not applied: the server holds none of {} \
                 ({}). Your changes are kept; s sends them.",
                count(not.len(), "change"),
                not.join(", ")
            ),
            _ => format!(
                "After the lost answer the server holds {} as sent ({}) but not {} ({}); \
                 those are kept as changes.",
                count(held.len(), "key"),
                held.join(", "),
                count(not.len(), "key"),
                not.join(", ")
            ),
        };
        self.exit = (!not.is_empty()).then(|| Failure::new(crate::exit::UNKNOWN, text.clone()));
        self.say(Tone::Warning, text);
    }

    pub(super) fn submit(&mut self) -> Vec<Effect> {
        if self.busy() {
            self.say(
                Tone::Warning,
                "A request is in flight; wait for it, or Esc to cancel it.",
            );
            return vec![];
        }
        if !self.loaded {
            self.say(
                Tone::Warning,
                "Nothing is loaded yet, so nothing can be sent; r loads.",
            );
            return vec![];
        }
        if !self.model.conflicts().is_empty() {
            let cursor = self.model.first_open_conflict().unwrap_or(0);
            self.after_conflicts = AfterConflicts::Send;
            self.mode = ModeState::Conflicts { cursor };
            return vec![];
        }
        if self.model.changes().is_empty() {
            self.mode = ModeState::Browse;
            self.say(Tone::Info, "No changes to send.");
            return vec![];
        }
        if let Some(first) = self.model.changes().problems.first().cloned() {
            let more = self.model.changes().problems.len() - 1;
            self.jump_to(first.id);
            let more = if more > 0 {
                format!(
                    " (and {more} more {})",
                    crate::text::plural(more, "problem")
                )
            } else {
                String::new()
            };
            self.say_about(
                first.id,
                Tone::Error,
                format!("Cannot send: {}: {}{more}", first.id.path(), first.message),
            );
            return vec![];
        }
        self.mode = ModeState::Confirm(Question::Send);
        vec![]
    }

    /// `y` to the send question: first what the guard needs — a read-only
    /// profile stops here; a protected one's tenant SID, and a reason when
    /// the profile requires one, are asked one at a time — then the send.
    pub(super) fn confirm_send(&mut self) -> Vec<Effect> {
        let profile = self.profile.clone().unwrap_or_default();
        if !self.locks.writable(&profile, &self.guard) {
            self.sign_off = SignOff::default();
            self.mode = ModeState::Browse;
            let how = if self.locks.all_read_only {
                "every profile is read-only in this run (--read-only)".to_string()
            } else {
                format!(
                    "profile {} is read-only: start exoset with --write={} to change it",
                    crate::text::safe(&profile),
                    crate::text::safe(&profile)
                )
            };
            self.say(
                Tone::Error,
                format!("Not sent: {how}. Your changes are kept."),
            );
            return vec![];
        }
        if self.guard.mode == crate::guard::Mode::Protected && self.sign_off.tenant.is_none() {
            self.say(
                Tone::Warning,
                format!(
                    "{} is protected: type its tenant SID ({}) to send.",
                    self.target(),
                    crate::text::safe(self.tenant.as_deref().unwrap_or_default())
                ),
            );
            self.open_sign_off(SignOffStep::TenantSid);
            return vec![];
        }
        if self.guard.require_reason && self.sign_off.reason.is_none() {
            self.say(Tone::Info, "This profile needs a reason for every change.");
            self.open_sign_off(SignOffStep::Reason);
            return vec![];
        }
        self.send()
    }

    /// Opens the box that asks the guard's next question.
    pub(super) fn open_sign_off(&mut self, step: SignOffStep) {
        self.mode = ModeState::Edit(crate::overlay::edit::TextEdit::new(
            &self.theme,
            EditTarget::SignOff(step),
            "",
            false,
        ));
    }

    /// An answer to the guard's question: on to the next, or the send.
    pub(super) fn on_sign_off(&mut self, step: SignOffStep, text: String) -> Vec<Effect> {
        let text = text.trim().to_string();
        match step {
            SignOffStep::TenantSid => self.sign_off.tenant = Some(text),
            SignOffStep::Count | SignOffStep::Tenants => match text.parse::<usize>() {
                Ok(n) if step == SignOffStep::Count => self.sign_off.count = Some(n),
                Ok(n) => self.sign_off.tenants = Some(n),
                Err(_) => {
                    self.sign_off = SignOff::default();
                    self.mode = ModeState::Browse;
                    self.say(
                        Tone::Error,
                        format!(
                            "Not sent: {} is not a number of tenants. Your changes are kept.",
                            crate::session::quoted(&text)
                        ),
                    );
                    return vec![];
                }
            },
            SignOffStep::Reason if text.is_empty() => {
                self.open_sign_off(SignOffStep::Reason);
                self.say(Tone::Warning, "A reason is needed; Esc cancels the send.");
                return vec![];
            }
            SignOffStep::Reason => self.sign_off.reason = Some(text),
        }
        self.mode = ModeState::Browse;
        match self.sign_off.fleet {
            Some(view) => self.confirm_fleet_send(view),
            None => self.confirm_send(),
        }
    }

    /// Esc at the guard's question: nothing is sent.
    pub(super) fn cancel_sign_off(&mut self) {
        self.sign_off = SignOff::default();
        self.mode = match self.held_fleet.take() {
            Some(view) => ModeState::Fleet(view),
            None => ModeState::Browse,
        };
        self.say(Tone::Info, "Nothing sent. Your changes are kept.");
    }

    pub(super) fn send(&mut self) -> Vec<Effect> {
        self.message = None;
        self.mode = ModeState::Browse;
        let seq = self.next_seq();
        let sign_off = std::mem::take(&mut self.sign_off);
        let confirmation = match (sign_off.tenant, sign_off.count) {
            (Some(sid), _) => crate::guard::Confirmation::Tenant(sid),
            (None, Some(typed)) => crate::guard::Confirmation::Count {
                typed,
                protected: sign_off.protected,
            },
            (None, None) => crate::guard::Confirmation::Yes,
        };
        let reason = sign_off.reason;
        self.request = Some(Request {
            seq,
            kind: RequestKind::Checking,
            changes: Some(self.model.changes().clone()),
        });
        vec![Effect::Submit {
            seq,
            base: self.model.base().clone(),
            edits: self.model.edits().clone(),
            rollback_of: self.rollback_of,
            confirmation,
            reason,
        }]
    }

    pub(super) fn on_checked(&mut self, seq: u64) {
        if let Some(request) = self.request.as_mut().filter(|r| r.seq == seq) {
            request.kind = RequestKind::Sending;
        }
    }

    /// What the shared send path did, told as the subcommands tell it.
    pub(super) fn on_sent(&mut self, seq: u64, sent: Sent) -> Vec<Effect> {
        let Some(request) = self.request.take_if(|r| r.seq == seq) else {
            return vec![];
        };
        let line = request.changes.as_ref().map(|changes| {
            crate::fleet::outcome_for(
                self.profile.as_deref().unwrap_or_default(),
                self.tenant.as_deref().unwrap_or_default(),
                changes,
                &sent,
            )
        });
        self.last_sent = line.clone();
        // In the fleet view this tenant's result is one of its rows; the
        // view stays open whatever the status line then says.
        let view = match std::mem::replace(&mut self.mode, ModeState::Browse) {
            ModeState::Fleet(mut view) if view.own.seq == Some(seq) => {
                if let Some(line) = line {
                    view.own_sent(line);
                }
                Some(view)
            }
            other => {
                self.mode = other;
                None
            }
        };
        let effects = self.tell_sent(sent);
        // Sent (or nothing left to send): the next send is no rollback.
        if self.model.edits().is_empty() {
            self.rollback_of = None;
        }
        if let Some(view) = view {
            self.mode = ModeState::Fleet(view);
        }
        effects
    }

    /// What the shared send path did, said on the status line.
    fn tell_sent(&mut self, sent: Sent) -> Vec<Effect> {
        // The words and exit code the subcommands end with for the same
        // outcome; the status line says it the editor's way.
        let report = sent.report();
        match sent {
            Sent::ReadFailed(e) => {
                self.say(
                    Tone::Error,
                    format!(
                        "Not sent: the settings could not be read again before sending: {e}. \
                         Your changes are kept."
                    ),
                );
            }
            Sent::Conflicts { fresh, conflicts } => {
                let taken = self.take_in(fresh);
                let n = conflicts.len();
                let text = format!(
                    "{taken}Not sent: {} changed both here and on the server since loading; \
                     pick mine (m) or theirs (t) for each.",
                    count(n, "setting")
                );
                self.say(Tone::Warning, text);
                self.open_conflicts(conflicts, AfterConflicts::Send);
                // Quitting before a send succeeds exits 4, as `set` does.
                // Set once the conflicts are open: its words name the value
                // loaded before, which only their flags hold now.
                self.exit_with(Failure::new(report.code, report.block()));
            }
            Sent::Moved { fresh, .. } => {
                let taken = self.take_in(fresh);
                let text =
                    format!("{taken}Not sent: the server changed keys to send; s tries again.");
                self.exit_with(Failure::new(report.code, report.block()));
                self.say(Tone::Warning, text);
            }
            Sent::Nothing { fresh, .. } => {
                let taken = self.take_in(fresh);
                self.say(
                    Tone::Info,
                    format!("{taken}Nothing sent: the server already holds these values."),
                );
            }
            Sent::Refused(failure) => {
                self.say(
                    Tone::Error,
                    format!("{} Your changes are kept.", failure.message),
                );
                self.exit_with(failure);
            }
            Sent::Invalid { fresh, .. } => {
                let taken = self.take_in(fresh);
                self.say(Tone::Warning, taken);
                // Says which problem stops the send.
                return self.submit();
            }
            Sent::Done(done) => self.on_done(&done),
            Sent::Failed {
                fresh,
                changes,
                error,
            } => {
                let taken = self.take_in(fresh);
                if let Some(id) = session::refused_key(&error, &changes) {
                    // The server's message may quote a secret it was sent:
                    // masked as the status line masks it.
                    let message = self.scrubbed(error.server_message().unwrap_or_default().into());
                    self.model.mark(id, Flag::Refused { message });
                    self.jump_to(id);
                }
                let explained = session::explain(&error, &changes);
                self.exit_with(Failure::new(report.code, report.block()));
                self.say(
                    Tone::Error,
                    format!("{taken}Not applied: {explained}. Your changes are kept."),
                );
            }
            Sent::Unknown {
                changes,
                error,
                warnings,
                ..
            } => {
                self.exit_with(Failure::new(report.code, report.headline));
                let also: String = warnings.iter().map(|w| format!(" ({w})")).collect();
                self.say(
                    Tone::Warning,
                    format!(
                        "{error}. Your changes are kept as a draft; reading the settings \
                         again to see which the server holds…{also}"
                    ),
                );
                self.after_unknown = Some(changes);
                return self.start_load();
            }
        }
        vec![]
    }

    fn on_done(&mut self, done: &session::Done) {
        let request_id = session::request_id_part(done.request_id.as_deref());
        self.adopt(done.after.clone());
        self.model.clear_flags();
        self.exit = None;
        let taken = if done.taken_in.is_empty() {
            String::new()
        } else {
            format!(
                " Taken in from the server first: {}.",
                paths(done.taken_in.iter().copied())
            )
        };
        for check in &done.checks {
            match &check.status {
                KeyStatus::Confirmed => {}
                KeyStatus::Unconfirmed => {
                    self.model.mark(
                        check.id,
                        Flag::Unconfirmed {
                            sent: check.sent.clone(),
                        },
                    );
                }
                KeyStatus::NotTaken(got) => {
                    self.model.mark(
                        check.id,
                        Flag::NotTaken {
                            sent: check.sent.clone(),
                            got: Some(got.clone()),
                        },
                    );
                }
            }
        }
        let unconfirmed = session::unconfirmed_line(done)
            .map(|line| format!(" {line} (marked ?)."))
            .unwrap_or_default();
        let missed: Vec<String> = done
            .not_taken()
            .map(|(check, got)| {
                format!(
                    "{} (sent {}, server has {})",
                    check.id.path(),
                    short(&check.sent, 40),
                    short(got, 40)
                )
            })
            .collect();
        if missed.is_empty() {
            let tone = if unconfirmed.is_empty() {
                Tone::Success
            } else {
                Tone::Warning
            };
            self.say(
                tone,
                format!(
                    "Saved {} to {}{request_id}.{unconfirmed}{taken}",
                    count(done.changed(), "change"),
                    self.target()
                ),
            );
            return;
        }
        let text = format!(
            "Saved to {}{request_id}, but the server did not take {} as sent (marked ~): {}.",
            self.target(),
            count(missed.len(), "key"),
            missed.join("; ")
        );
        self.exit_with(Failure::new(crate::exit::NETWORK, text.clone()));
        self.say(Tone::Warning, format!("{text}{unconfirmed}{taken}"));
    }

    pub(super) fn cancel_request(&mut self) -> Vec<Effect> {
        let Some(request) = self.request.take() else {
            return vec![];
        };
        let text = match request.kind {
            RequestKind::Loading => "Load cancelled; r loads again.",
            RequestKind::Checking => "Send cancelled; nothing was sent. Your changes are kept.",
            RequestKind::Sending => {
                "Send cancelled while the PUT was in flight: the server may still have \
                 applied it. r reloads to check; your changes are kept."
            }
        };
        let tone = if request.kind == RequestKind::Sending {
            Tone::Warning
        } else {
            Tone::Info
        };
        self.say(tone, text);
        vec![Effect::Cancel]
    }

    /// Makes a fresh read the base; returns "Taken in from the server: …. "
    /// naming the keys that changed only there, or nothing.
    fn take_in(&mut self, fresh: Settings) -> String {
        let taken = self.model.take_in(fresh);
        self.loaded = true;
        self.refresh_form();
        if taken.is_empty() {
            String::new()
        } else {
            format!("Taken in from the server: {}. ", paths(taken.into_iter()))
        }
    }

    /// Makes `settings` the new base; edits equal to it are dropped.
    fn adopt(&mut self, settings: Settings) {
        self.model.adopt(settings);
        self.loaded = true;
        self.refresh_form();
    }

    /// The open `sms_config` form, read again from the model.
    fn refresh_form(&mut self) {
        if let Some(form) = &self.form {
            let id = form.id;
            match SmsForm::open(id, self.model.value(id)) {
                Ok(mut fresh) => {
                    fresh.cursor = form.cursor;
                    self.form = Some(fresh);
                }
                Err(_) => {
                    self.form = None;
                    if matches!(self.mode, ModeState::SmsForm) {
                        self.mode = ModeState::Browse;
                    }
                }
            }
        }
    }
}
