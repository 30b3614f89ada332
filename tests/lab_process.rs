//! The process keywords end to end in the lab (`vrrp-lab`): our daemon and
//! keepalived 2.4.3's VRRP process run with `vrrp_rt_priority`,
//! `vrrp_rlimit_rttime`, `vrrp_no_swap` and `vrrp_cpu_affinity`, then with
//! `vrrp_priority`; what /proc says of each (scheduling policy and
//! priority, nice value, locked memory, CPUs allowed, RLIMIT_RTTIME) is
//! the same for both, as is what it says of their `notify_master` script:
//! no real-time scheduling, no memory locked, the nice value we started
//! with, the CPUs inherited (keepalived does not reset them). Two
//! keepalived 2.4.3 bugs are measured, not followed: its scripts get
//! RLIMIT_RTTIME 0 (ours the limit we started with, where the kernel lets
//! us raise it back), and its first script puts its VRRP process back
//! under SCHED_OTHER (ours stays real-time). Needs root; keepalived 2.4.3
//! where it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";

/// What /proc says of one process.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    /// `/proc/PID/stat` field 41: 0 SCHED_OTHER, 2 SCHED_RR.
    policy: i64,
    /// Field 40.
    rt_priority: i64,
    /// Field 19.
    nice: i64,
    /// `VmLck` in `/proc/PID/status` is not 0.
    locked: bool,
    /// `Cpus_allowed_list`.
    cpus: String,
    /// The soft and hard limits of `Max realtime timeout` in `/proc/PID/limits`.
    rttime: (String, String),
}

/// Reads [`Observed`] from the copies of `stat`, `status` and `limits` in
/// `dir` named `prefix.*`.
fn observe(dir: &Path, prefix: &str) -> Observed {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(format!("{prefix}.{name}")))
            .unwrap_or_else(|e| panic!("{prefix}.{name}: {e}"))
    };
    let stat = read("stat");
    let fields: Vec<i64> = stat
        .rsplit_once(") ")
        .unwrap()
        .1
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(-1))
        .collect();
    // Fields are numbered from 1, the first after the name is 3.
    let field = |n: usize| fields[n - 3];
    let status = read("status");
    let value = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let limits = read("limits");
    let rt: Vec<String> = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max realtime timeout"))
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    Observed {
        policy: field(41),
        rt_priority: field(40),
        nice: field(19),
        locked: value("VmLck:") != "0 kB",
        cpus: value("Cpus_allowed_list:"),
        rttime: (rt[0].clone(), rt[1].clone()),
    }
}

/// Copies `/proc/PID/{stat,status,limits}` to `dir/prefix.*`.
fn snapshot(pid: i32, dir: &Path, prefix: &str) {
    for name in ["stat", "status", "limits"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/{name}")).unwrap();
        std::fs::write(dir.join(format!("{prefix}.{name}")), text).unwrap();
    }
}

/// What /proc says of a daemon's VRRP process and its script.
struct Run {
    /// The VRRP process a second after the start, before any script ran.
    early: Observed,
    /// The VRRP process once Master, after its `notify_master` script ran.
    late: Observed,
    /// The `notify_master` script.
    script: Observed,
}

/// Runs `daemon` with `globals` in `global_defs`; returns what /proc says
/// of its VRRP process and of its `notify_master` script.
fn run(test: &str, daemon: &Daemon, globals: &str) -> Option<Run> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let dir = a.dir();
    let notify = a.script(
        "notify.sh",
        &format!(
            "#!/bin/sh\nfor f in stat status limits; do cat /proc/$$/$f > {0}/child.$f.tmp; \
             mv {0}/child.$f.tmp {0}/child.$f; done\n",
            dir.display()
        ),
    );
    let config = Config::new("a")
        .instance(
            Instance::new("VI_1", 51)
                .vip(VIP)
                .line(&format!("notify_master {}", notify.display())),
        )
        .to_string()
        .replacen("global_defs {\n", &format!("global_defs {{\n{globals}"), 1);
    let name = daemon.name();
    // keepalived's VRRP process alone (-P): the one child to look at.
    let mut proc = if daemon.is_keepalived() {
        daemon.start_with(&a, &config, &["-P"])
    } else {
        daemon.start(&a, &config)
    };
    let vip: IpAddr = VIP.parse().unwrap();
    let vrrp = daemon.vrrp_process(&proc).as_raw();
    // Tuned by then, and not yet Master (the master-down interval is 3.6 s):
    // no script has run.
    std::thread::sleep(Duration::from_secs(1));
    snapshot(vrrp, dir, "early");
    assert!(!a.has_address(vip), "{name}: Master within a second");
    let up = wait_for(Duration::from_secs(20), || {
        a.has_address(vip) && dir.join("child.limits").exists()
    });
    assert!(up.is_some(), "{name}: never Master\n{}", proc.log());
    snapshot(vrrp, dir, "vrrp");
    let observed = Run {
        early: observe(dir, "early"),
        late: observe(dir, "vrrp"),
        script: observe(dir, "child"),
    };
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "{name} does not stop\n{}", proc.log());
    Some(observed)
}

/// Whether this process may raise hard limits (CAP_SYS_RESOURCE, bit 24).
fn has_sys_resource() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    caps & (1 << 24) != 0
}

/// What /proc says of this test's process, which the daemons inherit.
fn this_process() -> Observed {
    let dir = std::env::temp_dir().join(format!("lab_process_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    snapshot(i32::try_from(std::process::id()).unwrap(), &dir, "self");
    let observed = observe(&dir, "self");
    let _ = std::fs::remove_dir_all(&dir);
    observed
}

fn real_time(test: &str, daemon: &Daemon) {
    let globals = "    vrrp_rt_priority 20\n    vrrp_rlimit_rttime 40000\n    vrrp_no_swap\n    \
                   vrrp_cpu_affinity 0\n";
    let Some(run) = run(test, daemon, globals) else {
        return;
    };
    let name = daemon.name();
    let start = this_process();
    let tuned = Observed {
        policy: 2,
        rt_priority: 20,
        nice: start.nice,
        locked: true,
        cpus: "0".into(),
        rttime: ("20000".into(), "40000".into()),
    };
    assert_eq!(run.early, tuned, "{name}'s VRRP process");
    // Raising a hard limit back takes CAP_SYS_RESOURCE, which containers
    // often withhold even from root; keepalived's script gets RLIMIT_RTTIME
    // 0 (it restores an `orig_rlimit_rt` it never read). Either way the
    // limit counts for real-time processes only, which scripts are not.
    let rttime = if daemon.is_keepalived() {
        ("0".into(), "0".into())
    } else if has_sys_resource() {
        start.rttime.clone()
    } else {
        tuned.rttime.clone()
    };
    let script = Observed {
        cpus: "0".into(),
        rttime,
        ..start
    };
    assert_eq!(run.script, script, "{name}'s notify script");
    if daemon.is_keepalived() {
        // keepalived's script child resets the scheduling of `our_pid`,
        // its parent's pid (lib/notify.c, lib/process.c `reset_priority`):
        // its VRRP process is SCHED_OTHER from the first script on.
        lab::say(&format!(
            "MEASURED {name}: after a script, policy {} priority {}",
            run.late.policy, run.late.rt_priority
        ));
    } else {
        assert_eq!(run.late, tuned, "{name}'s VRRP process after its script");
    }
}

fn nice(test: &str, daemon: &Daemon) {
    let Some(run) = run(test, daemon, "    vrrp_priority -7\n") else {
        return;
    };
    let name = daemon.name();
    let start = this_process();
    assert_eq!(start.policy, 0, "this test must not run real-time");
    let tuned = Observed {
        nice: -7,
        ..this_process()
    };
    assert_eq!(run.early, tuned, "{name}'s VRRP process");
    assert_eq!(run.late, tuned, "{name}'s VRRP process after its script");
    assert_eq!(run.script, start, "{name}'s notify script");
}

#[test]
fn ours_runs_real_time_locked_and_pinned_and_its_scripts_do_not() {
    real_time("process_rt_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_runs_real_time_locked_and_pinned_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    real_time("process_rt_keepalived_243", &daemon);
}

#[test]
fn ours_runs_at_its_nice_value_and_its_scripts_at_ours() {
    nice("process_nice_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_runs_at_its_nice_value_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    nice("process_nice_keepalived_243", &daemon);
}
