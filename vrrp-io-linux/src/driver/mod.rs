//! The event loop: one [`mio::Poll`] over the VRRP sockets, the netlink
//! socket, signals and a waker, driving a [`vrrp_core::Router`].
//!
//! # The run loop
//!
//! [`Driver::turn`] is one iteration, the core's rule applied to I/O:
//!
//! 1. ask every timer source for its deadline (the router's, track
//!    scripts', process scans', announcements') and wait for I/O until the
//!    earliest (a timerfd wakes the wait on time, to the microsecond);
//! 2. feed what arrived into the core (`handle_packet`, `handle_link`,
//!    `handle_tracking`, ...), then fire what is due (`handle_timeout`);
//! 3. drain the router's actions until none is left and carry them out:
//!    adverts onto the sockets (the turn's together, `sendmmsg`), VIPs
//!    through netlink (new Masters' in slices, after the adverts),
//!    announcements onto the wire; state changes come back to the caller
//!    as [`DriverEvent`]s.
//!
//! Nothing in a turn blocks except the wait itself: scripts are child
//! processes, netlink answers come back as events.
//!
//! # Its parts
//!
//! [`Driver`] (`run.rs`) composes parts that each own their state and
//! import nothing of the driver but each other's types, never in a circle:
//! `wakeups` (the poll, signals, the alarm), `adverts` (the VRRP sockets),
//! `host` (links, VIPs, VMACs through netlink), `installs` (new Masters'
//! VIPs waiting for their slice), `garp` and `handover`
//! (when to announce, when to let go), `tracking` (scripts, processes,
//! files, and `sources`: `track_src_ip`'s configured source addresses
//! missing),
//! `observe` (histories, notify scripts, subscribers), `debounce`
//! (link changes acted on after `interface_up_down_delays`), and the drop rules
//! of `crate::firewall` (`vip_traffic`: traffic to the VIPs of an instance
//! that takes none, dropped while it is Master). The `impl Driver`
//! blocks that join them: `run.rs` (the loop and its timers), `actions.rs`
//! (the core's actions), `netevents.rs` (netlink, signals, controls),
//! `resync.rs` (links and addresses dumped again after netlink overflowed),
//! `setup.rs`, `reload.rs` and `handle.rs`.

mod actions;
mod adverts;
mod alarm;
mod clock;
mod debounce;
mod error;
mod event;
mod garp;
mod garp_pace;
mod handle;
mod handover;
mod host;
mod installs;
mod log_limit;
mod netevents;
mod observe;
mod plumbing;
mod release;
mod reload;
mod resync;
mod routes;
mod run;
mod setup;
mod sources;
mod spec;
mod start_delay;
mod sysctl;
mod tracking;
mod vip_traffic;
mod vmac;
mod vmac_rules;
mod wakeups;

pub use self::error::DriverError;
pub use self::event::DriverEvent;
pub use self::handle::{Handle, spawn};
pub use self::observe::History;
pub use self::release::{Released, release_vips};
pub use self::reload::ReloadSummary;
pub use self::run::{Control, Driver, Inspect};
pub use self::spec::{
    AddMode, AddrVmac, DEFAULT_DROP_TABLE, DriverConfig, GarpGroupSpec, GarpSpec, InstanceSpec,
    IpvlanFlags, IpvlanSpec, LinkDelay, NetlinkBuffer, Prefix, Route, RouteType, Rule, RuleAction,
    RxBufferShare, Statics, Tracked, Vip, VipTraffic, VmacKind,
};
