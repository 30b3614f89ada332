//! The Debian package (issue 15): `contrib/build-deb.sh` builds it with
//! cargo-deb, dpkg installs it into this system (as CI does), and then:
//!
//! - the package holds the daemon in /usr/sbin, its man page and its
//!   systemd unit, and nothing in /etc;
//! - `man -l` renders the man page without a warning;
//! - `systemd-analyze verify` accepts the installed unit;
//! - with the article's configuration at /etc/keepalived/keepalived.conf,
//!   the daemon's default path, `-t` loads it (and, checked against this
//!   host, names the article's interface that is not here);
//! - the installed daemon runs in a lab host, and its state change line,
//!   which journald stores as the message under systemd, carries instance,
//!   vrid, from, to, reason and priority.
//!
//! Afterwards the package is purged and /etc/keepalived/keepalived.conf is
//! put back as it was (or removed, if there was none), also on failure.
//!
//! Root only. Outside CI it skips loudly when not root, when cargo-deb is
//! missing, or when the package is already installed (it would be
//! removed); under CI (`CI` set) each of these is a failure.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use vrrp_lab as lab;

use lab::{Daemon, Lab, say};

/// The Debian package's name (`[package.metadata.deb] name`).
const PACKAGE: &str = "keepalive-haproxy";
/// The daemon's default configuration, keepalived's.
const CONF: &str = "/etc/keepalived/keepalived.conf";
/// Where the package puts the daemon, its man page and its unit.
const DAEMON: &str = "/usr/sbin/keepalive-haproxy";
const MAN_PAGE: &str = "/usr/share/man/man8/keepalive-haproxy.8.gz";
const UNIT: &str = "/usr/lib/systemd/system/keepalive-haproxy.service";

#[test]
fn the_package_installs_a_daemon_that_reads_keepalived_conf() {
    if !ready() {
        return;
    }
    let deb = build();
    let listing = text(&run("dpkg-deb", &["--contents", deb.to_str().unwrap()]).stdout);
    for file in [DAEMON, MAN_PAGE, UNIT] {
        assert!(
            listing.contains(&format!(".{file}\n")),
            "{file} is not in {}:\n{listing}",
            deb.display()
        );
    }
    assert!(
        !listing.contains(" ./etc/"),
        "the package must not ship files in /etc:\n{listing}"
    );

    let _conf = PlacedConf::place(&fixture("seed-master.conf"));
    let _installed = Installed::install(&deb);

    let mode = std::fs::metadata(DAEMON).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755, "{DAEMON}");
    let version = run(DAEMON, &["--version"]);
    assert!(
        text(&version.stdout).starts_with("keepalive-haproxy "),
        "{version:?}"
    );
    man_page_renders();
    unit_verifies();
    config_test_reads_the_default_path();
    state_change_line_carries_the_fields();
}

/// `man -l` renders the page from the CLI's flags, plus FILES and SIGNALS,
/// and groff has nothing to say about it.
fn man_page_renders() {
    let out = Command::new("man")
        .args(["--warnings", "-l", "-P", "cat", MAN_PAGE])
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C")
        .output()
        .expect("run man");
    let (page, warnings) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "man -l {MAN_PAGE}: {warnings}");
    assert!(warnings.trim().is_empty(), "man -l {MAN_PAGE}: {warnings}");
    for needle in [
        "keepalive-haproxy",
        "-f, --use-file",
        "-t, --config-test",
        "--release-vips",
        CONF,
        "FILES",
        "SIGNALS",
        "SIGHUP",
        "keepalived.data",
    ] {
        assert!(
            page.contains(needle),
            "no {needle:?} in the man page:\n{page}"
        );
    }
}

/// `systemd-analyze verify` on the installed unit: its ExecStart binary
/// exists, every directive is known and every value parses.
fn unit_verifies() {
    let out = run_status("systemd-analyze", &["verify", UNIT]);
    let stderr = text(&out.stderr);
    let about_ours: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("keepalive-haproxy"))
        .collect();
    assert!(
        out.status.success() && about_ours.is_empty(),
        "systemd-analyze verify {UNIT}: {:?}\n{stderr}",
        out.status
    );
    say(&format!("== package: systemd-analyze verify {UNIT}: OK"));
}

/// `-t` without `-f` reads /etc/keepalived/keepalived.conf: the article's
/// file loads (its weight pitfall warned), and checked against this host
/// its interface ens192 is missing, as the unit's ExecStartPre would say.
fn config_test_reads_the_default_path() {
    let out = run_status(DAEMON, &["-t", "--no-host-checks"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{DAEMON} -t: {stderr}");
    assert_eq!(stdout.trim(), format!("{CONF}: configuration OK"));
    assert!(
        stderr.contains(&format!("{CONF}:13:1: "))
            && stderr.contains("weight 2 of `haproxy_check`"),
        "{stderr}"
    );
    say(&format!(
        "== package: {DAEMON} -t --no-host-checks: {}",
        stdout.trim()
    ));

    let out = run_status(DAEMON, &["-t", "-f", CONF]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interface ens192 of vrrp_instance OCP_EXT does not exist"),
        "{stderr}"
    );
}

/// The installed daemon, alone in a lab host with the article's master
/// side, becomes Master; its log line says so with every field.
fn state_change_line_carries_the_fields() {
    let Some(lab) = Lab::new("package: the installed daemon's state change line") else {
        return;
    };
    let host = lab.host("lb1", &["192.0.2.1/24"]);
    let daemon = Daemon::Ours(PathBuf::from(DAEMON)).start(&host, &lab::keepalived::seed("master"));
    let waited = daemon.wait_log("to=Master", Duration::from_secs(15));
    let log = daemon.log();
    assert!(waited.is_some(), "no change to Master:\n{log}");
    let line = log
        .lines()
        .find(|line| line.contains(" state changed ") && line.contains("to=Master"))
        .unwrap_or_else(|| panic!("no state change line:\n{log}"));
    for field in [
        "instance=OCP_EXT",
        "vrid=51",
        "from=Backup",
        "to=Master",
        "reason=",
        "priority=",
    ] {
        assert!(line.contains(field), "no {field} in: {line}");
    }
    say(&format!("== package: installed daemon: {}", line.trim()));
}

/// Root, cargo-deb, man, systemd-analyze, and no installed package of ours;
/// what is missing installed where it can be (apt-get), else a loud SKIPPED
/// line (a failure under CI).
fn ready() -> bool {
    let ci = std::env::var_os("CI").is_some();
    let skip = |why: &str| {
        assert!(!ci, "tests/package.rs: {why}, and CI must run it");
        say(&format!("\n*** SKIPPED: tests/package.rs: {why} ***\n"));
        false
    };
    if !nix::unistd::geteuid().is_root() {
        return skip("needs root (it installs the package with dpkg)");
    }
    if !succeeds("cargo", &["deb", "--version"]) {
        return skip("cargo-deb is missing: `cargo install cargo-deb --locked`");
    }
    for (program, package) in [("man", "man-db"), ("systemd-analyze", "systemd")] {
        if !succeeds("sh", &["-c", &format!("command -v {program}")]) {
            say(&format!("== package: installing {package} (apt-get)"));
            if let Err(why) = lab::tools::apt_install(&[package]) {
                return skip(&format!(
                    "{program} is missing and {package} did not install: {why}"
                ));
            }
        }
    }
    if succeeds("dpkg", &["--status", PACKAGE]) && !ci {
        return skip(&format!(
            "{PACKAGE} is installed here; this test would replace and then remove it"
        ));
    }
    true
}

/// `contrib/build-deb.sh`: the .deb's path, which cargo-deb prints last.
fn build() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/build-deb.sh");
    // The dev build the lab tests made already: the release build (LTO, one
    // codegen unit) would add 5 to 8 minutes to CI; the packaging is the same.
    say("== package: PROFILE=dev contrib/build-deb.sh (the daemon's dev build, cargo deb)");
    // cargo's progress on the terminal; the .deb's path on stdout.
    let out = Command::new(&script)
        .env("PROFILE", "dev")
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {:?}",
        script.display(),
        out.status
    );
    let stdout = text(&out.stdout);
    let deb = stdout
        .lines()
        .rev()
        .find(|line| line.ends_with(".deb"))
        .unwrap_or_else(|| {
            panic!(
                "no .deb named in the output of {}:\n{stdout}",
                script.display()
            )
        });
    say(&format!("== package: built {deb}"));
    PathBuf::from(deb)
}

/// The package, installed with dpkg; purged on drop.
struct Installed;

impl Installed {
    fn install(deb: &Path) -> Self {
        run("dpkg", &["--install", deb.to_str().unwrap()]);
        Self
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let out = run_status("dpkg", &["--purge", PACKAGE]);
        if !out.status.success() {
            say(&format!(
                "*** dpkg --purge {PACKAGE} failed: {} ***",
                text(&out.stderr)
            ));
        }
    }
}

/// A configuration at [`CONF`]; on drop the file that was there is put
/// back, or the file (and a directory made for it) removed.
struct PlacedConf {
    before: Option<(Vec<u8>, std::fs::Permissions)>,
    made_dir: bool,
}

impl PlacedConf {
    fn place(config: &Path) -> Self {
        let conf = Path::new(CONF);
        let dir = conf.parent().unwrap();
        let made_dir = !dir.exists();
        let before = std::fs::read(conf)
            .ok()
            .zip(std::fs::metadata(conf).ok().map(|m| m.permissions()));
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(config, conf).unwrap();
        Self { before, made_dir }
    }
}

impl Drop for PlacedConf {
    fn drop(&mut self) {
        let conf = Path::new(CONF);
        let restored = match &self.before {
            Some((before, mode)) => std::fs::write(conf, before)
                .and_then(|()| std::fs::set_permissions(conf, mode.clone())),
            None => std::fs::remove_file(conf),
        };
        if let Err(error) = restored {
            say(&format!("*** cannot put {CONF} back: {error} ***"));
        }
        if self.made_dir {
            let _ = std::fs::remove_dir(conf.parent().unwrap());
        }
    }
}

/// The article's keepalived.conf, as the project keeps it.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vrrp-keepalived/tests/fixtures")
        .join(name)
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Runs `program args`; panics with its output when it fails.
fn run(program: &str, args: &[&str]) -> Output {
    let out = run_status(program, args);
    assert!(
        out.status.success(),
        "`{program} {}` failed ({:?}):\n{}\n{}",
        args.join(" "),
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn run_status(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
