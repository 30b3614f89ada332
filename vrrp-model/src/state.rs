//! The explored state: the routers' real core instances, the packets in
//! flight, the partition, what is left of the fault budgets, and the
//! auxiliary clocks of the bounded-liveness properties.
//!
//! Time is relative: "now" is always `Instant::ZERO`, deadlines and packet
//! ages are shifted when the clock advances, and every clock saturates, so
//! the state space is finite and the graph cyclic without a horizon. Nothing
//! here iterates a hash map.

use std::hash::{Hash, Hasher};

use vrrp_core::wire::TRAILER_LEN;
use vrrp_core::{Instance, State};

use crate::setup::Budget;

/// One router: the real `vrrp_core::Instance` and what the host knows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    /// The core instance, exactly as the daemon would hold it.
    pub instance: Instance,
    /// Whether the process is alive. A crashed router holds a fresh
    /// (Initialize) instance until it restarts.
    pub up: bool,
    /// Whether its tracked object (HAProxy) is down, lowering the priority.
    pub degraded: bool,
    /// Whether the virtual address is installed, per `AddVips`/`RemoveVips`.
    pub holds_vips: bool,
    /// Whether its interface is down: it neither sends nor receives, and is
    /// alone in its component. A property of the wire, kept across a crash.
    pub link_down: bool,
}

impl Node {
    /// Up and started: Backup, Master or Fault.
    pub fn running(&self) -> bool {
        self.up && self.instance.state() != State::Initialize
    }

    /// Up and Master.
    pub fn is_master(&self) -> bool {
        self.up && self.instance.state() == State::Master
    }
}

/// A value carried along but left out of equality, hashing and ordering:
/// absolute quantities (the wall clock, `auth_hmac` sequences and tags)
/// whose meaning the state keeps in a canonical, bounded form instead
/// (README, "Forger": two states that differ only in them have the same
/// futures, shifted in time).
#[derive(Clone, Copy, Debug, Default)]
pub struct Hidden<T>(pub T);

impl<T> PartialEq for Hidden<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Hidden<T> {}

impl<T> PartialOrd for Hidden<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Hidden<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<T> Hash for Hidden<T> {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// The longest advert the model emits: VRRPv2 header, one IPv4 address, auth.
pub const FRAME_CAPACITY: usize = 24;

/// The longest datagram: an advert and its `auth_hmac` trailer.
pub const DATAGRAM_CAPACITY: usize = FRAME_CAPACITY + TRAILER_LEN;

/// A packet in flight on the directed link `from -> to`: the real bytes the
/// core emitted, checksum (and `auth_hmac` trailer) included.
///
/// The trailer is [`Hidden`]: its sequence and tag are absolute, and every
/// advert would be a new state. The emission's [`rank`](Self::rank) among
/// its sender's stands for them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    /// Sender.
    pub from: u8,
    /// Receiver.
    pub to: u8,
    /// Microseconds in flight, negated so that sorting puts each link's
    /// oldest frame first (links are FIFO).
    pub neg_age: i64,
    /// Order among the frames sent on this link in the same instant (a
    /// Master may answer an advert and shut down at one instant: the
    /// priority 0 must arrive last).
    pub seq: u8,
    /// The emitted advertisement.
    pub bytes: [u8; FRAME_CAPACITY],
    /// How many of `bytes` are used.
    pub len: u8,
    /// With a forger: the emission's place among its sender's emissions
    /// that the state holds (frames in flight and captures), from 0. Their
    /// order is all that their sequences mean for the future. 0 otherwise.
    pub rank: u8,
    /// The `auth_hmac` trailer the core appended, if any.
    pub trailer: Hidden<Option<Box<[u8; TRAILER_LEN]>>>,
}

impl Frame {
    /// Microseconds in flight.
    pub fn age(&self) -> u64 {
        self.neg_age.unsigned_abs()
    }

    /// The datagram as the core emitted it: the advert, then its trailer
    /// (assembled in `buf`).
    pub fn datagram<'a>(&'a self, buf: &'a mut [u8; DATAGRAM_CAPACITY]) -> &'a [u8] {
        let len = usize::from(self.len);
        match &self.trailer.0 {
            None => &self.bytes[..len],
            Some(trailer) => {
                buf[..len].copy_from_slice(&self.bytes[..len]);
                buf[len..len + TRAILER_LEN].copy_from_slice(&trailer[..]);
                &buf[..len + TRAILER_LEN]
            }
        }
    }

    /// The advertised priority (the third byte of the VRRP header).
    pub fn priority(&self) -> u8 {
        self.bytes[2]
    }
}

/// An advert the forger captured: the last its sender emitted at this
/// priority (README, "Forger", says why the last suffices).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Capture {
    /// The advert as sent; `from` is its sender, `to` unused (0).
    pub frame: Frame,
    /// The routers (bit `r`) whose current core has been handed this
    /// advert or a later one of its sender: a delivery to them now is a
    /// replay, not a late arrival.
    pub had: u8,
}

/// Auxiliary clocks, in microseconds, each saturating.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Clocks {
    /// Since the last disturbance, saturating at `T_conv`.
    pub quiet: u64,
    /// Per router: since it accepted a priority-0 advert as Backup while no
    /// Master is in its group (S8).
    pub stopped: RouterClocks,
    /// Per router: since it (preempting) last saw no lower-priority Master in
    /// its group, or since the last disturbance (S9).
    pub preempt: RouterClocks,
    /// Per router: since a higher-priority Master answered its advert while
    /// it was Master (S11); stopped when it leaves Master or the answer to
    /// it is lost.
    pub answered: RouterClocks,
    /// Per Backup: the last advert it followed (S15, S16).
    pub followed: Followed,
}

/// The advert a Backup last followed: one that set its Master_Down_Timer
/// (RFC 9568 §6.4.2: priority 0, a priority not lower than its own, or
/// preemption off), as the model saw it arrive. Kept while the router stays
/// a Backup at the same priority, so its timer was not touched since (S15,
/// S16). Each field but the sender follows from the timer the core armed,
/// so the record adds few states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Heard {
    /// Sender.
    pub from: u8,
    /// Whether it was priority 0 (the sender stopped).
    pub stop: bool,
    /// Master_Adver_Interval in force after it, in centiseconds: the
    /// sender's interval, or the Backup's own after priority 0 (which does
    /// not teach one) and in VRRPv2.
    pub interval: u16,
    /// Microseconds since it arrived, saturating past the longest wait the
    /// RFCs give a Backup (a saturated record says nothing).
    pub ago: u64,
}

/// The [`Heard`] record of some routers, sparse and sorted by router.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Followed(Vec<(u8, Heard)>);

impl Followed {
    /// Router `r`'s record.
    pub fn get(&self, r: usize) -> Option<Heard> {
        self.0
            .iter()
            .find(|(i, _)| usize::from(*i) == r)
            .map(|&(_, h)| h)
    }

    /// Router `r` followed `heard`.
    pub fn set(&mut self, r: usize, heard: Heard) {
        self.forget(r);
        self.0.push((r as u8, heard));
        self.0.sort_unstable();
    }

    /// Router `r`'s record goes.
    pub fn forget(&mut self, r: usize) {
        self.0.retain(|(i, _)| usize::from(*i) != r);
    }

    /// Time passes by `dt`, each record saturating at `cap`.
    pub fn advance(&mut self, dt: u64, cap: u64) {
        for (_, h) in &mut self.0 {
            h.ago = (h.ago + dt).min(cap);
        }
    }
}

/// Clocks of some routers, kept sparse (sorted by router) because they run
/// only briefly: an empty list costs no allocation when the state is cloned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RouterClocks(Vec<(u8, u64)>);

impl RouterClocks {
    /// Router `r`'s clock, if running.
    pub fn get(&self, r: usize) -> Option<u64> {
        self.0
            .iter()
            .find(|(i, _)| usize::from(*i) == r)
            .map(|&(_, c)| c)
    }

    /// Starts router `r`'s clock at zero unless it runs already.
    pub fn start(&mut self, r: usize) {
        if self.get(r).is_none() {
            self.0.push((r as u8, 0));
            self.0.sort_unstable();
        }
    }

    /// Stops router `r`'s clock.
    pub fn stop(&mut self, r: usize) {
        self.0.retain(|(i, _)| usize::from(*i) != r);
    }

    /// Stops every clock.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The running clocks: (router, microseconds).
    pub fn iter(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.0.iter().map(|&(r, c)| (usize::from(r), c))
    }

    /// Advances every clock by `dt`, saturating at `cap(router)`.
    pub fn advance(&mut self, dt: u64, cap: impl Fn(usize) -> u64) {
        for (r, c) in &mut self.0 {
            *c = (*c + dt).min(cap(usize::from(*r)));
        }
    }
}

/// Notable events of the last step only (reset by every step), for the
/// reachability properties V3..V11.
pub mod seen {
    /// A Master stepped down for an equal-priority advert from a higher address.
    pub const TIE_BREAK: u16 = 1;
    /// A Backup preempted a lower-priority Master.
    pub const PREEMPTED: u16 = 2;
    /// A Backup took over after a priority-0 advert.
    pub const MASTER_STOPPED: u16 = 4;
    /// A master-down timer fired on a silent Master.
    pub const MASTER_DOWN: u16 = 8;
    /// A router left Fault for Backup or Master (its link came back).
    pub const FAULT_CLEARED: u16 = 16;
    /// A Master answered a lower-priority Master's advert.
    pub const ANSWERED: u16 = 32;
    /// A Backup took over while another Backup of its component that
    /// followed the same advert was still waiting (S15 compared them).
    pub const RACE: u16 = 64;
    /// The forger replayed an advert (S17 judged it).
    pub const REPLAYED: u16 = 128;
    /// A replayed advert changed its receiver's state (Backup, Master...).
    pub const REPLAY_MOVED: u16 = 256;
}

/// Safety violations detected on a step rather than in a state (sticky).
pub mod violation {
    /// S3: Backup to Master other than on master-down expiry, Master at
    /// startup without owning the address, into or out of Fault other than
    /// by the link, or priority 0 other than on shutdown.
    pub const ILLEGAL_TRANSITION: u16 = 1;
    /// S3: an advert sent by a router that is not Master.
    pub const ADVERT_NOT_MASTER: u16 = 2;
    /// S7: a state change after convergence with no disturbance.
    pub const FLAP: u16 = 4;
    /// S9: a router with preemption off preempted.
    pub const NOPREEMPT_PREEMPTED: u16 = 8;
    /// S6: a Master met an equal priority and the address did not decide
    /// (the lower address must step down, the higher must stay).
    pub const WRONG_TIE_BREAK: u16 = 16;
    /// S11: a Master heard a lower-priority Master's advert and did not
    /// answer it at once (RFC 9568 §6.4.3).
    pub const UNANSWERED_LOWER_MASTER: u16 = 32;
    /// S12: a Master shut down without a priority-0 advert to every router
    /// of its component (RFC 9568 §6.4.3).
    pub const SILENT_SHUTDOWN: u16 = 64;
    /// S13: a Master heard priority 0 and did not advertise at once (RFC
    /// 9568 §6.4.3).
    pub const UNANSWERED_STOP: u16 = 128;
    /// S14: a Backup's Master_Down_Timer armed to anything but the RFC's
    /// interval (RFC 9568 §6.4.1, §6.4.2).
    pub const TIMER_NOT_RFC: u16 = 256;
    /// S15: a Backup took over while one that followed the same advert was
    /// due earlier by the RFC's Skew_Time.
    pub const SLOWER_BACKUP_FIRST: u16 = 512;
    /// S16: a Backup took over less than its Master_Down_Interval after it
    /// followed an advert of a Master that is still Master in its component.
    pub const NEEDLESS_TAKEOVER: u16 = 1024;
    /// S17: a replayed advert changed its receiver's protocol state or made
    /// it act, or (with `auth_hmac`) was not counted as replayed or stale.
    pub const REPLAY_TOOK_EFFECT: u16 = 2048;
}

/// The whole system at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct World {
    /// The routers, by index.
    pub nodes: Vec<Node>,
    /// Packets in flight, sorted (so the order they were sent in is not state).
    pub frames: Vec<Frame>,
    /// Index of the current set partition in `VrrpModel::partitions`.
    pub partition: u8,
    /// Adverts lost in a row on each directed link `from * n + to` (lossy
    /// links only; empty otherwise).
    pub lost: Vec<u8>,
    /// What is left of the disturbance budgets.
    pub budget: Budget,
    /// Whether this instant already had its one disturbance.
    pub disturbed_now: bool,
    /// Whether time has just advanced (no step yet at this instant) from an
    /// instant without a disturbance. A disturbance that does not depend on
    /// the time would now do what one just before the advance does, with
    /// the clocks of the properties behind, so it is not offered (README,
    /// "Reductions").
    pub just_advanced: bool,
    /// The property clocks.
    pub clocks: Clocks,
    /// Notable events of the last step ([`seen`] bits).
    pub seen: u16,
    /// Step-detected safety violations ([`violation`] bits).
    pub violations: u16,
    /// The forger's captures, sorted; empty without a forger or once its
    /// replays are spent.
    pub captures: Vec<Capture>,
    /// Model time since the start, for the routers' wall clock
    /// ([`WALL_EPOCH_SECS`](crate::setup::WALL_EPOCH_SECS) plus this).
    /// Hidden: every deadline in the state is relative, and the sequences
    /// that the wall clock feeds are kept by their order ([`Frame::rank`]).
    pub now_us: Hidden<u64>,
}
