//! Every semantic error of a keepalived.conf is rejected: by `-t` (exit 1,
//! `file:line:col: message`), and by a running daemon's SIGHUP reload, which
//! keeps the running configuration without a transition.
//!
//! Each case's text marks with `‸` the token the error must point at; the
//! test removes the mark and turns its place into `line:col`.

mod fault_kit;
use vrrp_lab as lab;

use std::process::Command;
use std::time::{Duration, SystemTime};

use fault_kit::{NAME, VIP, state, status, transitions};
use lab::{Lab, Signal};

/// Where an error must point.
const MARK: char = '‸';

/// A valid instance body around `extra` lines; its `vrrp_instance` line is
/// the text's first.
fn instance(extra: &str) -> String {
    format!(
        "vrrp_instance V {{\n interface eth0\n virtual_router_id 5\n{extra} virtual_ipaddress {{\n  \
         192.0.2.100/24\n }}\n}}\n"
    )
}

/// (name, text with the mark, what the message must say).
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let script = "vrrp_script chk {\n script true\n}\n";
    vec![
        ("no interface", "‸vrrp_instance V {\n virtual_router_id 5\n virtual_ipaddress { 192.0.2.100 }\n}\n".into(), "has no `interface`"),
        ("no virtual_router_id", "‸vrrp_instance V {\n interface eth0\n virtual_ipaddress { 192.0.2.100 }\n}\n".into(), "has no `virtual_router_id`"),
        ("VRID 0", "vrrp_instance V {\n interface eth0\n virtual_router_id ‸0\n virtual_ipaddress { 192.0.2.100 }\n}\n".into(), "expected a number 1..255 after virtual_router_id"),
        ("VRID 256", "vrrp_instance V {\n interface eth0\n virtual_router_id ‸256\n virtual_ipaddress { 192.0.2.100 }\n}\n".into(), "expected a number 1..255 after virtual_router_id"),
        ("priority 0", instance(" priority ‸0\n"), "expected a number 1..255 after priority"),
        ("priority 256", instance(" priority ‸256\n"), "expected a number 1..255 after priority"),
        ("VRRPv2 with IPv6", "vrrp_instance V {\n interface eth0\n virtual_router_id 5\n version 2\n native_ipv6\n virtual_ipaddress {\n  ‸2001:db8::100\n }\n}\n".into(), "VRRP version 2 is IPv4 only"),
        ("VRRPv2 sub-second advert_int", instance(" version 2\n advert_int ‸0.5\n"), "not a whole number of seconds"),
        ("VRRPv2 advert_int 300", instance(" version 2\n advert_int ‸300\n"), "out of range for VRRP version 2"),
        ("VRRPv3 advert_int 41", instance(" version 3\n advert_int ‸41\n"), "out of range for VRRP version 3"),
        ("unicast without peers", instance(" unicast_src_ip ‸192.0.2.1\n"), "unicast without peers"),
        ("unicast peer of the other family", instance(" unicast_src_ip 192.0.2.1\n unicast_peer {\n  ‸2001:db8::2\n }\n"), "unicast_peer 2001:db8::2 is IPv6"),
        ("VRRPv3 without a VIP", "‸vrrp_instance V {\n interface eth0\n virtual_router_id 5\n version 3\n}\n".into(), "VRRPv3 requires at least one"),
        ("a VIP that is no address", "vrrp_instance V {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  ‸192.0.2.300/24\n }\n}\n".into(), "expected an IPv4 or IPv6 address"),
        ("duplicate VRID on an interface", instance("") + "vrrp_instance W {\n interface eth0\n virtual_router_id ‸5\n virtual_ipaddress { 192.0.2.101 }\n}\n", "virtual_router_id 5 is already used on eth0"),
        ("sync group naming no instance", instance("") + "vrrp_sync_group G {\n group {\n  V\n  ‸W\n }\n}\n", "no vrrp_instance W is defined"),
        ("instance in two sync groups", instance("") + "vrrp_sync_group G {\n group {\n  V\n }\n}\nvrrp_sync_group H {\n group {\n  ‸V\n }\n}\n", "can belong to one sync group only"),
        ("vrrp_script defined twice", format!("{script}‸vrrp_script chk {{\n script false\n}}\n{}", instance("")), "vrrp_script chk is defined twice"),
        ("vrrp_script without script", format!("‸vrrp_script chk {{\n interval 1\n}}\n{}", instance(" track_script { chk }\n")), "a `script` line inside vrrp_script chk"),
        ("script interval 0", format!("vrrp_script chk {{\n script true\n interval ‸0\n}}\n{}", instance(" track_script { chk }\n")), "a time above 0 seconds after interval"),
        ("script weight 300", format!("vrrp_script chk {{\n script true\n weight ‸300\n}}\n{}", instance(" track_script { chk }\n")), "a weight -253..253 after weight"),
        ("script_user that does not exist", format!("global_defs {{\n script_user nosuchuser\n}}\n‸{script}{}", instance(" track_script { chk }\n")), "script user \"nosuchuser\" does not exist"),
        ("script group that does not exist", format!("global_defs {{\n script_user nobody nosuchgroup\n}}\n‸{script}{}", instance(" track_script { chk }\n")), "script group \"nosuchgroup\" does not exist"),
        ("vrrp_track_process without process", format!("‸vrrp_track_process hap {{\n weight 2\n}}\n{}", instance(" track_process { hap }\n")), "a `process` line inside vrrp_track_process hap"),
        ("quorum_max below quorum", format!("‸vrrp_track_process hap {{\n process haproxy\n quorum 3\n quorum_max 2\n}}\n{}", instance(" track_process { hap }\n")), "quorum_max 2 is below quorum 3"),
    ]
}

/// The text without its mark, and the mark's `line:col` (1-based,
/// columns in characters).
fn unmark(text: &str) -> (String, String) {
    let at = text.find(MARK).expect("a case marks its error");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (text.replacen(MARK, "", 1), format!("{line}:{column}"))
}

fn daemon_binary() -> std::path::PathBuf {
    let lab::Daemon::Ours(path) = lab::Daemon::ours() else {
        unreachable!()
    };
    path
}

#[test]
fn config_test_rejects_every_semantic_error_with_its_position() {
    let dir = std::env::temp_dir().join(format!("config-reject-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    for (i, (name, marked, says)) in cases().into_iter().enumerate() {
        let (text, position) = unmark(&marked);
        let path = dir.join(format!("case{i}.conf"));
        std::fs::write(&path, &text).expect("write a case");
        let out = Command::new(daemon_binary())
            .args(["-t", "-f"])
            .arg(&path)
            .output()
            .expect("run the daemon");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        let error = stderr
            .lines()
            .find(|l| l.contains(says))
            .unwrap_or_else(|| panic!("{name}: {says:?} not in {stderr}"));
        let prefix = format!("{}:{position}: ", path.display());
        assert!(
            error.starts_with(&prefix),
            "{name}: want {prefix:?}, got {error:?}"
        );
    }
    lab::say(&format!(
        "MEASURED config -t: {} semantic errors, each exit 1 at its file:line:col",
        cases().len()
    ));
    std::fs::remove_dir_all(&dir).expect("remove the scratch directory");
}

#[test]
fn a_reload_with_any_semantic_error_keeps_the_running_config() {
    let Some(lab) = Lab::new("config_reload") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let watch = a.monitor_addresses();
    let case = lab::scenario::Case::v3_ipv4(Duration::from_millis(100));
    let good = lab::keepalived::Config::new("a").instance(case.instance(150));
    let daemon = fault_kit::start_running(&a, &good.to_string(), &[]);
    let took = lab::watch::wait_for(Duration::from_secs(5), || a.has_address(VIP));
    assert!(took.is_some(), "{}", daemon.log());
    let before = transitions(&status(&a, &daemon), NAME);
    let start = SystemTime::now();
    let path = fault_kit::config_path(&a);
    for (i, (name, marked, says)) in cases().into_iter().enumerate() {
        let (text, position) = unmark(&marked);
        std::fs::write(&path, &text).expect("write a case");
        daemon.kill(Signal::SIGHUP);
        let rejected = lab::watch::wait_for(Duration::from_secs(3), || {
            daemon.log().matches("reload rejected").count() > i
        });
        assert!(
            rejected.is_some(),
            "{name}: not rejected:\n{}",
            daemon.log()
        );
        let log = daemon.log();
        let line = log.lines().filter(|l| l.contains("reload rejected")).nth(i);
        let line = line.unwrap_or_default();
        let at = format!("{}:{position}: ", path.display());
        assert!(line.contains(&at) && line.contains(says), "{name}: {line}");
    }
    std::thread::sleep(Duration::from_millis(300));
    let status_a = status(&a, &daemon);
    assert_eq!(state(&status_a, NAME), "MASTER");
    assert_eq!(
        transitions(&status_a, NAME),
        before,
        "a rejected reload moved the instance"
    );
    assert_eq!(watch.first(VIP, false, start), None, "the VIP went away");
    assert!(
        !daemon.log().contains("reloaded"),
        "a broken config was applied"
    );
    // The control: a good configuration is taken.
    std::fs::write(
        &path,
        good.to_string().replace("priority 150", "priority 160"),
    )
    .expect("write");
    daemon.kill(Signal::SIGHUP);
    let reloaded = daemon.wait_log("reloaded", Duration::from_secs(3));
    assert!(reloaded.is_some(), "{}", daemon.log());
    let status_a = status(&a, &daemon);
    assert_eq!(
        fault_kit::instance(&status_a, NAME)["priority"]["base"],
        160
    );
    lab::say(&format!(
        "MEASURED config reload: {} broken configs rejected on SIGHUP at their file:line:col; \
         the instance stayed Master with no transition, the VIP never left; a good one reloaded",
        cases().len()
    ));
}
