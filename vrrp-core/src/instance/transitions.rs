//! Startup, shutdown, timers, link and tracking events: the transitions of
//! RFC 9568 §6.4 and keepalived's Fault state.

use super::{Command, Faults, Instance, Tracking, Watch};
use crate::config::PRIORITY_STOP;
use crate::fsm::{Action, Reason, State};
use crate::time::Instant;
use crate::timer::Timer;

impl Instance {
    /// RFC 9568 §6.4.1 ("If a Startup event is received"). No-op unless in Initialize.
    pub fn handle_startup(&mut self, now: Instant) {
        if self.state == State::Initialize {
            self.start(now, Reason::Startup);
        }
    }

    /// RFC 9568 §6.4.2/§6.4.3 ("If a Shutdown event is received"): a Master
    /// sends priority 0 and removes the addresses; every state ends in Initialize.
    pub fn handle_shutdown(&mut self, _now: Instant) {
        self.master = None;
        match self.state {
            State::Initialize => {}
            State::Master => {
                self.send_advert(PRIORITY_STOP);
                self.push(Action::RemoveVips);
                self.enter(State::Initialize, Reason::Shutdown);
            }
            State::Backup | State::Fault => self.enter(State::Initialize, Reason::Shutdown),
        }
        self.timer = None;
        self.preempt_at = None;
        self.watch = Watch::Master;
    }

    /// Fires the timer if it is due; spurious calls are harmless no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.timer else { return };
        if deadline.at > now {
            return;
        }
        match (deadline.timer, self.state) {
            // RFC 9568 §6.4.3 ("If the Adver_Timer fires").
            (Timer::Advert, State::Master) => {
                self.send_advert(self.priority);
                self.arm_advert(now);
            }
            // RFC 9568 §6.4.2 ("If the Master_Down_Timer fires").
            (Timer::MasterDown, State::Backup) => {
                let reason = match self.watch {
                    Watch::Master => Reason::MasterNoResponse,
                    Watch::Preempting => Reason::Preempted,
                    Watch::Stopped => Reason::MasterStopped,
                };
                self.become_master(now, reason);
            }
            // A timer of a state we left: cannot happen, as every transition re-arms.
            _ => self.timer = None,
        }
    }

    /// The interface went up or down. Down means Fault.
    pub fn handle_link(&mut self, now: Instant, up: bool) {
        let faults = Faults {
            link_down: !up,
            ..self.faults
        };
        let reason = if up {
            Reason::FaultCleared
        } else {
            Reason::InterfaceDown
        };
        self.set_faults(now, faults, reason);
    }

    /// New totals from the tracked objects: the weights change the effective
    /// priority; `failed` means Fault.
    pub fn handle_tracking(&mut self, now: Instant, tracking: Tracking) {
        self.tracking = tracking;
        self.update_priority(now);
        let faults = Faults {
            track_failed: tracking.failed,
            ..self.faults
        };
        let reason = if tracking.failed {
            Reason::TrackFailed
        } else {
            Reason::FaultCleared
        };
        self.set_faults(now, faults, reason);
    }

    /// An administrative change.
    pub fn handle_command(&mut self, now: Instant, command: Command) {
        match command {
            Command::SetPriority(0) => {}
            Command::SetPriority(priority) => {
                self.config_mut().priority = priority;
                self.update_priority(now);
                // RFC 9568 §6.4.1: the owner does not wait for a master-down timer.
                if self.config.is_owner() && self.state == State::Backup {
                    self.become_master(now, Reason::AddressOwner);
                }
            }
            Command::SetPreempt(preempt) => self.config_mut().preempt = preempt,
        }
    }

    // ===== sync groups (driven by the Router) =====

    /// Follows a sync-group sibling into `target` (Master or Backup) if this
    /// instance is running and not already there.
    pub(crate) fn follow_group(&mut self, now: Instant, target: State) {
        match (self.state, target) {
            (State::Backup, State::Master) => self.become_master(now, Reason::SyncGroup),
            (State::Master, State::Backup) => {
                self.watch = Watch::Master;
                self.leave_master(now, State::Backup, Reason::SyncGroup);
            }
            _ => {}
        }
    }

    /// Sets or clears the fault imposed by a faulty sync-group sibling.
    pub(crate) fn set_group_fault(&mut self, now: Instant, failed: bool) {
        let faults = Faults {
            group: failed,
            ..self.faults
        };
        let reason = if failed {
            Reason::SyncGroup
        } else {
            Reason::FaultCleared
        };
        self.set_faults(now, faults, reason);
    }

    /// Whether the instance is in Fault for a reason of its own (not its group).
    pub(crate) fn has_own_fault(&self) -> bool {
        self.faults.link_down || self.faults.track_failed
    }

    // ===== the transitions =====

    fn set_faults(&mut self, now: Instant, faults: Faults, reason: Reason) {
        let was_faulty = self.faults.any();
        self.faults = faults;
        match (was_faulty, faults.any(), self.state) {
            (_, _, State::Initialize) => {}
            (false, true, _) => self.enter_fault(reason),
            (true, false, State::Fault) => self.start(now, reason),
            _ => {}
        }
    }

    /// RFC 9568 §6.4.1: the owner becomes Master at once, others Backup.
    fn start(&mut self, now: Instant, reason: Reason) {
        if self.faults.any() {
            self.enter_fault(reason);
        } else if self.config.is_owner() {
            self.become_master(now, Reason::AddressOwner);
        } else {
            self.master_interval = self.config.advert_interval;
            self.watch = Watch::Master;
            self.master = None;
            self.arm_master_down(now);
            self.enter(State::Backup, reason);
        }
    }

    /// RFC 9568 §6.4.1/§6.4.2: send an advert, announce the addresses, arm
    /// the Adver_Timer, become Master.
    fn become_master(&mut self, now: Instant, reason: Reason) {
        self.master = Some(self.config.primary_address);
        self.preempt_at = None;
        self.watch = Watch::Master;
        self.note_master_reason(reason);
        if let Some(ah) = self.ah.as_mut() {
            ah.restart_if_cycled();
        }
        self.enter(State::Master, reason);
        self.push(Action::AddVips);
        self.send_advert(self.priority);
        self.push(Action::AnnounceVips);
        self.arm_advert(now);
    }

    /// A Master steps down to Backup: the addresses go, the master-down timer runs.
    pub(super) fn leave_master(&mut self, now: Instant, to: State, reason: Reason) {
        self.push(Action::RemoveVips);
        self.arm_master_down(now);
        self.enter(to, reason);
    }

    /// Fault: a Master that can still send says priority 0 first, so a
    /// Backup takes over after Skew_Time instead of Master_Down_Interval.
    fn enter_fault(&mut self, reason: Reason) {
        if self.state == State::Master {
            if !self.faults.link_down {
                self.send_advert(PRIORITY_STOP);
            }
            self.push(Action::RemoveVips);
        }
        self.timer = None;
        self.preempt_at = None;
        self.master = None;
        self.enter(State::Fault, reason);
    }

    fn enter(&mut self, to: State, reason: Reason) {
        let from = self.state;
        self.state = to;
        let (master, priority) = (self.master, self.priority);
        self.push(Action::StateChanged {
            from,
            to,
            reason,
            master,
            priority,
        });
    }
}
