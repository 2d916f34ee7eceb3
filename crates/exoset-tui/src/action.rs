//! What comes into `update` ([`Action`]) and what goes out of it
//! ([`Effect`]): the editor's whole conversation with the outside.

use super::overlay::draft::FoundDraft;
use super::overlay::edit::EditTarget;
use crate::api::{Answer, ApiError};
use crate::changes::Edits;
use crate::session::Sent;
use crate::settings::Settings;
use crate::store::{History, Loaded};
use crossterm::event::{KeyEvent, MouseEvent};

/// Something that happened: a key, a mouse event, a resize, a task's result.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The spinner's clock; it only runs while a request is in flight.
    Tick,
    Loaded {
        seq: u64,
        result: Result<Answer, ApiError>,
    },
    /// Before a PUT: the server's settings were read again and nothing the
    /// change set touches has moved; the PUT is on its way.
    Checked {
        seq: u64,
    },
    /// What became of a send, from the shared send path.
    Sent {
        seq: u64,
        sent: Box<Sent>,
    },
    /// Something outside failed in a way the person should read.
    Problem(String),
    /// Something the person should know that stays true while the editor
    /// runs (another exoset edits this tenant): said with the load's result.
    Notice(String),
    /// The draft file was read: a draft, none, or why it could not be used.
    DraftRead(Result<Option<FoundDraft>, String>),
    /// `$EDITOR` finished: the new text, or why there is none.
    ExternalEdited {
        target: EditTarget,
        result: Result<String, String>,
    },
    /// The history file was read; `None` when there is no state folder.
    HistoryRead(Option<Loaded<History>>),
    /// "Also send to…": sessions on the tenants chosen (or why not), for
    /// the fleet view numbered `view` (as every fleet message is: one for
    /// a view since closed is dropped).
    FleetOpened {
        view: u64,
        members: Vec<crate::fleet::Member>,
    },
    /// Each chosen tenant read and the change planned against it.
    FleetPlanned {
        view: u64,
        plans: Vec<crate::fleet::Plan>,
    },
    /// One tenant's result, as it arrives (its place in the view's list).
    FleetResult {
        view: u64,
        index: usize,
        outcome: Box<crate::fleet::Outcome>,
    },
    /// The send is over: what became of each of them.
    FleetSent {
        view: u64,
        outcomes: Vec<crate::fleet::Outcome>,
    },
}

/// Work for the run loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// GET the settings; answer with [`Action::Loaded`].
    Load {
        seq: u64,
    },
    /// Send `edits` over `base` through the shared send path
    /// ([`crate::session::Session::send`]: read again, take in, PUT, verify,
    /// record). Answer with [`Action::Checked`] as the PUT goes out, then
    /// [`Action::Sent`].
    Submit {
        seq: u64,
        base: Settings,
        edits: Edits,
        /// The history entry these edits roll back, recorded with the send.
        rollback_of: Option<u64>,
        /// How the person confirmed it, and why, for the guard.
        confirmation: crate::guard::Confirmation,
        reason: Option<String>,
    },
    /// Cancel the request in flight.
    Cancel,
    /// Read the draft of unsent edits; answer with [`Action::DraftRead`].
    ReadDraft,
    /// Keep the unsent edits on disk, with the base they were made on.
    SaveDraft {
        base: Settings,
        edits: Edits,
    },
    /// No unsent edits any more: forget the draft.
    RemoveDraft,
    /// The draft offered was declined: set it (and the others offered with
    /// it) aside, not deleted.
    DiscardDraft,
    /// The offer was put off: keep the drafts on disk for the next start.
    PostponeDraft,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Hand `text` to `$VISUAL`/`$EDITOR`; answer with [`Action::ExternalEdited`].
    ExternalEdit {
        target: EditTarget,
        text: String,
        json: bool,
    },
    Quit,
    /// Read the history of changes sent; answer with [`Action::HistoryRead`].
    ReadHistory,
    /// Keep this tenant's edits as its draft and open another profile's.
    SwitchTenant(String),
    /// Open the profiles' tenants, read them and plan these changes against
    /// each; answer with [`Action::FleetOpened`], then [`Action::FleetPlanned`].
    PlanFleet {
        view: u64,
        profiles: Vec<String>,
        changes: Vec<(crate::schema::FieldId, String)>,
    },
    /// Send to the tenants of fleet view `view` planned ready; answer with
    /// [`Action::FleetResult`] for each as it comes, then
    /// [`Action::FleetSent`].
    SendFleet {
        view: u64,
        /// The number of protected tenants typed, and how many will change.
        count: Option<(usize, usize)>,
        reason: Option<String>,
        /// `max_tenants_per_send` and the number of tenants typed above it.
        ceiling: crate::fleet::Ceiling,
    },
    /// Esc while view `view` sends: start no new tenant; the sends already
    /// out finish (never aborted) and their results come as usual.
    StopFleet {
        view: u64,
    },
}
