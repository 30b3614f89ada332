//! [`Packet`]: a zero-copy view over the bytes of one VRRP message.

use super::checksum::{PseudoHeader, Sum};
use super::{AUTH_LEN, Error, Family, HEADER_LEN};

/// A read/write view over a buffer holding one VRRP message, the IP payload.
///
/// VRRPv3, [RFC 9568 §5.1]:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |(rsvd) |     Max Adver Int     |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                                                               +
/// |                       IPvX Address(es)                        |
/// +                                                               +
/// +                                                               +
/// +                                                               +
/// +                                                               +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// VRRPv2, [RFC 3768 §5.1]:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Auth Type   |   Adver Int   |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         IP Address (1)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            .                                  |
/// |                            .                                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         IP Address (n)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Authentication Data (1)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Authentication Data (2)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The accessors read the fixed header only; which of the version-specific
/// ones apply is for the caller (or [`Advertisement::parse`]) to decide. See
/// the [module docs](super) for when they may panic.
///
/// [RFC 9568 §5.1]: <https://www.rfc-editor.org/rfc/rfc9568#section-5.1>
/// [RFC 3768 §5.1]: <https://www.rfc-editor.org/rfc/rfc3768#section-5.1>
/// [`Advertisement::parse`]: super::Advertisement::parse
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub(super) type Field = core::ops::Range<usize>;

    /// Version in the high nibble, type in the low nibble.
    pub(super) const VER_TYPE: usize = 0;
    pub(super) const VRID: usize = 1;
    pub(super) const PRIORITY: usize = 2;
    pub(super) const COUNT: usize = 3;
    /// VRRPv2 only.
    pub(super) const AUTH_TYPE: usize = 4;
    /// VRRPv2 only: seconds.
    pub(super) const ADVER_INT: usize = 5;
    /// VRRPv3 only: 4 reserved bits, then 12 bits of centiseconds.
    pub(super) const MAX_ADVER_INT: Field = 4..6;
    pub(super) const CHECKSUM: Field = 6..8;
    /// Addresses, then (VRRPv2) the authentication data.
    pub(super) const PAYLOAD: usize = 8;
}

/// The 12 bits of the VRRPv3 Max Adver Int; the 4 above are reserved.
const MAX_ADVER_INT_MASK: u16 = 0x0fff;

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer`, checking it holds at least the fixed header.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds at least the fixed header ([`HEADER_LEN`]
    /// bytes), so that no accessor panics.
    ///
    /// Lengths that depend on the count, the family and the version are
    /// checked by [`Advertisement::parse`](super::Advertisement::parse).
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The length of the message the header describes: the fixed header,
    /// `count` addresses of `family` and, for VRRPv2, the authentication
    /// data. A datagram longer by [`TRAILER_LEN`](super::TRAILER_LEN) carries an
    /// `auth_hmac` trailer.
    pub fn message_len(&self, family: Family) -> usize {
        let auth = if self.version() == 2 { AUTH_LEN } else { 0 };
        HEADER_LEN + usize::from(self.count()) * family.address_len() + auth
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole buffer: the VRRP message as received.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The version field (high nibble of byte 0).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] >> 4
    }

    /// The type field (low nibble of byte 0).
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] & 0x0f
    }

    /// The Virtual Router ID.
    #[inline]
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// The sender's priority for this virtual router.
    #[inline]
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// The number of addresses that follow the header.
    #[inline]
    pub fn count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }

    /// VRRPv2: the authentication type (byte 4).
    #[inline]
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// VRRPv2: the advertisement interval in seconds (byte 5).
    #[inline]
    pub fn advert_int_secs(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }

    /// VRRPv3: the Max Adver Int in centiseconds, the low 12 bits of bytes
    /// 4..6; the 4 reserved bits above are ignored.
    #[inline]
    pub fn max_advert_int(&self) -> u16 {
        self.read_u16(field::MAX_ADVER_INT) & MAX_ADVER_INT_MASK
    }

    /// The checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// Everything after the fixed header: the addresses and, for VRRPv2,
    /// the authentication data.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }

    /// Whether the checksum verifies over the whole VRRP message (all of the
    /// buffer), with the pseudo-header when one is given (see
    /// [`pseudo_header`](super::pseudo_header)).
    ///
    /// Never panics, whatever the buffer's length. Always `true` when built
    /// with `cfg(fuzzing)`, so fuzzers reach past it.
    pub fn verify_checksum(&self, pseudo: Option<&PseudoHeader>) -> bool {
        if cfg!(fuzzing) {
            return true;
        }
        let bytes = self.buffer.as_ref();
        let mut sum = Sum::default().add_bytes(bytes);
        if let Some(pseudo) = pseudo {
            sum = sum.add_pseudo_header(pseudo, bytes.len());
        }
        sum.verifies()
    }

    #[inline]
    fn read_u16(&self, range: field::Field) -> u16 {
        let bytes = &self.buffer.as_ref()[range];
        u16::from_be_bytes([bytes[0], bytes[1]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version field; only the low 4 bits of `version` are kept.
    #[inline]
    pub fn set_version(&mut self, version: u8) {
        let byte = &mut self.buffer.as_mut()[field::VER_TYPE];
        *byte = (version << 4) | (*byte & 0x0f);
    }

    /// Sets the type field; only the low 4 bits of `msg_type` are kept.
    #[inline]
    pub fn set_msg_type(&mut self, msg_type: u8) {
        let byte = &mut self.buffer.as_mut()[field::VER_TYPE];
        *byte = (*byte & 0xf0) | (msg_type & 0x0f);
    }

    /// Sets the Virtual Router ID.
    #[inline]
    pub fn set_vrid(&mut self, vrid: u8) {
        self.buffer.as_mut()[field::VRID] = vrid;
    }

    /// Sets the priority.
    #[inline]
    pub fn set_priority(&mut self, priority: u8) {
        self.buffer.as_mut()[field::PRIORITY] = priority;
    }

    /// Sets the address count.
    #[inline]
    pub fn set_count(&mut self, count: u8) {
        self.buffer.as_mut()[field::COUNT] = count;
    }

    /// VRRPv2: sets the authentication type.
    #[inline]
    pub fn set_auth_type(&mut self, auth_type: u8) {
        self.buffer.as_mut()[field::AUTH_TYPE] = auth_type;
    }

    /// VRRPv2: sets the advertisement interval in seconds.
    #[inline]
    pub fn set_advert_int_secs(&mut self, secs: u8) {
        self.buffer.as_mut()[field::ADVER_INT] = secs;
    }

    /// VRRPv3: sets the Max Adver Int in centiseconds and clears the
    /// reserved bits; only the low 12 bits of `centis` are kept.
    #[inline]
    pub fn set_max_advert_int(&mut self, centis: u16) {
        self.write_u16(field::MAX_ADVER_INT, centis & MAX_ADVER_INT_MASK);
    }

    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, checksum: u16) {
        self.write_u16(field::CHECKSUM, checksum);
    }

    /// Everything after the fixed header, for writing.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }

    /// Computes the checksum over the whole buffer (with the pseudo-header
    /// when one is given) and writes it into the checksum field.
    pub fn fill_checksum(&mut self, pseudo: Option<&PseudoHeader>) {
        self.set_checksum(0);
        let bytes = self.buffer.as_ref();
        let mut sum = Sum::default().add_bytes(bytes);
        if let Some(pseudo) = pseudo {
            sum = sum.add_pseudo_header(pseudo, bytes.len());
        }
        self.set_checksum(sum.checksum());
    }

    #[inline]
    fn write_u16(&mut self, range: field::Field, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }
}

#[cfg(test)]
mod test {
    use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::wire::MULTICAST_V4;
    use crate::wire::test_vectors::{V2_PASS_BYTES, V3_IPV4_BYTES, V3_IPV6_BYTES};

    fn pseudo_v4() -> PseudoHeader {
        PseudoHeader {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
            dst: IpAddr::V4(MULTICAST_V4),
        }
    }

    fn pseudo_v6() -> PseudoHeader {
        PseudoHeader {
            src: IpAddr::V6("fe80::ec85:1bff:fe54:17bb".parse::<Ipv6Addr>().unwrap()),
            dst: IpAddr::V6(crate::wire::MULTICAST_V6),
        }
    }

    #[test]
    fn test_v3_deconstruct() {
        let packet = Packet::new_checked(&V3_IPV4_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 3);
        assert_eq!(packet.msg_type(), 1);
        assert_eq!(packet.vrid(), 198);
        assert_eq!(packet.priority(), 150);
        assert_eq!(packet.count(), 3);
        assert_eq!(packet.max_advert_int(), 50);
        assert_eq!(packet.checksum(), 0x4e30);
        assert_eq!(packet.payload(), &V3_IPV4_BYTES[8..]);
        assert!(packet.verify_checksum(Some(&pseudo_v4())));
        assert!(!packet.verify_checksum(None));
    }

    #[test]
    fn test_v3_construct() {
        let mut bytes = vec![0xa5; V3_IPV4_BYTES.len()];
        let mut packet = Packet::new_unchecked(&mut bytes);
        packet.set_version(3);
        packet.set_msg_type(1);
        packet.set_vrid(198);
        packet.set_priority(150);
        packet.set_count(3);
        packet.set_max_advert_int(50);
        packet.payload_mut().copy_from_slice(&V3_IPV4_BYTES[8..]);
        packet.fill_checksum(Some(&pseudo_v4()));
        assert_eq!(bytes, V3_IPV4_BYTES);
    }

    #[test]
    fn test_v3_ipv6_deconstruct_construct() {
        let packet = Packet::new_checked(&V3_IPV6_BYTES[..]).unwrap();
        assert_eq!(
            (packet.version(), packet.vrid(), packet.priority()),
            (3, 195, 200)
        );
        assert_eq!((packet.count(), packet.max_advert_int()), (2, 25));
        assert!(packet.verify_checksum(Some(&pseudo_v6())));

        let mut bytes = [0xa5; 40];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(3);
        packet.set_msg_type(1);
        packet.set_vrid(195);
        packet.set_priority(200);
        packet.set_count(2);
        packet.set_max_advert_int(25);
        packet.payload_mut().copy_from_slice(&V3_IPV6_BYTES[8..]);
        packet.fill_checksum(Some(&pseudo_v6()));
        assert_eq!(bytes, V3_IPV6_BYTES);
    }

    #[test]
    fn test_v2_deconstruct() {
        let packet = Packet::new_checked(&V2_PASS_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 2);
        assert_eq!(packet.msg_type(), 1);
        assert_eq!(packet.vrid(), 25);
        assert_eq!(packet.priority(), 100);
        assert_eq!(packet.count(), 1);
        assert_eq!(packet.auth_type(), 1);
        assert_eq!(packet.advert_int_secs(), 1);
        assert_eq!(packet.checksum(), 0xb5ef);
        assert!(packet.verify_checksum(None));
        assert!(!packet.verify_checksum(Some(&pseudo_v4())));
    }

    #[test]
    fn test_v2_construct() {
        let mut bytes = vec![0xa5; V2_PASS_BYTES.len()];
        let mut packet = Packet::new_unchecked(&mut bytes);
        packet.set_version(2);
        packet.set_msg_type(1);
        packet.set_vrid(25);
        packet.set_priority(100);
        packet.set_count(1);
        packet.set_auth_type(1);
        packet.set_advert_int_secs(1);
        packet.payload_mut().copy_from_slice(&V2_PASS_BYTES[8..]);
        packet.fill_checksum(None);
        assert_eq!(bytes, V2_PASS_BYTES);
    }

    #[test]
    fn test_reserved_bits_ignored_and_cleared() {
        let mut bytes = V3_IPV4_BYTES;
        bytes[4] |= 0xf0;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        assert_eq!(packet.max_advert_int(), 50);
        packet.set_max_advert_int(0xf000 | 4095);
        assert_eq!(packet.max_advert_int(), 4095);
        assert_eq!(bytes[4] >> 4, 0);
    }

    #[test]
    fn test_nibbles_independent() {
        let mut bytes = [0u8; 8];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_msg_type(0xf1);
        packet.set_version(3);
        assert_eq!((packet.version(), packet.msg_type()), (3, 1));
        assert_eq!(bytes[0], 0x31);
    }

    #[test]
    fn test_check_len() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&V3_IPV4_BYTES[..len]),
                Err(Error::Truncated),
                "length {len}"
            );
        }
        let packet = Packet::new_checked(&V3_IPV4_BYTES[..HEADER_LEN]).unwrap();
        assert_eq!(packet.payload(), &[] as &[u8]);
        assert_eq!(packet.into_inner(), &V3_IPV4_BYTES[..HEADER_LEN]);
    }

    #[test]
    fn test_verify_checksum_any_length() {
        for len in 0..V3_IPV6_BYTES.len() {
            let packet = Packet::new_unchecked(&V3_IPV6_BYTES[..len]);
            assert!(!packet.verify_checksum(Some(&pseudo_v6())), "length {len}");
            let _ = packet.verify_checksum(None);
        }
    }
}
