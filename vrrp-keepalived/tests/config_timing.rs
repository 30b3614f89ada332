//! Startup delays, down timer adverts, priority-change notifies and the
//! other instance flags of issue 13 against keepalived's own `-t`, 2.2.7
//! (Debian's) and 2.4.3: each case states both versions' verdicts and ours
//! (2.4.3's where they differ). Where a version and we both load a file,
//! every line it names has a warning of ours.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use std::fs;

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, by_version};

struct Case {
    name: &'static str,
    /// Lines of `global_defs` (after `dynamic_interfaces`).
    global: &'static str,
    /// Lines of the instance.
    instance: &'static str,
    keepalived_227: bool,
    keepalived_243: bool,
    we_accept: bool,
}

/// Both keepalived versions and we agree.
const fn agree(
    name: &'static str,
    accepts: bool,
    global: &'static str,
    instance: &'static str,
) -> Case {
    Case {
        name,
        global,
        instance,
        keepalived_227: accepts,
        keepalived_243: accepts,
        we_accept: accepts,
    }
}

const CASES: &[Case] = &[
    agree("vrrp_startup_delay", true, "vrrp_startup_delay 5", ""),
    agree(
        "a fractional vrrp_startup_delay",
        true,
        "vrrp_startup_delay 2.5",
        "",
    ),
    agree("vrrp_startup_delay 0", false, "vrrp_startup_delay 0", ""),
    agree(
        "vrrp_startup_delay beyond UINT_MAX µs",
        false,
        "vrrp_startup_delay 5000",
        "",
    ),
    agree(
        "vrrp_startup_delay not a number",
        false,
        "vrrp_startup_delay abc",
        "",
    ),
    agree(
        "vrrp_startup_delay without a value",
        false,
        "vrrp_startup_delay",
        "",
    ),
    Case {
        name: "vrrp_delay_after_boot: new in 2.4 (2.2.7: unknown keyword)",
        global: "vrrp_delay_after_boot 100",
        instance: "",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
    },
    Case {
        name: "both delays",
        global: "vrrp_startup_delay 5\n vrrp_delay_after_boot 100",
        instance: "",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
    },
    Case {
        name: "vrrp_delay_after_boot not a number",
        global: "vrrp_delay_after_boot x",
        instance: "",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
    },
    agree(
        "vrrp_down_timer_adverts",
        true,
        "vrrp_down_timer_adverts 5",
        "",
    ),
    agree(
        "vrrp_down_timer_adverts 0",
        false,
        "vrrp_down_timer_adverts 0",
        "",
    ),
    agree(
        "vrrp_down_timer_adverts 101",
        false,
        "vrrp_down_timer_adverts 101",
        "",
    ),
    agree(
        "vrrp_down_timer_adverts x",
        false,
        "vrrp_down_timer_adverts x",
        "",
    ),
    agree("down_timer_adverts", true, "", "down_timer_adverts 1"),
    agree("down_timer_adverts 100", true, "", "down_timer_adverts 100"),
    agree("down_timer_adverts 0", false, "", "down_timer_adverts 0"),
    // keepalived -t reports it (and runs with 3); we run with 3 and warn there.
    Case {
        name: "down_timer_adverts in strict mode",
        global: "vrrp_strict",
        instance: "down_timer_adverts 5",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
    },
    agree(
        "vrrp_notify_priority_changes",
        true,
        "vrrp_notify_priority_changes",
        "",
    ),
    agree(
        "vrrp_notify_priority_changes off",
        true,
        "vrrp_notify_priority_changes off",
        "",
    ),
    agree(
        "vrrp_notify_priority_changes bogus",
        false,
        "vrrp_notify_priority_changes bogus",
        "",
    ),
    agree(
        "notify_priority_changes",
        true,
        "",
        "notify_priority_changes",
    ),
    agree(
        "notify_priority_changes yes",
        true,
        "",
        "notify_priority_changes yes",
    ),
    agree(
        "notify_priority_changes bogus",
        false,
        "",
        "notify_priority_changes bogus",
    ),
    agree(
        "old_unicast_checksum",
        true,
        "",
        "unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n old_unicast_checksum",
    ),
    agree(
        "old_unicast_checksum never",
        true,
        "",
        "unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n old_unicast_checksum never",
    ),
    agree(
        "old_unicast_checksum bogus",
        false,
        "",
        "unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n old_unicast_checksum bogus",
    ),
    Case {
        name: "old_unicast_checksum without peers: multicast, warned (keepalived -t reports it)",
        global: "",
        instance: "old_unicast_checksum",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
    },
    agree("log_unknown_vrids", true, "log_unknown_vrids", ""),
    Case {
        name: "vrrp_owner_ignore_adverts: new in 2.4",
        global: "vrrp_owner_ignore_adverts",
        instance: "",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
    },
    Case {
        name: "owner_ignore_adverts on an owner",
        global: "",
        instance: "priority 255\n owner_ignore_adverts",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
    },
    // keepalived reports it (and runs without); we warn there.
    Case {
        name: "owner_ignore_adverts on a non-owner",
        global: "",
        instance: "owner_ignore_adverts",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
    },
    Case {
        name: "owner_ignore_adverts bogus",
        global: "",
        instance: "priority 255\n owner_ignore_adverts bogus",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
    },
    agree(
        "unicast_fault_no_peer without peers: Fault",
        true,
        "",
        "unicast_fault_no_peer",
    ),
    agree(
        "unicast_fault_no_peer with peers",
        true,
        "",
        "unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n unicast_fault_no_peer",
    ),
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_timing");
    for (n, case) in CASES.iter().enumerate() {
        let body = format!(
            "global_defs {{\n dynamic_interfaces\n {}\n}}\nvrrp_instance V {{\n interface ens192\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n {}\n}}\n",
            case.global, case.instance
        );
        let path = parity.file(n, &body);
        let ours = load(&path);
        if ours.is_ok() != case.we_accept {
            parity.wrong.push(format!(
                "{}: we accept={} (expected {}): {:?}",
                case.name,
                ours.is_ok(),
                case.we_accept,
                ours.as_ref()
                    .map(|l| &l.warnings)
                    .map_err(ToString::to_string)
            ));
        }
        let expected = by_version(case.keepalived_227, case.keepalived_243);
        for verdict in parity.check(case.name, &path, expected) {
            // 2.2.7's "Unknown keyword" for what 2.4 added is not ours to warn.
            if let (Ok(loaded), false) = (&ours, verdict.output.contains("Unknown keyword")) {
                parity.warned_on(case.name, &verdict, &loaded.warnings);
            }
        }
    }
    parity.finish();
}

#[test]
fn startup_delays_are_read_as_keepalived_keeps_them() {
    let dir = std::env::temp_dir().join(format!("config_timing_read_{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k.conf");
    fs::write(
        &path,
        "global_defs {\n vrrp_startup_delay 7.5\n vrrp_startup_delay 2\n vrrp_delay_after_boot 90\n}\n\
         vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    )
    .unwrap();
    let loaded = load(&path).unwrap();
    let global = &loaded.config.global;
    // The larger of two `vrrp_startup_delay`s, as keepalived keeps.
    assert_eq!(
        global.vrrp_startup_delay,
        Some(std::time::Duration::from_millis(7500))
    );
    assert_eq!(
        global.vrrp_delay_after_boot,
        Some(std::time::Duration::from_secs(90))
    );
    // Up for longer than 90 s: the startup delay is what is left.
    let spec = vrrp_keepalived::driver_config(&loaded.config).unwrap();
    assert_eq!(spec.start_delay, std::time::Duration::from_millis(7500));

    fs::write(&path, "global_defs {\n vrrp_startup_delay 0.0005\n}\n").unwrap();
    let error = load(&path).unwrap_err().to_string();
    assert!(error.contains("k.conf:2:21"), "{error}");
    let _ = fs::remove_dir_all(&dir);
}

/// The instance's value, else the global one, else the RFC's 3; strict
/// mode puts 3 back with a warning where the other value was written.
#[test]
fn down_timer_adverts_reach_the_core() {
    use vrrp_keepalived::conf::{parse_str, vrrp_config};
    let text = |global: &str, instance: &str| {
        format!(
            "global_defs {{\n {global}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        )
    };
    let adverts = |global: &str, instance: &str| {
        let loaded = parse_str(&text(global, instance), "d.conf").unwrap();
        let inst = &loaded.config.instances[0];
        (
            vrrp_config(&loaded.config, inst).down_timer_adverts,
            loaded.warnings,
        )
    };
    assert_eq!(adverts("", "").0, 3);
    assert_eq!(adverts("vrrp_down_timer_adverts 5", "").0, 5);
    assert_eq!(
        adverts("vrrp_down_timer_adverts 5", "down_timer_adverts 1").0,
        1
    );
    let (n, warnings) = adverts("vrrp_strict", "down_timer_adverts 7");
    assert_eq!(n, 3);
    assert!(
        warnings
            .iter()
            .any(|w| w.at.line == 8 && w.message.contains("down_timer_adverts")),
        "{warnings:?}"
    );
    let (n, warnings) = adverts("vrrp_strict\n vrrp_down_timer_adverts 7", "");
    assert_eq!(n, 3);
    assert!(warnings.iter().any(|w| w.at.line == 3), "{warnings:?}");
    let error = parse_str(&text("", "down_timer_adverts 101"), "d.conf")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("d.conf:8:21"), "{error}");
}

/// The instance's `notify_priority_changes`, else its sync group's, else
/// the global one (keepalived 2.4.3, vrrp.c), reach the notifier.
#[test]
fn notify_priority_changes_precedence() {
    use vrrp_keepalived::conf::parse_str;
    let instance = |name: &str, vrid: u8, extra: &str| {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n \
             virtual_ipaddress {{ 192.0.2.{vrid} }}\n {extra}\n}}\n"
        )
    };
    let text = format!(
        "global_defs {{\n vrrp_notify_priority_changes\n}}\n{}{}{}{}\
         vrrp_sync_group G {{\n group {{ B C }}\n notify_priority_changes off\n}}\n",
        instance("A", 1, ""),
        instance("B", 2, ""),
        instance("C", 3, "notify_priority_changes on"),
        instance("D", 4, "notify_priority_changes off"),
    );
    let loaded = parse_str(&text, "n.conf").unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let spec = vrrp_keepalived::driver_config(&loaded.config).unwrap();
    let flags: Vec<bool> = spec
        .notify
        .instances
        .iter()
        .map(|s| s.priority_changes)
        .collect();
    assert_eq!(flags, [true, false, true, false]);
}

/// `old_unicast_checksum` reaches the core: bare, the old form; `never`,
/// the RFC's for good; unset, the RFC's until a peer uses the old form.
#[test]
fn old_unicast_checksum_reaches_the_core() {
    use vrrp_keepalived::conf::{parse_str, vrrp_config};
    let old = |line: &str| {
        let text = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n version 3\n \
             unicast_src_ip 192.0.2.1\n unicast_peer {{\n  192.0.2.2\n }}\n \
             virtual_ipaddress {{ 192.0.2.100 }}\n {line}\n}}\n"
        );
        let loaded = parse_str(&text, "u.conf").unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let config = vrrp_config(&loaded.config, &loaded.config.instances[0]);
        (
            config.old_unicast_checksum,
            config.learn_old_unicast_checksum,
        )
    };
    assert_eq!(old("old_unicast_checksum"), (true, false));
    assert_eq!(old("old_unicast_checksum never"), (false, false));
    assert_eq!(old(""), (false, true));
}

/// `owner_ignore_adverts` where it cannot do what it says is warned at
/// the keyword; on an owner it says what ours does, and is silent.
#[test]
fn owner_ignore_adverts_warnings() {
    use vrrp_keepalived::conf::parse_str;
    let warnings = |global: &str, instance: &str| {
        let text = format!(
            "global_defs {{\n {global}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        );
        let loaded = parse_str(&text, "o.conf").unwrap();
        loaded
            .warnings
            .iter()
            .map(|w| (w.at.line, w.message.clone()))
            .collect::<Vec<_>>()
    };
    assert!(warnings("", "priority 255\n owner_ignore_adverts").is_empty());
    assert!(warnings("vrrp_owner_ignore_adverts", "priority 255").is_empty());
    let non_owner = warnings("", "owner_ignore_adverts");
    assert!(
        non_owner
            .iter()
            .any(|(l, m)| *l == 8 && m.contains("not 255")),
        "{non_owner:?}"
    );
    let off = warnings("", "priority 255\n owner_ignore_adverts off");
    assert!(
        off.iter().any(|(l, m)| *l == 9 && m.contains("RFC 9568")),
        "{off:?}"
    );
    let global_off = warnings("vrrp_owner_ignore_adverts off", "priority 255");
    assert!(global_off.iter().any(|(l, _)| *l == 2), "{global_off:?}");
}

/// `unicast_fault_no_peer` without peers holds the instance in Fault
/// (warned at the keyword); with peers it changes nothing.
#[test]
fn unicast_fault_no_peer_reaches_the_driver() {
    use vrrp_keepalived::conf::parse_str;
    let spec = |lines: &str| {
        let text = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.100 }}\n {lines}\n}}\n"
        );
        let loaded = parse_str(&text, "f.conf").unwrap();
        let warned = loaded.warnings.iter().any(|w| w.message.contains("FAULT"));
        let spec = vrrp_keepalived::driver_config(&loaded.config).unwrap();
        (spec.instances[0].config_fault, warned)
    };
    assert_eq!(spec("unicast_fault_no_peer"), (true, true));
    assert_eq!(
        spec("unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n unicast_fault_no_peer"),
        (false, false)
    );
    assert_eq!(spec(""), (false, false));
}
