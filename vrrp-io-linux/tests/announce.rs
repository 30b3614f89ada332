//! Gratuitous ARP and unsolicited NA on a real LAN: host A announces a VIP,
//! host C's neighbour table follows, and the frame C captures is byte for
//! byte the one the builder made. Needs root.
//!
//! What Linux (6.x) does with an announcement for an address it has no
//! neighbour entry for, found out here and pinned by the tests:
//! - ARP: it updates an existing entry (the failover case: the old master's
//!   MAC is cached), but creates one only with `arp_accept=1`.
//! - NA: it updates an existing entry (Override set), but creates one only
//!   with `accept_untracked_na=1` *and* forwarding on: the kernel learns
//!   untracked NAs on routers only. `drop_unsolicited_na` must stay 0 (the
//!   default).

use std::io::Read;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use vrrp_io_linux::announce::{
    GARP_FRAME_LEN, NA_FRAME_LEN, build_gratuitous_arp, build_unsolicited_na,
};
use vrrp_io_linux::{Announcer, Interface, MacAddr};
use vrrp_lab::{Host, Lab, ip, watch};

const VIP4: &str = "192.0.2.100";
const VIP6: &str = "2001:db8::100";
/// The MAC a neighbour cached before the failover (the old master's).
const OLD_MAC: &str = "02:00:00:00:00:99";

/// A announcing, C listening (with a frame capture), on one LAN.
struct Lan<'lab> {
    a: Host<'lab>,
    c: Host<'lab>,
    announcer: Announcer,
    a_mac: MacAddr,
}

impl<'lab> Lan<'lab> {
    fn new(lab: &'lab Lab) -> Self {
        let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
        let c = lab.host("c", &["192.0.2.3/24", "2001:db8::3/64"]);
        let (iface, announcer) = a.in_netns(|| {
            let iface = Interface::lookup("eth0").unwrap();
            let announcer = Announcer::open(iface.ifindex).unwrap();
            (iface, announcer)
        });
        Self {
            a_mac: iface.mac.unwrap(),
            a,
            c,
            announcer,
        }
    }

    /// The MAC C's neighbour table holds for `addr`, if any.
    fn c_neighbour(&self, addr: &str) -> Option<String> {
        let entries = self.c.ip_json(&["neigh", "show", addr, "dev", "eth0"]);
        entries[0]["lladdr"].as_str().map(str::to_owned)
    }

    /// Waits until C maps `addr` to A's MAC.
    fn c_learns_a_mac_for(&self, addr: &str) {
        let want = self.a.mac();
        let learnt = watch::wait_for(Duration::from_secs(3), || {
            self.c_neighbour(addr).as_deref() == Some(want)
        });
        assert!(
            learnt.is_some(),
            "timed out waiting for C's neighbour entry {addr} -> {want}"
        );
    }

    /// Gives C a STALE entry mapping `addr` to the old master's MAC.
    fn c_caches_old_mac(&self, addr: &str) {
        ip(&[
            "-n",
            self.c.ns(),
            "neigh",
            "replace",
            addr,
            "lladdr",
            OLD_MAC,
            "nud",
            "stale",
            "dev",
            "eth0",
        ]);
        assert_eq!(self.c_neighbour(addr).as_deref(), Some(OLD_MAC));
    }

    /// Asserts C has no entry for `addr` after giving the kernel 200 ms.
    fn c_ignores(&self, addr: &str) {
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(self.c_neighbour(addr), None, "C learned {addr}");
    }
}

/// Captures frames in C's namespace (AF_PACKET, all protocols).
struct Capture(Socket);

impl Capture {
    fn open(host: &Host<'_>) -> Self {
        const ETH_P_ALL: u16 = 0x0003;
        let protocol = Protocol::from(i32::from(ETH_P_ALL.to_be()));
        let socket = host
            .in_netns(|| Socket::new(Domain::PACKET, Type::RAW, Some(protocol)))
            .expect("capture socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Self(socket)
    }

    /// The first captured frame from `src` with `ethertype` (2 s at most).
    /// The first frame from `src` with `ethertype` that `wanted` accepts:
    /// A also sends its own MLD reports, router and neighbour solicitations.
    fn frame_from(
        &mut self,
        src: MacAddr,
        ethertype: u16,
        wanted: impl Fn(&[u8]) -> bool,
    ) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut buf = [0; 1600];
        while Instant::now() < deadline {
            let Ok(len) = (&self.0).read(&mut buf) else {
                continue;
            };
            if len >= 14
                && buf[6..12] == src.0
                && buf[12..14] == ethertype.to_be_bytes()
                && wanted(&buf[..len])
            {
                return buf[..len].to_vec();
            }
        }
        panic!("no frame with ethertype {ethertype:#06x} from {src}");
    }
}

#[test]
fn gratuitous_arp_moves_a_neighbours_entry_to_our_mac() {
    let Some(lab) = Lab::new("garp_update") else {
        return;
    };
    let lan = Lan::new(&lab);
    let mut capture = Capture::open(&lan.c);
    lan.c_caches_old_mac(VIP4);

    lan.announcer
        .gratuitous_arp(lan.a_mac, VIP4.parse().unwrap())
        .unwrap();

    lan.c_learns_a_mac_for(VIP4);
    let mut expected = [0; GARP_FRAME_LEN];
    build_gratuitous_arp(&mut expected, lan.a_mac, VIP4.parse().unwrap());
    let frame = capture.frame_from(lan.a_mac, 0x0806, |f| {
        f.len() >= 42 && f[38..42] == expected[38..42]
    });
    // The wire may add padding up to 60 bytes; the frame itself is ours.
    assert_eq!(frame[..GARP_FRAME_LEN], expected);
}

#[test]
fn gratuitous_arp_creates_an_entry_only_with_arp_accept() {
    let Some(lab) = Lab::new("garp_accept") else {
        return;
    };
    let lan = Lan::new(&lab);
    let vip = VIP4.parse().unwrap();

    lan.announcer.gratuitous_arp(lan.a_mac, vip).unwrap();
    lan.c_ignores(VIP4);

    lan.c.sysctl("net.ipv4.conf.eth0.arp_accept=1");
    lan.announcer.gratuitous_arp(lan.a_mac, vip).unwrap();
    lan.c_learns_a_mac_for(VIP4);
}

#[test]
fn unsolicited_na_moves_a_neighbours_entry_to_our_mac() {
    let Some(lab) = Lab::new("na_update") else {
        return;
    };
    let lan = Lan::new(&lab);
    let mut capture = Capture::open(&lan.c);
    lan.c_caches_old_mac(VIP6);

    lan.announcer
        .unsolicited_na(lan.a_mac, VIP6.parse().unwrap(), false)
        .unwrap();

    lan.c_learns_a_mac_for(VIP6);
    let mut expected = [0; NA_FRAME_LEN];
    build_unsolicited_na(&mut expected, lan.a_mac, VIP6.parse().unwrap(), false);
    let frame = capture.frame_from(lan.a_mac, 0x86dd, |f| {
        f.len() > 54 && f[20] == 58 && f[54] == 136
    });
    assert_eq!(frame, expected);
    // The kernel accepted it: so its checksum, hop limit and flags are right.
    let entries = lan.c.ip_json(&["neigh", "show", VIP6, "dev", "eth0"]);
    assert!(entries[0].get("router").is_none(), "Router flag was clear");
}

#[test]
fn unsolicited_na_creates_an_entry_only_on_routers_accepting_untracked_nas() {
    let Some(lab) = Lab::new("na_untracked") else {
        return;
    };
    let lan = Lan::new(&lab);
    let vip: IpAddr = VIP6.parse().unwrap();
    let IpAddr::V6(vip) = vip else { unreachable!() };

    lan.announcer.unsolicited_na(lan.a_mac, vip, false).unwrap();
    lan.c_ignores(VIP6);

    // accept_untracked_na alone is not enough on a host...
    lan.c.sysctl("net.ipv6.conf.eth0.accept_untracked_na=1");
    lan.announcer.unsolicited_na(lan.a_mac, vip, false).unwrap();
    lan.c_ignores(VIP6);

    // ...the kernel learns untracked NAs only when it forwards.
    lan.c.sysctl("net.ipv6.conf.eth0.forwarding=1");
    lan.announcer.unsolicited_na(lan.a_mac, vip, true).unwrap();
    lan.c_learns_a_mac_for(VIP6);
    let entries = lan.c.ip_json(&["neigh", "show", VIP6, "dev", "eth0"]);
    assert!(entries[0].get("router").is_some(), "Router flag was set");
}
