//! The properties: S1..S17 must always hold, V1..V11 should be reached, and
//! those the chosen faults make reachable ([`required`]) must be.
//!
//! stateright's `eventually` is checked only at terminal states and VRRP never
//! terminates, so liveness is written as bounded safety over the auxiliary
//! clocks of [`Clocks`](crate::state::Clocks): "after `T_conv` of quiet" is
//! `quiet >= T_conv`, with `T_conv` from [`Timing`](crate::timing::Timing).
//! "Live" means up and started (Backup, Master or Fault). A component is a
//! group of the current set partition, less the routers whose link is down:
//! each of those is a component of its own ([`VrrpModel::component`]).

use stateright::Property;
use vrrp_core::config::PRIORITY_OWNER;
use vrrp_core::{State, Timer};

use crate::model::VrrpModel;
use crate::setup::Setup;
use crate::state::{World, seen, violation};

/// S1: well-formed. Initialize has no timer; a Backup runs only the
/// master-down timer, never beyond its current Master_Down_Interval (the
/// core clamps it when the priority rises; the reduction of priority
/// changes relies on it, README "Reductions"); a Master only the advert
/// timer, never beyond its interval;
/// Fault has no timer; a live router holds the virtual address exactly
/// while Master, so never in Fault.
pub const S1: &str = "S1 well-formed timers and addresses";
/// S2: a live priority-255 owner is never Backup.
pub const S2: &str = "S2 owner never Backup";
/// S3: Backup to Master only on master-down expiry, Initialize to Master only
/// as the owner; Backup or Master to Fault only when the link goes down,
/// Initialize to Fault only on a start with the link down, out of Fault only
/// when the link comes back (to Master only as the owner) or on shutdown;
/// priority 0 only on shutdown; only a Master advertises.
pub const S3: &str = "S3 legal transitions and adverts";
/// S4: after `T_conv` of quiet, at most one Master per component.
pub const S4: &str = "S4 single master after T_conv";
/// S5: after `T_conv` of quiet, every component with a live router whose
/// link is up has a Master. A router whose link is down is alone in its
/// component and in Fault (S10): it cannot be Master, and nobody can serve
/// it, so its component needs none.
pub const S5: &str = "S5 election after T_conv";
/// S6: after `T_conv` of quiet, with preempt, each component's Master has its
/// highest priority (a router whose link is down is not in the Master's
/// component, whatever its priority); without preempt, it is unique. And at
/// any time, when a Master hears an equal priority, the address decides: the lower primary
/// address steps down, the higher stays (RFC 9568 §6.4.3; added after the
/// mutation run showed a reversed comparison went unnoticed).
///
/// Not "the highest (priority, primary address)": RFC 9568 §6.4.2 has a
/// Backup preempt only a *lower* priority, so a Backup that ties the Master
/// and has the higher address stays Backup. The address decides only between
/// two Masters (V3). The checker finds that counterexample to the stricter
/// wording at once (see the README).
pub const S6: &str = "S6 right winner after T_conv";
/// S7: after `T_conv` of quiet, no state changes until the next disturbance.
pub const S7: &str = "S7 no flapping after T_conv";
/// S8: a Backup that accepted priority 0 sees a Master in its component
/// within its Skew_Time plus `d_max`, unless it accepts another advert
/// first: an advert still in flight from a router that was Master a moment
/// ago restarts its Master_Down_Interval (RFC 9568 §6.4.2), and the checker
/// finds that case with three routers.
pub const S8: &str = "S8 priority-0 failover in Skew_Time + d_max";
/// S9: a preempting router stops seeing a lower-priority Master in its
/// component within its Master_Down_Interval + 2 d_max + L A; with preempt
/// off, nobody ever preempts.
pub const S9: &str = "S9 preemption bounded, none with nopreempt";
/// S10: a live router is in Fault exactly while its link is down (the model
/// has no other fault: its tracked objects have weight −50, never 0), and no
/// packet to or from a router whose link is down is in flight.
pub const S10: &str = "S10 link down: Fault, nothing in flight";
/// S11: RFC 9568 §6.4.3: a Master that hears a lower-priority Master's
/// advert sends its own at once (before its next periodic one), and the
/// lower Master is Backup within `d_max` of that answer, unless the answer
/// is lost or a disturbance intervenes.
pub const S11: &str = "S11 a lower Master is answered and steps down";
/// S12: RFC 9568 §6.4.3: a Master that shuts down sends priority 0 to every
/// running router of its component (the converse of S3's "priority 0 only
/// on shutdown").
pub const S12: &str = "S12 a stopping Master sends priority 0";
/// S13: RFC 9568 §6.4.3: a Master that hears priority 0 sends an advert at
/// once, so no Backup takes over after Skew_Time while it is there.
pub const S13: &str = "S13 a Master answers priority 0 at once";
/// S14: the Master_Down_Timer is the RFC's, not only bounded by it: a
/// Backup that starts (or whose link comes back) arms it to its
/// Master_Down_Interval (RFC 9568 §6.4.1); one that accepts an advert sets
/// it to Skew_Time after priority 0, leaves it when it discards a lower
/// priority to preempt, and resets it to Master_Down_Interval otherwise
/// (§6.4.2). Only its expiry makes a Backup Master (S3), so a Backup takes
/// over exactly that long after the later of its start and the last advert
/// it accepted. The intervals are the RFCs' formulas
/// ([`rfc_wait`](crate::timing::rfc_wait)), not the core's `skew_time`: the
/// mutation run found VRRPv2's Skew_Time broken five ways unnoticed while
/// S14 compared the core with itself.
pub const S14: &str = "S14 master-down timer as RFC 9568 sets it";
/// S15: best Backup first (RFC 9568 §6.1, §6.4.2: Skew_Time orders the
/// takeover). When a Backup `a` takes over on its Master_Down_Timer, no
/// other running Backup `b` of its component that followed the same
/// advert (one emission of one sender: priority 0 from a stopping Master,
/// or the last advert of a Master that died or was cut off) is due
/// earlier by the RFC's timers: `b` arrived-at + `b`'s wait is not below
/// `a`'s. With one interval that reads: if `b` has the higher priority, the
/// two arrivals were less than `Skew_a - Skew_b` apart (`b` not later by
/// that much), then `b` takes over first, and a slower, lower Backup never
/// wins the race to be preempted.
///
/// It applies only where the RFC orders the race: the same advert (a
/// Backup that lost it, or never heard the Master since it started, waits
/// from another instant); neither priority changed since (a new priority
/// moves the timer); arrivals within the Skew_Time gap (at advert 4 cs the
/// gap between priorities 100 and 150 is 7.8 ms, below the model's one-tick
/// jitter, so only equal delays qualify; at 1 s it is 195 ms). A tie in
/// priority is decided by arrival: the address decides only between two
/// Masters (S6). The waits are computed by the RFC's formulas
/// ([`rfc_wait`](crate::timing::rfc_wait)), not by the core's.
pub const S15: &str = "S15 best Backup first";
/// S16: no needless takeover (RFC 9568 §6.4.2). A Backup does not take
/// over while the Master whose advert it last followed is still Master in
/// its component and that advert arrived less than the Backup's
/// Master_Down_Interval ago (by the RFC's formula). "Heard" is an
/// arrival, not a send: lost adverts and delays up to `d_max` are what the
/// model's network does, and a Backup that heard nothing for a whole
/// Master_Down_Interval may take over (three losses in a row do that,
/// `tests/must_fail.rs`). Priority 0 is S13's: the Master that hears it
/// answers at once.
pub const S16: &str = "S16 no takeover from a Master still heard";
/// S17: a replay never takes effect. When the forger delivers a captured
/// advert again to a router that already had it or a later one of its
/// sender, the router's protocol state after it (state, priority, timers,
/// Master, virtual addresses) equals its state before, it sends nothing,
/// and with `auth_hmac` the core counts it (`hmac_replayed` or
/// `hmac_stale`). Without `auth_hmac` nothing tells a replay from an
/// advert, and the checker refutes it (`tests/must_fail.rs`).
pub const S17: &str = "S17 a replayed advert takes no effect";
/// V1: two Masters in one component.
pub const V1: &str = "V1 dual master occurs";
/// V2: Masters in two components at once.
pub const V2: &str = "V2 partition yields two masters";
/// V3: a Master yields to an equal priority from a higher address.
pub const V3: &str = "V3 address tie-break decides";
/// V4: a Backup preempts.
pub const V4: &str = "V4 preemption happens";
/// V5: a Backup takes over after priority 0.
pub const V5: &str = "V5 priority-0 failover happens";
/// V6: a master-down timer fires on a silent Master.
pub const V6: &str = "V6 master-down fires";
/// V7: a router leaves Fault for Backup or Master (its link came back).
pub const V7: &str = "V7 fault clears";
/// V8: a Master answers a lower-priority Master (RFC 9568 §6.4.3).
pub const V8: &str = "V8 a lower Master is answered";
/// V9: a Backup takes over while another that followed the same advert is
/// still waiting (S15 compares them).
pub const V9: &str = "V9 a takeover race is run";
/// V10: the forger replayed an advert (S17 is not vacuous).
pub const V10: &str = "V10 a replay is delivered";
/// V11: a replayed advert changed its receiver's state (Backup, Master):
/// reached without `auth_hmac`, never with it (S17).
pub const V11: &str = "V11 a replay moves a router";

/// Every property, in order.
pub fn all() -> Vec<Property<VrrpModel>> {
    vec![
        Property::always(S1, well_formed),
        Property::always(S2, owner_never_backup),
        Property::always(S3, |_, w: &World| {
            w.violations & (violation::ILLEGAL_TRANSITION | violation::ADVERT_NOT_MASTER) == 0
        }),
        Property::always(S4, |m, w: &World| !converged(m, w) || !dual_master(m, w)),
        Property::always(S5, elected),
        Property::always(S6, right_winner),
        Property::always(S7, |_, w: &World| w.violations & violation::FLAP == 0),
        Property::always(S8, stop_answered),
        Property::always(S9, preemption_bounded),
        Property::always(S10, link_fault),
        Property::always(S11, |m, w: &World| {
            w.violations & violation::UNANSWERED_LOWER_MASTER == 0
                && w.clocks.answered.iter().all(|(_, c)| c <= m.timing.d_max)
        }),
        Property::always(S12, |_, w: &World| {
            w.violations & violation::SILENT_SHUTDOWN == 0
        }),
        Property::always(S13, |_, w: &World| {
            w.violations & violation::UNANSWERED_STOP == 0
        }),
        Property::always(S14, |_, w: &World| {
            w.violations & violation::TIMER_NOT_RFC == 0
        }),
        Property::always(S15, |_, w: &World| {
            w.violations & violation::SLOWER_BACKUP_FIRST == 0
        }),
        Property::always(S16, |_, w: &World| {
            w.violations & violation::NEEDLESS_TAKEOVER == 0
        }),
        Property::always(S17, |_, w: &World| {
            w.violations & violation::REPLAY_TOOK_EFFECT == 0
        }),
        Property::sometimes(V1, dual_master),
        Property::sometimes(V2, |m, w: &World| {
            let components = master_components(m, w);
            components.first() != components.last()
        }),
        Property::sometimes(V3, |_, w: &World| w.seen & seen::TIE_BREAK != 0),
        Property::sometimes(V4, |_, w: &World| w.seen & seen::PREEMPTED != 0),
        Property::sometimes(V5, |_, w: &World| w.seen & seen::MASTER_STOPPED != 0),
        Property::sometimes(V6, |_, w: &World| w.seen & seen::MASTER_DOWN != 0),
        Property::sometimes(V7, |_, w: &World| w.seen & seen::FAULT_CLEARED != 0),
        Property::sometimes(V8, |_, w: &World| w.seen & seen::ANSWERED != 0),
        Property::sometimes(V9, |_, w: &World| w.seen & seen::RACE != 0),
        Property::sometimes(V10, |_, w: &World| w.seen & seen::REPLAYED != 0),
        Property::sometimes(V11, |_, w: &World| w.seen & seen::REPLAY_MOVED != 0),
    ]
}

/// The reachability properties that `setup`'s faults make reachable: an
/// exhaustive check that does not reach one of them explored less than it
/// claims (vacuous), and fails.
///
/// - V2 with a partition: the cut leaves a Master on each side.
/// - V4 with a crash or a shutdown, preemption on, no address owner and two
///   priorities: the highest router goes, a lower one takes over, and the
///   highest comes back as Backup and preempts it.
/// - V5 with a shutdown: the Master shuts down and a Backup hears it.
/// - V6 with a crash or a link failure: a Backup outlives a silent Master.
/// - V7 with a link failure: the link comes back.
/// - V9 with three routers or more of the uniform setup and a partition, a
///   crash, a shutdown or a link failure: the Master goes, and two Backups
///   that followed its last advert at the same delay race. A deployment's
///   own hosts (`verify`) may leave one out of another's unicast peers, so
///   it is not required there.
///
/// - V10 with a forger: a Backup hears its Master, and the forger replays
///   that advert to it.
///
/// V1, V3 and V8 need two Masters that hear each other (V3 at equal
/// priority): a single cut never gives that, and a start-up race only at
/// some timings, so they are not required. V11 is a defect (S17 forbids
/// it).
pub fn required(setup: &Setup) -> Vec<&'static str> {
    let b = setup.budget;
    let several = setup.routers() >= 2;
    let no_owner = !setup.priorities.contains(&PRIORITY_OWNER);
    let two_priorities = setup.priorities.iter().any(|&p| p != setup.priorities[0]);
    let mut out = Vec::new();
    if several && b.partitions > 0 {
        out.push(V2);
    }
    if several && setup.preempt && no_owner && two_priorities && b.crashes + b.shutdowns > 0 {
        out.push(V4);
    }
    if several && b.shutdowns > 0 {
        out.push(V5);
    }
    if several && b.crashes + b.links > 0 {
        out.push(V6);
    }
    if b.links > 0 {
        out.push(V7);
    }
    let losses_of_master = b.partitions + b.crashes + b.shutdowns + b.links;
    if setup.routers() >= 3 && setup.hosts.is_empty() && losses_of_master > 0 {
        out.push(V9);
    }
    if several && b.replays > 0 {
        out.push(V10);
    }
    out
}

/// Whether nothing has disturbed the system for `T_conv`.
pub fn converged(model: &VrrpModel, w: &World) -> bool {
    w.clocks.quiet >= model.timing.t_conv
}

/// The component of each Master, sorted.
fn master_components(model: &VrrpModel, w: &World) -> Vec<usize> {
    let mut components: Vec<usize> = (0..w.nodes.len())
        .filter(|&i| w.nodes[i].is_master())
        .map(|i| model.component(w, i))
        .collect();
    components.sort_unstable();
    components
}

/// Whether some component has two Masters or more.
fn dual_master(model: &VrrpModel, w: &World) -> bool {
    master_components(model, w).windows(2).any(|p| p[0] == p[1])
}

fn well_formed(_: &VrrpModel, w: &World) -> bool {
    w.nodes.iter().all(|node| {
        let instance = &node.instance;
        let timer = instance.poll_timeout();
        let timer_ok = match instance.state() {
            State::Initialize | State::Fault => timer.is_none(),
            State::Backup => timer.is_some_and(|d| {
                let mdi = instance.master_down_interval().as_micros();
                d.timer == Timer::MasterDown && d.at.as_micros() <= mdi
            }),
            State::Master => timer.is_some_and(|d| {
                let interval = u64::from(instance.config().advert_interval) * 10_000;
                d.timer == Timer::Advert && d.at.as_micros() <= interval
            }),
        };
        let vips_ok = !node.up || node.holds_vips == (instance.state() == State::Master);
        timer_ok && vips_ok
    })
}

fn link_fault(_: &VrrpModel, w: &World) -> bool {
    let down = |i: u8| w.nodes[usize::from(i)].link_down;
    w.nodes
        .iter()
        .all(|n| !n.running() || n.link_down == (n.instance.state() == State::Fault))
        && w.frames.iter().all(|f| !down(f.from) && !down(f.to))
}

fn owner_never_backup(_: &VrrpModel, w: &World) -> bool {
    w.nodes.iter().all(|node| {
        !(node.running()
            && node.instance.config().priority == PRIORITY_OWNER
            && node.instance.state() == State::Backup)
    })
}

fn elected(model: &VrrpModel, w: &World) -> bool {
    if !converged(model, w) {
        return true;
    }
    let n = w.nodes.len();
    (0..n)
        .filter(|&i| w.nodes[i].running() && !w.nodes[i].link_down)
        .all(|i| {
            w.nodes[i].is_master()
                || (0..n).any(|m| model.connected(w, i, m) && w.nodes[m].is_master())
        })
}

fn right_winner(model: &VrrpModel, w: &World) -> bool {
    if w.violations & violation::WRONG_TIE_BREAK != 0 {
        return false;
    }
    if !converged(model, w) {
        return true;
    }
    let n = w.nodes.len();
    (0..n).filter(|&m| w.nodes[m].is_master()).all(|m| {
        let rivals = (0..n).filter(|&j| model.connected(w, m, j));
        if model.setup.preempt {
            let priority = |i: usize| w.nodes[i].instance.priority();
            rivals
                .filter(|&j| w.nodes[j].running())
                .all(|j| priority(j) <= priority(m))
        } else {
            rivals.filter(|&j| w.nodes[j].is_master()).count() == 0
        }
    })
}

fn stop_answered(model: &VrrpModel, w: &World) -> bool {
    w.clocks
        .stopped
        .iter()
        .all(|(r, c)| c <= model.timing.stop_bound(&w.nodes[r].instance))
}

fn preemption_bounded(model: &VrrpModel, w: &World) -> bool {
    w.violations & violation::NOPREEMPT_PREEMPTED == 0
        && w.clocks
            .preempt
            .iter()
            .all(|(r, c)| c <= model.timing.preempt_bound(&w.nodes[r].instance))
}
