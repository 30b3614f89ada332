//! Per-instance statistics, named after the RFC 6527 (VRRPv3 MIB) counters.
//!
//! Kept apart from protocol state: counters grow forever, and the model
//! checker hashes the protocol state only.

/// Why this router last became Master (`vrrpv3StatisticsNewMasterReason`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MasterReason {
    /// Never Master.
    #[default]
    NotMaster,
    /// It owns the addresses (priority 255).
    Priority,
    /// It preempted a lower-priority Master.
    Preempted,
    /// The Master stopped advertising (or announced priority 0).
    MasterNoResponse,
}

/// The last protocol error seen (`vrrpv3StatisticsProtoErrReason`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProtocolError {
    /// No error yet.
    #[default]
    None,
    /// TTL or hop limit was not 255.
    IpTtl,
    /// Version field differs from ours.
    Version,
    /// Checksum did not verify.
    Checksum,
    /// VRID not ours.
    VrId,
}

/// Counters of one virtual router. Every received advert moves either
/// `adverts_received` or `adverts_dropped`; a drop also moves exactly one
/// error counter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Statistics {
    /// Valid advertisements received (`vrrpv3StatisticsRcvdAdvertisements`).
    pub adverts_received: u64,
    /// Adverts dropped by the receive checks, whatever the check; each drop
    /// also moves exactly one of the error counters below.
    pub adverts_dropped: u64,
    /// Advertisements sent (priority 0 included): those the caller handed
    /// to the network, less those it reported as not sent
    /// ([`Instance::handle_send_failure`](crate::Instance::handle_send_failure)).
    pub adverts_sent: u64,
    /// Advertisements the network refused (a failed send), not in
    /// `adverts_sent`.
    pub adverts_send_errors: u64,
    /// Gratuitous ARPs / unsolicited NAs of its VIPs that were due but not
    /// sent: the kernel refused them, or their interface was gone
    /// ([`Instance::handle_announce_failure`](crate::Instance::handle_announce_failure)).
    pub garp_send_errors: u64,
    /// Times this router became Master (`vrrpv3StatisticsMasterTransitions`).
    pub master_transitions: u64,
    /// Why it last became Master.
    pub new_master_reason: MasterReason,
    /// Priority-0 adverts received (`vrrpv3StatisticsRcvdPriZeroPackets`).
    pub priority_zero_received: u64,
    /// Priority-0 adverts sent (`vrrpv3StatisticsSentPriZeroPackets`).
    pub priority_zero_sent: u64,
    /// Adverts whose checksum failed (`vrrpv3RouterChecksumErrors`).
    pub checksum_errors: u64,
    /// Accepted VRRPv3-over-IPv4 adverts whose checksum covers the IPv4
    /// pseudo-header (keepalived's, FRR's and Wireshark's default).
    pub checksum_with_pseudo_header: u64,
    /// Accepted VRRPv3-over-IPv4 adverts whose checksum leaves it out
    /// (keepalived's `v3_checksum_as_v2`, Cisco).
    pub checksum_without_pseudo_header: u64,
    /// Adverts of another version (`vrrpv3RouterVersionErrors`).
    pub version_errors: u64,
    /// Adverts for another VRID (`vrrpv3RouterVrIdErrors`).
    pub vrid_errors: u64,
    /// Multicast adverts with TTL or hop limit below 255 (`vrrpv3StatisticsIpTtlErrors`).
    pub ip_ttl_errors: u64,
    /// Packets of a type other than ADVERTISEMENT (`vrrpv3StatisticsRcvdInvalidTypePackets`).
    pub invalid_type_errors: u64,
    /// Address lists that differ from ours (`vrrpv3StatisticsAddressListErrors`).
    pub address_list_errors: u64,
    /// Truncated or overlong packets (`vrrpv3StatisticsPacketLengthErrors`).
    pub packet_length_errors: u64,
    /// Adverts with another interval (`vrrpv3StatisticsAdvIntervalErrors`):
    /// dropped in v2, counted but used in v3.
    pub advert_interval_errors: u64,
    /// VRRPv2 adverts whose password differs, or (`auth_type AH`) whose
    /// ICV does not verify (`vrrpStatsAuthFailures`, RFC 2787).
    pub auth_failures: u64,
    /// VRRPv2 adverts with an unknown auth type (`vrrpStatsInvalidAuthType`).
    pub invalid_auth_type: u64,
    /// VRRPv2 adverts with a known auth type other than ours (`vrrpStatsAuthTypeMismatch`).
    pub auth_type_mismatch: u64,
    /// Unicast-mode adverts from an address that is not a configured peer.
    pub unicast_source_errors: u64,
    /// `auth_type AH`: adverts whose SPI is not their source address
    /// (keepalived counts them as authentication failures).
    pub ah_bad_spi: u64,
    /// `auth_type AH`: adverts whose sequence number is not after the
    /// last one sent or accepted (keepalived counts them as authentication
    /// failures).
    pub ah_replayed: u64,
    /// `auth_hmac` enforce: adverts without a trailer (keepalived's
    /// `auth_ext_missing`).
    pub hmac_missing: u64,
    /// `auth_hmac`: trailers of another scheme or with reserved bits set.
    pub hmac_malformed: u64,
    /// `auth_hmac`: trailers naming a key id we do not have.
    pub hmac_unknown_key: u64,
    /// `auth_hmac`: tags that do not verify (another key, or a forgery).
    pub hmac_bad_tag: u64,
    /// `auth_hmac` time mode: sequences outside the freshness window.
    pub hmac_stale: u64,
    /// `auth_hmac`: sequences not after the sender's last (replays).
    pub hmac_replayed: u64,
    /// The last protocol error.
    pub protocol_error_reason: ProtocolError,
}
