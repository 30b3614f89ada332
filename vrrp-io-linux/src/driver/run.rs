//! The [`Driver`]: its parts, and the run loop that turns them.

use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use mio::Token;
use vrrp_core::{InstanceId, Router};

use super::adverts::Adverts;
use super::clock::Clock;
use super::debounce::Debounce;
use super::error::DriverError;
use super::event::DriverEvent;
use super::garp::GarpSchedule;
use super::handover::Handover;
use super::host::Host;
use super::installs::Installs;
use super::observe::{History, Observers};
use super::routes::Restorable;
use super::spec::{InstanceSpec, Statics};
use super::start_delay::StartDelay;
use super::tracking::Trackers;
use super::wakeups::{ALARM, FILES, NETLINK, SIGNALS, SOCKETS, WAKER, Wakeups};
use crate::firewall::{DropRules, VmacRules};
use crate::netlink::NetEvent;
use crate::notify::Notifier;
use crate::track::file::FileTracker;
use crate::track::process::ProcessTracker;
use crate::track::script::ScriptRunner;

/// Announcements sent in one turn at most (whole rounds: one instance's
/// VIPs, once): 256 rounds of one VIP are about 1 ms of sends here, so an advert
/// that falls due while 4,080 new Masters announce waits that long, not the
/// 20 ms or more the whole burst takes.
const GARP_ROUNDS_PER_TURN: usize = 256;

/// How long a graceful stop waits for the kernel to confirm VIP removals.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What a [`Handle`](super::Handle) asks of the driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// New base priority for an instance (index into the config).
    SetPriority {
        /// The instance.
        instance: usize,
        /// Its new base priority, 1..=255.
        priority: u8,
    },
    /// Send every event from now on to this channel.
    Subscribe(Sender<DriverEvent>),
    /// Stop gracefully: priority 0, VIPs removed.
    Shutdown,
    /// Run a function on the driver between two turns (status, metrics).
    Inspect(Inspect),
}

/// A function a [`Handle`](super::Handle) runs on the driver's thread, with the driver.
pub struct Inspect(pub Box<dyn FnOnce(&Driver) + Send>);

impl std::fmt::Debug for Inspect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inspect(..)")
    }
}

/// The VRRP driver: the core's [`Router`] and its configuration, and the
/// parts that carry out what it decides, each owning its state.
pub struct Driver {
    /// What wakes the loop.
    pub(super) wakeups: Wakeups,
    /// Messages from [`Handle`](super::Handle)s.
    pub(super) control: (Sender<Control>, Receiver<Control>),
    pub(super) clock: Clock,
    pub(super) router: Router,
    /// The instances' configuration (index = `InstanceId::index`).
    pub(super) specs: Vec<InstanceSpec>,
    /// Sync groups as configured (indices into `specs`), for reloads.
    pub(super) sync_groups: Vec<Vec<usize>>,
    /// Static addresses, routes and rules: installed from start to stop.
    pub(super) statics: Statics,
    /// The routes and rules to put back when someone deletes them.
    pub(super) restorable: Restorable,
    /// Links, VIPs and VMACs (before `adverts`: a VMAC goes while its
    /// sockets are still open, as it always did).
    pub(super) host: Host,
    /// The VRRP sockets.
    pub(super) adverts: Adverts,
    pub(super) garp: GarpSchedule,
    /// New Masters whose VIPs are still to be installed.
    pub(super) installs: Installs,
    /// Stopping Masters that keep their VIPs until a new Master is heard.
    pub(super) handover: Handover,
    pub(super) trackers: Trackers,
    pub(super) observers: Observers,
    /// Rules that drop traffic to the VIPs of instances that take none
    /// (after `host`: the table goes once the VIPs have).
    pub(super) drop_rules: Option<DropRules>,
    /// keepalived's rules for VMACs (see [`VmacRules`]), once a VMAC exists.
    pub(super) vmac_rules: Option<VmacRules>,
    /// Set once a graceful stop began: when to give up waiting for acks.
    pub(super) stopping: Option<Instant>,
    pub(super) stopped: bool,
    /// keepalived's `log_unknown_vrids`: log adverts no instance takes.
    pub(super) log_unknown_vrids: bool,
    /// keepalived's `disable_local_igmp`, as it was at start (a reload
    /// changes it no more than keepalived's does).
    pub(super) disable_local_igmp: bool,
    /// keepalived's startup delay: the instances start when it ends.
    pub(super) start_delay: StartDelay,
    /// Link changes waiting for their interface's delay.
    pub(super) debounce: Debounce,
    /// The last netlink read stopped at its limit: read on next turn,
    /// without waiting for the socket to say so.
    pub(super) netlink_more: bool,
    /// What a late wake-up does to the loop's scheduling.
    pub(super) auto_priority: crate::tuning::AutoPriority,
    pub(super) scratch: Scratch,
}

/// Buffers reused across turns so a turn does not allocate.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) net: Vec<NetEvent>,
    pub(super) garp: Vec<(InstanceId, usize)>,
    /// A slice of new Masters to install, and whether each announces.
    pub(super) installs: Vec<(InstanceId, bool)>,
    /// Instances whose VIPs were removed: traffic to them to be allowed.
    pub(super) allowed: Vec<InstanceId>,
}

impl Driver {
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
        self.trackers.scripts()
    }

    /// Tracked processes and their states.
    pub fn processes(&self) -> &ProcessTracker {
        self.trackers.processes()
    }

    /// Tracked files and their values.
    pub fn files(&self) -> &FileTracker {
        self.trackers.files()
    }

    /// Each instance's history, in configuration order.
    pub fn history(&self) -> &[History] {
        self.observers.history()
    }

    /// The notify scripts' runner.
    pub fn notifier(&self) -> &Notifier {
        self.observers.notifier()
    }

    /// Whether the interface called `name` is up, if the driver uses it.
    pub fn link_up(&self, name: &str) -> Option<bool> {
        self.host.link_up(name)
    }

    /// Whether instance `index` has its VIPs installed.
    pub fn vips_installed(&self, index: usize) -> bool {
        self.host.is_installed(index)
    }

    /// Route, rule and static address changes that failed: not sent, or
    /// refused by the kernel.
    pub fn route_failures(&self) -> u64 {
        self.host.route_failures()
    }

    /// Instance `index`'s running timer and how long until it fires.
    pub fn next_timer(&self, index: usize) -> Option<(vrrp_core::Timer, Duration)> {
        let id = self.router.id(index)?;
        let deadline = self.router.instance(id).poll_timeout()?;
        let at = self.clock.to_std(deadline.at);
        Some((deadline.timer, at.saturating_duration_since(Instant::now())))
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
        self.host.remove_statics(&self.statics);
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
        let Some(events) = self.wakeups.wait(deadline)? else {
            return Ok(());
        };
        let now = Instant::now();
        if let Some(late) = deadline.and_then(|d| now.checked_duration_since(d)) {
            self.auto_priority.handle_late(late);
        }
        self.router.handle_wall_clock(Clock::wall_clock());
        let mut netlink_read = false;
        for token in events.iter().map(|e| e.token()) {
            match token {
                NETLINK => {
                    self.read_netlink(now);
                    netlink_read = true;
                }
                SIGNALS => self.read_signals(now, out),
                WAKER => self.read_control(now, out),
                ALARM => self.wakeups.handle_ring(),
                FILES => {
                    if self.trackers.handle_files() {
                        self.update_all_tracking(now);
                    }
                }
                Token(i) if i >= SOCKETS => self.read_socket(now, i - SOCKETS),
                Token(other) => tracing::warn!(token = other, "event for an unknown token"),
            }
        }
        self.wakeups.give_back(events);
        if self.netlink_more && !netlink_read {
            self.read_netlink(now);
        }
        self.fire_timers(now);
        if self.stopping.is_none() && self.start_delay.take_due(now) {
            tracing::info!("startup delay over: starting the instances");
            self.start(now, out);
        }
        self.run_actions(now, out);
        self.observers.check_priorities(&self.router, &self.specs);
        self.send_due_garps(now);
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
            self.trackers.poll_timeout(),
            self.garp.poll_timeout(),
            self.handover.poll_timeout(),
            self.observers.notifier().poll_timeout(),
            self.stopping,
            self.start_delay.poll_timeout(),
            self.debounce.poll_timeout(),
            self.netlink_more.then(Instant::now),
            self.installs.is_waiting().then(Instant::now),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn read_socket(&mut self, now: Instant, index: usize) {
        if self.start_delay.is_pending() {
            // keepalived's vrrp_scheduler.c: read and dropped during the delay.
            while self.adverts.recv(index).is_some() {}
            return;
        }
        let core_now = self.clock.to_core(now);
        self.wakeups.handle_packets(now);
        let ah = self.adverts.sockets.get(index).is_some_and(|s| s.is_ah());
        while let Some((datagram, bytes)) = self.adverts.recv(index) {
            let (found, message) = if ah {
                let found = self
                    .router
                    .handle_ah_datagram(core_now, datagram.ifindex, bytes);
                let message =
                    vrrp_core::auth_ah::AhDatagram::parse(bytes).map_or(&[][..], |d| d.message());
                (found, message)
            } else {
                let found =
                    self.router
                        .handle_packet(core_now, datagram.ifindex, &datagram.rx, bytes);
                (found, bytes)
            };
            // keepalived's log_unknown_vrids (vrrp_scheduler.c): a whole
            // header whose VRID no instance on that interface has.
            if found.is_none() && self.log_unknown_vrids && message.len() >= 8 {
                let interface = self
                    .host
                    .links()
                    .iter()
                    .find(|l| l.ifindex == datagram.ifindex)
                    .map_or("?", |l| l.name.as_str());
                tracing::info!(
                    vrid = message[1],
                    interface,
                    src = %datagram.rx.src,
                    "unknown VRID received; ignoring"
                );
            }
            // Parsed again only while a stopping Master waits for a successor.
            let handover = self.handover.is_waiting();
            if let Some(packet) = handover
                .then(|| vrrp_core::wire::Packet::new_checked(message).ok())
                .flatten()
            {
                let (vrid, priority) = (packet.vrid(), packet.priority());
                let src = datagram.rx.src;
                if let Some(id) = self
                    .handover
                    .take_succeeded(&self.router, src, vrid, priority)
                {
                    tracing::info!(instance = %self.specs[id.index()].name, master = %src, "the new Master is heard: releasing the VIPs");
                    self.remove_vips(id);
                }
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some((ifindex, up)) = self.debounce.take_due(now) {
            self.act_on_link(now, ifindex, up);
        }
        self.router.handle_timeout(self.clock.to_core(now));
        while let Some(id) = self.handover.take_due(now) {
            tracing::info!(instance = %self.specs[id.index()].name, "no new Master heard: releasing the VIPs");
            self.remove_vips(id);
        }
        self.run_trackers(now);
        self.observers.notifier_mut().handle_timeout(now);
    }

    /// Sends the announcement rounds that are due, after the turn's adverts
    /// and at most [`GARP_ROUNDS_PER_TURN`] of them: the rest stay due, and
    /// the next turn comes at once, its adverts first. One that does not
    /// go out is counted as the instance's send error
    /// ([`Router::handle_announce_failure`]).
    fn send_due_garps(&mut self, now: Instant) {
        let mut due = std::mem::take(&mut self.scratch.garp);
        let host = &self.host;
        self.garp.take_due_at_most(
            now,
            &self.specs,
            |id| host.is_installed(id.index()),
            &mut due,
            GARP_ROUNDS_PER_TURN,
        );
        for (id, vip) in due.drain(..) {
            if !self.host.announce(now, id, &self.specs[id.index()], vip) {
                self.router.handle_announce_failure(id);
            }
        }
        self.scratch.garp = due;
    }

    /// Runs scripts and process scans that are due; on any change, gives the
    /// instances tracking them their new totals.
    pub(super) fn run_trackers(&mut self, now: Instant) {
        if self.trackers.handle_timeout(now) {
            self.update_all_tracking(now);
        }
    }

    /// Recomputes every instance's tracking; the core hears only changes.
    /// Looks up again whether each `track_src_ip` source is on its
    /// interface.
    pub(super) fn recheck_sources(&mut self) {
        let tracked: Vec<(u32, std::net::IpAddr)> = self
            .specs
            .iter()
            .filter_map(|spec| {
                let interface = spec.interface.as_deref()?;
                Some((self.host.ifindex_of(interface)?, spec.track_source?))
            })
            .collect();
        self.trackers.recheck_sources(tracked);
    }

    pub(super) fn update_all_tracking(&mut self, now: Instant) {
        let core_now = self.clock.to_core(now);
        let link_up = |name: &str| self.host.tracked_up(name);
        for (index, spec) in self.specs.iter().enumerate() {
            let id = self.router.id(index).expect("one instance per spec");
            let ifindex = (spec.interface.as_deref()).and_then(|i| self.host.ifindex_of(i));
            let tracking = self.trackers.tracking(spec, link_up, ifindex);
            if tracking != self.router.instance(id).tracking() {
                self.router.handle_tracking(core_now, id, tracking);
            }
        }
    }

    fn check_stopped(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        let Some(deadline) = self.stopping else {
            return;
        };
        let released = self.host.is_idle();
        // notify_stop scripts get the same grace as the VIP removals.
        let notified = self.observers.notifier().is_idle();
        if !self.stopped && ((released && notified) || now >= deadline) {
            if !released {
                tracing::warn!(
                    pending = self.host.pending(),
                    "stopped before the kernel confirmed every VIP removal"
                );
            }
            if !notified {
                tracing::warn!(
                    scripts = self.observers.notifier().busy(),
                    "stopped while notify scripts still run or wait"
                );
            }
            self.stopped = true;
            self.emit(out, DriverEvent::Stopped);
        }
    }

    pub(super) fn emit(&mut self, out: &mut Vec<DriverEvent>, event: DriverEvent) {
        self.observers.emit(out, event, &self.specs);
    }
}
