//! `instance_inputs`: arbitrary sequences of inputs against real instances.
//!
//! A [`Scenario`] is 1–3 instances, either each on its own host of one LAN
//! (they hear each other's adverts through [`Input::Deliver`]) or all in one
//! [`Router`](vrrp_core::Router) with a sync group, then up to
//! [`MAX_INPUTS`] inputs: adverts that outside peers build with the real
//! emit (some of them wrong on purpose: VRID, version, password, addresses,
//! TTL), raw bytes, time passing, link and tracking events, priority and
//! preempt commands, startup and shutdown.
//!
//! After every input the actions are drained and checked as a driver would
//! see them (module `observer`):
//!
//! - state changes chain (each `from` is the previous `to`), and every
//!   change is reported;
//! - VIPs are added only in Master, removed before Master is left, held
//!   exactly while Master, announced only while held;
//! - only a Master advertises, with its effective priority; priority 0 only
//!   on the way out of Master to Initialize (shutdown) or Fault;
//! - Fault exactly while a link, a tracked object or a sync-group sibling is
//!   down; the owner's priority stays 255 and (on its own) it is never Backup;
//! - a Master's timer is the advert timer, at most one interval away; a
//!   Backup's is the master-down timer, at most Master_Down_Interval away;
//!   no timer in Initialize or Fault; no due timer survives a timeout;
//! - every advert is accepted or dropped, counted once, and a dropped one
//!   changes nothing; a timeout before the deadline changes nothing;
//! - what a Master asks to send emits and parses back;
//! - in a Router: dispatch by VRID, one folded deadline, and a sync group
//!   that is in Fault together and never split between Master and Backup.

mod lan;
mod observer;
mod router;
mod setup;

use arbitrary::{Arbitrary, Unstructured};
use vrrp_core::wire::Version;
use vrrp_core::{Config, Instance, Received, Transmit};

pub use setup::{Host, Hosts, Shared};

/// Inputs beyond this many are not read, to keep each case fast.
pub const MAX_INPUTS: usize = 256;

/// One fuzz case.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Who runs.
    pub setup: Setup,
    /// What happens to them, in order.
    pub inputs: Vec<Input>,
}

/// How the instances are deployed.
#[derive(Clone, Debug, Arbitrary)]
pub enum Setup {
    /// Each instance on its own host, all of one virtual router on one LAN.
    Lan {
        /// Common settings.
        shared: Shared,
        /// One instance each.
        hosts: Hosts,
    },
    /// One host whose Router runs an instance per entry of `hosts`, with
    /// consecutive VRIDs.
    Router {
        /// Common settings.
        shared: Shared,
        /// One instance each.
        hosts: Hosts,
        /// All instances on one interface rather than one interface each.
        one_interface: bool,
        /// Which instances form a sync group (bit k: instance k).
        sync_group: u8,
    },
}

/// One thing that happens. Instance numbers are taken modulo the count.
#[derive(Clone, Debug, Arbitrary)]
pub enum Input {
    /// Start an instance (in a Router: all of them).
    Startup(u8),
    /// Stop an instance (in a Router: one, or all of them).
    Shutdown(u8),
    /// This many milliseconds pass, then due timers fire.
    Wait(u16),
    /// Time jumps to the earliest deadline plus `late` microseconds, and it fires.
    FireNext {
        /// How late the caller is.
        late: u16,
    },
    /// An advert from a peer outside the scenario.
    Peer(PeerAdvert),
    /// Bytes from a peer outside the scenario.
    Raw {
        /// The receiving instance.
        to: u8,
        /// The sender, one of a few addresses.
        peer: u8,
        /// The VRRP message.
        bytes: Message,
    },
    /// On a LAN: the last advert instance `from` sent reaches instance `to`,
    /// with one byte changed if `damage` says so.
    Deliver {
        /// The sender.
        from: u8,
        /// The receiver.
        to: u8,
        /// Byte index (modulo the length) and the bits to flip.
        damage: Option<(u8, u8)>,
    },
    /// An interface goes down, or (more often) up.
    Link {
        /// The instance.
        to: u8,
        /// Down rather than up.
        down: Rarely,
    },
    /// New totals from the tracked objects.
    Track {
        /// The instance.
        to: u8,
        /// Sum of the weights.
        weight: i16,
        /// A weight-0 object failed.
        failed: Rarely,
    },
    /// `Command::SetPriority` (0 is ignored by the instance).
    SetPriority {
        /// The instance.
        to: u8,
        /// New base priority.
        priority: u8,
    },
    /// `Command::SetPreempt`.
    SetPreempt {
        /// The instance.
        to: u8,
        /// Preempt or not.
        on: bool,
    },
}

/// A yes that comes about one time in five: a fault, so that random bytes
/// do not keep every instance in Fault half the time.
#[derive(Clone, Copy, Debug)]
pub struct Rarely(pub bool);

impl<'a> Arbitrary<'a> for Rarely {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(u8::arbitrary(u)? < 52))
    }
}

/// Raw bytes of a message: a length byte first (at most [`Message::MAX`]),
/// so that one raw message does not swallow the rest of the scenario as
/// `Vec`'s own rule (length read from the end) would with random input.
#[derive(Clone, Debug)]
pub struct Message(pub Vec<u8>);

impl Message {
    /// The longest raw message: the header and 15 IPv6 addresses.
    pub const MAX: u8 = 255;
}

impl<'a> Arbitrary<'a> for Message {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=Self::MAX)?;
        let bytes = u.bytes(usize::from(len).min(u.len()))?;
        Ok(Self(bytes.to_vec()))
    }
}

/// An advert built by a peer configured like the receiver, then twisted.
#[derive(Clone, Debug, Arbitrary)]
pub struct PeerAdvert {
    /// The receiving instance.
    pub to: u8,
    /// The sender, one of a few addresses below, equal to and above ours.
    pub peer: u8,
    /// The advertised priority, 0 and 255 included.
    pub priority: u8,
    /// An interval other than the receiver's.
    pub interval: Option<u16>,
    /// What is wrong with it, if anything.
    pub twist: Twist,
}

/// A deliberate difference between a peer's advert and what the receiver
/// expects; about two adverts in three have none, so that valid adverts
/// drive the state machine and the others test the receive checks.
#[derive(Clone, Copy, Debug)]
pub enum Twist {
    /// None: a well-formed advert for the receiver.
    None,
    /// Another VRID.
    OtherVrid,
    /// The other protocol version (IPv4 only).
    OtherVersion,
    /// VRRPv2: another password, or none where one is expected.
    WrongPassword,
    /// Another address list.
    OtherAddresses,
    /// This TTL instead of 255.
    Ttl(u8),
    /// Unicast to the receiver when it expects multicast, or the reverse.
    OtherDestination,
}

/// Inputs are read until the bytes run out (at most [`MAX_INPUTS`]), not
/// behind a continue-bit each as `Vec`'s rule has it: random bytes then make
/// long scenarios, not one input and a coin toss.
impl<'a> Arbitrary<'a> for Scenario {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let setup = Setup::arbitrary(u)?;
        let mut inputs = Vec::new();
        while !u.is_empty() && inputs.len() < MAX_INPUTS {
            inputs.push(Input::arbitrary(u)?);
        }
        Ok(Self { setup, inputs })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Self::arbitrary(&mut u)
    }
}

impl<'a> Arbitrary<'a> for Twist {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=169 => Self::None,
            170..=183 => Self::OtherVrid,
            184..=197 => Self::OtherVersion,
            198..=211 => Self::WrongPassword,
            212..=225 => Self::OtherAddresses,
            226..=239 => Self::Ttl(u8::arbitrary(u)?),
            240..=255 => Self::OtherDestination,
        })
    }
}

impl Scenario {
    /// Reads a scenario from fuzzer bytes, as `fuzz_target!` does.
    pub fn from_bytes(data: &[u8]) -> arbitrary::Result<Self> {
        Self::arbitrary_take_rest(Unstructured::new(data))
    }

    /// Runs the scenario; panics if an invariant fails.
    pub fn run(&self) {
        let inputs = &self.inputs;
        match &self.setup {
            Setup::Lan { shared, hosts } => lan::Lan::new(shared, hosts).run(inputs),
            Setup::Router {
                shared,
                hosts,
                one_interface,
                sync_group,
            } => router::Rig::new(shared, hosts, *one_interface, *sync_group).run(inputs),
        }
    }
}

/// Runs the target on one input; panics if a property fails.
pub fn check(data: &[u8]) {
    if let Ok(scenario) = Scenario::from_bytes(data) {
        scenario.run();
    }
}

/// The bytes of `advert`, sent by a peer to an instance configured as
/// `receiver`, and how they arrive.
pub(crate) fn peer_advert(receiver: &Config, advert: &PeerAdvert) -> (Received, Vec<u8>) {
    let family = receiver.family();
    let mut peer = receiver.clone();
    peer.primary_address = setup::peer_address(family, advert.peer);
    peer.priority = advert.priority.max(1);
    peer.unicast_peers.clear();
    if let Some(interval) = advert.interval {
        peer.advert_interval = setup::interval(peer.version, interval);
    }
    let unicast = !receiver.unicast_peers.is_empty();
    let mut rx = Received {
        src: peer.primary_address,
        dst: destination(receiver, unicast),
        ttl: vrrp_core::wire::TTL,
    };
    match advert.twist {
        Twist::None => {}
        Twist::OtherVrid => peer.vrid = peer.vrid % 255 + 1,
        Twist::OtherVersion if family == vrrp_core::wire::Family::Ipv4 => {
            peer.auth = vrrp_core::wire::Auth::None;
            peer.version = match peer.version {
                Version::V2 => Version::V3,
                Version::V3 => Version::V2,
            };
            peer.advert_interval = setup::interval(peer.version, peer.advert_interval / 100);
        }
        Twist::OtherVersion => {}
        Twist::WrongPassword if peer.version == Version::V2 => {
            peer.auth = match peer.auth {
                vrrp_core::wire::Auth::None => setup::password(0),
                vrrp_core::wire::Auth::Simple(data) => setup::password(data[0] - b'a' + 1),
                vrrp_core::wire::Auth::Ah(mut key) => {
                    key[0] ^= 1;
                    vrrp_core::wire::Auth::Ah(key)
                }
            };
        }
        Twist::WrongPassword => {}
        Twist::OtherAddresses => peer.virtual_addresses = vec![setup::vip(family, 7)],
        Twist::Ttl(ttl) => rx.ttl = ttl,
        Twist::OtherDestination => rx.dst = destination(receiver, !unicast),
    }
    let instance = Instance::new(peer).expect("a peer configured like a valid receiver");
    (rx, emit(&instance, advert.priority, rx.dst))
}

/// Where adverts to `receiver` go: its own address, or the group.
pub(crate) fn destination(receiver: &Config, unicast: bool) -> std::net::IpAddr {
    if unicast {
        receiver.primary_address
    } else {
        receiver.family().multicast()
    }
}

/// One advert's datagrams, as `poll_transmit` wrote them.
pub(crate) type Datagrams = Vec<(Transmit, Vec<u8>)>;

/// Drains `poll_transmit` after a `SendAdvert`.
pub(crate) fn transmit(mut poll: impl FnMut(&mut [u8]) -> Option<Transmit>) -> Datagrams {
    let mut buf = [0u8; 1500];
    std::iter::from_fn(|| poll(&mut buf).map(|t| (t, buf[..t.len].to_vec()))).collect()
}

/// Checks the datagrams of `instance`'s advert with `priority`: one to the
/// group, or one to each unicast peer, from our address; each parses back
/// to the advert and carries the checksum for its destination.
pub(crate) fn check_sent(instance: &Instance, priority: u8, sent: &Datagrams) {
    let config = instance.config();
    let destinations: Vec<_> = sent.iter().map(|(t, _)| t.destination).collect();
    if config.unicast_peers.is_empty() {
        assert_eq!(destinations, [instance.family().multicast()]);
    } else {
        assert_eq!(destinations, config.unicast_peers);
    }
    for (transmit, bytes) in sent {
        assert_eq!(transmit.source, config.primary_address);
        assert_eq!(bytes, &emit(instance, priority, transmit.destination));
        let packet = vrrp_core::wire::Packet::new_checked(&bytes[..]).expect("sent too short");
        let pseudo = instance.pseudo_header(transmit.destination);
        assert!(packet.verify_checksum(pseudo.as_ref()), "bad checksum sent");
    }
}

/// What `instance` sends with `priority` to `dst`; checks it parses back.
pub(crate) fn emit(instance: &Instance, priority: u8, dst: std::net::IpAddr) -> Vec<u8> {
    let advert = instance.advertisement(priority);
    let mut bytes = vec![0; advert.buffer_len()];
    let len = instance
        .emit_advert(priority, dst, &mut bytes)
        .unwrap_or_else(|e| panic!("a valid instance cannot emit its advert: {e}"));
    assert_eq!(len, bytes.len());
    let packet = vrrp_core::wire::Packet::new_checked(&bytes[..]).expect("emitted too short");
    assert_eq!(
        vrrp_core::wire::Advertisement::parse(&packet, instance.family()),
        Ok(advert),
        "an emitted advert does not parse back"
    );
    bytes
}
