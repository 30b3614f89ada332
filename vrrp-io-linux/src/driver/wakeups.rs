//! What wakes the loop: one [`mio::Poll`] over the VRRP sockets, the
//! netlink socket, signals and a waker, and the alarm that rings at the
//! next deadline; and whether adverts arrive so densely that wake-ups are
//! coalesced.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Registry, Token, Waker};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR1};

use super::alarm::Alarm;
use super::error::DriverError;

pub(super) const NETLINK: Token = Token(0);
pub(super) const SIGNALS: Token = Token(1);
pub(super) const WAKER: Token = Token(2);
pub(super) const ALARM: Token = Token(3);
/// The tracked files' inotify descriptor.
pub(super) const FILES: Token = Token(4);
/// Socket i has token `SOCKETS + i`.
pub(super) const SOCKETS: usize = 16;

/// Adverts closer together than this are taken in one wake-up: a backup of
/// 255 instances at 100 ms hears 2,550 adverts a second, and waking for
/// each costs more than the adverts. A millisecond is far below any
/// Master_Down_Interval (30 ms at the shortest interval).
const COALESCE: Duration = Duration::from_millis(1);

/// The poll, its event buffer, and the sources registered with it besides
/// the sockets and netlink.
pub(super) struct Wakeups {
    poll: Poll,
    events: Events,
    signals: Option<signal_hook_mio::v1_0::Signals>,
    waker: Arc<Waker>,
    /// Wakes the poll at the next deadline to the microsecond.
    alarm: Alarm,
    /// When a socket last had packets, and whether they are arriving densely.
    last_packets: Option<Instant>,
    dense: bool,
}

impl Wakeups {
    /// Adds the signals (if the driver handles them), the waker and the
    /// alarm to `poll`, where netlink and the sockets are already.
    pub(super) fn listen(poll: Poll, handle_signals: bool) -> Result<Self, DriverError> {
        let signals = if handle_signals {
            let mut signals =
                signal_hook_mio::v1_0::Signals::new([SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD])
                    .map_err(DriverError::Poll)?;
            poll.registry()
                .register(&mut signals, SIGNALS, Interest::READABLE)
                .map_err(DriverError::Poll)?;
            Some(signals)
        } else {
            None
        };
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(DriverError::Poll)?);
        let alarm = Alarm::new(poll.registry(), ALARM).map_err(DriverError::Poll)?;
        Ok(Self {
            poll,
            events: Events::with_capacity(64),
            signals,
            waker,
            alarm,
            last_packets: None,
            dense: false,
        })
    }

    /// Where sockets opened later (a reload) register.
    pub(super) fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// The waker, for handles on other threads.
    pub(super) fn waker(&self) -> &Arc<Waker> {
        &self.waker
    }

    /// Waits for I/O until `deadline` (the alarm wakes the wait on time);
    /// the events, taken out so their handlers may borrow the driver (hand
    /// them back with [`give_back`](Self::give_back)), or `None` when a
    /// signal interrupted the wait.
    pub(super) fn wait(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<Events>, DriverError> {
        if self.dense {
            // Adverts are arriving densely (many instances): let those of the
            // next millisecond queue up and take them in one wake-up.
            let gap = deadline.map_or(COALESCE, |at| at.saturating_duration_since(Instant::now()));
            std::thread::sleep(gap.min(COALESCE));
        }
        let before = Instant::now();
        self.alarm.arm(deadline, before);
        let timeout = deadline.map(|at| at.saturating_duration_since(before));
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => return Ok(None),
            Err(error) => return Err(DriverError::Poll(error)),
        }
        self.dense = false;
        Ok(Some(std::mem::replace(
            &mut self.events,
            Events::with_capacity(0),
        )))
    }

    /// The buffer [`wait`](Self::wait) lent out (no allocation per turn).
    pub(super) fn give_back(&mut self, events: Events) {
        self.events = events;
    }

    /// The alarm rang.
    pub(super) fn handle_ring(&mut self) {
        self.alarm.handle_ring();
    }

    /// A socket had packets at `now`: packets less than two coalescing
    /// periods apart make the next wait coalesce.
    pub(super) fn handle_packets(&mut self, now: Instant) {
        self.dense = self
            .last_packets
            .is_some_and(|t| now.saturating_duration_since(t) < 2 * COALESCE);
        self.last_packets = Some(now);
    }

    /// The signals that arrived (none when the driver does not handle them).
    pub(super) fn pending_signals(&mut self) -> Vec<i32> {
        match &mut self.signals {
            Some(signals) => signals.pending().collect(),
            None => Vec::new(),
        }
    }
}
