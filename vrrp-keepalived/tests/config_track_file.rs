//! `track_file` against keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3:
//! each case states both versions' verdicts and ours, and every line
//! keepalived names has a warning of ours there (or, where keepalived names
//! the `}` that ends a block, inside that block). Ours is the reader's
//! verdict and then `-t`'s host checks (the missing directory is one).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, block_ending_at, by_version};

const PRELUDE: &str = "global_defs {\n    dynamic_interfaces\n}\n";

/// An instance tracking file `f`.
const INSTANCE: &str = "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
                        virtual_ipaddress { 192.0.2.1 }\n track_file {\n  f\n }\n}\n";

struct Case {
    name: &'static str,
    /// The body; `DIR` stands for a directory that exists.
    body: &'static str,
    keepalived_227: bool,
    keepalived_243: bool,
    /// Our reader's verdict.
    we_accept: bool,
    /// Warnings our host checks add (what 2.4.3 reports at read time).
    host_warnings: usize,
}

const CASES: &[Case] = &[
    Case {
        name: "a block with every option, referenced with a weight of its own",
        body: "track_file f {\n file DIR/flag\n weight -60 reverse\n init_file 3 overwrite\n}\n\
               vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress { 192.0.2.1 }\n track_file {\n  f weight 10\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a sync group tracking a file, unweighted",
        body: "track_file f {\n file DIR/flag\n}\nvrrp_instance V {\n interface ens192\n \
               virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
               vrrp_instance W {\n interface ens192\n virtual_router_id 2\n \
               virtual_ipaddress { 192.0.2.2 }\n}\n\
               vrrp_sync_group G {\n group { V W }\n track_file {\n  f weight 0\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a sync group member's own weighted file: keepalived reports it and runs \
               without it (weight 1, the default, becomes 0); we warn the same",
        body: "track_file f {\n file DIR/flag\n}\ntrack_file g {\n file DIR/flag2\n}\n\
               vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress { 192.0.2.1 }\n track_file {\n  f weight 10\n  g\n }\n}\n\
               vrrp_instance W {\n interface ens192\n virtual_router_id 2\n \
               virtual_ipaddress { 192.0.2.2 }\n}\nvrrp_sync_group G {\n group { V W }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "an address owner's weighted file: reported, dropped; we warn the same",
        body: "track_file f {\n file DIR/flag\n weight -10\n}\nvrrp_instance V {\n \
               interface ens192\n virtual_router_id 1\n priority 255\n \
               virtual_ipaddress { 192.0.2.1 }\n track_file {\n  f\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "the older name vrrp_track_file",
        body: "vrrp_track_file f {\n file DIR/flag\n}\nINSTANCE",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a name no block defines: reported, run without it; we warn",
        body: "INSTANCE",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a block defined after the instance: keepalived looks the name up where \
               it reads it; we warn the same",
        body: "INSTANCEtrack_file f {\n file DIR/flag\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a block without `file`: ignored (reported), so is the reference; we warn both",
        body: "track_file f {\n weight 2\n}\nINSTANCE",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "the same file twice in one instance: the second is ignored (reported)",
        body: "track_file f {\n file DIR/flag\n}\nvrrp_instance V {\n interface ens192\n \
               virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n track_file {\n  f\n  \
               f weight 3\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a directory that does not exist: 2.4.3 reports it when it reads the file, \
               2.2.7 drops the file only at startup; our reader reads it, -t's host checks \
               drop it with a warning",
        body: "track_file f {\n file /no/such/dir/flag\n}\nINSTANCE",
        keepalived_227: true,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 2,
    },
    Case {
        name: "init_file with an unknown word and a value out of range: reported, run \
               (the value written as given); we warn",
        body: "track_file f {\n file DIR/flag\n init_file 999 always\n}\nINSTANCE",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        host_warnings: 0,
    },
    Case {
        name: "a block weight out of range: keepalived reports it (and runs with 1); we \
               refuse, as for every other weight",
        body: "track_file f {\n file DIR/flag\n weight 255\n}\nINSTANCE",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
        host_warnings: 0,
    },
    Case {
        name: "an entry weight out of range: keepalived reports it (and uses the block's); \
               we refuse",
        body: "track_file f {\n file DIR/flag\n}\nvrrp_instance V {\n interface ens192\n \
               virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n track_file {\n  \
               f weight -255\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
        host_warnings: 0,
    },
];

#[test]
fn keepalived_and_we_agree_on_track_file() {
    let mut parity = Parity::new("config_track_file");
    for (index, case) in CASES.iter().enumerate() {
        let body = case
            .body
            .replace("INSTANCE", INSTANCE)
            .replace("DIR", &parity.dir().display().to_string());
        let text = format!("{PRELUDE}{body}");
        let path = parity.file(index, &text);
        let ours = load(&path).map(|mut loaded| {
            let mut host = vrrp_keepalived::host::check(&mut loaded.config).unwrap();
            // The interfaces (ens192) are another host's: not what is compared.
            host.retain(|w| w.message.starts_with("track_file"));
            (loaded.warnings, host)
        });
        if ours.is_ok() != case.we_accept {
            parity
                .wrong
                .push(format!("{}: we accept={}", case.name, ours.is_ok()));
        }
        if let Ok((_, host)) = &ours {
            if host.len() != case.host_warnings {
                parity
                    .wrong
                    .push(format!("{}: host checks said {host:?}", case.name));
            }
        }
        let expected = by_version(case.keepalived_227, case.keepalived_243);
        for verdict in parity.check(case.name, &path, expected) {
            let Ok((warnings, host)) = &ours else {
                continue;
            };
            let said: Vec<String> = warnings
                .iter()
                .chain(host)
                .map(ToString::to_string)
                .collect();
            parity.lines_covered(
                case.name,
                &verdict,
                |line| {
                    let range = block_ending_at(&text, line).unwrap_or((line, line));
                    (warnings.iter().chain(host)).any(|w| (range.0..=range.1).contains(&w.at.line))
                },
                &said,
            );
        }
        assert!(
            !parity.dir().join("flag").exists(),
            "{}: -t wrote the init_file",
            case.name
        );
    }
    parity.finish();
}
