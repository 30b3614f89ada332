//! New Masters' VIPs installed in slices: the instances whose VIPs (with
//! their drop rules and routes) are to go in, in the order they became
//! Master, and whose first adverts and announcements wait for them.
//!
//! A mass failover makes thousands of instances Master in one turn. Each
//! turn now sends the adverts due of the instances that are Master already
//! first (`actions.rs`), then installs at most [`VIPS_PER_TURN`] VIPs, then
//! sends those instances' first adverts (after their VIPs, as before); the
//! rest wait for the turns right after. Before, 4,080 address requests
//! (each carried out by the kernel as it is sent) held every advert due
//! meanwhile for ~100 ms.

use std::collections::VecDeque;

use vrrp_core::InstanceId;

/// VIPs whose address requests go out in one turn at most (an instance's
/// all together, so one of more VIPs may pass it): 256 requests are about
/// 5 ms here.
pub(super) const VIPS_PER_TURN: usize = 256;

/// The instances waiting to have their VIPs installed.
#[derive(Debug, Default)]
pub(super) struct Installs {
    queue: VecDeque<InstanceId>,
    /// Per instance: queued and not cancelled since.
    pending: Vec<bool>,
    /// Per instance: its announcements start once its VIPs are in.
    announce: Vec<bool>,
}

impl Installs {
    /// Nothing queued, for `instances` instances.
    pub(super) fn new(instances: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            pending: vec![false; instances],
            announce: vec![false; instances],
        }
    }

    /// Queues `id`'s VIPs.
    pub(super) fn push(&mut self, id: InstanceId) {
        if !self.pending[id.index()] {
            self.pending[id.index()] = true;
            self.queue.push_back(id);
        }
    }

    /// Whether `id`'s VIPs wait to be installed.
    pub(super) fn is_pending(&self, id: InstanceId) -> bool {
        self.pending.get(id.index()).copied().unwrap_or(false)
    }

    /// `id`'s announcements start when its VIPs go in.
    pub(super) fn announce_after(&mut self, id: InstanceId) {
        self.announce[id.index()] = true;
    }

    /// `id` no longer wants its VIPs (it left Master before they went in).
    pub(super) fn cancel(&mut self, id: InstanceId) {
        if let Some(pending) = self.pending.get_mut(id.index()) {
            *pending = false;
            self.announce[id.index()] = false;
        }
    }

    /// Whether any instance waits.
    pub(super) fn is_waiting(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The next instance to install, and whether its announcements wait
    /// for it; cancelled ones are skipped.
    pub(super) fn pop(&mut self) -> Option<(InstanceId, bool)> {
        while let Some(id) = self.queue.pop_front() {
            if std::mem::take(&mut self.pending[id.index()]) {
                return Some((id, std::mem::take(&mut self.announce[id.index()])));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use vrrp_core::{Config, Instance, Router};

    use super::*;

    fn ids(n: u8) -> Vec<InstanceId> {
        let mut router = Router::new();
        let me = Ipv4Addr::new(192, 0, 2, 1).into();
        (1..=n)
            .map(|vrid| {
                let vip = Ipv4Addr::new(192, 0, 2, 100 + vrid).into();
                let config = Config::new(vrid, me, vec![vip]);
                router.add(1, Instance::new(config).unwrap()).unwrap()
            })
            .collect()
    }

    #[test]
    fn installs_in_order_skipping_the_cancelled_and_announce_only_when_asked() {
        let ids = ids(3);
        let mut installs = Installs::new(3);
        assert!(!installs.is_waiting());
        for &id in &ids {
            installs.push(id);
        }
        installs.push(ids[0]);
        installs.announce_after(ids[0]);
        installs.announce_after(ids[2]);
        installs.cancel(ids[1]);
        assert!(installs.is_waiting());
        assert!(installs.is_pending(ids[0]) && !installs.is_pending(ids[1]));
        assert_eq!(installs.pop(), Some((ids[0], true)), "queued once");
        assert_eq!(
            installs.pop(),
            Some((ids[2], true)),
            "the cancelled one skipped"
        );
        assert_eq!(installs.pop(), None);
        assert!(!installs.is_waiting() && !installs.is_pending(ids[2]));
        // Queued again after a cancel: announces only if asked again.
        installs.push(ids[1]);
        assert_eq!(installs.pop(), Some((ids[1], false)));
    }
}
