//! The HMAC authentication trailer keepalived 2.4 appends to an
//! advertisement (`auth_hmac`; draft-cassen-vrrp-auth-hmac): [`Trailer`] is
//! the zero-copy view, [`TrailerRepr`] its meaning.
//!
//! The trailer follows the VRRP message (after the addresses, and for
//! VRRPv2 after the authentication data) and is counted in the IP length;
//! the VRRP count field does not include it, so a receiver recognises it by
//! the length alone: exactly [`TRAILER_LEN`] bytes more than the message.

use super::Error;

/// Bytes the trailer adds to an advertisement.
pub const TRAILER_LEN: usize = 28;

/// Bytes of the tag: HMAC-SHA256 truncated to 128 bits.
pub const TAG_LEN: usize = 16;

/// The only scheme: HMAC-SHA256 truncated to 128 bits.
pub const SCHEME_HMAC_SHA256_128: u8 = 1;

/// The trailer's layout:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Scheme     |    Key ID     |           Reserved (0)        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Seconds (UTC, since the Unix epoch)           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Fraction of a second     |            Counter            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                  Tag (HMAC-SHA256, first 128 bits)            +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Seconds, fraction and counter read as one 64-bit [`Sequence`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailer<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub(super) type Field = core::ops::Range<usize>;

    pub(super) const SCHEME: usize = 0;
    pub(super) const KEY_ID: usize = 1;
    pub(super) const RESERVED: Field = 2..4;
    /// Seconds, fraction, counter.
    pub(super) const SEQUENCE: Field = 4..12;
    pub(super) const TAG: Field = 12..28;
}

/// Bytes of the trailer before the tag: what the tag covers of it.
pub const TAG_OFFSET: usize = field::TAG.start;

impl<T: AsRef<[u8]>> Trailer<T> {
    /// Wraps `buffer`, which must hold exactly [`TRAILER_LEN`] bytes.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        if buffer.as_ref().len() == TRAILER_LEN {
            Ok(Self { buffer })
        } else {
            Err(Error::MalformedTrailer)
        }
    }

    /// The scheme identifier: [`SCHEME_HMAC_SHA256_128`].
    pub fn scheme(&self) -> u8 {
        self.buffer.as_ref()[field::SCHEME]
    }

    /// Which of the receiver's keys verifies the tag.
    pub fn key_id(&self) -> u8 {
        self.buffer.as_ref()[field::KEY_ID]
    }

    /// Zero when sent.
    pub fn reserved(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::RESERVED];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// The sender's sequence: its clock when it signed, made unique.
    pub fn sequence(&self) -> Sequence {
        let b = &self.buffer.as_ref()[field::SEQUENCE];
        let mut bytes = [0; 8];
        bytes.copy_from_slice(b);
        Sequence(u64::from_be_bytes(bytes))
    }

    /// The tag as received.
    pub fn tag(&self) -> &[u8] {
        &self.buffer.as_ref()[field::TAG]
    }

    /// The bytes before the tag.
    pub fn header(&self) -> &[u8] {
        &self.buffer.as_ref()[..TAG_OFFSET]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Trailer<T> {
    /// Writes the tag.
    pub fn set_tag(&mut self, tag: &[u8; TAG_LEN]) {
        self.buffer.as_mut()[field::TAG].copy_from_slice(tag);
    }
}

/// What a trailer says, apart from its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrailerRepr {
    /// The key the tag was made with.
    pub key_id: u8,
    /// The sender's sequence.
    pub sequence: Sequence,
}

impl TrailerRepr {
    /// Reads a trailer: the scheme must be [`SCHEME_HMAC_SHA256_128`] and the
    /// reserved bits zero, else [`Error::MalformedTrailer`].
    pub fn parse<T: AsRef<[u8]>>(trailer: &Trailer<T>) -> Result<Self, Error> {
        if trailer.scheme() != SCHEME_HMAC_SHA256_128 || trailer.reserved() != 0 {
            return Err(Error::MalformedTrailer);
        }
        Ok(Self {
            key_id: trailer.key_id(),
            sequence: trailer.sequence(),
        })
    }

    /// Writes the trailer into `buf` ([`TRAILER_LEN`] bytes) with a zero
    /// tag, as the tag is computed over it.
    pub fn emit(&self, buf: &mut [u8; TRAILER_LEN]) {
        buf[field::SCHEME] = SCHEME_HMAC_SHA256_128;
        buf[field::KEY_ID] = self.key_id;
        buf[field::RESERVED].fill(0);
        buf[field::SEQUENCE].copy_from_slice(&self.sequence.0.to_be_bytes());
        buf[field::TAG].fill(0);
    }
}

/// A sender's 64-bit sequence: UTC seconds since the Unix epoch (32 bits),
/// the binary fraction of the second (16 bits) and a counter that breaks
/// ties within one timestamp (16 bits). It grows with every advertisement
/// a sender signs; seconds wrap in 2106, so it is compared modulo 2^64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sequence(pub u64);

impl Sequence {
    /// The sequence of a clock reading: seconds and fraction, counter 0.
    pub fn from_unix(since_epoch: core::time::Duration) -> Self {
        let secs = u64::from(since_epoch.as_secs() as u32);
        let fraction = (u64::from(since_epoch.subsec_nanos()) << 16) / 1_000_000_000;
        Self((secs << 32) | (fraction << 16))
    }

    /// The seconds part.
    pub const fn secs(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Whether `self` comes after `earlier`, modulo 2^64.
    pub const fn is_after(self, earlier: Self) -> bool {
        (self.0.wrapping_sub(earlier.0) as i64) > 0
    }

    /// The next sequence number.
    pub const fn next(self) -> Self {
        Self(self.0.wrapping_add(1))
    }

    /// Seconds from `self` to `later`, negative when `later` is earlier,
    /// modulo 2^32 as keepalived compares them.
    pub const fn secs_until(self, later_secs: u32) -> i32 {
        later_secs.wrapping_sub(self.secs()) as i32
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use core::time::Duration;

    #[test]
    fn emit_then_parse() {
        let repr = TrailerRepr {
            key_id: 7,
            sequence: Sequence(0x6a0b_1c2d_8000_0001),
        };
        let mut buf = [0xff; TRAILER_LEN];
        repr.emit(&mut buf);
        assert_eq!(
            &buf[..12],
            &[1, 7, 0, 0, 0x6a, 0x0b, 0x1c, 0x2d, 0x80, 0, 0, 1]
        );
        assert_eq!(&buf[12..], &[0; TAG_LEN]);
        let trailer = Trailer::new_checked(&buf[..]).unwrap();
        assert_eq!(TrailerRepr::parse(&trailer), Ok(repr));
        assert_eq!(trailer.header(), &buf[..12]);
    }

    #[test]
    fn malformed() {
        assert_eq!(
            Trailer::new_checked(&[0u8; TRAILER_LEN - 1][..]),
            Err(Error::MalformedTrailer)
        );
        let mut buf = [0; TRAILER_LEN];
        TrailerRepr {
            key_id: 1,
            sequence: Sequence(1),
        }
        .emit(&mut buf);
        let mut scheme = buf;
        scheme[0] = 2;
        let mut reserved = buf;
        reserved[3] = 1;
        for bad in [scheme, reserved] {
            let trailer = Trailer::new_checked(&bad[..]).unwrap();
            assert_eq!(TrailerRepr::parse(&trailer), Err(Error::MalformedTrailer));
        }
    }

    #[test]
    fn sequence_from_the_clock_and_its_order() {
        let s = Sequence::from_unix(Duration::new(1_796_640_915, 500_000_000));
        assert_eq!(s.secs(), 1_796_640_915);
        assert_eq!((s.0 >> 16) as u16, 0x8000, "half a second");
        assert_eq!(s.0 as u16, 0, "counter 0");
        assert!(s.next().is_after(s));
        assert!(!s.is_after(s));
        assert!(!s.is_after(s.next()));
        // Modulo 2^64: just past the wrap is after just before it.
        assert!(Sequence(1).is_after(Sequence(u64::MAX)));
        assert_eq!(s.secs_until(1_796_640_920), 5);
        assert_eq!(s.secs_until(1_796_640_910), -5);
    }
}
