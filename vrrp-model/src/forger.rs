//! The forger of `--faults replay` and the wall clock `auth_hmac` signs
//! with: the routers are told the time, the forger's captures are ranked,
//! and a replay is delivered and judged (S17). The step that offers a
//! replay is `step.rs`'s.

use vrrp_core::time::Instant;
use vrrp_core::wire::TTL;
use vrrp_core::{Received, State};

use crate::event::{Event, Log, note};
use crate::model::VrrpModel;
use crate::setup::{Mutation, Setup, WALL_EPOCH_SECS};
use crate::state::{DATAGRAM_CAPACITY, World, seen, violation};
use crate::step::Input;

impl VrrpModel {
    /// The routers' wall clock: the epoch plus model time.
    pub(crate) fn wall_clock(&self, w: &World) -> std::time::Duration {
        std::time::Duration::from_secs(WALL_EPOCH_SECS)
            + std::time::Duration::from_micros(w.now_us.0)
    }

    /// Gives every router the wall clock (`auth_hmac`'s time) before it is
    /// told anything else; without `auth_hmac` the core ignores it.
    pub(crate) fn tell_wall_clock(&self, w: &mut World) {
        let wall = self.wall_clock(w);
        for node in &mut w.nodes {
            node.instance.handle_wall_clock(wall);
        }
    }

    /// Makes the ranks of each sender's emissions (frames in flight and
    /// captures) dense again, from 0, in their order: only the order
    /// decides the future (which capture a delivery makes a replay and,
    /// with `auth_hmac`, which sequence a core refuses). Without a forger,
    /// or once its replays are spent, the captures go and every rank is 0.
    pub(crate) fn rank_emissions(&self, w: &mut World) {
        if w.budget.replays == 0 {
            w.captures.clear();
            for frame in &mut w.frames {
                frame.rank = 0;
            }
            return;
        }
        let mut ranks: Vec<(u8, u8)> = w
            .frames
            .iter()
            .chain(w.captures.iter().map(|c| &c.frame))
            .map(|f| (f.from, f.rank))
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        let dense = |from: u8, rank: u8| {
            let first = ranks.partition_point(|&(f, _)| f < from);
            let at = ranks.partition_point(|&p| p < (from, rank));
            (at - first) as u8
        };
        for frame in &mut w.frames {
            frame.rank = dense(frame.from, frame.rank);
        }
        for capture in &mut w.captures {
            capture.frame.rank = dense(capture.frame.from, capture.frame.rank);
        }
        w.captures.sort_unstable();
    }

    /// The forger delivers its capture of `from`'s advert at `priority` to
    /// `to` (S17): nothing about the receiver may change but its counters,
    /// and with `auth_hmac` the replay is counted as replayed or stale.
    pub(crate) fn replay(
        &self,
        w: &mut World,
        (from, priority, to): (u8, u8, u8),
        converged: bool,
        log: &mut Log<'_>,
    ) {
        w.budget.replays -= 1;
        let mut frame = w
            .captures
            .iter()
            .find(|c| c.frame.from == from && c.frame.priority() == priority)
            .expect("Replay is enabled only for a capture")
            .frame
            .clone();
        frame.to = to;
        let r = usize::from(to);
        let before = w.nodes[r].clone();
        let stats = before.instance.stats();
        let (refused, sent) = (stats.hmac_replayed + stats.hmac_stale, stats.adverts_sent);
        if self.mutated(Mutation::ReloadForgetsReplay) {
            let instance = &mut w.nodes[r].instance;
            let hmac = instance.config().auth_hmac.clone();
            instance
                .handle_auth_hmac(None)
                .and_then(|()| instance.handle_auth_hmac(hmac))
                .expect("the same auth_hmac again");
        }
        let rx = Received {
            src: Setup::address(usize::from(from)),
            dst: w.nodes[usize::from(from)].instance.config().group(),
            ttl: TTL,
        };
        let mut buf = [0; DATAGRAM_CAPACITY];
        let datagram = frame.datagram(&mut buf);
        let accepted = w.nodes[r]
            .instance
            .handle_advert(Instant::ZERO, &rx, datagram);
        note(
            log,
            Event::Replayed {
                frame: frame.clone(),
                accepted,
            },
        );
        if accepted && before.instance.state() == State::Backup {
            self.note_heard(w, r, &frame);
        }
        self.drain(w, r, Input::Advert, converged, log);
        let after = &w.nodes[r];
        let stats = after.instance.stats();
        let counted = stats.hmac_replayed + stats.hmac_stale == refused + 1;
        let unmoved = *after == before && stats.adverts_sent == sent;
        if !unmoved || (self.setup.auth_hmac.is_some() && !counted) {
            w.violations |= violation::REPLAY_TOOK_EFFECT;
        }
        w.seen |= seen::REPLAYED;
        if after.instance.state() != before.instance.state() {
            w.seen |= seen::REPLAY_MOVED;
        }
    }
}
