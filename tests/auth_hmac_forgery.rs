//! `auth_hmac` against a forger on the segment, with our daemon and
//! keepalived 2.4.3 as the pair (each side Master once). The forger F:
//!
//! - replays an advert the Master sent, captured on the segment, with the
//!   Master's source address: the Backup drops every copy and counts it as
//!   a replay (`auth_ext_replay`);
//! - sends adverts of priority 254 signed with a wrong key: both daemons
//!   drop them and count them (`auth_ext_invalid_hmac`), and the Master
//!   keeps the VIP.
//!
//! Both daemons' counters are read the same way: keepalived's JSON dump
//! (`--signum=JSON`), which ours writes too. Needs root and keepalived
//! 2.4.3.

mod fault_kit;

use vrrp_lab as lab;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fault_kit::inject::{GROUP, Injector, Message};
use lab::keepalived::{Config, Instance, State};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, Proc, say};
use vrrp_core::auth_hmac::{AntiReplay, Binding, HmacAuth, HmacConfig, Key, Mode};
use vrrp_core::wire::{TRAILER_LEN, Version};

const KEY: &str = "hex:8d1e0b7a6c5f4e3d2c1b0a99887766554433221100ffeeddccbbaa9988776655";
const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const M: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const F: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 3);
/// Forged packets of each kind.
const N: u64 = 5;

fn config(me: u8, priority: u8, state: State) -> String {
    let instance = Instance::new("VI_51", 51)
        .priority(priority)
        .advert_int(Duration::from_millis(100))
        .version(3)
        .state(state)
        .vip(&format!("{VIP}/24"))
        .line(&format!(
            "    auth_hmac {{\n        key 1 {KEY}\n        active_key 1\n    }}"
        ));
    Config::new(&format!("host{me}"))
        .instance(instance)
        .to_string()
}

/// The program a daemon runs, for `--signum`.
fn program(daemon: &Daemon) -> String {
    match daemon {
        Daemon::Keepalived => "keepalived".to_owned(),
        Daemon::Keepalived243(path) | Daemon::Ours(path) => path.display().to_string(),
    }
}

/// VI_51's counters from `daemon`'s keepalived.json on `host`.
fn counters(host: &Host<'_>, proc: &Proc, daemon: &Daemon) -> serde_json::Value {
    let out = Command::new(program(daemon))
        .arg("--signum=JSON")
        .output()
        .expect("--signum");
    let number = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let path = host.dir().join("keepalived.json");
    let _ = std::fs::remove_file(&path);
    let sent = Command::new("kill")
        .args([format!("-{number}"), proc.pid().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -{number}");
    let mut parsed = None;
    wait_for(Duration::from_secs(3), || {
        parsed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        parsed.is_some()
    });
    let json = parsed.unwrap_or_else(|| panic!("no {} from {}", path.display(), daemon.name()));
    json[0]["stats"].clone()
}

/// The first advert from `from` that `host` (F) receives: its VRRP bytes.
fn capture_one(host: &Host<'_>, from: Ipv4Addr) -> Vec<u8> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = host.in_netns(|| {
        let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112))).unwrap();
        socket.bind_device(Some(b"eth0")).unwrap();
        // The kernel hands a host multicast only for groups it joined.
        socket.join_multicast_v4(&GROUP, &F).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        socket
    });
    let mut buf = [0u8; 1500];
    loop {
        let len = std::io::Read::read(&mut &socket, &mut buf).expect("an advert within 3 s");
        let bytes = &buf[..len];
        let header = usize::from(bytes[0] & 0x0f) * 4;
        if bytes[12..16] == from.octets() {
            return bytes[header..].to_vec();
        }
    }
}

fn run(test: &str, ours_master: bool) {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let ours = Daemon::ours();
    let (master, backup) = if ours_master {
        (&ours, &keepalived)
    } else {
        (&keepalived, &ours)
    };
    let m = lab.host("m", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let f = lab.host("f", &["192.0.2.3/24"]);
    let vip = IpAddr::V4(VIP);
    let on_m = master.start(&m, &config(1, 150, State::Master));
    assert!(wait_for(Duration::from_secs(10), || m.has_address(vip)).is_some());
    let on_b = backup.start(&b, &config(2, 100, State::Backup));
    assert!(holds_for(Duration::from_secs(1), || !b.has_address(vip)));

    let captured = capture_one(&f, M);
    let injector = Injector::new(&f);
    // A priority-254 advert from F, signed with a key nobody configured.
    let message = Message::v3(51, 254, 10, &[VIP]).bytes(F, GROUP);
    let mut wrong = HmacAuth::new(
        &HmacConfig {
            keys: vec![Key {
                id: 1,
                bytes: vec![0x77; 32],
            }],
            active_key: 1,
            mode: Mode::Enforce,
            anti_replay: AntiReplay::Monotonic,
        },
        1,
    )
    .unwrap();
    let before = (counters(&m, &on_m, master), counters(&b, &on_b, backup));
    for _ in 0..N {
        injector.send_raw(M, GROUP, 255, &captured);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let binding = Binding {
            version: Version::V3,
            vrid: 51,
            sender: IpAddr::V4(F),
        };
        let mut trailer = [0; TRAILER_LEN];
        wrong.sign(&message, &mut trailer, binding, now);
        let forged: Vec<u8> = message.iter().chain(&trailer).copied().collect();
        injector.send_raw(F, GROUP, 255, &forged);
        std::thread::sleep(Duration::from_millis(50));
    }
    let kept = holds_for(Duration::from_millis(500), || {
        m.has_address(vip) && !b.has_address(vip)
    });
    assert!(
        kept,
        "the forger moved the VIP:\n{}\n{}",
        on_m.log(),
        on_b.log()
    );
    let after = (counters(&m, &on_m, master), counters(&b, &on_b, backup));
    let moved = |before: &serde_json::Value, after: &serde_json::Value, name: &str| {
        after[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in {after}"))
            - before[name].as_u64().unwrap_or(0)
    };
    for (who, daemon, before, after) in [
        ("Master", master, &before.0, &after.0),
        ("Backup", backup, &before.1, &after.1),
    ] {
        assert_eq!(
            moved(before, after, "auth_ext_invalid_hmac"),
            N,
            "{who} {}: wrong-key adverts: {after}",
            daemon.name()
        );
    }
    assert_eq!(
        moved(&before.1, &after.1, "auth_ext_replay"),
        N,
        "Backup {}: replays: {}",
        backup.name(),
        after.1
    );
    say(&format!(
        "MEASURED auth_hmac forgery: Master {} / Backup {}: {N} replays counted by the Backup, \
         {N} wrong-key adverts (priority 254) counted by both, the VIP stayed",
        master.name(),
        backup.name()
    ));
}

#[test]
fn forgeries_against_our_master_and_keepalived_backup() {
    run("hmac_forgery_ours_master", true);
}

#[test]
fn forgeries_against_keepalived_master_and_our_backup() {
    run("hmac_forgery_keepalived_master", false);
}
