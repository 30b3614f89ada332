//! Who hears of a state change besides the caller: the instance's history
//! (for status dumps and metrics) and the notify scripts and FIFOs.

use std::time::{Instant, SystemTime};

use vrrp_core::Reason;

use super::{Driver, DriverEvent};
use crate::notify::Notifier;

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

impl Driver {
    /// Records a state change and hands it to the notify scripts.
    pub(super) fn observe(&mut self, event: &DriverEvent) {
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
        let name = &self.specs[instance].name;
        self.notify
            .state_changed(Instant::now(), instance, name, to, priority);
    }

    /// Each instance's history, in configuration order.
    pub fn history(&self) -> &[History] {
        &self.history
    }

    /// The notify scripts' runner.
    pub fn notifier(&self) -> &Notifier {
        &self.notify
    }
}

impl Driver {
    /// Whether the interface called `name` is up, if the driver uses it.
    pub fn link_up(&self, name: &str) -> Option<bool> {
        self.links.iter().find(|l| l.name == name).map(|l| l.up)
    }

    /// Whether instance `index` has its VIPs installed.
    pub fn vips_installed(&self, index: usize) -> bool {
        self.installed.get(index).copied().unwrap_or(false)
    }

    /// Instance `index`'s running timer and how long until it fires.
    pub fn next_timer(&self, index: usize) -> Option<(vrrp_core::Timer, std::time::Duration)> {
        let id = self.router.id(index)?;
        let deadline = self.router.instance(id).poll_timeout()?;
        let at = self.clock.to_std(deadline.at);
        Some((deadline.timer, at.saturating_duration_since(Instant::now())))
    }
}
