//! Raw VRRP sockets between two namespaces on one bridge: what B receives is
//! what RFC 9568 §5.1 says A must send (TTL / hop limit 255, A's primary /
//! link-local source, the VRRP group or B's address as destination, TOS
//! 0xc0), multicast and unicast, IPv4 and IPv6; A never hears itself.
//! Needs root.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use vrrp_core::Received;
use vrrp_io_linux::socket::{RECV_BUFFER_LEN, VRRP_GROUP_V4, VRRP_GROUP_V6};
use vrrp_io_linux::{Datagram, Family, Interface, Outgoing, SocketError, VrrpSocket};
use vrrp_lab::{Host, Lab};

/// A VRRPv3 IPv4 advert captured from keepalived 2.2.7 (VRID 198, priority
/// 150, 50 cs, 192.0.2.100-102): any bytes would do, these are real ones.
const ADVERT_V4: [u8; 20] = [
    0x31, 0xc6, 0x96, 0x03, 0x00, 0x32, 0x4e, 0x30, 192, 0, 2, 100, 192, 0, 2, 101, 192, 0, 2, 102,
];
/// A VRRPv3 IPv6 advert captured from keepalived 2.2.7 (VRID 195, priority
/// 200, 25 cs, 2001:db8::100 and fe80::5:100).
const ADVERT_V6: [u8; 40] = [
    0x31, 0xc3, 0xc8, 0x02, 0x00, 0x19, 0xbb, 0x1e, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0x01, 0x00, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x01, 0x00,
];

const A: Token = Token(1);
const B: Token = Token(2);

/// Two hosts on a LAN, each with its VRRP socket of `family` on eth0,
/// registered in one mio loop.
struct Pair<'lab> {
    a: Host<'lab>,
    b: Host<'lab>,
    b_ifindex: u32,
    socket_a: VrrpSocket,
    socket_b: VrrpSocket,
    poll: Poll,
}

fn open(host: &Host<'_>, family: Family, ah: bool) -> (u32, VrrpSocket) {
    host.in_netns(|| {
        let iface = Interface::lookup("eth0").unwrap();
        let socket = match family {
            Family::Ipv4 if ah => {
                VrrpSocket::open_ipv4_ah(&iface.name, iface.ifindex, iface.require_ipv4().unwrap())
            }
            Family::Ipv4 => {
                VrrpSocket::open_ipv4(&iface.name, iface.ifindex, iface.require_ipv4().unwrap())
            }
            Family::Ipv6 => VrrpSocket::open_ipv6(
                &iface.name,
                iface.ifindex,
                iface.require_ipv6_link_local().unwrap(),
            ),
        };
        (iface.ifindex, socket.unwrap())
    })
}

impl<'lab> Pair<'lab> {
    fn new(lab: &'lab Lab, family: Family) -> Self {
        Self::with(lab, family, false)
    }

    /// Two IPsec AH sockets (`auth_type AH`).
    fn ah(lab: &'lab Lab) -> Self {
        Self::with(lab, Family::Ipv4, true)
    }

    fn with(lab: &'lab Lab, family: Family, ah: bool) -> Self {
        let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
        let b = lab.host("b", &["192.0.2.2/24", "2001:db8::2/64"]);
        let (_, mut socket_a) = open(&a, family, ah);
        let (b_ifindex, mut socket_b) = open(&b, family, ah);
        let poll = Poll::new().unwrap();
        poll.registry()
            .register(&mut socket_a, A, Interest::READABLE)
            .unwrap();
        poll.registry()
            .register(&mut socket_b, B, Interest::READABLE)
            .unwrap();
        Self {
            a,
            b,
            b_ifindex,
            socket_a,
            socket_b,
            poll,
        }
    }

    /// Waits (2 s at most) until B's socket is readable and reads one packet.
    fn b_receives(&mut self) -> (Datagram, Vec<u8>) {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut events = Events::with_capacity(4);
        let mut buf = vec![0; RECV_BUFFER_LEN];
        loop {
            if let Some(received) = self.socket_b.recv(&mut buf).unwrap() {
                buf.truncate(received.len);
                return (received, buf);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "B received nothing");
            self.poll.poll(&mut events, Some(left)).unwrap();
        }
    }

    /// Asserts B's socket stays empty for 100 ms.
    fn b_hears_nothing(&mut self) {
        std::thread::sleep(Duration::from_millis(100));
        let mut buf = vec![0; RECV_BUFFER_LEN];
        assert_eq!(self.socket_b.recv(&mut buf).unwrap(), None);
    }

    /// Asserts A's socket stays empty: multicast loop is off.
    fn a_hears_nothing(&mut self) {
        let mut events = Events::with_capacity(4);
        self.poll
            .poll(&mut events, Some(Duration::from_millis(100)))
            .unwrap();
        assert!(events.iter().all(|event| event.token() != A));
        let mut buf = vec![0; RECV_BUFFER_LEN];
        assert_eq!(self.socket_a.recv(&mut buf).unwrap(), None);
    }
}

#[test]
fn ipv4_multicast_advert_arrives_as_rfc_9568_says() {
    let Some(lab) = Lab::new("sock_v4_mcast") else {
        return;
    };
    let mut pair = Pair::new(&lab, Family::Ipv4);
    assert_eq!(pair.socket_a.group(), IpAddr::from(VRRP_GROUP_V4));
    pair.socket_a
        .send(&ADVERT_V4, VRRP_GROUP_V4.into())
        .unwrap();
    let (received, payload) = pair.b_receives();
    assert_eq!(
        received,
        Datagram {
            rx: Received {
                src: pair.a.ipv4().into(),
                dst: VRRP_GROUP_V4.into(),
                ttl: 255,
            },
            tos: 0xc0,
            ifindex: pair.b_ifindex,
            len: ADVERT_V4.len(),
        }
    );
    assert_eq!(payload, ADVERT_V4, "the IP header is stripped");
    pair.a_hears_nothing();
}

#[test]
fn ipv4_unicast_advert_reaches_the_peer_address() {
    let Some(lab) = Lab::new("sock_v4_ucast") else {
        return;
    };
    let mut pair = Pair::new(&lab, Family::Ipv4);
    pair.socket_a
        .send(&ADVERT_V4, pair.b.ipv4().into())
        .unwrap();
    let (received, payload) = pair.b_receives();
    assert_eq!(received.rx.src, IpAddr::from(pair.a.ipv4()));
    assert_eq!(received.rx.dst, IpAddr::from(pair.b.ipv4()));
    assert_eq!((received.rx.ttl, received.tos), (255, 0xc0));
    assert_eq!(payload, ADVERT_V4);

    // A packet (20-byte IP header + advert) longer than the caller's buffer
    // is reported with its real length, not parsed.
    pair.socket_a
        .send(&ADVERT_V4, pair.b.ipv4().into())
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let mut small = [0; 16];
    assert!(matches!(
        pair.socket_b.recv(&mut small),
        Err(SocketError::Truncated {
            len: 40,
            buffer_len: 16
        })
    ));
    assert_eq!(pair.socket_b.recv(&mut small).unwrap(), None);

    // The wrong family is refused before anything is sent.
    assert!(matches!(
        pair.socket_a.send(&ADVERT_V4, pair.b.ipv6().into()),
        Err(SocketError::FamilyMismatch { .. })
    ));
}

#[test]
fn ipv6_multicast_advert_arrives_as_rfc_9568_says() {
    let Some(lab) = Lab::new("sock_v6_mcast") else {
        return;
    };
    let mut pair = Pair::new(&lab, Family::Ipv6);
    assert_eq!(pair.socket_a.source(), IpAddr::from(pair.a.link_local()));
    pair.socket_a
        .send(&ADVERT_V6, VRRP_GROUP_V6.into())
        .unwrap();
    let (received, payload) = pair.b_receives();
    assert_eq!(
        received,
        Datagram {
            rx: Received {
                src: pair.a.link_local().into(),
                dst: VRRP_GROUP_V6.into(),
                ttl: 255,
            },
            tos: 0xc0,
            ifindex: pair.b_ifindex,
            len: ADVERT_V6.len(),
        }
    );
    assert_eq!(payload, ADVERT_V6);
    pair.a_hears_nothing();
}

#[test]
fn ipv6_unicast_advert_reaches_the_peer_address() {
    let Some(lab) = Lab::new("sock_v6_ucast") else {
        return;
    };
    let mut pair = Pair::new(&lab, Family::Ipv6);
    for peer in [pair.b.ipv6(), pair.b.link_local()] {
        pair.socket_a.send(&ADVERT_V6, peer.into()).unwrap();
        let (received, payload) = pair.b_receives();
        assert_eq!(received.rx.src, IpAddr::from(pair.a.link_local()));
        assert_eq!(received.rx.dst, IpAddr::from(peer));
        assert_eq!((received.rx.ttl, received.tos), (255, 0xc0));
        assert_eq!(payload, ADVERT_V6);
    }
}

/// `auth_type AH`: the core's whole datagram (IPv4 header, AH, VRRPv2) goes
/// out as written and arrives whole, header included, so its ICV verifies
/// at B; to the group and to B's address; A never hears itself.
#[test]
fn ah_datagram_arrives_whole_and_verifies() {
    use vrrp_core::auth_ah::{AhAuth, AhDatagram, HEADERS_LEN};
    let Some(lab) = Lab::new("sock_v4_ah") else {
        return;
    };
    let mut pair = Pair::ah(&lab);
    assert!(pair.socket_a.is_ah() && pair.socket_b.is_ah());
    let key = *b"secret\0\0";
    let mut auth = AhAuth::new(key);
    for dst in [VRRP_GROUP_V4, pair.b.ipv4()] {
        auth.advance();
        let mut datagram = [0; HEADERS_LEN + ADVERT_V4.len()];
        datagram[HEADERS_LEN..].copy_from_slice(&ADVERT_V4);
        let unicast = !dst.is_multicast();
        let len = auth
            .seal(&mut datagram, ADVERT_V4.len(), pair.a.ipv4(), dst, unicast)
            .unwrap();
        pair.socket_a
            .send_datagram(&datagram[..len], dst.into())
            .unwrap();
        let (received, bytes) = pair.b_receives();
        assert_eq!(
            received,
            Datagram {
                rx: Received {
                    src: pair.a.ipv4().into(),
                    dst: dst.into(),
                    ttl: 255,
                },
                tos: 0xc0,
                ifindex: pair.b_ifindex,
                len,
            }
        );
        assert_eq!(
            bytes,
            datagram[..len],
            "the datagram arrives as the core wrote it"
        );
        let parsed = AhDatagram::parse(&bytes).unwrap();
        assert!(parsed.verify(&key, unicast), "to {dst}");
        assert_eq!(parsed.message(), ADVERT_V4);
    }
    pair.a_hears_nothing();
}

/// Another group (keepalived's `mcast_dst_ip`, `vrrp_mcast_group4/6`): heard
/// once joined, not before; VRRP's own stays joined beside it.
#[test]
fn another_group_is_heard_once_joined() {
    for (family, group, advert) in [
        (Family::Ipv4, "224.0.0.19", &ADVERT_V4[..]),
        (Family::Ipv6, "ff02::13", &ADVERT_V6[..]),
    ] {
        let Some(lab) = Lab::new(&format!("sock_group_{family}")) else {
            return;
        };
        let group: IpAddr = group.parse().unwrap();
        let mut pair = Pair::new(&lab, family);
        pair.socket_a.send(advert, group).unwrap();
        pair.b_hears_nothing();
        pair.socket_b.join(group).unwrap();
        pair.socket_b.join(group).unwrap();
        assert_eq!(pair.socket_b.groups(), [family.multicast(), group]);
        pair.socket_a.send(advert, group).unwrap();
        let (received, payload) = pair.b_receives();
        assert_eq!((received.rx.dst, received.rx.ttl), (group, 255));
        assert_eq!(payload, advert);
        pair.socket_a.send(advert, family.multicast()).unwrap();
        assert_eq!(pair.b_receives().0.rx.dst, family.multicast());
    }
}

/// keepalived's `unicast_ttl`: the TTL / hop limit of one datagram, the
/// socket's 255 for the next.
#[test]
fn a_unicast_advert_leaves_with_the_ttl_asked() {
    for (family, advert) in [
        (Family::Ipv4, &ADVERT_V4[..]),
        (Family::Ipv6, &ADVERT_V6[..]),
    ] {
        let Some(lab) = Lab::new(&format!("sock_ttl_{family}")) else {
            return;
        };
        let mut pair = Pair::new(&lab, family);
        let (src, dst): (IpAddr, IpAddr) = match family {
            Family::Ipv4 => (pair.a.ipv4().into(), pair.b.ipv4().into()),
            Family::Ipv6 => (pair.a.link_local().into(), pair.b.ipv6().into()),
        };
        pair.socket_a.send_with_ttl(advert, src, dst, 7).unwrap();
        assert_eq!(pair.b_receives().0.rx.ttl, 7);
        pair.socket_a.send_from(advert, src, dst).unwrap();
        assert_eq!(pair.b_receives().0.rx.ttl, 255);
    }
}

/// `send_batch` (`sendmmsg`, 64 a call): 150 adverts, multicast and
/// unicast (TTL 7) by turns, arrive in order; one with a source the host
/// does not have (the kernel refuses it mid-batch) and one of the other
/// family are reported at their positions, alone.
#[test]
fn a_batch_arrives_in_order_and_a_refused_datagram_fails_alone() {
    for (family, advert) in [
        (Family::Ipv4, &ADVERT_V4[..]),
        (Family::Ipv6, &ADVERT_V6[..]),
    ] {
        let Some(lab) = Lab::new(&format!("sock_batch_{family}")) else {
            return;
        };
        let mut pair = Pair::new(&lab, family);
        let (src, peer, not_ours, other_family): (IpAddr, IpAddr, IpAddr, IpAddr) = match family {
            Family::Ipv4 => (
                pair.a.ipv4().into(),
                pair.b.ipv4().into(),
                "192.0.2.99".parse().unwrap(),
                "2001:db8::2".parse().unwrap(),
            ),
            Family::Ipv6 => (
                pair.a.link_local().into(),
                pair.b.ipv6().into(),
                "fe80::99".parse().unwrap(),
                "192.0.2.2".parse().unwrap(),
            ),
        };
        // Each advert's checksum field says which it is.
        let payloads: Vec<Vec<u8>> = (0..150u8)
            .map(|i| {
                let mut p = advert.to_vec();
                p[6] = i;
                p
            })
            .collect();
        let items = payloads.iter().enumerate().map(|(i, payload)| {
            let unicast = i % 2 == 1;
            Outgoing {
                payload,
                src: if i == 70 { not_ours } else { src },
                dst: match i {
                    100 => other_family,
                    _ if unicast => peer,
                    _ => family.multicast(),
                },
                ttl: if unicast { 7 } else { 255 },
            }
        });
        let mut failed = Vec::new();
        pair.socket_a
            .send_batch(items, |i, error| failed.push((i, error)));
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(
            matches!(failed[0], (70, SocketError::Send { .. })),
            "{failed:?}"
        );
        assert!(
            matches!(failed[1], (100, SocketError::FamilyMismatch { .. })),
            "{failed:?}"
        );
        for i in (0..150).filter(|i| ![70, 100].contains(i)) {
            let (received, payload) = pair.b_receives();
            assert_eq!(payload, payloads[i], "advert {i} in its place");
            let unicast = i % 2 == 1;
            assert_eq!(received.rx.src, src);
            assert_eq!(received.rx.ttl, if unicast { 7 } else { 255 });
            assert_eq!(
                received.rx.dst,
                if unicast { peer } else { family.multicast() }
            );
        }
        pair.b_hears_nothing();
    }
}
