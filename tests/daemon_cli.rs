//! The daemon's command line without a network: `-t` exit codes and
//! messages (warnings and errors at file:line:column), the seed's pitfall
//! named, script security refused, missing capabilities explained, and
//! `--verify` on both hosts' files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vrrp_lab as lab;

/// The daemon, built if need be.
fn daemon() -> PathBuf {
    lab::daemon::our_example()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vrrp-keepalived/tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(daemon()).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("daemon-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn config_test_passes_the_seed_and_names_its_pitfall() {
    for side in ["seed-master.conf", "seed-backup.conf"] {
        let path = fixture(side);
        let out = run(&["-t", "--no-host-checks", "-f", path.to_str().unwrap()]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(out.status.success(), "{side}: {stderr}");
        assert!(stdout.contains("configuration OK"), "{stdout}");
        let weight = stderr
            .lines()
            .find(|l| l.contains("weight 2 of `haproxy_check`"))
            .unwrap_or_else(|| panic!("no weight warning in {stderr}"));
        assert!(
            weight.starts_with(&format!("{}:13:1: ", path.display())),
            "{weight}"
        );
        assert!(weight.contains("keepalive-haproxy --verify"), "{weight}");
        assert!(stderr.contains("truncated to \"1cee4b6e\""), "{stderr}");
    }
}

/// As keepalived: the seed's interface (ens192) does not exist here, so `-t`
/// refuses the file on this host; a script that cannot run is disabled.
#[test]
fn config_test_checks_the_file_against_this_host() {
    let seed = fixture("seed-master.conf");
    let out = run(&["-t", "-f", seed.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.contains("interface ens192 of vrrp_instance OCP_EXT does not exist"))
        .unwrap_or_else(|| panic!("no interface error in {stderr}"));
    assert!(
        error.starts_with(&format!("{}:", seed.display())),
        "{error}"
    );
    let config = scratch(
        "host.conf",
        "vrrp_script chk {\n script \"/no/such/check.sh\"\n weight 10\n}\n\
         vrrp_instance V {\n interface lo\n virtual_router_id 1\n\
         virtual_ipaddress { 192.0.2.100 }\n track_script { chk }\n}\n",
    );
    let out = run(&["-t", "-f", config.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let host = stderr
        .split("on this host:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no host section in {stderr}"));
    assert!(
        host.starts_with(&format!(
            "{}:2:9: vrrp_script chk disabled",
            config.display()
        )),
        "{stderr}"
    );
}

/// A table name only iproute2's files know is looked up by the host
/// checks: refused here, where no file names it; with `--no-host-checks`
/// (a file for another host) it is not looked up, only noted.
#[test]
fn iproute2_names_are_looked_up_by_the_host_checks_alone() {
    let config = scratch(
        "names.conf",
        "static_routes {\n 198.18.8.0/24 dev lo table ho13-vrf\n}\n",
    );
    let path = config.to_str().unwrap();
    let out = run(&["-t", "-f", path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}:2:29: a routing table `ho13-vrf` is in none of this host's iproute2 files"
        )),
        "{stderr}"
    );
    let out = run(&["-t", "--no-host-checks", "-f", path]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}:2:29: `ho13-vrf` is looked up in the iproute2 files of the host that runs \
             this file"
        )),
        "{stderr}"
    );
}

#[test]
fn config_test_fails_with_the_position() {
    let path = scratch(
        "bad.conf",
        "vrrp_instance V {\n interface eth0\n virtual_router_id 256\n}\n",
    );
    let out = run(&["-t", "-f", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{}:3:20: ", path.display())),
        "{stderr}"
    );
    let missing = run(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("/nonexistent/keepalived.conf"));
}

/// `--verify` reads both hosts' files, which `-t` cannot: the seed's pair
/// fails on the tie (exit 1), a file that does not load exits 2.
#[test]
fn verify_reads_every_hosts_file() {
    let (master, backup) = (fixture("seed-master.conf"), fixture("seed-backup.conf"));
    let out = run(&[
        "--verify",
        master.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("equal to seed-backup's 98 + 2; a Backup does not take over"),
        "{stdout}"
    );
    let bad = scratch(
        "bad-verify.conf",
        "vrrp_instance V {\n interface eth0\n virtual_router_id 256\n}\n",
    );
    let out = run(&["--verify", master.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with(&format!("{}:3:20: ", bad.display())));
}

#[test]
fn script_security_refuses_a_world_writable_script() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("\n*** SKIPPED: script security applies to scripts run as root ***\n");
        return;
    }
    let script = scratch("check.sh", "#!/bin/sh\nexit 0\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let config = scratch(
        "secure.conf",
        &format!(
            "global_defs {{\n enable_script_security\n}}\n\
             vrrp_script chk {{\n script \"{}\"\n weight 10\n}}\n\
             vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n\
             virtual_ipaddress {{ 192.0.2.100 }}\n track_script {{ chk }}\n}}\n",
            script.display()
        ),
    );
    let out = run(&["-t", "--no-host-checks", "-f", config.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("vrrp_script chk"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} is writable by everyone", script.display())),
        "{stderr}"
    );
}

#[test]
fn without_net_raw_and_net_admin_it_says_what_to_do() {
    // Its own pid file: /run/keepalived.pid may be another daemon's.
    let pid = scratch("caps.pid", "").display().to_string();
    if !nix::unistd::geteuid().is_root() {
        // Not root: the real thing, no capabilities at all.
        let out = run(&[
            "-f",
            fixture("seed-master.conf").to_str().unwrap(),
            "-p",
            &pid,
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("CAP_NET_RAW and CAP_NET_ADMIN"));
        return;
    }
    // Root: drop the two from the bounding set, so the exec'd daemon lacks them.
    let out = Command::new("setpriv")
        .args(["--bounding-set", "-net_raw,-net_admin"])
        .arg(daemon())
        .args([
            "-f",
            fixture("seed-master.conf").to_str().unwrap(),
            "-p",
            &pid,
        ])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("needs CAP_NET_RAW and CAP_NET_ADMIN"),
        "{stderr}"
    );
    assert!(
        stderr.contains("setcap cap_net_raw,cap_net_admin+ep"),
        "{stderr}"
    );
}

/// keepalived's `-i`: one file for several hosts, `@ID` lines for each.
#[test]
fn config_id_chooses_the_conditional_lines() {
    let path = scratch(
        "shared.conf",
        "vrrp_instance V {\n interface lo\n virtual_router_id 1\n @lb1 priority 100\n \
         @lb2 priority 98\n @lb3 priority 300\n virtual_ipaddress { 192.0.2.100 }\n}\n",
    );
    for id in ["lb1", "lb2", "other"] {
        let out = run(&["-t", "-i", id, "-f", path.to_str().unwrap()]);
        assert!(out.status.success(), "{id}: {}", text(&out.stderr));
    }
    let out = run(&["-t", "-i", "lb3", "-f", path.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("{}:6:16: ", path.display())),
        "{stderr}"
    );
}
