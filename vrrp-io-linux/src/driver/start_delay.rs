//! keepalived's delayed start (`vrrp_startup_delay`, `vrrp_delay_after_boot`;
//! keepalived 2.4.3 `vrrp_daemon.c`, `vrrp_delayed_start_time`): until it
//! ends the instances stay in Initialize, received adverts are discarded and
//! nothing is sent; they start when it ends, so the Master_Down_Timer counts
//! from there.

use std::time::{Duration, Instant};

/// When the driver began, and until when its instances wait.
#[derive(Clone, Copy, Debug)]
pub(super) struct StartDelay {
    began: Instant,
    until: Option<Instant>,
}

impl StartDelay {
    /// A delay of `delay` from `began`; a zero delay has ended already.
    pub(super) fn new(began: Instant, delay: Duration) -> Self {
        let until = (!delay.is_zero()).then(|| began + delay);
        Self { began, until }
    }

    /// Whether the instances still wait.
    pub(super) fn is_pending(&self) -> bool {
        self.until.is_some()
    }

    /// When the delay ends, while it lasts.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.until
    }

    /// True once, on the first call at or after the end of the delay.
    pub(super) fn take_due(&mut self, now: Instant) -> bool {
        match self.until {
            Some(until) if now >= until => {
                self.until = None;
                true
            }
            _ => false,
        }
    }

    /// A reload's new delay, still counted from the start (keepalived moves
    /// the end by the difference); a delay that ended stays ended.
    pub(super) fn reconfigure(&mut self, delay: Duration) {
        if self.until.is_some() {
            self.until = Some(self.began + delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_delay_never_pends() {
        let t0 = Instant::now();
        let mut d = StartDelay::new(t0, Duration::ZERO);
        assert!(!d.is_pending());
        assert_eq!(d.poll_timeout(), None);
        assert!(!d.take_due(t0));
    }

    #[test]
    fn ends_once_at_its_deadline() {
        let t0 = Instant::now();
        let mut d = StartDelay::new(t0, Duration::from_secs(5));
        assert_eq!(d.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        assert!(!d.take_due(t0 + Duration::from_millis(4999)));
        assert!(d.take_due(t0 + Duration::from_secs(5)));
        assert!(!d.is_pending());
        assert!(!d.take_due(t0 + Duration::from_secs(6)));
    }

    #[test]
    fn reload_moves_the_end_from_the_start() {
        let t0 = Instant::now();
        let mut d = StartDelay::new(t0, Duration::from_secs(10));
        d.reconfigure(Duration::from_secs(3));
        assert_eq!(d.poll_timeout(), Some(t0 + Duration::from_secs(3)));
        assert!(d.take_due(t0 + Duration::from_secs(3)));
        d.reconfigure(Duration::from_secs(30));
        assert!(!d.is_pending());
    }
}
