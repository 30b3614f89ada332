//! Socket and interface keywords (`kernel_rx_buf_size`,
//! `vrrp_rx_bufs_policy`, `vrrp_rx_bufs_multiplier`,
//! `vrrp_netlink_*_rcv_bufs[_force]`, `promote_secondaries`,
//! `nftables_priority`, `nftables_counters`, `nftables_ifindex`,
//! `disable_local_igmp`, `linkbeat_use_polling`, `linkbeat_interfaces`)
//! against
//! keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3: both versions give
//! the verdict each case states, and we give it too, except where
//! keepalived's `-t` reports what its daemon then runs without: we run
//! it, with a warning that says so. Where a version and we both load a
//! file, every line it names has a warning of ours.
//!
//! Without the `keepalived` binary only our side runs and the comparison
//! says SKIPPED (under CI it fails).

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, by_version, host_interface_or_skip};

/// A file: `global` in global_defs, `instance` in the instance (`top`
/// before it, at the top level, with `eth0` replaced by an interface of
/// this host), whether
/// keepalived (both versions) loads it; `reported`: keepalived's `-t`
/// fails it but its daemon runs, without what the warning of ours
/// containing this names.
struct Case {
    /// The whole file instead, `IFACE` replaced by an interface of this
    /// host.
    file: &'static str,
    top: &'static str,
    global: &'static str,
    instance: &'static str,
    accepted: bool,
    reported: Option<&'static str>,
}

const fn case(accepted: bool, global: &'static str, instance: &'static str) -> Case {
    Case {
        file: "",
        top: "",
        global,
        instance,
        accepted,
        reported: None,
    }
}

const fn reported(warning: &'static str, global: &'static str, instance: &'static str) -> Case {
    Case {
        file: "",
        top: "",
        global,
        instance,
        accepted: false,
        reported: Some(warning),
    }
}

/// A top-level statement; `dynamic`: with `dynamic_interfaces`.
const fn top(accepted: bool, top: &'static str, dynamic: bool) -> Case {
    Case {
        file: "",
        top,
        global: if dynamic { "dynamic_interfaces" } else { "" },
        instance: "",
        accepted,
        reported: None,
    }
}

/// A whole file (`IFACE`: an interface of this host).
const fn whole(accepted: bool, reported: Option<&'static str>, file: &'static str) -> Case {
    Case {
        file,
        top: "",
        global: "",
        instance: "",
        accepted,
        reported,
    }
}

/// A unicast instance's lines after `vrrp_instance V {`.
macro_rules! unicast {
    ($lines:literal) => {
        concat!(
            "vrrp_instance V {\n",
            $lines,
            "\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n \
             virtual_ipaddress {\n  192.0.2.10/24 dev IFACE\n }\n}\n"
        )
    };
}

const CASES: &[Case] = &[
    case(true, "", "kernel_rx_buf_size 65536"),
    case(true, "", "kernel_rx_buf_size 0"),
    case(true, "", "kernel_rx_buf_size 4294967295"),
    case(false, "", "kernel_rx_buf_size 4294967296"),
    case(false, "", "kernel_rx_buf_size -1"),
    case(false, "", "kernel_rx_buf_size abc"),
    case(false, "", "kernel_rx_buf_size"),
    case(false, "", "kernel_rx_buf_size 1 2"),
    case(true, "vrrp_rx_bufs_policy MTU", ""),
    case(true, "vrrp_rx_bufs_policy mtu", "kernel_rx_buf_size 9000"),
    case(true, "vrrp_rx_bufs_policy ADVERT", ""),
    case(true, "vrrp_rx_bufs_policy 200000", ""),
    case(true, "vrrp_rx_bufs_policy MTU MTU", ""),
    case(false, "vrrp_rx_bufs_policy", ""),
    case(false, "vrrp_rx_bufs_policy MTU ADVERT", ""),
    case(false, "vrrp_rx_bufs_policy 1000 MTU", ""),
    case(
        false,
        "vrrp_rx_bufs_policy MTU\n vrrp_rx_bufs_policy ADVERT",
        "",
    ),
    case(
        false,
        "vrrp_rx_bufs_policy 1000\n vrrp_rx_bufs_policy ADVERT",
        "",
    ),
    case(false, "vrrp_rx_bufs_policy lots", ""),
    case(true, "vrrp_rx_bufs_multiplier 4", ""),
    case(true, "vrrp_rx_bufs_multiplier 4294967295", ""),
    case(false, "vrrp_rx_bufs_multiplier 0", ""),
    case(false, "vrrp_rx_bufs_multiplier", ""),
    case(false, "vrrp_rx_bufs_multiplier 2 3", ""),
    case(false, "vrrp_rx_bufs_multiplier x", ""),
    case(true, "vrrp_netlink_cmd_rcv_bufs 1048576", ""),
    case(true, "vrrp_netlink_monitor_rcv_bufs 1048576", ""),
    case(true, "vrrp_netlink_monitor_rcv_bufs 0", ""),
    case(false, "vrrp_netlink_cmd_rcv_bufs", ""),
    case(false, "vrrp_netlink_cmd_rcv_bufs x", ""),
    case(false, "vrrp_netlink_monitor_rcv_bufs 4294967296", ""),
    case(true, "vrrp_netlink_cmd_rcv_bufs_force", ""),
    case(true, "vrrp_netlink_monitor_rcv_bufs_force", ""),
    case(true, "vrrp_netlink_monitor_rcv_bufs_force off", ""),
    case(true, "vrrp_netlink_cmd_rcv_bufs_force yes", ""),
    case(false, "vrrp_netlink_monitor_rcv_bufs_force maybe", ""),
    case(false, "vrrp_netlink_cmd_rcv_bufs_force 2", ""),
    case(true, "nftables_priority -5", "no_accept"),
    case(true, "nftables_priority -2147483648", ""),
    case(true, "nftables_priority 2147483647", ""),
    case(true, "nftables_priority 1 2", ""),
    case(true, "nftables_priority 10\n nftables", ""),
    case(false, "nftables_priority 2147483648", ""),
    case(false, "nftables_priority abc", ""),
    case(false, "nftables_priority", ""),
    case(true, "nftables_counters", "no_accept"),
    case(true, "nftables_counters off", ""),
    case(true, "nftables_ifindex", ""),
    case(true, "nftables_ifindex x", ""),
    // As root (the tests' user), the sysctl is writable.
    case(true, "disable_local_igmp", ""),
    case(true, "disable_local_igmp x", ""),
    reported("linkbeat_use_polling", "", "linkbeat_use_polling"),
    top(true, "linkbeat_use_polling", false),
    top(true, "linkbeat_use_polling x", false),
    top(true, "linkbeat_interfaces {\n eth0\n}", false),
    top(
        true,
        "linkbeat_interfaces {\n eth0 MII\n eth0 ETHTOOL\n eth0 IOCTL\n}",
        false,
    ),
    top(false, "linkbeat_interfaces {\n no-such-if0\n}", false),
    top(true, "linkbeat_interfaces {\n no-such-if0\n}", true),
    Case {
        reported: Some("extra characters FOO in linkbeat interface"),
        ..top(false, "linkbeat_interfaces {\n eth0 FOO\n}", false)
    },
    Case {
        reported: Some("extra characters MII in linkbeat interface"),
        ..top(false, "linkbeat_interfaces {\n eth0 MII x\n}", false)
    },
    reported("cannot specify VRF interface and interface", "", "vrf blue"),
    reported("too long", "", "vrf aaaaaaaaaaaaaaaaaaaa"),
    case(false, "", "vrf"),
    // vrf before interface: keepalived finds the device missing, then
    // clears the VRF beside the interface.
    whole(
        false,
        Some("vrf can only be specified without interface"),
        unicast!(" vrf blue\n interface IFACE"),
    ),
    whole(
        false,
        Some("VRF interface blue doesn't exist"),
        unicast!(" vrf blue\n interface IFACE"),
    ),
    whole(
        false,
        Some("is a loopback interface"),
        unicast!(" vrf lo\n interface IFACE"),
    ),
    // What keepalived binds to a VRF needs no interface: refused here.
    whole(false, None, unicast!(" vrf blue")),
    case(true, "", "promote_secondaries"),
    // keepalived reads no argument: on whatever follows (ours: warned).
    case(true, "", "promote_secondaries off"),
    case(false, "", "promote_secondaries {\n }"),
    reported(
        "promote_secondaries is automatically set for VMACs",
        "",
        "promote_secondaries\n use_vmac",
    ),
    reported(
        "promote_secondaries is automatically set for VMACs",
        "",
        "use_vmac\n promote_secondaries",
    ),
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_socket_keywords");
    let disagreements = &mut Vec::new();
    // The top-level cases name an interface of this host, without
    // `dynamic_interfaces` unless the case sets it; the others a missing
    // one, with it.
    let Some(iface) = host_interface_or_skip() else {
        return;
    };
    for (n, case) in CASES.iter().enumerate() {
        let body = if !case.file.is_empty() {
            case.file.replace("IFACE", &iface)
        } else if case.top.is_empty() {
            format!(
                "global_defs {{\n dynamic_interfaces\n {}\n}}\nvrrp_instance V {{\n \
                 interface ens192\n virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n \
                 {}\n}}\n",
                case.global, case.instance
            )
        } else {
            format!(
                "{}\nglobal_defs {{\n {}\n}}\nvrrp_instance V {{\n interface {iface}\n \
                 virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n}}\n",
                case.top.replace("eth0", &iface),
                case.global
            )
        };
        let path = parity.file(n, &body);
        let name = format!(
            "{:?} / {:?} / {:?} / {:?}",
            case.file, case.top, case.global, case.instance
        );
        // As our -t: the file, then the host checks.
        let ours = load(&path).and_then(|mut loaded| {
            let found = vrrp_keepalived::host::check(&mut loaded.config)?;
            loaded.warnings.extend(found);
            Ok(loaded)
        });
        let we_accept = case.accepted || case.reported.is_some();
        let warned = |text: &str| {
            ours.as_ref()
                .is_ok_and(|l| l.warnings.iter().any(|w| w.message.contains(text)))
        };
        if ours.is_ok() != we_accept || case.reported.is_some_and(|text| !warned(text)) {
            disagreements.push(format!(
                "{name}: we accept={} (expected {we_accept}, warning {:?}): {:?}",
                ours.is_ok(),
                case.reported,
                ours.as_ref()
                    .map(|l| &l.warnings)
                    .map_err(ToString::to_string)
            ));
        }
        for verdict in parity.check(&name, &path, |_| case.accepted) {
            if let Ok(loaded) = &ours {
                parity.warned_on(&name, &verdict, &loaded.warnings);
            }
        }
    }
    parity.wrong.append(disagreements);
    parity.finish();
}

/// `promote_secondaries` reaches the driver's spec, except on a VMAC's
/// instance (the VMAC has it anyway).
#[test]
fn promote_secondaries_reaches_the_driver() {
    use vrrp_keepalived::conf::parse_str;
    let promotes = |instance: &str| {
        let text = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        );
        let loaded = parse_str(&text, "p.conf").unwrap();
        let spec = vrrp_keepalived::driver_config(&loaded.config).unwrap();
        (spec.instances[0].promote_secondaries, loaded.warnings)
    };
    assert!(!promotes("").0);
    let (on, warnings) = promotes("promote_secondaries");
    assert!(on && warnings.is_empty(), "{warnings:?}");
    let (on, warnings) = promotes("promote_secondaries off");
    assert!(on, "keepalived reads no argument");
    assert!(warnings.iter().any(|w| w.at.line == 5), "{warnings:?}");
    let (on, warnings) = promotes("use_vmac\n promote_secondaries");
    assert!(!on);
    assert!(
        warnings
            .iter()
            .any(|w| w.at.line == 6 && w.message.contains("automatically set for VMACs")),
        "{warnings:?}"
    );
}

/// `nftables_priority` and `nftables_counters` reach the driver's chains;
/// a later `nftables` line sets the priority back to -1, as keepalived's
/// does.
#[test]
fn nftables_chain_options_reach_the_driver() {
    use vrrp_io_linux::firewall::ChainOptions;
    use vrrp_keepalived::conf::parse_str;
    let chains = |global: &str| {
        let text = format!(
            "global_defs {{\n {global}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n}}\n"
        );
        let loaded = parse_str(&text, "n.conf").unwrap();
        vrrp_keepalived::driver_config(&loaded.config)
            .unwrap()
            .nft_chains
    };
    assert_eq!(chains(""), ChainOptions::default());
    assert_eq!(
        ChainOptions::default(),
        ChainOptions {
            priority: -1,
            counters: false
        }
    );
    assert_eq!(
        chains("nftables_priority -5\n nftables_counters"),
        ChainOptions {
            priority: -5,
            counters: true
        }
    );
    assert_eq!(chains("nftables_priority -5\n nftables").priority, -1);
    assert_eq!(chains("nftables\n nftables_priority 7").priority, 7);
}

/// `disable_local_igmp` reaches the driver.
#[test]
fn disable_local_igmp_reaches_the_driver() {
    use vrrp_keepalived::conf::parse_str;
    let disabled = |global: &str| {
        let text = format!(
            "global_defs {{\n {global}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n}}\n"
        );
        let loaded = parse_str(&text, "i.conf").unwrap();
        vrrp_keepalived::driver_config(&loaded.config)
            .unwrap()
            .disable_local_igmp
    };
    assert!(!disabled(""));
    assert!(disabled("disable_local_igmp"));
}

/// The one `vrf` keepalived acts on, a unicast instance without
/// `interface` bound to an existing device, runs in keepalived 2.4.3
/// (2.2.7: "Unknown interface!"); this daemon runs such an instance
/// unbound but binds to no VRF: refused, saying why, at the `vrf` line.
#[test]
fn a_vrf_instance_without_interface_is_refused_saying_why() {
    let Some(iface) = host_interface_or_skip() else {
        return;
    };
    let mut parity = Parity::new("config_vrf");
    let path = parity.file(0, &unicast!(" vrf IFACE").replace("IFACE", &iface));
    let error = load(&path).unwrap_err().to_string();
    assert!(error.contains("case0.conf:2:6"), "{error}");
    assert!(error.contains("this daemon binds to no VRF"), "{error}");
    parity.check("vrf", &path, by_version(false, true));
    parity.finish();
}
