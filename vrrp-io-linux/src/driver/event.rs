//! What the driver tells its caller.

use std::net::IpAddr;

use vrrp_core::{Reason, State};

/// What the driver tells its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverEvent {
    /// An instance changed state.
    StateChanged {
        /// Index into [`DriverConfig::instances`](super::DriverConfig::instances).
        instance: usize,
        /// State before.
        from: State,
        /// State after.
        to: State,
        /// Why.
        reason: Reason,
        /// The Master as far as this instance knows.
        master: Option<IpAddr>,
        /// The instance's effective priority.
        priority: u8,
    },
    /// SIGHUP: the caller should reload its configuration.
    Reload,
    /// SIGUSR1: the caller should write a status dump.
    DumpStatus,
    /// The graceful stop finished: priority 0 sent, VIPs removed.
    Stopped,
}
