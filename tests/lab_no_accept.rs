//! `no_accept` and `vrrp_strict` end to end in the lab (`vrrp-lab`): a
//! non-owner Master without accept mode drops traffic to its VIP (the
//! classic "the VIP does not answer ping with vrrp_strict"), ours as
//! keepalived does, with the same keepalived.conf on both hosts; with
//! `accept` the VIP answers. After a failover the rules follow the Master;
//! after our daemon stops (SIGTERM), or is killed and its `--release-vips`
//! runs, no rule is left. Each daemon is Master once and Backup once, with
//! IPv4 and IPv6 VIPs (neighbour discovery still resolves an IPv6 VIP).
//! Needs root, keepalived and `nft`.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, haproxy, say};
use nix::sys::signal::Signal;

const VIP4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
const VIP6: IpAddr = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100));
const PORT: u16 = 8080;
/// Our table, and keepalived's.
const OURS: &str = "keepalive_haproxy";
const KEEPALIVED: &str = "keepalived";

/// How the instances are told not to accept.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `vrrp_strict` in global_defs: no_accept by default.
    Strict,
    /// `no_accept` in the instance.
    NoAccept,
    /// `accept` in the instance: the VIP answers.
    Accept,
}

fn config(host: &Host<'_>, priority: u8, mode: Mode, vip: IpAddr) -> String {
    let prefix = if vip.is_ipv4() { 24 } else { 64 };
    let mut instance = Instance::new("VI_1", 51)
        .priority(priority)
        .vip(&format!("{vip}/{prefix}"));
    match mode {
        Mode::Strict => {}
        Mode::NoAccept => instance = instance.line("no_accept"),
        Mode::Accept => instance = instance.line("accept"),
    }
    let text = Config::new(host.name()).instance(instance).to_string();
    match mode {
        Mode::Strict => with_global(&text, "vrrp_strict"),
        _ => text,
    }
}

/// The nftables tables in `host`'s namespace.
fn tables(host: &Host<'_>) -> String {
    String::from_utf8_lossy(&host.exec(&["nft", "list", "tables"]).stdout).into_owned()
}

/// Whether `host`'s table `name` lists `vip` in a set.
fn lists_vip(host: &Host<'_>, family: &str, name: &str, vip: IpAddr) -> bool {
    let out = host.exec(&["nft", "list", "table", family, name]).stdout;
    String::from_utf8_lossy(&out).contains(&vip.to_string())
}

/// Whether the client reaches `vip`: ping, and TCP to HAProxy.
fn reaches(client: &Host<'_>, vip: IpAddr) -> (bool, bool) {
    (client.ping(vip), client.tcp_connect(vip, PORT))
}

fn wait(what: &str, timeout: Duration, check: impl FnMut() -> bool) -> Duration {
    wait_for(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?}: {what}"))
}

/// An address of `host` in `vip`'s family.
fn own(host: &Host<'_>, vip: IpAddr) -> IpAddr {
    if vip.is_ipv4() {
        host.ipv4().into()
    } else {
        host.ipv6().into()
    }
}

/// Checks the Master `holder` with `daemon` (running as `proc`) against
/// what `mode` wants for `vip`.
fn check_master(
    client: &Host<'_>,
    holder: &Host<'_>,
    (daemon, proc): (&Daemon, &Proc),
    mode: Mode,
    vip: IpAddr,
) {
    let dropping = !matches!(mode, Mode::Accept);
    // Own addresses are never touched.
    let name = holder.name();
    assert!(
        client.ping(own(holder, vip)),
        "{name} answers on its own address"
    );
    let seen = reaches(client, vip);
    say(&format!(
        "MEASURED: {mode:?}, {} Master: the VIP {vip} answers ping={} tcp={}",
        daemon.name(),
        seen.0,
        seen.1
    ));
    assert_eq!(
        seen,
        (!dropping, !dropping),
        "{mode:?} on {}",
        daemon.name()
    );
    if vip.is_ipv6() {
        // Neighbour discovery passes: the VIP still resolves.
        assert!(
            client.neighbour_mac(vip).is_some(),
            "{vip} does not resolve"
        );
    }
    if daemon.is_keepalived() {
        let family = if vip.is_ipv4() { "ip" } else { "ip6" };
        let listed = lists_vip(holder, family, KEEPALIVED, vip);
        assert_eq!(listed, dropping, "{}", tables(holder));
    } else {
        let listed = lists_vip(holder, "inet", OURS, vip);
        assert_eq!(listed, dropping, "{}", tables(holder));
        let status = lab::daemon::status(holder, proc);
        let dropped = status["drop_rules"]["dropped"].as_array().unwrap().clone();
        let expected: Vec<serde_json::Value> = if dropping {
            vec![vip.to_string().into()]
        } else {
            Vec::new()
        };
        assert_eq!(dropped, expected, "{status:#}");
        assert_eq!(status["drop_rules"]["failures"], 0, "{status:#}");
    }
}

fn scenario(test: &str, first: &Daemon, second: &Daemon, mode: Mode, vip: IpAddr) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    if !lab::output("nft", &["--version"]).status.success() {
        assert!(std::env::var_os("CI").is_none(), "CI must have nft");
        say("SKIPPED: nft is not installed");
        return;
    }
    let a = lab.host("a", &["192.0.2.2/24", "2001:db8::2/64"]);
    let b = lab.host("b", &["192.0.2.3/24", "2001:db8::3/64"]);
    let client = lab.host("client", &["192.0.2.10/24", "2001:db8::10/64"]);
    let _haproxy = (haproxy::start(&a, PORT), haproxy::start(&b, PORT));
    let mut on_a = first.start(&a, &config(&a, 150, mode, vip));
    let mut on_b = second.start(&b, &config(&b, 100, mode, vip));
    wait("the VIP on a", Duration::from_secs(10), || {
        a.has_address(vip) && !b.has_address(vip)
    });
    std::thread::sleep(Duration::from_millis(300));
    check_master(&client, &a, (first, &on_a), mode, vip);
    if !second.is_keepalived() {
        assert!(!lists_vip(&b, "inet", OURS, vip), "a Backup drops nothing");
    }

    // Failover: the first daemon stops; the rules follow the VIP to b.
    on_a.kill(Signal::SIGTERM);
    let stopped = on_a.wait_exit(Duration::from_secs(10));
    assert!(stopped.is_some(), "a stopped");
    wait("the VIP on b", Duration::from_secs(10), || {
        b.has_address(vip) && !a.has_address(vip)
    });
    std::thread::sleep(Duration::from_millis(300));
    check_master(&client, &b, (second, &on_b), mode, vip);
    if !first.is_keepalived() {
        assert!(
            !tables(&a).contains(OURS),
            "left after SIGTERM: {}",
            tables(&a)
        );
    }

    // Ours killed while Master: the table stays (nothing runs to delete
    // it); a restart replaces it and drops again once Master; after another
    // kill --release-vips (systemd's ExecStopPost) takes it away.
    if !second.is_keepalived() && !matches!(mode, Mode::Accept) {
        on_b.kill(Signal::SIGKILL);
        on_b.wait_exit(Duration::from_secs(5));
        let left = lists_vip(&b, "inet", OURS, vip);
        assert!(left, "a killed daemon leaves its rule");
        on_b = second.start(&b, &config(&b, 100, mode, vip));
        let master = on_b.wait_log("to=Master", Duration::from_secs(10));
        assert!(
            master.is_some(),
            "not Master after a restart:\n{}",
            on_b.log()
        );
        std::thread::sleep(Duration::from_millis(300));
        check_master(&client, &b, (second, &on_b), mode, vip);
        on_b.kill(Signal::SIGKILL);
        on_b.wait_exit(Duration::from_secs(5));
        let config_path = second.config_path(&b).display().to_string();
        let Daemon::Ours(program) = second else {
            unreachable!()
        };
        let program = program.display().to_string();
        let release = b.exec(&[&program, "--release-vips", "-f", &config_path]);
        assert!(release.status.success(), "{release:?}");
        assert!(
            !tables(&b).contains(OURS),
            "left after release: {}",
            tables(&b)
        );
        assert!(client.ping(own(&b, vip)));
    }
}

#[test]
fn strict_ours_master_keepalived_backup() {
    scenario(
        "noacc_strict_ours",
        &Daemon::ours(),
        &Daemon::Keepalived,
        Mode::Strict,
        VIP4,
    );
}

#[test]
fn strict_keepalived_master_ours_backup() {
    scenario(
        "noacc_strict_ka",
        &Daemon::Keepalived,
        &Daemon::ours(),
        Mode::Strict,
        VIP4,
    );
}

#[test]
fn no_accept_keepalived_243_master_ours_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    scenario(
        "noacc_243_ours",
        &keepalived,
        &Daemon::ours(),
        Mode::NoAccept,
        VIP4,
    );
}

#[test]
fn no_accept_ours_master_keepalived_243_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    scenario(
        "noacc_ours_243",
        &Daemon::ours(),
        &keepalived,
        Mode::NoAccept,
        VIP4,
    );
}

#[test]
fn accept_ours_master_keepalived_backup() {
    scenario(
        "acc_ours_ka",
        &Daemon::ours(),
        &Daemon::Keepalived,
        Mode::Accept,
        VIP4,
    );
}

#[test]
fn ipv6_strict_ours_master_keepalived_243_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    scenario(
        "noacc6_ours_243",
        &Daemon::ours(),
        &keepalived,
        Mode::Strict,
        VIP6,
    );
}

#[test]
fn ipv6_no_accept_keepalived_master_ours_backup() {
    scenario(
        "noacc6_ka_ours",
        &Daemon::Keepalived,
        &Daemon::ours(),
        Mode::NoAccept,
        VIP6,
    );
}

/// Without `nft` a file that must drop VIP traffic is refused, by `-t`
/// and at start, saying what to install; with `accept` it is not.
#[test]
fn without_nft_such_a_file_is_refused() {
    let Some(lab) = Lab::new("noacc_nonft") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.2/24"]);
    let Daemon::Ours(program) = Daemon::ours() else {
        unreachable!()
    };
    let program = program.display().to_string();
    let no_nft = "PATH=/usr/bin:/bin";
    assert!(
        !std::path::Path::new("/usr/bin/nft").exists()
            && !std::path::Path::new("/bin/nft").exists(),
        "this test hides nft by leaving /usr/sbin out of PATH"
    );
    for (mode, refused) in [
        (Mode::Strict, true),
        (Mode::NoAccept, true),
        (Mode::Accept, false),
    ] {
        let path = a.dir().join(format!("{mode:?}.conf"));
        std::fs::write(&path, config(&a, 100, mode, VIP4)).unwrap();
        let path = path.display().to_string();
        let checked = a.exec(&["env", no_nft, &program, "-t", "-f", &path]);
        let said = String::from_utf8_lossy(&checked.stderr).into_owned()
            + &String::from_utf8_lossy(&checked.stdout);
        assert_eq!(!checked.status.success(), refused, "{mode:?} -t: {said}");
        if refused {
            assert!(said.contains("apt-get install nftables"), "{said}");
            let pid = a.dir().join("keepalived.pid").display().to_string();
            let started = a.exec(&[
                "env", no_nft, "timeout", "5", &program, "-n", "-f", &path, "-p", &pid,
            ]);
            let said = String::from_utf8_lossy(&started.stderr).into_owned();
            assert_eq!(started.status.code(), Some(1), "{mode:?} start: {said}");
            assert!(said.contains("apt-get install nftables"), "{said}");
        }
    }
}
