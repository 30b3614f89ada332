//! The keys of an `auth_hmac`: as configured ([`Key`]), and ready to tag
//! ([`Keys`]: each one's HMAC state after the key block, so a tag costs the
//! message's blocks and the outer hash, not the key's).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{CHECKSUM, PSEUDO_LEN};
use crate::wire::hmac_trailer::TAG_LEN;

/// The shortest key: 32 bytes keep a 128-bit margin against a quantum
/// search.
pub const KEY_MIN: usize = 32;
/// The longest key.
pub const KEY_MAX: usize = 64;

/// One configured key: its id (1..=255) and its 32..=64 bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The id a trailer names it by.
    pub id: u8,
    /// The secret.
    pub bytes: Vec<u8>,
}

impl core::fmt::Debug for Key {
    /// The id and the length: never the secret.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Every key of an instance, keyed by id, each ready to tag.
#[derive(Clone)]
pub(super) struct Keys(Vec<(u8, Prepared)>);

impl core::fmt::Debug for Keys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(id, _)| id))
            .finish()
    }
}

impl Keys {
    pub(super) fn new(keys: &[Key]) -> Self {
        Self(
            keys.iter()
                .map(|key| (key.id, Prepared::new(&key.bytes)))
                .collect(),
        )
    }

    pub(super) fn get(&self, id: u8) -> Option<&Prepared> {
        self.0.iter().find(|(i, _)| *i == id).map(|(_, key)| key)
    }
}

/// HMAC-SHA256 keyed once.
#[derive(Clone)]
pub(super) struct Prepared(Hmac<Sha256>);

impl Prepared {
    fn new(bytes: &[u8]) -> Self {
        Self(Hmac::new_from_slice(bytes).expect("HMAC takes a key of any length"))
    }

    /// The MAC over the pseudo-header, the message with its checksum
    /// zeroed, the trailer's header and a zero tag.
    fn mac(&self, pseudo: &[u8; PSEUDO_LEN], message: &[u8], header: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(pseudo);
        match (message.get(..CHECKSUM.start), message.get(CHECKSUM.end..)) {
            (Some(before), Some(after)) => {
                mac.update(before);
                mac.update(&[0; 2]);
                mac.update(after);
            }
            // Shorter than a VRRP header: covered as it is (it verifies
            // against nothing a sender made).
            _ => mac.update(message),
        }
        mac.update(header);
        mac.update(&[0; TAG_LEN]);
        mac
    }

    /// The tag: the MAC's first 128 bits.
    pub(super) fn tag(
        &self,
        pseudo: &[u8; PSEUDO_LEN],
        message: &[u8],
        header: &[u8],
    ) -> [u8; TAG_LEN] {
        let digest = self.mac(pseudo, message, header).finalize().into_bytes();
        let mut tag = [0; TAG_LEN];
        tag.copy_from_slice(&digest[..TAG_LEN]);
        tag
    }

    /// Whether `tag` is the tag, compared in constant time.
    pub(super) fn verify(
        &self,
        pseudo: &[u8; PSEUDO_LEN],
        message: &[u8],
        header: &[u8],
        tag: &[u8],
    ) -> bool {
        tag.len() == TAG_LEN
            && self
                .mac(pseudo, message, header)
                .verify_truncated_left(tag)
                .is_ok()
    }
}
