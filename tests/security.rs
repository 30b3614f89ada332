//! Least privilege: our daemon runs as `nobody` with CAP_NET_RAW and
//! CAP_NET_ADMIN only (setpriv, ambient capabilities), elects, hands the VIP
//! over on SIGTERM and takes it back; track scripts run as `script_user`,
//! whether the daemon is root or not. Needs root (to build the lab and to
//! drop to `nobody`).

mod fault_kit;
use vrrp_lab as lab;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use fault_kit::{NAME, PRIORITY_B, Trio, VIP, measured, secs, state, status};
use lab::{Host, Lab, Signal};

/// `setpriv` to `nobody:nogroup`, no supplementary groups, and exactly the
/// two capabilities VRRP needs, inherited across the exec as ambient ones.
const UNPRIVILEGED: &[&str] = &[
    "setpriv",
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    "--inh-caps=-all,+net_raw,+net_admin",
    "--ambient-caps=-all,+net_raw,+net_admin",
    "--bounding-set=-all,+net_raw,+net_admin",
];

/// CAP_NET_ADMIN (12) and CAP_NET_RAW (13).
const TWO_CAPS: u64 = (1 << 12) | (1 << 13);

/// `key:` of /proc/PID/status, as its words.
fn proc_status(pid: nix::unistd::Pid, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_default();
    line.split_whitespace().map(str::to_owned).collect()
}

fn caps(pid: nix::unistd::Pid, key: &str) -> u64 {
    let words = proc_status(pid, key);
    u64::from_str_radix(words.first().map_or("", String::as_str), 16).unwrap_or(u64::MAX)
}

/// A track script that writes the uid and gid it runs as to `<dir>/ids`
/// (the directory is open to all: the script may be nobody).
fn id_script(host: &Host<'_>) -> (String, std::path::PathBuf) {
    let out = host.dir().join("ids");
    let body = format!("echo \"$(id -u) $(id -g)\" > {}\n", out.display());
    let script = fault_kit::write_script(host, "ids.sh", &body);
    let text = format!(
        "\nvrrp_script ids {{\n    script \"/bin/sh {}\"\n    interval 1\n}}\n",
        script.display()
    );
    (text, out)
}

#[test]
fn unprivileged_daemon_with_two_capabilities_elects_and_moves_the_vip() {
    let Some(lab) = Lab::new("least_privilege") else {
        return;
    };
    let t = Trio::new(&lab, Duration::from_millis(100));
    for host in [&t.a, &t.b] {
        // The status file and the scripts' output, writable by nobody.
        let sticky = std::fs::Permissions::from_mode(0o1777);
        std::fs::set_permissions(host.dir(), sticky).expect("chmod");
    }
    let (script_a, ids_a) = id_script(&t.a);
    let (script_b, ids_b) = id_script(&t.b);
    let nobody = |config: String| config.replace("script_user root", "script_user nobody");
    let config_a = nobody(t.config_a(|i| i.track_script("ids"), &script_a));
    let config_b = nobody(t.config_b(|i| i.track_script("ids"), &script_b));

    // A: nobody with two capabilities. B: root, scripts as nobody.
    let started = SystemTime::now();
    let on_a = fault_kit::start_running_as(&t.a, UNPRIVILEGED, &config_a, &[]);
    let took = t.watch_a.wait(VIP, true, started, Duration::from_secs(5));
    let took =
        took.unwrap_or_else(|| panic!("nobody's daemon never took the VIP:\n{}", on_a.log()));
    let pid = on_a.pid();
    assert_eq!(proc_status(pid, "Uid:"), ["65534"; 4], "runs as nobody");
    assert_eq!(proc_status(pid, "Gid:"), ["65534"; 4]);
    assert!(
        proc_status(pid, "Groups:").is_empty(),
        "no supplementary groups"
    );
    assert_eq!(
        caps(pid, "CapEff:"),
        TWO_CAPS,
        "effective: CAP_NET_RAW, CAP_NET_ADMIN"
    );
    assert_eq!(
        caps(pid, "CapPrm:"),
        TWO_CAPS,
        "permitted: the same, nothing more"
    );
    assert_eq!(caps(pid, "CapBnd:"), TWO_CAPS, "bounding: the same");
    let on_b = fault_kit::start_running(&t.b, &config_b, &[]);
    let heard = lab::watch::wait_for(Duration::from_secs(5), || {
        state(&status(&t.b, &on_b), NAME) == "BACKUP"
    });
    assert!(heard.is_some(), "{}", on_b.log());
    t.client_reaches(&t.a);

    for (host, ids) in [("A (nobody)", &ids_a), ("B (root)", &ids_b)] {
        let ran = lab::watch::wait_for(Duration::from_secs(3), || ids.exists());
        assert!(ran.is_some(), "{host}: the track script never ran");
        let text = std::fs::read_to_string(ids).unwrap_or_default();
        assert_eq!(text.trim(), "65534 65534", "{host}: script_user nobody");
    }

    // The VIP moves: a graceful stop by the unprivileged daemon (priority
    // 0, VIP removed), then a restart that preempts.
    let stopped = SystemTime::now();
    on_a.kill(Signal::SIGTERM);
    let moved = t.watch_b.wait(VIP, true, stopped, Duration::from_secs(3));
    let moved = moved.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_b.log()));
    // A releases once it hears B's first advert, so just after B adds it.
    let released = t.watch_a.wait(VIP, false, stopped, Duration::from_secs(3));
    assert!(
        released.is_some(),
        "nobody's daemon left the VIP:\n{}",
        on_a.log()
    );
    let mut on_a = on_a;
    assert_eq!(
        on_a.wait_exit(Duration::from_secs(3))
            .and_then(|s| s.code()),
        Some(0)
    );
    let restarted = SystemTime::now();
    let on_a = fault_kit::start_running_as(&t.a, UNPRIVILEGED, &config_a, &[]);
    let back = t.watch_a.wait(VIP, true, restarted, Duration::from_secs(5));
    let back = back.unwrap_or_else(|| panic!("no preemption:\n{}", on_a.log()));
    let let_go = t
        .watch_b
        .wait(VIP, false, restarted, Duration::from_secs(3));
    assert!(let_go.is_some(), "B kept the VIP");
    t.client_reaches(&t.a);
    assert_eq!(state(&status(&t.a, &on_a), NAME), "MASTER");
    measured(
        "least privilege",
        &format!(
            "daemon as nobody with CapEff=CapPrm=CapBnd={TWO_CAPS:#x} (CAP_NET_RAW, \
             CAP_NET_ADMIN): Master {} after start; SIGTERM: VIP removed by it and on B {} later \
             (Skew_Time {}); restarted: VIP back {} later; track scripts ran as 65534:65534 under \
             the unprivileged daemon and under root with script_user nobody",
            secs(took),
            secs(moved),
            secs(t.case.skew(PRIORITY_B)),
            secs(back)
        ),
    );
}
