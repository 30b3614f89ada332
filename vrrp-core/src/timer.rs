//! The one timer of an instance (RFC 9568 §6.2: Adver_Timer or Master_Down_Timer).

use crate::time::Instant;

/// Which timer is armed. An instance runs at most one at a time: a Master the
/// advertisement timer, a Backup the master-down timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// Adver_Timer: the Master sends its next advertisement.
    Advert,
    /// Master_Down_Timer: the Backup declares the Master down.
    MasterDown,
}

/// When to call [`Instance::handle_timeout`](crate::Instance::handle_timeout) next, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Deadline {
    /// The instant the timer expires.
    pub at: Instant,
    /// Which timer that is.
    pub timer: Timer,
}
