//! What the notifier is told: the commands of each state, per instance and
//! sync group, the FIFOs, and the states they are called for.

use std::path::PathBuf;
use std::time::Duration;

use vrrp_core::State;

/// How long a notify script may run before it is killed, unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A command line to run and who runs it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotifyCommand {
    /// The command line as written (split into words, or run by `/bin/sh`
    /// when it needs a shell).
    pub command: String,
    /// Run as this uid and gid (the script's user, or `script_user`).
    pub run_as: Option<(u32, u32)>,
}

/// The notify scripts of one instance or sync group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NotifyScripts {
    /// `notify_master`.
    pub master: Option<NotifyCommand>,
    /// `notify_backup`.
    pub backup: Option<NotifyCommand>,
    /// `notify_fault`.
    pub fault: Option<NotifyCommand>,
    /// `notify_stop`.
    pub stop: Option<NotifyCommand>,
    /// `notify_deleted SCRIPT` (instances only).
    pub deleted: Option<NotifyCommand>,
    /// keepalived's `notify_deleted` (instances only): an instance a reload
    /// removes is notified DELETED rather than STOP.
    pub notify_deleted: bool,
    /// `notify`: every change, with the four arguments.
    pub any: Option<NotifyCommand>,
    /// `notify_master_rx_lower_pri` (instances only): run as written when
    /// the instance, Master, hears a lower-priority Master (at most once a
    /// second, with the re-announcement of its addresses).
    pub master_rx_lower_pri: Option<NotifyCommand>,
    /// keepalived's `notify_priority_changes` (instances only): a FIFO line
    /// `INSTANCE "NAME" MASTER_PRIORITY|BACKUP_PRIORITY PRIORITY` when the
    /// effective priority changes; no script runs (keepalived 2.4.3).
    pub priority_changes: bool,
}

impl NotifyScripts {
    pub(super) fn for_state(&self, state: NotifyState) -> Option<&NotifyCommand> {
        match state {
            NotifyState::Master => self.master.as_ref(),
            NotifyState::Backup => self.backup.as_ref(),
            NotifyState::Fault => self.fault.as_ref(),
            NotifyState::Stop => self.stop.as_ref(),
            NotifyState::Deleted => self.deleted.as_ref(),
        }
    }
}

/// A sync group's notifications.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupNotify {
    /// The group's name (`vrrp_sync_group NAME`).
    pub name: String,
    /// Its members, as instance indices.
    pub members: Vec<usize>,
    /// Its scripts.
    pub scripts: NotifyScripts,
}

/// A FIFO that gets a line per state change.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FifoSpec {
    /// Its path; created (mode 0600) when missing.
    pub path: PathBuf,
    /// Owner of a FIFO we create.
    pub owner: Option<(u32, u32)>,
    /// A reader started once, with the path as its last argument
    /// (`notify_fifo_script`).
    pub script: Option<NotifyCommand>,
}

/// Everything the [`Notifier`](super::Notifier) calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotifyConfig {
    /// Per instance, by index; instances past the end have none.
    pub instances: Vec<NotifyScripts>,
    /// Sync groups.
    pub groups: Vec<GroupNotify>,
    /// FIFOs.
    pub fifos: Vec<FifoSpec>,
    /// A notify script still running after this is killed; zero:
    /// [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// keepalived's `fifo_write_vrrp_states_on_reload`: a reload writes the
    /// state of each instance it keeps Backup or Fault to the FIFOs.
    pub states_on_reload: bool,
}

/// A state as notify scripts name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotifyState {
    /// `MASTER`.
    Master,
    /// `BACKUP`.
    Backup,
    /// `FAULT`.
    Fault,
    /// `STOP`: the instance was shut down.
    Stop,
    /// `DELETED`: a reload removed the instance (`notify_deleted`).
    Deleted,
}

impl NotifyState {
    /// The notify state of a core state (Initialize is only entered by a stop).
    pub fn of(state: State) -> Self {
        match state {
            State::Master => Self::Master,
            State::Backup => Self::Backup,
            State::Fault => Self::Fault,
            State::Initialize => Self::Stop,
        }
    }

    /// keepalived's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "MASTER",
            Self::Backup => "BACKUP",
            Self::Fault => "FAULT",
            Self::Stop => "STOP",
            Self::Deleted => "DELETED",
        }
    }
}
