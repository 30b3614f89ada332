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
//!    adverts onto the sockets, VIPs through netlink, announcements onto
//!    the wire; state changes come back to the caller as [`DriverEvent`]s.
//!
//! Nothing in a turn blocks except the wait itself: scripts are child
//! processes, netlink answers come back as events.

mod actions;
mod adverts;
mod alarm;
mod clock;
mod error;
mod garp;
mod handle;
mod handover;
mod log_limit;
mod netevents;
mod observe;
mod plumbing;
mod release;
mod reload;
mod setup;
mod spec;
mod tracking;
mod vmac;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token, Waker};
use vrrp_core::{InstanceId, Reason, Router, State};

use self::adverts::Adverts;
use self::alarm::Alarm;
use self::clock::Clock;
pub use self::error::DriverError;
use self::garp::GarpSchedule;
pub use self::handle::{Control, Handle, Inspect, spawn};
use self::handover::Handover;
pub use self::observe::History;
pub use self::release::{Released, release_vips};
pub use self::reload::ReloadSummary;
pub use self::spec::{DriverConfig, GarpSpec, InstanceSpec, Tracked, Vip};
use crate::announce::Announcer;
use crate::netlink::{NetEvent, Netlink, Seq};
use crate::notify::Notifier;
use crate::track::process::{ProcessChange, ProcessTracker};
use crate::track::script::{ScriptChange, ScriptRunner};

const NETLINK: Token = Token(0);
const SIGNALS: Token = Token(1);
const WAKER: Token = Token(2);
const ALARM: Token = Token(3);
/// Socket i has token `SOCKETS + i`.
const SOCKETS: usize = 16;

/// Adverts closer together than this are taken in one wake-up: a backup of
/// 255 instances at 100 ms hears 2,550 adverts a second, and waking for
/// each costs more than the adverts. A millisecond is far below any
/// Master_Down_Interval (30 ms at the shortest interval).
const COALESCE: Duration = Duration::from_millis(1);

/// At most one "advert not sent" warning per instance this often.
const SEND_WARN_EVERY: Duration = Duration::from_secs(10);

/// How long a graceful stop waits for the kernel to confirm VIP removals.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What the driver tells its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverEvent {
    /// An instance changed state.
    StateChanged {
        /// Index into [`DriverConfig::instances`].
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

/// An interface the driver uses, kept current from netlink.
#[derive(Debug)]
struct Link {
    name: String,
    ifindex: u32,
    mac: Option<crate::iface::MacAddr>,
    up: bool,
    /// Announcements go out here (opened on first use).
    announcer: Option<Announcer>,
    /// Whether IPv6 forwarding is on (the NA Router flag).
    ipv6_forwarding: bool,
}

/// An outstanding netlink request and what it was for.
#[derive(Clone, Copy, Debug)]
enum Request {
    AddVip(InstanceId, IpAddr),
    DelVip(InstanceId, IpAddr),
    /// An instance's VMAC set up (true) or down.
    VmacUp(InstanceId, bool),
}

/// The VRRP driver: instances, sockets and the event loop.
pub struct Driver {
    poll: Poll,
    events: Events,
    clock: Clock,
    router: Router,
    specs: Vec<InstanceSpec>,
    links: Vec<Link>,
    /// The VRRP sockets.
    adverts: Adverts,
    /// VMAC interfaces we created, deleted when the driver is dropped.
    vmacs: Vec<String>,
    /// Sysctls to put back when the driver is dropped.
    restore: Vec<vmac::Restore>,
    netlink: Netlink,
    requests: HashMap<Seq, Request>,
    /// Per instance: whether its VIPs are installed (we added them).
    installed: Vec<bool>,
    garp: GarpSchedule,
    /// Stopping Masters that keep their VIPs until a new Master is heard.
    handover: Handover,
    scripts: ScriptRunner,
    processes: ProcessTracker,
    /// Notify scripts and FIFOs.
    notify: Notifier,
    /// Per instance: transitions and the current state's start.
    history: Vec<History>,
    /// Sync groups as configured (indices into `specs`), for reloads.
    sync_groups: Vec<Vec<usize>>,
    signals: Option<signal_hook_mio::v1_0::Signals>,
    waker: Arc<Waker>,
    /// Wakes the poll at the next deadline to the microsecond.
    alarm: Alarm,
    control: (Sender<Control>, Receiver<Control>),
    subscribers: Vec<Sender<DriverEvent>>,
    /// Set once a graceful stop began: when to give up waiting for acks.
    stopping: Option<Instant>,
    stopped: bool,
    /// When a socket last had packets, and whether they are arriving densely.
    last_packets: Option<Instant>,
    dense: bool,
    scratch: Scratch,
}

/// Buffers reused across turns so a turn does not allocate.
#[derive(Default)]
struct Scratch {
    net: Vec<NetEvent>,
    scripts: Vec<ScriptChange>,
    processes: Vec<ProcessChange>,
    garp: Vec<InstanceId>,
}

impl Driver {
    /// Looks up the interfaces, opens the sockets, removes VIPs a crashed
    /// predecessor left behind, and starts every instance.
    pub fn new(config: DriverConfig) -> Result<Self, DriverError> {
        setup::build(config)
    }

    /// The router, for status and metrics.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The instance specs, in configuration order (index = `InstanceId::index`).
    pub fn specs(&self) -> &[InstanceSpec] {
        &self.specs
    }

    /// Track scripts and their states.
    pub fn scripts(&self) -> &ScriptRunner {
        &self.scripts
    }

    /// Tracked processes and their states.
    pub fn processes(&self) -> &ProcessTracker {
        &self.processes
    }

    /// A handle another thread can use to control this driver.
    pub fn handle(&self) -> Handle {
        Handle::new(self.control.0.clone(), Arc::clone(&self.waker))
    }

    /// Whether the graceful stop has finished.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Begins a graceful stop: Masters send priority 0 and remove their
    /// VIPs; [`DriverEvent::Stopped`] follows once the kernel confirmed
    /// (or after a second).
    pub fn shutdown(&mut self, events: &mut Vec<DriverEvent>) {
        if self.stopping.is_some() {
            return;
        }
        let now = Instant::now();
        tracing::info!("stopping: releasing every virtual address");
        self.stopping = Some(now + STOP_GRACE);
        self.router.handle_shutdown(self.clock.to_core(now));
        self.run_actions(now, events);
        // The grace for the kernel's acks starts when the last handover ends.
        if let Some(last) = self.handover.last_deadline() {
            self.stopping = Some(last + STOP_GRACE);
        }
    }

    /// Runs until the graceful stop finished, handing every event to `on_event`.
    pub fn run(
        &mut self,
        mut on_event: impl FnMut(&mut Self, DriverEvent),
    ) -> Result<(), DriverError> {
        let mut events = Vec::new();
        while !self.stopped {
            self.turn(&mut events)?;
            for event in events.drain(..) {
                on_event(self, event);
            }
        }
        Ok(())
    }

    /// One iteration of the loop (see the module docs); appends what
    /// happened to `out`.
    pub fn turn(&mut self, out: &mut Vec<DriverEvent>) -> Result<(), DriverError> {
        let deadline = self.poll_timeout();
        if self.dense {
            // Adverts are arriving densely (many instances): let those of the
            // next millisecond queue up and take them in one wake-up.
            let gap = deadline.map_or(COALESCE, |at| at.saturating_duration_since(Instant::now()));
            std::thread::sleep(gap.min(COALESCE));
        }
        let before = Instant::now();
        self.alarm.arm(deadline, before);
        let timeout = deadline.map(|at| at.saturating_duration_since(before));
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(error) => return Err(DriverError::Poll(error)),
        }
        let now = Instant::now();
        self.router.handle_wall_clock(Clock::wall_clock());
        self.dense = false;
        // Taken out while handled, so the handlers may borrow self (no allocation).
        let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        for token in events.iter().map(|e| e.token()) {
            match token {
                NETLINK => self.read_netlink(now),
                SIGNALS => self.read_signals(now, out),
                WAKER => self.read_control(now, out),
                ALARM => self.alarm.handle_ring(),
                Token(i) if i >= SOCKETS => self.read_socket(now, i - SOCKETS),
                Token(other) => tracing::warn!(token = other, "event for an unknown token"),
            }
        }
        self.events = events;
        self.fire_timers(now);
        self.run_actions(now, out);
        self.check_stopped(now, out);
        Ok(())
    }

    /// The earliest deadline of every timer source.
    fn poll_timeout(&self) -> Option<Instant> {
        let router = self
            .router
            .poll_timeout()
            .map(|(_, d)| self.clock.to_std(d.at));
        [
            router,
            self.scripts.poll_timeout(),
            self.processes.poll_timeout(),
            self.garp.poll_timeout(),
            self.handover.poll_timeout(),
            self.notify.poll_timeout(),
            self.stopping,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn read_socket(&mut self, now: Instant, index: usize) {
        let core_now = self.clock.to_core(now);
        self.dense = self
            .last_packets
            .is_some_and(|t| now.saturating_duration_since(t) < 2 * COALESCE);
        self.last_packets = Some(now);
        while let Some((datagram, bytes)) = self.adverts.recv(index) {
            self.router
                .handle_packet(core_now, datagram.ifindex, &datagram.rx, bytes);
            // Parsed again only while a stopping Master waits for a successor.
            let handover = self.handover.is_waiting();
            if let Some(packet) = handover
                .then(|| vrrp_core::wire::Packet::new_checked(bytes).ok())
                .flatten()
            {
                let (vrid, priority) = (packet.vrid(), packet.priority());
                self.handover_heard(datagram.rx.src, vrid, priority);
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        self.router.handle_timeout(self.clock.to_core(now));
        self.handover_timeouts(now);
        self.run_trackers(now);
        self.notify.handle_timeout(now);
        let mut due = std::mem::take(&mut self.scratch.garp);
        let specs = &self.specs;
        self.garp
            .take_due(now, |id| specs[id.index()].garp, &mut due);
        for id in due.drain(..) {
            self.announce(id);
        }
        self.scratch.garp = due;
    }

    fn check_stopped(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        let Some(deadline) = self.stopping else {
            return;
        };
        let released = !self.installed.iter().any(|&i| i) && self.requests.is_empty();
        // notify_stop scripts get the same grace as the VIP removals.
        let notified = self.notify.is_idle();
        if !self.stopped && ((released && notified) || now >= deadline) {
            if !released {
                tracing::warn!(
                    pending = self.requests.len(),
                    "stopped before the kernel confirmed every VIP removal"
                );
            }
            if !notified {
                tracing::warn!(
                    scripts = self.notify.busy(),
                    "stopped while notify scripts still run or wait"
                );
            }
            self.stopped = true;
            self.emit(out, DriverEvent::Stopped);
        }
    }

    fn emit(&mut self, out: &mut Vec<DriverEvent>, event: DriverEvent) {
        self.observe(&event);
        self.subscribers.retain(|s| s.send(event.clone()).is_ok());
        out.push(event);
    }
}

impl Drop for Driver {
    /// VMAC interfaces go and the parents' sysctls come back. (VIPs are
    /// released by [`Driver::shutdown`]; a driver dropped without it leaves
    /// them, as a crash would.)
    fn drop(&mut self) {
        for name in &self.vmacs {
            if let Err(error) = self.netlink.del_link_by_name(name) {
                tracing::warn!(vmac = %name, %error, "cannot delete the virtual MAC interface");
            }
        }
        vmac::restore_all(&mut self.restore);
    }
}
