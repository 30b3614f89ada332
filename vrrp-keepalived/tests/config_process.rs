//! The process keywords of `global_defs` (`vrrp_priority`, `vrrp_no_swap`,
//! `vrrp_rt_priority`, `vrrp_rlimit_rttime` and its old name,
//! `vrrp_cpu_affinity`) and `umask` against keepalived's own `-t`, 2.2.7 (Debian's)
//! and 2.4.3: keepalived's verdict is the one each case states; ours
//! accepts what keepalived's daemon runs (refusing only what it exits on),
//! warns on every line keepalived names, on none when keepalived is silent,
//! and reads the value keepalived's daemon would use. What the daemon does
//! with them is tested in the lab (`tests/lab_process.rs`).
//!
//! Without the `keepalived` binary only our side runs, and the test says
//! SKIPPED for the comparison ([`Parity`]).

use std::fs;

use vrrp_keepalived::conf::{ProcessSettings, Severity};
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, by_version};

/// A case: lines of `global_defs` (`{n}`: the first CPU this host lacks,
/// `{last}`: its last one), keepalived's `-t` verdict, and what we read
/// (`None`: we refuse the file, as keepalived's daemon exits on it) but the
/// CPUs: those of an accepted `vrrp_cpu_affinity` line, else none.
struct Case {
    global: &'static str,
    accepted: bool,
    ours: Option<ProcessSettings>,
}

fn case(global: &'static str, accepted: bool, ours: Option<ProcessSettings>) -> Case {
    Case {
        global,
        accepted,
        ours,
    }
}

fn nice(n: i8) -> Option<ProcessSettings> {
    Some(ProcessSettings {
        nice: Some(n),
        ..ProcessSettings::default()
    })
}

fn rt(priority: u8) -> Option<ProcessSettings> {
    Some(ProcessSettings {
        rt_priority: Some(priority),
        ..ProcessSettings::default()
    })
}

fn rttime(limit: u32) -> Option<ProcessSettings> {
    Some(ProcessSettings {
        rlimit_rttime: Some(limit),
        ..ProcessSettings::default()
    })
}

fn cases() -> Vec<Case> {
    let none = || Some(ProcessSettings::default());
    vec![
        case("vrrp_priority -10", true, nice(-10)),
        case("vrrp_priority 19", true, nice(19)),
        case("vrrp_priority 0", true, none()),
        case("vrrp_priority -21", false, none()),
        case("vrrp_priority 20", false, none()),
        case("vrrp_priority", false, none()),
        case("vrrp_priority x", false, none()),
        case("vrrp_priority -5\n vrrp_priority 30", false, none()),
        case("vrrp_rt_priority 50", true, rt(50)),
        case("vrrp_rt_priority 0", false, rt(1)),
        case("vrrp_rt_priority 100", false, rt(99)),
        case("vrrp_rt_priority", false, none()),
        case("vrrp_rt_priority abc", false, none()),
        case("vrrp_rt_priority 20\n vrrp_rt_priority abc", false, rt(20)),
        case(
            "vrrp_no_swap",
            true,
            Some(ProcessSettings {
                no_swap: true,
                ..ProcessSettings::default()
            }),
        ),
        case("vrrp_rlimit_rttime 20000", true, rttime(20000)),
        case("vrrp_rlimit_rtime 20000", true, rttime(20000)),
        case("vrrp_rlimit_rttime 1", true, rttime(2)),
        case("vrrp_rlimit_rttime 0", false, rttime(0)),
        case("vrrp_rlimit_rttime 4294967296", false, rttime(0)),
        case("vrrp_rlimit_rttime -3", false, rttime(0)),
        case("vrrp_rlimit_rttime", false, None),
        case("vrrp_cpu_affinity 0", true, none()),
        case("vrrp_cpu_affinity 0 {last}", true, none()),
        case("vrrp_cpu_affinity {n}", false, none()),
        case("vrrp_cpu_affinity 0 {n}", false, none()),
        case("vrrp_cpu_affinity", false, none()),
        case("vrrp_cpu_affinity x", false, none()),
        case("vrrp_cpu_affinity -1", false, none()),
    ]
}

/// CPUs online here (`/sys/devices/system/cpu/online`, `0-N`).
fn online_cpus() -> u16 {
    let list = fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let last = list.trim().rsplit(['-', ',']).next().unwrap();
    last.parse::<u16>().unwrap() + 1
}

#[test]
fn keepalived_and_we_agree() {
    let online = online_cpus();
    let mut parity = Parity::new("config_process");
    let disagreements = &mut Vec::new();
    for (n, case) in cases().into_iter().enumerate() {
        let global = case
            .global
            .replace("{n}", &online.to_string())
            .replace("{last}", &(online - 1).to_string());
        let expected_cpus: Vec<u16> = match global.strip_prefix("vrrp_cpu_affinity ") {
            Some(list) if case.accepted => list.split(' ').map(|c| c.parse().unwrap()).collect(),
            _ => Vec::new(),
        };
        let expected = case.ours.clone();
        let path = parity.file(n, &global_file(&global));
        let ours = prepare(&path, &Options::default());
        let prepared = match (ours, &expected) {
            (Err(_), None) => None,
            (Err(error), Some(_)) => {
                disagreements.push(format!("{global}: we refuse: {error}"));
                continue;
            }
            (Ok(_), None) => {
                disagreements.push(format!("{global}: we accept what keepalived exits on"));
                continue;
            }
            (Ok(prepared), Some(expected)) => {
                let read = reread(&path);
                let tuned: Vec<u16> = prepared
                    .tuning
                    .cpus
                    .iter()
                    .map(|&c| u16::try_from(c).unwrap())
                    .collect();
                let without_cpus = ProcessSettings {
                    cpus: Vec::new(),
                    ..read.clone()
                };
                if without_cpus != *expected || tuned != expected_cpus {
                    disagreements.push(format!(
                        "{global}: we read {read:?}, tune {:?}; expected {expected:?}, CPUs \
                         {expected_cpus:?}",
                        prepared.tuning
                    ));
                }
                Some(prepared)
            }
        };
        let last_global_line = 2 + u32::try_from(global.lines().count()).unwrap();
        let warned: Vec<u32> = prepared.as_ref().map_or_else(Vec::new, |p| {
            p.warnings
                .iter()
                .chain(&p.host)
                .filter(|w| w.severity == Severity::Warning)
                .map(|w| w.at.line)
                // The instance's interface is absent here (dynamic_interfaces).
                .filter(|&line| line <= last_global_line)
                .collect()
        });
        if case.accepted && !warned.is_empty() {
            disagreements.push(format!("{global}: we warn on lines {warned:?}"));
        }
        let verdicts = parity.check(&global, &path, |_| case.accepted);
        if prepared.is_some() {
            for verdict in &verdicts {
                parity.lines_covered(&global, verdict, |l| warned.contains(&l), &warned);
            }
        }
    }
    parity.wrong.append(disagreements);
    parity.finish();
}

/// A file of `global_defs` lines `global` and one instance (its interface
/// absent: `dynamic_interfaces`).
fn global_file(global: &str) -> String {
    format!(
        "global_defs {{\n dynamic_interfaces\n {global}\n}}\nvrrp_instance V {{\n \
         interface ens1\n virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n \
         }}\n}}\n"
    )
}

/// The file's process settings as the reader has them (before the host
/// checks drop CPUs this host lacks).
fn reread(path: &std::path::Path) -> ProcessSettings {
    vrrp_keepalived::conf::load(path)
        .map(|loaded| loaded.config.global.process)
        .unwrap_or_default()
}

/// `umask` lines, keepalived 2.4.3's verdict, 2.2.7's (which lacks the
/// `IRWX?` bits), and the mask we set (`None`: we refuse the file, as
/// keepalived exits on it; 0o177: keepalived's default, left in place).
const UMASKS: &[(&str, bool, bool, Option<u32>)] = &[
    ("umask 0027", true, true, Some(0o027)),
    ("umask 027", true, true, Some(0o027)),
    ("umask 0x17", true, true, Some(0x17)),
    ("umask 23", true, true, Some(23)),
    ("umask 0777", true, true, Some(0o777)),
    ("umask 0", true, true, Some(0)),
    ("umask IWGRP|IWOTH", true, true, Some(0o022)),
    ("umask IWGRP | IXOTH|IROTH", true, true, Some(0o025)),
    ("umask IWGRP|IRWXO", true, false, Some(0o027)),
    ("umask IRWXG |IRWXO", true, false, Some(0o077)),
    ("umask 01000", false, false, Some(0o177)),
    ("umask 08", false, false, Some(0o177)),
    ("umask 0027abc", false, false, Some(0o177)),
    ("umask 0027 1", false, false, Some(0o177)),
    ("umask -1", false, false, Some(0o177)),
    ("umask IWGRP|", false, false, Some(0o177)),
    ("umask IWGRP IWOTH", false, false, Some(0o177)),
    ("umask iwgrp", false, false, Some(0o177)),
    ("umask IWGRPX", false, false, Some(0o177)),
    ("umask |IWGRP", false, false, Some(0o177)),
    ("umask 0022\n umask bad", false, false, Some(0o022)),
    ("umask", false, false, None),
];

#[test]
fn keepalived_and_we_agree_on_umask() {
    let mut parity = Parity::new("config_umask");
    let disagreements = &mut Vec::new();
    for (n, &(global, accepted_243, accepted_227, mask)) in UMASKS.iter().enumerate() {
        let path = parity.file(n, &global_file(global));
        let last_global_line = 2 + u32::try_from(global.lines().count()).unwrap();
        let warned: Vec<u32> = match (prepare(&path, &Options::default()), mask) {
            (Ok(prepared), Some(mask)) => {
                if prepared.umask != mask {
                    disagreements.push(format!("{global}: our umask {:o}", prepared.umask));
                }
                prepared
                    .warnings
                    .iter()
                    .filter(|w| w.severity == Severity::Warning)
                    .map(|w| w.at.line)
                    .filter(|&line| line <= last_global_line)
                    .collect()
            }
            (Err(_), None) => Vec::new(),
            (ours, _) => {
                disagreements.push(format!("{global}: we say {:?}", ours.map(|p| p.umask)));
                continue;
            }
        };
        if accepted_243 && !warned.is_empty() {
            disagreements.push(format!("{global}: we warn on lines {warned:?}"));
        }
        let expected = by_version(accepted_227, accepted_243);
        for verdict in parity.check(global, &path, &expected) {
            // Where 2.2.7 differs we follow 2.4.3.
            if mask.is_some() && expected(&verdict.version) == accepted_243 {
                parity.lines_covered(global, &verdict, |l| warned.contains(&l), &warned);
            }
        }
    }
    parity.wrong.append(disagreements);
    parity.finish();
}

/// Top-level lines, `global_defs` lines, keepalived's verdict (both
/// versions), and our pid files and process name.
type IdentityCase = (
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    Option<&'static str>,
);

/// keepalived's pid files without `use_pid_dir`, `instance` or `-p`.
const RUN: &[&str] = &["/run/keepalived.pid", "/run/vrrp.pid"];

const IDENTITY: &[IdentityCase] = &[
    (
        "instance lb",
        "",
        true,
        &[
            "/run/keepalived/keepalived_lb.pid",
            "/run/keepalived/vrrp_lb.pid",
        ],
        None,
    ),
    (
        "use_pid_dir",
        "",
        true,
        &["/run/keepalived/keepalived.pid", "/run/keepalived/vrrp.pid"],
        None,
    ),
    (
        "instance a\nuse_pid_dir\ninstance b",
        "",
        false,
        &[
            "/run/keepalived/keepalived_a.pid",
            "/run/keepalived/vrrp_a.pid",
        ],
        None,
    ),
    ("instance", "", false, RUN, None),
    ("net_namespace", "", false, RUN, None),
    ("", "net_namespace blue", false, RUN, None),
    ("", "instance lb", false, RUN, None),
    ("", "use_pid_dir", false, RUN, None),
    ("", "process_names", true, RUN, Some("keepalived_vrrp")),
    // keepalived's main process's name, inherited by its VRRP process.
    ("", "process_name lb", true, RUN, Some("lb")),
    ("", "process_name lb extra", true, RUN, Some("lb")),
    (
        "",
        "vrrp_process_name vr\n process_name lb",
        true,
        RUN,
        Some("vr"),
    ),
    // process_names and vrrp_process_name set one name: the later counts.
    (
        "",
        "vrrp_process_name vr\n process_names",
        true,
        RUN,
        Some("keepalived_vrrp"),
    ),
    (
        "",
        "process_names\n vrrp_process_name vr",
        true,
        RUN,
        Some("vr"),
    ),
    // Reported and cut to 15 bytes, as keepalived.
    (
        "",
        "vrrp_process_name abcdefghijklmnopqrst",
        false,
        RUN,
        Some("abcdefghijklmno"),
    ),
    ("", "", true, RUN, None),
];

#[test]
fn keepalived_and_we_agree_on_pid_files_and_names() {
    let mut parity = Parity::new("config_identity");
    let disagreements = &mut Vec::new();
    for (n, &(top, global, accepted, pid_files, name)) in IDENTITY.iter().enumerate() {
        let text = format!("{top}\n{}", global_file(global));
        let path = parity.file(n, &text);
        let case = format!("{top:?} / {global:?}");
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                disagreements.push(format!("{case}: we refuse: {error}"));
                continue;
            }
        };
        let ours: Vec<String> = prepared
            .pid_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if ours != pid_files || prepared.process_name.as_deref() != name {
            disagreements.push(format!(
                "{case}: our pid files {ours:?}, name {:?}",
                prepared.process_name
            ));
        }
        let last = text
            .find("vrrp_instance")
            .map_or(0, |at| text[..at].lines().count());
        let warned: Vec<u32> = prepared
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.at.line)
            .filter(|&line| line <= u32::try_from(last).unwrap())
            .collect();
        if accepted && !warned.is_empty() {
            disagreements.push(format!("{case}: we warn: {:?}", prepared.warnings));
        }
        for verdict in parity.check(&case, &path, |_| accepted) {
            parity.lines_covered(&case, &verdict, |l| warned.contains(&l), &warned);
        }
    }
    parity.wrong.append(disagreements);
    parity.finish();
}

/// `net_namespace` naming no namespace of this host: keepalived's `-t`
/// passes the file silently, having checked nothing, and its daemon exits;
/// our `-t` passes it with a warning on that line, our daemon refuses it.
#[test]
fn a_missing_namespace_passes_t_with_a_warning_and_stops_the_daemon() {
    let mut parity = Parity::new("config_netns");
    let namespace = format!("pr13-missing-{}", std::process::id());
    assert!(!std::path::Path::new("/run/netns").join(&namespace).exists());
    // An interface no host has: keepalived checks nothing past the namespace.
    let path = parity.file(
        0,
        &format!(
            "net_namespace {namespace}\nvrrp_instance V {{\n interface pr13nope\n \
             virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}\n"
        ),
    );
    parity.check("net_namespace", &path, |_| true);
    let prepared = prepare(&path, &Options::default()).expect("-t passes it");
    assert!(
        prepared
            .host
            .iter()
            .any(|w| w.at.line == 1 && w.message.contains("does not exist")),
        "no warning on line 1: {:?}",
        prepared.host
    );
    assert_eq!(
        prepared.pid_files,
        [
            format!("/run/keepalived/{namespace}/keepalived.pid"),
            format!("/run/keepalived/{namespace}/vrrp.pid")
        ]
        .map(std::path::PathBuf::from)
    );
    let to_run = Options {
        to_run: true,
        ..Options::default()
    };
    let refused = prepare(&path, &to_run).expect_err("the daemon cannot run it");
    assert!(refused.to_string().contains(&namespace), "{refused}");
    parity.finish();
}

/// `random_seed` lines, keepalived's verdict (both versions), and the seed
/// we read (`None` in `Ok`: ignored; `Err`: we refuse, as keepalived exits).
type Seed = Result<Option<u32>, ()>;

const SEEDS: &[(&str, bool, Seed)] = &[
    ("random_seed 1", true, Ok(Some(1))),
    ("random_seed 0", true, Ok(Some(0))),
    ("random_seed 4294967295", true, Ok(Some(u32::MAX))),
    ("random_seed +5", true, Ok(Some(5))),
    ("random_seed 010", true, Ok(Some(10))),
    ("random_seed 4294967296", false, Ok(None)),
    ("random_seed -1", false, Ok(None)),
    ("random_seed x", false, Ok(None)),
    ("random_seed 0x10", false, Ok(None)),
    ("random_seed 7x", false, Ok(None)),
    ("random_seed", false, Err(())),
];

#[test]
fn keepalived_and_we_agree_on_random_seed() {
    let mut parity = Parity::new("config_seed");
    let disagreements = &mut Vec::new();
    for (n, &(global, accepted, seed)) in SEEDS.iter().enumerate() {
        let path = parity.file(n, &global_file(global));
        let loaded = vrrp_keepalived::conf::load(&path);
        let ours = loaded
            .as_ref()
            .map(|l| l.config.global.random_seed.as_ref().map(|s| s.value))
            .map_err(|_| ());
        if ours != seed {
            disagreements.push(format!("{global}: we read {ours:?}"));
        }
        let warned: Vec<u32> = loaded.as_ref().map_or_else(
            |_| Vec::new(),
            |l| {
                l.warnings
                    .iter()
                    .filter(|w| w.severity == Severity::Warning)
                    .map(|w| w.at.line)
                    .filter(|&line| line <= 3)
                    .collect()
            },
        );
        if accepted && !warned.is_empty() {
            disagreements.push(format!("{global}: we warn on {warned:?}"));
        }
        for verdict in parity.check(global, &path, |_| accepted) {
            if seed.is_ok() {
                parity.lines_covered(global, &verdict, |l| warned.contains(&l), &warned);
            }
        }
    }
    parity.wrong.append(disagreements);
    parity.finish();
}
