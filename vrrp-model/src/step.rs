//! Taking one step: calling the real core, carrying out its actions, and
//! watching them for the step-based properties (S3, S7, S9 without preempt).
//!
//! Every core call gets `now = Instant::ZERO`; when time advances the model
//! calls `Instance::rebase`, so deadlines stay relative.

use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::{TRAILER_LEN, TTL};
use vrrp_core::{Action, Reason, Received, State, Timer};

use crate::event::{Event, Log, note};
use crate::model::{Step, VrrpModel};
use crate::setup::{Mutation, Setup};
use crate::state::{
    Capture, Clocks, DATAGRAM_CAPACITY, FRAME_CAPACITY, Followed, Frame, Hidden, Node,
    RouterClocks, World, seen, violation,
};
use crate::timing::{rfc_master_down_interval, rfc_wait};

/// What a router was told.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    Startup,
    Shutdown,
    Timeout(Option<Timer>),
    Advert,
    Tracking,
    /// The interface came up (`true`) or went down.
    Link(bool),
}

impl VrrpModel {
    /// The state after `step`. `log` collects what happened, for traces.
    pub(crate) fn apply(&self, before: &World, step: Step, log: &mut Log<'_>) -> World {
        let mut w = before.clone();
        w.seen = 0;
        self.tell_wall_clock(&mut w);
        // S7 watches every change of state made while converged, except the
        // ones a disturbance makes itself.
        let converged = w.clocks.quiet >= self.timing.t_conv && !step.is_disturbance();
        match step {
            Step::Fire(i) => {
                let i = usize::from(i);
                let timer = w.nodes[i].instance.poll_timeout().map(|d| d.timer);
                w.nodes[i].instance.handle_timeout(Instant::ZERO);
                self.drain(&mut w, i, Input::Timeout(timer), converged, log);
            }
            Step::Deliver { from, to } => self.deliver(&mut w, from, to, converged, log),
            Step::Drop { from, to } => {
                let idx = w
                    .frames
                    .iter()
                    .rposition(|f| f.from == from && f.to == to && f.age() == 0)
                    .expect("Drop is enabled only for a frame sent this instant");
                let frame = w.frames.remove(idx);
                // S11 bounds the step-down of a lower Master that was
                // answered, unless the answer is lost.
                w.clocks.answered.stop(usize::from(to));
                if self.setup.loss_run.is_some() {
                    w.lost[self.link(from, to)] += 1;
                } else {
                    w.budget.losses -= 1;
                }
                note(log, Event::Lost { frame });
            }
            Step::Advance(dt) => self.advance_by(&mut w, dt),
            Step::Partition(k) => {
                w.budget.partitions -= 1;
                self.repartition(&mut w, k);
                note(
                    log,
                    Event::Partition(self.partitions[usize::from(k)].clone()),
                );
            }
            Step::Toggle(i) => {
                w.budget.toggles -= 1;
                let i = usize::from(i);
                w.nodes[i].degraded = !w.nodes[i].degraded;
                // A new priority moves its timer: the advert it followed no
                // longer sets it (S15, S16).
                w.clocks.followed.forget(i);
                let tracking = self.setup.tracking(i, w.nodes[i].degraded);
                w.nodes[i].instance.handle_tracking(Instant::ZERO, tracking);
                note(
                    log,
                    Event::Priority {
                        router: i,
                        priority: w.nodes[i].instance.priority(),
                    },
                );
                self.drain(&mut w, i, Input::Tracking, converged, log);
            }
            Step::Crash(i) => {
                w.budget.crashes -= 1;
                self.crash(&mut w, usize::from(i));
                note(log, Event::Crashed(usize::from(i)));
            }
            Step::Shutdown(i) => {
                w.budget.shutdowns -= 1;
                let i = usize::from(i);
                let was_master = w.nodes[i].is_master();
                w.nodes[i].instance.handle_shutdown(Instant::ZERO);
                self.drain(&mut w, i, Input::Shutdown, converged, log);
                if self.mutated(Mutation::SilentShutdown) {
                    self.lose_stop(&mut w, i, log);
                }
                // S12: RFC 9568 §6.4.3, a Master that shuts down sends priority 0.
                if was_master && !self.stop_sent(&w, i) {
                    w.violations |= violation::SILENT_SHUTDOWN;
                }
            }
            Step::Restart(i) => {
                let i = usize::from(i);
                if !w.nodes[i].up {
                    // A new process: a fresh instance told its tracked state.
                    w.nodes[i].up = true;
                    w.nodes[i].instance = self.templates[i].clone();
                    let wall = self.wall_clock(&w);
                    w.nodes[i].instance.handle_wall_clock(wall);
                    let tracking = self.setup.tracking(i, w.nodes[i].degraded);
                    w.nodes[i].instance.handle_tracking(Instant::ZERO, tracking);
                    if w.nodes[i].link_down && !self.mutated(Mutation::LinkEventIgnored) {
                        w.nodes[i].instance.handle_link(Instant::ZERO, false);
                    }
                }
                w.nodes[i].instance.handle_startup(Instant::ZERO);
                self.drain(&mut w, i, Input::Startup, converged, log);
            }
            Step::Link(i) => self.toggle_link(&mut w, usize::from(i), converged, log),
            Step::Replay { from, priority, to } => {
                self.replay(&mut w, (from, priority, to), converged, log);
            }
        }
        if step.is_disturbance() {
            w.disturbed_now = true;
            w.clocks.quiet = 0;
            w.clocks.stopped.clear();
            w.clocks.preempt.clear();
            w.clocks.answered.clear();
        }
        w.just_advanced = matches!(step, Step::Advance(_)) && !before.disturbed_now;
        self.update_clocks(&mut w);
        self.rank_emissions(&mut w);
        w.frames.sort_unstable();
        w
    }

    /// The initial state: every router starts at time zero on a whole LAN.
    pub fn initial(&self) -> World {
        self.initial_logged(&mut None)
    }

    /// [`initial`](Self::initial), collecting the startup events.
    pub(crate) fn initial_logged(&self, log: &mut Log<'_>) -> World {
        let n = self.routers();
        let nodes = self
            .templates
            .iter()
            .map(|instance| Node {
                instance: instance.clone(),
                up: true,
                degraded: false,
                holds_vips: false,
                link_down: false,
            })
            .collect();
        let mut world = World {
            nodes,
            frames: Vec::new(),
            partition: 0,
            lost: if self.setup.loss_run.is_some() {
                vec![0; n * n]
            } else {
                Vec::new()
            },
            budget: self.setup.budget,
            disturbed_now: false,
            just_advanced: false,
            clocks: Clocks {
                quiet: 0,
                stopped: RouterClocks::default(),
                preempt: RouterClocks::default(),
                answered: RouterClocks::default(),
                followed: Followed::default(),
            },
            seen: 0,
            violations: 0,
            captures: Vec::new(),
            now_us: Hidden(0),
        };
        self.start_all(&mut world, log);
        world
    }

    /// Starts every router at once (the initial state).
    pub(crate) fn start_all(&self, w: &mut World, log: &mut Log<'_>) {
        self.tell_wall_clock(w);
        for node in &mut w.nodes {
            node.instance.handle_startup(Instant::ZERO);
        }
        for i in 0..w.nodes.len() {
            self.drain(w, i, Input::Startup, false, log);
        }
        self.update_clocks(w);
        self.rank_emissions(w);
        w.frames.sort_unstable();
    }

    fn link(&self, from: u8, to: u8) -> usize {
        usize::from(from) * self.routers() + usize::from(to)
    }

    /// Whether router `i`'s priority 0 is in flight to every running router
    /// of its component.
    fn stop_sent(&self, w: &World, i: usize) -> bool {
        let to_j = |j: usize| {
            w.frames.iter().any(|f| {
                (usize::from(f.from), usize::from(f.to)) == (i, j)
                    && f.priority() == 0
                    && f.age() == 0
            })
        };
        (0..w.nodes.len())
            .filter(|&j| self.connected(w, i, j) && w.nodes[j].running())
            .all(to_j)
    }

    /// `Mutation::SilentShutdown`: router `i`'s priority 0 never leaves.
    fn lose_stop(&self, w: &mut World, i: usize, log: &mut Log<'_>) {
        let (stops, kept) = std::mem::take(&mut w.frames)
            .into_iter()
            .partition(|f| usize::from(f.from) == i && f.priority() == 0 && f.age() == 0);
        w.frames = kept;
        for frame in stops {
            note(log, Event::Lost { frame });
        }
    }

    /// Router `i`'s interface goes down (spending the budget) or comes back.
    /// The wire changes first: a downed router is cut off before its core
    /// hears of it, and a returning owner's first advert goes out.
    fn toggle_link(&self, w: &mut World, i: usize, converged: bool, log: &mut Log<'_>) {
        let up = w.nodes[i].link_down;
        if !up {
            w.budget.links -= 1;
            if !self.mutated(Mutation::LinkDownKeepsFrames) {
                self.isolate(w, i);
            }
        }
        w.nodes[i].link_down = !up;
        note(log, Event::Link { router: i, up });
        if !self.mutated(Mutation::LinkEventIgnored) {
            w.nodes[i].instance.handle_link(Instant::ZERO, up);
            self.drain(w, i, Input::Link(up), converged, log);
        }
    }

    /// Hands the oldest packet on `from -> to` to the receiver's core.
    fn deliver(&self, w: &mut World, from: u8, to: u8, converged: bool, log: &mut Log<'_>) {
        let idx = w
            .frames
            .iter()
            .position(|f| f.from == from && f.to == to)
            .expect("Deliver is enabled only for a frame in flight");
        let frame = w.frames.remove(idx);
        let link = self.link(from, to);
        if let Some(lost) = w.lost.get_mut(link) {
            *lost = 0;
        }
        let r = usize::from(to);
        let receiver = &w.nodes[r].instance;
        let (state, priority) = (receiver.state(), receiver.priority());
        // S13: RFC 9568 §6.4.3, a Master that hears priority 0 advertises at once.
        let stop_to_master = state == State::Master && frame.priority() == 0;
        let ignored = match self.setup.mutation {
            Some(Mutation::BackupIgnoresHigherPriority) => {
                state == State::Backup && frame.priority() > priority
            }
            Some(Mutation::MasterIgnoresStop) => stop_to_master,
            _ => false,
        };
        if ignored {
            if stop_to_master {
                w.violations |= violation::UNANSWERED_STOP;
            }
            if state == State::Backup {
                // A valid advert that a correct host hands to the core.
                self.note_heard(w, r, &frame);
            }
            note(log, Event::Ignored { frame });
            return;
        }
        let unicast = !w.nodes[usize::from(from)]
            .instance
            .config()
            .unicast_peers
            .is_empty();
        let rx = Received {
            src: Setup::address(usize::from(from)),
            // A sender with unicast peers addressed this frame to the
            // receiver itself (see `send`), else to its multicast group
            // (the receiver drops another group's); the VRRPv3 checksum
            // covers it.
            dst: if unicast {
                Setup::address(r)
            } else {
                w.nodes[usize::from(from)].instance.config().group()
            },
            ttl: TTL,
        };
        let sent = w.nodes[r].instance.stats().adverts_sent;
        let timer_before = w.nodes[r].instance.poll_timeout();
        let now = if self.mutated(Mutation::LateClock) {
            Instant::ZERO + Duration::from_micros(self.timing.tick)
        } else {
            Instant::ZERO
        };
        let mut buf = [0; DATAGRAM_CAPACITY];
        let datagram = frame.datagram(&mut buf);
        let accepted = w.nodes[r].instance.handle_advert(now, &rx, datagram);
        // The receiver's core has had this emission: from now on, a
        // delivery of it or of an earlier capture of its sender is a replay.
        for capture in &mut w.captures {
            if capture.frame.from == from && capture.frame.rank <= frame.rank {
                capture.had |= 1 << to;
            }
        }
        note(
            log,
            Event::Delivered {
                frame: frame.clone(),
                accepted,
            },
        );
        let after = w.nodes[r].instance.state();
        if state == State::Master && accepted && frame.priority() == priority {
            // RFC 9568 §6.4.3: equal priority, the higher primary address wins.
            let yielded = after == State::Backup;
            if yielded != (Setup::address(usize::from(from)) > Setup::address(r)) {
                w.violations |= violation::WRONG_TIE_BREAK;
            }
            if yielded {
                w.seen |= seen::TIE_BREAK;
            }
        }
        let sender = usize::from(from);
        if state == State::Master && accepted && frame.priority() != 0 && after == State::Master {
            // RFC 9568 §6.4.3: a Master that hears a lower Master discards its
            // advert and sends one at once (S11); the answer is in flight now.
            let frames = w.frames.len();
            self.drain(w, r, Input::Advert, converged, log);
            if w.nodes[r].instance.stats().adverts_sent == sent {
                w.violations |= violation::UNANSWERED_LOWER_MASTER;
            }
            let to_sender = w.frames[frames..]
                .iter()
                .any(|f| usize::from(f.from) == r && usize::from(f.to) == sender);
            if to_sender && w.nodes[sender].is_master() {
                w.clocks.answered.start(sender);
                w.seen |= seen::ANSWERED;
            }
            return;
        }
        let mut followed = false;
        if state == State::Backup && accepted {
            followed = self.note_heard(w, r, &frame);
            if frame.priority() == 0 {
                w.clocks.stopped.start(r);
            } else {
                // A later advert supersedes the handover: possibly one still in
                // flight from a router that was Master a moment ago (the
                // checker found that case; RFC 9568 §6.4.2 accepts it).
                w.clocks.stopped.stop(r);
            }
        }
        self.drain(w, r, Input::Advert, converged, log);
        if stop_to_master && accepted && w.nodes[r].instance.stats().adverts_sent == sent {
            w.violations |= violation::UNANSWERED_STOP;
        }
        if state == State::Backup && accepted {
            // S14: RFC 9568 §6.4.2: priority 0 sets the Master_Down_Timer to
            // Skew_Time; a lower priority is discarded when preempting;
            // anything else resets it to Master_Down_Interval. The waits
            // are the RFCs' formulas, not the core's.
            let instance = &w.nodes[r].instance;
            let expected = match w.clocks.followed.get(r) {
                Some(heard) if followed => {
                    Some(rfc_wait(instance.config().version, priority, &heard))
                }
                _ => timer_before.map(|d| d.at.as_micros()),
            };
            if instance.poll_timeout().map(|d| d.at.as_micros()) != expected {
                w.violations |= violation::TIMER_NOT_RFC;
            }
        }
    }

    /// Carries out router `i`'s actions and checks them (S3, S7, S9).
    pub(crate) fn drain(
        &self,
        w: &mut World,
        i: usize,
        input: Input,
        converged: bool,
        log: &mut Log<'_>,
    ) {
        // Actions come in the order they happened: an advert queued before a
        // StateChanged was sent in the state before it (a yielding Master
        // sends one last advert, then becomes Backup).
        let actions: Vec<Action> =
            std::iter::from_fn(|| w.nodes[i].instance.poll_action()).collect();
        let mut state = actions
            .iter()
            .find_map(|a| match a {
                Action::StateChanged { from, .. } => Some(*from),
                _ => None,
            })
            .unwrap_or_else(|| w.nodes[i].instance.state());
        for action in actions {
            match action {
                Action::SendAdvert { priority } => {
                    let shutting_down = input == Input::Shutdown;
                    if priority == 0 && !shutting_down {
                        w.violations |= violation::ILLEGAL_TRANSITION;
                    }
                    if state != State::Master && !(shutting_down && priority == 0) {
                        w.violations |= violation::ADVERT_NOT_MASTER;
                    }
                    self.send(w, i, priority, log);
                }
                Action::AddVips => w.nodes[i].holds_vips = true,
                Action::RemoveVips => w.nodes[i].holds_vips = false,
                Action::StateChanged {
                    from, to, reason, ..
                } => {
                    state = to;
                    note(
                        log,
                        Event::Changed {
                            router: i,
                            from,
                            to,
                            reason,
                        },
                    );
                    self.watch_transition(w, i, input, (from, to, reason), converged);
                }
                _ => {}
            }
        }
    }

    fn watch_transition(
        &self,
        w: &mut World,
        i: usize,
        input: Input,
        (from, to, reason): (State, State, Reason),
        converged: bool,
    ) {
        let config = w.nodes[i].instance.config();
        let link = |up| input == Input::Link(up);
        let legal = match (from, to) {
            // RFC 9568 §6.4.2: only the Master_Down_Timer makes a Backup Master.
            (State::Backup, State::Master) => input == Input::Timeout(Some(Timer::MasterDown)),
            // RFC 9568 §6.4.1: only the address owner goes straight to Master.
            (State::Initialize, State::Master) => {
                input == Input::Startup && config.is_owner() && reason == Reason::AddressOwner
            }
            // Fault is keepalived's, not RFC 9568's; in the model only the
            // link leads into it (or a start with the link already down) ...
            (State::Backup | State::Master, State::Fault) => {
                link(false) && reason == Reason::InterfaceDown
            }
            (State::Initialize, State::Fault) => input == Input::Startup && w.nodes[i].link_down,
            // ... and out of it, as at startup (RFC 9568 §6.4.1): the owner
            // to Master, the others to Backup; or a shutdown to Initialize.
            (State::Fault, State::Backup) => link(true) && reason == Reason::FaultCleared,
            (State::Fault, State::Master) => {
                link(true) && config.is_owner() && reason == Reason::AddressOwner
            }
            (State::Fault, State::Initialize) => input == Input::Shutdown,
            _ => true,
        };
        if !legal {
            w.violations |= violation::ILLEGAL_TRANSITION;
        }
        if (from, to) == (State::Backup, State::Master) {
            let (seen_bits, violations) = self.judge_takeover(w, i);
            w.seen |= seen_bits;
            w.violations |= violations;
        }
        // S14: RFC 9568 §6.4.1: a router that starts (or whose link comes
        // back) as Backup waits a whole Master_Down_Interval.
        let instance = &w.nodes[i].instance;
        let config = instance.config();
        let mdi =
            rfc_master_down_interval(config.version, instance.priority(), config.advert_interval);
        if to == State::Backup
            && matches!(from, State::Initialize | State::Fault)
            && instance.poll_timeout().map(|d| d.at.as_micros()) != Some(mdi)
        {
            w.violations |= violation::TIMER_NOT_RFC;
        }
        if reason == Reason::Preempted && !config.preempt {
            w.violations |= violation::NOPREEMPT_PREEMPTED;
        }
        if converged {
            w.violations |= violation::FLAP;
        }
        w.seen |= match reason {
            Reason::Preempted => seen::PREEMPTED,
            Reason::MasterStopped => seen::MASTER_STOPPED,
            Reason::MasterNoResponse => seen::MASTER_DOWN,
            _ => 0,
        };
        if from == State::Fault && matches!(to, State::Backup | State::Master) {
            w.seen |= seen::FAULT_CLEARED;
        }
    }

    /// Puts router `i`'s advert on the wire to every running router in its
    /// component: nobody while its link is down.
    fn send(&self, w: &mut World, i: usize, priority: u8, log: &mut Log<'_>) {
        let mut bytes = [0u8; DATAGRAM_CAPACITY];
        let mut to = Vec::new();
        // With a forger, the emission ranks after every other of its sender.
        let sender = i as u8;
        let rank = if w.budget.replays > 0 {
            let frames = w.frames.iter().chain(w.captures.iter().map(|c| &c.frame));
            frames
                .filter(|f| f.from == sender)
                .map(|f| f.rank + 1)
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        let trailer_len = if self.setup.auth_hmac.is_some() {
            TRAILER_LEN
        } else {
            0
        };
        let mut captured = None;
        // One datagram to the group, or one per unicast peer: each goes to
        // the running routers in `i`'s component that it is addressed to.
        while let Some(transmit) = w.nodes[i].instance.poll_transmit(&mut bytes) {
            let unicast = !transmit.destination.is_multicast();
            let len = transmit.len - trailer_len;
            let trailer: Option<Box<[u8; TRAILER_LEN]>> = (trailer_len > 0).then(|| {
                Box::new(
                    bytes[len..transmit.len]
                        .try_into()
                        .expect("a trailer is TRAILER_LEN bytes"),
                )
            });
            let mut message = [0u8; FRAME_CAPACITY];
            message[..len].copy_from_slice(&bytes[..len]);
            let frame = |from: u8, to: u8, seq: u8| Frame {
                from,
                to,
                neg_age: 0,
                seq,
                bytes: message,
                len: u8::try_from(len).expect("an advert fits the frame"),
                rank,
                trailer: Hidden(trailer.clone()),
            };
            if captured.is_none() && !unicast {
                captured = Some(frame(sender, 0, 0));
            }
            for j in 0..w.nodes.len() {
                let addressed = !unicast || Setup::address(j) == transmit.destination;
                if addressed
                    && self.connected(w, i, j)
                    && w.nodes[j].running()
                    && self.setup.sends_to(i, j)
                {
                    to.push(j);
                    let (from, to) = (i as u8, j as u8);
                    let seq = w
                        .frames
                        .iter()
                        .filter(|f| f.from == from && f.to == to && f.age() == 0)
                        .map(|f| usize::from(f.seq) + 1)
                        .max()
                        .unwrap_or(0);
                    w.frames.push(frame(from, to, seq as u8));
                }
            }
        }
        // The forger on the segment captures what goes on the wire: the
        // last advert of each sender at each priority.
        if let Some(frame) = captured.filter(|_| w.budget.replays > 0 && !w.nodes[i].link_down) {
            w.captures.retain(|c| {
                !(c.frame.from == frame.from && c.frame.priority() == frame.priority())
            });
            w.captures.push(Capture { frame, had: 0 });
        }
        note(
            log,
            Event::Sent {
                router: i,
                priority,
                to,
            },
        );
    }

    /// Time passes by `dt` microseconds.
    fn advance_by(&self, w: &mut World, dt: u64) {
        for (i, node) in w.nodes.iter_mut().enumerate() {
            node.instance
                .rebase(Duration::from_micros(self.host_time(i, dt)));
        }
        let dt_signed = i64::try_from(dt).expect("steps are short");
        for frame in &mut w.frames {
            frame.neg_age -= dt_signed;
        }
        w.now_us.0 += dt;
        w.clocks.quiet = (w.clocks.quiet + dt).min(self.timing.t_conv);
        // The S8 and S9 clocks saturate one past their bound: past it the
        // property already failed, and the state space stays finite.
        let nodes = &w.nodes;
        let timing = &self.timing;
        w.clocks
            .stopped
            .advance(dt, |r| timing.stop_bound(&nodes[r].instance) + 1);
        w.clocks
            .preempt
            .advance(dt, |r| timing.preempt_bound(&nodes[r].instance) + 1);
        w.clocks.answered.advance(dt, |_| timing.d_max + 1);
        w.clocks.followed.advance(dt, self.heard_cap());
        w.disturbed_now = false;
    }

    /// Router `i` dies: a fresh instance until it restarts; its packets vanish.
    fn crash(&self, w: &mut World, i: usize) {
        let node = &mut w.nodes[i];
        node.instance = self.templates[i].clone();
        node.up = false;
        node.holds_vips = false;
        self.isolate(w, i);
        // Its new core has no anti-replay state.
        for capture in &mut w.captures {
            capture.had &= !(1 << i);
        }
    }

    /// Router `i` is cut off: the packets from and to it vanish.
    fn isolate(&self, w: &mut World, i: usize) {
        let i8 = i as u8;
        w.frames.retain(|f| f.from != i8 && f.to != i8);
        let n = self.routers();
        if !w.lost.is_empty() {
            for j in 0..n {
                w.lost[i * n + j] = 0;
                w.lost[j * n + i] = 0;
            }
        }
    }

    /// The LAN becomes partition `k`: packets between groups vanish.
    fn repartition(&self, w: &mut World, k: u8) {
        w.partition = k;
        let groups = self.partitions[usize::from(k)].clone();
        let n = self.routers();
        w.frames
            .retain(|f| groups[usize::from(f.from)] == groups[usize::from(f.to)]);
        for a in 0..n {
            for b in 0..n {
                if groups[a] != groups[b] && !w.lost.is_empty() {
                    w.lost[a * n + b] = 0;
                }
            }
        }
    }

    /// Starts or stops the S8 and S9 clocks from the new state.
    fn update_clocks(&self, w: &mut World) {
        let n = w.nodes.len();
        for r in 0..n {
            let nodes = &w.nodes;
            let in_group = |m: usize| self.connected(w, r, m) && nodes[m].is_master();
            let node = &nodes[r];
            // S8: a Backup told "priority 0" waits for a Master.
            let waiting =
                node.running() && node.instance.state() == State::Backup && !(0..n).any(in_group);
            // S9: a preempting router sees a lower-priority Master in its group.
            let sees_lower = node.running()
                && node.instance.config().preempt
                && (0..n).any(|m| {
                    in_group(m) && nodes[m].instance.priority() < node.instance.priority()
                });
            if !waiting {
                w.clocks.stopped.stop(r);
            }
            // S11: an answered lower Master that is no longer one.
            if !node.is_master() {
                w.clocks.answered.stop(r);
            }
            // S15, S16: only a running Backup follows a Master.
            if !node.running() || node.instance.state() != State::Backup {
                w.clocks.followed.forget(r);
            }
            if sees_lower {
                w.clocks.preempt.start(r);
            } else {
                w.clocks.preempt.stop(r);
            }
        }
    }
}
