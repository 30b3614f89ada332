//! The daemon in operation, in the lab (`vrrp-lab`): SIGHUP with an
//! unchanged configuration changes nothing (no transition, the VIP stays),
//! a broken one is rejected; a hung track script counts as failure while
//! adverts keep their interval; notify scripts run in order; SIGUSR1 status
//! and Prometheus metrics; `--release-vips` after a SIGKILL; an advert the
//! kernel refuses is counted as a send error and warned about, rate-limited,
//! never counted as sent; so is a gratuitous ARP it refuses. Needs root.

use vrrp_lab as lab;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use lab::keepalived::{Config, Instance, seed, seed_with_weight};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, haproxy, say};

/// The VIP of the seed's configuration.
const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
/// HAProxy's port.
const PORT: u16 = 8080;

/// How long until `check` holds, at most `timeout`; panics naming `what`.
fn time_until(what: &str, timeout: Duration, check: impl FnMut() -> bool) -> Duration {
    wait_for(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?}: {what}"))
}

/// Asserts that `check` holds throughout `period`.
fn stays(what: &str, period: Duration, check: impl FnMut() -> bool) {
    assert!(holds_for(period, check), "{what} stopped holding");
}

/// `killall -SIG name` on `host`: what an operator would type.
fn killall(host: &Host<'_>, signal: &str, name: &str) {
    let out = host.exec(&["killall", &format!("-{signal}"), name]);
    assert!(out.status.success(), "killall {name}: {out:?}");
}

/// Writes `text` to `<host dir>/<file>` and returns the path.
fn write(host: &Host<'_>, file: &str, text: &str) -> PathBuf {
    let path = host.dir().join(file);
    std::fs::write(&path, text).expect("write into the host's directory");
    path
}

#[test]
fn sighup_with_an_unchanged_config_changes_nothing_and_a_broken_one_is_rejected() {
    let Some(lab) =
        Lab::new("sighup_with_an_unchanged_config_changes_nothing_and_a_broken_one_is_rejected")
    else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let _h = (haproxy::start(&master, PORT), haproxy::start(&backup, PORT));
    let ours = Daemon::ours();
    let daemon = ours.start(&master, &seed_with_weight("master", 5));
    let _other = ours.start(&backup, &seed_with_weight("backup", 5));
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    let before = daemon.log().matches("state changed").count();

    killall(&master, "HUP", "keepalive-haproxy");
    let reloaded = daemon.wait_log("reloaded", Duration::from_secs(3));
    assert!(reloaded.is_some(), "{}", daemon.log());
    stays("the VIP on the master", Duration::from_secs(3), || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });
    let log = daemon.log();
    assert_eq!(log.matches("state changed").count(), before, "{log}");
    assert!(log.contains(r#"kept=["OCP_EXT"]"#), "{log}");
    let status = lab::status(&master, &daemon);
    assert_eq!(status["instances"][0]["state"], "MASTER");
    assert_eq!(status["instances"][0]["stats"]["master_transitions"], 1);

    // A configuration that fails: rejected, the old one runs on.
    let path = ours.config_path(&master);
    std::fs::write(&path, "vrrp_instance OCP_EXT {\n priority 300\n}\n").expect("config");
    killall(&master, "HUP", "keepalive-haproxy");
    let rejected = daemon.wait_log("reload rejected", Duration::from_secs(3));
    assert!(rejected.is_some(), "{}", daemon.log());
    assert!(
        daemon.log().contains(&format!("{}:2:", path.display())),
        "{}",
        daemon.log()
    );
    stays("the VIP on the master", Duration::from_secs(2), || {
        master.has_address(VIP)
    });
    assert_eq!(daemon.log().matches("state changed").count(), before);
    say(
        "MEASURED: SIGHUP, unchanged config: no transition, the VIP stayed; broken config rejected",
    );
}

#[test]
fn a_hung_track_script_fails_at_its_timeout_and_adverts_keep_their_interval() {
    let Some(lab) =
        Lab::new("a_hung_track_script_fails_at_its_timeout_and_adverts_keep_their_interval")
    else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let config = seed("master")
        .replace("killall -0 haproxy", "sleep 1000")
        .replace("interval 2\n", "interval 1\ntimeout 1\n")
        .replace("weight 2\n", "weight -20\n");
    let capture = lab.capture_adverts();
    let start = SystemTime::now();
    let daemon = Daemon::ours().start(&master, &config);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    // Several runs hang and are killed while the master advertises.
    std::thread::sleep(Duration::from_secs(5));
    let status = lab::status(&master, &daemon);
    let tracked = &status["instances"][0]["tracked"][0];
    assert_eq!(tracked["up"], false, "{status:#}");
    assert_eq!(tracked["last"], "TimedOut", "{status:#}");
    assert_eq!(status["instances"][0]["priority"]["effective"], 80);
    let adverts = capture.from(IpAddr::from([192, 0, 2, 2]), start, SystemTime::now());
    let times: Vec<f64> = adverts
        .iter()
        .filter(|advert| advert.version == 2)
        .filter_map(|advert| advert.at.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|at| at.as_secs_f64())
        .collect();
    assert!(times.len() >= 4, "adverts seen: {times:?}");
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let worst = gaps.iter().copied().fold(0.0, f64::max);
    assert!(worst < 1.2, "an advert gap of {worst:.3} s: {gaps:?}");
    say(&format!(
        "MEASURED: hung track script (sleep 1000, timeout 1): failed (TimedOut), priority 100 -> 80; \
         {} adverts, largest gap {worst:.3} s at advert_int 1",
        times.len()
    ));
}

/// Our daemon's Prometheus text from `host`'s `127.0.0.1:port`.
fn scrape(host: &Host<'_>, port: u16) -> String {
    let metrics = host.in_netns(|| {
        let to = SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(1)).unwrap();
        stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    });
    assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
    metrics
}

/// A Master whose only unicast peer is the segment's broadcast address (a
/// mistyped peer): the kernel refuses every advert (EACCES: a raw socket
/// without SO_BROADCAST). A peer without a route would not do: a socket
/// bound to eth0 takes any destination as on-link. Each is counted in `adverts_send_errors` (status and
/// metrics), none in `adverts_sent`, and the log has one warning for them
/// in ten seconds, not one per advert.
#[test]
fn a_refused_advert_is_a_send_error_warned_once_not_sent() {
    let Some(lab) = Lab::new("a_refused_advert_is_a_send_error") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.1/24"]);
    let instance = Instance::new("VI_1", 51)
        .priority(100)
        .advert_int(Duration::from_millis(100))
        .version(3)
        .vip("192.0.2.100/24")
        .unicast("192.0.2.1", &["192.0.2.255"]);
    let config = Config::new("a").instance(instance).to_string();
    let daemon = Daemon::ours().start_with(&host, &config, &["--metrics-listen", "127.0.0.1:9651"]);
    time_until("the VIP on the Master", Duration::from_secs(5), || {
        host.has_address(VIP)
    });
    std::thread::sleep(Duration::from_secs(2));
    let status = lab::status(&host, &daemon);
    let stats = &status["instances"][0]["stats"];
    let errors = stats["adverts_send_errors"]
        .as_u64()
        .expect("adverts_send_errors");
    assert!(errors >= 15, "2 s of failed adverts at 100 ms: {stats}");
    assert_eq!(stats["adverts_sent"], 0, "{stats}");
    let metrics = scrape(&host, 9651);
    let line = metrics
        .lines()
        .find(|l| l.starts_with("vrrp_adverts_send_errors_total{"))
        .unwrap_or_else(|| panic!("no send errors in the metrics:\n{metrics}"));
    let in_metrics: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(in_metrics >= errors, "{line}");
    let log = daemon.log();
    let warnings: Vec<_> = log
        .lines()
        .filter(|l| l.contains("advert not sent"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning in 10 s:\n{log}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(warnings[0].contains("192.0.2.255"), "{}", warnings[0]);
    say(&format!(
        "MEASURED: {errors} refused adverts counted, 0 sent, {} warning line",
        warnings.len()
    ));
}

/// A Master with a second VIP on a macvlan `mv0` and a GARP refresh every
/// second; `mv0` is set down while Master (its IPv4 VIP stays, and with
/// `no_track` the instance stays Master, as keepalived's), so the kernel
/// refuses each GARP for that VIP (ENETDOWN). Each is counted in
/// `garp_send_errors` (status and metrics), nothing else moves, and the
/// log has one warning for them in ten seconds.
#[test]
fn a_refused_gratuitous_arp_is_a_send_error_warned_once() {
    let Some(lab) = Lab::new("a_refused_gratuitous_arp_is_a_send_error") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.1/24"]);
    host.add_macvlan("mv0", None);
    let on_mv0: IpAddr = "198.18.0.100".parse().unwrap();
    let instance = Instance::new("VI_1", 51)
        .priority(100)
        .vip("192.0.2.100/24")
        .vip("198.18.0.100/24 dev mv0 no_track")
        .line("garp_master_delay 0")
        .line("garp_master_refresh 1");
    let config = Config::new("a").instance(instance).to_string();
    let daemon = Daemon::ours().start_with(&host, &config, &["--metrics-listen", "127.0.0.1:9652"]);
    time_until("the VIPs on the Master", Duration::from_secs(5), || {
        host.has_address(VIP) && host.has_address(on_mv0)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let stats = |status: serde_json::Value| status["instances"][0]["stats"].clone();
    let before = stats(lab::status(&host, &daemon));
    assert_eq!(
        before["garp_send_errors"], 0,
        "all sent while mv0 is up: {before}"
    );
    let out = host.exec(&["ip", "link", "set", "mv0", "down"]);
    assert!(out.status.success(), "{out:?}");
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        host.has_address(on_mv0),
        "the VIP stays on mv0 while it is down"
    );
    let after = stats(lab::status(&host, &daemon));
    let errors = after["garp_send_errors"]
        .as_u64()
        .expect("garp_send_errors");
    assert!(
        errors >= 3,
        "3.5 s of refreshes at 1 s, one refused each: {after}"
    );
    assert_eq!(after["adverts_send_errors"], 0, "{after}");
    assert_eq!(
        after["master_transitions"], 1,
        "still the same Master: {after}"
    );
    let metrics = scrape(&host, 9652);
    let line = metrics
        .lines()
        .find(|l| l.starts_with("vrrp_garp_send_errors_total{"))
        .unwrap_or_else(|| panic!("no GARP send errors in the metrics:\n{metrics}"));
    let in_metrics: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(in_metrics >= errors, "{line}");
    let log = daemon.log();
    let warnings: Vec<_> = log
        .lines()
        .filter(|l| l.contains("announcement not sent"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning in 10 s:\n{log}");
    assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("interface=mv0") && warnings[0].contains("vip=198.18.0.100"),
        "{}",
        warnings[0]
    );
    say(&format!(
        "MEASURED: {errors} refused GARPs on a down mv0 counted in 3.5 s, {} warning line: {}",
        warnings.len(),
        warnings[0].trim()
    ));
}

/// An excluded VIP on an interface no advertised VIP uses (a macvlan
/// `mv0`) goes on it while Master and off on stop.
#[test]
fn an_excluded_vip_on_another_interface_is_installed() {
    let Some(lab) = Lab::new("an_excluded_vip_on_another_interface") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.1/24"]);
    host.add_macvlan("mv0", None);
    let excluded: IpAddr = "198.18.0.101".parse().unwrap();
    let instance = Instance::new("VI_1", 51)
        .vip("192.0.2.100/24")
        .line("virtual_ipaddress_excluded {\n        198.18.0.101/24 dev mv0\n    }");
    let config = Config::new("a").instance(instance).to_string();
    let daemon = Daemon::ours().start(&host, &config);
    let took = wait_for(Duration::from_secs(5), || {
        host.has_address(VIP) && host.has_address(excluded)
    });
    assert!(
        took.is_some(),
        "both addresses on the Master:\n{}",
        daemon.log()
    );
    let on = host.exec(&["ip", "-br", "address", "show", "dev", "mv0"]);
    let on = String::from_utf8_lossy(&on.stdout);
    assert!(on.contains("198.18.0.101/24"), "on mv0: {on}");
    daemon.kill(nix::sys::signal::Signal::SIGTERM);
    time_until(
        "the excluded VIP removed on stop",
        Duration::from_secs(5),
        || !host.has_address(excluded),
    );
}

/// keepalived 2.4.3's `notify_deleted` (vrrp.c, clear_diff_vrrp): an
/// instance a reload removes is notified DELETED, not STOP.
#[test]
fn a_reload_that_removes_an_instance_with_notify_deleted_notifies_deleted() {
    let Some(lab) = Lab::new("reload_notify_deleted") else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let _haproxy = haproxy::start(&master, PORT);
    let events = master.dir().join("events");
    let notify = write(
        &master,
        "notify.sh",
        &format!("#!/bin/sh\necho \"$*\" >> {}\n", events.display()),
    );
    let config = seed_with_weight("master", 5).replace(
        "authentication {",
        &format!(
            "notify_deleted\nnotify \"/bin/sh {}\"\nauthentication {{",
            notify.display()
        ),
    );
    let ours = Daemon::ours();
    let daemon = ours.start(&master, &config);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    // The same router under another name: OCP_EXT is removed.
    let renamed = config.replace("vrrp_instance OCP_EXT", "vrrp_instance OCP_NEW");
    std::fs::write(ours.config_path(&master), renamed).expect("config");
    killall(&master, "HUP", "keepalive-haproxy");
    assert!(
        daemon
            .wait_log("reloaded", Duration::from_secs(3))
            .is_some(),
        "{}",
        daemon.log()
    );
    let mut lines = String::new();
    let deleted = wait_for(Duration::from_secs(3), || {
        lines = std::fs::read_to_string(&events).unwrap_or_default();
        lines.contains("INSTANCE OCP_EXT DELETED")
    });
    assert!(deleted.is_some(), "DELETED notified: {lines:?}");
    assert!(!lines.contains("OCP_EXT STOP"), "{lines:?}");
    say("MEASURED: a reload removing an instance with notify_deleted: DELETED notified");
}

#[test]
fn notify_status_metrics_and_release_after_sigkill() {
    let Some(lab) = Lab::new("notify_status_metrics_and_release_after_sigkill") else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let _haproxy = haproxy::start(&master, PORT);
    let events = master.dir().join("events");
    let notify = write(
        &master,
        "notify.sh",
        &format!(
            "#!/bin/sh\necho \"$*\" >> {}\nsleep 0.2\n",
            events.display()
        ),
    );
    let config = seed_with_weight("master", 5).replace(
        "authentication {",
        &format!("notify \"/bin/sh {}\"\nauthentication {{", notify.display()),
    );
    let ours = Daemon::ours();
    let mut daemon = ours.start_with(&master, &config, &["--metrics-listen", "127.0.0.1:9650"]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    let mut lines = String::new();
    let notified = wait_for(Duration::from_secs(3), || {
        lines = std::fs::read_to_string(&events).unwrap_or_default();
        lines.lines().count() >= 2
    });
    assert!(notified.is_some(), "two notify lines: {lines:?}");
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        ["INSTANCE OCP_EXT BACKUP 105", "INSTANCE OCP_EXT MASTER 105"]
    );

    let status = lab::status(&master, &daemon);
    let instance = &status["instances"][0];
    assert_eq!(instance["name"], "OCP_EXT");
    assert_eq!(instance["priority"]["base"], 100);
    assert_eq!(instance["priority"]["effective"], 105);
    assert_eq!(instance["master"], "192.0.2.2");
    assert!(instance["stats"]["adverts_sent"].as_u64().unwrap() > 0);
    assert_eq!(instance["timers"]["next"]["timer"], "Advert");

    let metrics = scrape(&master, 9650);
    let labels = r#"instance="OCP_EXT",interface="eth0",vrid="51""#;
    for line in [
        format!("vrrp_state{{{labels},state=\"MASTER\"}} 1"),
        format!("vrrp_priority{{{labels}}} 105"),
        format!("vrrp_master_transitions_total{{{labels}}} 1"),
        "vrrp_script_up{script=\"haproxy_check\"} 1".to_owned(),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing:\n{metrics}"
        );
    }

    // SIGKILL: the VIP stays behind (as keepalived's would) until
    // --release-vips (systemd's ExecStopPost) removes it.
    killall(&master, "KILL", "keepalive-haproxy");
    assert!(daemon.wait_exit(Duration::from_secs(3)).is_some());
    assert!(master.has_address(VIP), "a killed daemon cannot clean up");
    let conf = ours.config_path(&master);
    let Daemon::Ours(binary) = &ours else {
        unreachable!("Daemon::ours() is ours")
    };
    let out = master.exec(&[
        binary.to_str().unwrap(),
        "--release-vips",
        "-f",
        conf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(!master.has_address(VIP), "released: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("released"));
    say("MEASURED: SIGKILLed daemon left the VIP; --release-vips removed it");
}

#[test]
fn track_process_haproxy_natively() {
    let Some(lab) = Lab::new("track_process_haproxy_natively") else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let mut haproxy = haproxy::start(&master, PORT);
    let config = seed("master")
        .replace(
            "vrrp_script haproxy_check {",
            "vrrp_track_process haproxy_proc {\nprocess haproxy\nweight 5\n}\n\
             vrrp_script unused_check {",
        )
        .replace(
            "track_script {\nhaproxy_check\n}",
            "track_process {\nhaproxy_proc\n}",
        );
    assert!(config.contains("track_process {\nhaproxy_proc"), "{config}");
    let daemon = Daemon::ours().start(&master, &config);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    let status = lab::status(&master, &daemon);
    assert_eq!(
        status["instances"][0]["priority"]["effective"], 105,
        "{status:#}"
    );
    assert_eq!(status["instances"][0]["tracked"][0]["type"], "process");
    killall(&master, "KILL", "haproxy");
    assert!(
        haproxy.wait_exit(Duration::from_secs(5)).is_some(),
        "reaped"
    );
    let noticed = time_until("the process counted gone", Duration::from_secs(3), || {
        lab::status(&master, &daemon)["instances"][0]["priority"]["effective"] == 100
    });
    let status = lab::status(&master, &daemon);
    assert_eq!(status["processes"][0]["count"], 0);
    assert_eq!(status["processes"][0]["up"], false);
    say(&format!(
        "MEASURED: track_process haproxy (a /proc scan, no killall): death noticed within {noticed:?}"
    ));
}
