//! The demonstration, `cargo run --example keepalive-haproxy` with no
//! arguments, run as a newcomer runs it: a child process whose exit code
//! says whether the failovers happened as expected, whose output tells the
//! story, and which leaves no namespace, process or directory behind, also
//! when interrupted. Needs root (CI is root); otherwise SKIPPED, except the
//! check of what it says to a user who is not root.

use vrrp_lab as lab;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lab::{Lab, Signal, say};

/// One demonstration at a time: they measure failover times.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The example's binary, built if need be.
fn demo_binary() -> PathBuf {
    lab::daemon::our_example()
}

/// The demonstration with its output captured; it always cleans up (the
/// lab's keep-namespaces switch is removed from its environment).
fn start_demo() -> std::process::Child {
    Command::new(demo_binary())
        .env_remove(lab::KEEP_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demonstration starts")
}

/// Whether to skip (after saying so): not root, and not CI, where a skip
/// would be a silent pass.
fn skip_unless_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: the demonstration needs root, and CI must run it"
    );
    say(&format!(
        "\n*** SKIPPED: needs root: {test} runs the demonstration; run `cargo test` as root (CI does) ***\n"
    ));
    true
}

/// Asserts that process `pid`'s labs left nothing: no namespace, no
/// process started with a path under them, no directory.
fn assert_nothing_left(pid: u32) {
    let prefix = format!("{}-{pid}-", lab::PREFIX);
    let namespaces: Vec<String> = lab::netns_list()
        .into_iter()
        .filter(|ns| ns.starts_with(&prefix))
        .collect();
    assert!(namespaces.is_empty(), "namespaces left: {namespaces:?}");
    let processes: Vec<String> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(&prefix))
        .collect();
    assert!(processes.is_empty(), "processes left: {processes:?}");
    let dirs: Vec<PathBuf> = std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with(&prefix))
        })
        .collect();
    assert!(dirs.is_empty(), "directories left: {dirs:?}");
}

/// stdout and stderr, for messages.
fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn demo_shows_the_tie_then_the_failovers_and_cleans_up() {
    if skip_unless_root("demo_shows_the_tie_then_the_failovers_and_cleans_up") {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let child = start_demo();
    let pid = child.id();
    let output = child.wait_with_output().expect("the demonstration ends");
    let took = started.elapsed();
    let (stdout, stderr) = text(&output);
    say(&format!(
        "MEASURED demo: {:.1}s end to end, exit {:?}",
        took.as_secs_f64(),
        output.status.code()
    ));
    assert!(
        output.status.success(),
        "the demonstration failed:\n{stdout}\n{stderr}"
    );
    for expected in [
        "lb1 is MASTER",
        "client: GET http://192.0.2.100/ answered \"lb1\"",
        "lb1 MASTER 102 = 100 + 2 (haproxy_check up)",
        "the VIP stays on lb1, which has no HAProxy",
        "lb1 MASTER 100 = 100 + 0 (haproxy_check failed)",
        "lb2 BACKUP 100 = 98 + 2 (haproxy_check up)",
        "Why: the dead HAProxy costs lb1 only its +2",
        "`keepalive-haproxy -t`, reading one file, can only say: keepalived.conf:13: weight 2",
        "haproxy_check fails on lb1            -          -        FAILS",
        "lb2 BACKUP 118 = 98 + 20",
        "the VIP is on lb2",
        "lb2 MASTER 118 = 98 + 20 (haproxy_check up)",
        "client: GET http://192.0.2.100/ answered \"lb2\"",
        "the VIP is back on lb1",
        "after the signal (lb2's Skew_Time",
        "timeline (seconds since the start)",
        "VIP on lb2\n",
        "result: as expected.",
        "lab removed",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }
    assert!(
        stderr.is_empty(),
        "the demonstration wrote to stderr:\n{stderr}"
    );
    assert!(took < Duration::from_secs(60), "{took:?}: not under 60 s");
    assert_nothing_left(pid);
}

#[test]
fn demo_cleans_up_on_ctrl_c() {
    if skip_unless_root("demo_cleans_up_on_ctrl_c") {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let child = start_demo();
    let pid = child.id();
    // Act 1 is running by then: daemons, HAProxys, watchers.
    std::thread::sleep(Duration::from_secs(5));
    let raw = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("a pid"));
    nix::sys::signal::kill(raw, Signal::SIGINT).expect("SIGINT");
    let output = child.wait_with_output().expect("the demonstration ends");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("interrupted by SIGINT; lab removed"),
        "{stdout}"
    );
    assert!(stdout.contains("timeline"), "{stdout}");
    assert_nothing_left(pid);
}

#[test]
fn demo_tells_a_user_who_is_not_root_what_to_run() {
    let binary = demo_binary();
    let output = if nix::unistd::geteuid().is_root() {
        // As nobody: setpriv drops every id and capability.
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&binary)
            .output()
            .expect("setpriv runs")
    } else {
        Command::new(&binary).output().expect("the demo runs")
    };
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line:\n{stderr}");
    assert!(
        stderr.contains("needs root") && stderr.contains(&format!("sudo {}", binary.display())),
        "{stderr}"
    );
}

/// Without Debian's haproxy the hosts run a stand-in: this binary through a
/// symlink named `haproxy`, which `killall -0 haproxy` finds and which
/// answers with the host's name.
#[test]
fn the_stand_in_haproxy_is_named_haproxy_and_answers_with_the_host() {
    let Some(lab) = Lab::new("the_stand_in_haproxy_is_named_haproxy") else {
        return;
    };
    let (a, c) = (
        lab.host("a", &["192.0.2.1/24"]),
        lab.host("c", &["192.0.2.3/24"]),
    );
    let link = lab.dir().join("haproxy");
    std::os::unix::fs::symlink(demo_binary(), &link).expect("symlink");
    let link = link.display().to_string();
    let mut standin = a.spawn("haproxy", &[&link, "a", "8080"]);
    let address = "192.0.2.1".parse().expect("an address");
    let served = lab::watch::wait_for(Duration::from_secs(5), || {
        c.http_get(address, 8080).as_deref() == Some("a\n")
    });
    assert!(served.is_some(), "no answer:\n{}", standin.log());
    let check = a.exec(&["killall", "-0", "haproxy"]);
    assert!(check.status.success(), "killall -0 haproxy fails");
    standin.kill(Signal::SIGKILL);
    assert!(standin.wait_exit(Duration::from_secs(5)).is_some());
    assert!(!a.exec(&["killall", "-0", "haproxy"]).status.success());
}
