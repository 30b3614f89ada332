//! The last advert accepted, kept so that its repeats skip the checks.
//!
//! A Backup hears the same advert from its Master every interval: the same
//! bytes from the same source to the same destination with the same TTL.
//! What RFC 9568 §7.1 checks depends only on those and on the instance's
//! configuration, so a repeat under an unchanged configuration is accepted
//! again without the checksum and the checks, and counted as the first was.
//! Writing the configuration forgets it ([`Instance::config_mut`]).
//!
//! Never kept: an advert accepted with a note (another address list, another
//! interval: their counters must count every one), one under
//! authentication with state (`auth_hmac`'s replay window, AH's sequence
//! numbers), and one longer than [`KEPT_LEN`].
//!
//! [`Instance::config_mut`]: super::Instance

use crate::received::Received;

/// The longest advert kept: VRRPv3 over IPv4 with 10 addresses, VRRPv2
/// with 7, VRRPv3 over IPv6 with 2.
const KEPT_LEN: usize = 48;

/// The last advert accepted, or nothing.
#[derive(Clone, Debug)]
pub(super) struct LastAccepted {
    /// Where it came from; `None` while nothing is kept.
    rx: Option<Received>,
    len: u8,
    bytes: [u8; KEPT_LEN],
    /// Which IPv4 checksum form it used (`None`: the question does not arise).
    ipv4_form: Option<bool>,
}

impl Default for LastAccepted {
    fn default() -> Self {
        Self {
            rx: None,
            len: 0,
            bytes: [0; KEPT_LEN],
            ipv4_form: None,
        }
    }
}

impl LastAccepted {
    /// The checksum form of the kept advert if `bytes` from `rx` repeat it.
    #[inline]
    pub(super) fn repeated(&self, rx: &Received, bytes: &[u8]) -> Option<Option<bool>> {
        match &self.rx {
            Some(kept)
                if usize::from(self.len) == bytes.len()
                    && kept == rx
                    && self.bytes[..bytes.len()] == *bytes =>
            {
                Some(self.ipv4_form)
            }
            _ => None,
        }
    }

    /// Keeps an advert the checks accepted, or forgets the last one when
    /// it is too long to keep.
    #[inline]
    pub(super) fn keep(&mut self, rx: &Received, bytes: &[u8], ipv4_form: Option<bool>) {
        if let Some(kept) = self.bytes.get_mut(..bytes.len()) {
            kept.copy_from_slice(bytes);
            self.len = bytes.len() as u8;
            self.rx = Some(*rx);
            self.ipv4_form = ipv4_form;
        } else {
            self.forget();
        }
    }

    /// Forgets the kept advert: the next one is checked in full.
    pub(super) fn forget(&mut self) {
        self.rx = None;
    }
}

#[cfg(test)]
mod test {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn rx(ttl: u8) -> Received {
        Received {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
            ttl,
        }
    }

    #[test]
    fn only_the_same_bytes_from_the_same_place_repeat() {
        let mut last = LastAccepted::default();
        let advert = [0x31, 7, 100, 1, 0, 100, 0xab, 0xcd, 192, 0, 2, 100];
        assert_eq!(last.repeated(&rx(255), &advert), None, "nothing kept yet");
        last.keep(&rx(255), &advert, Some(true));
        assert_eq!(last.repeated(&rx(255), &advert), Some(Some(true)));
        assert_eq!(last.repeated(&rx(254), &advert), None, "another TTL");
        assert_eq!(last.repeated(&rx(255), &advert[..8]), None, "shorter");
        let mut other = advert;
        other[7] ^= 1;
        assert_eq!(last.repeated(&rx(255), &other), None, "one bit differs");
        last.forget();
        assert_eq!(last.repeated(&rx(255), &advert), None, "forgotten");
    }

    #[test]
    fn a_long_advert_is_not_kept_and_forgets_the_last() {
        let mut last = LastAccepted::default();
        let short = [0u8; 20];
        last.keep(&rx(255), &short, None);
        let long = [0u8; KEPT_LEN + 1];
        last.keep(&rx(255), &long, None);
        assert_eq!(last.repeated(&rx(255), &long), None);
        assert_eq!(last.repeated(&rx(255), &short), None);
    }
}
