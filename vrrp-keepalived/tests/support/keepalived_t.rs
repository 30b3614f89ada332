//! Running keepalived's own `-t` (`--config-test`), shared by the tests
//! that compare its verdicts with ours.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's keepalived (2.2.7), then 2.4.3 where .ci/run built it; none
/// is a failure under CI.
pub(crate) fn keepalived() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let installed = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join("keepalived"))
        .find(|candidate| candidate.is_file());
    let built =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/keepalived-2.4.3/keepalived");
    if !built.is_file() {
        eprintln!(
            "NOTE: {} is missing (.ci/run builds it from ../shared/peers): \
             comparing with the installed keepalived only",
            built.display()
        );
    }
    let binaries: Vec<PathBuf> = installed
        .into_iter()
        .chain(built.is_file().then_some(built))
        .collect();
    // Outside CI a comparison without keepalived says SKIPPED; under CI
    // (where the lab tests ran first and installed it) it must not pass
    // having compared nothing.
    assert!(
        !binaries.is_empty() || std::env::var_os("CI").is_none(),
        "CI must have keepalived to compare -t verdicts with"
    );
    binaries
}

/// The lines keepalived names in its messages (`(FILE: Line N)`).
pub(crate) fn lines_named(output: &str) -> Vec<u32> {
    output
        .split("Line ")
        .skip(1)
        .filter_map(|rest| rest.split(')').next()?.trim().parse().ok())
        .collect()
}

/// keepalived's verdict and its console output.
pub(crate) fn keepalived_check(binary: &Path, config: &Path) -> (bool, String) {
    let output = Command::new(binary)
        .args([
            "--config-test",
            "--log-console",
            "--log-detail",
            "--use-file",
        ])
        .arg(config)
        .output()
        .expect("run keepalived");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// `Keepalived v2.2.7 ...` → "2.2.7".
#[allow(dead_code)] // not every comparison tells the versions apart
pub(crate) fn version(binary: &Path) -> String {
    let output = Command::new(binary).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix('v'))
        .unwrap_or_default()
        .to_string()
}

/// The block (first and last line) around `line`, if `line` is a `}`:
/// keepalived names the end of a block for what it settles there.
#[allow(dead_code)] // not every comparison meets such messages
pub(crate) fn block_ending_at(text: &str, line: u32) -> Option<(u32, u32)> {
    let lines: Vec<&str> = text.lines().collect();
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    if lines.get(index)?.trim() != "}" {
        return None;
    }
    let start = (0..index).rev().find(|&i| !lines[i].starts_with(' '))?;
    Some((u32::try_from(start).ok()? + 1, line))
}

/// An Ethernet interface of this host (the first by name), for files
/// checked without `dynamic_interfaces`.
// Not every test that includes this file needs it.
#[allow(dead_code)]
pub(crate) fn host_interface() -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            n != "lo"
                && std::fs::read_to_string(format!("/sys/class/net/{n}/type"))
                    .ok()
                    .as_deref()
                    == Some("1\n")
        })
        .collect();
    names.sort();
    names.into_iter().next()
}
