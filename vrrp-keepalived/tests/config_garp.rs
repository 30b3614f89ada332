//! The gratuitous ARP / NA family of issue 13 (`garp_group` and its
//! keywords, `vrrp_garp_interval`, `vrrp_gna_interval`, `garp_extra_if`,
//! `vrrp_garp_extra_if`, their deprecated names, `vrrp_min_garp`) against
//! keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3: both versions give
//! the verdict each case states (they agree on every one), and our `-t`
//! (`daemon::prepare` with the host checks) gives ours. Where keepalived's
//! `-t` reports a line yet its daemon runs the file without it, we load
//! with a warning on that line.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, host_interface};

/// Stand for interfaces: `ens1` and `ens2` under `dynamic_interfaces`,
/// else both a non-loopback interface of this host.
const IF: [&str; 2] = ["IF0", "IF1"];

struct Case {
    name: &'static str,
    /// `dynamic_interfaces` set (interfaces need not exist).
    dynamic: bool,
    /// Lines of `global_defs`.
    global: &'static str,
    /// Top-level lines before the instance.
    top: &'static str,
    /// Lines of the instance.
    instance: &'static str,
    keepalived_accepts: bool,
    we_accept: bool,
}

/// keepalived and we agree.
const fn agree(name: &'static str, accepts: bool, global: &'static str, top: &'static str) -> Case {
    Case {
        name,
        dynamic: true,
        global,
        top,
        instance: "",
        keepalived_accepts: accepts,
        we_accept: accepts,
    }
}

/// keepalived's `-t` fails, its daemon runs without the line: we warn.
const fn warned(name: &'static str, global: &'static str, top: &'static str) -> Case {
    Case {
        keepalived_accepts: false,
        we_accept: true,
        ..agree(name, false, global, top)
    }
}

/// An instance keyword; keepalived and we agree.
const fn instance(name: &'static str, accepts: bool, line: &'static str) -> Case {
    Case {
        instance: line,
        ..agree(name, accepts, "", "")
    }
}

const CASES: &[Case] = &[
    agree(
        "garp_group on one interface",
        true,
        "",
        "garp_group {\n garp_interval 0.01\n gna_interval 0.02\n interface IF0\n}",
    ),
    agree(
        "garp_group over several interfaces, several on a line",
        true,
        "",
        "garp_group {\n gna_interval 0.5\n interfaces {\n  ens2 ens3\n  ens4\n }\n}",
    ),
    agree(
        "zero intervals",
        true,
        "",
        "garp_group {\n garp_interval 0\n gna_interval 0\n interface IF0\n}",
    ),
    agree(
        "a very large interval is only logged",
        true,
        "",
        "garp_group {\n garp_interval 2\n interface IF0\n}",
    ),
    warned(
        "a group without any interval is removed",
        "",
        "garp_group {\n interface IF0\n}",
    ),
    agree(
        "an interval that is no number",
        false,
        "",
        "garp_group {\n garp_interval abc\n interface IF0\n}",
    ),
    agree(
        "an interval finer than a microsecond",
        false,
        "",
        "garp_group {\n gna_interval 0.0000001\n interface IF0\n}",
    ),
    agree(
        "an interval past UINT_MAX microseconds",
        false,
        "",
        "garp_group {\n garp_interval 4294.967296\n interface IF0\n}",
    ),
    warned(
        "an unknown keyword in garp_group",
        "",
        "garp_group {\n garp_interval 0.01\n garp_spacing 1\n interface IF0\n}",
    ),
    warned(
        "an interface in two groups",
        "",
        "garp_group {\n garp_interval 0.01\n interface IF0\n}\n\
         garp_group {\n gna_interval 0.01\n interface IF0\n}",
    ),
    warned(
        "an empty interfaces block",
        "",
        "garp_group {\n garp_interval 0.01\n interfaces {\n }\n}",
    ),
    Case {
        name: "garp_group on an interface this host lacks",
        dynamic: false,
        global: "",
        top: "garp_group {\n garp_interval 0.01\n interface nosuch0\n}",
        instance: "",
        keepalived_accepts: false,
        we_accept: false,
    },
    Case {
        name: "garp_group on an interface this host has",
        dynamic: false,
        global: "",
        top: "garp_group {\n garp_interval 0.01\n interfaces {\n  IF0\n }\n}",
        instance: "",
        keepalived_accepts: true,
        we_accept: true,
    },
    agree(
        "global intervals",
        true,
        " vrrp_garp_interval 0.000001\n vrrp_gna_interval 4294.967295",
        "",
    ),
    agree("vrrp_garp_interval 0", false, " vrrp_garp_interval 0", ""),
    agree(
        "vrrp_gna_interval past UINT_MAX microseconds",
        false,
        " vrrp_gna_interval 4294.967296",
        "",
    ),
    agree(
        "vrrp_garp_extra_if, all before or after",
        true,
        " vrrp_garp_extra_if 60\n vrrp_garp_extra_if all 60\n vrrp_garp_extra_if 86400 all",
        "",
    ),
    agree(
        "vrrp_garp_extra_if without time",
        false,
        " vrrp_garp_extra_if all",
        "",
    ),
    agree("vrrp_garp_extra_if 0", false, " vrrp_garp_extra_if 0", ""),
    agree(
        "vrrp_garp_extra_if past a day",
        false,
        " vrrp_garp_extra_if 86401",
        "",
    ),
    agree(
        "vrrp_garp_extra_if not a number",
        false,
        " vrrp_garp_extra_if x",
        "",
    ),
    warned(
        "vrrp_vmac_garp_intvl is deprecated",
        " vrrp_vmac_garp_intvl all 60",
        "",
    ),
    agree(
        "vrrp_min_garp, bare, true and false",
        true,
        " vrrp_min_garp\n vrrp_min_garp true\n vrrp_min_garp false",
        "",
    ),
    agree("vrrp_min_garp maybe", false, " vrrp_min_garp maybe", ""),
    agree(
        "the vrrp_garp_master_* and lower_prio_* keywords",
        true,
        " vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 2\n vrrp_garp_master_refresh 60\n \
         vrrp_garp_master_refresh_repeat 2\n vrrp_garp_lower_prio_delay 0\n \
         vrrp_garp_lower_prio_repeat 0",
        "",
    ),
    agree(
        "vrrp_garp_master_delay fractional",
        false,
        " vrrp_garp_master_delay 1.5",
        "",
    ),
    agree(
        "vrrp_garp_master_refresh not a number",
        false,
        " vrrp_garp_master_refresh x",
        "",
    ),
    warned(
        "vrrp_garp_master_repeat 0 (keepalived: 1)",
        " vrrp_garp_master_repeat 0",
        "",
    ),
    warned(
        "vrrp_garp_master_refresh_repeat 0 (keepalived: 1)",
        " vrrp_garp_master_refresh_repeat 0",
        "",
    ),
    Case {
        keepalived_accepts: false,
        we_accept: true,
        ..instance(
            "garp_master_repeat 0 (keepalived: 1)",
            false,
            " garp_master_repeat 0",
        )
    },
    instance(
        "garp_lower_prio_repeat 0 and garp_master_refresh 0",
        true,
        " garp_lower_prio_repeat 0\n garp_master_refresh 0",
    ),
    instance("garp_extra_if", true, " garp_extra_if all 30"),
    instance("garp_extra_if 0 turns it off", true, " garp_extra_if 0"),
    instance("garp_extra_if without time", false, " garp_extra_if all"),
    instance("garp_extra_if past a day", false, " garp_extra_if 86401"),
    instance("garp_extra_if fractional", false, " garp_extra_if 1.5"),
    Case {
        keepalived_accepts: false,
        we_accept: true,
        ..instance(
            "vmac_garp_intvl is deprecated",
            false,
            " vmac_garp_intvl 60",
        )
    },
];

/// The case's file, on `interface` (`None`: made-up names).
fn file(case: &Case, interface: Option<&str>) -> String {
    let dynamic = if case.dynamic {
        " dynamic_interfaces\n"
    } else {
        ""
    };
    let text = format!(
        "global_defs {{\n{dynamic}{}\n}}\n{}\nvrrp_instance V {{\n interface IF0\n \
         virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n  198.18.0.1/24 dev IF1\n }}\n\
         {}\n}}\n",
        case.global, case.top, case.instance
    );
    match interface {
        Some(name) => text.replace(IF[0], name).replace(IF[1], name),
        None => text.replace(IF[0], "ens1").replace(IF[1], "ens2"),
    }
}

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_garp");
    let host = host_interface();
    for (n, case) in CASES.iter().enumerate() {
        let interface = match (case.dynamic, &host) {
            (true, _) => None,
            (false, Some(name)) => Some(name.as_str()),
            (false, None) => {
                eprintln!(
                    "NOTE: no non-loopback interface here: {} not compared",
                    case.name
                );
                continue;
            }
        };
        let path = parity.file(n, &file(case, interface));
        let ours = prepare(&path, &Options::default());
        let warnings: Vec<_> = ours
            .as_ref()
            .map(|p| p.warnings.iter().chain(&p.host).cloned().collect())
            .unwrap_or_default();
        let said = || match &ours {
            Ok(_) => format!("{warnings:?}"),
            Err(error) => error.to_string(),
        };
        if ours.is_ok() != case.we_accept {
            parity.wrong.push(format!(
                "{}: we accept={} (expected {}): {}",
                case.name,
                ours.is_ok(),
                case.we_accept,
                said()
            ));
        }
        for verdict in parity.check(case.name, &path, |_| case.keepalived_accepts) {
            if ours.is_ok() {
                parity.lines_covered(
                    case.name,
                    &verdict,
                    |line| warnings.iter().any(|w| w.at.line == line),
                    &said(),
                );
            }
        }
    }
    parity.finish();
}
