//! Drafts of unsent edits: offering one found at start (its keys listed,
//! old → new), restoring it, and keeping the edits on disk as they change.

use super::{App, Effect, ModeState, count, paths, tab_index};
use crate::keys::Command;
use crate::overlay::confirm::Question;
use crate::overlay::conflicts::AfterConflicts;
use crate::overlay::draft::{self, DraftOffer, FoundDraft};
use crate::rows::RowKey;
use crate::widgets::Tone;

impl App {
    pub(super) fn on_draft_read(&mut self, result: Result<Option<FoundDraft>, String>) {
        self.draft_read = true;
        match result {
            Ok(Some(draft)) if !draft.edits.is_empty() => {
                self.draft_offer = Some(DraftOffer::new(draft));
                self.offer_draft();
            }
            Ok(_) => {}
            Err(message) => self.say(Tone::Warning, message),
        }
    }

    /// Asks about a found draft once the settings it applies to are known.
    pub(super) fn offer_draft(&mut self) {
        if self.loaded && self.draft_offer.is_some() && !matches!(self.mode, ModeState::Confirm(_))
        {
            self.mode = ModeState::Confirm(Question::RestoreDraft);
        }
    }

    pub(super) fn draft_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page();
        let Some(offer) = self.draft_offer.as_mut() else {
            self.mode = ModeState::Browse;
            return vec![];
        };
        match offer.command(command, page) {
            draft::Outcome::Restore => {
                self.mode = ModeState::Browse;
                self.restore_draft();
            }
            draft::Outcome::Discard => {
                self.mode = ModeState::Browse;
                self.draft_offer = None;
                self.say(
                    Tone::Info,
                    "Draft discarded: set aside in the tenant's discarded/ folder.",
                );
                return vec![Effect::DiscardDraft];
            }
            draft::Outcome::Later => {
                self.mode = ModeState::Browse;
                self.draft_offer = None;
                self.say(
                    Tone::Info,
                    "The draft is kept; the next start offers it again.",
                );
                return vec![Effect::PostponeDraft];
            }
            draft::Outcome::Stay => {}
        }
        vec![]
    }

    /// Puts a found draft's edits on the current settings; keys that moved on
    /// the server since the draft's base are flagged. The pane holding the
    /// first change is shown, that change selected.
    fn restore_draft(&mut self) {
        let Some(offer) = self.draft_offer.take() else {
            return;
        };
        let first = offer.keys().first().copied();
        let draft = offer.draft;
        let drift = self.model.take_draft(&draft.base, &draft.edits);
        if let Some(first) = first {
            self.tab = first.setting().section;
            self.filter.clear();
            self.selected[tab_index(self.tab)] = Some(RowKey::Field(first));
        }
        let mut text = format!(
            "Restored {} from the draft",
            count(self.model.edits().len(), "change")
        );
        if !drift.taken_in.is_empty() {
            text.push_str(&format!(
                "; taken in from the server since: {}",
                paths(drift.taken_in.iter().map(|(id, ..)| *id))
            ));
        }
        text.push('.');
        self.say(Tone::Info, text);
        if !drift.conflicts.is_empty() {
            self.open_conflicts(drift.conflicts, AfterConflicts::Browse);
        }
    }

    /// Whether drafts may be written: kept on disk, the one there read and
    /// no longer offered, and settings loaded to make them over.
    fn draft_settled(&self) -> bool {
        self.drafts && self.draft_read && self.draft_offer.is_none() && self.loaded
    }

    /// Writes the draft when the edits changed since it was last written.
    pub(super) fn draft_effects(&mut self) -> Option<Effect> {
        let edits = self.model.edits();
        if !self.draft_settled() || *edits == self.saved_edits {
            return None;
        }
        self.saved_edits = edits.clone();
        Some(if edits.is_empty() {
            Effect::RemoveDraft
        } else {
            Effect::SaveDraft {
                base: self.model.base().clone(),
                edits: edits.clone(),
            }
        })
    }

    /// The draft to write on the way out (a signal, a panic, a quit): the
    /// edits plus the text of an edit box still open, kept as typed (valid or
    /// not; an invalid one is marked when the draft is restored). `None` when
    /// the draft on disk already holds it, or no draft may be written yet.
    pub fn exit_draft(&mut self) -> Option<Effect> {
        self.exit_draft_with(false)
    }

    /// [`App::exit_draft`]; `again`: even when the draft on disk should
    /// already hold it (its file has gone, or it must now say the edits
    /// may have been applied).
    pub fn exit_draft_with(&mut self, again: bool) -> Option<Effect> {
        if !self.draft_settled() {
            return None;
        }
        let mut edits = self.model.edits().clone();
        if let ModeState::Edit(edit) = &self.mode {
            let mut typed = self.clone();
            typed.keep(edit.target, edit.text());
            edits = typed.model.edits().clone();
        }
        if edits.is_empty() || (!again && edits == self.saved_edits) {
            return None;
        }
        self.saved_edits = edits.clone();
        Some(Effect::SaveDraft {
            base: self.model.base().clone(),
            edits,
        })
    }
}
