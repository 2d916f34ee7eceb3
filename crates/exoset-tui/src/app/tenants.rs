//! Other tenants from the editor: `P` switches to another profile's tenant
//! (this one's edits stay as its draft), and `a` in the send question also
//! sends the pending change to other tenants, planned against each first.

use super::{App, Effect, ModeState, Tone};
use crate::keys::Command;
use crate::overlay::confirm::Question;
use crate::overlay::tenants::{FleetOutcome, FleetView, PickOutcome, Purpose, TenantPick};

impl App {
    /// The profiles other than this editor's.
    pub(super) fn other_profiles(&self) -> Vec<String> {
        self.profiles
            .iter()
            .filter(|p| Some(*p) != self.profile.as_ref())
            .cloned()
            .collect()
    }

    /// `P` in the list, or `a` in the send question.
    pub(super) fn open_tenants(&mut self, purpose: Purpose) {
        let others = self.other_profiles();
        if others.is_empty() {
            self.say(
                Tone::Info,
                "No other profile in config.toml; `exoset auth login -p NAME` adds one.",
            );
            if purpose == Purpose::AlsoSend {
                self.mode = ModeState::Confirm(Question::Send);
            }
            return;
        }
        self.mode = ModeState::Tenants(TenantPick::new(purpose, others));
    }

    pub(super) fn tenants_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page();
        let ModeState::Tenants(pick) = &mut self.mode else {
            return vec![];
        };
        let purpose = pick.purpose;
        match pick.command(command, page) {
            PickOutcome::Stay => vec![],
            PickOutcome::Close => {
                self.mode = match purpose {
                    Purpose::Switch => ModeState::Browse,
                    Purpose::AlsoSend => ModeState::Confirm(Question::Send),
                };
                vec![]
            }
            PickOutcome::NothingTicked => {
                self.say(Tone::Info, "Tick a tenant with Space first, then Enter.");
                vec![]
            }
            PickOutcome::Switch(name) => {
                self.mode = ModeState::Browse;
                self.say(
                    Tone::Info,
                    format!("Opening profile {}…", crate::text::safe(&name)),
                );
                vec![Effect::SwitchTenant(name)]
            }
            PickOutcome::Plan(names) => {
                let changes = self
                    .model
                    .edits()
                    .iter()
                    .map(|(id, text)| (id, text.to_string()))
                    .collect();
                self.mode = ModeState::Fleet(Box::new(FleetView::planning(names.clone())));
                vec![Effect::PlanFleet {
                    profiles: names,
                    changes,
                }]
            }
        }
    }

    pub(super) fn fleet_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Fleet(view) = &mut self.mode else {
            return vec![];
        };
        match view.command(command) {
            FleetOutcome::Stay => vec![],
            FleetOutcome::NotYet => {
                self.say(Tone::Info, "Wait for every tenant to be read first.");
                vec![]
            }
            FleetOutcome::Close => {
                self.mode = ModeState::Browse;
                vec![]
            }
            FleetOutcome::Send => {
                // This tenant through its own send path, the others through
                // the fleet's: both are Session::send.
                let view = match std::mem::replace(&mut self.mode, ModeState::Browse) {
                    ModeState::Fleet(view) => view,
                    _ => return vec![],
                };
                let mut effects = self.send();
                self.mode = ModeState::Fleet(view);
                effects.push(Effect::SendFleet);
                effects
            }
        }
    }

    /// A fleet result for the view, if it is still open.
    pub(super) fn on_fleet(&mut self, apply: impl FnOnce(&mut FleetView)) {
        if let ModeState::Fleet(view) = &mut self.mode {
            apply(view);
        }
    }

    /// The fleet view's tenants and plans, for the run loop to send.
    pub fn fleet_plans(&self) -> Option<(&[crate::fleet::Member], &[crate::fleet::Plan])> {
        match &self.mode {
            ModeState::Fleet(view) => Some((&view.members, view.plans.as_deref()?)),
            _ => None,
        }
    }

    /// A fresh editor for another tenant, keeping how this one looks.
    pub fn for_tenant(&self, title: String, host: String, profile: String) -> App {
        let mut next = App::new(title, host, self.theme.color, self.mouse);
        next.size = self.size;
        next.drafts = self.drafts;
        next.profiles = self.profiles.clone();
        next.profile = Some(profile);
        next
    }
}
