//! `state_dump_file`, `stats_dump_file` and `json_dump_file` against
//! keepalived's own `-t`: 2.4.3 gives the verdict each case states, and our
//! `-t` (`daemon::prepare` with the host checks) accepts the file, warning
//! on every line 2.4.3 reports (its daemon goes on without such a line).
//! keepalived 2.2.7 does not know the three keywords: its `-t` fails on
//! each as unknown, which is checked too; we follow 2.4.3.
//!
//! Needs the `keepalived` binary; without it the test says SKIPPED and passes.

use std::fs;

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{keepalived, keepalived_check, lines_named, version};

struct Case {
    name: &'static str,
    /// Lines of `global_defs`.
    global: &'static str,
    /// keepalived 2.4.3's `-t` verdict.
    accepted: bool,
}

const fn case(name: &'static str, accepted: bool, global: &'static str) -> Case {
    Case {
        name,
        global,
        accepted,
    }
}

const CASES: &[Case] = &[
    case(
        "an absolute file",
        true,
        " state_dump_file /tmp/kb13/ka.data",
    ),
    case("a directory", true, " state_dump_file /var/tmp/"),
    case("a relative name", true, " state_dump_file ka-state.txt"),
    case(
        "the stats and JSON files",
        true,
        " stats_dump_file /tmp/kb13.stats\n json_dump_file /tmp/kb13.json",
    ),
    case("no path", false, " state_dump_file"),
    case("two paths", false, " stats_dump_file /tmp/a /tmp/b"),
    case("an empty path", false, " json_dump_file \"\""),
    case(
        "a bad line and a good one",
        false,
        " state_dump_file\n state_dump_file /tmp/kb13.data",
    ),
];

fn file(case: &Case) -> String {
    format!(
        "global_defs {{\n dynamic_interfaces\n{}\n}}\nvrrp_instance V {{\n interface ens1\n \
         virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}\n",
        case.global
    )
}

#[test]
fn keepalived_and_we_agree() {
    let binaries = keepalived();
    if binaries.is_empty() {
        eprintln!("SKIPPED: keepalived is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("config_dump_files_{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for (n, case) in CASES.iter().enumerate() {
        let path = dir.join(format!("case{n}.conf"));
        fs::write(&path, file(case)).unwrap();
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                disagreements.push(format!("{}: we refuse: {error}", case.name));
                continue;
            }
        };
        let warned: Vec<u32> = prepared
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.at.line)
            .collect();
        if case.accepted && !warned.is_empty() {
            disagreements.push(format!(
                "{}: warnings of ours on lines {warned:?}: {:?}",
                case.name, prepared.warnings
            ));
        }
        for binary in &binaries {
            compared += 1;
            let (theirs, output) = keepalived_check(binary, &path);
            let old = version(binary) == "2.2.7";
            // 2.2.7 calls each keyword unknown.
            let expected = case.accepted && !old;
            if theirs != expected {
                disagreements.push(format!(
                    "{} ({}): keepalived accepts={theirs}, expected {expected}:\n{output}",
                    case.name,
                    binary.display(),
                ));
            }
            if old {
                continue;
            }
            for line in lines_named(&output) {
                if !warned.contains(&line) {
                    disagreements.push(format!(
                        "{} ({}): no warning of ours on line {line}:\n{output}\nours: {:?}",
                        case.name,
                        binary.display(),
                        prepared.warnings
                    ));
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(compared > 0);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}

/// The last good `state_dump_file` is the one used; a bad line leaves it.
#[test]
fn the_data_file_is_where_state_dump_file_says() {
    use vrrp_keepalived::dump::Dump;
    let dir = std::env::temp_dir().join(format!("config_dump_files_p{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.conf");
    fs::write(
        &path,
        file(&case(
            "",
            true,
            " state_dump_file /var/tmp/first.data\n state_dump_file /var/lib/kb13/\n \
             state_dump_file\n stats_dump_file /elsewhere.stats",
        )),
    )
    .unwrap();
    let prepared = prepare(&path, &Options::default()).unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(
        prepared.dumps.path(Dump::Data),
        std::path::Path::new("/var/lib/kb13/keepalived.data")
    );
    assert_eq!(
        prepared.dumps.path(Dump::Stats),
        vrrp_keepalived::dump::tmp_dir().join("keepalived.stats")
    );
}
