//! `state_dump_file`, `stats_dump_file` and `json_dump_file` against
//! keepalived's own `-t`: 2.4.3 gives the verdict each case states, and our
//! `-t` (`daemon::prepare` with the host checks) accepts the file, warning
//! on every line 2.4.3 reports (its daemon goes on without such a line).
//! keepalived 2.2.7 does not know the three keywords: its `-t` fails on
//! each as unknown, which is checked too; we follow 2.4.3.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use std::fs;

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

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
    let mut parity = Parity::new("config_dump_files");
    for (n, case) in CASES.iter().enumerate() {
        let path = parity.file(n, &file(case));
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                parity
                    .wrong
                    .push(format!("{}: we refuse: {error}", case.name));
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
            parity.wrong.push(format!(
                "{}: warnings of ours on lines {warned:?}: {:?}",
                case.name, prepared.warnings
            ));
        }
        // 2.2.7 calls each keyword unknown.
        for verdict in parity.check(case.name, &path, |v| case.accepted && v != "2.2.7") {
            if verdict.version != "2.2.7" {
                parity.lines_covered(
                    case.name,
                    &verdict,
                    |line| warned.contains(&line),
                    &prepared.warnings,
                );
            }
        }
    }
    parity.finish();
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
