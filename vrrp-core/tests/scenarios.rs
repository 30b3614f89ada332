//! Elections, failover and preemption on a virtual LAN, with exact virtual times.
//!
//! Times are in microseconds. With a 1 s interval, Master_Down_Interval is
//! 3 s + (256 - priority) / 256 s: 3.609375 s at priority 100, 3.21875 s at 200.

mod lan;

use lan::{Lan, at_micros, config};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Reason, State, Tracking};

const SEC: u64 = 1_000_000;

fn secs(s: u64) -> Instant {
    Instant::from_micros(s * SEC)
}

fn mdi(priority: u64) -> u64 {
    3 * SEC + (256 - priority) * SEC / 256
}

#[test]
fn master_down_interval_is_exact() {
    let lan = Lan::new(vec![config(0, 100)]);
    assert_eq!(
        lan.nodes[0].instance.master_down_interval(),
        Duration::from_micros(3_609_375)
    );
    assert_eq!(
        lan.nodes[0].instance.skew_time(),
        Duration::from_micros(609_375)
    );
}

#[test]
fn two_routers_elect_the_higher_priority() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200)]);
    lan.start_all();
    lan.run_until(secs(20));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    assert_eq!(lan.vip_holders(), [1]);
    // Router 1 is the only one that ever became Master, at its own master-down time.
    let masters: Vec<_> = lan
        .transitions
        .iter()
        .filter(|t| t.to == State::Master)
        .collect();
    assert_eq!(masters.len(), 1);
    assert_eq!(
        (masters[0].router, masters[0].at, masters[0].reason),
        (1, at_micros(mdi(200)), Reason::MasterNoResponse)
    );
}

#[test]
fn three_routers_elect_the_highest_priority() {
    let mut lan = Lan::new(vec![config(0, 150), config(1, 200), config(2, 100)]);
    lan.start_all();
    lan.run_until(secs(30));
    assert_eq!(lan.states(), [State::Backup, State::Master, State::Backup]);
    assert_eq!(lan.vip_holders(), [1]);
}

#[test]
fn equal_priority_goes_to_the_higher_address() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 100)]);
    lan.start_all();
    lan.run_until(secs(20));
    // Both time out together; 192.0.2.2 beats 192.0.2.1 (RFC 9568 §6.4.3).
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    let a_steps_down = lan
        .transitions
        .iter()
        .find(|t| t.router == 0 && t.from == State::Master)
        .unwrap();
    assert_eq!(a_steps_down.reason, Reason::HigherPriorityMaster);
    assert_eq!(a_steps_down.at, at_micros(mdi(100)));
}

#[test]
fn silent_master_is_replaced_at_exactly_master_down_interval() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200), config(2, 150)]);
    lan.start_all();
    lan.run_until(secs(10));
    // Router 1 became Master at mdi(200) and advertises every second since.
    let last_advert = mdi(200) + 6 * SEC;
    assert_eq!(lan.nodes[1].sent.last().unwrap().0, at_micros(last_advert));
    lan.crash(1);
    let took_over = lan.run_until_state(2, State::Master, Duration::from_secs(10));
    assert_eq!(
        took_over,
        at_micros(last_advert + mdi(150)),
        "the best backup (150) wins"
    );
    lan.run_until(secs(30));
    assert_eq!(lan.masters(), [2]);
    assert!(
        lan.transitions
            .iter()
            .all(|t| t.router != 0 || t.to != State::Master),
        "router 0 stays Backup"
    );
    assert!(
        lan.nodes[1].holds_vips,
        "a crashed process leaves its VIPs: the driver's ExecStopPost must clean"
    );
}

#[test]
fn master_shutdown_hands_over_after_skew_time() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200)]);
    lan.start_all();
    lan.run_until(secs(10));
    lan.shutdown(1);
    assert_eq!(
        lan.nodes[1].sent.last(),
        Some(&(secs(10), 0)),
        "priority 0 on shutdown"
    );
    assert_eq!(lan.state(1), State::Initialize);
    assert!(!lan.nodes[1].holds_vips);
    let took_over = lan.run_until_state(0, State::Master, Duration::from_secs(5));
    assert_eq!(
        took_over,
        at_micros(10 * SEC + 609_375),
        "Skew_Time at priority 100"
    );
    let t = lan.transitions.last().unwrap();
    assert_eq!((t.router, t.reason), (0, Reason::MasterStopped));
    assert_eq!(lan.nodes[0].instance.stats().priority_zero_received, 1);
    assert_eq!(lan.nodes[1].instance.stats().priority_zero_sent, 1);
}

#[test]
fn higher_priority_router_joining_later_preempts() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200)]);
    lan.start(0);
    lan.run_until(secs(5));
    assert_eq!(lan.masters(), [0]);
    lan.start(1);
    let preempted = lan.run_until_transition(1, State::Master, Duration::from_secs(10));
    // Router 1 discards the lower adverts, so its first master-down timer runs out.
    assert_eq!(
        (preempted.at, preempted.reason),
        (at_micros(5 * SEC + mdi(200)), Reason::Preempted)
    );
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    assert_eq!(lan.vip_holders(), [1]);
}

#[test]
fn nopreempt_keeps_the_current_master() {
    let mut preferred = config(1, 200);
    preferred.preempt = false;
    let mut lan = Lan::new(vec![config(0, 100), preferred]);
    lan.start(0);
    lan.run_until(secs(5));
    lan.start(1);
    lan.run_until(secs(60));
    assert_eq!(lan.states(), [State::Master, State::Backup]);
    assert!(
        lan.transitions
            .iter()
            .all(|t| t.router != 1 || t.to != State::Master)
    );
}

#[test]
fn preempt_delay_postpones_preemption() {
    let mut preferred = config(1, 200);
    preferred.preempt_delay = Duration::from_secs(10);
    let mut lan = Lan::new(vec![config(0, 100), preferred]);
    lan.start(0);
    lan.run_until(secs(5));
    lan.start(1);
    let first_lower = mdi(100) + 2 * SEC; // router 0's first advert after router 1 started
    assert!(first_lower > 5 * SEC && first_lower < 6 * SEC);
    let preempted = lan.run_until_transition(1, State::Master, Duration::from_secs(30));
    // Lower adverts are accepted until first_lower + 10 s; the last accepted one
    // re-armed the timer one interval earlier.
    assert_eq!(preempted.at, at_micros(first_lower + 9 * SEC + mdi(200)));
    assert_eq!(preempted.reason, Reason::Preempted);
}

#[test]
fn address_owner_takes_over_at_once() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 255)]);
    lan.start(0);
    lan.run_until(secs(5));
    lan.start(1);
    assert_eq!(lan.state(1), State::Master);
    let t = lan.transitions.last().unwrap();
    assert_eq!(
        (t.router, t.at, t.reason),
        (1, secs(5), Reason::AddressOwner)
    );
    lan.run_for(Duration::ZERO);
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    assert_eq!(
        lan.nodes[1].instance.stats().new_master_reason,
        vrrp_core::stats::MasterReason::Priority
    );
}

#[test]
fn tracked_failure_moves_mastership_and_recovery_moves_it_back() {
    let mut lan = Lan::new(vec![config(0, 150), config(1, 100)]);
    lan.start_all();
    lan.run_until(secs(10));
    assert_eq!(lan.masters(), [0]);
    lan.with(0, |inst, now| {
        inst.handle_tracking(
            now,
            Tracking {
                weight: -60,
                failed: false,
            },
        )
    });
    assert_eq!(lan.nodes[0].instance.priority(), 90);
    let moved = lan.run_until_state(1, State::Master, Duration::from_secs(10));
    // Router 1's timer was last re-armed by the 150 advert at mdi(150) + 6 s.
    assert_eq!(moved, at_micros(mdi(150) + 6 * SEC + mdi(100)));
    lan.run_for(Duration::ZERO);
    assert_eq!(lan.states(), [State::Backup, State::Master]);

    lan.run_until(secs(20));
    lan.with(0, |inst, now| {
        inst.handle_tracking(
            now,
            Tracking {
                weight: 0,
                failed: false,
            },
        )
    });
    let back = lan.run_until_state(0, State::Master, Duration::from_secs(10));
    assert!(
        back > secs(20) && back <= secs(20) + Duration::from_micros(mdi(90)),
        "back at {back}"
    );
    lan.run_for(Duration::from_secs(1));
    assert_eq!(lan.states(), [State::Master, State::Backup]);
    assert_eq!(lan.vip_holders(), [0]);
}

/// The article's configuration: MASTER 100, BACKUP 98, `killall -0 haproxy`
/// with weight 2 on both. When haproxy dies on the master its priority falls
/// from 102 to 100, equal to the backup's 100; a backup never preempts on a
/// tie, so the VIP stays on the host whose haproxy is dead (keepalived
/// behaves the same, measured).
#[test]
fn seed_weights_tie_and_the_vip_stays_on_the_dead_haproxy() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 98)]);
    let healthy = Tracking {
        weight: 2,
        failed: false,
    };
    lan.with(0, |inst, now| inst.handle_tracking(now, healthy));
    lan.with(1, |inst, now| inst.handle_tracking(now, healthy));
    lan.start_all();
    lan.run_until(secs(10));
    assert_eq!(lan.masters(), [0]);
    lan.with(0, |inst, now| {
        inst.handle_tracking(
            now,
            Tracking {
                weight: 0,
                failed: false,
            },
        )
    });
    assert_eq!(
        (
            lan.nodes[0].instance.priority(),
            lan.nodes[1].instance.priority()
        ),
        (100, 100)
    );
    let before = lan.transitions.len();
    lan.run_until(secs(120));
    assert_eq!(lan.transitions.len(), before, "no transition at all");
    assert_eq!(lan.vip_holders(), [0]);
}

#[test]
fn link_down_means_fault_and_the_vips_go() {
    let mut lan = Lan::new(vec![config(0, 150), config(1, 100)]);
    lan.start_all();
    lan.run_until(secs(10));
    lan.with(0, |inst, now| inst.handle_link(now, false));
    assert_eq!(lan.state(0), State::Fault);
    assert!(!lan.nodes[0].holds_vips);
    assert_eq!(lan.nodes[0].instance.poll_timeout(), None);
    assert_ne!(
        lan.nodes[0].sent.last().unwrap().1,
        0,
        "no priority 0 on a dead link"
    );
    lan.set_cut(0, 1, true);
    lan.run_until_state(1, State::Master, Duration::from_secs(5));
    lan.set_cut(0, 1, false);
    lan.with(0, |inst, now| inst.handle_link(now, true));
    assert_eq!(lan.state(0), State::Backup);
    lan.run_until_state(0, State::Master, Duration::from_secs(5));
    lan.run_for(Duration::ZERO);
    assert_eq!(lan.vip_holders(), [0]);
}

#[test]
fn tracked_object_with_weight_zero_means_fault_and_priority_zero() {
    let mut lan = Lan::new(vec![config(0, 150), config(1, 100)]);
    lan.start_all();
    lan.run_until(secs(10));
    lan.with(0, |inst, now| {
        inst.handle_tracking(
            now,
            Tracking {
                weight: 0,
                failed: true,
            },
        )
    });
    assert_eq!(lan.state(0), State::Fault);
    assert_eq!(
        lan.nodes[0].sent.last(),
        Some(&(secs(10), 0)),
        "the link is up: say priority 0"
    );
    let took_over = lan.run_until_state(1, State::Master, Duration::from_secs(5));
    assert_eq!(took_over, at_micros(10 * SEC + 609_375));
}

#[test]
fn vrrpv3_backup_learns_the_masters_interval() {
    let mut fast = config(1, 200);
    fast.advert_interval = 50;
    let mut lan = Lan::new(vec![config(0, 100), fast]);
    lan.start_all();
    lan.run_until(secs(10));
    assert_eq!(lan.nodes[0].instance.master_adver_interval(), 50);
    assert_eq!(
        lan.nodes[0].instance.stats().advert_interval_errors,
        lan.nodes[0].instance.stats().adverts_received
    );
    let last = lan.nodes[1].sent.last().unwrap().0;
    lan.crash(1);
    let took_over = lan.run_until_state(0, State::Master, Duration::from_secs(5));
    // 3 * 0.5 s + 156 * 0.5 s / 256
    assert_eq!(took_over, last + Duration::from_micros(1_500_000 + 304_687));
}

#[test]
fn vrrpv2_with_mismatched_intervals_never_converges() {
    let mut a = config(0, 100);
    let mut b = config(1, 200);
    for (c, interval) in [(&mut a, 100), (&mut b, 200)] {
        c.version = vrrp_core::wire::Version::V2;
        c.advert_interval = interval;
    }
    let mut lan = Lan::new(vec![a, b]);
    lan.start_all();
    lan.run_until(secs(30));
    assert_eq!(
        lan.masters(),
        [0, 1],
        "each drops the other's adverts (RFC 3768 §7.1)"
    );
    assert!(lan.nodes[0].instance.stats().advert_interval_errors > 0);
    assert_eq!(lan.nodes[0].instance.stats().adverts_received, 0);
}

#[test]
fn vrrpv2_with_pass_auth_elects_and_rejects_a_wrong_password() {
    let v2 = |i: u8, priority: u8, pass: &[u8]| {
        let mut c = config(i, priority);
        c.version = vrrp_core::wire::Version::V2;
        c.auth = vrrp_core::wire::Auth::simple(pass);
        c
    };
    let mut lan = Lan::new(vec![
        v2(0, 100, b"1cee4b6e"),
        v2(1, 200, b"1cee4b6e"),
        v2(2, 150, b"wrong"),
    ]);
    lan.start_all();
    lan.run_until(secs(20));
    assert_eq!(lan.masters(), [1, 2], "router 2 hears no one it trusts");
    assert_eq!(lan.state(0), State::Backup);
    assert!(lan.nodes[0].instance.stats().auth_failures > 0);
    assert!(lan.nodes[2].instance.stats().auth_failures > 0);
    assert_eq!(
        lan.nodes[1].instance.stats().auth_failures,
        lan.nodes[2].instance.stats().adverts_sent
    );
}

#[test]
fn ipv6_elects_and_fails_over() {
    let cfg = |i: u8, priority: u8| {
        let mut c = vrrp_core::Config::new(51, lan::v6(i), vec![lan::vip6()]);
        c.priority = priority;
        c
    };
    let mut lan = Lan::new(vec![cfg(0, 100), cfg(1, 200)]);
    lan.start_all();
    lan.run_until(secs(10));
    assert_eq!(lan.masters(), [1]);
    lan.shutdown(1);
    let t = lan.run_until_state(0, State::Master, Duration::from_secs(5));
    assert_eq!(t, at_micros(10 * SEC + 609_375));
}

#[test]
fn delivery_delay_does_not_cause_dual_master() {
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200), config(2, 150)]);
    lan.delay = Duration::from_millis(200);
    lan.start_all();
    lan.run_until(secs(60));
    assert_eq!(lan.masters(), [1]);
    // Router 2 may time out before router 1's first advert arrives (3.414 s <
    // 3.219 s + 0.2 s) and step down when it does; after that, nothing moves.
    assert!(
        lan.transitions.iter().all(|t| t.at < secs(4)),
        "{:#?}",
        lan.transitions
    );
    assert_eq!(lan.vip_holders(), [1]);
}

/// Two Masters in a partition, at 1 ms delivery: router 0 (priority 200)
/// is Master from 3.21875 s and advertises at 3.21875 + k s; cut at 10 s,
/// router 1 (100) last heard it at 9.21975 s and takes over one
/// Master_Down_Interval later, at 12.829125 s, advertising at 12.829125 + k s.
/// `tweak` adjusts the configurations (keepalived's switches).
fn two_masters(tweak: impl Fn(usize, &mut vrrp_core::Config)) -> Lan {
    let mut configs = vec![config(0, 200), config(1, 100)];
    for (i, c) in configs.iter_mut().enumerate() {
        tweak(i, c);
    }
    let mut lan = Lan::new(configs);
    lan.delay = Duration::from_millis(1);
    lan.start_all();
    lan.run_until(secs(10));
    assert_eq!(lan.masters(), [0]);
    lan.set_cut(0, 1, true);
    lan.run_until(at_micros(19_500_000));
    assert_eq!(lan.masters(), [0, 1], "two Masters in the partition");
    assert_eq!(
        lan.transitions.last().map(|t| (t.router, t.at)),
        Some((1, at_micros(12_829_125)))
    );
    lan
}

/// The adverts router `i` sent from `since` on.
fn sent_since(lan: &Lan, i: usize, since: Instant) -> Vec<(Instant, u8)> {
    lan.nodes[i]
        .sent
        .iter()
        .copied()
        .filter(|&(at, _)| at >= since)
        .collect()
}

/// RFC 9568 §6.4.3: a Master that hears a lower-priority Master discards the
/// advert and sends one of its own at once. Healed as router 1's advert of
/// 19.829125 s is on the wire: router 0 hears it at 19.830125 s, answers
/// then (and announces its addresses again for the hosts that followed
/// router 1), and router 1 steps down when the answer lands, 1 ms later,
/// long before router 0's periodic advert of 20.21875 s.
#[test]
fn a_master_answers_a_lower_priority_master_at_once() {
    let mut lan = two_masters(|_, _| {});
    lan.run_until(at_micros(19_829_125));
    lan.set_cut(0, 1, false);
    let healed = lan.now;
    let stepped_down = lan.run_until_transition(1, State::Backup, Duration::from_secs(2));
    assert_eq!(
        (stepped_down.at, stepped_down.reason),
        (at_micros(19_831_125), Reason::HigherPriorityMaster)
    );
    assert_eq!(sent_since(&lan, 0, healed), [(at_micros(19_830_125), 200)]);
    assert_eq!(lan.nodes[0].reannounced, [at_micros(19_830_125)]);
    assert_eq!(sent_since(&lan, 1, healed), [(healed, 100)]);
    lan.run_for(Duration::from_secs(5));
    assert_eq!(lan.masters(), [0]);
    assert_eq!(lan.vip_holders(), [0]);
    // Afterwards only the periodic adverts, on the Adver_Timer's old phase:
    // the answer does not reset it.
    let periodic: Vec<_> = (20..25)
        .map(|k| (at_micros(k * SEC + 218_750), 200))
        .collect();
    assert_eq!(sent_since(&lan, 0, at_micros(19_900_000)), periodic);
    assert!(lan.nodes[1].reannounced.is_empty());
}

/// RFC 9568 §6.4.3: a Master that hears a higher-priority Master goes to
/// Backup without sending. Healed as router 0's advert of 20.21875 s is on
/// the wire: router 1 steps down when it lands, at 20.21975 s, silently;
/// router 0 never hears router 1 again.
#[test]
fn a_master_yields_to_a_higher_priority_master_without_an_advert() {
    let mut lan = two_masters(|_, _| {});
    lan.run_until(at_micros(20_218_750));
    lan.set_cut(0, 1, false);
    let healed = lan.now;
    let stepped_down = lan.run_until_transition(1, State::Backup, Duration::from_secs(2));
    assert_eq!(
        (stepped_down.at, stepped_down.reason),
        (at_micros(20_219_750), Reason::HigherPriorityMaster)
    );
    lan.run_for(Duration::from_secs(5));
    assert_eq!(sent_since(&lan, 1, healed), [], "no parting advert");
    assert!(lan.nodes[0].reannounced.is_empty());
    assert_eq!(lan.masters(), [0]);
    assert_eq!(lan.vip_holders(), [0]);
}

/// keepalived's `lower_prio_no_advert`: the answer is left out, and router 1
/// steps down on router 0's periodic advert of 20.21875 s instead, at
/// 20.21975 s. The addresses are still announced again.
#[test]
fn lower_prio_no_advert_leaves_the_answer_out() {
    let mut lan = two_masters(|i, c| c.lower_prio_no_advert = i == 0);
    lan.run_until(at_micros(19_829_125));
    lan.set_cut(0, 1, false);
    let healed = lan.now;
    let stepped_down = lan.run_until_transition(1, State::Backup, Duration::from_secs(2));
    assert_eq!(stepped_down.at, at_micros(20_219_750));
    assert_eq!(sent_since(&lan, 0, healed), [(at_micros(20_218_750), 200)]);
    assert_eq!(lan.nodes[0].reannounced, [at_micros(19_830_125)]);
}

/// keepalived's `higher_prio_send_advert`: router 1 sends one advert as it
/// yields, at 20.21975 s, so router 0 hears of it at 20.22075 s, answers and
/// announces its addresses again (the answer reaches a Backup, which keeps it).
#[test]
fn higher_prio_send_advert_sends_one_advert_before_yielding() {
    let mut lan = two_masters(|i, c| c.higher_prio_send_advert = i == 1);
    lan.run_until(at_micros(20_218_750));
    lan.set_cut(0, 1, false);
    let healed = lan.now;
    let stepped_down = lan.run_until_transition(1, State::Backup, Duration::from_secs(2));
    assert_eq!(stepped_down.at, at_micros(20_219_750));
    lan.run_for(Duration::from_millis(500));
    assert_eq!(sent_since(&lan, 1, healed), [(at_micros(20_219_750), 100)]);
    assert_eq!(lan.nodes[0].reannounced, [at_micros(20_220_750)]);
    assert_eq!(
        sent_since(&lan, 0, healed),
        [(healed, 200), (at_micros(20_220_750), 200)]
    );
    assert_eq!(lan.masters(), [0]);
}
