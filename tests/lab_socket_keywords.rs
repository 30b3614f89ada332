//! The socket and interface keywords of keepalived.conf as the kernel holds
//! them, the same file run by our daemon and by keepalived 2.2.7 and 2.4.3
//! in turn on one lab host: the interface's `promote_secondaries`, the
//! namespace's `igmp_link_local_mcast_reports` (both put back on stop),
//! the nftables chains' priority and counters, the netlink sockets' receive
//! buffers (`ss -f netlink -m`). keepalived has a netlink socket for
//! commands and one for events, each sized by its keyword; ours does both
//! and asks for the two sizes together. (A raw socket's buffer is not
//! shown by `ss` on this kernel, without `raw_diag`: the VRRP socket's is
//! read back in `vrrp-io-linux/tests/rx_buffers.rs`.)

use std::net::IpAddr;
use std::time::Duration;

use vrrp_lab as lab;

use lab::keepalived::{Config, Instance};
use lab::{Daemon, Host, Lab, Signal, watch};

const VIP: &str = "192.0.2.100";
const WAIT: Duration = Duration::from_secs(10);

fn config() -> String {
    let instance = Instance::new("VI_SOCK", 70)
        .priority(150)
        .vip(&format!("{VIP}/24"))
        .line("promote_secondaries")
        .line("kernel_rx_buf_size 50000")
        .line("no_accept");
    Config::new("sock").instance(instance).to_string().replacen(
        "global_defs {\n",
        "global_defs {\n    nftables\n    nftables_priority -5\n    nftables_counters\n    \
         disable_local_igmp\n    vrrp_netlink_monitor_rcv_bufs 300000\n    \
         vrrp_netlink_cmd_rcv_bufs 200000\n",
        1,
    )
}

fn read(host: &Host<'_>, argv: &[&str]) -> String {
    let out = host.exec(argv);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sysctls(host: &Host<'_>) -> (String, String) {
    let value = |path: &str| read(host, &["cat", path]).trim().to_owned();
    (
        value("/proc/sys/net/ipv4/conf/eth0/promote_secondaries"),
        value("/proc/sys/net/ipv4/igmp_link_local_mcast_reports"),
    )
}

fn kernel_state_of(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let vip: IpAddr = VIP.parse().unwrap();
    let name = daemon.name();
    assert_eq!(
        sysctls(&a),
        ("0".into(), "1".into()),
        "the kernel's defaults"
    );
    let mut running = daemon.start(&a, &config());
    assert!(
        watch::wait_for(WAIT, || a.has_address(vip)).is_some(),
        "{name} is Master alone\n{}",
        running.log()
    );
    assert_eq!(
        sysctls(&a),
        ("1".into(), "0".into()),
        "{name}: while running"
    );
    let rules = read(&a, &["nft", "list", "ruleset"]);
    assert!(rules.contains("priority filter - 5;"), "{name}:\n{rules}");
    assert!(!rules.contains("priority filter - 1;"), "{name}:\n{rules}");
    assert!(rules.contains("counter packets"), "{name}:\n{rules}");
    let sockets = read(&a, &["ss", "-f", "netlink", "-a", "-m"]);
    let buffers: &[&str] = if daemon.is_keepalived() {
        &["rb600000,", "rb400000,"]
    } else {
        &["rb1000000,"]
    };
    for rb in buffers {
        assert!(sockets.contains(rb), "{name}: {rb}\n{sockets}");
    }
    lab::say(&format!(
        "MEASURED {test}: netlink receive buffers {buffers:?}"
    ));

    running.kill(Signal::SIGTERM);
    assert!(
        running.wait_exit(WAIT).is_some(),
        "{name} stops\n{}",
        running.log()
    );
    assert_eq!(
        sysctls(&a),
        ("0".into(), "1".into()),
        "{name}: put back on stop"
    );
}

#[test]
fn ours() {
    kernel_state_of("so13_sock_ours", &Daemon::ours());
}

#[test]
fn keepalived_227() {
    kernel_state_of("so13_sock_227", &Daemon::Keepalived);
}

#[test]
fn keepalived_243() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        kernel_state_of("so13_sock_243", &keepalived);
    }
}
