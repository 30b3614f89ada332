//! What the user chooses: routers, priorities, timing, faults and their budgets.
//!
//! Everything here is immutable during a check and lives in the
//! [`VrrpModel`](crate::VrrpModel), never in the explored state.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use vrrp_core::auth_hmac::{AntiReplay, HmacConfig, Key, Mode};
use vrrp_core::time::Instant;
use vrrp_core::wire::{Auth, Version};
use vrrp_core::{Config, Instance, Tracking};

/// One model tick, the unit of `--delay`: one centisecond, VRRPv3's unit of
/// interval (RFC 9568 §5.2.7), in the core's microseconds.
pub const DEFAULT_TICK_US: u64 = 10_000;

/// The VRID every router runs.
pub const VRID: u8 = 51;

/// How many times the environment may inject each kind of disturbance.
///
/// Budgets are spent and never refilled, so after the last disturbance the
/// model runs fault-free forever and the bounded-liveness properties apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Budget {
    /// Changes of the set partition of the LAN (a cut or a heal).
    pub partitions: u8,
    /// Priority toggles: a tracked object (HAProxy) dies or comes back.
    pub toggles: u8,
    /// Silent crashes (the process dies; no priority 0).
    pub crashes: u8,
    /// Graceful shutdowns (a Master sends priority 0).
    pub shutdowns: u8,
    /// Link failures: an interface goes down (the core enters Fault). Like a
    /// restart after a crash, the link may come back at any time for free.
    pub links: u8,
    /// Adverts that may be lost, anywhere and at any time. A loss is noise
    /// VRRP must tolerate, not a disturbance: it does not reset the quiet clock.
    pub losses: u8,
    /// Replays by a forger on the segment: an advert it captured, delivered
    /// again to a router that already had it or a newer one of the same
    /// sender (README, "Forger"). Like a loss, not a disturbance.
    pub replays: u8,
}

/// A deliberate defect for the must-fail tests: proof that the checker can
/// see a broken VRRP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// A Backup drops every advert of a higher priority than its own before
    /// the core sees it.
    BackupIgnoresHigherPriority,
    /// The host cuts a router off when its link goes down but never calls
    /// `handle_link`: a daemon that misses the interface event.
    LinkEventIgnored,
    /// A router's link goes down but the packets in flight to and from it
    /// stay on the wire.
    LinkDownKeepsFrames,
    /// Every router runs with keepalived's `lower_prio_no_advert`: a Master
    /// does not answer a lower-priority Master (RFC 9568 §6.4.3 does).
    LowerPrioNoAdvert,
    /// The host of a stopping Master exits before its priority-0 advert is
    /// on the wire (a daemon that does not flush on SIGTERM).
    SilentShutdown,
    /// A Master drops priority-0 adverts before its core sees them.
    MasterIgnoresStop,
    /// The host hands adverts to the core with a receive time one tick
    /// late (a timestamp taken after a batch, not at arrival).
    LateClock,
    /// Router 0's host clock runs 10 % fast (a drifting virtual machine):
    /// its timers expire after 10/11 of their time. Its core arms them as
    /// the RFC says, but a lower Backup that runs early by more than the
    /// gap between two Skew_Times wins the takeover race.
    FastClock,
    /// The host reloads `auth_hmac` just before a replayed advert arrives,
    /// and rebuilds it (`handle_auth_hmac(None)`, then `Some`) instead of
    /// handing the new configuration over: the core's anti-replay state
    /// (the last sequence accepted from each sender) is lost, and the
    /// replay passes.
    ReloadForgetsReplay,
}

/// `auth_hmac` on every router: one shared key, enforce mode, and this
/// anti-replay mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HmacMode {
    /// Time mode, keepalived's default window (three intervals, at least
    /// 5 s): the sequence must be fresh and grow per sender.
    Time,
    /// Monotonic mode: the sequence must grow per sender.
    Monotonic,
}

/// The wall clock the model's routers start at, since the Unix epoch
/// (2026-12-07 00:00:00 UTC); each router is given this plus model time
/// through `Instance::handle_wall_clock`.
pub const WALL_EPOCH_SECS: u64 = 1_796_601_600;

/// The key every router signs and verifies with (32 bytes, id 1).
const HMAC_KEY: &[u8; 32] = b"vrrp-model forger test key 32 by";

/// One router's own settings, read from a deployment's files (`verify`):
/// they replace the uniform ones of [`Setup`] for that router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSettings {
    /// Its core configuration, in the model's addresses ([`Setup::address`]).
    pub config: Config,
    /// What its tracked objects say while all are up.
    pub healthy: Tracking,
    /// What they say while its toggled object is down.
    pub degraded: Tracking,
}

/// A model configuration. [`Setup::new`] gives the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Base priority of each router; the length is the number of routers.
    /// Router `i` has the primary address 192.0.2.(i+1).
    pub priorities: Vec<u8>,
    /// VRRPv3 or VRRPv2 (then `advert` must be whole seconds).
    pub version: Version,
    /// Advertisement interval of each router in centiseconds (usually all equal).
    pub advert: Vec<u16>,
    /// Whether the routers preempt.
    pub preempt: bool,
    /// The model tick in microseconds.
    pub tick_us: u64,
    /// Fastest delivery, in ticks.
    pub delay_min: u64,
    /// Slowest delivery, in ticks: a packet is delivered (or lost) by then.
    pub delay_max: u64,
    /// How much a toggled tracked object takes off the priority.
    pub weight: u8,
    /// Disturbance budgets.
    pub budget: Budget,
    /// Lossy links without end: any number of adverts may be lost, but at
    /// most this many in a row on one directed link. Like
    /// [`Budget::losses`], noise rather than a disturbance. `None`: only the
    /// budgeted losses. (Far more states: practical for two routers.)
    pub loss_run: Option<u8>,
    /// A deliberate defect, for must-fail tests.
    pub mutation: Option<Mutation>,
    /// Override of the derived convergence bound, in microseconds (for
    /// measuring how tight the derived one is).
    pub t_conv_us: Option<u64>,
    /// Per-router settings that replace the uniform ones (empty: none).
    pub hosts: Vec<HostSettings>,
    /// `auth_hmac` on every router, or none.
    pub auth_hmac: Option<HmacMode>,
}

impl Setup {
    /// `routers` VRRPv3 routers with priorities 100, 150, 200, 250, ...,
    /// advert interval `advert_cs`, preempt on, delivery within 0..=2 ticks,
    /// no faults.
    pub fn new(routers: usize, advert_cs: u16) -> Self {
        let priorities = (0..routers)
            .map(|i| u8::try_from(100 + 50 * i).unwrap_or(254).min(254))
            .collect();
        Self {
            priorities,
            version: Version::V3,
            advert: vec![advert_cs; routers],
            preempt: true,
            tick_us: DEFAULT_TICK_US,
            delay_min: 0,
            delay_max: 2,
            weight: 50,
            budget: Budget::default(),
            loss_run: None,
            mutation: None,
            t_conv_us: None,
            hosts: Vec::new(),
            auth_hmac: None,
        }
    }

    /// The number of routers.
    pub fn routers(&self) -> usize {
        self.priorities.len()
    }

    /// Router `i`'s primary address: 192.0.2.(i+1).
    pub fn address(i: usize) -> IpAddr {
        let host = u8::try_from(i + 1).expect("at most 254 routers");
        Ipv4Addr::new(192, 0, 2, host).into()
    }

    /// The virtual address all routers protect.
    pub fn vip() -> IpAddr {
        Ipv4Addr::new(192, 0, 2, 100).into()
    }

    /// The core configuration of router `i`.
    pub fn config(&self, i: usize) -> Config {
        if let Some(host) = self.hosts.get(i) {
            let mut config = host.config.clone();
            // IPsec AH puts the IPv4 header and an Authentication Header in
            // front of the advert, which the model's frames do not carry.
            // For the election it is the password under another name: the
            // same key accepts, another drops (`verify` reports a mismatch
            // itself); so the model runs it as one.
            if let Auth::Ah(key) = config.auth {
                config.auth = Auth::Simple(key);
            }
            return config;
        }
        let mut config = Config::new(VRID, Self::address(i), vec![Self::vip()]);
        config.version = self.version;
        config.priority = self.priorities[i];
        config.advert_interval = self.advert[i];
        config.preempt = self.preempt;
        if self.version == Version::V2 {
            config.auth = Auth::None;
        }
        config.lower_prio_no_advert = self.mutation == Some(Mutation::LowerPrioNoAdvert);
        config.auth_hmac = self.hmac_config(self.advert[i]);
        config
    }

    /// The `auth_hmac` of a router with this advert interval, if any.
    pub fn hmac_config(&self, advert_cs: u16) -> Option<HmacConfig> {
        let anti_replay = match self.auth_hmac? {
            HmacMode::Time => AntiReplay::default_for(advert_cs),
            HmacMode::Monotonic => AntiReplay::Monotonic,
        };
        Some(HmacConfig {
            keys: vec![Key {
                id: 1,
                bytes: HMAC_KEY.to_vec(),
            }],
            active_key: 1,
            mode: Mode::Enforce,
            anti_replay,
        })
    }

    /// A fresh, stopped core instance for router `i`.
    ///
    /// # Panics
    /// If the configuration is one the core refuses.
    pub fn instance(&self, i: usize) -> Instance {
        let mut instance =
            Instance::new(self.config(i)).unwrap_or_else(|e| panic!("router {i}: {e}"));
        instance.handle_tracking(Instant::ZERO, self.tracking(i, false));
        while instance.poll_action().is_some() {}
        instance
    }

    /// What router `i`'s tracked objects say while its toggled one is down
    /// (`degraded`) or up.
    pub fn tracking(&self, i: usize, degraded: bool) -> Tracking {
        match self.hosts.get(i) {
            Some(host) if degraded => host.degraded,
            Some(host) => host.healthy,
            None if degraded => Tracking {
                weight: -i32::from(self.weight),
                failed: false,
            },
            None => Tracking::default(),
        }
    }

    /// Whether router `i`'s adverts go to router `j`: always, unless `i`
    /// sends unicast to a list of peers that leaves `j` out.
    pub fn sends_to(&self, i: usize, j: usize) -> bool {
        self.hosts.get(i).is_none_or(|host| {
            let peers = &host.config.unicast_peers;
            peers.is_empty() || peers.contains(&Self::address(j))
        })
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.budget;
        write!(
            f,
            "{} routers {:?}, {:?}, advert {:?} cs, preempt {}, tick {} us, delay {}..={} ticks, \
             weight {}, budget partitions {} toggles {} crashes {} shutdowns {} links {} losses {} \
             replays {}, loss run {}",
            self.routers(),
            self.priorities,
            self.version,
            self.advert,
            self.preempt,
            self.tick_us,
            self.delay_min,
            self.delay_max,
            self.weight,
            b.partitions,
            b.toggles,
            b.crashes,
            b.shutdowns,
            b.links,
            b.losses,
            b.replays,
            self.loss_run.map_or("none".to_string(), |n| n.to_string()),
        )?;
        if let Some(mode) = self.auth_hmac {
            write!(f, ", auth_hmac {mode:?}")?;
        }
        if let Some(m) = self.mutation {
            write!(f, ", mutation {m:?}")?;
        }
        Ok(())
    }
}
