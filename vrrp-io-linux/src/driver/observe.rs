//! Who hears of what the driver does besides the caller: the instances'
//! histories (for status dumps and metrics), the notify scripts and FIFOs,
//! and the subscribers of a [`Handle`](super::Handle).

use std::sync::mpsc::Sender;
use std::time::{Instant, SystemTime};

use vrrp_core::{Reason, Router, State};

use super::event::DriverEvent;
use super::spec::InstanceSpec;
use crate::notify::{Notifier, NotifyConfig};

/// One instance's history, for status dumps and metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// State changes so far (startup included).
    pub transitions: u64,
    /// When the current state began, by the wall clock.
    pub since: Option<SystemTime>,
    /// Why the instance is in its current state.
    pub reason: Option<Reason>,
}

/// The histories, the notify scripts and the subscribers.
pub(super) struct Observers {
    /// Notify scripts and FIFOs.
    notify: Notifier,
    /// Per instance: transitions and the current state's start.
    history: Vec<History>,
    /// Per instance: the effective priority last looked at, for
    /// `notify_priority_changes`.
    priorities: Vec<Option<u8>>,
    subscribers: Vec<Sender<DriverEvent>>,
}

impl Observers {
    /// `instances` without history yet, and no subscriber.
    pub(super) fn new(notify: NotifyConfig, instances: usize) -> Self {
        Self {
            notify: Notifier::new(notify),
            history: vec![History::default(); instances],
            priorities: vec![None; instances],
            subscribers: Vec::new(),
        }
    }

    /// Records `event` (a state change in the history and to the notify
    /// scripts), sends it to every subscriber still listening and appends
    /// it to `out`. `specs` name the instances.
    pub(super) fn emit(
        &mut self,
        out: &mut Vec<DriverEvent>,
        event: DriverEvent,
        specs: &[InstanceSpec],
    ) {
        self.observe(&event, specs);
        self.subscribers.retain(|s| s.send(event.clone()).is_ok());
        out.push(event);
    }

    /// Records a state change and hands it to the notify scripts.
    fn observe(&mut self, event: &DriverEvent, specs: &[InstanceSpec]) {
        let DriverEvent::StateChanged {
            instance,
            to,
            reason,
            priority,
            ..
        } = *event
        else {
            return;
        };
        if let Some(history) = self.history.get_mut(instance) {
            history.transitions += 1;
            history.since = Some(SystemTime::now());
            history.reason = Some(reason);
        }
        let name = &specs[instance].name;
        self.notify
            .state_changed(Instant::now(), instance, name, to, priority);
    }

    /// keepalived's `notify_priority_changes`: tells the notifier of each
    /// running instance whose effective priority changed since the last
    /// look (its first priority, and changes before it starts, are not
    /// changes). Costs nothing when no instance asks for it.
    pub(super) fn check_priorities(&mut self, router: &Router, specs: &[InstanceSpec]) {
        if !self.notify.watches_priorities() {
            return;
        }
        for (index, spec) in specs.iter().enumerate() {
            let Some(instance) = router.id(index).map(|id| router.instance(id)) else {
                continue;
            };
            let (state, priority) = (instance.state(), instance.priority());
            let before = self.priorities[index].replace(priority);
            if state != State::Initialize && before.is_some_and(|p| p != priority) {
                self.notify
                    .priority_changed(index, &spec.name, state, priority);
            }
        }
    }

    /// keepalived 2.4.3's `fifo_write_vrrp_states_on_reload`
    /// (`vrrp_scheduler.c`, `vrrp_init_state`): after a reload, each
    /// instance kept (`kept_from[i]` is some) and still Backup or Fault has
    /// its state written to the FIFOs; a kept Master is not, as keepalived
    /// keeps it without passing there.
    pub(super) fn states_on_reload(
        &mut self,
        router: &Router,
        specs: &[InstanceSpec],
        kept_from: &[Option<usize>],
    ) {
        for (index, spec) in specs.iter().enumerate() {
            let Some(instance) = router.id(index).map(|id| router.instance(id)) else {
                continue;
            };
            let state = instance.state();
            if kept_from[index].is_some() && matches!(state, State::Backup | State::Fault) {
                self.notify
                    .state_on_reload(&spec.name, state, instance.priority());
            }
        }
    }

    /// Every event from now on goes to `sender` too.
    pub(super) fn subscribe(&mut self, sender: Sender<DriverEvent>) {
        self.subscribers.push(sender);
    }

    /// Each instance's history, in configuration order.
    pub(super) fn history(&self) -> &[History] {
        &self.history
    }

    /// The notify scripts' runner.
    pub(super) fn notifier(&self) -> &Notifier {
        &self.notify
    }

    /// The notify scripts' runner, to run scripts and fire its timers.
    pub(super) fn notifier_mut(&mut self) -> &mut Notifier {
        &mut self.notify
    }

    /// A new configuration: new instance `i` keeps the history of old
    /// instance `kept_from[i]`, if any; the notify scripts are `notify`,
    /// `by_name[j]` the new index of old instance `j`.
    /// A reload is about to stop `instances` (old indexes) for good.
    pub(super) fn deleting(&mut self, instances: Vec<usize>) {
        self.notify.deleting(instances);
    }

    pub(super) fn reconfigure(
        &mut self,
        kept_from: &[Option<usize>],
        notify: NotifyConfig,
        by_name: &[Option<usize>],
    ) {
        self.history = kept_from
            .iter()
            .map(|j| j.map(|j| self.history[j].clone()).unwrap_or_default())
            .collect();
        // A kept instance's new priority is compared with its old one.
        self.priorities = kept_from
            .iter()
            .map(|j| j.and_then(|j| self.priorities[j]))
            .collect();
        self.notify.reconfigure(notify, by_name);
    }
}
