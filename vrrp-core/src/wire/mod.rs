//! The VRRP advertisement on the wire: VRRPv3 ([RFC 9568 §5]) over IPv4 and
//! IPv6, and VRRPv2 ([RFC 3768 §5]) over IPv4.
//!
//! Two layers, after smoltcp's `wire` module (and [`Ipv4Packet`] /
//! [`Ipv4Repr`] for the IPv4 header a raw socket receives in front of it):
//!
//! - [`Packet`] is a zero-copy view over a buffer holding one VRRP message
//!   (the IP payload). It reads and writes the raw fields and computes the
//!   checksum; it interprets nothing.
//! - [`Advertisement`] is the meaning of a message, borrowed from the buffer
//!   it was parsed from. [`Advertisement::parse`] checks a [`Packet`] and
//!   [`Advertisement::emit`] writes one, checksum included, through
//!   [`bytes::BufMut`]. Neither allocates.
//!
//! # Panics
//!
//! A [`Packet`] built with [`Packet::new_unchecked`] may panic in its field
//! accessors when the buffer is shorter than the fixed header. The contract is
//! smoltcp's: **if [`Packet::new_checked`] or [`Packet::check_len`] returned
//! `Ok`, no accessor panics; and [`Advertisement::emit`] never panics** — it
//! writes nothing and returns [`Error::BufferTooSmall`] when the buffer is
//! shorter than [`Advertisement::buffer_len`]. Malformed input is always a
//! typed [`Error`], never a panic.
//!
//! # Checksums
//!
//! The receiver verifies the checksum with [`Packet::verify_checksum`] at the
//! point RFC 9568 §7.1 puts it, separately from [`Advertisement::parse`], so it
//! can count the failure on its own. Whether a pseudo-header takes part comes
//! from [`pseudo_header`]: never for VRRPv2, always for VRRPv3 over IPv6, and
//! for VRRPv3 over IPv4 unless keepalived's `v3_checksum_as_v2` switch is
//! on.
//!
//! [RFC 9568 §5]: <https://www.rfc-editor.org/rfc/rfc9568#section-5>
//! [RFC 3768 §5]: <https://www.rfc-editor.org/rfc/rfc3768#section-5>

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod addresses;
mod advert;
pub mod ah;
pub mod checksum;
pub mod hmac_trailer;
mod ipv4;
mod packet;
mod template;
#[cfg(test)]
mod test_vectors;

pub use addresses::{Addresses, encode_addresses};
pub use advert::{Advertisement, Auth};
pub use ah::{AH_LEN, AhPacket, AhRepr, ICV_LEN, PROTOCOL_AH};
pub use checksum::{PseudoHeader, pseudo_header};
pub use hmac_trailer::{Sequence, TRAILER_LEN, Trailer, TrailerRepr};
pub use ipv4::{IPV4_HEADER_LEN, Ipv4Header, Ipv4Packet, Ipv4Repr};
pub use packet::Packet;
pub use template::AdvertTemplate;

/// The IP protocol number of VRRP (the IPv4 protocol / IPv6 next header).
pub const PROTOCOL: u8 = 112;

/// The IPv4 multicast group advertisements are sent to (RFC 9568 §5.1.1.2).
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// The IPv6 multicast group advertisements are sent to (RFC 9568 §5.1.2.2).
pub const MULTICAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// The IPv4 TTL / IPv6 hop limit: sent, and required on receive, so that an
/// advertisement cannot have crossed a router (RFC 9568 §5.1.1.3, §7.1).
pub const TTL: u8 = 255;

/// Length of the fixed VRRP header, before the address list.
pub const HEADER_LEN: usize = 8;

/// Length of the VRRPv2 authentication data after the address list.
pub const AUTH_LEN: usize = 8;

/// The only VRRP message type: ADVERTISEMENT.
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// The most addresses one advertisement can carry: the count field is a byte.
pub const MAX_ADDRESSES: usize = 255;

/// The largest VRRPv3 Max Adver Int, in centiseconds: the field has 12 bits.
pub const MAX_INTERVAL_V3: u16 = 0x0fff;

/// The largest VRRPv2 Adver Int in seconds: the field is a byte.
pub const MAX_INTERVAL_V2_SECS: u8 = u8::MAX;

/// A VRRP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// VRRPv2, RFC 3768: IPv4 only, intervals in seconds, authentication data.
    V2 = 2,
    /// VRRPv3, RFC 9568: IPv4 and IPv6, intervals in centiseconds.
    V3 = 3,
}

impl Version {
    /// The version number as it is on the wire.
    pub const fn number(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Version {
    type Error = Error;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            2 => Ok(Self::V2),
            3 => Ok(Self::V3),
            other => Err(Error::BadVersion(other)),
        }
    }
}

/// The address family a virtual router runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4: 4-byte addresses.
    Ipv4,
    /// IPv6: 16-byte addresses.
    Ipv6,
}

impl Family {
    /// Bytes one address of this family takes on the wire.
    pub const fn address_len(self) -> usize {
        match self {
            Self::Ipv4 => 4,
            Self::Ipv6 => 16,
        }
    }

    /// The family of `addr`.
    pub const fn of(addr: &IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => Self::Ipv4,
            IpAddr::V6(_) => Self::Ipv6,
        }
    }

    /// The multicast group advertisements of this family go to.
    pub const fn multicast(self) -> IpAddr {
        match self {
            Self::Ipv4 => IpAddr::V4(MULTICAST_V4),
            Self::Ipv6 => IpAddr::V6(MULTICAST_V6),
        }
    }
}

impl core::fmt::Display for Family {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Ipv4 => "IPv4",
            Self::Ipv6 => "IPv6",
        })
    }
}

/// Why a message could not be parsed, or an advertisement not emitted.
///
/// The receive-side variants follow the order of the checks in
/// [`Advertisement::parse`], and map onto statistics counters: RFC 6527's
/// version errors, invalid type packets, packet length errors (both
/// [`Truncated`](Self::Truncated) and [`LengthMismatch`](Self::LengthMismatch)),
/// checksum errors and advertisement interval errors (a zero interval never
/// matches the configured one), and for VRRPv2 RFC 2787's invalid
/// authentication type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Shorter than the fixed header, or than its count (and, for VRRPv2,
    /// the authentication data) require.
    #[error("truncated VRRP message")]
    Truncated,
    /// Version not 2 or 3, or version 2 over IPv6. On emit: VRRPv2 with IPv6
    /// addresses.
    #[error("unsupported VRRP version {0}")]
    BadVersion(u8),
    /// Message type not 1 (ADVERTISEMENT).
    #[error("unknown VRRP message type {0}")]
    BadType(u8),
    /// Longer than the header, the addresses of its count and (VRRPv2) the
    /// authentication data; keepalived sends exact lengths. Also an address
    /// list that is not a whole number of addresses, or holds more than 255.
    #[error("VRRP message length does not match its address count")]
    LengthMismatch,
    /// The checksum does not verify.
    #[error("bad VRRP checksum")]
    BadChecksum,
    /// VRRPv2 authentication type other than 0 (none), 1 (simple text
    /// password) or 2 (IP Authentication Header). On emit: authentication
    /// with VRRPv3, which has none.
    #[error("unsupported VRRP authentication type {0}")]
    BadAuthType(u8),
    /// Advertisement interval of zero.
    #[error("VRRP advertisement interval is zero")]
    ZeroInterval,
    /// Emit: an interval the version cannot carry (VRRPv3: above 4095
    /// centiseconds; VRRPv2: not a whole number of seconds up to 255).
    #[error("VRRP advertisement interval {0} cs cannot be sent in this version")]
    BadInterval(u16),
    /// Emit: the buffer has room for fewer than `required` bytes; nothing
    /// was written.
    #[error("buffer too small for VRRP advertisement: {required} bytes required")]
    BufferTooSmall {
        /// The advertisement's length, [`Advertisement::buffer_len`].
        required: usize,
    },
    /// Emit: an address (or the pseudo-header's source or destination) of
    /// the other family.
    #[error("address of the wrong family for this VRRP advertisement")]
    AddressFamilyMismatch,
    /// Not a whole IPv4 header: version not 4, IHL under five words, or
    /// fewer bytes than the IHL says ([`Ipv4Packet::check_len`]).
    #[error("malformed IPv4 header")]
    MalformedIpv4Header,
    /// An HMAC authentication trailer ([`hmac_trailer`]) of another scheme,
    /// with reserved bits set, or not [`TRAILER_LEN`] bytes long.
    #[error("malformed HMAC authentication trailer")]
    MalformedTrailer,
    /// An IP Authentication Header ([`ah`]) shorter than [`AH_LEN`], or
    /// with another ICV length than HMAC-MD5-96's.
    #[error("malformed IP Authentication Header")]
    MalformedAh,
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn test_version_try_from() {
        assert_eq!(Version::try_from(2), Ok(Version::V2));
        assert_eq!(Version::try_from(3), Ok(Version::V3));
        assert_eq!(Version::try_from(4), Err(Error::BadVersion(4)));
        assert_eq!(Version::try_from(0), Err(Error::BadVersion(0)));
        assert_eq!(Version::V3.number(), 3);
    }

    #[test]
    fn test_family() {
        assert_eq!(Family::Ipv4.address_len(), 4);
        assert_eq!(Family::Ipv6.address_len(), 16);
        assert_eq!(Family::of(&IpAddr::V4(MULTICAST_V4)), Family::Ipv4);
        assert_eq!(Family::of(&IpAddr::V6(MULTICAST_V6)), Family::Ipv6);
        assert_eq!(Family::Ipv4.multicast(), IpAddr::V4(MULTICAST_V4));
        assert_eq!(Family::Ipv6.multicast(), IpAddr::V6(MULTICAST_V6));
    }

    #[test]
    fn test_constants() {
        assert_eq!(MULTICAST_V4.octets(), [224, 0, 0, 18]);
        assert_eq!(MULTICAST_V6.to_string(), "ff02::12");
    }

    #[test]
    fn test_errors_are_small() {
        // Copy, no String: cheap to return on the receive path.
        assert!(size_of::<Error>() <= 16);
    }
}
