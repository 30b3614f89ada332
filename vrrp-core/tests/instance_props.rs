//! Arbitrary input sequences against real instances: nothing panics and the
//! invariants of the state machine hold after every input. The
//! `instance_inputs` fuzz target and its twin (`vrrp-props`) check the same
//! invariants and more, over LANs of up to three instances and Routers.

mod lan;

use lan::{config, multicast, v4};
use proptest::prelude::*;
use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Action, Command, Config, Instance, Received, Router, State, Timer, Tracking};

#[derive(Clone, Debug)]
enum Input {
    Startup,
    Shutdown,
    /// An advert from peer `from` (0..3) with this priority.
    Advert {
        from: u8,
        priority: u8,
        interval: u16,
    },
    /// Random bytes from a peer.
    Garbage(Vec<u8>),
    /// Time passes, then timers fire.
    Wait(u64),
    Link(bool),
    Track {
        weight: i32,
        failed: bool,
    },
    SetPriority(u8),
    SetPreempt(bool),
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        1 => Just(Input::Startup),
        1 => Just(Input::Shutdown),
        6 => (0u8..3, any::<u8>(), prop_oneof![Just(100u16), 1u16..400]).prop_map(|(from, priority, interval)| Input::Advert { from, priority, interval }),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Input::Garbage),
        8 => (0u64..5_000_000).prop_map(Input::Wait),
        1 => any::<bool>().prop_map(Input::Link),
        1 => (-300i32..300, proptest::bool::weighted(0.2)).prop_map(|(weight, failed)| Input::Track { weight, failed }),
        1 => any::<u8>().prop_map(Input::SetPriority),
        1 => any::<bool>().prop_map(Input::SetPreempt),
    ]
}

fn peer_advert(from: u8, priority: u8, interval: u16) -> Vec<u8> {
    let mut c = config(from + 1, priority.max(1));
    c.advert_interval = interval;
    let mut buf = [0u8; 64];
    let len = Instance::new(c)
        .unwrap()
        .emit_advert(priority, multicast(vrrp_core::wire::Family::Ipv4), &mut buf)
        .unwrap();
    buf[..len].to_vec()
}

/// What the caller would see of one instance, to check invariants against.
struct Observer {
    state: State,
    holds_vips: bool,
}

impl Observer {
    /// Drains `actions` and checks them, and the instance after them.
    fn check(&mut self, instance: &Instance, actions: &[Action], input: &Input, now: Instant) {
        for action in actions {
            match *action {
                Action::AddVips => {
                    assert_eq!(
                        instance.state(),
                        State::Master,
                        "VIPs added only by a Master"
                    );
                    self.holds_vips = true;
                }
                Action::RemoveVips => self.holds_vips = false,
                Action::SendAdvert { priority: 0 } => assert!(
                    matches!(
                        input,
                        Input::Shutdown | Input::Link(false) | Input::Track { failed: true, .. }
                    ),
                    "priority 0 only when stopping: {input:?}"
                ),
                Action::SendAdvert { priority } => assert_eq!(priority, instance.priority()),
                Action::StateChanged { from, to, .. } => {
                    assert_eq!(from, self.state, "transitions chain");
                    assert_ne!(from, to);
                    self.state = to;
                }
                _ => {}
            }
        }
        assert_eq!(self.state, instance.state(), "every change reported");
        assert_eq!(
            self.holds_vips,
            instance.state() == State::Master,
            "VIPs exactly while Master"
        );
        assert!(instance.priority() >= 1);
        // S1: the timer fits the state.
        let timer = instance.poll_timeout();
        match instance.state() {
            State::Initialize | State::Fault => assert_eq!(timer, None),
            State::Master => {
                let d = timer.expect("a Master advertises");
                assert_eq!(d.timer, Timer::Advert);
                assert!(
                    d.at <= now
                        + Duration::from_centis(u64::from(instance.config().advert_interval))
                );
            }
            State::Backup => {
                let d = timer.expect("a Backup watches");
                assert_eq!(d.timer, Timer::MasterDown);
                assert!(
                    d.at <= now + instance.master_down_interval(),
                    "never beyond Master_Down_Interval"
                );
            }
        }
    }
}

fn drain(instance: &mut Instance) -> Vec<Action> {
    std::iter::from_fn(|| instance.poll_action()).collect()
}

fn apply(instance: &mut Instance, now: &mut Instant, input: &Input) {
    let rx = |from: u8| Received {
        src: v4(from + 1),
        dst: multicast(vrrp_core::wire::Family::Ipv4),
        ttl: 255,
    };
    match input {
        Input::Startup => instance.handle_startup(*now),
        Input::Shutdown => instance.handle_shutdown(*now),
        Input::Advert {
            from,
            priority,
            interval,
        } => {
            instance.handle_advert(*now, &rx(*from), &peer_advert(*from, *priority, *interval));
        }
        Input::Garbage(bytes) => {
            instance.handle_advert(*now, &rx(0), bytes);
        }
        Input::Wait(us) => {
            *now += Duration::from_micros(*us);
            instance.handle_timeout(*now);
        }
        Input::Link(up) => instance.handle_link(*now, *up),
        Input::Track { weight, failed } => instance.handle_tracking(
            *now,
            Tracking {
                weight: *weight,
                failed: *failed,
            },
        ),
        Input::SetPriority(p) => instance.handle_command(*now, Command::SetPriority(*p)),
        Input::SetPreempt(p) => instance.handle_command(*now, Command::SetPreempt(*p)),
    }
}

fn base_config(priority: u8, preempt: bool, delay_ms: u64) -> Config {
    let mut c = config(0, priority);
    c.preempt = preempt;
    c.preempt_delay = Duration::from_millis(delay_ms);
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn one_instance_keeps_its_invariants(
        priority in 1u8..=255,
        preempt in any::<bool>(),
        delay_ms in prop_oneof![Just(0u64), 0u64..5_000],
        inputs in proptest::collection::vec(input(), 1..60),
    ) {
        let mut instance = Instance::new(base_config(priority, preempt, delay_ms)).unwrap();
        let mut observer = Observer { state: State::Initialize, holds_vips: false };
        let mut now = Instant::ZERO;
        for input in &inputs {
            apply(&mut instance, &mut now, input);
            let actions = drain(&mut instance);
            observer.check(&instance, &actions, input, now);
        }
    }

    #[test]
    fn a_sync_group_moves_together(inputs in proptest::collection::vec((0usize..3, input()), 1..60)) {
        let mut router = Router::new();
        let ids: Vec<_> = (0..3u8)
            .map(|k| router.add(u32::from(k), Instance::new(base_config(100 + k, true, 0)).unwrap()).unwrap())
            .collect();
        router.add_sync_group(&ids);
        let mut now = Instant::ZERO;
        for (target, input) in &inputs {
            let id = ids[*target];
            match input {
                Input::Startup => router.handle_startup(now),
                Input::Shutdown => router.handle_shutdown(now),
                Input::Wait(us) => {
                    now += Duration::from_micros(*us);
                    router.handle_timeout(now);
                }
                Input::Link(up) => router.handle_link(now, id.index() as u32, *up),
                Input::Track { weight, failed } => router.handle_tracking(now, id, Tracking { weight: *weight, failed: *failed }),
                Input::Advert { from, priority, interval } => {
                    let rx = Received { src: v4(from + 1), dst: multicast(vrrp_core::wire::Family::Ipv4), ttl: 255 };
                    router.handle_packet(now, id.index() as u32, &rx, &peer_advert(*from, *priority, *interval));
                }
                _ => {}
            }
            while router.poll_action().is_some() {}
            // The router's timer heap agrees with a scan of every instance.
            let earliest = ids.iter().filter_map(|&i| router.instance(i).poll_timeout()).map(|d| d.at).min();
            assert_eq!(router.poll_timeout().map(|(_, d)| d.at), earliest);
            let states: Vec<State> = ids.iter().map(|&i| router.instance(i).state()).collect();
            let running = states.iter().filter(|s| **s != State::Initialize).count();
            if states.contains(&State::Fault) {
                assert!(states.iter().all(|s| matches!(s, State::Fault | State::Initialize)), "Fault together: {states:?}");
            }
            if running == 3 {
                assert!(
                    !(states.contains(&State::Master) && states.contains(&State::Backup)),
                    "never split between Master and Backup: {states:?} after {input:?}"
                );
            }
        }
    }
}
