//! Netlink answers and notifications, waited for: a [`Netlink`] handle in
//! its own mio loop, for tests of the netlink requests themselves.

use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use vrrp_io_linux::netlink::{NetEvent, Netlink, Seq};

/// A `Netlink` in a mio loop, with the events it produced so far.
pub struct NetlinkWatcher {
    poll: Poll,
    /// The handle, for sending requests.
    pub netlink: Netlink,
    seen: Vec<NetEvent>,
}

impl NetlinkWatcher {
    /// Watches `netlink` (opened in the namespace to watch: see
    /// [`Host::in_netns`](crate::Host::in_netns)).
    pub fn new(netlink: Netlink) -> Self {
        let poll = Poll::new().expect("a mio poll");
        let mut watcher = Self {
            poll,
            netlink,
            seen: Vec::new(),
        };
        watcher
            .poll
            .registry()
            .register(&mut watcher.netlink, Token(0), Interest::READABLE)
            .expect("netlink registers with mio");
        watcher
    }

    /// Runs the loop until an event matches `wanted` (3 s at most) and takes
    /// it out of those seen. Other events stay: a notification can come
    /// before or after the ack of the request that caused it.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&NetEvent) -> bool) -> NetEvent {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut events = Events::with_capacity(8);
        loop {
            if let Some(at) = self.seen.iter().position(&wanted) {
                return self.seen.remove(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; saw {:?}",
                self.seen
            );
            self.poll.poll(&mut events, Some(left)).expect("mio poll");
            self.netlink
                .poll_events(&mut self.seen)
                .expect("netlink events");
        }
    }

    /// Waits for the ack or error of request `seq`.
    pub fn wait_for_answer(&mut self, seq: Seq) -> NetEvent {
        self.wait_for(&format!("the answer to {seq}"), |event| {
            matches!(event, NetEvent::Ack { seq: s } | NetEvent::Error { seq: s, .. } if *s == seq)
        })
    }
}
