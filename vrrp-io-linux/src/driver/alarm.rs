//! Waking at a deadline to the microsecond. epoll's timeout counts whole
//! milliseconds (mio rounds up), so on its own the loop wakes up to 1 ms
//! late: 3 % of the shortest Master_Down_Interval, and every failover pays
//! it. A timerfd armed for the deadline wakes the poll on time; the poll's
//! own timeout stays, a millisecond behind, as the fallback.

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

/// A one-shot timerfd registered with the poll.
pub(super) struct Alarm {
    timer: TimerFd,
    /// The deadline it is set for; `None` when unset or already rung.
    armed: Option<Instant>,
}

impl Alarm {
    /// A disarmed alarm whose ring makes `token` readable.
    pub(super) fn new(registry: &Registry, token: Token) -> io::Result<Self> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        let fd = timer.as_fd().as_raw_fd();
        registry.register(&mut SourceFd(&fd), token, Interest::READABLE)?;
        Ok(Self { timer, armed: None })
    }

    /// Sets the alarm for `at`, or disarms it for `None`. A deadline already
    /// due needs no alarm: the poll does not wait for it.
    pub(super) fn arm(&mut self, at: Option<Instant>, now: Instant) {
        let at = at.filter(|&at| at > now);
        if at == self.armed {
            return;
        }
        let set = match at {
            Some(at) => self.timer.set(
                Expiration::OneShot(TimeSpec::from_duration(at - now)),
                TimerSetTimeFlags::empty(),
            ),
            None => self.timer.unset(),
        };
        match set {
            Ok(()) => self.armed = at,
            Err(error) => {
                // The poll's millisecond timeout still wakes the loop.
                tracing::debug!(%error, "timerfd not set");
                self.armed = None;
            }
        }
    }

    /// The alarm rang (its token was readable): takes the ring.
    pub(super) fn handle_ring(&mut self) {
        // Non-blocking: an alarm re-armed since it rang has nothing to read.
        let _ = self.timer.wait();
        self.armed = None;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mio::{Events, Poll};

    use super::*;

    const TOKEN: Token = Token(7);

    fn setup() -> (Poll, Events, Alarm) {
        let poll = Poll::new().unwrap();
        let alarm = Alarm::new(poll.registry(), TOKEN).unwrap();
        (poll, Events::with_capacity(4), alarm)
    }

    /// Waits at most `timeout`; whether the alarm's token came up.
    fn rang(poll: &mut Poll, events: &mut Events, timeout: Option<Duration>) -> bool {
        poll.poll(events, timeout).unwrap();
        events.iter().any(|e| e.token() == TOKEN)
    }

    #[test]
    fn rings_at_its_deadline_and_not_before() {
        let (mut poll, mut events, mut alarm) = setup();
        let start = Instant::now();
        alarm.arm(Some(start + Duration::from_millis(5)), start);
        assert!(rang(&mut poll, &mut events, Some(Duration::from_secs(2))));
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(5), "rang early: {waited:?}");
        assert!(waited < Duration::from_secs(1), "rang late: {waited:?}");
        alarm.handle_ring();
        assert_eq!(alarm.armed, None);
    }

    #[test]
    fn a_later_deadline_replaces_the_earlier_one() {
        let (mut poll, mut events, mut alarm) = setup();
        let start = Instant::now();
        alarm.arm(Some(start + Duration::from_millis(5)), start);
        alarm.arm(Some(start + Duration::from_millis(300)), start);
        let early = rang(&mut poll, &mut events, Some(Duration::from_millis(100)));
        assert!(!early, "the replaced deadline still rang");
        assert!(rang(&mut poll, &mut events, Some(Duration::from_secs(2))));
        assert!(start.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn no_deadline_disarms_and_a_due_one_sets_nothing() {
        let (mut poll, mut events, mut alarm) = setup();
        let start = Instant::now();
        alarm.arm(Some(start + Duration::from_millis(5)), start);
        alarm.arm(None, Instant::now());
        assert!(!rang(
            &mut poll,
            &mut events,
            Some(Duration::from_millis(50))
        ));
        let now = Instant::now();
        alarm.arm(Some(now), now);
        assert_eq!(alarm.armed, None);
        assert!(!rang(
            &mut poll,
            &mut events,
            Some(Duration::from_millis(50))
        ));
    }
}
