//! `instance`, `use_pid_dir` and `process_names` end to end in the lab
//! (`vrrp-lab`): our daemon and keepalived 2.4.3, started without `-p`,
//! write `/run/keepalived/keepalived_NAME.pid` and `vrrp_NAME.pid`
//! (rw-r--r--, in a rwxr-xr-x directory), the VRRP one naming a process
//! called `keepalived_vrrp`, and remove them when they stop. Ours is one
//! process: both files hold its pid. Needs root; keepalived 2.4.3 where
//! it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";

fn run(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let name = daemon.name();
    // Unique on this host: /run is the host's.
    let instance = format!(
        "pr13{}{}",
        std::process::id(),
        u8::from(daemon.is_keepalived())
    );
    let config = Config::new("a")
        .instance(Instance::new("VI_1", 51).vip(VIP))
        .to_string()
        .replacen(
            "global_defs {\n",
            &format!("instance {instance}\nglobal_defs {{\n    process_names\n"),
            1,
        );
    let path = daemon.config_path(&a);
    std::fs::write(&path, &config).unwrap();
    // The lab's own pid-file flags left out: the configuration decides.
    let argv = daemon.argv_without_pid_files(&path, a.dir());
    let mut env = vec!["env".to_owned(), lab::daemon::dumps_in(a.dir())];
    env.extend(argv);
    let argv: Vec<&str> = env.iter().map(String::as_str).collect();
    let mut proc = a.spawn(name, &argv);
    let files: Vec<PathBuf> = ["keepalived", "vrrp"]
        .iter()
        .map(|f| PathBuf::from(format!("/run/keepalived/{f}_{instance}.pid")))
        .collect();
    let vip: IpAddr = VIP.parse().unwrap();
    let up = wait_for(Duration::from_secs(20), || {
        a.has_address(vip) && files.iter().all(|f| f.exists())
    });
    assert!(
        up.is_some(),
        "{name}: never Master with its pid files\n{}",
        proc.log()
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode("/run/keepalived".as_ref()),
        0o755,
        "{name}: the pid directory"
    );
    for file in &files {
        assert_eq!(mode(file), 0o644, "{name}: {}", file.display());
    }
    // The pids are the daemon's PID namespace's: asked there.
    let comm = |file: &PathBuf| {
        let pid = std::fs::read_to_string(file).unwrap();
        let out = a.exec(&["cat", &format!("/proc/{}/comm", pid.trim())]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(
        comm(&files[1]),
        "keepalived_vrrp",
        "{name}: the VRRP process's name"
    );
    let main = comm(&files[0]);
    let expected_main = if daemon.is_keepalived() {
        "keepalived"
    } else {
        "keepalived_vrrp"
    };
    assert_eq!(main, expected_main, "{name}: the main process's name");
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "{name} does not stop\n{}", proc.log());
    let gone = wait_for(Duration::from_secs(5), || files.iter().all(|f| !f.exists()));
    for file in &files {
        let _ = std::fs::remove_file(file);
    }
    assert!(gone.is_some(), "{name}: its pid files outlived it");
}

#[test]
fn ours_writes_keepalived_s_pid_files_and_takes_its_name() {
    run("identity_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_writes_them_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("identity_keepalived_243", &daemon);
}
