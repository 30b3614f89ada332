//! States, the reasons to change them, and the actions an instance asks for.

use std::net::IpAddr;

/// The state of a virtual router (RFC 9568 §6.4, plus keepalived's Fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Not running: before startup, after shutdown.
    Initialize,
    /// Monitoring the Master, ready to take over.
    Backup,
    /// Forwarding for the virtual addresses and advertising.
    Master,
    /// Cannot serve: the interface is down or a tracked object failed.
    Fault,
}

/// Why a state changed; reported with [`Action::StateChanged`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Startup, or recovery from Fault, into Backup.
    Startup,
    /// Priority 255: the owner becomes Master at once.
    AddressOwner,
    /// Master_Down_Timer expired: the Master went silent.
    MasterNoResponse,
    /// Master_Down_Timer expired while a lower-priority Master was advertising.
    Preempted,
    /// The Master announced priority 0 and Skew_Time passed.
    MasterStopped,
    /// A Master heard a better one (higher priority, or equal and higher address).
    HigherPriorityMaster,
    /// Shutdown requested.
    Shutdown,
    /// The interface went down.
    InterfaceDown,
    /// A tracked object failed hard (weight 0).
    TrackFailed,
    /// Every fault cleared.
    FaultCleared,
    /// Another member of the sync group moved.
    SyncGroup,
}

/// What the caller must do, drained with [`Instance::poll_action`](crate::Instance::poll_action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// An advertisement carrying `priority` is ready: drain
    /// [`Instance::poll_transmit`](crate::Instance::poll_transmit) now, one
    /// datagram to the multicast group or one to each unicast peer, and hand
    /// each to the socket.
    SendAdvert {
        /// The priority to advertise: 0 when stopping, else the effective one.
        priority: u8,
    },
    /// Install the virtual addresses on the interface.
    AddVips,
    /// Remove the virtual addresses from the interface.
    RemoveVips,
    /// Announce the virtual addresses: gratuitous ARP (IPv4) or unsolicited
    /// neighbour advertisements (IPv6).
    AnnounceVips,
    /// Announce the virtual addresses again while staying Master: a
    /// lower-priority Master was heard (a partition healed, a frozen router
    /// resumed), and hosts that followed its announcements would keep
    /// sending to it once it steps down. keepalived does the same
    /// (`garp_lower_prio_repeat` / `garp_lower_prio_delay`); how often is
    /// the caller's policy.
    ReannounceVips {
        /// Our effective priority (for keepalived's `notify_master_rx_lower_pri`).
        priority: u8,
    },
    /// A unicast peer's advert checked only in keepalived 1.3.6's VRRPv3
    /// checksum form: from now on adverts to and from unicast peers use
    /// that form ([`Config::learn_old_unicast_checksum`](crate::Config::learn_old_unicast_checksum)).
    /// Worth a log line, as keepalived's "Setting unicast VRRPv3 checksum
    /// to old version".
    OldUnicastChecksum,
    /// The state changed.
    StateChanged {
        /// State before.
        from: State,
        /// State after.
        to: State,
        /// Why.
        reason: Reason,
        /// The Master as far as this router knows: itself, the sender of the
        /// advert that made it Backup, or `None` when unknown.
        master: Option<IpAddr>,
        /// The effective priority in the new state (for notify scripts and logs).
        priority: u8,
    },
}
