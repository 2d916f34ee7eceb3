//! Other tenants from the editor: `P` switches to another profile's tenant
//! (this one's edits stay as its draft), and `a` in the send question also
//! sends the pending change to other tenants, planned against each first.

use super::{App, Effect, ModeState, SignOff, Tone, count};
use crate::fleet::Plan;
use crate::keys::Command;
use crate::overlay::confirm::Question;
use crate::overlay::edit::SignOffStep;
use crate::overlay::fleet::{FleetOutcome, FleetView, OwnRow};
use crate::overlay::tenants::{PickOutcome, Purpose, TenantPick};

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
        let tenants = others
            .iter()
            .map(|name| self.targets.get(name).and_then(|t| t.tenant.clone()))
            .collect();
        // This editor's tenant first: a ticked profile on it is sent once.
        let order: Vec<String> = self.profile.iter().chain(&others).cloned().collect();
        let same_as = others
            .iter()
            .map(|name| {
                crate::fleet_alias::first_on_same_tenant(&self.targets, &order, name).cloned()
            })
            .collect();
        let modes = others
            .iter()
            .map(|name| {
                let guard = self.guards.get(name).cloned().unwrap_or_default();
                let mut text = guard.tag().unwrap_or_default();
                if guard.mode != crate::guard::Mode::Normal {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(guard.mode.as_str());
                    if guard.mode == crate::guard::Mode::ReadOnly
                        && self.locks.writable(name, &guard)
                    {
                        text.push_str(" (unlocked)");
                    }
                }
                text
            })
            .collect();
        self.mode = ModeState::Tenants(
            TenantPick::new(purpose, others)
                .with_targets(tenants, same_as, self.profile.clone())
                .with_modes(modes),
        );
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
                self.fleet_seq += 1;
                let view = self.fleet_seq;
                let own = OwnRow {
                    profile: self.profile.clone().unwrap_or_default(),
                    tenant: self.tenant.clone().unwrap_or_default(),
                    changes: Some(self.model.changes().clone()),
                    ..OwnRow::default()
                };
                self.mode =
                    ModeState::Fleet(Box::new(FleetView::planning(view, names.clone(), own)));
                vec![Effect::PlanFleet {
                    view,
                    profiles: names,
                    changes,
                }]
            }
        }
    }

    pub(super) fn fleet_command(&mut self, command: Command) -> Vec<Effect> {
        let busy = self.busy();
        let page = self.page();
        let ModeState::Fleet(view) = &mut self.mode else {
            return vec![];
        };
        let id = view.id;
        match view.command(command, page) {
            FleetOutcome::Stay => vec![],
            FleetOutcome::NotYet => {
                self.say(Tone::Info, "Wait for every tenant to be read first.");
                vec![]
            }
            FleetOutcome::AlreadySent => {
                self.say(Tone::Info, "Already sent; Esc closes the results.");
                vec![]
            }
            FleetOutcome::Stop => {
                self.say(
                    Tone::Warning,
                    "Stopping: no new tenant is started; the sends already out finish and \
                     their results are shown.",
                );
                vec![Effect::StopFleet { view: id }]
            }
            FleetOutcome::Stopping => {
                self.say(
                    Tone::Info,
                    "Waiting for the sends already out; each result is shown as it comes.",
                );
                vec![]
            }
            FleetOutcome::Close => {
                self.mode = ModeState::Browse;
                vec![]
            }
            FleetOutcome::Send if busy => {
                self.say(
                    Tone::Warning,
                    "A request is in flight; wait for it before sending.",
                );
                vec![]
            }
            FleetOutcome::Send => self.confirm_fleet_send(id),
        }
    }

    /// `y` in the fleet view: first what the guard needs — the number of
    /// protected tenants that will change, typed; a reason when a profile
    /// requires one — then the send.
    pub(super) fn confirm_fleet_send(&mut self, id: u64) -> Vec<Effect> {
        let view = match std::mem::replace(&mut self.mode, ModeState::Browse) {
            ModeState::Fleet(view) if view.id == id => view,
            other => {
                self.mode = other;
                match self.held_fleet.take() {
                    Some(view) if view.id == id => view,
                    _ => return vec![],
                }
            }
        };
        let own = !self.model.changes().is_empty();
        let own_profile = self.profile.clone().unwrap_or_default();
        // The tenants that will change and may be written, with their guards.
        let mut sending: Vec<(String, crate::guard::ProfileGuard)> = Vec::new();
        if own && self.locks.writable(&own_profile, &self.guard) {
            sending.push((self.target(), self.guard.clone()));
        }
        if let Some(plans) = &view.plans {
            for (member, plan) in view.members.iter().zip(plans) {
                if let (Plan::Send { .. }, Ok(session)) = (plan, &member.session)
                    && self.locks.writable(&member.profile, &session.guard)
                {
                    let name = format!(
                        "{} (tenant {})",
                        crate::text::safe(&member.profile),
                        crate::text::safe(member.tenant_label())
                    );
                    sending.push((name, session.guard.clone()));
                }
            }
        }
        self.sign_off.fleet = Some(id);
        // Above `max_tenants_per_send`, the number that will change is
        // typed first, as `--max-tenants` gives it to the subcommands.
        let will_change = sending.len();
        if let Some(max) = self.max_tenants_per_send.filter(|max| will_change > *max) {
            match self.sign_off.tenants {
                None => {
                    self.say(
                        Tone::Warning,
                        format!(
                            "{} will change, more than max_tenants_per_send = {max} in \
                             config.toml. Type their number ({will_change}) to send.",
                            count(will_change, "tenant")
                        ),
                    );
                    self.held_fleet = Some(view);
                    self.open_sign_off(SignOffStep::Tenants);
                    return vec![];
                }
                Some(typed) if typed != will_change => {
                    self.sign_off = SignOff::default();
                    self.mode = ModeState::Fleet(view);
                    self.say(
                        Tone::Error,
                        format!(
                            "Not sent: {typed} was typed, but {} will change. Your changes are \
                             kept.",
                            count(will_change, "tenant")
                        ),
                    );
                    return vec![];
                }
                Some(_) => {}
            }
        }
        let protected: Vec<&String> = sending
            .iter()
            .filter(|(_, g)| g.mode == crate::guard::Mode::Protected)
            .map(|(name, _)| name)
            .collect();
        self.sign_off.protected = protected.len();
        if !protected.is_empty() && self.sign_off.count.is_none() {
            self.say(
                Tone::Warning,
                format!(
                    "{} will change: {}. Type their number ({}) to send.",
                    count(protected.len(), "protected tenant"),
                    protected
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    protected.len()
                ),
            );
            self.held_fleet = Some(view);
            self.open_sign_off(SignOffStep::Count);
            return vec![];
        }
        if sending.iter().any(|(_, g)| g.require_reason) && self.sign_off.reason.is_none() {
            self.say(
                Tone::Info,
                "A profile here needs a reason for every change.",
            );
            self.held_fleet = Some(view);
            self.open_sign_off(SignOffStep::Reason);
            return vec![];
        }
        // This tenant through its own send path, the others through the
        // fleet's: both are Session::send. Sent once: the view is sending
        // now, and `y` does nothing there.
        let (typed, protected, reason) = (
            self.sign_off.count,
            self.sign_off.protected,
            self.sign_off.reason.clone(),
        );
        let ceiling = crate::fleet::Ceiling {
            configured: self.max_tenants_per_send,
            typed: self.sign_off.tenants,
        };
        let mut effects = if own { self.send() } else { vec![] };
        self.sign_off = SignOff::default();
        let seq = self.request.as_ref().filter(|_| own).map(|r| r.seq);
        let mut view = view;
        view.sending(seq);
        self.mode = ModeState::Fleet(view);
        effects.push(Effect::SendFleet {
            view: id,
            count: typed.map(|typed| (typed, protected)),
            reason,
            ceiling,
        });
        effects
    }

    /// A fleet message for view `id`: applied when that view is open.
    pub(super) fn on_fleet(&mut self, id: u64, apply: impl FnOnce(&mut FleetView)) {
        if let ModeState::Fleet(view) = &mut self.mode
            && view.id == id
        {
            apply(view);
        }
    }

    /// The fleet view's tenants and plans, for the run loop to send, when
    /// view `id` is open and sending.
    pub fn fleet_plans(&self, id: u64) -> Option<(&[crate::fleet::Member], &[crate::fleet::Plan])> {
        match &self.mode {
            ModeState::Fleet(view) if view.id == id && view.in_flight() => {
                Some((&view.members, view.plans.as_deref()?))
            }
            _ => None,
        }
    }

    /// The open fleet view, if any.
    pub fn fleet_view(&self) -> Option<&FleetView> {
        match &self.mode {
            ModeState::Fleet(view) => Some(view),
            _ => None,
        }
    }

    /// A fresh editor for another tenant, keeping how this one looks.
    pub fn for_tenant(&self, title: String, host: String, profile: String) -> App {
        let mut next = App::new(title, host, self.theme.color, self.mouse);
        next.size = self.size;
        next.drafts = self.drafts;
        next.profiles = self.profiles.clone();
        next.targets = self.targets.clone();
        next.guards = self.guards.clone();
        next.locks = self.locks.clone();
        next.guard = self.guards.get(&profile).cloned().unwrap_or_default();
        next.title_note = self.title_note.clone();
        next.profile = Some(profile);
        next.fleet_seq = self.fleet_seq;
        next
    }
}
