//! [`Advertisement`]: what a VRRP message means, borrowed from its buffer.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::BufMut;

use super::checksum::{PseudoHeader, Sum};
use super::{
    AUTH_LEN, Error, Family, HEADER_LEN, MAX_ADDRESSES, MAX_INTERVAL_V3, Packet,
    TYPE_ADVERTISEMENT, Version,
};

/// VRRPv2 authentication type 0: no authentication.
const AUTH_TYPE_NONE: u8 = 0;
/// VRRPv2 authentication type 1: simple text password (keepalived's
/// `auth_type PASS`).
const AUTH_TYPE_SIMPLE: u8 = 1;

/// Centiseconds in a second: VRRPv2 intervals are whole seconds.
const CENTIS_PER_SEC: u16 = 100;

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

/// VRRPv2 authentication ([RFC 3768 §5.3.6]). VRRPv3 has none: always
/// [`Auth::None`].
///
/// RFC 3768 reserves type 1, but keepalived still sends it for
/// `auth_type PASS`, and it is met in the field; type 2 (IP Authentication
/// Header) is refused.
///
/// [RFC 3768 §5.3.6]: <https://www.rfc-editor.org/rfc/rfc3768#section-5.3.6>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// Type 0: no authentication; the authentication data is sent as zeros
    /// and ignored on receipt.
    None,
    /// Type 1: a simple text password of up to 8 bytes, zero padded.
    Simple([u8; AUTH_LEN]),
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

    /// The VRRPv2 authentication type: 0 or 1.
    pub const fn auth_type(&self) -> u8 {
        match self {
            Self::None => AUTH_TYPE_NONE,
            Self::Simple(_) => AUTH_TYPE_SIMPLE,
        }
    }

    /// The authentication data as sent: the password, or zeros.
    pub const fn data(&self) -> [u8; AUTH_LEN] {
        match self {
            Self::None => [0; AUTH_LEN],
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
            (Version::V2, other) => return Err(Error::BadAuthType(other)),
        };

        Ok(Self {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            interval,
            addresses: Addresses {
                family,
                bytes: &bytes[HEADER_LEN..addresses_end],
            },
            auth,
        })
    }

    /// The address family, that of [`addresses`](Self::addresses).
    pub const fn family(&self) -> Family {
        self.addresses.family
    }

    /// The length of the message [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.addresses.bytes.len() + auth_len(self.version)
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
    /// over IPv6; [`Error::BadAuthType`] for a password with VRRPv3;
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
            .add_bytes(self.addresses.bytes);
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
        out.put_slice(self.addresses.bytes);
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
        let word4 = match self.version {
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
                if let Auth::Simple(_) = self.auth {
                    return Err(Error::BadAuthType(AUTH_TYPE_SIMPLE));
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
            word4,
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
