//! Who is on the LAN: addresses, and the configuration of each instance,
//! drawn from the fuzzer's choices and made valid.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::{Arbitrary, Unstructured};
use vrrp_core::Config;
use vrrp_core::time::Duration;
use vrrp_core::wire::{Auth, Family, Version};

/// What every instance of the scenario has in common.
#[derive(Clone, Debug, Arbitrary)]
pub struct Shared {
    /// IPv6 (VRRPv3 only) instead of IPv4.
    pub ipv6: bool,
    /// VRRPv2 instead of VRRPv3 (IPv4 only).
    pub v2: bool,
    /// The VRID (0 becomes 1); in a Router, instance k takes the k-th after it.
    pub vrid: u8,
    /// The advert interval, folded into the version's range.
    pub interval: u16,
    /// 1–3 virtual addresses.
    pub vip_count: u8,
    /// VRRPv2: a simple password, one of a few.
    pub password: Option<u8>,
    /// No address-list check at all ([`Config::check_address_list`] off).
    pub skip_address_check: bool,
    /// keepalived's `v3_checksum_as_v2`.
    pub v3_checksum_as_v2: bool,
    /// Unicast peers instead of the multicast group.
    pub unicast: bool,
    /// Accept only the VRRPv3-over-IPv4 checksum form we send.
    pub strict_checksum: bool,
}

/// What one instance has of its own.
#[derive(Clone, Debug, Arbitrary)]
pub struct Host {
    /// Base priority (0 becomes 1; 255 is the address owner).
    pub priority: u8,
    /// keepalived's `nopreempt`.
    pub nopreempt: bool,
    /// keepalived's `preempt_delay`, in tenths of a second (none: 0).
    pub preempt_delay: Option<u8>,
    /// Accept mode.
    pub accept: bool,
    /// An advert interval other than the shared one (VRRPv3 learns the Master's).
    pub own_interval: Option<u16>,
    /// keepalived's `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// keepalived's `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
}

/// One to three hosts.
#[derive(Clone, Debug)]
pub struct Hosts(pub Vec<Host>);

impl<'a> Arbitrary<'a> for Hosts {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let count = u.int_in_range(1..=3)?;
        (0..count)
            .map(|_| Host::arbitrary(u))
            .collect::<arbitrary::Result<_>>()
            .map(Self)
    }
}

/// Source addresses of peers outside the scenario: some below, some equal
/// to, some above the hosts' own (for the equal-priority tie break).
const PEER_HOSTS: [u8; 8] = [5, 10, 15, 20, 25, 30, 35, 250];

/// Peers that unicast instances list; the others get `unicast_source_errors`.
const UNICAST_PEERS: [u8; 2] = [0, 2];

impl Shared {
    pub(crate) fn family(&self) -> Family {
        if self.ipv6 {
            Family::Ipv6
        } else {
            Family::Ipv4
        }
    }

    pub(crate) fn version(&self) -> Version {
        if self.v2 && !self.ipv6 {
            Version::V2
        } else {
            Version::V3
        }
    }

    pub(crate) fn vrid(&self, k: usize) -> u8 {
        let k = u16::try_from(k).expect("at most 3 instances");
        let vrid = (u16::from(self.vrid.max(1)) - 1 + k) % 255 + 1;
        u8::try_from(vrid).expect("1..=255")
    }

    /// The configuration of instance `k` (0..3), primary address `primary`.
    pub(crate) fn config(&self, host: &Host, k: usize, vrid: u8, primary: IpAddr) -> Config {
        let family = self.family();
        let version = self.version();
        let vips = (0..1 + self.vip_count % 3)
            .map(|i| vip(family, i))
            .collect();
        let mut config = Config::new(vrid, primary, vips);
        config.version = version;
        config.priority = host.priority.max(1);
        config.advert_interval = interval(version, host.own_interval.unwrap_or(self.interval));
        config.preempt = !host.nopreempt;
        config.preempt_delay =
            Duration::from_millis(u64::from(host.preempt_delay.unwrap_or(0)) * 100);
        config.accept_mode = host.accept;
        config.check_address_list = !self.skip_address_check;
        config.v3_checksum_as_v2 = self.v3_checksum_as_v2;
        config.strict_checksum = self.strict_checksum;
        config.lower_prio_no_advert = host.lower_prio_no_advert;
        config.higher_prio_send_advert = host.higher_prio_send_advert;
        if version == Version::V2 {
            config.auth = self.password.map_or(Auth::None, password);
        }
        if self.unicast {
            config.unicast_peers = (0..3)
                .filter(|&other| other != k)
                .map(|other| host_address(family, other))
                .chain(UNICAST_PEERS.iter().map(|&p| peer_address(family, p)))
                .collect();
        }
        config
    }
}

/// An interval the version can carry: VRRPv3 1..=4095 cs, VRRPv2 whole seconds.
pub(crate) fn interval(version: Version, raw: u16) -> u16 {
    match version {
        Version::V3 => 1 + raw % 4095,
        Version::V2 => (1 + raw % 255) * 100,
    }
}

/// One of four passwords.
pub(crate) fn password(choice: u8) -> Auth {
    Auth::simple(&[b'a' + choice % 4; 8])
}

/// Host k's primary address: 192.0.2.10, .20, .30 or fe80::10, ::20, ::30.
pub(crate) fn host_address(family: Family, k: usize) -> IpAddr {
    address(family, 10 * (u8::try_from(k).expect("at most 3 hosts") + 1))
}

/// The source address of outside peer `p`.
pub(crate) fn peer_address(family: Family, p: u8) -> IpAddr {
    address(family, PEER_HOSTS[usize::from(p) % PEER_HOSTS.len()])
}

fn address(family: Family, host: u8) -> IpAddr {
    match family {
        Family::Ipv4 => Ipv4Addr::new(192, 0, 2, host).into(),
        Family::Ipv6 => Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(host)).into(),
    }
}

/// The i-th virtual address: 192.0.2.100 + i or 2001:db8::100 + i.
pub(crate) fn vip(family: Family, i: u8) -> IpAddr {
    match family {
        Family::Ipv4 => Ipv4Addr::new(192, 0, 2, 100 + i).into(),
        Family::Ipv6 => Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100 + u16::from(i)).into(),
    }
}
