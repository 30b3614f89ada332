//! The driver's netlink socket overflowing (`ENOBUFS`) against a real
//! kernel: with its receive buffer forced down to the kernel's minimum,
//! hundreds of address and link changes made behind its back while it is
//! not reading overflow it; afterwards its view must still be right (each
//! Master's VIPs back on the link, the link's state as it is), found by a
//! dump, and the overflows counted. Needs root.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp_core::State;
use vrrp_io_linux::Interface;
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, InstanceSpec};
use vrrp_io_linux::netlink::dump_addresses;
use vrrp_lab::{Host, Lab, ip};

/// Instances on eth0: VRIDs 1..=INSTANCES, VIP 198.18.0.VRID each.
const INSTANCES: u8 = 40;

fn vip(vrid: u8) -> IpAddr {
    Ipv4Addr::new(198, 18, 0, vrid).into()
}

fn config() -> DriverConfig {
    let instances = (1..=INSTANCES)
        .map(|vrid| {
            let mut spec = InstanceSpec::new(&format!("VI_{vrid}"), "eth0", vrid, &[vip(vrid)]);
            spec.vrrp.advert_interval = 10;
            spec
        })
        .collect();
    DriverConfig {
        instances,
        ..DriverConfig::default()
    }
}

/// Turns the driver until `done` holds (10 s at most).
fn run_until(driver: &mut Driver, what: &str, mut done: impl FnMut(&Driver) -> bool) {
    let mut events: Vec<DriverEvent> = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while !done(driver) {
        assert!(Instant::now() < end, "{what}: not after 10 s");
        driver.turn(&mut events).unwrap();
    }
}

fn states(driver: &Driver) -> Vec<State> {
    driver
        .router()
        .instances()
        .map(|(_, i)| i.state())
        .collect()
}

/// Runs `lines` as one `ip -batch` in the host's namespace.
fn ip_batch(lab: &Lab, host: &Host<'_>, name: &str, lines: &[String]) {
    let path = lab.dir().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    ip(&["-n", host.ns(), "-batch", path.to_str().unwrap()]);
}

#[test]
fn an_overflowed_netlink_socket_is_resynchronised_by_a_dump() {
    let Some(lab) = Lab::new("nl_enobufs") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    // Address churn that is none of the driver's business, to fill the buffer.
    let churn = |name: &str| -> Vec<String> {
        (1..=200u8)
            .flat_map(|n| {
                [
                    format!("addr add 198.18.1.{n}/32 dev eth0"),
                    format!("addr del 198.18.1.{n}/32 dev eth0"),
                ]
            })
            .chain(std::iter::once(format!("# {name}")))
            .collect()
    };
    a.in_netns(|| {
        let eth0 = Interface::lookup("eth0").unwrap().ifindex;
        let vips_present = || -> usize {
            let present: Vec<IpAddr> = dump_addresses(eth0)
                .unwrap()
                .into_iter()
                .map(|a| a.addr)
                .collect();
            (1..=INSTANCES)
                .filter(|&v| present.contains(&vip(v)))
                .count()
        };
        let mut driver = Driver::new(config()).unwrap();
        let size = driver.set_netlink_receive_buffer(1).unwrap();
        assert!(size < 16 * 1024, "the buffer stayed at {size} bytes");

        // Start-up: 40 Masters (nobody else on the link) add 40 VIPs in one
        // burst, whose 80 answers alone overflow the tiny buffer.
        run_until(&mut driver, "all Master, VIPs in the kernel", |d| {
            states(d).iter().all(|&s| s == State::Master)
                && (0..usize::from(INSTANCES)).all(|i| d.vips_installed(i))
                && vips_present() == usize::from(INSTANCES)
        });

        // 1. Every VIP removed behind the driver's back, among 400 other
        //    changes, while it does not read: the notifications overflow.
        let before = driver.netlink_overflows();
        let mut changes: Vec<String> = (1..=INSTANCES)
            .map(|v| format!("addr del {}/32 dev eth0", vip(v)))
            .collect();
        changes.extend(churn("churn 1"));
        ip_batch(&lab, &a, "removed.batch", &changes);
        assert_eq!(vips_present(), 0);
        run_until(&mut driver, "VIPs restored after the overflow", |d| {
            d.netlink_overflows() > before && vips_present() == usize::from(INSTANCES)
        });
        assert!(states(&driver).iter().all(|&s| s == State::Master));

        // 2. The link flaps and ends down (carrier lost: the bridge port
        //    is down), lost among 400 changes: the driver must still find
        //    it down, and its instances in Fault.
        let before = driver.netlink_overflows();
        ip_batch(&lab, &a, "churn2.batch", &churn("churn 2"));
        for _ in 0..5 {
            lab.unplug(&a, true);
            lab.unplug(&a, false);
        }
        lab.unplug(&a, true);
        ip_batch(&lab, &a, "churn3.batch", &churn("churn 3"));
        run_until(&mut driver, "link seen down after the overflow", |d| {
            d.netlink_overflows() > before
                && d.link_up("eth0") == Some(false)
                && states(d).iter().all(|&s| s == State::Fault)
        });

        // 3. Back up: Masters again, every VIP in place.
        lab.unplug(&a, false);
        run_until(&mut driver, "Masters again with their VIPs", |d| {
            d.link_up("eth0") == Some(true)
                && states(d).iter().all(|&s| s == State::Master)
                && vips_present() == usize::from(INSTANCES)
        });
        eprintln!("netlink overflows: {}", driver.netlink_overflows());
        let mut events = Vec::new();
        driver.shutdown(&mut events);
        run_until(&mut driver, "graceful stop", Driver::is_stopped);
    });
}

#[test]
fn netlink_is_read_in_slices_and_nothing_is_lost() {
    let Some(lab) = Lab::new("nl_slices") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    a.in_netns(|| {
        use vrrp_io_linux::netlink::{NetEvent, Netlink};
        let eth0 = Interface::lookup("eth0").unwrap().ifindex;
        let mut netlink = Netlink::new().unwrap();
        let seqs: Vec<_> = (1..=20u8)
            .map(|n| {
                netlink
                    .add_address(eth0, Ipv4Addr::new(198, 18, 2, n).into(), 32, None)
                    .unwrap()
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        // Two datagrams, then the rest: 20 acks and 20 notifications.
        let mut events = Vec::new();
        assert!(netlink.poll_events_at_most(&mut events, 2).unwrap());
        assert!(events.len() <= 2, "{events:?}");
        while netlink.poll_events_at_most(&mut events, 2).unwrap() {}
        let acks = events
            .iter()
            .filter(|e| matches!(e, NetEvent::Ack { seq } if seqs.contains(seq)))
            .count();
        let added = events
            .iter()
            .filter(|e| matches!(e, NetEvent::AddressAdded { ifindex, .. } if *ifindex == eth0))
            .count();
        assert_eq!((acks, added), (20, 20), "{events:#?}");
        assert_eq!(netlink.overflows(), 0);
    });
}
