//! [`Addresses`]: the address list of an advertisement, borrowed as it is on
//! the wire.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Error, Family, MAX_ADDRESSES};

/// A borrowed list of addresses of one family, as they are on the wire
/// (network byte order, back to back).
///
/// Equality and hashing are of the wire bytes, in order; [`same_set`]
/// compares regardless of order.
///
/// [`same_set`]: Self::same_set
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Addresses<'a> {
    family: Family,
    bytes: &'a [u8],
}

impl<'a> Addresses<'a> {
    /// Wraps `bytes` as addresses of `family`.
    ///
    /// Fails with [`Error::LengthMismatch`] unless `bytes` holds a whole
    /// number of addresses, at most 255 (the count field is a byte).
    pub const fn new(family: Family, bytes: &'a [u8]) -> Result<Self, Error> {
        let address_len = family.address_len();
        if bytes.len() % address_len != 0 || bytes.len() / address_len > MAX_ADDRESSES {
            return Err(Error::LengthMismatch);
        }
        Ok(Self { family, bytes })
    }

    /// Wraps bytes the caller has already sized: a whole number of
    /// addresses of `family`, at most 255.
    pub(super) const fn from_wire(family: Family, bytes: &'a [u8]) -> Self {
        Self { family, bytes }
    }

    /// No addresses.
    pub const fn empty(family: Family) -> Self {
        Self { family, bytes: &[] }
    }

    /// The family of the addresses.
    pub const fn family(&self) -> Family {
        self.family
    }

    /// The number of addresses.
    pub const fn len(&self) -> usize {
        self.bytes.len() / self.family.address_len()
    }

    /// Whether there are no addresses.
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The addresses as they are on the wire.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The addresses, in wire order.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + 'a {
        let family = self.family;
        self.chunks().map(move |chunk| decode(family, chunk))
    }

    /// Whether `addr` is one of the addresses. An address of the other
    /// family never is.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(v4) if self.family == Family::Ipv4 => {
                self.chunks().any(|chunk| chunk == v4.octets())
            }
            IpAddr::V6(v6) if self.family == Family::Ipv6 => {
                self.chunks().any(|chunk| chunk == v6.octets())
            }
            _ => false,
        }
    }

    /// Whether both lists hold the same addresses, in any order: same
    /// family, same count, and every address of each list in the other.
    ///
    /// Does not allocate; quadratic in the count (at most 255), with a fast
    /// path when the bytes are equal, as they are between peers configured
    /// alike.
    pub fn same_set(&self, other: &Addresses<'_>) -> bool {
        if self.family != other.family || self.bytes.len() != other.bytes.len() {
            return false;
        }
        if self.bytes == other.bytes {
            return true;
        }
        let within = |inner: &Addresses<'_>, outer: &Addresses<'_>| {
            inner.chunks().all(|a| outer.chunks().any(|b| a == b))
        };
        within(self, other) && within(other, self)
    }

    fn chunks(&self) -> core::slice::ChunksExact<'a, u8> {
        self.bytes.chunks_exact(self.family.address_len())
    }
}

/// One address from a chunk of exactly `family.address_len()` bytes.
fn decode(family: Family, chunk: &[u8]) -> IpAddr {
    match family {
        Family::Ipv4 => {
            let mut octets = [0; 4];
            octets.copy_from_slice(chunk);
            IpAddr::V4(Ipv4Addr::from(octets))
        }
        Family::Ipv6 => {
            let mut octets = [0; 16];
            octets.copy_from_slice(chunk);
            IpAddr::V6(Ipv6Addr::from(octets))
        }
    }
}

/// Serialises `addrs` into the wire form that [`Addresses::new`] wraps, for
/// a configuration to build once and keep.
///
/// Allocates: meant for configuration time, not the advertisement path.
/// Fails with [`Error::AddressFamilyMismatch`] if an address is not of
/// `family`, and with [`Error::LengthMismatch`] if there are more than 255.
pub fn encode_addresses(addrs: &[IpAddr], family: Family) -> Result<Vec<u8>, Error> {
    if addrs.iter().any(|addr| Family::of(addr) != family) {
        return Err(Error::AddressFamilyMismatch);
    }
    if addrs.len() > MAX_ADDRESSES {
        return Err(Error::LengthMismatch);
    }
    let mut bytes = Vec::with_capacity(addrs.len() * family.address_len());
    for addr in addrs {
        match addr {
            IpAddr::V4(v4) => bytes.extend_from_slice(&v4.octets()),
            IpAddr::V6(v6) => bytes.extend_from_slice(&v6.octets()),
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod test {
    use super::*;

    /// The address list of keepalived's VRRPv3 IPv4 capture:
    /// 192.0.2.100..=102.
    static V3_IPV4_ADDRS: [u8; 12] = [
        0xc0, 0x00, 0x02, 0x64, 0xc0, 0x00, 0x02, 0x65, 0xc0, 0x00, 0x02, 0x66,
    ];

    /// The address list of keepalived's VRRPv3 IPv6 capture: 2001:db8::100
    /// and fe80::5:100.
    static V3_IPV6_ADDRS: [u8; 32] = [
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
        0x01, 0x00,
    ];

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    fn v6(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().unwrap())
    }

    #[test]
    fn test_iter() {
        let addrs = Addresses::new(Family::Ipv4, &V3_IPV4_ADDRS).unwrap();
        let list: Vec<IpAddr> = addrs.iter().collect();
        assert_eq!(
            list,
            [v4(192, 0, 2, 100), v4(192, 0, 2, 101), v4(192, 0, 2, 102)]
        );
        let addrs = Addresses::new(Family::Ipv6, &V3_IPV6_ADDRS).unwrap();
        let list: Vec<IpAddr> = addrs.iter().collect();
        assert_eq!(list, [v6("2001:db8::100"), v6("fe80::5:100")]);
        assert_eq!(Addresses::empty(Family::Ipv6).iter().count(), 0);
    }

    #[test]
    fn test_addresses_new() {
        assert!(Addresses::new(Family::Ipv4, &[0; 4 * 255]).is_ok());
        assert!(Addresses::new(Family::Ipv6, &[0; 16 * 255]).is_ok());
        assert!(Addresses::new(Family::Ipv4, &[]).unwrap().is_empty());
        for (family, len) in [
            (Family::Ipv4, 5),
            (Family::Ipv4, 4 * 256),
            (Family::Ipv6, 4),
            (Family::Ipv6, 16 * 256),
        ] {
            let bytes = vec![0; len];
            assert_eq!(
                Addresses::new(family, &bytes),
                Err(Error::LengthMismatch),
                "{len}"
            );
        }
        let addrs = Addresses::new(Family::Ipv6, &V3_IPV6_ADDRS).unwrap();
        assert_eq!((addrs.len(), addrs.family()), (2, Family::Ipv6));
        assert_eq!(addrs.as_bytes(), &V3_IPV6_ADDRS);
        assert_eq!(Addresses::empty(Family::Ipv4).len(), 0);
    }

    #[test]
    fn test_addresses_contains() {
        let addrs = Addresses::new(Family::Ipv4, &V3_IPV4_ADDRS).unwrap();
        assert!(addrs.contains(v4(192, 0, 2, 101)));
        assert!(!addrs.contains(v4(192, 0, 2, 103)));
        assert!(!addrs.contains(v6("::ffff:192.0.2.101")));
        let addrs = Addresses::new(Family::Ipv6, &V3_IPV6_ADDRS).unwrap();
        assert!(addrs.contains(v6("fe80::5:100")));
        assert!(!addrs.contains(v6("fe80::5:101")));
        assert!(!addrs.contains(v4(192, 0, 2, 100)));
    }

    #[test]
    fn test_addresses_same_set() {
        let config = [v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 0, 3)];
        let shuffled = [v4(10, 0, 0, 3), v4(10, 0, 0, 1), v4(10, 0, 0, 2)];
        let other = [v4(10, 0, 0, 3), v4(10, 0, 0, 1), v4(10, 0, 0, 4)];
        let dup = [v4(10, 0, 0, 1), v4(10, 0, 0, 1), v4(10, 0, 0, 2)];
        let encode = |addrs: &[IpAddr]| encode_addresses(addrs, Family::Ipv4).unwrap();
        let (config, shuffled) = (encode(&config), encode(&shuffled));
        let (other, dup) = (encode(&other), encode(&dup));
        let view = |bytes| Addresses::new(Family::Ipv4, bytes).unwrap();

        assert!(view(&config).same_set(&view(&config)));
        assert!(view(&config).same_set(&view(&shuffled)));
        assert!(view(&shuffled).same_set(&view(&config)));
        assert!(!view(&config).same_set(&view(&other)));
        assert!(!view(&config).same_set(&view(&config[..8])));
        assert!(!view(&config).same_set(&view(&dup)));
        assert!(!view(&dup).same_set(&view(&config)));
        // Same bytes, other family: 12 bytes are three IPv4 addresses, but
        // 16 bytes read as one IPv6 address are not four IPv4 ones.
        let sixteen = [0u8; 16];
        let as_v6 = Addresses::new(Family::Ipv6, &sixteen).unwrap();
        assert!(!view(&sixteen).same_set(&as_v6));
        assert!(Addresses::empty(Family::Ipv6).same_set(&Addresses::empty(Family::Ipv6)));
        assert!(!Addresses::empty(Family::Ipv6).same_set(&Addresses::empty(Family::Ipv4)));
    }

    #[test]
    fn test_encode_addresses() {
        let addrs = [v6("2001:db8::100"), v6("fe80::5:100")];
        assert_eq!(
            encode_addresses(&addrs, Family::Ipv6).unwrap(),
            &V3_IPV6_ADDRS
        );
        assert_eq!(
            encode_addresses(&addrs, Family::Ipv4),
            Err(Error::AddressFamilyMismatch)
        );
        assert_eq!(encode_addresses(&[], Family::Ipv4), Ok(Vec::new()));
        let many = vec![v4(10, 0, 0, 1); 256];
        assert_eq!(
            encode_addresses(&many, Family::Ipv4),
            Err(Error::LengthMismatch)
        );
        assert_eq!(
            encode_addresses(&many[..255], Family::Ipv4).map(|v| v.len()),
            Ok(1020)
        );
    }
}
