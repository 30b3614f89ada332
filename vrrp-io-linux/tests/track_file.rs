//! Tracked files through the driver's loop against a real kernel: a write
//! wakes the loop (inotify), the value times the weight reaches the
//! instance, weight 0 faults it; a reload tracks the new file and forgets
//! the old one. Needs root.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vrrp_core::State;
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, InstanceSpec, Tracked};
use vrrp_io_linux::track::TrackWeight;
use vrrp_io_linux::track::file::{FileInit, FileSpec};
use vrrp_lab::Lab;

/// One instance at priority 200 tracking file 0 with `weight`.
fn config(file: &Path, weight: i32) -> DriverConfig {
    let vip: IpAddr = Ipv4Addr::new(192, 0, 2, 101).into();
    let mut spec = InstanceSpec::new("A", "eth0", 1, &[vip]);
    spec.vrrp.priority = 200;
    spec.vrrp.advert_interval = 10;
    spec.track = vec![(
        Tracked::File(0),
        TrackWeight {
            weight,
            reverse: false,
        },
    )];
    DriverConfig {
        instances: vec![spec],
        files: vec![FileSpec {
            name: "maint".into(),
            path: file.into(),
            init: Some(FileInit {
                value: 0,
                overwrite: true,
            }),
        }],
        ..DriverConfig::default()
    }
}

/// Turns the loop until the instance is in `state` at `priority` (5 s at most).
fn until(driver: &mut Driver, events: &mut Vec<DriverEvent>, state: State, priority: u8) {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, instance) = driver.router().instances().next().unwrap();
        if instance.state() == state && instance.priority() == priority {
            return;
        }
        assert!(
            Instant::now() < end,
            "not {state:?} at {priority} after 5 s but {:?} at {}",
            instance.state(),
            instance.priority()
        );
        driver.turn(events).unwrap();
    }
}

#[test]
fn a_written_value_reaches_the_instance_and_a_reload_swaps_the_file() {
    let Some(lab) = Lab::new("track_file") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.2/24"]);
    let dir: PathBuf = host.dir().into();
    let (first, second) = (dir.join("maint"), dir.join("other"));
    std::fs::write(&first, "7\n").unwrap();
    host.in_netns(|| {
        let mut driver = Driver::new(config(&first, 0)).unwrap();
        let mut events = Vec::new();
        // init_file with overwrite: 0 at start, so no Fault.
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "0\n");
        until(&mut driver, &mut events, State::Master, 200);

        std::fs::write(&first, "1\n").unwrap();
        until(&mut driver, &mut events, State::Fault, 200);
        std::fs::remove_file(&first).unwrap();
        until(&mut driver, &mut events, State::Master, 200);

        // A reload: the other file, weighted; not initialised (keepalived
        // writes init_file only at start).
        std::fs::write(&second, "2\n").unwrap();
        driver.reload(config(&second, -30), &mut events).unwrap();
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "2\n");
        until(&mut driver, &mut events, State::Master, 140);
        std::fs::write(&first, "1\n").unwrap();
        std::fs::write(&second, "0x0\n").unwrap();
        until(&mut driver, &mut events, State::Master, 200);
        let (file, value) = driver.files().files().next().unwrap();
        assert_eq!((file.path.as_path(), value), (second.as_path(), Some(0)));
    });
}
