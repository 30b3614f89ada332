//! Warnings that could repeat once per advert, held to one per interval.

use std::time::{Duration, Instant};

/// At most one "not sent" warning (an advert, an announcement) per
/// instance this often.
pub(super) const SEND_WARN_EVERY: Duration = Duration::from_secs(10);

/// At most one log line per key (an instance index) per `every`; counts the
/// ones it held back in between.
#[derive(Debug)]
pub(super) struct LogLimit {
    every: Duration,
    /// Per key: when it last logged, and how many it held back since.
    keys: Vec<(Option<Instant>, u64)>,
}

impl LogLimit {
    pub(super) fn new(every: Duration) -> Self {
        Self {
            every,
            keys: Vec::new(),
        }
    }

    /// `Some(held back since the last one)` when `key` may log at `now`;
    /// `None` when it may not (and the line is counted as held back).
    pub(super) fn allow(&mut self, key: usize, now: Instant) -> Option<u64> {
        if key >= self.keys.len() {
            self.keys.resize(key + 1, (None, 0));
        }
        let (last, held) = &mut self.keys[key];
        if last.is_some_and(|last| now < last + self.every) {
            *held += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_key_per_interval_with_the_count_held_back() {
        let every = Duration::from_secs(10);
        let mut limit = LogLimit::new(every);
        let t0 = Instant::now();
        assert_eq!(limit.allow(3, t0), Some(0));
        assert_eq!(limit.allow(3, t0 + Duration::from_secs(1)), None);
        assert_eq!(limit.allow(3, t0 + Duration::from_secs(9)), None);
        // Another key is not held back by the first one.
        assert_eq!(limit.allow(0, t0 + Duration::from_secs(9)), Some(0));
        assert_eq!(limit.allow(3, t0 + every), Some(2));
        assert_eq!(limit.allow(3, t0 + every), None);
    }
}
