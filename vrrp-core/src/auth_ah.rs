//! keepalived's `auth_type AH`: VRRPv2 over IPv4 behind an IP
//! Authentication Header ([RFC 2402]) whose ICV is HMAC-MD5-96 ([RFC 2403])
//! keyed with the 8-byte `auth_pass`.
//!
//! The ICV covers the whole datagram, so the core writes the IPv4 header
//! itself and reads the one received:
//!
//! - the IPv4 header with its mutable fields zeroed: TOS, flags and
//!   fragment offset, header checksum, and the TTL when unicast (keepalived
//!   leaves the TTL in for multicast); the identification stays, so a
//!   sender never lets the kernel choose it (0 would make Linux do so);
//! - the Authentication Header with its ICV zeroed;
//! - the VRRP message (its authentication type 2, its authentication data
//!   zeros).
//!
//! The SPI is the sender's IPv4 address. The sequence number is one
//! counter per instance, as keepalived keeps it: each advertisement sent
//! increments it, and an accepted one from a peer sets it to the peer's.
//! A receiver refuses a sequence number not greater than the counter, so
//! the router that takes over continues where the last Master stopped.
//!
//! Sans-I/O and allocation free: the driver hands the datagram in and gets
//! it out; ICVs are compared in constant time.
//!
//! [RFC 2402]: <https://www.rfc-editor.org/rfc/rfc2402>
//! [RFC 2403]: <https://www.rfc-editor.org/rfc/rfc2403>

use core::net::{IpAddr, Ipv4Addr};

use hmac::{Hmac, Mac};
use md5::Md5;

use crate::received::Received;
use crate::wire::{
    self, AH_LEN, AUTH_LEN, AhPacket, AhRepr, Error, ICV_LEN, IPV4_HEADER_LEN, Ipv4Packet,
    Ipv4Repr, PROTOCOL_AH,
};

/// The largest IPv4 header (15 words), options included.
const MAX_IPV4_HEADER_LEN: usize = 60;

/// The largest sequence number keepalived sends before it stops
/// incrementing (its "cycle").
const SEQUENCE_LAST: u32 = 0xffff_fffd;

type HmacMd5 = Hmac<Md5>;

/// A received IPv4 datagram carrying AH and VRRP: where each part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AhDatagram<'a> {
    /// Source, destination and TTL from the IPv4 header.
    pub rx: Received,
    /// The Authentication Header's fields.
    pub ah: AhRepr,
    /// The whole datagram, IPv4 header first.
    bytes: &'a [u8],
    /// Where the Authentication Header starts.
    header_len: usize,
}

impl<'a> AhDatagram<'a> {
    /// Reads a datagram as a raw socket hands it over: an IPv4 header
    /// ([`Error::MalformedIpv4Header`] if it is none), protocol AH, and a
    /// 96-bit AH for VRRP ([`Error::MalformedAh`] otherwise, AH for another
    /// protocol included).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let ip = Ipv4Packet::new_checked(bytes)?;
        let header = Ipv4Repr::parse(&ip);
        if ip.protocol() != PROTOCOL_AH {
            return Err(Error::MalformedAh);
        }
        let ah = AhRepr::parse(&AhPacket::new_checked(ip.payload())?)?;
        if ah.next_header != wire::PROTOCOL {
            return Err(Error::MalformedAh);
        }
        Ok(Self {
            rx: Received {
                src: header.src.into(),
                dst: header.dst.into(),
                ttl: header.ttl,
            },
            ah,
            bytes,
            header_len: header.header_len,
        })
    }

    /// The VRRP message after the Authentication Header.
    pub fn message(&self) -> &'a [u8] {
        &self.bytes[self.header_len + AH_LEN..]
    }

    /// Whether the ICV verifies under `key` (in constant time). `unicast`:
    /// the TTL was left out of it, as keepalived does for unicast peers.
    pub fn verify(&self, key: &[u8; AUTH_LEN], unicast: bool) -> bool {
        let icv = &self.bytes[self.header_len + 12..self.header_len + AH_LEN];
        icv_mac(key, self.bytes, self.header_len, unicast)
            .verify_truncated_left(icv)
            .is_ok()
    }
}

/// HMAC-MD5 keyed with `key` over `datagram` (IPv4 header of `header_len`
/// bytes, AH, VRRP) with the mutable fields and the ICV zeroed.
fn icv_mac(key: &[u8; AUTH_LEN], datagram: &[u8], header_len: usize, unicast: bool) -> HmacMd5 {
    let mut head = [0; MAX_IPV4_HEADER_LEN + AH_LEN];
    let head_len = header_len + AH_LEN;
    head[..head_len].copy_from_slice(&datagram[..head_len]);
    head[1] = 0; // TOS
    head[6..8].fill(0); // flags, fragment offset
    head[10..12].fill(0); // header checksum
    if unicast {
        head[8] = 0; // TTL
    }
    head[header_len + 12..head_len].fill(0); // ICV
    let mut mac = HmacMd5::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&head[..head_len]);
    mac.update(&datagram[head_len..]);
    mac
}

/// Why an AH advertisement was refused, after its VRRP checks passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AhError {
    /// The ICV does not verify: another `auth_pass`, or a forgery.
    #[error("IPsec AH: the HMAC-MD5-96 ICV does not verify")]
    BadIcv,
    /// The SPI is not the sender's address.
    #[error("IPsec AH: the SPI is not the source address")]
    BadSpi,
    /// The sequence number is not after the last one sent or accepted.
    #[error("IPsec AH: sequence number {received} already processed (last {last})")]
    Replayed {
        /// The sequence number received.
        received: u32,
        /// The instance's counter.
        last: u32,
    },
}

/// One instance's AH: its key, sequence counter and IP identification.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AhAuth {
    key: [u8; AUTH_LEN],
    /// The last sequence number sent or accepted.
    sequence: u32,
    /// The counter reached its end: it starts again when we become Master.
    cycled: bool,
    /// The identification of the last datagram sent.
    ident: u16,
}

impl AhAuth {
    /// A fresh instance's AH keyed with `key`: the counter at 0, as
    /// keepalived starts it.
    pub fn new(key: [u8; AUTH_LEN]) -> Self {
        Self {
            key,
            sequence: 0,
            cycled: false,
            ident: 0,
        }
    }

    /// The last sequence number sent or accepted.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// Checks a received datagram whose VRRP message passed its checks:
    /// the ICV, then the SPI, then the sequence number, which it then
    /// takes as the counter.
    pub fn verify(&mut self, datagram: &AhDatagram<'_>, unicast: bool) -> Result<(), AhError> {
        if !datagram.verify(&self.key, unicast) {
            return Err(AhError::BadIcv);
        }
        let IpAddr::V4(src) = datagram.rx.src else {
            return Err(AhError::BadSpi);
        };
        if datagram.ah.spi != u32::from_be_bytes(src.octets()) {
            return Err(AhError::BadSpi);
        }
        let received = datagram.ah.sequence;
        if received <= self.sequence {
            return Err(AhError::Replayed {
                received,
                last: self.sequence,
            });
        }
        self.sequence = received;
        self.cycled = false;
        Ok(())
    }

    /// A lower-priority Master was heard while we are Master: keepalived
    /// moves past its sequence number, so that it accepts our next one.
    pub(crate) fn overtake(&mut self) {
        self.sequence = self.sequence.wrapping_add(1);
        self.cycled = false;
    }

    /// Becoming Master: a counter that reached its end starts again.
    pub(crate) fn restart_if_cycled(&mut self) {
        if self.cycled {
            self.cycled = false;
            self.sequence = 0;
        }
    }

    /// The next advertisement: a new sequence number (unless the counter
    /// reached its end) and a new identification, never 0.
    pub fn advance(&mut self) {
        if self.sequence > SEQUENCE_LAST {
            self.cycled = true;
        } else {
            self.sequence += 1;
        }
        self.ident = self.ident.wrapping_add(1).max(1);
    }

    /// Writes the IPv4 header and the AH in front of the `message_len`
    /// bytes of VRRP message at `buf[HEADERS_LEN..]`, from `src` to `dst`,
    /// with the current sequence number and identification, and signs the
    /// datagram; returns its length, or `None` when it does not fit.
    pub fn seal(
        &self,
        buf: &mut [u8],
        message_len: usize,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        unicast: bool,
    ) -> Option<usize> {
        self.seal_with_ttl(buf, message_len, src, dst, unicast, wire::TTL)
    }

    /// [`seal`](Self::seal) with the header's TTL `ttl` (keepalived's
    /// `unicast_ttl`; the ICV leaves a unicast datagram's TTL out).
    pub fn seal_with_ttl(
        &self,
        buf: &mut [u8],
        message_len: usize,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        unicast: bool,
        ttl: u8,
    ) -> Option<usize> {
        let len = HEADERS_LEN.checked_add(message_len)?;
        let datagram = buf.get_mut(..len)?;
        let header = wire::Ipv4Header {
            src,
            dst,
            protocol: PROTOCOL_AH,
            ttl,
            tos: TOS,
            ident: self.ident,
            payload_len: u16::try_from(len - IPV4_HEADER_LEN).ok()?,
        };
        header.emit(datagram).ok()?;
        let ah = AhRepr::vrrp(src, self.sequence);
        ah.emit(&mut datagram[IPV4_HEADER_LEN..]).ok()?;
        let mac = icv_mac(&self.key, datagram, IPV4_HEADER_LEN, unicast);
        let digest = mac.finalize().into_bytes();
        let mut icv = [0; ICV_LEN];
        icv.copy_from_slice(&digest[..ICV_LEN]);
        AhPacket::new_unchecked(&mut datagram[IPV4_HEADER_LEN..]).set_icv(&icv);
        Some(len)
    }
}

/// Bytes in front of the VRRP message: the IPv4 header and the AH.
pub const HEADERS_LEN: usize = IPV4_HEADER_LEN + AH_LEN;

/// The TOS keepalived sends: precedence 6, internetwork control.
pub const TOS: u8 = 0xc0;

#[cfg(test)]
mod test;
