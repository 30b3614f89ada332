//! Unit tests of sign and verify; keepalived's own adverts are checked in
//! `tests/auth_hmac_vectors.rs`.

use core::net::{IpAddr, Ipv4Addr};
use core::time::Duration;

use super::*;

const T0: Duration = Duration::from_secs(1_796_640_915);
/// A VRRPv3 advert of VRID 51, priority 150, one address.
const MESSAGE: [u8; 12] = [0x31, 51, 150, 1, 0, 100, 0, 0, 192, 0, 2, 100];

fn key(id: u8) -> Key {
    Key {
        id,
        bytes: vec![id; 32],
    }
}

fn config(mode: Mode, anti_replay: AntiReplay) -> HmacConfig {
    HmacConfig {
        keys: vec![key(1), key(2)],
        active_key: 1,
        mode,
        anti_replay,
    }
}

fn auth(mode: Mode) -> HmacAuth {
    HmacAuth::new(&config(mode, AntiReplay::default_for(100)), 1).unwrap()
}

fn from(last: u8) -> Binding {
    Binding {
        version: Version::V3,
        vrid: 51,
        sender: IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
    }
}

fn signed(signer: &mut HmacAuth, binding: Binding, now: Duration) -> [u8; TRAILER_LEN] {
    let mut trailer = [0; TRAILER_LEN];
    signer.sign(&MESSAGE, &mut trailer, binding, now);
    trailer
}

fn sequence(trailer: &[u8; TRAILER_LEN]) -> Sequence {
    Trailer::new_checked(&trailer[..]).unwrap().sequence()
}

#[test]
fn modes_sign_and_require_as_keepalived() {
    for (mode, signs, unsigned) in [
        (Mode::ReceiveOnly, false, Ok(Verified::Unsigned)),
        (Mode::Permissive, true, Ok(Verified::Unsigned)),
        (Mode::Enforce, true, Err(AuthError::Missing)),
    ] {
        let mut auth = auth(mode);
        assert_eq!(auth.signs(), signs, "{mode:?}");
        assert_eq!(auth.trailer_len(), if signs { TRAILER_LEN } else { 0 });
        assert_eq!(
            auth.verify(&MESSAGE, None, from(2), T0),
            unsigned,
            "{mode:?}"
        );
        // Every mode verifies a trailer that is there.
        let trailer = signed(&mut self::auth(Mode::Enforce), from(2), T0);
        assert_eq!(
            auth.verify(&MESSAGE, Some(&trailer), from(2), T0),
            Ok(Verified::Signed { skew_secs: Some(0) })
        );
        let mut forged = trailer;
        forged[27] ^= 1;
        assert_eq!(
            self::auth(mode).verify(&MESSAGE, Some(&forged), from(2), T0),
            Err(AuthError::BadTag),
            "{mode:?}: a bad tag is refused in every mode"
        );
    }
}

#[test]
fn a_trailer_of_the_wrong_length_or_scheme_is_malformed() {
    let trailer = signed(&mut auth(Mode::Enforce), from(2), T0);
    let mut other_scheme = trailer;
    other_scheme[0] = 2;
    let mut auth = auth(Mode::Enforce);
    for bad in [&trailer[..27], &other_scheme[..]] {
        assert_eq!(
            auth.verify(&MESSAGE, Some(bad), from(2), T0),
            Err(AuthError::Malformed)
        );
    }
}

#[test]
fn the_sequence_follows_the_clock_and_always_grows() {
    let mut signer = auth(Mode::Enforce);
    let first = sequence(&signed(&mut signer, from(1), T0));
    assert_eq!(first, Sequence::from_unix(T0));
    // The clock has not moved: the counter breaks the tie.
    assert_eq!(sequence(&signed(&mut signer, from(1), T0)), first.next());
    // Stepped back within the window: keep counting from the last.
    let back = T0 - Duration::from_secs(3);
    assert_eq!(
        sequence(&signed(&mut signer, from(1), back)),
        first.next().next()
    );
    // Stepped back further than the window (5 s): restart from the clock,
    // or receivers would find every advert stale.
    let far_back = T0 - Duration::from_secs(60);
    assert_eq!(
        sequence(&signed(&mut signer, from(1), far_back)),
        Sequence::from_unix(far_back)
    );
    // Monotonic mode never goes back.
    let mut monotonic = HmacAuth::new(&config(Mode::Enforce, AntiReplay::Monotonic), 1).unwrap();
    let last = sequence(&signed(&mut monotonic, from(1), T0));
    assert_eq!(
        sequence(&signed(&mut monotonic, from(1), far_back)),
        last.next()
    );
}

#[test]
fn replay_is_per_sender_and_only_verified_senders_take_a_slot() {
    let mut signers: Vec<HmacAuth> = (0..5).map(|_| auth(Mode::Enforce)).collect();
    let mut receiver = auth(Mode::Enforce);
    let mut sent = Vec::new();
    for (i, signer) in signers.iter_mut().enumerate() {
        let sender = from(10 + i as u8);
        let trailer = signed(signer, sender, T0);
        assert!(
            receiver
                .verify(&MESSAGE, Some(&trailer), sender, T0)
                .is_ok()
        );
        sent.push((sender, trailer));
    }
    // Four slots: the first sender was evicted, so its replay is not
    // recognised (the window still bounds it); the other four are.
    let (first, trailer) = sent[0];
    assert!(receiver.verify(&MESSAGE, Some(&trailer), first, T0).is_ok());
    for (sender, trailer) in &sent[2..] {
        assert_eq!(
            receiver.verify(&MESSAGE, Some(trailer), *sender, T0),
            Err(AuthError::Replayed)
        );
    }
    // A forged trailer from a new address does not evict anyone.
    let mut forged = sent[4].1;
    forged[20] ^= 1;
    let stranger = from(99);
    assert_eq!(
        receiver.verify(&MESSAGE, Some(&forged), stranger, T0),
        Err(AuthError::BadTag)
    );
    let (last, trailer) = sent[4];
    assert_eq!(
        receiver.verify(&MESSAGE, Some(&trailer), last, T0),
        Err(AuthError::Replayed),
        "still tracked"
    );
}

#[test]
fn a_sender_whose_clock_was_stepped_back_recovers_after_the_window() {
    let mut signer = auth(Mode::Enforce);
    let mut receiver = auth(Mode::Enforce);
    let ahead = T0 + Duration::from_secs(4);
    let trailer = signed(&mut signer, from(2), ahead);
    assert!(
        receiver
            .verify(&MESSAGE, Some(&trailer), from(2), T0)
            .is_ok()
    );
    // The sender restarts with its clock corrected: its sequence is now
    // behind the mark, refused while the mark is within the window...
    let mut restarted = auth(Mode::Enforce);
    let trailer = signed(&mut restarted, from(2), T0);
    assert_eq!(
        receiver.verify(&MESSAGE, Some(&trailer), from(2), T0),
        Err(AuthError::Replayed)
    );
    // ...and accepted once the mark has left it.
    let later = T0 + Duration::from_secs(10);
    let trailer = signed(&mut restarted, from(2), later);
    assert!(
        receiver
            .verify(&MESSAGE, Some(&trailer), from(2), later)
            .is_ok()
    );
}

#[test]
fn rotation_verifies_every_configured_key() {
    let mut old = auth(Mode::Enforce);
    let mut new = HmacAuth::new(
        &HmacConfig {
            active_key: 2,
            ..config(Mode::Enforce, AntiReplay::Monotonic)
        },
        1,
    )
    .unwrap();
    let mut receiver = auth(Mode::Enforce);
    let t1 = signed(&mut old, from(2), T0);
    let t2 = signed(&mut new, from(3), T0);
    assert_eq!(t2[1], 2, "key id 2 on the wire");
    assert!(receiver.verify(&MESSAGE, Some(&t1), from(2), T0).is_ok());
    assert!(receiver.verify(&MESSAGE, Some(&t2), from(3), T0).is_ok());
}

#[test]
fn configuration_errors() {
    let ok = config(Mode::Enforce, AntiReplay::Monotonic);
    assert_eq!(ok.validate(), Ok(()));
    let cases = [
        (
            HmacConfig {
                keys: vec![Key {
                    id: 1,
                    bytes: vec![1; 31],
                }],
                ..ok.clone()
            },
            HmacConfigError::KeyLength { id: 1, len: 31 },
        ),
        (
            HmacConfig {
                keys: vec![Key {
                    id: 1,
                    bytes: vec![1; 65],
                }],
                ..ok.clone()
            },
            HmacConfigError::KeyLength { id: 1, len: 65 },
        ),
        (
            HmacConfig {
                keys: vec![key(1), key(1)],
                ..ok.clone()
            },
            HmacConfigError::DuplicateKey(1),
        ),
        (
            HmacConfig {
                keys: vec![key(0)],
                ..ok.clone()
            },
            HmacConfigError::ZeroKeyId,
        ),
        (
            HmacConfig {
                active_key: 3,
                ..ok.clone()
            },
            HmacConfigError::NoActiveKey(3),
        ),
        (
            HmacConfig {
                anti_replay: AntiReplay::Time { window_secs: 301 },
                ..ok.clone()
            },
            HmacConfigError::Window(301),
        ),
        (
            HmacConfig {
                anti_replay: AntiReplay::Time { window_secs: 0 },
                ..ok
            },
            HmacConfigError::Window(0),
        ),
    ];
    for (config, error) in cases {
        assert_eq!(config.validate(), Err(error));
        assert_eq!(HmacAuth::new(&config, 1).err(), Some(error));
    }
}

#[test]
fn the_default_window_is_three_whole_intervals_within_five_to_300_seconds() {
    let window = |centis| match AntiReplay::default_for(centis) {
        AntiReplay::Time { window_secs } => window_secs,
        AntiReplay::Monotonic => unreachable!("time is the default"),
    };
    assert_eq!(window(100), 5);
    assert_eq!(window(10), 5);
    assert_eq!(window(300), 9);
    assert_eq!(
        window(350),
        9,
        "3.5 s counts as 3, as keepalived's whole seconds"
    );
    assert_eq!(window(25500), 300, "capped");
}

#[test]
fn debug_never_shows_a_key() {
    let text = format!("{:?} {:?}", key(0x41), auth(Mode::Enforce));
    assert!(!text.contains("65, 65"), "{text}");
    assert!(text.contains("len: 32"), "{text}");
}
