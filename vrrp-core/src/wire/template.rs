//! [`AdvertTemplate`]: an instance's advertisement encoded once, emitted
//! many times. Everything but the priority and the checksum is fixed for
//! an instance's lifetime; so the template keeps the bytes (priority 0,
//! checksum 0) and their sum, and each emit copies them, sets the priority
//! and finishes the checksum with the priority and the pseudo-header
//! (RFC 1624's incremental update). The bytes are the full encoder's
//! ([`Advertisement::emit_into`]), bit for bit.

use std::sync::Arc;

use super::checksum::{PseudoHeader, Sum};
use super::{Advertisement, Error, Family, Packet};

/// An advertisement's bytes with the priority left open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvertTemplate {
    family: Family,
    /// Priority 0, checksum 0; shared between clones.
    bytes: Arc<[u8]>,
    /// The Internet sum of `bytes`.
    sum: Sum,
}

impl AdvertTemplate {
    /// Encodes `advert` (its priority ignored), checking it as
    /// [`Advertisement::emit_into`] does.
    pub fn new(advert: &Advertisement<'_>) -> Result<Self, Error> {
        let mut bytes = vec![0; advert.buffer_len()];
        let zero = Advertisement {
            priority: 0,
            ..*advert
        };
        zero.emit_into(&mut bytes, None)?;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_checksum(0);
        let sum = Sum::default().add_bytes(&bytes);
        Ok(Self {
            family: advert.family(),
            bytes: bytes.into(),
            sum,
        })
    }

    /// How many bytes [`emit_into`](Self::emit_into) writes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never: an advertisement has at least its fixed header.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The advertisement with `priority`, checksum included (over
    /// `pseudo` when given), into the front of `buf`; the bytes written.
    /// The same bytes and errors as [`Advertisement::emit_into`].
    pub fn emit_into(
        &self,
        priority: u8,
        buf: &mut [u8],
        pseudo: Option<&PseudoHeader>,
    ) -> Result<usize, Error> {
        let length = self.bytes.len();
        if let Some(pseudo) = pseudo {
            if Family::of(&pseudo.src) != self.family || Family::of(&pseudo.dst) != self.family {
                return Err(Error::AddressFamilyMismatch);
            }
        }
        let Some(out) = buf.get_mut(..length) else {
            return Err(Error::BufferTooSmall { required: length });
        };
        out.copy_from_slice(&self.bytes);
        // The priority is the high byte of the header's second word.
        let mut sum = self.sum.add_u16(u16::from(priority) << 8);
        if let Some(pseudo) = pseudo {
            sum = sum.add_pseudo_header(pseudo, length);
        }
        let mut packet = Packet::new_unchecked(out);
        packet.set_priority(priority);
        packet.set_checksum(sum.checksum());
        Ok(length)
    }
}

#[cfg(test)]
mod test {
    use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::wire::{Auth, Version, encode_addresses};

    fn v4(n: u8) -> IpAddr {
        Ipv4Addr::new(192, 0, 2, n).into()
    }

    fn v6(n: u16) -> IpAddr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n).into()
    }

    /// Every priority, with and without a pseudo-header, 1 to 3 addresses
    /// of each family, v2 with a password and v3: the template's bytes are
    /// the full encoder's.
    #[test]
    fn emits_what_the_encoder_emits() {
        let cases: [(Version, Auth, Vec<IpAddr>, IpAddr, IpAddr); 4] = [
            (
                Version::V2,
                Auth::simple(b"secret"),
                vec![v4(100)],
                v4(1),
                v4(2),
            ),
            (
                Version::V3,
                Auth::None,
                vec![v4(100), v4(101), v4(102)],
                v4(1),
                v4(2),
            ),
            (Version::V3, Auth::None, vec![v6(0x100)], v6(1), v6(2)),
            (
                Version::V3,
                Auth::None,
                vec![v6(0x100), v6(0x101)],
                v6(1),
                v6(2),
            ),
        ];
        for (version, auth, vips, src, dst) in cases {
            let bytes = encode_addresses(&vips, Family::of(&src)).unwrap();
            let advert = |priority| Advertisement {
                version,
                vrid: 42,
                priority,
                interval: 100,
                addresses: crate::wire::Addresses::new(Family::of(&src), &bytes).unwrap(),
                auth,
            };
            let template = AdvertTemplate::new(&advert(7)).unwrap();
            let pseudo = PseudoHeader { src, dst };
            for priority in 0..=u8::MAX {
                for pseudo in [None, Some(&pseudo)] {
                    let (mut want, mut got) = ([0xa5; 64], [0x5a; 64]);
                    let len = advert(priority).emit_into(&mut want, pseudo).unwrap();
                    assert_eq!(template.emit_into(priority, &mut got, pseudo), Ok(len));
                    assert_eq!(got[..len], want[..len], "{version:?} {priority} {pseudo:?}");
                    assert_eq!(
                        got[len..],
                        [0x5a; 64][len..],
                        "nothing written past the advert"
                    );
                }
            }
        }
    }

    #[test]
    fn fails_as_the_encoder_fails() {
        let bytes = encode_addresses(&[v4(100)], Family::Ipv4).unwrap();
        let advert = Advertisement {
            version: Version::V3,
            vrid: 42,
            priority: 100,
            interval: 100,
            addresses: crate::wire::Addresses::new(Family::Ipv4, &bytes).unwrap(),
            auth: Auth::None,
        };
        let template = AdvertTemplate::new(&advert).unwrap();
        let mixed = PseudoHeader {
            src: v4(1),
            dst: v6(2),
        };
        let (mut short, mut long) = ([0; 11], [0; 64]);
        for (buf, pseudo) in [(&mut short[..], None), (&mut long[..], Some(&mixed))] {
            let want = advert.emit_into(&mut [0; 64][..buf.len()], pseudo);
            assert!(want.is_err());
            assert_eq!(template.emit_into(100, buf, pseudo), want);
        }
        assert_eq!(template.len(), 12);
        let v3_simple = Advertisement {
            auth: Auth::simple(b"x"),
            ..advert
        };
        assert_eq!(AdvertTemplate::new(&v3_simple), Err(Error::BadAuthType(1)));
    }
}
