//! Authenticated advertisements: keepalived 2.4's `auth_hmac`
//! (draft-cassen-vrrp-auth-hmac), for VRRPv2 and v3, IPv4 and IPv6,
//! multicast and unicast.
//!
//! A sender appends a [`Trailer`](crate::wire::Trailer): a key id, a
//! sequence taken from its clock, and HMAC-SHA256 truncated to 128 bits over
//! a pseudo-header (family, version, VRID, the sender's address), the VRRP
//! message with its checksum zeroed, and the trailer with its tag zeroed. A
//! receiver drops a message whose tag does not verify under the key its id
//! names, whose sequence is outside the freshness window (time mode), or
//! not after the last one it accepted from that sender (anti-replay).
//!
//! Sans-I/O like the rest of the core: the caller passes the wall clock
//! (time since the Unix epoch) and the key bytes; nothing here allocates
//! per advertisement, and tags are compared in constant time.

mod keys;
mod replay;

use core::net::IpAddr;
use core::time::Duration;

use crate::wire::hmac_trailer::{TAG_OFFSET, Trailer, TrailerRepr};
use crate::wire::{Sequence, TRAILER_LEN, Version};

use keys::Keys;
pub use keys::{KEY_MAX, KEY_MIN, Key};
use replay::Senders;

/// keepalived's default freshness window floor, in seconds.
pub const WINDOW_FLOOR_SECS: u16 = 5;
/// The largest freshness window, in seconds.
pub const WINDOW_MAX_SECS: u16 = 300;

/// How a router treats trailers, for a roll-out without lost adverts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Verify a trailer that is there, accept adverts without one, sign
    /// nothing.
    ReceiveOnly,
    /// Sign, verify a trailer that is there, accept adverts without one.
    Permissive,
    /// Sign, and drop every advert without a valid trailer.
    #[default]
    Enforce,
}

/// What the sequence protects against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AntiReplay {
    /// The sequence's seconds must be within `window_secs` of the
    /// receiver's clock (the routers' clocks agree), and grow per sender.
    Time {
        /// 1..=300 seconds.
        window_secs: u16,
    },
    /// The sequence must grow per sender; the clocks need not agree.
    Monotonic,
}

impl AntiReplay {
    /// keepalived's default: time mode, a window of three intervals (in
    /// whole seconds, rounded down as keepalived does), within
    /// [`WINDOW_FLOOR_SECS`]..=[`WINDOW_MAX_SECS`].
    pub fn default_for(advert_interval_centis: u16) -> Self {
        let three = 3 * (advert_interval_centis / 100);
        Self::Time {
            window_secs: three.clamp(WINDOW_FLOOR_SECS, WINDOW_MAX_SECS),
        }
    }
}

/// An instance's `auth_hmac`: its keys, the one it signs with, its mode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HmacConfig {
    /// Every key a received trailer may name, by id.
    pub keys: Vec<Key>,
    /// The id of the key this router signs with; one of `keys`.
    pub active_key: u8,
    /// Receive-only, permissive or enforce.
    pub mode: Mode,
    /// Time or monotonic.
    pub anti_replay: AntiReplay,
}

/// An `auth_hmac` that cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HmacConfigError {
    /// Key ids are 1..=255.
    #[error("auth_hmac key id 0: ids are 1..=255")]
    ZeroKeyId,
    /// A key shorter than 32 bytes or longer than 64.
    #[error("auth_hmac key {id} is {len} bytes: a key has 32..=64")]
    KeyLength {
        /// The key's id.
        id: u8,
        /// Its length.
        len: usize,
    },
    /// Two keys of one id.
    #[error("auth_hmac key {0} is defined twice")]
    DuplicateKey(u8),
    /// The active key names no key.
    #[error("auth_hmac active_key {0} is not defined")]
    NoActiveKey(u8),
    /// A window outside 1..=300 seconds.
    #[error("auth_hmac time_window {0} s: it takes 1..=300")]
    Window(u16),
}

impl HmacConfig {
    /// Checks what [`HmacAuth::new`] relies on.
    pub fn validate(&self) -> Result<(), HmacConfigError> {
        for (i, key) in self.keys.iter().enumerate() {
            if key.id == 0 {
                return Err(HmacConfigError::ZeroKeyId);
            }
            if !(KEY_MIN..=KEY_MAX).contains(&key.bytes.len()) {
                return Err(HmacConfigError::KeyLength {
                    id: key.id,
                    len: key.bytes.len(),
                });
            }
            if self.keys[..i].iter().any(|k| k.id == key.id) {
                return Err(HmacConfigError::DuplicateKey(key.id));
            }
        }
        if !self.keys.iter().any(|k| k.id == self.active_key) {
            return Err(HmacConfigError::NoActiveKey(self.active_key));
        }
        if let AntiReplay::Time { window_secs } = self.anti_replay
            && !(1..=WINDOW_MAX_SECS).contains(&window_secs)
        {
            return Err(HmacConfigError::Window(window_secs));
        }
        Ok(())
    }
}

/// What binds a tag to one instance and one sender: the pseudo-header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The protocol version.
    pub version: Version,
    /// The Virtual Router ID.
    pub vrid: u8,
    /// The sender's source address (ours when signing).
    pub sender: IpAddr,
}

/// Why an advertisement was refused; each is its own statistics counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Enforce mode, and no trailer.
    #[error("no authentication trailer")]
    Missing,
    /// A trailer of another scheme or with reserved bits set.
    #[error("malformed authentication trailer")]
    Malformed,
    /// The trailer names a key this router does not have.
    #[error("unknown authentication key id {0}")]
    UnknownKey(u8),
    /// The tag does not verify: another key, or a forgery.
    #[error("invalid authentication tag")]
    BadTag,
    /// Time mode: the sender's clock is further than the window from ours.
    #[error("stale authentication trailer: clock skew {skew_secs} s")]
    Stale {
        /// Our clock minus the sender's, in seconds.
        skew_secs: i32,
    },
    /// The sequence is not after the last one accepted from this sender.
    #[error("replayed authentication trailer")]
    Replayed,
}

/// An advertisement that may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    /// The tag verified. `skew_secs`: our clock minus the sender's (time
    /// mode), for a warning before the window is reached.
    Signed {
        /// Our clock minus the sender's, in seconds; `None` in monotonic mode.
        skew_secs: Option<i32>,
    },
    /// No trailer, accepted by a receive-only or permissive router.
    Unsigned,
}

/// The pseudo-header's length: family, version, VRID, zero, 16 bytes of
/// address (IPv4 in the first four).
const PSEUDO_LEN: usize = 20;
/// The checksum's place in the VRRP header: zeroed under the tag.
const CHECKSUM: core::ops::Range<usize> = 6..8;

/// One instance's `auth_hmac` at run time: the keys ready to use, the last
/// sequence sent and the last accepted per sender.
#[derive(Clone, Debug)]
pub struct HmacAuth {
    keys: Keys,
    active_key: u8,
    mode: Mode,
    anti_replay: AntiReplay,
    last_sent: Sequence,
    senders: Senders,
}

impl HmacAuth {
    /// Ready to sign and verify, with room to track `senders` senders
    /// (the unicast peers, or at least 4 for multicast, as keepalived).
    pub fn new(config: &HmacConfig, senders: usize) -> Result<Self, HmacConfigError> {
        config.validate()?;
        Ok(Self {
            keys: Keys::new(&config.keys),
            active_key: config.active_key,
            mode: config.mode,
            anti_replay: config.anti_replay,
            last_sent: Sequence(0),
            senders: Senders::new(senders.max(replay::MULTICAST_SENDERS)),
        })
    }

    /// The same router with a new configuration (keys, mode, anti-replay):
    /// the last sequence sent and the senders' last accepted ones carry
    /// over.
    pub fn reconfigured(self, config: &HmacConfig) -> Result<Self, HmacConfigError> {
        config.validate()?;
        Ok(Self {
            keys: Keys::new(&config.keys),
            active_key: config.active_key,
            mode: config.mode,
            anti_replay: config.anti_replay,
            ..self
        })
    }

    /// Whether adverts carry a trailer: every mode but receive-only.
    pub fn signs(&self) -> bool {
        self.mode != Mode::ReceiveOnly
    }

    /// Bytes the trailer adds to each advert sent.
    pub fn trailer_len(&self) -> usize {
        if self.signs() { TRAILER_LEN } else { 0 }
    }

    /// Writes the trailer for `message` (the VRRP message as sent; its
    /// checksum is not covered) into `trailer`, with the next sequence
    /// after the clock `now` (since the Unix epoch). Sign once per
    /// advertisement: every unicast copy carries the same trailer.
    pub fn sign(
        &mut self,
        message: &[u8],
        trailer: &mut [u8; TRAILER_LEN],
        binding: Binding,
        now: Duration,
    ) {
        let sequence = self.next_sequence(now);
        TrailerRepr {
            key_id: self.active_key,
            sequence,
        }
        .emit(trailer);
        let key = self
            .keys
            .get(self.active_key)
            .expect("validated: the active key exists");
        let tag = key.tag(&pseudo_header(binding), message, &trailer[..TAG_OFFSET]);
        Trailer::new_checked(&mut trailer[..])
            .expect("TRAILER_LEN bytes")
            .set_tag(&tag);
    }

    /// Checks `message` (the VRRP message, without the trailer) and its
    /// `trailer` (the [`TRAILER_LEN`] bytes after it, if the datagram had
    /// them) from `binding.sender`, at the clock `now`. The replay state
    /// moves only on a verified tag.
    pub fn verify(
        &mut self,
        message: &[u8],
        trailer: Option<&[u8]>,
        binding: Binding,
        now: Duration,
    ) -> Result<Verified, AuthError> {
        let Some(trailer) = trailer else {
            return match self.mode {
                Mode::Enforce => Err(AuthError::Missing),
                Mode::ReceiveOnly | Mode::Permissive => Ok(Verified::Unsigned),
            };
        };
        let trailer = Trailer::new_checked(trailer).map_err(|_| AuthError::Malformed)?;
        let repr = TrailerRepr::parse(&trailer).map_err(|_| AuthError::Malformed)?;
        let now_secs = now.as_secs() as u32;
        // Stale before the costly tag, so a flood of old captures costs
        // no digest each; it only refuses, it never grants trust.
        let skew_secs = match self.anti_replay {
            AntiReplay::Time { window_secs } => {
                let skew = repr.sequence.secs_until(now_secs);
                if skew.unsigned_abs() > u32::from(window_secs) {
                    return Err(AuthError::Stale { skew_secs: skew });
                }
                Some(skew)
            }
            AntiReplay::Monotonic => None,
        };
        let key = self
            .keys
            .get(repr.key_id)
            .ok_or(AuthError::UnknownKey(repr.key_id))?;
        if !key.verify(
            &pseudo_header(binding),
            message,
            trailer.header(),
            trailer.tag(),
        ) {
            return Err(AuthError::BadTag);
        }
        let window = match self.anti_replay {
            AntiReplay::Time { window_secs } => Some((window_secs, now_secs)),
            AntiReplay::Monotonic => None,
        };
        if !self.senders.accept(binding.sender, repr.sequence, window) {
            return Err(AuthError::Replayed);
        }
        Ok(Verified::Signed { skew_secs })
    }

    /// The next sequence: the clock, or one past the last sent when the
    /// clock has not moved past it. In time mode a last sequence further
    /// ahead than the window (the clock was stepped back) restarts from
    /// the clock, else receivers would refuse it as stale.
    fn next_sequence(&mut self, now: Duration) -> Sequence {
        let clock = Sequence::from_unix(now);
        self.last_sent = if clock.is_after(self.last_sent) {
            clock
        } else {
            let ahead = -self.last_sent.secs_until(clock.secs());
            match self.anti_replay {
                AntiReplay::Time { window_secs } if ahead > i32::from(window_secs) => clock,
                _ => self.last_sent.next(),
            }
        };
        self.last_sent
    }
}

/// The pseudo-header a tag binds: family (4 or 6), version, VRID, zero,
/// the sender's address.
fn pseudo_header(binding: Binding) -> [u8; PSEUDO_LEN] {
    let mut out = [0; PSEUDO_LEN];
    out[1] = binding.version.number();
    out[2] = binding.vrid;
    match binding.sender {
        IpAddr::V4(v4) => {
            out[0] = 4;
            out[4..8].copy_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            out[0] = 6;
            out[4..20].copy_from_slice(&v6.octets());
        }
    }
    out
}

#[cfg(test)]
mod test;
