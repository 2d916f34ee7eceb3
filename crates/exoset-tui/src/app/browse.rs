//! The list of settings: moving, the keys that act on the selected row,
//! the mouse, and opening the overlay a row is edited in.

use super::{App, Effect, ModeState, RequestKind, tab_index};
use crate::keys::{Command, Mode};
use crate::overlay::confirm::Question;
use crate::overlay::edit::{EditTarget, pretty_json, text_input};
use crate::overlay::pick::Pick;
use crate::overlay::{headers, move_in};
use crate::rows::{self, Row, RowKey};
use crate::schema::{FieldId, Kind, Section};
use crate::sms::SmsForm;
use crate::widgets::Tone;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use serde_json::Value;

impl App {
    pub(super) fn browse(&mut self, command: Command) -> Vec<Effect> {
        // The detail pane's scroll holds for the field it was scrolled on:
        // any other key starts the next field's at its top.
        match command {
            Command::DetailDown => {
                self.detail_scroll = self.detail_scroll.saturating_add(1);
                return vec![];
            }
            Command::DetailUp => {
                self.detail_scroll = self.detail_scroll.saturating_sub(1);
                return vec![];
            }
            _ => self.detail_scroll = 0,
        }
        match command {
            Command::ShowTab(section) => self.tab = section,
            Command::NextTab | Command::PrevTab => {
                let n = Section::ALL.len();
                let i = tab_index(self.tab);
                let to = if command == Command::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.tab = Section::ALL[to];
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last => self.move_selection(command),
            Command::Edit => return self.edit_selected(false),
            Command::Toggle => return self.edit_selected(true),
            Command::Revert => self.revert_selected(),
            Command::Filter => {
                self.mode = ModeState::Filter(text_input(&self.theme, &self.filter, false));
            }
            Command::ShowDiff => self.mode = ModeState::Diff { scroll: 0 },
            Command::Submit => return self.submit(),
            Command::Reload => return self.reload(),
            Command::Copy => return self.copy_selected(),
            Command::Reveal => {
                let selected = self.selected_field();
                self.reveal = if self.reveal == selected {
                    None
                } else {
                    selected
                };
            }
            Command::ExternalEdit => return self.external_selected(),
            Command::Help => self.open_help(),
            Command::Cancel => {
                if self.busy() {
                    return self.cancel_request();
                }
                if !self.filter.is_empty() {
                    self.filter.clear();
                } else {
                    self.message = None;
                }
            }
            Command::Quit => return self.quit_asking(),
            Command::History => return self.open_history(),
            Command::Tenants => {
                self.open_tenants(crate::overlay::tenants::Purpose::Switch);
                return vec![];
            }
            _ => {}
        }
        vec![]
    }

    pub(super) fn open_help(&mut self) {
        let back = std::mem::replace(&mut self.mode, ModeState::Browse);
        self.mode = ModeState::Help {
            scroll: 0,
            back: Box::new(back),
        };
    }

    pub(super) fn reload(&mut self) -> Vec<Effect> {
        if self.busy() {
            self.say(
                Tone::Warning,
                "A request is in flight; wait for it, or Esc to cancel it.",
            );
            return vec![];
        }
        if !self.model.edits().is_empty() {
            self.mode = ModeState::Confirm(Question::Reload);
            return vec![];
        }
        self.start_load()
    }

    pub(super) fn quit_asking(&mut self) -> Vec<Effect> {
        let sending = self
            .request
            .as_ref()
            .is_some_and(|r| r.kind != RequestKind::Loading);
        if self.model.edits().is_empty() && !sending {
            self.quit = true;
            return vec![Effect::Quit];
        }
        self.mode = ModeState::Confirm(Question::Quit);
        vec![]
    }

    pub(super) fn read_only(&mut self, section: &str, key: &str) {
        self.say(
            Tone::Info,
            format!(
                "{section}.{key} is not a setting exoset knows: it is shown as the server sent \
                 it, read-only, and never sent back."
            ),
        );
    }

    pub(super) fn not_loaded(&mut self) -> bool {
        if !self.loaded {
            self.say(
                Tone::Warning,
                "The settings are not loaded yet; edit once they are (r loads).",
            );
        }
        !self.loaded
    }

    /// The selected setting when it can be edited now; else says why not.
    pub(super) fn selected_editable(&mut self) -> Option<FieldId> {
        let id = match self.selected_key()? {
            RowKey::Field(id) => id,
            RowKey::Unknown(section, key) => {
                self.read_only(&section, &key);
                return None;
            }
        };
        (!self.not_loaded()).then_some(id)
    }

    /// Enter (`step` false) or Space (`step` true) on the selected row.
    fn edit_selected(&mut self, step: bool) -> Vec<Effect> {
        let Some(id) = self.selected_editable() else {
            return vec![];
        };
        if step && !steps(id) {
            // Space only toggles or steps; on text it would open the edit
            // box and the next j or k would be typed into it.
            return vec![];
        }
        match id.setting().kind {
            Kind::BoolString => self.model.toggle_bool(id),
            Kind::Enum { values } if step => self.model.step_enum(id, values),
            Kind::Enum { values } => {
                self.mode = ModeState::Pick(Pick::of_enum(id, values, self.model.value(id)));
            }
            Kind::HeadersJson => {
                self.mode = ModeState::Pick(headers::pick(id, self.model.value(id)));
            }
            Kind::SmsConfigJson => match SmsForm::open(id, self.model.value(id)) {
                Ok(form) => {
                    self.form = Some(form);
                    self.mode = ModeState::SmsForm;
                }
                Err(message) => {
                    self.open_raw(id);
                    self.say(
                        Tone::Warning,
                        format!("Editing as raw JSON, since the form cannot show it: {message}"),
                    );
                }
            },
            _ => {
                let text = self.model.value(id).unwrap_or_default().to_string();
                self.open_edit(EditTarget::Field(id), &text, text.contains('\n'));
            }
        }
        vec![]
    }

    /// Whether the terminal is too small to draw the editor: a notice is
    /// shown instead, and only q and Ctrl-C act.
    pub fn too_small(&self) -> bool {
        crate::layout::too_small(ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Whether a key acts behind the too-small notice: q and Ctrl-C.
    pub(super) fn quits_while_small(&self, key: &KeyEvent) -> bool {
        matches!(
            crate::keys::lookup(Mode::Browse, key),
            Some(Command::Quit | Command::QuitNow)
        )
    }

    /// q or Ctrl-C behind the too-small notice: quit at once (unsent
    /// changes are kept as a draft); without drafts, q asks first, and the
    /// question shows once the terminal is large enough.
    pub(super) fn quit_while_small(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let now = crate::keys::lookup(Mode::Browse, key) == Some(Command::QuitNow);
        if now || self.drafts || self.model.edits().is_empty() {
            self.quit = true;
            return vec![Effect::Quit];
        }
        self.quit_asking()
    }

    /// Whether Space does something on the selected row (the key bar
    /// shows it only then).
    pub fn space_acts(&self) -> bool {
        self.selected_field().is_some_and(steps)
    }

    fn revert_selected(&mut self) {
        match self.selected_key() {
            Some(RowKey::Field(id)) if self.model.revert(id) => {
                self.say(
                    Tone::Info,
                    format!("{} reverted to its loaded value.", id.path()),
                );
            }
            Some(RowKey::Field(_)) => {}
            Some(RowKey::Unknown(section, key)) => self.read_only(&section, &key),
            None => {}
        }
    }

    fn copy_selected(&mut self) -> Vec<Effect> {
        let (path, text) = match self.selected_key() {
            Some(RowKey::Field(id)) => match self.model.value(id) {
                Some(text) => (id.path(), text.to_string()),
                None => {
                    self.say(Tone::Info, format!("{} has no value to copy.", id.path()));
                    return vec![];
                }
            },
            Some(RowKey::Unknown(section, key)) => {
                let text = match self.model.base().unknown_value(&section, &key) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                (format!("{section}.{key}"), text)
            }
            None => return vec![],
        };
        self.say(
            Tone::Info,
            format!(
                "Copied {path} ({}) to the clipboard (OSC 52; the terminal must allow it).",
                count(text.chars().count(), "character")
            ),
        );
        vec![Effect::Copy(text)]
    }

    fn external_selected(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_editable() else {
            return vec![];
        };
        vec![self.external_for(id)]
    }

    pub(super) fn external_for(&self, id: FieldId) -> Effect {
        let text = self.model.value(id).unwrap_or_default();
        match id.setting().kind {
            Kind::HeadersJson | Kind::SmsConfigJson => Effect::ExternalEdit {
                target: EditTarget::Raw(id),
                text: pretty_json(text),
                json: true,
            },
            _ => Effect::ExternalEdit {
                target: EditTarget::Field(id),
                text: text.to_string(),
                json: false,
            },
        }
    }

    pub(super) fn on_external(&mut self, target: EditTarget, result: Result<String, String>) {
        let text = match result {
            Ok(text) => text,
            Err(message) => {
                self.say(Tone::Error, message);
                return;
            }
        };
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text)
            .to_string();
        self.keep(target, text);
        self.mode = if self.form.is_some() {
            ModeState::SmsForm
        } else {
            ModeState::Browse
        };
    }

    pub(super) fn page(&self) -> usize {
        usize::from(self.areas().list.height.max(2)) - 1
    }

    pub(super) fn move_selection(&mut self, command: Command) {
        let rows = self.rows();
        let items = rows::items(&rows);
        if items.is_empty() {
            return;
        }
        let at = self
            .selected_key()
            .and_then(|k| items.iter().position(|i| **i == k))
            .unwrap_or(0);
        let to = move_in(items.len(), at, command, self.page());
        self.selected[tab_index(self.tab)] = Some(items[to].clone());
    }

    /// Keeps the selected row (and its heading) in sight.
    pub(super) fn follow_selection(&mut self) {
        let rows = self.rows();
        let height = usize::from(self.areas().list.height.max(1));
        let i = tab_index(self.tab);
        let Some(key) = self.selected_key() else {
            self.scroll[i] = 0;
            return;
        };
        let at = rows
            .iter()
            .position(|r| *r == Row::Item(key.clone()))
            .unwrap_or(0);
        let top = if at > 0 && matches!(rows[at - 1], Row::Heading(_)) {
            at - 1
        } else {
            at
        };
        let scroll = &mut self.scroll[i];
        if top < *scroll {
            *scroll = top;
        } else if at >= *scroll + height {
            *scroll = at + 1 - height;
        }
        *scroll = (*scroll).min(rows.len().saturating_sub(height));
    }

    /// Shows a field: its pane, in the list, selected, the filter cleared if
    /// it hides it.
    pub(super) fn jump_to(&mut self, id: FieldId) {
        self.tab = id.setting().section;
        self.mode = ModeState::Browse;
        self.form = None;
        if !rows::items(&self.rows()).contains(&&RowKey::Field(id)) {
            self.filter.clear();
        }
        self.selected[tab_index(self.tab)] = Some(RowKey::Field(id));
    }

    pub(super) fn on_mouse(&mut self, event: MouseEvent) -> Vec<Effect> {
        if !self.mouse {
            return vec![];
        }
        let scroll = match event.kind {
            MouseEventKind::ScrollUp => Some(Command::Up),
            MouseEventKind::ScrollDown => Some(Command::Down),
            _ => None,
        };
        if let Some(command) = scroll {
            return match self.mode() {
                Mode::Browse
                | Mode::Pick
                | Mode::MultiPick
                | Mode::SmsForm
                | Mode::Diff
                | Mode::Conflicts
                | Mode::Help => self.command(command),
                _ => vec![],
            };
        }
        if event.kind != MouseEventKind::Down(MouseButton::Left) || self.mode() != Mode::Browse {
            return vec![];
        }
        let areas = self.areas();
        let (x, y) = (event.column, event.row);
        if y == areas.tabs.y {
            if let Some((section, ..)) = self
                .tab_spans()
                .into_iter()
                .find(|(_, _, x0, x1)| (*x0..*x1).contains(&x))
            {
                self.tab = section;
            }
            return vec![];
        }
        let list = areas.list;
        if (list.y..list.y + list.height).contains(&y) {
            let at = self.scroll() + usize::from(y - list.y);
            if let Some(Row::Item(key)) = self.rows().get(at) {
                self.selected[tab_index(self.tab)] = Some(key.clone());
            }
        }
        vec![]
    }
}

use crate::text::count;

/// Whether Space acts on a setting: it toggles a bool or steps an enum.
fn steps(id: FieldId) -> bool {
    matches!(id.setting().kind, Kind::BoolString | Kind::Enum { .. })
}
