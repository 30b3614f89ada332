//! Watching takeovers: which advert each Backup last followed, and, when one
//! takes over on its Master_Down_Timer, whether another Backup of its
//! component was due first by the RFC (S15) or the Master it followed is
//! still there and was heard within a Master_Down_Interval (S16).
//!
//! Both judge the core's timers by the RFCs' own formulas
//! ([`rfc_wait`]), not by the core's `skew_time` and
//! `master_down_interval`, which S1 and S14 use: a core whose Skew_Time
//! orders the Backups wrongly still arms its timers "as it computes them".

use vrrp_core::State;
use vrrp_core::wire::Version;

use crate::model::VrrpModel;
use crate::state::{Frame, Heard, World, seen, violation};
use crate::timing::rfc_wait;

impl VrrpModel {
    /// Backup `r`'s host got `frame` (its core accepted it, or a mutated
    /// host dropped it before the core saw it): if RFC 9568 §6.4.2 has a
    /// Backup set its Master_Down_Timer for it (priority 0, a priority not
    /// lower than its own, or preemption off), it is the advert `r` follows.
    /// Returns whether it is.
    pub(crate) fn note_heard(&self, w: &mut World, r: usize, frame: &Frame) -> bool {
        let instance = &w.nodes[r].instance;
        let priority = frame.priority();
        let follows =
            priority == 0 || priority >= instance.priority() || !instance.config().preempt;
        if !follows {
            return false;
        }
        let sender = w.nodes[usize::from(frame.from)].instance.config();
        let interval = match (instance.config().version, priority) {
            (Version::V2, _) => instance.config().advert_interval,
            // Priority 0 teaches no interval: the Backup's own variable.
            (Version::V3, 0) => instance.master_adver_interval(),
            (Version::V3, _) => sender.advert_interval,
        };
        let heard = Heard {
            from: frame.from,
            stop: priority == 0,
            interval,
            ago: 0,
        };
        w.clocks.followed.set(r, heard);
        true
    }

    /// Where the records saturate: past the longest wait the RFCs give a
    /// Backup, so a saturated record is never compared.
    pub(crate) fn heard_cap(&self) -> u64 {
        self.timing.wait_max + 1
    }

    /// Backup `a` takes over on its Master_Down_Timer (judged before the
    /// clocks are updated): the [`seen`] and [`violation`] bits of S15 and
    /// S16.
    pub(crate) fn judge_takeover(&self, w: &World, a: usize) -> (u16, u16) {
        let (mut seen_bits, mut violations) = (0, 0);
        let Some(heard_a) = w.clocks.followed.get(a) else {
            // It followed no advert since it started or its priority
            // changed: its timer runs from that instant, outside both.
            return (seen_bits, violations);
        };
        if heard_a.ago >= self.heard_cap() {
            return (seen_bits, violations);
        }
        let wait = |r: usize, heard: &Heard| {
            let instance = &w.nodes[r].instance;
            rfc_wait(instance.config().version, instance.priority(), heard)
        };
        let wait_a = wait(a, &heard_a);
        // S16: the Master it followed is still Master in its component, and
        // its last advert arrived less than a Master_Down_Interval ago.
        let master = usize::from(heard_a.from);
        if !heard_a.stop
            && heard_a.ago < wait_a
            && w.nodes[master].is_master()
            && self.connected(w, a, master)
        {
            violations |= violation::NEEDLESS_TAKEOVER;
        }
        // S15: no other Backup of its component is due earlier by the
        // RFC's timers, each counted from the advert it last followed.
        let due = |r: usize, heard: &Heard| i128::from(wait(r, heard)) - i128::from(heard.ago);
        let due_a = due(a, &heard_a);
        for b in (0..w.nodes.len()).filter(|&b| self.connected(w, a, b)) {
            let node = &w.nodes[b];
            if !node.running() || node.instance.state() != State::Backup {
                continue;
            }
            let Some(heard_b) = w.clocks.followed.get(b) else {
                continue;
            };
            if heard_b.ago >= self.heard_cap() {
                continue;
            }
            // V9: a race that priority alone decides: both followed an
            // advert of the same kind that arrived at the same instant.
            if (heard_b.ago, heard_b.stop, heard_b.interval)
                == (heard_a.ago, heard_a.stop, heard_a.interval)
            {
                seen_bits |= seen::RACE;
            }
            if due(b, &heard_b) < due_a {
                violations |= violation::SLOWER_BACKUP_FIRST;
            }
        }
        (seen_bits, violations)
    }
}
