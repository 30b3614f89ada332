//! A snapshot for the renderers' tests: `OCP_EXT`, an IPv4 Master with
//! two addresses (one on another interface), an excluded one and a track
//! script; `V6`, an IPv6 Backup without addresses; one script, one process.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use vrrp_core::wire::Family;
use vrrp_core::{Config, RouterStats, State, Statistics, Tracking};
use vrrp_io_linux::driver::History;
use vrrp_io_linux::track::TrackWeight;
use vrrp_io_linux::track::process::{ProcessSpec, ProcessState};
use vrrp_io_linux::track::script::{ScriptSpec, ScriptState};

use super::{InstanceStatus, Snapshot, TrackedKind, TrackedStatus, VipStatus};

fn vip(addr: IpAddr, prefix_len: u8, interface: &str, excluded: bool) -> VipStatus {
    VipStatus {
        addr,
        prefix_len,
        interface: interface.into(),
        label: None,
        excluded,
    }
}

fn instance(name: &str, interface: &str, config: Config, family: Family) -> InstanceStatus {
    InstanceStatus {
        name: name.into(),
        interface: Some(interface.into()),
        vmac: None,
        config,
        family,
        state: State::Backup,
        history: History::default(),
        priority: 100,
        master: None,
        vips: Vec::new(),
        vips_installed: false,
        garp_delay: Duration::from_secs(5),
        master_adver_interval: 100,
        skew_time: vrrp_core::time::Duration::ZERO,
        master_down_interval: vrrp_core::time::Duration::from_micros(3_609_375),
        next_timer: None,
        tracking: Tracking::default(),
        tracked: Vec::new(),
        stats: Statistics::default(),
    }
}

/// The snapshot.
pub(crate) fn snapshot() -> Snapshot {
    let v4 = |d| IpAddr::V4(Ipv4Addr::new(192, 0, 2, d));
    let mut config = Config::new(51, v4(11), vec![v4(100), "198.18.0.1".parse().unwrap()]);
    config.priority = 100;
    let mut ext = instance("OCP_EXT", "ens192", config, Family::Ipv4);
    ext.state = State::Master;
    ext.history = History {
        transitions: 4,
        since: Some(SystemTime::UNIX_EPOCH + Duration::from_micros(1_796_630_161_109_081)),
        ..History::default()
    };
    ext.priority = 102;
    ext.vips = vec![
        vip(v4(100), 32, "ens192", false),
        vip("198.18.0.1".parse().unwrap(), 24, "eth1", false),
        vip(v4(200), 32, "ens192", true),
    ];
    ext.vips_installed = true;
    ext.tracked = vec![TrackedStatus {
        name: "haproxy_check".into(),
        up: Some(true),
        weight: TrackWeight {
            weight: 2,
            reverse: false,
        },
        kind: TrackedKind::Script {
            last: None,
            runs: 5,
        },
    }];
    ext.stats = Statistics {
        adverts_received: 7,
        adverts_sent: 40,
        master_transitions: 2,
        priority_zero_received: 1,
        auth_failures: 4,
        ..Statistics::default()
    };
    let link_local = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2));
    let mut v6 = instance(
        "V6",
        "ens224",
        Config::new(7, link_local, Vec::new()),
        Family::Ipv6,
    );
    v6.master = Some(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)));
    v6.stats.adverts_received = 3;
    let script = ScriptSpec {
        name: "haproxy_check".into(),
        command: "/usr/bin/killall -0 haproxy".into(),
        interval: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        rise: 1,
        fall: 1,
        init_fail: false,
        run_as: None,
    };
    let process = ProcessSpec {
        name: "hap\"x".into(),
        process: "haproxy".into(),
        params: Vec::new(),
        param_match: None,
        quorum: 1,
        quorum_max: u32::MAX,
        delay: Duration::ZERO,
    };
    Snapshot {
        time: SystemTime::UNIX_EPOCH,
        pid: 1,
        instances: vec![ext, v6],
        scripts: vec![(
            script,
            ScriptState {
                up: true,
                last: None,
                runs: 5,
            },
        )],
        processes: vec![(
            process,
            ProcessState {
                up: false,
                count: 0,
            },
        )],
        notify_scripts_busy: 0,
        route_failures: 0,
        traffic_dropped: Vec::new(),
        drop_rule_failures: 0,
        router: RouterStats {
            vrid_errors: 3,
            ..RouterStats::default()
        },
    }
}
