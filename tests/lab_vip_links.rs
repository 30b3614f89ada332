//! Which links put an instance in FAULT, in the lab, ours against
//! keepalived 2.4.3 in each role: keepalived tracks the link of every VIP
//! (vrrp.c, `TRACK_ADDR`) besides the instance's own, unless the address
//! says `no_track`; `dont_track_primary` stops it tracking its own
//! interface (and the VIPs on it).
//!
//! A (150) and B (100) run VI_1 on eth0; A's second VIP is on `mv0`, a
//! macvlan of its own eth0 (a link whose state A can change alone).
//! 1. `mv0` down: A is in FAULT and B takes the VIP on eth0; `mv0` up: A
//!    takes it back.
//! 2. The same VIP with `no_track`: A stays Master for 5 s.
//! 3. `dont_track_primary`, eth0 down: A is never in FAULT (B, hearing
//!    nothing, takes the VIP); eth0 up: A, the higher, takes it back.
//!
//! Needs root; keepalived 2.4.3 is built into `target/` (`.ci/run`).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";
const WAIT: Duration = Duration::from_secs(10);

/// How A's instance is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// A second VIP on `mv0`.
    Tracked,
    /// The same, `no_track`.
    NoTrack,
    /// `dont_track_primary`, no second VIP.
    DontTrackPrimary,
}

fn config(name: &str, priority: u8, extra: &[&str]) -> String {
    let mut instance = Instance::new("VI_1", 51)
        .priority(priority)
        .vip(&format!("{VIP}/24 dev eth0"));
    for line in extra {
        instance = if line.starts_with("198.18.") {
            instance.vip(line)
        } else {
            instance.line(line)
        };
    }
    Config::new(name).instance(instance).to_string()
}

fn scenario(test: &str, case: Case, daemon_a: &Daemon, daemon_b: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let client = lab.host("client", &["192.0.2.50/24"]);
    a.add_macvlan("mv0", None);
    let extra: &[&str] = match case {
        Case::Tracked => &["198.18.0.100/24 dev mv0"],
        Case::NoTrack => &["198.18.0.100/24 dev mv0 no_track"],
        Case::DontTrackPrimary => &["dont_track_primary"],
    };
    let names = format!("{case:?}: {}", lab::scenario::pair_name(daemon_a, daemon_b));
    let on_a = daemon_a.start(&a, &config("a", 150, extra));
    // The same address list (ours drops an advert whose list differs:
    // README, "keepalived 2.2.7 and 2.4.3"), the second on B's eth0.
    let same_list: &[&str] = match case {
        Case::DontTrackPrimary => &[],
        _ => &["198.18.0.100/24 dev eth0"],
    };
    let on_b = daemon_b.start(&b, &config("b", 100, same_list));
    let logs = || format!("A:\n{}\nB:\n{}", on_a.log(), on_b.log());
    let vip: IpAddr = VIP.parse().unwrap();
    // Both may time out together at the start: settled once B let go.
    let took = wait_for(WAIT, || {
        a.has_address(vip) && !b.has_address(vip) && client.ping(vip)
    });
    assert!(took.is_some(), "{names}: A is Master\n{}", logs());

    let link = |name: &str, up: bool| {
        let state = if up { "up" } else { "down" };
        let out = a.exec(&["ip", "link", "set", name, state]);
        assert!(out.status.success(), "ip link set {name} {state}: {out:?}");
    };
    match case {
        Case::Tracked => {
            link("mv0", false);
            let faulted = wait_for(WAIT, || daemon_a.in_fault(&a, &on_a));
            assert!(
                faulted.is_some(),
                "{names}: mv0 down, A in FAULT\n{}",
                logs()
            );
            let moved = wait_for(WAIT, || b.has_address(vip) && client.ping(vip));
            assert!(moved.is_some(), "{names}: B takes the VIP\n{}", logs());
            link("mv0", true);
        }
        Case::NoTrack => {
            link("mv0", false);
            let kept = holds_for(Duration::from_secs(5), || {
                a.has_address(vip) && !b.has_address(vip)
            });
            assert!(kept, "{names}: no_track, A stays Master\n{}", logs());
            assert!(!daemon_a.in_fault(&a, &on_a), "{names}: A not in FAULT");
            link("mv0", true);
        }
        Case::DontTrackPrimary => {
            a.sysctl("net.ipv6.conf.eth0.keep_addr_on_down=1");
            link("eth0", false);
            let moved = wait_for(WAIT, || b.has_address(vip));
            assert!(
                moved.is_some(),
                "{names}: B, hearing nothing, takes the VIP\n{}",
                logs()
            );
            assert!(
                !daemon_a.in_fault(&a, &on_a),
                "{names}: dont_track_primary, A not in FAULT with eth0 down\n{}",
                logs()
            );
            link("eth0", true);
        }
    }
    let back = wait_for(WAIT, || {
        a.has_address(vip) && !b.has_address(vip) && client.ping(vip)
    });
    assert!(back.is_some(), "{names}: A Master again\n{}", logs());
    on_a.kill(Signal::SIGTERM);
    on_b.kill(Signal::SIGTERM);
}

/// Each case with ours as A against keepalived 2.4.3, and the other way.
fn both_ways(test: &str, case: Case) {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    scenario(&format!("{test}_ours"), case, &Daemon::ours(), &keepalived);
    scenario(&format!("{test}_243"), case, &keepalived, &Daemon::ours());
}

#[test]
fn a_vip_s_link_down_is_fault() {
    both_ways("viplink", Case::Tracked);
}

#[test]
fn a_no_track_vip_s_link_is_not_followed() {
    both_ways("viplink_nt", Case::NoTrack);
}

#[test]
fn dont_track_primary_stays_out_of_fault() {
    both_ways("viplink_dtp", Case::DontTrackPrimary);
}
