//! A graceful stop that drops no client traffic (make before break).
//!
//! A Master that stops sends priority 0 at once (RFC 9568 §6.4.3), and the
//! best Backup takes over after its Skew_Time, less than one advert
//! interval. Removing the VIPs at the priority 0, as the RFC's state machine
//! reads, leaves that Skew_Time in which nobody answers for them: at 0.1 s
//! six lost pings, at 1 s up to sixty. So a stopping Master keeps its VIPs
//! (not announcing them any more) until it hears the new Master's advert,
//! whose announcement moves the clients, or one advert interval and
//! [`SLACK`] have passed (no Backup at all). Only on a graceful stop: every
//! other way out of Master removes the VIPs at once.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use vrrp_core::{InstanceId, Router};

/// On top of one advert interval: a Backup's Skew_Time is shorter than
/// that, and its advert needs a moment to arrive.
const SLACK: Duration = Duration::from_millis(100);

/// The stopping Masters that still hold their VIPs.
#[derive(Debug, Default)]
pub(super) struct Handover {
    /// Per instance: when to let go even if no new Master was heard.
    pending: Vec<(InstanceId, Instant)>,
}

impl Handover {
    /// Whether a stopping Master waits for its successor.
    pub(super) fn is_waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The earliest deadline.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().map(|&(_, at)| at).min()
    }

    /// The last deadline: when the stop is over at the latest.
    pub(super) fn last_deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|&(_, at)| at).max()
    }

    /// `id`, advertising every `interval` centiseconds, holds its VIPs
    /// from `now` until a successor is heard or the handover times out.
    pub(super) fn start(&mut self, id: InstanceId, interval: u16, now: Instant) {
        let deadline = now + Duration::from_millis(u64::from(interval) * 10) + SLACK;
        self.pending.push((id, deadline));
    }

    /// An instance whose handover is over at `now`, taken out; call until `None`.
    pub(super) fn take_due(&mut self, now: Instant) -> Option<InstanceId> {
        let k = self.pending.iter().position(|&(_, at)| at <= now)?;
        Some(self.pending.swap_remove(k).0)
    }

    /// An advert for `vrid` at `priority` arrived from `src`: the instance
    /// in handover (of `router`) another router took over, taken out.
    pub(super) fn take_succeeded(
        &mut self,
        router: &Router,
        src: IpAddr,
        vrid: u8,
        priority: u8,
    ) -> Option<InstanceId> {
        let k = self.pending.iter().position(|&(id, _)| {
            let instance = router.instance(id);
            instance.vrid() == vrid
                && priority > 0
                && src != instance.config().primary_address
                && IpAddr::is_ipv4(&src) == IpAddr::is_ipv4(&instance.config().primary_address)
        })?;
        Some(self.pending.swap_remove(k).0)
    }
}
