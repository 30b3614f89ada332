//! `auth_type AH` against keepalived 2.4.3's own bytes
//! (`tests/vectors/auth_ah_2.4.3.pcap`, see the README there): every
//! captured advert verifies (ICV, SPI, a growing sequence number), a Backup
//! configured alike accepts them all, one bit changed anywhere the ICV
//! covers is refused, another key refuses them, and our Master configured
//! alike emits the very same datagrams, byte for byte, header checksum and
//! ICV included, priority-0 goodbye last.

mod pcap;

use std::net::{IpAddr, Ipv4Addr};

use pcap::read_pcap;
use vrrp_core::auth_ah::{AhAuth, AhDatagram};
use vrrp_core::time::Instant;
use vrrp_core::wire::{Auth, MULTICAST_V4, PROTOCOL_AH, Version};
use vrrp_core::{Action, Config, Instance, State};

const CAPTURE: &str = "auth_ah_2.4.3.pcap";
/// keepalived's `auth_pass vrrp-rs-ah`, which it cuts to 8 bytes.
const PASS: &[u8] = b"vrrp-rs-ah";
const SENDER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

/// The capture's instance as our configuration: VRID 52, priority 150,
/// 1 s, VIP 192.0.2.100, from `me`.
fn config(me: Ipv4Addr, priority: u8, pass: &[u8]) -> Config {
    Config {
        version: Version::V2,
        priority,
        auth: Auth::ah(pass),
        ..Config::new(52, me.into(), vec![Ipv4Addr::new(192, 0, 2, 100).into()])
    }
}

fn captured() -> Vec<Vec<u8>> {
    let datagrams = read_pcap(CAPTURE);
    assert_eq!(datagrams.len(), 6, "five adverts and the goodbye");
    for d in &datagrams {
        assert_eq!(d.protocol, PROTOCOL_AH);
        assert_eq!((d.src, d.dst), (IpAddr::V4(SENDER), MULTICAST_V4.into()));
        assert_eq!((d.ttl, d.tos), (255, 0xc0));
    }
    datagrams.into_iter().map(|d| d.ip).collect()
}

#[test]
fn keepalived_s_adverts_verify_and_a_backup_accepts_them() {
    let Auth::Ah(key) = Auth::ah(PASS) else {
        panic!("Auth::ah makes an AH key");
    };
    let mut auth = AhAuth::new(key);
    let mut backup = Instance::new(config(Ipv4Addr::new(192, 0, 2, 2), 100, PASS)).unwrap();
    backup.handle_startup(Instant::ZERO);
    while backup.poll_action().is_some() {}
    let datagrams = captured();
    for (n, bytes) in datagrams.iter().enumerate() {
        let datagram = AhDatagram::parse(bytes).unwrap();
        assert_eq!(datagram.ah.spi, u32::from(SENDER), "the SPI is the source");
        assert_eq!(datagram.ah.sequence, n as u32 + 1);
        assert_eq!(
            u16::from_be_bytes([bytes[4], bytes[5]]),
            n as u16 + 1,
            "the identification counts adverts from 1"
        );
        assert_eq!(auth.verify(&datagram, false), Ok(()), "advert {n}");
        assert!(
            backup.handle_ah_datagram(Instant::ZERO, bytes),
            "advert {n}"
        );
    }
    let stats = backup.stats();
    assert_eq!(stats.adverts_received, 6);
    assert_eq!(stats.priority_zero_received, 1, "the goodbye");
    assert_eq!(
        stats.auth_failures + stats.ah_bad_spi + stats.ah_replayed,
        0
    );
    // Seen already: replays.
    assert!(!backup.handle_ah_datagram(Instant::ZERO, &datagrams[2]));
    assert_eq!(backup.stats().ah_replayed, 1);
}

#[test]
fn one_changed_bit_or_another_key_is_refused() {
    let datagrams = captured();
    let first = &datagrams[0];
    // TOS (1), flags and fragment offset (6, 7) and the header checksum
    // (10, 11) are mutable in transit: outside the ICV.
    let mutable = [1, 6, 7, 10, 11];
    let key = *b"vrrp-rs-";
    for at in (0..first.len()).filter(|at| !mutable.contains(at)) {
        for bit in 0..8 {
            let mut bytes = first.clone();
            bytes[at] ^= 1 << bit;
            if let Ok(datagram) = AhDatagram::parse(&bytes) {
                let mut auth = AhAuth::new(key);
                assert!(
                    auth.verify(&datagram, false).is_err(),
                    "byte {at} bit {bit}"
                );
            }
        }
    }
    let mut bytes = first.clone();
    for at in mutable {
        bytes[at] ^= 0xff;
    }
    let datagram = AhDatagram::parse(&bytes).unwrap();
    assert!(
        datagram.verify(&key, false),
        "the mutable fields are not covered"
    );
    assert!(!datagram.verify(b"vrrp-rs_", false), "another key");
    assert!(
        !datagram.verify(&key, true),
        "the TTL is covered (multicast)"
    );
}

/// Our Master, configured as keepalived was, sends what keepalived sent:
/// the same five adverts (identification and sequence number 1 to 5) and
/// the same priority-0 goodbye, every byte equal.
#[test]
fn our_master_emits_keepalived_s_bytes() {
    let datagrams = captured();
    let mut master = Instance::new(config(SENDER, 150, PASS)).unwrap();
    let mut now = Instant::ZERO;
    let mut sent: Vec<Vec<u8>> = Vec::new();
    let mut buf = [0u8; 1500];
    let mut drain = |master: &mut Instance, sent: &mut Vec<Vec<u8>>| {
        while let Some(action) = master.poll_action() {
            if let Action::SendAdvert { .. } = action {
                while let Some(transmit) = master.poll_transmit(&mut buf) {
                    sent.push(buf[..transmit.len].to_vec());
                }
            }
        }
    };
    master.handle_startup(now);
    drain(&mut master, &mut sent);
    while sent.len() < 5 {
        now = master.poll_timeout().unwrap().at;
        master.handle_timeout(now);
        drain(&mut master, &mut sent);
    }
    assert_eq!(master.state(), State::Master);
    master.handle_shutdown(now);
    drain(&mut master, &mut sent);
    assert_eq!(sent.len(), datagrams.len());
    for (n, (ours, theirs)) in sent.iter().zip(&datagrams).enumerate() {
        assert_eq!(ours, theirs, "datagram {n}");
    }
}
