//! Many instances behind one receive path: dispatch by (interface, family,
//! VRID), one folded deadline, and sync groups that move together.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::fsm::{Action, State};
use crate::instance::{Command, Instance, Tracking, Transmit};
use crate::received::Received;
use crate::time::Instant;
use crate::timer::Deadline;
use crate::wire::{Family, Packet};

/// Index of an instance in its [`Router`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(u16);

impl InstanceId {
    /// The position of the instance, in the order it was added.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// Packets the router could not give to any instance (`vrrpv3Router*` counters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RouterStats {
    /// Shorter than a VRRP header, so without a VRID to find an instance
    /// by (and, given to [`Router::handle_ah_datagram`], not an IPv4
    /// datagram with a whole AH for VRRP). Counted here only: the instance
    /// never sees them, nor checks the header's length again.
    pub packet_length_errors: u64,
    /// No instance for that VRID on that interface and family.
    pub vrid_errors: u64,
}

/// Why an instance cannot be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// That (interface, family, VRID) is taken.
    #[error("VRID {vrid} is already configured on interface {interface} for this address family")]
    Duplicate {
        /// The interface key.
        interface: u32,
        /// The VRID.
        vrid: u8,
    },
    /// More instances than an [`InstanceId`] can name.
    #[error("too many instances")]
    Full,
}

/// Unicast instances that share an (interface, family, VRID), as keepalived
/// allows when their peers, or their sources, differ: a packet goes to
/// the one that has its source as a peer, sending from its destination.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SharedVrid {
    interface: u32,
    family: Family,
    vrid: u8,
    /// In the order they were added; the first is the table's.
    members: Vec<InstanceId>,
}

impl SharedVrid {
    fn is(&self, interface: u32, family: Family, vrid: u8) -> bool {
        (self.interface, self.family, self.vrid) == (interface, family, vrid)
    }
}

/// Whether `a` and `b` may share a VRID on an interface: both unicast,
/// and no peer in common or not the same source.
fn may_share(a: &Instance, b: &Instance) -> bool {
    let (a, b) = (a.config(), b.config());
    let unicast = !a.unicast_peers.is_empty() && !b.unicast_peers.is_empty();
    let shared_peer = a.unicast_peers.iter().any(|p| b.unicast_peers.contains(p));
    unicast && (!shared_peer || a.primary_address != b.primary_address)
}

/// One interface and family: the instance for each VRID, by index + 1 (0: none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct VridTable {
    interface: u32,
    family: Family,
    slots: [u16; 256],
}

/// A set of instances, typically all those of one daemon.
///
/// Same run loop as [`Instance`]: after any `handle_*`, drain
/// [`poll_action`](Self::poll_action) (after each `SendAdvert`,
/// [`poll_transmit`](Self::poll_transmit)), then read
/// [`poll_timeout`](Self::poll_timeout).
#[derive(Clone, Debug, Default)]
pub struct Router {
    instances: Vec<Instance>,
    interface_of: Vec<u32>,
    tables: Vec<VridTable>,
    /// VRIDs more than one instance has on an interface (rare).
    shared: Vec<SharedVrid>,
    /// Sync group of each instance, by index into `groups`.
    group_of: Vec<Option<u16>>,
    groups: Vec<Vec<InstanceId>>,
    /// Instances that may have queued actions, in the order they got them.
    ready: VecDeque<InstanceId>,
    queued: Vec<bool>,
    /// Every instance's deadline in a min-heap, so finding the next one and
    /// the due ones costs O(log n), not a scan. An entry whose deadline is
    /// no longer its instance's (`armed`) is stale and skipped; the top is
    /// never stale between calls.
    timers: BinaryHeap<Reverse<(Instant, InstanceId)>>,
    armed: Vec<Option<Instant>>,
    /// The instance whose `SendAdvert` [`poll_action`](Self::poll_action)
    /// returned last, for [`poll_transmit`](Self::poll_transmit).
    sending: Option<InstanceId>,
    /// The wall clock as last given ([`handle_wall_clock`](Self::handle_wall_clock)),
    /// handed to an instance before it verifies or signs.
    wall_clock: core::time::Duration,
    stats: RouterStats,
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an instance that runs on `interface` (any key the caller
    /// chooses, e.g. the ifindex). A VRID already taken there is refused,
    /// unless every instance with it is unicast and each pair differs in
    /// peers (none shared) or in source address.
    pub fn add(&mut self, interface: u32, instance: Instance) -> Result<InstanceId, RouterError> {
        let index = u16::try_from(self.instances.len()).map_err(|_| RouterError::Full)?;
        let (family, vrid) = (instance.family(), instance.vrid());
        if let Some(first) = self.find(interface, family, vrid) {
            let shared = self.shared_vrid(interface, family, vrid);
            let members = shared.map_or(std::slice::from_ref(&first), |s| &s.members[..]);
            if !members
                .iter()
                .all(|m| may_share(&self.instances[m.index()], &instance))
            {
                return Err(RouterError::Duplicate { interface, vrid });
            }
            let id = self.push(interface, instance, index);
            match self
                .shared
                .iter_mut()
                .find(|s| s.is(interface, family, vrid))
            {
                Some(shared) => shared.members.push(id),
                None => self.shared.push(SharedVrid {
                    interface,
                    family,
                    vrid,
                    members: vec![first, id],
                }),
            }
            return Ok(id);
        }
        let table = match self
            .tables
            .iter()
            .position(|t| t.interface == interface && t.family == family)
        {
            Some(i) => &mut self.tables[i],
            None => {
                self.tables.push(VridTable {
                    interface,
                    family,
                    slots: [0; 256],
                });
                self.tables.last_mut().expect("just pushed")
            }
        };
        table.slots[usize::from(vrid)] = index + 1;
        Ok(self.push(interface, instance, index))
    }

    /// The instances sharing `vrid` on `interface` and `family`, if several do.
    fn shared_vrid(&self, interface: u32, family: Family, vrid: u8) -> Option<&SharedVrid> {
        self.shared.iter().find(|s| s.is(interface, family, vrid))
    }

    /// Appends `instance` (number `index`) and its bookkeeping.
    fn push(&mut self, interface: u32, instance: Instance, index: u16) -> InstanceId {
        self.instances.push(instance);
        self.interface_of.push(interface);
        self.group_of.push(None);
        self.queued.push(false);
        self.armed.push(None);
        // Room for the stale entries too (see `timer_capacity`), up front,
        // so the steady state does not allocate.
        let want = self.timer_capacity() + 1;
        self.timers.reserve(want.saturating_sub(self.timers.len()));
        self.ready.reserve(1);
        InstanceId(index)
    }

    /// Makes `members` a sync group: when one becomes Master, Backup or
    /// Fault, the others follow. An instance belongs to one group at most;
    /// a later group takes it from an earlier one.
    pub fn add_sync_group(&mut self, members: &[InstanceId]) {
        let group = u16::try_from(self.groups.len()).expect("fewer groups than instances");
        for id in members {
            self.group_of[id.index()] = Some(group);
        }
        self.groups.push(members.to_vec());
    }

    /// The id of the instance added `index`-th, if there is one.
    pub fn id(&self, index: usize) -> Option<InstanceId> {
        (index < self.instances.len()).then_some(InstanceId(index as u16))
    }

    /// The instance for that id.
    pub fn instance(&self, id: InstanceId) -> &Instance {
        &self.instances[id.index()]
    }

    /// All instances with their ids, in the order they were added.
    pub fn instances(&self) -> impl Iterator<Item = (InstanceId, &Instance)> {
        self.instances
            .iter()
            .enumerate()
            .map(|(i, inst)| (InstanceId(i as u16), inst))
    }

    /// The interface key an instance was added with.
    pub fn interface_of(&self, id: InstanceId) -> u32 {
        self.interface_of[id.index()]
    }

    /// The instance for a VRID on an interface and family (of several,
    /// the first added: [`handle_packet`](Self::handle_packet) tells them
    /// apart by the packet's addresses).
    pub fn find(&self, interface: u32, family: Family, vrid: u8) -> Option<InstanceId> {
        let table = self
            .tables
            .iter()
            .find(|t| t.interface == interface && t.family == family)?;
        match table.slots[usize::from(vrid)] {
            0 => None,
            n => Some(InstanceId(n - 1)),
        }
    }

    /// Packets no instance took.
    pub fn stats(&self) -> &RouterStats {
        &self.stats
    }

    // ===== handle_* =====

    /// Starts every instance.
    pub fn handle_startup(&mut self, now: Instant) {
        for i in 0..self.instances.len() {
            self.with(now, InstanceId(i as u16), |inst| inst.handle_startup(now));
        }
    }

    /// The wall clock now, for the instances with `auth_hmac`
    /// ([`Instance::handle_wall_clock`]); each gets it when it next
    /// verifies or signs, so a call costs nothing per instance.
    pub fn handle_wall_clock(&mut self, since_epoch: core::time::Duration) {
        self.wall_clock = since_epoch;
    }

    /// Shuts every instance down (Masters send priority 0).
    pub fn handle_shutdown(&mut self, now: Instant) {
        for i in 0..self.instances.len() {
            self.with(now, InstanceId(i as u16), |inst| inst.handle_shutdown(now));
        }
    }

    /// Shuts one instance down (a Master sends priority 0 and removes its
    /// addresses), leaving the others running: a daemon reloading its
    /// configuration releases the instances it removes or replaces this way.
    /// The instance stays in the router, in Initialize.
    pub fn handle_instance_shutdown(&mut self, now: Instant, id: InstanceId) {
        self.with(now, id, |inst| inst.handle_shutdown(now));
    }

    /// Gives a received VRRP message to its instance; returns which one, or
    /// `None` (counted) when no instance has that VRID.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        interface: u32,
        rx: &Received,
        bytes: &[u8],
    ) -> Option<InstanceId> {
        let Ok(packet) = Packet::new_checked(bytes) else {
            self.stats.packet_length_errors += 1;
            return None;
        };
        let Some(id) = self.find_for(interface, rx, packet.vrid()) else {
            self.stats.vrid_errors += 1;
            return None;
        };
        self.with(now, id, |inst| {
            inst.handle_packet(now, rx, Ok(packet), None);
        });
        Some(id)
    }

    /// Gives a received IPv4 datagram with an IP Authentication Header
    /// (protocol 51, `auth_type AH`; `datagram` starts at the IPv4 header)
    /// to its instance; returns which one, or `None` (counted) when it is
    /// not AH for VRRP or no instance has that VRID.
    pub fn handle_ah_datagram(
        &mut self,
        now: Instant,
        interface: u32,
        datagram: &[u8],
    ) -> Option<InstanceId> {
        let Ok(ah) = crate::auth_ah::AhDatagram::parse(datagram) else {
            self.stats.packet_length_errors += 1;
            return None;
        };
        let Ok(packet) = Packet::new_checked(ah.message()) else {
            self.stats.packet_length_errors += 1;
            return None;
        };
        let Some(id) = self.find_for(interface, &ah.rx, packet.vrid()) else {
            self.stats.vrid_errors += 1;
            return None;
        };
        self.with(now, id, |inst| {
            inst.handle_packet(now, &ah.rx, Ok(packet), Some(&ah));
        });
        Some(id)
    }

    /// The instance a packet received on `interface` is for: among several
    /// with its VRID, the one with its source as a peer, sending from its
    /// destination, else with its source as a peer, else the first.
    fn find_for(&self, interface: u32, rx: &Received, vrid: u8) -> Option<InstanceId> {
        let family = Family::of(&rx.src);
        let first = self.find(interface, family, vrid)?;
        if self.shared.is_empty() {
            return Some(first);
        }
        let Some(shared) = self.shared_vrid(interface, family, vrid) else {
            return Some(first);
        };
        let config = |m: &&InstanceId| self.instances[m.index()].config();
        let from = |m: &&InstanceId| config(m).unicast_peers.contains(&rx.src);
        let to = |m: &&InstanceId| config(m).primary_address == rx.dst;
        let members = &shared.members;
        (members.iter().find(|m| from(m) && to(m)))
            .or_else(|| members.iter().find(from))
            .copied()
            .or(Some(first))
    }

    /// Fires every due timer; spurious calls are no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.armed[id.index()] = None;
            self.with(now, id, |inst| inst.handle_timeout(now));
            self.drop_stale_timers();
        }
    }

    /// Link state of an interface, for every instance on it.
    pub fn handle_link(&mut self, now: Instant, interface: u32, up: bool) {
        for i in 0..self.instances.len() {
            if self.interface_of[i] == interface {
                self.with(now, InstanceId(i as u16), |inst| inst.handle_link(now, up));
            }
        }
    }

    /// Link state of one instance's interface
    /// ([`Instance::handle_link`]), for a caller that tells its instances
    /// apart (keepalived's `dont_track_primary`).
    pub fn handle_instance_link(&mut self, now: Instant, id: InstanceId, up: bool) {
        self.with(now, id, |inst| inst.handle_link(now, up));
    }

    /// A new `auth_hmac` for one running instance
    /// ([`Instance::handle_auth_hmac`]).
    pub fn handle_auth_hmac(
        &mut self,
        id: InstanceId,
        hmac: Option<crate::auth_hmac::HmacConfig>,
    ) -> Result<(), crate::ConfigError> {
        self.instances[id.index()].handle_auth_hmac(hmac)
    }

    /// New tracking totals for one instance.
    pub fn handle_tracking(&mut self, now: Instant, id: InstanceId, tracking: Tracking) {
        self.with(now, id, |inst| inst.handle_tracking(now, tracking));
    }

    /// One instance's advert could not be sent
    /// ([`Instance::handle_send_failure`]).
    pub fn handle_send_failure(&mut self, id: InstanceId, priority: u8) {
        self.instances[id.index()].handle_send_failure(priority);
    }

    /// One of an instance's VIP announcements could not be sent
    /// ([`Instance::handle_announce_failure`]).
    pub fn handle_announce_failure(&mut self, id: InstanceId) {
        self.instances[id.index()].handle_announce_failure();
    }

    /// An administrative change to one instance.
    pub fn handle_command(&mut self, now: Instant, id: InstanceId, command: Command) {
        self.with(now, id, |inst| inst.handle_command(now, command));
    }

    // ===== poll_* =====

    /// The next action of any instance, in the order they were queued.
    #[must_use]
    #[inline]
    pub fn poll_action(&mut self) -> Option<(InstanceId, Action)> {
        while let Some(&id) = self.ready.front() {
            if let Some(action) = self.instances[id.index()].poll_action() {
                self.sending = matches!(action, Action::SendAdvert { .. }).then_some(id);
                return Some((id, action));
            }
            self.ready.pop_front();
            self.queued[id.index()] = false;
        }
        self.sending = None;
        None
    }

    /// The next datagram of the advert the last `SendAdvert` from
    /// [`poll_action`](Self::poll_action) announced
    /// ([`Instance::poll_transmit`]), and whose it is.
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(InstanceId, Transmit)> {
        let id = self.sending?;
        let instance = &mut self.instances[id.index()];
        instance.handle_wall_clock(self.wall_clock);
        let transmit = instance.poll_transmit(buf);
        if transmit.is_none() {
            self.sending = None;
        }
        Some((id, transmit?))
    }

    /// The earliest deadline of all instances, and whose it is.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<(InstanceId, Deadline)> {
        let &Reverse((_, id)) = self.timers.peek()?;
        Some((id, self.instances[id.index()].poll_timeout()?))
    }

    // ===== internals =====

    /// Runs `f` on one instance, then queues it for polling and moves its
    /// sync group along.
    fn with(&mut self, now: Instant, id: InstanceId, f: impl FnOnce(&mut Instance)) {
        let instance = &mut self.instances[id.index()];
        let before = instance.state();
        instance.handle_wall_clock(self.wall_clock);
        f(instance);
        self.touched(id);
        self.sync_group(now, id, before);
        self.drop_stale_timers();
    }

    /// After an instance was handled: queue it for polling and re-file its deadline.
    fn touched(&mut self, id: InstanceId) {
        if !self.queued[id.index()] {
            self.queued[id.index()] = true;
            self.ready.push_back(id);
        }
        let at = self.instances[id.index()].poll_timeout().map(|d| d.at);
        if at != self.armed[id.index()] {
            self.armed[id.index()] = at;
            if let Some(at) = at {
                if self.timers.len() >= self.timer_capacity() {
                    // Stale entries pile up when timers are not fired (no
                    // handle_timeout for a while): drop them all, in place.
                    let armed = &self.armed;
                    self.timers
                        .retain(|&Reverse((at, id))| armed[id.index()] == Some(at));
                }
                self.timers.push(Reverse((at, id)));
            }
        }
    }

    /// How many heap entries (current and stale) the router keeps at most.
    fn timer_capacity(&self) -> usize {
        4 * self.instances.len() + 64
    }

    /// Pops stale entries until the top of the timer heap is current.
    fn drop_stale_timers(&mut self) {
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if self.armed[id.index()] == Some(at) {
                break;
            }
            self.timers.pop();
        }
    }

    /// keepalived's vrrp_sync_group: every member is in Fault while any
    /// member has a fault of its own; otherwise they become Master together
    /// and Backup together.
    fn sync_group(&mut self, now: Instant, id: InstanceId, before: State) {
        let Some(group) = self.group_of[id.index()] else {
            return;
        };
        let members = std::mem::take(&mut self.groups[usize::from(group)]);
        let faulty = members
            .iter()
            .any(|m| self.instances[m.index()].has_own_fault());
        let after = self.instances[id.index()].state();
        let follow = matches!(
            (before, after),
            (State::Backup, State::Master) | (State::Master, State::Backup)
        );
        for &member in &members {
            let inst = &mut self.instances[member.index()];
            inst.set_group_fault(now, faulty);
            if follow && member != id {
                inst.follow_group(now, after);
            }
        }
        // A member can also enter Master straight from Initialize or Fault:
        // the address owner does not wait (RFC 9568 §6.4.1), at startup or
        // when the group's fault clears. The Backups follow it there.
        let any_master = members
            .iter()
            .any(|m| self.instances[m.index()].state() == State::Master);
        for &member in &members {
            if any_master {
                self.instances[member.index()].follow_group(now, State::Master);
            }
            self.touched(member);
        }
        self.groups[usize::from(group)] = members;
    }
}
