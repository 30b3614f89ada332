//! Link changes acted on after a delay (keepalived's
//! `interface_up_down_delays`): a link that goes down (up) is seen down
//! (up) by its instances only once it has stayed so for the interface's
//! delay; one back before then is not seen at all.
//!
//! keepalived 2.4.3 `keepalived_netlink.c` (`update_interface_flags`): a
//! change back to the state acted on cancels the pending one; a change
//! the same way as the pending one leaves its deadline; a link never seen
//! up comes up at once; a removed link is acted on at once.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::spec::LinkDelay;

/// What to do with a link change now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Act on it: the link is now `up` for its instances.
    Now,
    /// Wait: it is acted on at its deadline unless it flaps back first.
    Later,
    /// Nothing to do: no change, or a flap back that cancelled one.
    Nothing,
}

/// The delays per interface and the changes waiting for theirs.
#[derive(Debug, Default)]
pub(super) struct Debounce {
    /// (down, up) by interface name.
    delays: HashMap<String, (Duration, Duration)>,
    /// Waiting changes: by ifindex, the state to act on and when.
    pending: HashMap<u32, (bool, Instant)>,
    /// Links seen up since the driver began.
    seen_up: HashSet<u32>,
}

impl Debounce {
    pub(super) fn new(delays: &[LinkDelay]) -> Self {
        let mut debounce = Self::default();
        debounce.reconfigure(delays);
        debounce
    }

    /// A reload's delays; changes already waiting keep their deadlines.
    pub(super) fn reconfigure(&mut self, delays: &[LinkDelay]) {
        self.delays = delays
            .iter()
            .filter(|d| !d.down.is_zero() || !d.up.is_zero())
            .map(|d| (d.interface.clone(), (d.down, d.up)))
            .collect();
    }

    /// Link `ifindex` (called `name`), which its instances see as
    /// `acted`, is now `up` (`removed`: gone, acted on at once).
    pub(super) fn handle_change(
        &mut self,
        now: Instant,
        ifindex: u32,
        name: &str,
        acted: bool,
        up: bool,
        removed: bool,
    ) -> Change {
        if acted {
            self.seen_up.insert(ifindex);
        }
        if let Some((target, _)) = self.pending.get(&ifindex) {
            if *target == up && !removed {
                return Change::Later;
            }
            self.pending.remove(&ifindex);
            tracing::info!(interface = %name, up, "link back before its delay: not acted on");
        }
        if acted == up {
            return Change::Nothing;
        }
        let delay = self.delays.get(name).map_or(
            Duration::ZERO,
            |&(down, back)| {
                if up { back } else { down }
            },
        );
        if delay.is_zero() || removed || !self.seen_up.contains(&ifindex) {
            if up {
                self.seen_up.insert(ifindex);
            }
            return Change::Now;
        }
        tracing::info!(interface = %name, up, ?delay, "link changed: acted on after its delay");
        self.pending.insert(ifindex, (up, now + delay));
        Change::Later
    }

    /// Whether link `name` has delays.
    pub(super) fn has_delays(&self, name: &str) -> bool {
        self.delays.contains_key(name)
    }

    /// Caps `name`'s down delay at `most` (and its up delay with it when
    /// they were equal): keepalived's `check_debounce_timers` when a
    /// Master advertises faster than the instance's own interval.
    pub(super) fn cap(&mut self, name: &str, most: Duration) -> bool {
        let Some((down, up)) = self.delays.get_mut(name) else {
            return false;
        };
        if *down <= most {
            return false;
        }
        if *up == *down {
            *up = most;
        }
        *down = most;
        true
    }

    /// The earliest deadline of a waiting change.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|&(_, at)| at).min()
    }

    /// A change whose delay is over: its link and state.
    pub(super) fn take_due(&mut self, now: Instant) -> Option<(u32, bool)> {
        let (&ifindex, &(up, _)) = self.pending.iter().find(|(_, (_, at))| *at <= now)?;
        self.pending.remove(&ifindex);
        if up {
            self.seen_up.insert(ifindex);
        }
        Some((ifindex, up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn debounce() -> Debounce {
        Debounce::new(&[LinkDelay {
            interface: "eth0".into(),
            down: 2 * S,
            up: S,
        }])
    }

    #[test]
    fn a_short_flap_is_not_seen() {
        let (mut d, t0) = (debounce(), Instant::now());
        assert_eq!(
            d.handle_change(t0, 1, "eth0", true, false, false),
            Change::Later
        );
        assert_eq!(d.poll_timeout(), Some(t0 + 2 * S));
        assert_eq!(d.take_due(t0 + S), None);
        let back = d.handle_change(t0 + S / 2, 1, "eth0", true, true, false);
        assert_eq!(back, Change::Nothing);
        assert_eq!(d.poll_timeout(), None);
    }

    #[test]
    fn a_long_down_is_acted_on_at_its_deadline_and_up_after_its_own() {
        let (mut d, t0) = (debounce(), Instant::now());
        assert_eq!(
            d.handle_change(t0, 1, "eth0", true, false, false),
            Change::Later
        );
        // The same way again (another flag changed): the deadline stays.
        let again = d.handle_change(t0 + S, 1, "eth0", true, false, false);
        assert_eq!(again, Change::Later);
        assert_eq!(d.take_due(t0 + 2 * S), Some((1, false)));
        let t1 = t0 + 4 * S;
        assert_eq!(
            d.handle_change(t1, 1, "eth0", false, true, false),
            Change::Later
        );
        assert_eq!(d.poll_timeout(), Some(t1 + S));
        assert_eq!(d.take_due(t1 + S), Some((1, true)));
    }

    #[test]
    fn other_links_never_seen_up_and_removals_are_at_once() {
        let (mut d, t0) = (debounce(), Instant::now());
        assert_eq!(
            d.handle_change(t0, 2, "eth1", true, false, false),
            Change::Now
        );
        // Down from the start: its first up is at once, later ones wait.
        assert_eq!(
            d.handle_change(t0, 1, "eth0", false, true, false),
            Change::Now
        );
        assert_eq!(
            d.handle_change(t0, 1, "eth0", true, false, false),
            Change::Later
        );
        assert_eq!(
            d.handle_change(t0, 1, "eth0", true, false, true),
            Change::Now
        );
        assert_eq!(d.poll_timeout(), None);
    }

    #[test]
    fn a_faster_master_cuts_the_down_delay() {
        let mut d = Debounce::new(&[LinkDelay {
            interface: "eth0".into(),
            down: 2 * S,
            up: 2 * S,
        }]);
        assert!(d.cap("eth0", S));
        assert!(!d.cap("eth0", 2 * S));
        assert!(!d.cap("eth1", S));
        let t0 = Instant::now();
        d.handle_change(t0, 1, "eth0", true, false, false);
        assert_eq!(d.poll_timeout(), Some(t0 + S));
    }
}
