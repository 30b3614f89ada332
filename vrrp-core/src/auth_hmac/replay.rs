//! Anti-replay: the last sequence accepted from each sender.
//!
//! A few slots, least recently used evicted: only senders whose tag
//! verified take a slot, and on one segment only routers of the VRID in
//! contention send, so keepalived's four suffice for multicast; unicast
//! sizes the table to the peer list.

use core::net::IpAddr;

use crate::wire::Sequence;

/// Slots for a multicast instance (keepalived's number).
pub(super) const MULTICAST_SENDERS: usize = 4;

#[derive(Clone, Copy, Debug)]
struct Slot {
    sender: IpAddr,
    last: Sequence,
    /// Larger is more recent.
    used: u64,
}

/// The last accepted sequence per sender.
#[derive(Clone, Debug)]
pub(super) struct Senders {
    slots: Vec<Slot>,
    capacity: usize,
    clock: u64,
}

impl Senders {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            slots: Vec::with_capacity(capacity),
            capacity,
            clock: 0,
        }
    }

    /// Whether `sequence` from `sender` is after the last accepted one; if
    /// so it becomes the last. `window` (time mode: seconds, and our clock's
    /// seconds): a last sequence that has left the window is forgotten, as
    /// the window alone refuses what it would, and a sender whose clock was
    /// stepped back recovers.
    pub(super) fn accept(
        &mut self,
        sender: IpAddr,
        sequence: Sequence,
        window: Option<(u16, u32)>,
    ) -> bool {
        self.clock += 1;
        let used = self.clock;
        if let Some(slot) = self.slots.iter_mut().find(|s| s.sender == sender) {
            let expired = window.is_some_and(|(secs, now)| {
                slot.last.secs_until(now).unsigned_abs() > u32::from(secs)
            });
            if !expired && !sequence.is_after(slot.last) {
                return false;
            }
            slot.last = sequence;
            slot.used = used;
            return true;
        }
        let slot = Slot {
            sender,
            last: sequence,
            used,
        };
        if self.slots.len() < self.capacity {
            self.slots.push(slot);
        } else if let Some(oldest) = self.slots.iter_mut().min_by_key(|s| s.used) {
            *oldest = slot;
        }
        true
    }
}
