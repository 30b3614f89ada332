//! [`Advertisement`]: what a VRRP message means, borrowed from its buffer.

use bytes::BufMut;

use super::addresses::Addresses;
use super::checksum::{PseudoHeader, Sum};
use super::{
    AUTH_LEN, Error, Family, HEADER_LEN, MAX_INTERVAL_V3, Packet, TYPE_ADVERTISEMENT, Version,
};

/// VRRPv2 authentication type 0: no authentication.
const AUTH_TYPE_NONE: u8 = 0;
/// VRRPv2 authentication type 1: simple text password (keepalived's
/// `auth_type PASS`).
const AUTH_TYPE_SIMPLE: u8 = 1;
/// VRRPv2 authentication type 2: IP Authentication Header (keepalived's
/// `auth_type AH`).
const AUTH_TYPE_AH: u8 = 2;

/// Centiseconds in a second: VRRPv2 intervals are whole seconds.
const CENTIS_PER_SEC: u16 = 100;

/// VRRPv2 authentication ([RFC 3768 §5.3.6]). VRRPv3 has none: always
/// [`Auth::None`].
///
/// RFC 3768 reserves types 1 and 2, but keepalived still sends them for
/// `auth_type PASS` and `auth_type AH`, and they are met in the field.
///
/// [RFC 3768 §5.3.6]: <https://www.rfc-editor.org/rfc/rfc3768#section-5.3.6>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Type 0: no authentication; the authentication data is sent as zeros
    /// and ignored on receipt.
    None,
    /// Type 1: a simple text password of up to 8 bytes, zero padded.
    Simple([u8; AUTH_LEN]),
    /// Type 2: an IP Authentication Header (RFC 2402) in front of the
    /// message, its ICV HMAC-MD5-96 keyed with these 8 bytes (keepalived's
    /// `auth_pass`, zero padded; see [`crate::auth_ah`]). The key never
    /// goes on the wire: the authentication data is sent as zeros, and a
    /// parsed advert carries zeros here.
    Ah([u8; AUTH_LEN]),
}

impl Auth {
    /// A simple text password: the first 8 bytes of `pass`, zero padded
    /// (keepalived truncates longer passwords the same way).
    pub const fn simple(pass: &[u8]) -> Self {
        let mut data = [0; AUTH_LEN];
        let mut i = 0;
        while i < AUTH_LEN && i < pass.len() {
            data[i] = pass[i];
            i += 1;
        }
        Self::Simple(data)
    }

    /// IP Authentication Header keyed with the first 8 bytes of `pass`,
    /// zero padded, as keepalived keys it.
    pub const fn ah(pass: &[u8]) -> Self {
        match Self::simple(pass) {
            Self::Simple(key) => Self::Ah(key),
            other => other,
        }
    }

    /// Whether this is the IP Authentication Header.
    pub const fn is_ah(&self) -> bool {
        matches!(self, Self::Ah(_))
    }

    /// The VRRPv2 authentication type: 0, 1 or 2.
    pub const fn auth_type(&self) -> u8 {
        match self {
            Self::None => AUTH_TYPE_NONE,
            Self::Simple(_) => AUTH_TYPE_SIMPLE,
            Self::Ah(_) => AUTH_TYPE_AH,
        }
    }

    /// The authentication data as sent: the password, or zeros.
    pub const fn data(&self) -> [u8; AUTH_LEN] {
        match self {
            Self::None | Self::Ah(_) => [0; AUTH_LEN],
            Self::Simple(data) => *data,
        }
    }
}

/// A VRRP advertisement: the meaning of one message, borrowing its
/// addresses from the buffer it was parsed from (or the caller's
/// configuration when emitting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Advertisement<'a> {
    /// The protocol version.
    pub version: Version,
    /// The Virtual Router ID.
    pub vrid: u8,
    /// The sender's priority: 255 for the address owner, 0 when it stops
    /// being master.
    pub priority: u8,
    /// Advertisement interval in centiseconds. v3: the 12-bit Max Adver Int.
    /// v2: the Adver Int seconds times 100 on parse; on emit it must be a
    /// whole number of seconds 1..=255.
    pub interval: u16,
    /// The virtual addresses; their family is the advertisement's.
    pub addresses: Addresses<'a>,
    /// VRRPv2 authentication; always [`Auth::None`] for VRRPv3.
    pub auth: Auth,
}

impl<'a> Advertisement<'a> {
    /// Interprets `packet`, received over `family`.
    ///
    /// Validates in this order: version (2 or 3; 2 only over IPv4), type ==
    /// 1, length vs count (and auth data for v2), interval != 0, v2 auth
    /// type. Does NOT verify the checksum (the receiver checks it in RFC
    /// order and counts it separately, with [`Packet::verify_checksum`]).
    ///
    /// The 4 reserved bits of VRRPv3 are ignored, and so is the VRRPv2
    /// authentication data of type 0.
    #[inline(always)]
    pub fn parse(packet: &Packet<&'a [u8]>, family: Family) -> Result<Self, Error> {
        packet.check_len()?;
        let bytes: &'a [u8] = packet.into_inner();

        let version = match (packet.version(), family) {
            (3, _) => Version::V3,
            (2, Family::Ipv4) => Version::V2,
            (other, _) => return Err(Error::BadVersion(other)),
        };
        if packet.msg_type() != TYPE_ADVERTISEMENT {
            return Err(Error::BadType(packet.msg_type()));
        }

        let addresses_end = HEADER_LEN + usize::from(packet.count()) * family.address_len();
        // Packet::message_len, from the version already read.
        let required = addresses_end + auth_len(version);
        if bytes.len() < required {
            return Err(Error::Truncated);
        }
        if bytes.len() > required {
            return Err(Error::LengthMismatch);
        }

        let interval = match version {
            Version::V3 => packet.max_advert_int(),
            Version::V2 => u16::from(packet.advert_int_secs()) * CENTIS_PER_SEC,
        };
        if interval == 0 {
            return Err(Error::ZeroInterval);
        }

        let auth = match (version, packet.auth_type()) {
            (Version::V3, _) | (Version::V2, AUTH_TYPE_NONE) => Auth::None,
            (Version::V2, AUTH_TYPE_SIMPLE) => {
                let mut data = [0; AUTH_LEN];
                data.copy_from_slice(&bytes[addresses_end..]);
                Auth::Simple(data)
            }
            (Version::V2, AUTH_TYPE_AH) => Auth::Ah([0; AUTH_LEN]),
            (Version::V2, other) => return Err(Error::BadAuthType(other)),
        };

        Ok(Self {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            interval,
            // Sized by the count, a byte, and the family above.
            addresses: Addresses::from_wire(family, &bytes[HEADER_LEN..addresses_end]),
            auth,
        })
    }

    /// The address family, that of [`addresses`](Self::addresses).
    pub const fn family(&self) -> Family {
        self.addresses.family()
    }

    /// The length of the message [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.addresses.as_bytes().len() + auth_len(self.version)
    }

    /// Writes exactly [`buffer_len`](Self::buffer_len) bytes through
    /// [`BufMut`], checksum included, and returns that length.
    ///
    /// The checksum covers the pseudo-header when one is given: pass what
    /// [`pseudo_header`](super::pseudo_header) returns. It is computed from
    /// the fields before anything is written, so `out` is written once,
    /// front to back, and nothing is allocated.
    ///
    /// On error nothing is written: [`Error::BufferTooSmall`] if
    /// `out.remaining_mut()` is short; [`Error::BadVersion`] for VRRPv2
    /// over IPv6; [`Error::BadAuthType`] for authentication with VRRPv3;
    /// [`Error::ZeroInterval`] or [`Error::BadInterval`] for an interval
    /// the version cannot carry; [`Error::AddressFamilyMismatch`] for a
    /// pseudo-header of the other family.
    pub fn emit<B: BufMut>(
        &self,
        out: &mut B,
        pseudo: Option<&PseudoHeader>,
    ) -> Result<usize, Error> {
        let header = self.header_words(pseudo)?;
        let length = self.buffer_len();
        if out.remaining_mut() < length {
            return Err(Error::BufferTooSmall { required: length });
        }
        let auth = self.auth.data();

        let mut sum = header
            .iter()
            .fold(Sum::default(), |sum, &word| sum.add_u16(word))
            .add_bytes(self.addresses.as_bytes());
        if self.version == Version::V2 {
            sum = sum.add_bytes(&auth);
        }
        if let Some(pseudo) = pseudo {
            sum = sum.add_pseudo_header(pseudo, length);
        }

        for word in header {
            out.put_u16(word);
        }
        out.put_u16(sum.checksum());
        out.put_slice(self.addresses.as_bytes());
        if self.version == Version::V2 {
            out.put_slice(&auth);
        }
        Ok(length)
    }

    /// [`emit`](Self::emit) into the front of a caller's slice; returns the
    /// bytes written.
    pub fn emit_into(&self, buf: &mut [u8], pseudo: Option<&PseudoHeader>) -> Result<usize, Error> {
        let mut out = buf;
        self.emit(&mut out, pseudo)
    }

    /// The first three 16-bit words of the header (the checksum is the
    /// fourth), after checking the fields can be sent.
    fn header_words(&self, pseudo: Option<&PseudoHeader>) -> Result<[u16; 3], Error> {
        let family = self.family();
        // Bytes 4..6: v2 auth type and seconds; v3 reserved bits and centiseconds.
        let interval_word = match self.version {
            Version::V2 => {
                if family != Family::Ipv4 {
                    return Err(Error::BadVersion(Version::V2.number()));
                }
                let secs = self.interval / CENTIS_PER_SEC;
                if self.interval == 0 {
                    return Err(Error::ZeroInterval);
                }
                if self.interval % CENTIS_PER_SEC != 0 || secs > u16::from(u8::MAX) {
                    return Err(Error::BadInterval(self.interval));
                }
                u16::from(self.auth.auth_type()) << 8 | secs
            }
            Version::V3 => {
                if self.auth != Auth::None {
                    return Err(Error::BadAuthType(self.auth.auth_type()));
                }
                if self.interval == 0 {
                    return Err(Error::ZeroInterval);
                }
                if self.interval > MAX_INTERVAL_V3 {
                    return Err(Error::BadInterval(self.interval));
                }
                self.interval
            }
        };
        let count = u8::try_from(self.addresses.len()).map_err(|_| Error::LengthMismatch)?;
        if let Some(pseudo) = pseudo {
            if Family::of(&pseudo.src) != family || Family::of(&pseudo.dst) != family {
                return Err(Error::AddressFamilyMismatch);
            }
        }
        let ver_type = self.version.number() << 4 | TYPE_ADVERTISEMENT;
        Ok([
            u16::from_be_bytes([ver_type, self.vrid]),
            u16::from_be_bytes([self.priority, count]),
            interval_word,
        ])
    }
}

/// Bytes of authentication data after the addresses.
const fn auth_len(version: Version) -> usize {
    match version {
        Version::V2 => AUTH_LEN,
        Version::V3 => 0,
    }
}

#[cfg(test)]
mod test {
    use core::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::wire::test_vectors::{V2_PASS_BYTES, V3_IPV4_BYTES, V3_IPV6_BYTES};
    use crate::wire::{MULTICAST_V4, MULTICAST_V6};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    fn v6(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().unwrap())
    }

    fn pseudo_v4() -> PseudoHeader {
        PseudoHeader {
            src: v4(192, 0, 2, 11),
            dst: MULTICAST_V4.into(),
        }
    }

    fn pseudo_v6() -> PseudoHeader {
        PseudoHeader {
            src: v6("fe80::ec85:1bff:fe54:17bb"),
            dst: MULTICAST_V6.into(),
        }
    }

    fn v3_ipv4_repr() -> Advertisement<'static> {
        Advertisement {
            version: Version::V3,
            vrid: 198,
            priority: 150,
            interval: 50,
            addresses: Addresses::new(Family::Ipv4, &V3_IPV4_BYTES[8..]).unwrap(),
            auth: Auth::None,
        }
    }

    fn v2_pass_repr() -> Advertisement<'static> {
        Advertisement {
            version: Version::V2,
            vrid: 25,
            priority: 100,
            interval: 100,
            addresses: Addresses::new(Family::Ipv4, &V2_PASS_BYTES[8..12]).unwrap(),
            auth: Auth::simple(b"1cee4b6e"),
        }
    }

    fn v3_ipv6_repr() -> Advertisement<'static> {
        Advertisement {
            version: Version::V3,
            vrid: 195,
            priority: 200,
            interval: 25,
            addresses: Addresses::new(Family::Ipv6, &V3_IPV6_BYTES[8..]).unwrap(),
            auth: Auth::None,
        }
    }

    fn parse(bytes: &[u8], family: Family) -> Result<Advertisement<'_>, Error> {
        Advertisement::parse(&Packet::new_unchecked(bytes), family)
    }

    /// Emits into a buffer 4 bytes longer than needed, pre-filled with 0xa5,
    /// and checks the tail was left alone.
    fn emit(repr: &Advertisement<'_>, pseudo: Option<&PseudoHeader>) -> Vec<u8> {
        let mut bytes = vec![0xa5; repr.buffer_len() + 4];
        let written = repr.emit_into(&mut bytes, pseudo).unwrap();
        assert_eq!(written, repr.buffer_len());
        assert_eq!(&bytes[written..], &[0xa5; 4]);
        bytes.truncate(written);
        bytes
    }

    #[test]
    fn test_v3_ipv4_deconstruct() {
        let repr = parse(&V3_IPV4_BYTES, Family::Ipv4).unwrap();
        assert_eq!(repr, v3_ipv4_repr());
        let addrs: Vec<IpAddr> = repr.addresses.iter().collect();
        assert_eq!(
            addrs,
            [v4(192, 0, 2, 100), v4(192, 0, 2, 101), v4(192, 0, 2, 102)]
        );
        assert_eq!(repr.family(), Family::Ipv4);
        assert_eq!(repr.buffer_len(), V3_IPV4_BYTES.len());
    }

    #[test]
    fn test_v3_ipv4_construct() {
        assert_eq!(emit(&v3_ipv4_repr(), Some(&pseudo_v4())), V3_IPV4_BYTES);
    }

    #[test]
    fn test_v2_pass_deconstruct() {
        let repr = parse(&V2_PASS_BYTES, Family::Ipv4).unwrap();
        assert_eq!(repr, v2_pass_repr());
        assert_eq!(repr.auth, Auth::Simple(*b"1cee4b6e"));
        assert_eq!(
            repr.addresses.iter().collect::<Vec<_>>(),
            [v4(192, 0, 2, 100)]
        );
    }

    #[test]
    fn test_v2_pass_construct() {
        assert_eq!(emit(&v2_pass_repr(), None), V2_PASS_BYTES);
    }

    #[test]
    fn test_v3_ipv6_deconstruct() {
        let repr = parse(&V3_IPV6_BYTES, Family::Ipv6).unwrap();
        assert_eq!(repr, v3_ipv6_repr());
        let addrs: Vec<IpAddr> = repr.addresses.iter().collect();
        assert_eq!(addrs, [v6("2001:db8::100"), v6("fe80::5:100")]);
    }

    #[test]
    fn test_v3_ipv6_construct() {
        assert_eq!(emit(&v3_ipv6_repr(), Some(&pseudo_v6())), V3_IPV6_BYTES);
    }

    #[test]
    fn test_emit_through_bufmut() {
        let repr = v3_ipv6_repr();
        let mut out = bytes::BytesMut::with_capacity(64);
        out.put_u8(0xee); // emit appends after what is there
        assert_eq!(repr.emit(&mut out, Some(&pseudo_v6())), Ok(40));
        assert_eq!(out[0], 0xee);
        assert_eq!(&out[1..], V3_IPV6_BYTES);

        let mut vec = Vec::new();
        assert_eq!(repr.emit(&mut vec, Some(&pseudo_v6())), Ok(40));
        assert_eq!(vec, V3_IPV6_BYTES);
    }

    #[test]
    fn test_emit_buffer_too_small_writes_nothing() {
        for repr in [v3_ipv4_repr(), v2_pass_repr(), v3_ipv6_repr()] {
            let required = repr.buffer_len();
            for len in [0, 1, HEADER_LEN, required - 1] {
                let mut bytes = vec![0xa5; len];
                assert_eq!(
                    repr.emit_into(&mut bytes, None),
                    Err(Error::BufferTooSmall { required })
                );
                assert!(bytes.iter().all(|&b| b == 0xa5));
            }
        }
    }

    #[test]
    fn test_emit_v2_auth_none_sends_zeros() {
        let repr = Advertisement {
            auth: Auth::None,
            ..v2_pass_repr()
        };
        let bytes = emit(&repr, None);
        assert_eq!(bytes[4], AUTH_TYPE_NONE);
        assert_eq!(&bytes[12..], &[0; AUTH_LEN]);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(None));
        assert_eq!(parse(&bytes, Family::Ipv4), Ok(repr));
    }

    #[test]
    fn test_emit_v3_checksum_as_v2() {
        // keepalived's v3_checksum_as_v2: no pseudo-header over IPv4.
        let bytes = emit(&v3_ipv4_repr(), None);
        assert_ne!(bytes, V3_IPV4_BYTES);
        assert_eq!(bytes[..6], V3_IPV4_BYTES[..6]);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum(None));
        assert!(!packet.verify_checksum(Some(&pseudo_v4())));
    }

    #[test]
    fn test_emit_no_addresses() {
        let repr = Advertisement {
            addresses: Addresses::empty(Family::Ipv6),
            ..v3_ipv6_repr()
        };
        let bytes = emit(&repr, Some(&pseudo_v6()));
        assert_eq!(bytes.len(), HEADER_LEN);
        assert_eq!(bytes[3], 0);
        assert_eq!(parse(&bytes, Family::Ipv6), Ok(repr));
    }

    #[test]
    fn test_emit_refuses_what_cannot_be_sent() {
        let cases = [
            (
                Advertisement {
                    addresses: v3_ipv6_repr().addresses,
                    ..v2_pass_repr()
                },
                Error::BadVersion(2),
            ),
            (
                Advertisement {
                    auth: Auth::simple(b"x"),
                    ..v3_ipv4_repr()
                },
                Error::BadAuthType(1),
            ),
            (
                Advertisement {
                    interval: 0,
                    ..v3_ipv4_repr()
                },
                Error::ZeroInterval,
            ),
            (
                Advertisement {
                    interval: 0,
                    ..v2_pass_repr()
                },
                Error::ZeroInterval,
            ),
            (
                Advertisement {
                    interval: 4096,
                    ..v3_ipv4_repr()
                },
                Error::BadInterval(4096),
            ),
            (
                Advertisement {
                    interval: 150,
                    ..v2_pass_repr()
                },
                Error::BadInterval(150),
            ),
            (
                Advertisement {
                    interval: 25_600,
                    ..v2_pass_repr()
                },
                Error::BadInterval(25_600),
            ),
        ];
        for (repr, error) in cases {
            let mut bytes = [0xa5; 64];
            assert_eq!(repr.emit_into(&mut bytes, None), Err(error), "{repr:?}");
            assert!(bytes.iter().all(|&b| b == 0xa5));
        }
        // The extremes that can be sent.
        for repr in [
            Advertisement {
                interval: 4095,
                ..v3_ipv4_repr()
            },
            Advertisement {
                interval: 1,
                ..v3_ipv4_repr()
            },
            Advertisement {
                interval: 25_500,
                ..v2_pass_repr()
            },
        ] {
            let bytes = emit(&repr, None);
            assert_eq!(parse(&bytes, Family::Ipv4), Ok(repr));
        }
    }

    #[test]
    fn test_emit_pseudo_header_family_mismatch() {
        let mut bytes = [0xa5; 64];
        let result = v3_ipv4_repr().emit_into(&mut bytes, Some(&pseudo_v6()));
        assert_eq!(result, Err(Error::AddressFamilyMismatch));
        let mixed = PseudoHeader {
            src: v4(192, 0, 2, 11),
            dst: MULTICAST_V6.into(),
        };
        let result = v3_ipv4_repr().emit_into(&mut bytes, Some(&mixed));
        assert_eq!(result, Err(Error::AddressFamilyMismatch));
        assert!(bytes.iter().all(|&b| b == 0xa5));
    }

    #[test]
    fn test_parse_errors() {
        let with = |base: &[u8], at: usize, value: u8| {
            let mut bytes = base.to_vec();
            bytes[at] = value;
            bytes
        };
        // Shorter than the header, or than the count says.
        assert_eq!(
            parse(&V3_IPV4_BYTES[..7], Family::Ipv4),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse(&V3_IPV4_BYTES[..19], Family::Ipv4),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse(&V2_PASS_BYTES[..19], Family::Ipv4),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse(&V2_PASS_BYTES[..12], Family::Ipv4),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse(&V3_IPV6_BYTES, Family::Ipv4),
            Err(Error::LengthMismatch)
        );
        assert_eq!(parse(&V3_IPV4_BYTES, Family::Ipv6), Err(Error::Truncated));
        // Versions.
        for version in [0, 1, 4, 15] {
            let bytes = with(&V3_IPV4_BYTES, 0, version << 4 | 1);
            assert_eq!(parse(&bytes, Family::Ipv4), Err(Error::BadVersion(version)));
        }
        let v2_over_ipv6 = with(&V3_IPV6_BYTES, 0, 0x21);
        assert_eq!(
            parse(&v2_over_ipv6, Family::Ipv6),
            Err(Error::BadVersion(2))
        );
        // Type.
        for msg_type in [0, 2, 15] {
            let bytes = with(&V3_IPV4_BYTES, 0, 0x30 | msg_type);
            assert_eq!(parse(&bytes, Family::Ipv4), Err(Error::BadType(msg_type)));
        }
        // Longer than the count says.
        let mut long = V2_PASS_BYTES.to_vec();
        long.push(0);
        assert_eq!(parse(&long, Family::Ipv4), Err(Error::LengthMismatch));
        let fewer = with(&V3_IPV4_BYTES, 3, 2);
        assert_eq!(parse(&fewer, Family::Ipv4), Err(Error::LengthMismatch));
        // Interval.
        let zero_v3 = with(&with(&V3_IPV4_BYTES, 4, 0xf0), 5, 0);
        assert_eq!(parse(&zero_v3, Family::Ipv4), Err(Error::ZeroInterval));
        let zero_v2 = with(&V2_PASS_BYTES, 5, 0);
        assert_eq!(parse(&zero_v2, Family::Ipv4), Err(Error::ZeroInterval));
        // Authentication type.
        for auth_type in [3, 4, 255] {
            let bytes = with(&V2_PASS_BYTES, 4, auth_type);
            assert_eq!(
                parse(&bytes, Family::Ipv4),
                Err(Error::BadAuthType(auth_type))
            );
        }
    }

    #[test]
    fn test_parse_error_order() {
        // Each pair breaks two checks; the earlier one is reported.
        let mut bytes = V2_PASS_BYTES;
        bytes[0] = 0x42; // version 4, type 2
        assert_eq!(parse(&bytes, Family::Ipv4), Err(Error::BadVersion(4)));
        let mut bytes = V2_PASS_BYTES;
        bytes[0] = 0x22; // type 2, and truncated below
        assert_eq!(parse(&bytes[..10], Family::Ipv4), Err(Error::BadType(2)));
        let mut bytes = V2_PASS_BYTES;
        bytes[5] = 0; // zero interval, and truncated below
        assert_eq!(parse(&bytes[..19], Family::Ipv4), Err(Error::Truncated));
        let mut bytes = V3_IPV4_BYTES.to_vec();
        bytes[5] = 0; // zero interval, and too long
        bytes.push(0);
        assert_eq!(parse(&bytes, Family::Ipv4), Err(Error::LengthMismatch));
        let mut bytes = V2_PASS_BYTES;
        bytes[4] = 2; // AH, and zero interval
        bytes[5] = 0;
        assert_eq!(parse(&bytes, Family::Ipv4), Err(Error::ZeroInterval));
        // A bad checksum is not parse's business.
        let mut bytes = V3_IPV4_BYTES;
        bytes[7] ^= 1;
        assert_eq!(parse(&bytes, Family::Ipv4), Ok(v3_ipv4_repr()));
    }

    #[test]
    fn test_parse_ignores_reserved_bits_and_type0_auth_data() {
        let mut bytes = V3_IPV4_BYTES;
        bytes[4] |= 0xf0;
        assert_eq!(parse(&bytes, Family::Ipv4), Ok(v3_ipv4_repr()));

        let mut bytes = V2_PASS_BYTES;
        bytes[4] = AUTH_TYPE_NONE;
        let expected = Advertisement {
            auth: Auth::None,
            ..v2_pass_repr()
        };
        assert_eq!(parse(&bytes, Family::Ipv4), Ok(expected));
    }

    #[test]
    fn test_auth() {
        assert_eq!(Auth::simple(b"secret"), Auth::Simple(*b"secret\0\0"));
        assert_eq!(Auth::simple(b"1cee4b6e"), Auth::Simple(*b"1cee4b6e"));
        assert_eq!(
            Auth::simple(b"1cee4b6e-and-more"),
            Auth::Simple(*b"1cee4b6e")
        );
        assert_eq!(Auth::simple(b""), Auth::Simple([0; 8]));
        assert_eq!((Auth::None.auth_type(), Auth::None.data()), (0, [0; 8]));
        assert_eq!(Auth::simple(b"ab").auth_type(), 1);
        assert_eq!(Auth::simple(b"ab").data(), *b"ab\0\0\0\0\0\0");
        let ah = Auth::ah(b"1cee4b6e-and-more");
        assert_eq!(ah, Auth::Ah(*b"1cee4b6e"));
        assert!(ah.is_ah() && !Auth::simple(b"ab").is_ah());
        assert_eq!(
            (ah.auth_type(), ah.data()),
            (2, [0; 8]),
            "the key is not sent"
        );
    }

    /// Type 2: the authentication data is zeros on the wire, the key
    /// stays home; parsed, the advert says AH with a zero key.
    #[test]
    fn test_ah_auth_type_round_trip() {
        let advert = Advertisement {
            auth: Auth::ah(b"secret"),
            ..v2_pass_repr()
        };
        let mut buf = vec![0xa5; advert.buffer_len()];
        let len = advert.emit_into(&mut buf, None).unwrap();
        assert_eq!(buf[4], 2);
        assert_eq!(buf[len - 8..len], [0; 8]);
        let parsed = parse(&buf[..len], Family::Ipv4).unwrap();
        assert_eq!(parsed.auth, Auth::Ah([0; 8]));
        let v3 = Advertisement {
            version: Version::V3,
            ..advert
        };
        assert_eq!(
            v3.emit_into(&mut buf, None),
            Err(Error::BadAuthType(2)),
            "VRRPv3 has no authentication"
        );
    }
}
