//! Carrying out what an overlay's keys ask: each overlay changes only its
//! own state and says what it wants (an outcome); here that becomes a
//! change of the model, of the mode, or an effect.

use super::{App, Effect, ModeState};
use crate::changes::Conflict;
use crate::keys::Command;
use crate::overlay::confirm::{self, Question};
use crate::overlay::conflicts::{self, AfterConflicts};
use crate::overlay::edit::{self, EditTarget, TextEdit, pretty_json};
use crate::overlay::history::{self, HistoryView};
use crate::overlay::multi_pick::{self, MultiPick};
use crate::overlay::pick::{self, PickTarget};
use crate::overlay::{diff, filter, headers, help, sms_form};
use crate::rows::RowKey;
use crate::schema::{FieldId, Kind};
use crate::sms::{self, FormRow, PartKind, SmsForm};
use crate::store::{History, Loaded};
use crate::validate;
use crate::widgets::Tone;
use crossterm::event::KeyEvent;

impl App {
    // ----- text edits -----

    pub(super) fn open_edit(&mut self, target: EditTarget, text: &str, lines: bool) {
        let mut edit = TextEdit::new(&self.theme, target, text, lines);
        edit.error = self.check_text(target, &edit.text());
        self.mode = ModeState::Edit(edit);
    }

    pub(super) fn open_raw(&mut self, id: FieldId) {
        let text = pretty_json(self.model.value(id).unwrap_or_default());
        self.open_edit(EditTarget::Raw(id), &text, true);
    }

    /// The validation message for text typed for `target`, if it is invalid.
    fn check_text(&self, target: EditTarget, text: &str) -> Option<String> {
        match target {
            EditTarget::Field(id) | EditTarget::Raw(id) => {
                validate::check(id.setting().kind, text).err()
            }
            EditTarget::SignOff(_) => None,
            EditTarget::SmsPart(party, key) => {
                let mut form = self.form.clone()?;
                form.set_text(party, key, text.to_string());
                validate::check(Kind::SmsConfigJson, &form.to_value().to_string()).err()
            }
        }
    }

    /// Keeps text for a target, valid or not — never text holding the mask
    /// of a secret (masked output is never input).
    pub(super) fn keep(&mut self, target: EditTarget, text: String) {
        if crate::secrets::holds_mask(&text) {
            self.say(
                Tone::Error,
                format!(
                    "Not kept: the text holds {}, a masked secret; type the value whole (R shows \
                     the selected one, `exoset export` writes them all).",
                    crate::secrets::MASK
                ),
            );
            return;
        }
        match target {
            EditTarget::Field(id) => self.model.set(id, text),
            EditTarget::Raw(id) => {
                self.model.set_raw(id, text);
                if self.form.as_ref().is_some_and(|f| f.id == id) {
                    let cursor = self.form.as_ref().map_or(0, |f| f.cursor);
                    match SmsForm::open(id, self.model.value(id)) {
                        Ok(mut form) => {
                            form.cursor = cursor;
                            self.form = Some(form);
                        }
                        Err(message) => {
                            self.form = None;
                            self.say(
                                Tone::Warning,
                                format!("Kept as raw JSON; the form cannot show it: {message}"),
                            );
                        }
                    }
                }
            }
            EditTarget::SmsPart(party, key) => {
                if let Some(form) = self.form.as_mut() {
                    form.set_text(party, key, text);
                }
                self.save_form();
            }
            // Answers to the guard never become values.
            EditTarget::SignOff(_) => {}
        }
    }

    fn save_form(&mut self) {
        if let Some(form) = &self.form {
            let (id, value) = (form.id, form.to_value());
            if self.model.value(id).is_none() && form.doc.is_empty() {
                return;
            }
            self.model.set_json(id, &value);
        }
    }

    /// Back to the form when one is open, else to the list.
    fn back_from_edit(&mut self) {
        self.mode = if self.form.is_some() {
            ModeState::SmsForm
        } else {
            ModeState::Browse
        };
    }

    pub(super) fn edit_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Edit(edit) = &mut self.mode else {
            return vec![];
        };
        let sign_off = match edit.target {
            EditTarget::SignOff(step) => Some(step),
            _ => None,
        };
        match (edit.command(command), sign_off) {
            (edit::Outcome::Keep { text, .. }, Some(step)) => return self.on_sign_off(step, text),
            (edit::Outcome::Discard, Some(_)) => {
                self.cancel_sign_off();
                return vec![];
            }
            (
                edit::Outcome::Keep {
                    target,
                    text,
                    invalid,
                },
                None,
            ) => {
                self.mode = ModeState::Browse;
                self.keep(target, text);
                if self.form.is_some() {
                    self.mode = ModeState::SmsForm;
                }
                if let Some(message) = invalid {
                    let text = format!("Kept, but invalid (marked !; it stops a send): {message}");
                    match target {
                        EditTarget::Field(id) | EditTarget::Raw(id) => {
                            self.say_about(id, Tone::Warning, text);
                        }
                        EditTarget::SmsPart(..) | EditTarget::SignOff(_) => {
                            match self.form.as_ref().map(|f| f.id) {
                                Some(id) => self.say_about(id, Tone::Warning, text),
                                None => self.say(Tone::Warning, text),
                            }
                        }
                    }
                }
            }
            (edit::Outcome::Changed, _) => self.revalidate(),
            (edit::Outcome::Discard, None) => self.back_from_edit(),
            (edit::Outcome::Stay, _) => {}
        }
        vec![]
    }

    fn revalidate(&mut self) {
        let (target, text) = match &self.mode {
            ModeState::Edit(edit) => (edit.target, edit.text()),
            _ => return,
        };
        let error = self.check_text(target, &text);
        if let ModeState::Edit(edit) = &mut self.mode {
            edit.error = error;
        }
    }

    /// A key no binding claims: typing, in the modes that take text.
    pub(super) fn type_key(&mut self, key: KeyEvent) {
        match &mut self.mode {
            ModeState::Filter(input) => {
                let outcome = filter::type_key(input, key);
                if outcome == filter::Outcome::Changed {
                    self.filter = filter::text(input);
                }
            }
            ModeState::Edit(edit) => {
                let outcome = edit.type_key(key);
                if outcome == edit::Outcome::Changed {
                    self.revalidate();
                }
            }
            ModeState::Tenants(pick) if pick.typing => pick.type_key(key),
            _ => {}
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) {
        match &mut self.mode {
            ModeState::Tenants(pick) if pick.typing => pick.paste(text),
            ModeState::Filter(input) => {
                filter::paste(input, text);
                self.filter = filter::text(input);
            }
            ModeState::Edit(edit) => {
                edit.paste(text);
                self.revalidate();
            }
            _ => {}
        }
    }

    pub(super) fn filter_command(&mut self, command: Command) {
        let ModeState::Filter(input) = &mut self.mode else {
            return;
        };
        match filter::command(input, command) {
            filter::Outcome::Done => self.mode = ModeState::Browse,
            filter::Outcome::Clear => {
                self.filter.clear();
                self.mode = ModeState::Browse;
            }
            filter::Outcome::Move(command) => self.move_selection(command),
            filter::Outcome::Changed => self.filter = filter::text(input),
            filter::Outcome::Stay => {}
        }
    }

    // ----- picks -----

    pub(super) fn pick_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page();
        let ModeState::Pick(pick) = &mut self.mode else {
            return vec![];
        };
        match pick.command(command, page) {
            pick::Outcome::Chose(target, chosen) => {
                self.mode = ModeState::Browse;
                match target {
                    PickTarget::Enum(id) => self.model.set(id, chosen),
                    PickTarget::ContentType(id) if chosen == headers::RAW_JSON_OPTION => {
                        let text = self.model.value(id).unwrap_or_default().to_string();
                        self.open_edit(EditTarget::Raw(id), &text, false);
                    }
                    PickTarget::ContentType(id) => {
                        let value = headers::with_content_type(self.model.value(id), chosen);
                        self.model.set_json(id, &value);
                    }
                }
            }
            pick::Outcome::Close => self.mode = ModeState::Browse,
            pick::Outcome::Stay => {}
        }
        vec![]
    }

    pub(super) fn multi_command(&mut self, command: Command) {
        let page = self.page();
        let ModeState::MultiPick(pick) = &mut self.mode else {
            return;
        };
        match pick.command(command, page) {
            multi_pick::Outcome::Chose(party, ticks) => {
                self.mode = ModeState::SmsForm;
                if let Some(form) = self.form.as_mut() {
                    form.set_ticks(party, &ticks);
                }
                self.save_form();
            }
            multi_pick::Outcome::Close => self.mode = ModeState::SmsForm,
            multi_pick::Outcome::Stay => {}
        }
    }

    // ----- the sms_config form -----

    pub(super) fn form_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(form) = self.form.as_mut() else {
            self.mode = ModeState::Browse;
            return vec![];
        };
        match sms_form::command(form, command) {
            sms_form::Outcome::Edit(row) => self.form_edit(row),
            sms_form::Outcome::External(row) => {
                let id = form.id;
                return match row {
                    FormRow::Part(party, key)
                        if matches!(sms::part_kind(key), PartKind::Line | PartKind::Lines) =>
                    {
                        vec![Effect::ExternalEdit {
                            target: EditTarget::SmsPart(party, key),
                            text: form.text(party, key),
                            json: false,
                        }]
                    }
                    _ => vec![self.external_for(id)],
                };
            }
            sms_form::Outcome::Close => {
                self.form = None;
                self.mode = ModeState::Browse;
            }
            sms_form::Outcome::Help => self.open_help(),
            sms_form::Outcome::Stay => {}
        }
        vec![]
    }

    fn form_edit(&mut self, row: FormRow) {
        let Some(form) = self.form.as_mut() else {
            return;
        };
        match row {
            FormRow::Part(party, key) => match sms::part_kind(key) {
                PartKind::Toggle => {
                    form.toggle(party);
                    self.save_form();
                }
                PartKind::Statuses => {
                    self.mode = ModeState::MultiPick(MultiPick {
                        party,
                        ticks: form.ticks(party),
                        cursor: 0,
                    });
                }
                kind => {
                    let text = form.text(party, key);
                    self.open_edit(
                        EditTarget::SmsPart(party, key),
                        &text,
                        kind == PartKind::Lines || text.contains('\n'),
                    );
                }
            },
            FormRow::Raw => {
                let (id, text) = (form.id, pretty_json(&form.to_value().to_string()));
                self.open_edit(EditTarget::Raw(id), &text, true);
            }
            FormRow::Party(_) => {}
        }
    }

    // ----- diff, help, questions -----

    pub(super) fn diff_command(&mut self, command: Command) -> Vec<Effect> {
        let len = self.overlay_len();
        let ModeState::Diff { scroll } = &mut self.mode else {
            return vec![];
        };
        match diff::command(scroll, command, len) {
            diff::Outcome::Submit => return self.submit(),
            diff::Outcome::Close => self.mode = ModeState::Browse,
            diff::Outcome::Help => self.open_help(),
            diff::Outcome::Stay => {}
        }
        vec![]
    }

    pub(super) fn help_command(&mut self, command: Command) {
        let len = self.overlay_len();
        let ModeState::Help { scroll, back } = &mut self.mode else {
            return;
        };
        if help::command(scroll, len, command) {
            let back = std::mem::replace(back.as_mut(), ModeState::Browse);
            self.mode = back;
        }
    }

    pub(super) fn confirm_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Confirm(question) = self.mode else {
            return vec![];
        };
        if command == Command::AlsoSend {
            if question == Question::Send {
                self.open_tenants(crate::overlay::tenants::Purpose::AlsoSend);
            }
            return vec![];
        }
        match (confirm::answer(command), question) {
            (Some(true), Question::Send) => return self.confirm_send(),
            (Some(true), Question::Quit) => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            (Some(true), Question::Reload) => {
                self.mode = ModeState::Browse;
                self.model.discard_edits();
                self.form = None;
                return self.start_load();
            }
            (Some(false), _) => self.mode = ModeState::Browse,
            _ => {}
        }
        vec![]
    }

    // ----- conflicts -----

    /// Flags keys changed on both sides and opens the view to resolve them.
    pub(super) fn open_conflicts(&mut self, conflicts: Vec<Conflict>, after: AfterConflicts) {
        self.model.open_conflicts(conflicts);
        self.after_conflicts = after;
        self.mode = ModeState::Conflicts { cursor: 0 };
    }

    pub(super) fn conflicts_command(&mut self, command: Command) -> Vec<Effect> {
        let len = self.model.conflicts().len();
        let ModeState::Conflicts { cursor } = &mut self.mode else {
            return vec![];
        };
        let at = *cursor;
        match conflicts::command(cursor, len, command) {
            conflicts::Outcome::Choose(choice) => {
                self.model.choose(at, choice);
                // On to the next key still open, as a person works down the list.
                if let Some(next) = self.model.first_open_conflict() {
                    self.mode = ModeState::Conflicts { cursor: next };
                }
            }
            conflicts::Outcome::ChooseAll(choice) => self.model.choose_all(choice),
            conflicts::Outcome::Resolve => return self.resolve_conflicts(),
            conflicts::Outcome::Close => {
                self.mode = ModeState::Browse;
                self.say(
                    Tone::Warning,
                    format!(
                        "Not sent: {} changed both here and on the server (marked ~); s resolves.",
                        count(len, "setting")
                    ),
                );
            }
            conflicts::Outcome::Help => self.open_help(),
            conflicts::Outcome::Stay => {}
        }
        vec![]
    }

    /// Applies the choices: mine keeps the edit over the server's value,
    /// theirs drops it. Refused while any key has no choice.
    fn resolve_conflicts(&mut self) -> Vec<Effect> {
        let Some((mine, theirs)) = self.model.resolve() else {
            let open = self
                .model
                .conflicts()
                .iter()
                .filter(|c| c.choice.is_none())
                .count();
            let first = self.model.first_open_conflict().unwrap_or(0);
            self.mode = ModeState::Conflicts { cursor: first };
            self.say(
                Tone::Warning,
                format!(
                    "{} still to resolve: m keeps mine, t takes theirs.",
                    count(open, "conflict")
                ),
            );
            return vec![];
        };
        self.mode = ModeState::Browse;
        self.say(
            Tone::Info,
            format!("Resolved: kept mine for {mine}, took theirs for {theirs}."),
        );
        match self.after_conflicts {
            AfterConflicts::Send => self.submit(),
            AfterConflicts::Browse => vec![],
        }
    }

    // ----- history -----

    /// `H`: opens the view and asks for the history file.
    pub(super) fn open_history(&mut self) -> Vec<Effect> {
        self.mode = ModeState::History(Box::new(HistoryView::reading()));
        vec![Effect::ReadHistory]
    }

    pub(super) fn on_history_read(&mut self, read: Option<Loaded<History>>) {
        if let ModeState::History(view) = &mut self.mode {
            view.read(read);
        }
    }

    pub(super) fn history_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::History(view) = &mut self.mode else {
            return vec![];
        };
        match view.command(command) {
            history::Outcome::Close => self.mode = ModeState::Browse,
            history::Outcome::Rollback(item) => self.rollback(&item),
            history::Outcome::Stay => {}
        }
        vec![]
    }

    /// Turns a history entry into pending edits; keys that cannot be rolled
    /// back are left out, and the message says which and why.
    fn rollback(&mut self, item: &history::Item) {
        if !self.loaded {
            self.say(
                Tone::Warning,
                "The settings are not loaded yet; roll back once they are (r loads).",
            );
            return;
        }
        if !item.outcome.landed() {
            self.say(
                Tone::Warning,
                format!(
                    "Entry {} is not known to have been applied ({}); nothing to roll back.",
                    item.id,
                    item.outcome.as_str()
                ),
            );
            return;
        }
        let plan = history::plan(&self.model, item);
        let restored = self.model.apply_rollback(&plan);
        let mask = |id: FieldId, value: &str| {
            if self.show_secrets {
                value.to_string()
            } else {
                self.secrets.mask(id, value)
            }
        };
        let (tone, text) = history::rollback_words(item, &plan, restored.len(), &mask);
        self.say(tone, text);
        // Nothing put back: stay on the entry, so the marks explain why.
        let Some(first) = restored.first() else {
            return;
        };
        // The send records it as this entry's rollback, as `exoset
        // rollback` does.
        self.rollback_of = Some(item.id);
        self.mode = ModeState::Browse;
        // Show the first key put back, in its pane.
        self.tab = first.setting().section;
        self.selected[super::tab_index(self.tab)] = Some(RowKey::Field(*first));
    }
}

use crate::text::count;
