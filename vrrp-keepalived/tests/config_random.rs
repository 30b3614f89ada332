//! `${_RANDOM [MIN [MAX]]}` and `random_seed` against keepalived's own
//! `-t`, 2.2.7 (Debian's) and 2.4.3: each case's verdict by version, ours
//! (we accept what keepalived's daemon runs and warn on every line
//! keepalived names), and the priority we read from the expansion.
//!
//! Needs the `keepalived` binary; without it the comparison says SKIPPED.

use vrrp_keepalived::conf::{Loaded, load};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, by_version};

/// A case: a definition line before `global_defs`, `global_defs`' extra
/// line, the instance's `priority` argument; keepalived's verdicts; ours
/// (`None`: refused) as the priorities we may read.
struct Case {
    name: &'static str,
    define: &'static str,
    global: &'static str,
    priority: &'static str,
    keepalived_227: bool,
    keepalived_243: bool,
    ours: Option<std::ops::RangeInclusive<u8>>,
}

const CASES: &[Case] = &[
    Case {
        name: "a parameter holding a random number",
        define: "$PRIO=${_RANDOM 1 9}",
        global: "",
        priority: "$PRIO",
        keepalived_227: true,
        keepalived_243: true,
        ours: Some(1..=9),
    },
    Case {
        name: "a parameter that is not a number",
        define: "",
        global: "",
        priority: "${_RANDOM 1 x}",
        keepalived_227: false,
        keepalived_243: false,
        ours: None,
    },
    Case {
        name: "three parameters: 2.4.3 reports them and expands nothing",
        define: "",
        global: "",
        priority: "${_RANDOM 1 2 3}",
        keepalived_227: true,
        keepalived_243: false,
        ours: None,
    },
    Case {
        name: "min equal to max",
        define: "",
        global: "",
        priority: "${_RANDOM  77  77}",
        keepalived_227: true,
        keepalived_243: true,
        ours: Some(77..=77),
    },
    Case {
        name: "min above max: 2.4.3 reports it and uses min",
        define: "",
        global: "",
        priority: "${_RANDOM 9 1}",
        keepalived_227: true,
        keepalived_243: false,
        ours: Some(9..=9),
    },
    Case {
        name: "seeded: glibc's random() after srandom(42)",
        define: "",
        global: "random_seed 42",
        // 71876166 % 200 + 1
        priority: "${_RANDOM 1 200}",
        keepalived_227: true,
        keepalived_243: true,
        ours: Some(167..=167),
    },
];

/// The priority read, or why not.
fn priority(loaded: &Result<Loaded, String>) -> Result<u8, String> {
    let loaded = loaded.as_ref()?;
    let instance = loaded.config.instances.first().ok_or("no instance")?;
    Ok(instance.effective_priority())
}

#[test]
fn keepalived_and_we_agree_on_random_numbers() {
    let mut parity = Parity::new("config_random");
    for (n, case) in CASES.iter().enumerate() {
        let body = format!(
            "{}\nglobal_defs {{\n dynamic_interfaces\n {}\n}}\nvrrp_instance V {{\n interface ens1\n \
             virtual_router_id 1\n priority {}\n virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}\n",
            case.define, case.global, case.priority
        );
        let path = parity.file(n, &body);
        let ours = load(&path).map_err(|e| e.to_string());
        let read = priority(&ours);
        match (&case.ours, &read) {
            (Some(range), Ok(p)) if range.contains(p) => {}
            (None, Err(_)) => {}
            _ => parity.wrong.push(format!(
                "{}: we read {read:?}, expected {:?}; warnings {:?}",
                case.name,
                case.ours,
                ours.as_ref().map(|l| &l.warnings)
            )),
        }
        let expected = by_version(case.keepalived_227, case.keepalived_243);
        for verdict in parity.check(case.name, &path, expected) {
            if let Ok(loaded) = &ours {
                parity.warned_on(case.name, &verdict, &loaded.warnings);
            }
        }
    }
    parity.finish();
}

/// Without `random_seed` each read draws anew (keepalived seeds with the
/// time); with it, every read of the file reads the same numbers, however
/// far down the file the seed is written.
#[test]
fn a_seed_makes_reads_repeatable() {
    let dir = std::env::temp_dir().join(format!("config_random_seed_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.conf");
    let instances: String = (1..=20)
        .map(|vrid| {
            format!(
                "vrrp_instance V{vrid} {{\n interface ens1\n virtual_router_id {vrid}\n \
                 priority ${{_RANDOM 1 254}}\n virtual_ipaddress {{\n  192.0.2.{vrid}/24\n }}\n}}\n"
            )
        })
        .collect();
    let priorities = |seed: &str| {
        std::fs::write(
            &path,
            format!("{instances}global_defs {{\n dynamic_interfaces\n {seed}\n}}\n"),
        )
        .unwrap();
        let loaded = load(&path).unwrap();
        loaded
            .config
            .instances
            .iter()
            .map(|i| i.effective_priority())
            .collect::<Vec<_>>()
    };
    let seeded = priorities("random_seed 42");
    assert_eq!(seeded, priorities("random_seed 42"));
    assert_ne!(seeded, priorities("random_seed 43"));
    // glibc's srandom(42): random() = 71876166, 708592740, 1483128881, ...
    assert_eq!(
        seeded[..3],
        [
            (71_876_166 % 254 + 1) as u8,
            (708_592_740 % 254 + 1) as u8,
            (1_483_128_881 % 254 + 1) as u8
        ]
    );
    assert!(seeded.iter().all(|p| (1..=254).contains(p)));
    let _ = std::fs::remove_dir_all(&dir);
}
