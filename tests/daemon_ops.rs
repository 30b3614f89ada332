//! The daemon in operation, in network namespaces: SIGHUP with an unchanged
//! configuration changes nothing (no transition, the VIP stays), a broken
//! one is rejected; a hung track script counts as failure while adverts
//! keep their interval; notify scripts run in order; SIGUSR1 status and
//! Prometheus metrics; `--release-vips` after a SIGKILL. Needs root.

mod daemon_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use daemon_support::{
    Lab, Node, VIP, in_netns, say, seed, seed_with_weight, skip_unless_root, stays, time_until,
    wait_for,
};

#[test]
fn sighup_with_an_unchanged_config_changes_nothing_and_a_broken_one_is_rejected() {
    if skip_unless_root(
        "sighup_with_an_unchanged_config_changes_nothing_and_a_broken_one_is_rejected",
    ) {
        return;
    }
    let mut lab = Lab::new("sighup");
    let mut master = Node::new(&mut lab, "master", 2);
    let mut backup = Node::new(&mut lab, "backup", 3);
    let _h = (master.start_haproxy(), backup.start_haproxy());
    let daemon = master.start_daemon(&seed_with_weight("master", 5), &[]);
    let _other = backup.start_daemon(&seed_with_weight("backup", 5), &[]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    let before = daemon.log().matches("state changed").count();

    master.killall("HUP", "keepalive-haproxy");
    daemon.wait_log("reloaded", Duration::from_secs(3));
    stays("the VIP on the master", Duration::from_secs(3), || {
        master.has(VIP) && !backup.has(VIP)
    });
    let log = daemon.log();
    assert_eq!(log.matches("state changed").count(), before, "{log}");
    assert!(log.contains(r#"kept=["OCP_EXT"]"#), "{log}");
    let status = master.status();
    assert_eq!(status["instances"][0]["state"], "MASTER");
    assert_eq!(status["instances"][0]["stats"]["master_transitions"], 1);

    // A configuration that fails: rejected, the old one runs on.
    master.write(
        "keepalived.conf",
        "vrrp_instance OCP_EXT {\n priority 300\n}\n",
    );
    master.killall("HUP", "keepalive-haproxy");
    daemon.wait_log("reload rejected", Duration::from_secs(3));
    assert!(
        daemon.log().contains("keepalived.conf:2:"),
        "{}",
        daemon.log()
    );
    stays("the VIP on the master", Duration::from_secs(2), || {
        master.has(VIP)
    });
    assert_eq!(daemon.log().matches("state changed").count(), before);
    say(
        "MEASURED: SIGHUP, unchanged config: no transition, the VIP stayed; broken config rejected",
    );
}

#[test]
fn a_hung_track_script_fails_at_its_timeout_and_adverts_keep_their_interval() {
    if skip_unless_root("a_hung_track_script_fails_at_its_timeout_and_adverts_keep_their_interval")
    {
        return;
    }
    let mut lab = Lab::new("hung");
    let mut master = Node::new(&mut lab, "master", 2);
    let mut observer = Node::new(&mut lab, "observer", 10);
    let config = seed("master")
        .replace("killall -0 haproxy", "sleep 1000")
        .replace("interval 2\n", "interval 1\ntimeout 1\n")
        .replace("weight 2\n", "weight -20\n");
    let capture = observer.dir.join("vrrp.pcap");
    let _tcpdump = observer.spawn(
        "tcpdump",
        &[
            "tcpdump",
            "-i",
            "eth0",
            "-n",
            "-U",
            "-w",
            capture.to_str().unwrap(),
            "ip proto 112",
        ],
    );
    let _daemon = master.start_daemon(&config, &[]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    // Several runs hang and are killed while the master advertises.
    std::thread::sleep(Duration::from_secs(5));
    let status = master.status();
    let tracked = &status["instances"][0]["tracked"][0];
    assert_eq!(tracked["up"], false, "{status:#}");
    assert_eq!(tracked["last"], "TimedOut", "{status:#}");
    assert_eq!(status["instances"][0]["priority"]["effective"], 80);
    observer.killall("INT", "tcpdump");
    std::thread::sleep(Duration::from_millis(300));
    let read = observer.exec(&["tcpdump", "-r", capture.to_str().unwrap(), "-n", "-tt"]);
    let times: Vec<f64> = String::from_utf8_lossy(&read.stdout)
        .lines()
        .filter(|l| l.contains("VRRPv2"))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
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

#[test]
fn notify_status_metrics_and_release_after_sigkill() {
    if skip_unless_root("notify_status_metrics_and_release_after_sigkill") {
        return;
    }
    let mut lab = Lab::new("ops");
    let mut master = Node::new(&mut lab, "master", 2);
    let _haproxy = master.start_haproxy();
    let events = master.dir.join("events");
    let notify = master.write(
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
    let mut daemon = master.start_daemon(&config, &["--metrics-listen", "127.0.0.1:9650"]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    let lines = wait_for("two notify lines", Duration::from_secs(3), || {
        let text = std::fs::read_to_string(&events).ok()?;
        (text.lines().count() >= 2).then_some(text)
    });
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        ["INSTANCE OCP_EXT BACKUP 105", "INSTANCE OCP_EXT MASTER 105"]
    );

    let status = master.status();
    let instance = &status["instances"][0];
    assert_eq!(instance["name"], "OCP_EXT");
    assert_eq!(instance["priority"]["base"], 100);
    assert_eq!(instance["priority"]["effective"], 105);
    assert_eq!(instance["master"], "192.0.2.2");
    assert!(instance["stats"]["adverts_sent"].as_u64().unwrap() > 0);
    assert_eq!(instance["timers"]["next"]["timer"], "Advert");

    let metrics = in_netns(&master.ns, || {
        let mut stream = TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], 9650)),
            Duration::from_secs(1),
        )
        .unwrap();
        stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    });
    assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
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
    master.killall("KILL", "keepalive-haproxy");
    daemon.wait_exit(Duration::from_secs(3));
    assert!(master.has(VIP), "a killed daemon cannot clean up");
    let conf = master.dir.join("keepalived.conf");
    let binary = daemon_support::daemon_binary();
    let out = master.exec(&[
        binary.to_str().unwrap(),
        "--release-vips",
        "-f",
        conf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(!master.has(VIP), "released: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("released"));
    say("MEASURED: SIGKILLed daemon left the VIP; --release-vips removed it");
}

#[test]
fn track_process_haproxy_natively() {
    if skip_unless_root("track_process_haproxy_natively") {
        return;
    }
    let mut lab = Lab::new("trackproc");
    let mut master = Node::new(&mut lab, "master", 2);
    let haproxy = master.start_haproxy();
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
    let _daemon = master.start_daemon(&config, &[]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    let status = master.status();
    assert_eq!(
        status["instances"][0]["priority"]["effective"], 105,
        "{status:#}"
    );
    assert_eq!(status["instances"][0]["tracked"][0]["type"], "process");
    drop(haproxy);
    master.killall("KILL", "haproxy");
    let noticed = time_until("the process counted gone", Duration::from_secs(3), || {
        master.status()["instances"][0]["priority"]["effective"] == 100
    });
    let status = master.status();
    assert_eq!(status["processes"][0]["count"], 0);
    assert_eq!(status["processes"][0]["up"], false);
    say(&format!(
        "MEASURED: track_process haproxy (a /proc scan, no killall): death noticed within {noticed:?}"
    ));
}
