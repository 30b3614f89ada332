//! A sync group member's own weighted trackers, in the lab (`vrrp-lab`),
//! against keepalived 2.2.7 and 2.4.3, each side in each role. Node G runs
//! sync group {V1 V2} at priority 150: V1 tracks script `chk` (weight
//! -60), V2 tracks link `sg13x` (weight -60). Node P runs V1 and V2 at 100,
//! preempting. A client pings both VIPs; whose MAC answers is the measure.
//!
//! keepalived's rule (vrrp.c, 2.2.7 and 2.4.3 alike), and ours:
//! - without `sync_group_tracking_weight`, the weighted script is ignored:
//!   `chk` failing moves nothing, both VIPs stay on G; the weighted link
//!   counts with weight 0: `sg13x` down is V2's FAULT, the whole group's,
//!   and P takes both VIPs;
//! - with it, `chk` failing drops V1 to 90 < 100: P preempts V1, the group
//!   drags V2 to Backup, and P takes both VIPs.
//!
//! Needs root and keepalived.

use std::net::IpAddr;
use std::time::Duration;

use vrrp_lab as lab;

use lab::keepalived::{Config, Instance, Script};
use lab::{Daemon, Host, Lab, say, watch};

const VIPS: [&str; 2] = ["192.0.2.100", "192.0.2.101"];
const WAIT: Duration = Duration::from_secs(12);

fn vips() -> [IpAddr; 2] {
    VIPS.map(|v| v.parse().unwrap())
}

/// G's check: fails while `fail` exists in G's directory.
fn check_script(host: &Host<'_>) -> String {
    let fail = host.dir().join("fail");
    let script = host.script(
        "chk.sh",
        &format!("#!/bin/sh\ntest ! -e {}\n", fail.display()),
    );
    script.display().to_string()
}

/// G's file: the group, with `flag` (or none) in it.
fn group_config(host: &Host<'_>, flag: &str) -> String {
    let check = Script::new("chk", &check_script(host), 1).weight(-60);
    let config = Config::new(host.name())
        .script(check)
        .instance(
            Instance::new("V1", 61)
                .priority(150)
                .vip(&format!("{}/24", VIPS[0]))
                .track_script("chk"),
        )
        .instance(
            Instance::new("V2", 62)
                .priority(150)
                .vip(&format!("{}/24", VIPS[1]))
                .line("track_interface {\n        sg13x weight -60\n    }"),
        );
    format!(
        "{config}\nvrrp_sync_group G {{\n    group {{\n        V1\n        V2\n    }}\n    {flag}\n}}\n"
    )
}

/// P's file: the same routers at 100, no group.
fn peer_config(host: &Host<'_>) -> String {
    Config::new(host.name())
        .instance(
            Instance::new("V1", 61)
                .priority(100)
                .vip(&format!("{}/24", VIPS[0])),
        )
        .instance(
            Instance::new("V2", 62)
                .priority(100)
                .vip(&format!("{}/24", VIPS[1])),
        )
        .to_string()
}

/// Whether both VIPs are on `on` alone and the client's pings to each are
/// answered from `on`'s MAC.
fn both_at(client: &Host<'_>, on: &Host<'_>, off: &Host<'_>) -> bool {
    vips().iter().all(|&vip| {
        on.has_address(vip)
            && !off.has_address(vip)
            && client.ping(vip)
            && client.neighbour_mac(vip).as_deref() == Some(on.mac())
    })
}

fn scenario(test: &str, on_g: &Daemon, on_p: &Daemon, tracking_weight: bool) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let g = lab.host("g", &["192.0.2.2/24"]);
    let p = lab.host("p", &["192.0.2.3/24"]);
    let client = lab.host("client", &["192.0.2.10/24"]);
    // V2's tracked link: one end of a veth pair inside G's namespace (gone
    // with it).
    for argv in [
        &[
            "ip", "link", "add", "sg13x", "type", "veth", "peer", "name", "sg13y",
        ][..],
        &["ip", "link", "set", "sg13x", "up"],
        &["ip", "link", "set", "sg13y", "up"],
    ] {
        let out = g.exec(argv);
        assert!(out.status.success(), "{argv:?}: {out:?}");
    }
    let flag = if tracking_weight {
        "sync_group_tracking_weight"
    } else {
        ""
    };
    let names = format!(
        "G {}, P {}, {}",
        on_g.name(),
        on_p.name(),
        if tracking_weight { flag } else { "no flag" }
    );
    let mut g_daemon = on_g.start(&g, &group_config(&g, flag));
    let mut p_daemon = on_p.start(&p, &peer_config(&p));
    let logs = |g_daemon: &lab::Proc, p_daemon: &lab::Proc| {
        format!("G:\n{}\nP:\n{}", g_daemon.log(), p_daemon.log())
    };
    assert!(
        watch::wait_for(WAIT, || both_at(&client, &g, &p)).is_some(),
        "{names}: both VIPs on G at start\n{}",
        logs(&g_daemon, &p_daemon)
    );

    std::fs::write(g.dir().join("fail"), "").unwrap();
    if tracking_weight {
        let moved = watch::wait_for(WAIT, || both_at(&client, &p, &g));
        assert!(
            moved.is_some(),
            "{names}: chk failed, V1 at 90: P takes both VIPs\n{}",
            logs(&g_daemon, &p_daemon)
        );
        say(&format!(
            "MEASURED: {names}: chk failed -> both VIPs at P in {:?}",
            moved.unwrap()
        ));
    } else {
        // Longer than P's Master_Down_Interval (3.6 s) after G's next
        // advert: had V1 dropped to 90, P would have taken it by then.
        let stolen = watch::wait_for(Duration::from_secs(7), || {
            vips().iter().any(|&vip| p.has_address(vip))
        });
        assert!(
            stolen.is_none() && both_at(&client, &g, &p),
            "{names}: chk's weight is ignored in the group: both VIPs stay on G\n{}",
            logs(&g_daemon, &p_daemon)
        );
        let out = g.exec(&["ip", "link", "set", "sg13x", "down"]);
        assert!(out.status.success(), "{out:?}");
        let moved = watch::wait_for(WAIT, || both_at(&client, &p, &g));
        assert!(
            moved.is_some(),
            "{names}: sg13x down, V2 in FAULT with its group: P takes both VIPs\n{}",
            logs(&g_daemon, &p_daemon)
        );
        say(&format!(
            "MEASURED: {names}: chk failed -> nothing moved in 7 s; sg13x down -> both VIPs \
             at P in {:?}",
            moved.unwrap()
        ));
    }
    assert!(
        g_daemon.is_running() && p_daemon.is_running(),
        "{names}: both daemons still run\n{}",
        logs(&g_daemon, &p_daemon)
    );
}

fn each_side_in_each_role(test: &str, tracking_weight: bool) {
    let ours = Daemon::ours();
    scenario(
        &format!("{test}_ours_g_keepalived_p"),
        &ours,
        &Daemon::Keepalived,
        tracking_weight,
    );
    scenario(
        &format!("{test}_keepalived_g_ours_p"),
        &Daemon::Keepalived,
        &ours,
        tracking_weight,
    );
    let Some(newest) = Daemon::keepalived_243() else {
        return;
    };
    scenario(
        &format!("{test}_ours_g_keepalived_243_p"),
        &ours,
        &newest,
        tracking_weight,
    );
    scenario(
        &format!("{test}_keepalived_243_g_ours_p"),
        &newest,
        &ours,
        tracking_weight,
    );
}

#[test]
fn without_the_flag_a_members_weighted_script_is_ignored_and_its_link_faults_the_group() {
    each_side_in_each_role("sgw_plain", false);
}

#[test]
fn with_sync_group_tracking_weight_the_weight_moves_the_group() {
    each_side_in_each_role("sgw_flag", true);
}
