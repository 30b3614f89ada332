//! [`Ipv4Packet`] and [`Ipv4Repr`]: the IPv4 header a raw socket hands over
//! with each received VRRP message (RFC 791 §3.1), read for what VRRP
//! checks (RFC 9568 §5.1.1, §7.1): addresses, TTL, TOS.

use core::net::Ipv4Addr;

use super::Error;

/// A read-only view over a buffer starting with an IPv4 header.
///
/// [RFC 791 §3.1]:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The kernel has checked the header checksum and the total length before
/// a raw socket sees the datagram; neither is read here. Once
/// [`new_checked`](Self::new_checked) returned `Ok`, no accessor panics.
///
/// [RFC 791 §3.1]: <https://www.rfc-editor.org/rfc/rfc791#section-3.1>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub(super) type Field = core::ops::Range<usize>;

    /// Version in the high nibble, IHL (32-bit words) in the low nibble.
    pub(super) const VER_IHL: usize = 0;
    pub(super) const TOS: usize = 1;
    pub(super) const TOTAL_LEN: Field = 2..4;
    pub(super) const IDENT: Field = 4..6;
    pub(super) const FLAGS_FRAG: Field = 6..8;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: Field = 10..12;
    pub(super) const SRC_ADDR: Field = 12..16;
    pub(super) const DST_ADDR: Field = 16..20;
}

/// Length of an IPv4 header without options.
pub const IPV4_HEADER_LEN: usize = field::DST_ADDR.end;

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer`, checking it starts with a whole IPv4 header.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer starts with a whole IPv4 header: version 4, an
    /// IHL of at least five words, and that many bytes present.
    pub fn check_len(&self) -> Result<(), Error> {
        let len = self.buffer.as_ref().len();
        if len < IPV4_HEADER_LEN
            || self.version() != 4
            || self.header_len() < IPV4_HEADER_LEN
            || len < self.header_len()
        {
            Err(Error::MalformedIpv4Header)
        } else {
            Ok(())
        }
    }

    /// The version field: 4.
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// The header's length in bytes, options included (IHL × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// The type of service (DSCP and ECN) byte.
    #[inline]
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::TOS]
    }

    /// The total length, header included, as sent.
    #[inline]
    pub fn total_len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::TOTAL_LEN])
    }

    /// The identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::IDENT])
    }

    /// The flags and fragment offset.
    #[inline]
    pub fn flags_frag(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::FLAGS_FRAG])
    }

    /// The header checksum.
    #[inline]
    pub fn checksum(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::CHECKSUM])
    }

    /// The time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The protocol of the payload (VRRP: [`PROTOCOL`](super::PROTOCOL)).
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// The source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        address(&self.buffer.as_ref()[field::SRC_ADDR])
    }

    /// The destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        address(&self.buffer.as_ref()[field::DST_ADDR])
    }

    /// What follows the header (and its options): the VRRP message.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

fn address(bytes: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
}

fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

/// The IPv4 header we write ourselves in front of an AH-authenticated
/// advert (the ICV covers it): no options, no fragmentation flags, as
/// keepalived builds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Header {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Type of service.
    pub tos: u8,
    /// Identification: never 0, which a Linux raw socket would replace.
    pub ident: u16,
    /// Length of the payload after the header.
    pub payload_len: u16,
}

impl Ipv4Header {
    /// Writes the header ([`IPV4_HEADER_LEN`] bytes), its checksum
    /// included, into the front of `buf`; [`Error::BufferTooSmall`]
    /// (nothing written) when `buf` is shorter, or when the datagram's
    /// total length would not fit its field.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), Error> {
        let too_small = Error::BufferTooSmall {
            required: IPV4_HEADER_LEN,
        };
        let total = u16::try_from(IPV4_HEADER_LEN)
            .ok()
            .and_then(|h| h.checked_add(self.payload_len))
            .ok_or(too_small)?;
        let buf = buf.get_mut(..IPV4_HEADER_LEN).ok_or(too_small)?;
        buf[field::VER_IHL] = 0x45;
        buf[field::TOS] = self.tos;
        buf[field::TOTAL_LEN].copy_from_slice(&total.to_be_bytes());
        buf[field::IDENT].copy_from_slice(&self.ident.to_be_bytes());
        buf[field::FLAGS_FRAG].fill(0);
        buf[field::TTL] = self.ttl;
        buf[field::PROTOCOL] = self.protocol;
        buf[field::CHECKSUM].fill(0);
        buf[field::SRC_ADDR].copy_from_slice(&self.src.octets());
        buf[field::DST_ADDR].copy_from_slice(&self.dst.octets());
        let checksum = super::checksum::internet_checksum(buf);
        buf[field::CHECKSUM].copy_from_slice(&checksum.to_be_bytes());
        Ok(())
    }
}

/// The fields of an IPv4 header VRRP reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address: the VRRP group or one of ours.
    pub dst: Ipv4Addr,
    /// Time to live (VRRP sends and requires 255).
    pub ttl: u8,
    /// Type of service (VRRP sends 0xc0).
    pub tos: u8,
    /// Header length in bytes, options included: where the payload starts.
    pub header_len: usize,
}

impl Ipv4Repr {
    /// Reads a checked header.
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Self {
        Self {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            ttl: packet.ttl(),
            tos: packet.tos(),
            header_len: packet.header_len(),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::{MULTICAST_V4, PROTOCOL};

    /// IPv4 header of a VRRP advert as keepalived sends it: TOS 0xc0,
    /// TTL 255, protocol 112, 192.0.2.1 → 224.0.0.18, no options.
    static IPV4_HEADER: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0xff, 0x70, 0x00, 0x00, 192, 0, 2, 1, 224,
        0, 0, 18,
    ];

    #[test]
    fn test_deconstruct() {
        let packet = Ipv4Packet::new_checked(&IPV4_HEADER[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.protocol(), PROTOCOL);
        assert_eq!(packet.payload(), &[] as &[u8]);
        assert_eq!(
            Ipv4Repr::parse(&packet),
            Ipv4Repr {
                src: Ipv4Addr::new(192, 0, 2, 1),
                dst: MULTICAST_V4,
                ttl: 255,
                tos: 0xc0,
                header_len: 20,
            }
        );
    }

    #[test]
    fn test_header_construct() {
        let header = Ipv4Header {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: MULTICAST_V4,
            protocol: PROTOCOL,
            ttl: 255,
            tos: 0xc0,
            ident: 0x1234,
            payload_len: 20,
        };
        let mut buf = vec![0xa5; 22];
        header.emit(&mut buf).unwrap();
        assert_eq!(buf[20..], [0xa5; 2], "nothing written past the header");
        let packet = Ipv4Packet::new_checked(&buf[..20]).unwrap();
        assert_eq!(
            (packet.total_len(), packet.ident(), packet.flags_frag()),
            (40, 0x1234, 0)
        );
        assert_eq!(packet.protocol(), PROTOCOL);
        assert_eq!(
            crate::wire::checksum::internet_checksum(&buf[..20]),
            0,
            "the header checksum verifies"
        );
        let mut expected = IPV4_HEADER;
        expected[4..6].copy_from_slice(&[0x12, 0x34]);
        expected[6] = 0;
        expected[10..12].copy_from_slice(&packet.checksum().to_be_bytes());
        assert_eq!(buf[..20], expected);
        let mut short = [0xa5; 19];
        assert!(header.emit(&mut short).is_err());
        assert_eq!(short, [0xa5; 19]);
        let huge = Ipv4Header {
            payload_len: u16::MAX,
            ..header
        };
        assert!(huge.emit(&mut buf).is_err());
    }

    #[test]
    fn test_options_are_skipped_whole() {
        let mut bytes = IPV4_HEADER.to_vec();
        bytes[0] = 0x46; // IHL 6: one 4-byte option (router alert)
        bytes.extend_from_slice(&[0x94, 0x04, 0x00, 0x00, 0x31]);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.header_len(), 24);
        assert_eq!(packet.payload(), &[0x31]);
    }

    #[test]
    fn test_not_an_ipv4_header_is_refused() {
        let refused = |bytes: &[u8]| Ipv4Packet::new_checked(bytes).err();
        assert_eq!(refused(&[]), Some(Error::MalformedIpv4Header));
        assert_eq!(
            refused(&IPV4_HEADER[..19]),
            Some(Error::MalformedIpv4Header)
        );
        let mut v6 = IPV4_HEADER;
        v6[0] = 0x65;
        assert_eq!(refused(&v6), Some(Error::MalformedIpv4Header));
        let mut short_ihl = IPV4_HEADER;
        short_ihl[0] = 0x44;
        assert_eq!(refused(&short_ihl), Some(Error::MalformedIpv4Header));
        let mut long_ihl = IPV4_HEADER;
        long_ihl[0] = 0x46;
        assert_eq!(refused(&long_ihl), Some(Error::MalformedIpv4Header));
    }
}
