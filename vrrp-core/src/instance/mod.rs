//! One virtual router: one VRID, one address family, one interface.
//!
//! # Methods by category (quinn-proto's shape)
//!
//! - Inputs, `handle_*`: [`handle_startup`](Instance::handle_startup),
//!   [`handle_shutdown`](Instance::handle_shutdown),
//!   [`handle_advert`](Instance::handle_advert),
//!   [`handle_timeout`](Instance::handle_timeout),
//!   [`handle_link`](Instance::handle_link),
//!   [`handle_tracking`](Instance::handle_tracking),
//!   [`handle_command`](Instance::handle_command),
//!   [`handle_wall_clock`](Instance::handle_wall_clock) (`auth_hmac` only).
//! - Outputs, `poll_*`: [`poll_action`](Instance::poll_action) until `None`
//!   (after each [`SendAdvert`](crate::Action::SendAdvert),
//!   [`poll_transmit`](Instance::poll_transmit) until `None`), then
//!   [`poll_timeout`](Instance::poll_timeout).
//!
//! Every input takes `now`; the instance never reads a clock. Time must not
//! go backwards between calls.

mod receive;
mod repeat;
mod transitions;
mod transmit;

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

use crate::auth_ah::AhAuth;
use crate::auth_hmac::{HmacAuth, HmacConfig};
use crate::config::{Config, ConfigError, PRIORITY_OWNER};
use crate::fsm::{Action, State};
use crate::stats::Statistics;
use crate::time::{Duration, Instant};
use crate::timer::{Deadline, Timer};
use crate::wire::{
    self, Addresses, AdvertTemplate, Advertisement, Auth, Family, PseudoHeader, TRAILER_LEN,
    Version,
};

use repeat::LastAccepted;
use transmit::Sending;
pub use transmit::Transmit;

/// Most actions one input can queue (state change, addresses, advert, announce).
const ACTION_CAPACITY: usize = 8;

/// What the tracked objects (scripts, interfaces, processes) say, summed by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tracking {
    /// Sum of the weights of the tracked objects, added to the base priority.
    pub weight: i32,
    /// Whether a tracked object with weight 0 has failed: that means Fault.
    pub failed: bool,
}

impl Tracking {
    /// The sum of tracked objects' contributions: `Some(w)` adds `w` to
    /// the priority, `None` is a failed object of weight 0 (Fault).
    pub fn sum(contributions: impl IntoIterator<Item = Option<i32>>) -> Self {
        contributions
            .into_iter()
            .fold(Self::default(), |acc, contribution| match contribution {
                Some(w) => Self {
                    weight: acc.weight + w,
                    ..acc
                },
                None => Self {
                    failed: true,
                    ..acc
                },
            })
    }
}

/// Administrative changes, applied at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Command {
    /// New base priority (1..=255); 0 is ignored.
    SetPriority(u8),
    /// Turn preemption on or off.
    SetPreempt(bool),
}

/// Reasons an instance is in Fault; any one suffices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Faults {
    link_down: bool,
    track_failed: bool,
    group: bool,
}

impl Faults {
    fn any(self) -> bool {
        self.link_down || self.track_failed || self.group
    }
}

/// Why the master-down timer is running: decides the reason reported when it fires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Watch {
    /// A Master is advertising, or none has been heard yet.
    #[default]
    Master,
    /// We are ignoring a lower-priority Master to preempt it.
    Preempting,
    /// The Master sent priority 0: Skew_Time remains.
    Stopped,
}

/// One virtual router.
///
/// Equality and hashing cover the protocol state only, never the
/// [`Statistics`], so a model checker can store instances and deduplicate
/// states while the counters keep growing.
//
// Laid out in declaration order, on cache lines of its own: a Router of
// thousands of instances touches one at random per advert, and what a
// repeated advert reads and writes (configuration pointer, timer, state,
// the kept advert, the first counters) then spans four lines instead of
// eight.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Instance {
    /// Shared between clones (a model checker clones every state); copied
    /// on the rare write (`handle_command`).
    config: Arc<Config>,
    timer: Option<Deadline>,
    /// While a lower-priority Master is tolerated under `preempt_delay`: when that ends.
    preempt_at: Option<Instant>,
    actions: VecDeque<Action>,
    /// The wall clock (since the Unix epoch) as last given to
    /// [`handle_wall_clock`](Self::handle_wall_clock): `auth_hmac`'s time.
    wall_clock: core::time::Duration,
    /// The Master's address as last heard, or ours while Master.
    master: Option<IpAddr>,
    /// Master_Adver_Interval in centiseconds: learned from the Master (v3).
    master_interval: u16,
    state: State,
    /// Base priority plus tracking weights, clamped; 255 for the owner.
    priority: u8,
    watch: Watch,
    faults: Faults,
    /// The last advert accepted, so that its repeats skip the checks (see
    /// `repeat`). A cache: outside equality and hashing.
    last_accepted: LastAccepted,
    stats: Statistics,
    tracking: Tracking,
    /// [`Config::group`], resolved once: every received advert is checked
    /// against it, and the transmit path hands the emitter this stored
    /// value, never a copy it just assembled on the stack (reading that
    /// back stalled the Master's timer path).
    group: IpAddr,
    /// `config.virtual_addresses` in wire form, for emit and comparison.
    vips: Arc<[u8]>,
    /// Our advert, encoded once: every emit only sets the priority and the
    /// checksum.
    template: AdvertTemplate,
    /// The advert [`poll_transmit`](Self::poll_transmit) is writing out.
    sending: Option<Sending>,
    /// `auth_hmac`: keys, the last sequence sent, the last accepted per
    /// sender. Not protocol state: outside equality and hashing.
    hmac: Option<HmacAuth>,
    /// IPsec AH (`auth_type AH`): the key, the sequence counter, the IP
    /// identification. Not protocol state: outside equality and hashing.
    ah: Option<AhAuth>,
    /// The trailer of the advert being written out: signed once, the same
    /// on every unicast copy.
    trailer: Option<[u8; TRAILER_LEN]>,
}

impl Instance {
    /// A stopped instance (state Initialize); call
    /// [`handle_startup`](Self::handle_startup) to run it.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        let hmac = match &config.auth_hmac {
            Some(hmac) => Some(HmacAuth::new(hmac, config.unicast_peers.len())?),
            None => None,
        };
        let vips: Arc<[u8]> = config.encoded_addresses().into();
        let template = AdvertTemplate::new(&advertisement(&config, &vips, 0))
            .expect("validate() checked what the encoder checks");
        Ok(Self {
            vips,
            group: config.group(),
            template,
            state: State::Initialize,
            priority: config.priority,
            tracking: Tracking::default(),
            faults: Faults::default(),
            master_interval: config.advert_interval,
            timer: None,
            watch: Watch::default(),
            preempt_at: None,
            master: None,
            actions: VecDeque::with_capacity(ACTION_CAPACITY),
            sending: None,
            hmac,
            ah: match config.auth {
                Auth::Ah(key) => Some(AhAuth::new(key)),
                _ => None,
            },
            trailer: None,
            wall_clock: core::time::Duration::ZERO,
            last_accepted: LastAccepted::default(),
            stats: Statistics::default(),
            config: Arc::new(config),
        })
    }

    // ===== poll_* =====

    /// The next thing the caller must do, or `None` once drained.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        let action = self.actions.pop_front()?;
        if let Action::SendAdvert { priority } = action {
            self.sending = Some(Sending { priority, next: 0 });
            self.trailer = None;
        }
        Some(action)
    }

    /// When to call [`handle_timeout`](Self::handle_timeout), and which timer that is.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Deadline> {
        self.timer
    }

    // ===== accessors =====

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The VRID.
    pub fn vrid(&self) -> u8 {
        self.config.vrid
    }

    /// The address family.
    pub fn family(&self) -> Family {
        self.config.family()
    }

    /// The effective priority: base plus tracking weights, within 1..=254,
    /// or 255 for the owner whatever the weights.
    pub fn priority(&self) -> u8 {
        self.priority
    }

    /// The Master's address as far as this router knows.
    pub fn master(&self) -> Option<IpAddr> {
        self.master
    }

    /// Master_Adver_Interval in centiseconds.
    pub fn master_adver_interval(&self) -> u16 {
        self.master_interval
    }

    /// Skew_Time (RFC 9568 §6.1): `((256 - Priority) * Master_Adver_Interval) / 256`.
    /// VRRPv2 (RFC 3768 §6.1): `(256 - Priority) / 256` seconds, whatever
    /// the interval.
    pub fn skew_time(&self) -> Duration {
        let interval_us = Duration::from_centis(u64::from(self.master_interval)).as_micros();
        let skew_us = match self.config.version {
            Version::V3 => (256 - u64::from(self.priority)) * interval_us / 256,
            Version::V2 => (256 - u64::from(self.priority)) * 1_000_000 / 256,
        };
        Duration::from_micros(skew_us)
    }

    /// Master_Down_Interval (RFC 9568 §6.1): `3 * Master_Adver_Interval +
    /// Skew_Time`, with keepalived's `down_timer_adverts` in place of 3
    /// ([`Config::down_timer_adverts`]; keepalived's `VRRP_MS_DOWN_TIMER`).
    pub fn master_down_interval(&self) -> Duration {
        let interval = Duration::from_centis(u64::from(self.master_interval));
        let adverts = u64::from(self.config.down_timer_adverts);
        Duration::from_micros(adverts * interval.as_micros()) + self.skew_time()
    }

    /// The counters. Not part of equality or hashing.
    pub fn stats(&self) -> &Statistics {
        &self.stats
    }

    /// The tracking input last given.
    pub fn tracking(&self) -> Tracking {
        self.tracking
    }

    /// The virtual addresses in wire form.
    pub fn addresses(&self) -> Addresses<'_> {
        Addresses::new(self.family(), &self.vips).expect("validated at construction")
    }

    /// The advertisement an [`Action::SendAdvert`] with `priority` sends.
    pub fn advertisement(&self, priority: u8) -> Advertisement<'_> {
        advertisement(&self.config, &self.vips, priority)
    }

    /// The checksum pseudo-header for an advert from us to `dst`, if the
    /// version uses one.
    pub fn pseudo_header(&self, dst: IpAddr) -> Option<PseudoHeader> {
        wire::pseudo_header(
            self.config.version,
            self.config.v3_checksum_as_v2,
            self.config.primary_address,
            self.checksum_destination(dst),
        )
    }

    /// The destination an IPv4 checksum covers for a datagram to `dst`:
    /// `dst`, or with [`Config::old_unicast_checksum`] the multicast group
    /// (keepalived 2.4.3 vrrp.c, `CHKSUM_COMPATIBILITY_CONFIG`, takes the
    /// global `vrrp_mcast_group4`; ours is the instance's, the same unless
    /// it sets `mcast_dst_ip`). Sending and receiving both ask here.
    fn checksum_destination(&self, dst: IpAddr) -> IpAddr {
        match dst {
            IpAddr::V4(_) if self.config.old_unicast_checksum => self.group,
            _ => dst,
        }
    }

    /// Emits the advert of an [`Action::SendAdvert`] with `priority` to `dst`
    /// into `buf`, checksum included; returns its length. The run loop uses
    /// [`poll_transmit`](Self::poll_transmit), which picks the destinations;
    /// this is for crafting adverts (tests, benches, tools).
    pub fn emit_advert(
        &self,
        priority: u8,
        dst: IpAddr,
        buf: &mut [u8],
    ) -> Result<usize, wire::Error> {
        self.emit_to(priority, &dst, buf)
    }

    /// [`emit_advert`](Self::emit_advert), the destination taken by
    /// reference (see [`poll_transmit`](Self::poll_transmit)).
    fn emit_to(&self, priority: u8, dst: &IpAddr, buf: &mut [u8]) -> Result<usize, wire::Error> {
        let pseudo = self.pseudo_header(*dst);
        self.template.emit_into(priority, buf, pseudo.as_ref())
    }

    /// The advert of an [`Action::SendAdvert`] with `priority` could not be
    /// sent (to one destination or more): it counts as a send error, not as
    /// sent. The protocol goes on as if it had been lost on the wire.
    pub fn handle_send_failure(&mut self, priority: u8) {
        self.stats.adverts_sent = self.stats.adverts_sent.saturating_sub(1);
        if priority == 0 {
            self.stats.priority_zero_sent = self.stats.priority_zero_sent.saturating_sub(1);
        }
        self.stats.adverts_send_errors += 1;
    }

    /// One announcement of a VIP ([`Action::AnnounceVips`] and its
    /// repeats: a gratuitous ARP or unsolicited NA) could not be sent: it
    /// counts as a send error. The protocol goes on; the next repeat or
    /// refresh may reach the LAN.
    pub fn handle_announce_failure(&mut self) {
        self.stats.garp_send_errors += 1;
    }

    /// A new `auth_hmac` for a running instance (a reload that rotates
    /// keys, moves the roll-out to the next mode, or adds or removes
    /// `auth_hmac`): state, timers and counters stay, and so do the last
    /// sequence sent and the last accepted from each sender, so a reload
    /// neither repeats a sequence nor lets an old advert in again. Refused
    /// (nothing changes) when the new one cannot run.
    pub fn handle_auth_hmac(&mut self, hmac: Option<HmacConfig>) -> Result<(), ConfigError> {
        let config = Config {
            auth_hmac: hmac,
            ..Config::clone(&self.config)
        };
        config.validate()?;
        self.hmac = match (&config.auth_hmac, self.hmac.take()) {
            (Some(new), Some(old)) => Some(old.reconfigured(new)?),
            (Some(new), None) => Some(HmacAuth::new(new, config.unicast_peers.len())?),
            (None, _) => None,
        };
        self.trailer = None;
        *self.config_mut() = config;
        Ok(())
    }

    // ===== time =====

    /// The wall clock now, as time since the Unix epoch: `auth_hmac` puts
    /// it in the sequence of each advert it signs, and (time mode) refuses
    /// adverts signed further than the window from it. Call it before the
    /// other `handle_*` calls when `auth_hmac` is configured; the core
    /// reads no clock. Without `auth_hmac` it does nothing.
    pub fn handle_wall_clock(&mut self, since_epoch: core::time::Duration) {
        self.wall_clock = since_epoch;
    }

    /// Moves every stored instant `by` towards the epoch.
    ///
    /// A caller that keeps time relative (the model checker: `now` is always
    /// zero) calls this when its clock advances, so no absolute timestamp
    /// grows without bound in the protocol state.
    pub fn rebase(&mut self, by: Duration) {
        if let Some(deadline) = &mut self.timer {
            deadline.at = deadline.at.saturating_sub(by);
        }
        if let Some(at) = &mut self.preempt_at {
            *at = at.saturating_sub(by);
        }
    }

    // ===== internals shared by the handlers =====

    /// The configuration, to write: every write goes through here, since
    /// a repeated advert is accepted on the checks the old one passed.
    fn config_mut(&mut self) -> &mut Config {
        self.last_accepted.forget();
        Arc::make_mut(&mut self.config)
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    fn send_advert(&mut self, priority: u8) {
        self.stats.adverts_sent += 1;
        if priority == 0 {
            self.stats.priority_zero_sent += 1;
        }
        self.push(Action::SendAdvert { priority });
    }

    fn arm(&mut self, timer: Timer, at: Instant) {
        self.timer = Some(Deadline { at, timer });
    }

    fn arm_advert(&mut self, now: Instant) {
        let interval = Duration::from_centis(u64::from(self.config.advert_interval));
        self.arm(Timer::Advert, now + interval);
    }

    fn arm_master_down(&mut self, now: Instant) {
        self.arm(Timer::MasterDown, now + self.master_down_interval());
    }

    /// Recomputes the effective priority from the base and the tracking
    /// weights. A higher priority shortens Master_Down_Interval (less skew):
    /// a running master-down timer is pulled in so it never runs longer
    /// than the new interval.
    fn update_priority(&mut self, now: Instant) {
        self.priority = self.weighted_priority();
        let limit = now + self.master_down_interval();
        if let Some(deadline) = &mut self.timer {
            if deadline.timer == Timer::MasterDown && deadline.at > limit {
                deadline.at = limit;
            }
        }
    }

    fn weighted_priority(&self) -> u8 {
        let base = self.config.priority;
        if base == PRIORITY_OWNER {
            base
        } else {
            let weighted = i64::from(base) + i64::from(self.tracking.weight);
            weighted.clamp(1, 254) as u8
        }
    }
}

impl PartialEq for Instance {
    fn eq(&self, other: &Self) -> bool {
        self.protocol_key() == other.protocol_key() && self.config == other.config
    }
}

impl Eq for Instance {}

impl Hash for Instance {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.protocol_key().hash(state);
    }
}

impl Instance {
    /// The fields that make up protocol state: everything but the counters
    /// and the constant configuration.
    #[allow(clippy::type_complexity)]
    fn protocol_key(
        &self,
    ) -> (
        State,
        u8,
        Tracking,
        Faults,
        u16,
        Option<Deadline>,
        Watch,
        Option<Instant>,
        Option<IpAddr>,
        &VecDeque<Action>,
        Option<Sending>,
    ) {
        (
            self.state,
            self.priority,
            self.tracking,
            self.faults,
            self.master_interval,
            self.timer,
            self.watch,
            self.preempt_at,
            self.master,
            &self.actions,
            self.sending,
        )
    }
}

/// The advertisement of `config`, whose virtual addresses in wire form are
/// `vips`, with `priority`.
fn advertisement<'a>(config: &Config, vips: &'a [u8], priority: u8) -> Advertisement<'a> {
    Advertisement {
        version: config.version,
        vrid: config.vrid,
        priority,
        interval: config.advert_interval,
        addresses: Addresses::new(config.family(), vips).expect("validated at construction"),
        auth: config.auth,
    }
}

#[cfg(test)]
mod test {
    use super::Instance;

    /// The layout's promise (see [`Instance`]): whole 64-byte lines, and
    /// the size the README's scale section quotes. A router holds
    /// thousands: growing it is a memory cost to measure and say.
    #[test]
    fn an_instance_is_whole_cache_lines_and_704_bytes() {
        let size = size_of::<Instance>();
        assert_eq!(align_of::<Instance>(), 64);
        assert_eq!(size % 64, 0, "{size} bytes");
        assert!(
            size <= 704,
            "{size} bytes: update the README's scale section"
        );
    }
}
