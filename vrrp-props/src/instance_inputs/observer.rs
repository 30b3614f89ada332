//! What a caller sees of one instance, and the invariants it checks after
//! every input: the run-loop contract of vrrp-core as the driver relies on it.

use std::fmt;

use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Action, Instance, State, Timer};

/// Where in the scenario a check failed, for the panic message.
pub(crate) struct Step<'a, I: fmt::Debug> {
    pub(crate) index: usize,
    pub(crate) input: &'a I,
    pub(crate) instance: usize,
}

impl<I: fmt::Debug> fmt::Display for Step<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "instance {} after input {} ({:?})",
            self.instance, self.index, self.input
        )
    }
}

/// The caller's view of one instance, built only from the actions it drained.
#[derive(Debug)]
pub(crate) struct Observer {
    /// The state as the `StateChanged` actions tell it.
    state: State,
    /// Whether the caller has the virtual addresses installed.
    holds_vips: bool,
    /// A priority-0 advert was asked for, and the instance has not yet left
    /// Master for Initialize or Fault.
    stopping: bool,
    /// Adverts handed to the instance, accepted or not.
    pub(crate) delivered: u64,
}

impl Observer {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Initialize,
            holds_vips: false,
            stopping: false,
            delivered: 0,
        }
    }

    /// Applies the actions one input produced, checking each as it comes,
    /// then checks the instance after them. `faulty`: whether a link,
    /// tracked object or sync-group sibling is down for this instance.
    pub(crate) fn observe(
        &mut self,
        instance: &Instance,
        actions: &[Action],
        now: Instant,
        faulty: bool,
        at: &dyn fmt::Display,
    ) {
        for action in actions {
            self.action(instance, action, at);
        }
        self.after(instance, now, faulty, at);
    }

    fn action(&mut self, instance: &Instance, action: &Action, at: &dyn fmt::Display) {
        match *action {
            Action::StateChanged { from, to, .. } => {
                assert_eq!(from, self.state, "{at}: state changes do not chain");
                assert_ne!(from, to, "{at}: a change to the same state");
                if from == State::Master {
                    assert!(
                        !self.holds_vips,
                        "{at}: left Master with the VIPs installed"
                    );
                    if matches!(to, State::Initialize | State::Fault) {
                        self.stopping = false;
                    }
                }
                self.state = to;
            }
            Action::AddVips => {
                assert_eq!(self.state, State::Master, "{at}: VIPs added outside Master");
                assert!(!self.holds_vips, "{at}: VIPs added twice");
                self.holds_vips = true;
            }
            Action::RemoveVips => {
                assert!(self.holds_vips, "{at}: VIPs removed that were not added");
                self.holds_vips = false;
            }
            Action::AnnounceVips | Action::ReannounceVips { .. } => {
                assert!(self.holds_vips, "{at}: announced VIPs it does not hold");
            }
            Action::SendAdvert { priority } => {
                assert_eq!(
                    self.state,
                    State::Master,
                    "{at}: advert sent outside Master"
                );
                if priority == 0 {
                    self.stopping = true;
                } else {
                    assert_eq!(priority, instance.priority(), "{at}: advert priority");
                }
            }
            _ => {}
        }
    }

    fn after(&self, instance: &Instance, now: Instant, faulty: bool, at: &dyn fmt::Display) {
        let state = instance.state();
        assert_eq!(self.state, state, "{at}: a state change went unreported");
        assert_eq!(
            self.holds_vips,
            state == State::Master,
            "{at}: VIPs not held exactly while Master"
        );
        assert!(
            !self.stopping,
            "{at}: priority 0 advertised by a Master that stays ({state:?})"
        );
        assert!(instance.priority() >= 1, "{at}: effective priority 0");
        if instance.config().is_owner() {
            assert_eq!(instance.priority(), 255, "{at}: the owner's priority moved");
        }
        if state != State::Initialize {
            assert_eq!(
                state == State::Fault,
                faulty,
                "{at}: Fault iff something is down"
            );
        }

        let stats = instance.stats();
        assert_eq!(
            stats.adverts_received + stats.adverts_dropped,
            self.delivered,
            "{at}: an advert neither accepted nor dropped, or counted twice"
        );

        let timer = instance.poll_timeout();
        match state {
            State::Initialize | State::Fault => {
                assert_eq!(timer, None, "{at}: a timer in {state:?}");
            }
            State::Master => {
                let deadline = timer.unwrap_or_else(|| panic!("{at}: a Master without a timer"));
                assert_eq!(deadline.timer, Timer::Advert, "{at}: Master's timer");
                let interval = Duration::from_centis(u64::from(instance.config().advert_interval));
                assert!(
                    deadline.at <= now + interval,
                    "{at}: next advert at {} beyond now {now} + interval {interval}",
                    deadline.at
                );
            }
            State::Backup => {
                let deadline = timer.unwrap_or_else(|| panic!("{at}: a Backup without a timer"));
                assert_eq!(deadline.timer, Timer::MasterDown, "{at}: Backup's timer");
                let limit = now + instance.master_down_interval();
                assert!(
                    deadline.at <= limit,
                    "{at}: master-down at {} beyond now {now} + Master_Down_Interval {}",
                    deadline.at,
                    instance.master_down_interval()
                );
            }
        }
    }
}
