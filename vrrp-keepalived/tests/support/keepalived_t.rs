//! Running keepalived's own `-t` (`--config-test`), shared by the tests
//! that compare its verdicts with ours: [`Parity`] is their loop.

#![allow(dead_code)] // not every comparison uses every helper

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;

use vrrp_keepalived::conf::Warning;

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

/// [`host_interface`], or `None` after a loud SKIPPED line (under CI: a
/// failure) for the tests whose files must name one.
pub(crate) fn host_interface_or_skip() -> Option<String> {
    let found = host_interface();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have an Ethernet interface"
        );
        eprintln!("SKIPPED: no Ethernet interface on this host");
    }
    found
}

/// A case's verdicts by version, for [`Parity::check`].
pub(crate) fn by_version(keepalived_227: bool, keepalived_243: bool) -> impl Fn(&str) -> bool {
    move |version| match version {
        "2.2.7" => keepalived_227,
        "2.4.3" => keepalived_243,
        other => panic!("keepalived {other}: no expectation"),
    }
}

/// What one keepalived's `-t` said of a file.
pub(crate) struct Verdict {
    /// Its version: `2.2.7`, `2.4.3`.
    pub(crate) version: String,
    /// Whether it accepts the file.
    pub(crate) accepts: bool,
    /// Its console output.
    pub(crate) output: String,
    /// The lines its messages name ([`lines_named`]).
    pub(crate) lines: Vec<u32>,
}

/// The `-t` parity loop: each case's file checked by each keepalived
/// (2.2.7 and 2.4.3), its verdict compared with the case's, its messages
/// handed back for the caller to find ours on the same lines; every
/// disagreement collected, and all asserted by [`Parity::finish`]. Our
/// side is the caller's and runs whether keepalived is here or not;
/// without it only the comparison is skipped, loudly (under CI,
/// [`keepalived`] fails instead).
pub(crate) struct Parity {
    /// Each keepalived and its version.
    binaries: Vec<(PathBuf, String)>,
    /// Where the cases' files are written.
    dir: PathBuf,
    /// Verdicts compared.
    compared: usize,
    /// The disagreements so far, ours and keepalived's.
    pub(crate) wrong: Vec<String>,
}

impl Parity {
    /// A comparison for `test`, its files in a fresh temporary directory.
    pub(crate) fn new(test: &str) -> Self {
        let binaries: Vec<(PathBuf, String)> = keepalived()
            .into_iter()
            .map(|binary| {
                let version = version(&binary);
                (binary, version)
            })
            .collect();
        if binaries.is_empty() {
            eprintln!(
                "SKIPPED: keepalived is not installed: {test} checks our side only, \
                 compares nothing"
            );
        }
        let dir = std::env::temp_dir().join(format!("{test}_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self {
            binaries,
            dir,
            compared: 0,
            wrong: Vec::new(),
        }
    }

    /// The directory of the cases' files.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes case `n`'s file.
    pub(crate) fn file(&self, n: usize, text: &str) -> PathBuf {
        let path = self.dir.join(format!("case{n}.conf"));
        std::fs::write(&path, text).expect("write a case");
        path
    }

    /// Each keepalived's verdict on `config`; one that is not
    /// `expected(version)` is a disagreement of `case`.
    pub(crate) fn check(
        &mut self,
        case: &str,
        config: &Path,
        expected: impl Fn(&str) -> bool,
    ) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        for (binary, version) in &self.binaries {
            let (accepts, output) = keepalived_check(binary, config);
            self.compared += 1;
            let expected = expected(version);
            if accepts != expected {
                self.wrong.push(format!(
                    "{case} ({version}): keepalived accepts={accepts}, expected {expected}:\n{output}"
                ));
            }
            verdicts.push(Verdict {
                version: version.clone(),
                accepts,
                lines: lines_named(&output),
                output,
            });
        }
        verdicts
    }

    /// A disagreement of `case` for each line `verdict` names where `ours`
    /// says nothing; `said` is what we said, for the message.
    pub(crate) fn lines_covered(
        &mut self,
        case: &str,
        verdict: &Verdict,
        ours: impl Fn(u32) -> bool,
        said: &dyn Debug,
    ) {
        for &line in verdict.lines.iter().filter(|&&line| !ours(line)) {
            self.wrong.push(format!(
                "{case} ({}): keepalived names line {line}, we do not:\n{}\nours: {said:?}",
                verdict.version, verdict.output
            ));
        }
    }

    /// [`Parity::lines_covered`] by our `warnings`: each line `verdict`
    /// names carries one of them.
    pub(crate) fn warned_on(&mut self, case: &str, verdict: &Verdict, warnings: &[Warning]) {
        let ours = |line| warnings.iter().any(|w| w.at.line == line);
        self.lines_covered(case, verdict, ours, &warnings);
    }

    /// Fails on any disagreement, and when keepalived is here but no verdict
    /// was compared.
    pub(crate) fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        eprintln!("{} verdicts compared", self.compared);
        assert!(
            self.binaries.is_empty() || self.compared > 0,
            "keepalived is here, yet no verdict was compared"
        );
        assert!(self.wrong.is_empty(), "{}", self.wrong.join("\n\n"));
    }
}
