//! `Driver::reload` against a real kernel: an unchanged instance keeps its
//! state and VIP with no event, a changed one restarts, a removed one
//! releases its VIP, a new one starts; a reload that fails changes nothing.
//! Needs root.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp_core::{Reason, State};
use vrrp_io_linux::Interface;
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, InstanceSpec};
use vrrp_io_linux::netlink::dump_addresses;
use vrrp_lab::Lab;

fn vip(n: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, n).into()
}

/// Instance `name` with VRID `vrid`, VIP 192.0.2.(100 + vrid), 100 ms adverts.
fn instance(name: &str, vrid: u8, priority: u8) -> InstanceSpec {
    let mut spec = InstanceSpec::new(name, "eth0", vrid, &[vip(100 + vrid)]);
    spec.vrrp.priority = priority;
    spec.vrrp.advert_interval = 10;
    spec
}

fn config(instances: Vec<InstanceSpec>) -> DriverConfig {
    DriverConfig {
        instances,
        ..DriverConfig::default()
    }
}

/// Runs the driver until `done` holds (5 s at most), collecting events.
fn run_until(
    driver: &mut Driver,
    events: &mut Vec<DriverEvent>,
    mut done: impl FnMut(&Driver) -> bool,
) {
    let end = Instant::now() + Duration::from_secs(5);
    while !done(driver) {
        assert!(
            Instant::now() < end,
            "not done after 5 s; events: {events:#?}"
        );
        driver.turn(events).unwrap();
    }
}

fn states(driver: &Driver) -> Vec<(String, State)> {
    driver
        .router()
        .instances()
        .map(|(id, i)| (driver.specs()[id.index()].name.clone(), i.state()))
        .collect()
}

fn all_master(driver: &Driver) -> bool {
    driver
        .router()
        .instances()
        .all(|(_, i)| i.state() == State::Master)
}

/// The state changes of instance `name`; `names` are the instance names
/// of the configuration the events were emitted under (release events of a
/// reload carry the old configuration's indices).
fn changes_of(events: &[DriverEvent], names: &[String], name: &str) -> Vec<(State, Reason)> {
    events
        .iter()
        .filter_map(|e| match e {
            DriverEvent::StateChanged {
                instance,
                to,
                reason,
                ..
            } if names.get(*instance).is_some_and(|n| n == name) => Some((*to, *reason)),
            _ => None,
        })
        .collect()
}

fn names(driver: &Driver) -> Vec<String> {
    driver.specs().iter().map(|s| s.name.clone()).collect()
}

#[test]
fn reload_keeps_unchanged_restarts_changed_releases_removed_starts_new() {
    let Some(lab) = Lab::new("reload") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.2/24", "2001:db8::2/64"]);
    host.in_netns(|| {
        let eth0 = Interface::lookup("eth0").unwrap().ifindex;
        let addresses = || -> Vec<IpAddr> {
            dump_addresses(eth0)
                .unwrap()
                .into_iter()
                .map(|a| a.addr)
                .collect()
        };
        let mut driver = Driver::new(config(vec![
            instance("A", 1, 200),
            instance("B", 2, 200),
            instance("C", 3, 200),
        ]))
        .unwrap();
        let mut events = Vec::new();
        run_until(&mut driver, &mut events, |d| {
            all_master(d) && d.vips_installed(2)
        });
        // Let the kernel confirm the VIPs.
        let end = Instant::now() + Duration::from_millis(300);
        while Instant::now() < end {
            driver.turn(&mut events).unwrap();
        }
        for n in [101, 102, 103] {
            assert!(addresses().contains(&vip(n)), "{n} installed");
        }
        let a_before = driver
            .router()
            .instance(driver.router().id(0).unwrap())
            .stats()
            .clone();

        // A failing reload (VRID 1 twice on eth0) changes nothing.
        let mut reload_events = Vec::new();
        let error = driver
            .reload(
                config(vec![instance("A", 1, 200), instance("X", 1, 100)]),
                &mut reload_events,
            )
            .unwrap_err();
        assert!(error.to_string().contains("VRID 1"), "{error}");
        let mut missing = instance("M", 9, 100);
        missing.interface = Some("nosuch0".into());
        assert!(
            driver
                .reload(config(vec![missing]), &mut reload_events)
                .is_err()
        );
        assert!(reload_events.is_empty(), "{reload_events:#?}");
        assert!(all_master(&driver));
        assert_eq!(driver.specs().len(), 3);

        // A the same, B's priority changed, C gone, D new.
        let old_names = names(&driver);
        let started = Instant::now();
        let summary = driver
            .reload(
                config(vec![
                    instance("D", 4, 200),
                    instance("A", 1, 200),
                    instance("B", 2, 150),
                ]),
                &mut reload_events,
            )
            .unwrap();
        assert_eq!(summary.kept, ["A"]);
        assert_eq!(summary.restarted, ["B"]);
        assert_eq!(summary.removed, ["C"]);
        assert_eq!(summary.added, ["D"]);
        // Released under the old configuration, started under the new.
        let (released, started_events) = reload_events.split_at(2);
        assert_eq!(
            changes_of(released, &old_names, "B"),
            [(State::Initialize, Reason::Shutdown)]
        );
        assert_eq!(
            changes_of(released, &old_names, "C"),
            [(State::Initialize, Reason::Shutdown)]
        );
        let new_names = names(&driver);
        assert_eq!(
            changes_of(started_events, &new_names, "D"),
            [(State::Backup, Reason::Startup)]
        );
        assert_eq!(
            changes_of(started_events, &new_names, "B"),
            [(State::Backup, Reason::Startup)]
        );
        assert_eq!(started_events.len(), 2, "nothing for A: {reload_events:#?}");
        // A kept its state, counters and VIP.
        let a = driver.router().id(1).unwrap();
        assert_eq!(driver.specs()[1].name, "A");
        assert_eq!(driver.router().instance(a).state(), State::Master);
        assert!(driver.vips_installed(1));
        let a_after = driver.router().instance(a).stats();
        assert_eq!(a_after.master_transitions, 1);
        assert!(a_after.adverts_sent >= a_before.adverts_sent);

        let mut after = Vec::new();
        run_until(&mut driver, &mut after, |d| {
            all_master(d) && d.vips_installed(0)
        });
        let end = Instant::now() + Duration::from_millis(300);
        while Instant::now() < end {
            driver.turn(&mut after).unwrap();
        }
        eprintln!(
            "MEASURED: reload: restarted and new instances Master again after {:?}",
            started.elapsed()
        );
        let now = addresses();
        assert!(now.contains(&vip(101)), "A's VIP stayed");
        assert!(now.contains(&vip(102)), "B's VIP back");
        assert!(now.contains(&vip(104)), "D's VIP added");
        assert!(!now.contains(&vip(103)), "C's VIP released");
        assert!(changes_of(&after, &new_names, "A").is_empty(), "{after:#?}");
        assert_eq!(
            states(&driver),
            [
                ("D".to_owned(), State::Master),
                ("A".to_owned(), State::Master),
                ("B".to_owned(), State::Master)
            ]
        );

        // The stop releases everything.
        let mut stop = Vec::new();
        driver.shutdown(&mut stop);
        run_until(&mut driver, &mut stop, Driver::is_stopped);
        let now = addresses();
        for n in [101, 102, 104] {
            assert!(!now.contains(&vip(n)), "{n} released at stop");
        }
    });
}

/// VRID 1's advert from `src` to `group` at priority 255 (the owner of
/// 192.0.2.101), as the core writes it.
fn owner_advert(src: IpAddr, group: IpAddr) -> Vec<u8> {
    let mut config = vrrp_core::Config::new(1, src, vec![vip(101)]);
    config.priority = 255;
    config.advert_interval = 10;
    config.multicast_group = Some(group);
    let mut owner = vrrp_core::Instance::new(config).unwrap();
    owner.handle_startup(vrrp_core::time::Instant::ZERO);
    while owner.poll_action().is_some() {}
    let mut buf = [0; 64];
    let transmit = owner
        .poll_transmit(&mut buf)
        .expect("the owner's first advert");
    assert_eq!(transmit.destination, group);
    buf[..transmit.len].to_vec()
}

/// A reload that moves an instance to another multicast group joins that
/// group on the interface: the owner's adverts there, unheard before,
/// now make it Backup.
#[test]
fn reload_to_another_group_hears_it() {
    let Some(lab) = Lab::new("reload_group") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.2/24"]);
    let b = lab.host("b", &["192.0.2.3/24"]);
    let group: IpAddr = Ipv4Addr::new(224, 0, 0, 19).into();
    let advert = owner_advert(vip(3), group);
    let sending = std::sync::atomic::AtomicBool::new(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            b.in_netns(|| {
                let eth0 = Interface::lookup("eth0").unwrap();
                let socket =
                    vrrp_io_linux::VrrpSocket::open_sender("eth0", eth0.ifindex, vip(3)).unwrap();
                // Bounded, so that a failing test does not hang on it.
                let end = Instant::now() + Duration::from_secs(10);
                while sending.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < end {
                    socket.send(&advert, group).unwrap();
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        });
        a.in_netns(|| {
            let mut driver = Driver::new(config(vec![instance("A", 1, 100)])).unwrap();
            let mut events = Vec::new();
            // On 224.0.0.18 it hears nothing, and is Master alone.
            run_until(&mut driver, &mut events, all_master);
            let mut moved = instance("A", 1, 100);
            moved.vrrp.multicast_group = Some(group);
            let summary = driver.reload(config(vec![moved]), &mut events).unwrap();
            assert_eq!(summary.restarted, ["A"]);
            run_until(&mut driver, &mut events, |d| {
                states(d) == [("A".to_owned(), State::Backup)]
                    && d.router()
                        .instances()
                        .all(|(_, i)| i.stats().adverts_received > 0)
            });
            let mut stop = Vec::new();
            driver.shutdown(&mut stop);
            run_until(&mut driver, &mut stop, Driver::is_stopped);
        });
        sending.store(false, std::sync::atomic::Ordering::Relaxed);
    });
}
