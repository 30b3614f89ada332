//! The IP Authentication Header ([RFC 2402]) in front of a VRRPv2 message,
//! as keepalived sends it for `auth_type AH` (RFC 2338 §5.3.6.2's type 2):
//! [`AhPacket`] is the zero-copy view, [`AhRepr`] its meaning.
//!
//! keepalived's AH is fixed: HMAC-MD5-96 (an ICV of 12 bytes, so a
//! Payload Len of 4 words), the next header VRRP, the SPI the sender's
//! IPv4 source address, a sequence number per advertisement. The datagram
//! is `IPv4 header | AH | VRRP message`, and the ICV covers all three
//! (see [`crate::auth_ah`]).
//!
//! [RFC 2402]: <https://www.rfc-editor.org/rfc/rfc2402#section-2>

use core::net::Ipv4Addr;

use super::{Error, PROTOCOL};

/// The IP protocol number of AH.
pub const PROTOCOL_AH: u8 = 51;

/// Bytes of the header with keepalived's 96-bit ICV.
pub const AH_LEN: usize = 24;

/// Bytes of the ICV: HMAC-MD5 truncated to 96 bits (RFC 2403).
pub const ICV_LEN: usize = 12;

/// The Payload Len field of a 96-bit ICV: the header's length in 32-bit
/// words, minus 2 (RFC 2402 §2.2).
pub const PAYLOAD_LEN_WORDS: u8 = 4;

/// A view over a buffer starting with an Authentication Header.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Header   |  Payload Len  |          RESERVED             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Security Parameters Index (SPI)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Sequence Number Field                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +         Authentication Data (HMAC-MD5-96, 12 bytes)           +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Once [`new_checked`](Self::new_checked) returned `Ok`, no accessor
/// panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AhPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub(super) type Field = core::ops::Range<usize>;

    pub(super) const NEXT_HEADER: usize = 0;
    pub(super) const PAYLOAD_LEN: usize = 1;
    pub(super) const RESERVED: Field = 2..4;
    pub(super) const SPI: Field = 4..8;
    pub(super) const SEQUENCE: Field = 8..12;
    pub(super) const ICV: Field = 12..24;
}

impl<T: AsRef<[u8]>> AhPacket<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer`, checking it holds at least [`AH_LEN`] bytes.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        if buffer.as_ref().len() < AH_LEN {
            return Err(Error::MalformedAh);
        }
        Ok(Self { buffer })
    }

    /// The protocol of what follows: VRRP ([`PROTOCOL`]).
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }

    /// The header's length in 32-bit words, minus 2.
    #[inline]
    pub fn payload_len(&self) -> u8 {
        self.buffer.as_ref()[field::PAYLOAD_LEN]
    }

    /// Zero when sent; covered by the ICV.
    #[inline]
    pub fn reserved(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::RESERVED];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The Security Parameters Index: keepalived's is the sender's address.
    #[inline]
    pub fn spi(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SPI])
    }

    /// The sequence number.
    #[inline]
    pub fn sequence(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SEQUENCE])
    }

    /// The ICV as received.
    #[inline]
    pub fn icv(&self) -> &[u8] {
        &self.buffer.as_ref()[field::ICV]
    }

    /// What follows the header: the VRRP message.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[AH_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> AhPacket<T> {
    /// Writes the ICV.
    pub fn set_icv(&mut self, icv: &[u8; ICV_LEN]) {
        self.buffer.as_mut()[field::ICV].copy_from_slice(icv);
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// What an Authentication Header says, apart from its ICV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AhRepr {
    /// The protocol of what follows; VRRP when keepalived sends it.
    pub next_header: u8,
    /// The Security Parameters Index.
    pub spi: u32,
    /// The sequence number.
    pub sequence: u32,
}

impl AhRepr {
    /// The header keepalived sends in front of a VRRP message from `src`.
    pub fn vrrp(src: Ipv4Addr, sequence: u32) -> Self {
        Self {
            next_header: PROTOCOL,
            spi: u32::from_be_bytes(src.octets()),
            sequence,
        }
    }

    /// Reads a checked header: its Payload Len must be
    /// [`PAYLOAD_LEN_WORDS`] (a 96-bit ICV, the only one keepalived sends),
    /// else [`Error::MalformedAh`]. The next header is returned as it is:
    /// AH for another protocol is the receiver's to ignore.
    pub fn parse<T: AsRef<[u8]>>(packet: &AhPacket<T>) -> Result<Self, Error> {
        if packet.payload_len() != PAYLOAD_LEN_WORDS {
            return Err(Error::MalformedAh);
        }
        Ok(Self {
            next_header: packet.next_header(),
            spi: packet.spi(),
            sequence: packet.sequence(),
        })
    }

    /// Writes the header into the front of `buf` with a zero ICV, as the
    /// ICV is computed over it; [`Error::BufferTooSmall`] (nothing written)
    /// when `buf` is shorter than [`AH_LEN`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), Error> {
        let Some(buf) = buf.get_mut(..AH_LEN) else {
            return Err(Error::BufferTooSmall { required: AH_LEN });
        };
        buf[field::NEXT_HEADER] = self.next_header;
        buf[field::PAYLOAD_LEN] = PAYLOAD_LEN_WORDS;
        buf[field::RESERVED].fill(0);
        buf[field::SPI].copy_from_slice(&self.spi.to_be_bytes());
        buf[field::SEQUENCE].copy_from_slice(&self.sequence.to_be_bytes());
        buf[field::ICV].fill(0);
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// keepalived's AH from 192.168.200.11, sequence 3, ICV 0x01..0x0c.
    static AH_BYTES: [u8; 24] = [
        0x70, 0x04, 0x00, 0x00, 0xc0, 0xa8, 0xc8, 0x0b, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    ];

    fn repr() -> AhRepr {
        AhRepr::vrrp(Ipv4Addr::new(192, 168, 200, 11), 3)
    }

    #[test]
    fn test_ah_deconstruct() {
        let packet = AhPacket::new_checked(&AH_BYTES[..]).unwrap();
        assert_eq!(packet.next_header(), PROTOCOL);
        assert_eq!(packet.payload_len(), 4);
        assert_eq!(packet.reserved(), 0);
        assert_eq!(packet.spi(), 0xc0a8_c80b);
        assert_eq!(packet.sequence(), 3);
        assert_eq!(packet.icv(), &AH_BYTES[12..]);
        assert_eq!(packet.payload(), &[] as &[u8]);
        assert_eq!(AhRepr::parse(&packet), Ok(repr()));
    }

    #[test]
    fn test_ah_construct() {
        let mut buf = vec![0xa5; 26];
        repr().emit(&mut buf).unwrap();
        assert_eq!(buf[..12], AH_BYTES[..12]);
        assert_eq!(buf[12..24], [0; ICV_LEN], "the ICV is left zero");
        assert_eq!(buf[24..], [0xa5; 2], "nothing written past the header");
        let mut packet = AhPacket::new_checked(&mut buf[..]).unwrap();
        packet.set_icv(AH_BYTES[12..].try_into().unwrap());
        assert_eq!(buf[..24], AH_BYTES);
    }

    #[test]
    fn test_ah_round_trip_of_every_field() {
        for (spi, sequence) in [(0, 0), (u32::MAX, u32::MAX), (0x0102_0304, 0xfffffffd)] {
            let repr = AhRepr {
                next_header: 6,
                spi,
                sequence,
            };
            let mut buf = [0; AH_LEN];
            repr.emit(&mut buf).unwrap();
            let packet = AhPacket::new_checked(&buf[..]).unwrap();
            assert_eq!(AhRepr::parse(&packet), Ok(repr));
        }
    }

    #[test]
    fn test_ah_malformed() {
        for len in 0..AH_LEN {
            assert_eq!(
                AhPacket::new_checked(&AH_BYTES[..len]),
                Err(Error::MalformedAh),
                "{len} bytes"
            );
        }
        for payload_len in [0, 3, 5, 0xff] {
            let mut bytes = AH_BYTES;
            bytes[1] = payload_len;
            let packet = AhPacket::new_checked(&bytes[..]).unwrap();
            assert_eq!(AhRepr::parse(&packet), Err(Error::MalformedAh));
        }
        let mut short = [0xa5; AH_LEN - 1];
        assert_eq!(
            repr().emit(&mut short),
            Err(Error::BufferTooSmall { required: AH_LEN })
        );
        assert_eq!(short, [0xa5; AH_LEN - 1], "nothing written");
    }
}
