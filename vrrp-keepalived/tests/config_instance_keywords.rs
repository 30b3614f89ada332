//! Instance keywords of issue 13 that were once warned as unknown, against
//! keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3: each case states
//! keepalived's verdict (both versions agree on every one) and ours
//! (`daemon::prepare`), every line keepalived names carries a warning of
//! ours, and what we read reaches the core.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::daemon::{Options, Prepared, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

struct Case {
    name: &'static str,
    /// Lines of `global_defs` (after `dynamic_interfaces`).
    global: &'static str,
    /// Lines of the instance (after its interface and VRID).
    instance: &'static str,
    /// The instance has a `virtual_ipaddress`.
    vips: bool,
    /// 2.4.3's verdict (2.2.7's too, unless `new_in_2_4`).
    keepalived_accepts: bool,
    /// 2.2.7 calls the keyword unknown (and fails `-t`); we follow 2.4.3.
    new_in_2_4: bool,
    we_accept: bool,
    /// What we run, when we accept.
    effect: fn(&Prepared) -> bool,
}

/// Both versions know the keyword; keepalived and we agree.
const fn case(
    name: &'static str,
    global: &'static str,
    instance: &'static str,
    accepts: bool,
    effect: fn(&Prepared) -> bool,
) -> Case {
    Case {
        name,
        global,
        instance,
        vips: true,
        keepalived_accepts: accepts,
        new_in_2_4: false,
        we_accept: accepts,
        effect,
    }
}

/// An instance without VIPs and a keyword 2.4 added; `-t` of 2.4.3 gives
/// `accepts`, its daemon runs the file (we load it, warned unless accepted).
const fn no_vips(
    name: &'static str,
    global: &'static str,
    instance: &'static str,
    accepts: bool,
    effect: fn(&Prepared) -> bool,
) -> Case {
    Case {
        vips: false,
        new_in_2_4: true,
        we_accept: true,
        ..case(name, global, instance, accepts, effect)
    }
}

fn skips(prepared: &Prepared) -> bool {
    prepared.config.instances[0].vrrp.skip_check_from_master
}

fn checks(prepared: &Prepared) -> bool {
    !skips(prepared)
}

fn refused(_: &Prepared) -> bool {
    false
}

fn no_vip_allowed(prepared: &Prepared) -> bool {
    let vrrp = &prepared.config.instances[0].vrrp;
    vrrp.allow_no_addresses && vrrp.virtual_addresses.is_empty()
}

fn no_vip_not_allowed(prepared: &Prepared) -> bool {
    !prepared.config.instances[0].vrrp.allow_no_addresses
}

const CASES: &[Case] = &[
    case("no skip_check_adv_addr", "", "", true, checks),
    case(
        "skip_check_adv_addr",
        "",
        " skip_check_adv_addr",
        true,
        skips,
    ),
    case(
        "skip_check_adv_addr true",
        "",
        " skip_check_adv_addr true",
        true,
        skips,
    ),
    // keepalived 2.2.7 and 2.4.3 set the flag for any valid BOOL, `false`
    // too (vrrp_parser.c); we read the value (README: different).
    case(
        "skip_check_adv_addr false",
        "",
        " skip_check_adv_addr false",
        true,
        checks,
    ),
    case(
        "skip_check_adv_addr with a bad BOOL",
        "",
        " skip_check_adv_addr maybe",
        false,
        refused,
    ),
    case(
        "vrrp_skip_check_adv_addr is the default",
        " vrrp_skip_check_adv_addr",
        "",
        true,
        skips,
    ),
    // Without VIPs: a warning (v2), a refusal (v3), unless
    // no_virtual_ipaddress.
    no_vips("no VIP, VRRPv2", "", "", false, no_vip_not_allowed),
    no_vips(
        "no VIP, VRRPv2, no_virtual_ipaddress",
        "",
        " no_virtual_ipaddress",
        true,
        no_vip_allowed,
    ),
    no_vips(
        "no VIP, VRRPv3, no_virtual_ipaddress",
        "",
        " version 3\n no_virtual_ipaddress",
        true,
        no_vip_allowed,
    ),
    Case {
        we_accept: false,
        ..no_vips("no VIP, VRRPv3", "", " version 3", false, refused)
    },
    Case {
        we_accept: false,
        ..no_vips(
            "no VIP, strict mode clears no_virtual_ipaddress",
            " vrrp_strict",
            " no_virtual_ipaddress",
            false,
            refused,
        )
    },
    Case {
        vips: true,
        ..no_vips(
            "VIPs, strict mode clears no_virtual_ipaddress with a warning",
            " vrrp_strict",
            " no_virtual_ipaddress",
            false,
            no_vip_not_allowed,
        )
    },
    Case {
        new_in_2_4: true,
        ..case(
            "VIPs and no_virtual_ipaddress",
            "",
            " no_virtual_ipaddress",
            true,
            no_vip_not_needed,
        )
    },
    case(
        "notify_deleted",
        "",
        " notify_deleted",
        true,
        deleted_flag_only,
    ),
    case(
        "notify_deleted SCRIPT",
        " enable_script_security\n script_user root",
        " notify_deleted /bin/true",
        true,
        deleted_script,
    ),
    // keepalived keeps the first, with an error that fails `-t`: we warn.
    Case {
        we_accept: true,
        ..case(
            "notify_deleted twice",
            "",
            " notify_deleted\n notify_deleted /bin/true",
            false,
            deleted_flag_only,
        )
    },
];

fn deleted_flag_only(prepared: &Prepared) -> bool {
    let notify = &prepared.config.notify.instances[0];
    notify.notify_deleted && notify.deleted.is_none()
}

fn deleted_script(prepared: &Prepared) -> bool {
    let notify = &prepared.config.notify.instances[0];
    notify.notify_deleted
        && notify
            .deleted
            .as_ref()
            .is_some_and(|c| c.command == "/bin/true")
}

/// With VIPs the flag changes nothing that runs.
fn no_vip_not_needed(prepared: &Prepared) -> bool {
    prepared.config.instances[0].vrrp.virtual_addresses.len() == 1
}

/// The case's file: interface names need not exist (`dynamic_interfaces`).
fn file(case: &Case) -> String {
    let vips = if case.vips {
        " virtual_ipaddress {\n  192.0.2.1/24\n }\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n dynamic_interfaces\n{}\n}}\nvrrp_instance V {{\n interface ens1\n \
         virtual_router_id 1\n{vips}{}\n}}\n",
        case.global, case.instance
    )
}

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_instance_keywords");
    for (n, case) in CASES.iter().enumerate() {
        let path = parity.file(n, &file(case));
        let ours = prepare(&path, &Options::default());
        let warnings: Vec<_> = ours
            .as_ref()
            .map(|p| p.warnings.iter().chain(&p.host).cloned().collect())
            .unwrap_or_default();
        match &ours {
            Ok(prepared) if !case.we_accept || !(case.effect)(prepared) => {
                parity.wrong.push(format!(
                    "{}: accepted, wrong effect: {warnings:?}",
                    case.name
                ));
            }
            Err(error) if case.we_accept => {
                parity
                    .wrong
                    .push(format!("{}: refused: {error}", case.name));
            }
            _ => {}
        }
        let old = |version: &str| case.new_in_2_4 && version.starts_with("2.2");
        let verdicts = parity.check(case.name, &path, |v| case.keepalived_accepts && !old(v));
        for verdict in verdicts {
            if ours.is_err() || old(&verdict.version) {
                continue;
            }
            parity.warned_on(case.name, &verdict, &warnings);
            // Accepted by keepalived: silent in ours (the host's missing
            // interface aside, which `dynamic_interfaces` allows); not
            // accepted: warned.
            let said = ours.as_ref().map(|p| p.warnings.len()).unwrap_or(0);
            if verdict.accepts == (said > 0) {
                parity.wrong.push(format!(
                    "{} ({}): keepalived accepts={}, our warnings: {warnings:?}\n{}",
                    case.name, verdict.version, verdict.accepts, verdict.output
                ));
            }
        }
    }
    parity.finish();
}
