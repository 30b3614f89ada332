//! What an [`Instance`](crate::Instance) is told once, at construction.

use std::net::IpAddr;

use crate::auth_hmac::{HmacConfig, HmacConfigError};
use crate::time::Duration;
use crate::wire::{self, Auth, Family, Version};

/// Priority of the router that owns the virtual addresses (RFC 9568 §6.1).
pub const PRIORITY_OWNER: u8 = 255;
/// Priority advertised by a Master that stops (RFC 9568 §6.1).
pub const PRIORITY_STOP: u8 = 0;
/// The default priority of a backup (RFC 9568 §6.1).
pub const PRIORITY_DEFAULT: u8 = 100;

/// Configuration of one virtual router: one VRID, one address family.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// VRRPv3 (RFC 9568) or VRRPv2 (RFC 3768, IPv4 only).
    pub version: Version,
    /// Virtual Router Identifier, 1..=255.
    pub vrid: u8,
    /// Base priority: 1..=254 for a backup, 255 for the address owner.
    pub priority: u8,
    /// Advertisement interval in centiseconds (v3: 1..=4095; v2: whole seconds,
    /// so a multiple of 100 up to 25500).
    pub advert_interval: u16,
    /// Whether a higher-priority Backup preempts a lower-priority Master.
    pub preempt: bool,
    /// How long a Backup keeps accepting a lower-priority Master before it
    /// preempts (keepalived's `preempt_delay`). Zero preempts at once.
    pub preempt_delay: Duration,
    /// Accept mode (RFC 9568 §6.1): whether a non-owner Master accepts packets
    /// addressed to the virtual addresses. The driver enforces it.
    pub accept_mode: bool,
    /// Our primary address on the interface: the advert source and the
    /// tie-breaker between equal priorities. IPv6: the link-local address.
    pub primary_address: IpAddr,
    /// The virtual addresses, all of the instance's family: 1..=255 of
    /// them, or none at all in VRRPv2.
    pub virtual_addresses: Vec<IpAddr>,
    /// VRRPv2 authentication (keepalived's `auth_type PASS` and
    /// `auth_type AH`, the latter over IPv4 only); v3 has none.
    pub auth: Auth,
    /// Unicast peers (keepalived's `unicast_peer`). Empty: multicast.
    pub unicast_peers: Vec<IpAddr>,
    /// Compute VRRPv3-over-IPv4 checksums without the pseudo-header
    /// (keepalived's `v3_checksum_as_v2`).
    pub v3_checksum_as_v2: bool,
    /// Accept VRRPv3-over-IPv4 checksums only in the form we send. Off (the
    /// default): both forms are accepted, each counted in
    /// [`Statistics`](crate::Statistics), as RFC 9568 §5.2.8 is read both ways.
    pub strict_checksum: bool,
    /// Drop adverts whose address list differs from ours, unless sent by the
    /// owner (RFC 3768 §7.1 MUST, RFC 9568 §7.1 MAY).
    pub check_address_list: bool,
    /// keepalived's `skip_check_adv_addr` (vrrp.c, `vrrp_state_backup`): a
    /// Backup does not check the address list of an advert from the Master
    /// it already follows; the first advert from a new Master is checked.
    pub skip_check_from_master: bool,
    /// keepalived's `no_virtual_ipaddress`: VRRPv3 runs without a virtual
    /// address, against RFC 9568 §5.2.5 ("at least one"), for addresses
    /// moved by other means (a cloud's API, a notify script).
    pub allow_no_addresses: bool,
    /// Do not answer a lower-priority Master's advert (keepalived's
    /// `lower_prio_no_advert`). Off by default: RFC 9568 §6.4.3 sends an
    /// advert at once.
    pub lower_prio_no_advert: bool,
    /// Send one advert before yielding to a higher-priority Master
    /// (keepalived's `higher_prio_send_advert`). Off by default: RFC 9568
    /// §6.4.3 yields silently.
    pub higher_prio_send_advert: bool,
    /// Authenticated adverts (keepalived 2.4's `auth_hmac`), v2 and v3;
    /// exclusive with the VRRPv2 password.
    pub auth_hmac: Option<HmacConfig>,
    /// Advert intervals a Backup waits for before it takes over:
    /// Master_Down_Interval = this × Master_Adver_Interval + Skew_Time.
    /// RFC 9568 §6.1 and RFC 3768 §6.1 say 3; keepalived's
    /// `down_timer_adverts` allows 1..=100.
    pub down_timer_adverts: u8,
    /// keepalived's `old_unicast_checksum`: VRRPv3-over-IPv4 checksums of
    /// adverts sent to and received from unicast peers cover the multicast
    /// group ([`Config::group`]) in the pseudo-header instead of the
    /// destination, as keepalived
    /// 1.3.6 and earlier computed them. Off by default (RFC 9568 §5.2.8).
    pub old_unicast_checksum: bool,
    /// keepalived's default (unless `old_unicast_checksum never`): a
    /// unicast VRRPv3-over-IPv4 instance takes up
    /// [`Config::old_unicast_checksum`] for good when a peer's advert fails
    /// the checksum and passes it in the old form (keepalived 2.4.3 vrrp.c,
    /// `CHKSUM_COMPATIBILITY_AUTO`), and says so with
    /// [`Action::OldUnicastChecksum`](crate::Action::OldUnicastChecksum).
    /// Off by default: RFC 9568 §5.2.8 knows one form.
    pub learn_old_unicast_checksum: bool,
    /// The multicast group adverts go to, and the only one whose adverts
    /// are accepted (keepalived's `mcast_dst_ip`, `vrrp_mcast_group4`,
    /// `vrrp_mcast_group6`). `None`: VRRP's own, 224.0.0.18 or ff02::12
    /// (RFC 9568 §5.1.1.2, §5.1.2.2).
    pub multicast_group: Option<IpAddr>,
    /// TTL / hop limit of unicast adverts (keepalived's `unicast_ttl`).
    /// `None`: 255, as RFC 9568 §5.1.1.3 sets it for every advert.
    pub unicast_ttl: Option<u8>,
    /// The TTLs accepted from unicast peers (keepalived's `unicast_peer {
    /// ADDR min_ttl N max_ttl M }` under `check_unicast_src`); a peer not
    /// listed is accepted with any TTL, as keepalived accepts it.
    pub peer_ttl: Vec<PeerTtl>,
}

/// The TTLs / hop limits accepted from one unicast peer: `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerTtl {
    /// The peer's address, one of [`Config::unicast_peers`].
    pub peer: IpAddr,
    /// The lowest TTL accepted.
    pub min: u8,
    /// The highest TTL accepted.
    pub max: u8,
}

/// The RFC's Master_Down_Interval in advert intervals (RFC 9568 §6.1).
pub const DOWN_TIMER_ADVERTS: u8 = 3;

/// A configuration the protocol cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// VRID 0 is reserved.
    #[error("virtual router id must be 1..=255, not 0")]
    ZeroVrid,
    /// Priority 0 is reserved for the Master that stops.
    #[error("priority must be 1..=255, not 0")]
    ZeroPriority,
    /// The interval does not fit the version's field.
    #[error("advert interval {0} cs does not fit: v3 takes 1..=4095 cs, v2 whole seconds 1..=255")]
    BadInterval(u16),
    /// VRRPv2 carries IPv4 only.
    #[error("VRRPv2 carries IPv4 only")]
    Version2WithIpv6,
    /// The virtual address list is longer than 255, or empty in VRRPv3
    /// (RFC 9568 §5.2.5: at least one; RFC 3768 sets no minimum, and
    /// keepalived runs a VRRPv2 instance without any).
    #[error("a virtual router needs at most 255 virtual addresses, and VRRPv3 at least one")]
    AddressCount,
    /// An address (virtual, peer) is of another family than the primary address.
    #[error("{0} is not of the instance's address family")]
    MixedFamilies(IpAddr),
    /// VRRPv3 has no authentication (RFC 9568 §9).
    #[error("VRRPv3 has no authentication")]
    AuthWithVersion3,
    /// IPsec AH authenticates VRRPv2 over IPv4 only (keepalived refuses it
    /// with IPv6 and with VRRPv3).
    #[error("IPsec AH authentication needs VRRPv2 over IPv4")]
    AhNeedsVersion2Ipv4,
    /// `auth_hmac` cannot run.
    #[error(transparent)]
    AuthHmac(#[from] HmacConfigError),
    /// `auth_hmac` and a VRRPv2 password at once (keepalived drops the
    /// password).
    #[error("auth_hmac and a VRRPv2 password are exclusive")]
    AuthHmacWithPassword,
    /// The Master_Down_Interval's advert count is outside 1..=100
    /// (keepalived's range).
    #[error("down timer adverts must be 1..=100, not {0}")]
    DownTimerAdverts(u8),
    /// The multicast group is not a multicast address of the instance's
    /// family.
    #[error("{0} is not a multicast group of the instance's address family")]
    NotMulticast(IpAddr),
}

impl Config {
    /// A VRRPv3 backup with the RFC's defaults: priority 100, 1 s interval,
    /// preempt on, accept mode off.
    pub fn new(vrid: u8, primary_address: IpAddr, virtual_addresses: Vec<IpAddr>) -> Self {
        Self {
            version: Version::V3,
            vrid,
            priority: PRIORITY_DEFAULT,
            advert_interval: 100,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept_mode: false,
            primary_address,
            virtual_addresses,
            auth: Auth::None,
            unicast_peers: Vec::new(),
            v3_checksum_as_v2: false,
            strict_checksum: false,
            check_address_list: true,
            skip_check_from_master: false,
            allow_no_addresses: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            auth_hmac: None,
            down_timer_adverts: DOWN_TIMER_ADVERTS,
            old_unicast_checksum: false,
            learn_old_unicast_checksum: false,
            multicast_group: None,
            unicast_ttl: None,
            peer_ttl: Vec::new(),
        }
    }

    /// The address family, that of the primary address.
    pub fn family(&self) -> Family {
        Family::of(&self.primary_address)
    }

    /// The multicast group adverts go to: [`multicast_group`](Self::multicast_group),
    /// else VRRP's own for the family.
    pub fn group(&self) -> IpAddr {
        self.multicast_group
            .unwrap_or_else(|| self.family().multicast())
    }

    /// Whether this router owns the virtual addresses (priority 255).
    pub fn is_owner(&self) -> bool {
        self.priority == PRIORITY_OWNER
    }

    /// Checks everything [`Instance::new`](crate::Instance::new) relies on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.vrid == 0 {
            return Err(ConfigError::ZeroVrid);
        }
        if self.priority == PRIORITY_STOP {
            return Err(ConfigError::ZeroPriority);
        }
        let interval_ok = match self.version {
            Version::V3 => (1..=4095).contains(&self.advert_interval),
            Version::V2 => {
                self.advert_interval % 100 == 0 && (100..=25_500).contains(&self.advert_interval)
            }
        };
        if !interval_ok {
            return Err(ConfigError::BadInterval(self.advert_interval));
        }
        if !(1..=100).contains(&self.down_timer_adverts) {
            return Err(ConfigError::DownTimerAdverts(self.down_timer_adverts));
        }
        let family = self.family();
        if self.auth.is_ah() && (self.version != Version::V2 || family != Family::Ipv4) {
            return Err(ConfigError::AhNeedsVersion2Ipv4);
        }
        if self.version == Version::V2 && family == Family::Ipv6 {
            return Err(ConfigError::Version2WithIpv6);
        }
        if self.version == Version::V3 && self.auth != Auth::None {
            return Err(ConfigError::AuthWithVersion3);
        }
        if let Some(hmac) = &self.auth_hmac {
            hmac.validate()?;
            if self.auth != Auth::None {
                return Err(ConfigError::AuthHmacWithPassword);
            }
        }
        let none = self.virtual_addresses.is_empty()
            && self.version == Version::V3
            && !self.allow_no_addresses;
        if none || self.virtual_addresses.len() > 255 {
            return Err(ConfigError::AddressCount);
        }
        if let Some(group) = self.multicast_group
            && (!group.is_multicast() || Family::of(&group) != family)
        {
            return Err(ConfigError::NotMulticast(group));
        }
        let foreign = self
            .virtual_addresses
            .iter()
            .chain(&self.unicast_peers)
            .find(|a| Family::of(a) != family);
        match foreign {
            Some(addr) => Err(ConfigError::MixedFamilies(*addr)),
            None => Ok(()),
        }
    }

    /// The virtual addresses in wire form, kept once so no advert allocates.
    pub(crate) fn encoded_addresses(&self) -> Vec<u8> {
        wire::encode_addresses(&self.virtual_addresses, self.family())
            .expect("validate() checked the family and count")
    }
}

#[cfg(test)]
mod test {
    use std::net::Ipv4Addr;

    use super::*;

    fn v2(virtual_addresses: Vec<IpAddr>) -> Config {
        Config {
            version: Version::V2,
            ..Config::new(1, Ipv4Addr::new(192, 0, 2, 1).into(), virtual_addresses)
        }
    }

    /// Found by the `config_parse` fuzz target: keepalived.conf accepts a
    /// VRRPv2 instance without `virtual_ipaddress` (with a warning, as
    /// keepalived does), and the core then refused to build it.
    #[test]
    fn version_2_runs_without_virtual_addresses_and_version_3_does_not() {
        assert_eq!(v2(vec![]).validate(), Ok(()));
        let v3 = Config::new(1, Ipv4Addr::new(192, 0, 2, 1).into(), vec![]);
        assert_eq!(v3.validate(), Err(ConfigError::AddressCount));
        let allowed = Config {
            allow_no_addresses: true,
            ..v3
        };
        assert_eq!(allowed.validate(), Ok(()));
        let too_many = (0..=255u8)
            .map(|i| Ipv4Addr::new(198, 51, 100, i).into())
            .collect();
        assert_eq!(v2(too_many).validate(), Err(ConfigError::AddressCount));
    }

    #[test]
    fn a_version_2_instance_without_virtual_addresses_advertises_an_empty_list() {
        empty_list_is_sent_and_heard(v2(vec![]), 16);
    }

    /// keepalived's `no_virtual_ipaddress` with VRRPv3: the header alone.
    #[test]
    fn a_version_3_instance_allowed_no_addresses_advertises_an_empty_list() {
        let v3 = Config {
            allow_no_addresses: true,
            ..Config::new(1, Ipv4Addr::new(192, 0, 2, 1).into(), vec![])
        };
        empty_list_is_sent_and_heard(v3, 8);
    }

    /// `config` alone becomes Master, sends `len` bytes with no address,
    /// and a Backup configured alike accepts them.
    fn empty_list_is_sent_and_heard(config: Config, len: usize) {
        use crate::time::Instant;
        use crate::wire::{MULTICAST_V4, TTL};
        use crate::{Instance, Received, State};

        let mut alone = Instance::new(config.clone()).unwrap();
        alone.handle_startup(Instant::ZERO);
        while alone.poll_action().is_some() {}
        let deadline = alone.poll_timeout().unwrap().at;
        alone.handle_timeout(deadline);
        while alone.poll_action().is_some() {}
        assert_eq!(alone.state(), State::Master);

        let mut buf = [0; 64];
        let sent = alone
            .emit_advert(100, MULTICAST_V4.into(), &mut buf)
            .unwrap();
        assert_eq!(
            (sent, buf[3]),
            (len, 0),
            "header (and auth data), no address"
        );
        let mut peer = Instance::new(Config {
            primary_address: Ipv4Addr::new(192, 0, 2, 2).into(),
            priority: 50,
            ..config
        })
        .unwrap();
        peer.handle_startup(Instant::ZERO);
        let rx = Received {
            src: alone.config().primary_address,
            dst: MULTICAST_V4.into(),
            ttl: TTL,
        };
        assert!(peer.handle_advert(Instant::ZERO, &rx, &buf[..sent]));
    }
}
