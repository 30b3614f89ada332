//! The programs the lab runs, installed when they are missing: the README's
//! test command works on a fresh machine. As root, missing Debian packages
//! are installed with apt-get, once per test process; where that fails, one
//! line says what is missing, and the tests that need it fail saying so.

use std::process::Command;
use std::sync::Mutex;

/// Each program the lab runs, and the Debian package that has it.
const NEEDED: [(&str, &str); 10] = [
    ("ip", "iproute2"),
    ("bridge", "iproute2"),
    ("keepalived", "keepalived"),
    ("tcpdump", "tcpdump"),
    ("killall", "psmisc"),
    ("ping", "iputils-ping"),
    ("haproxy", "haproxy"),
    ("setpriv", "util-linux"),
    ("aiosmtpd", "python3-aiosmtpd"),
    // The drop rules of instances without accept mode.
    ("nft", "nftables"),
];

/// The packages of the programs not on `PATH`, without repeats.
pub fn missing_packages() -> Vec<&'static str> {
    let mut packages: Vec<&str> = NEEDED
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|&(_, package)| package)
        .collect();
    packages.dedup();
    packages
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Installs what is missing (root only), once per process; afterwards
/// `Err` names what is still missing.
pub fn ensure() -> Result<(), String> {
    static DONE: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    let mut done = DONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.get_or_insert_with(install).clone()
}

fn install() -> Result<(), String> {
    let missing = missing_packages();
    if missing.is_empty() {
        return Ok(());
    }
    super::say(&format!(
        "== lab: installing {} (apt-get, once)",
        missing.join(" ")
    ));
    let result = apt_install(&missing);
    let still = missing_packages();
    if still.is_empty() {
        return Ok(());
    }
    let line = format!(
        "*** lab: cannot install {} ({}): the tests that run them will fail ***",
        still.join(" "),
        result.err().unwrap_or_default()
    );
    super::say(&line);
    Err(line)
}

/// `apt-get update` and `apt-get install` of `packages` (root; waits for
/// the dpkg lock up to 5 min); apt-get's complaint if it fails.
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=300", "-qq"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
    };
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(packages);
    match apt(&["update"]).and_then(|_| apt(&install)) {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
        Err(error) => Err(error.to_string()),
    }
}
