//! `interface_up_down_delays` against keepalived's own `-t`, 2.2.7
//! (Debian's) and 2.4.3, which agree on each case: a delay that is not
//! 0..255 seconds with at most six decimals is refused on its line, an
//! interface this host lacks too (unless `dynamic_interfaces`); an entry
//! without delays, or with more than two, is run (keepalived only logs
//! it; we warn). What reaches the driver is checked below; the effect, in
//! the lab (`tests/lab_link_delays.rs`).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use std::time::Duration;

use vrrp_keepalived::conf::{Severity, parse_str};
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, host_interface_or_skip};

/// An entry of the block (`IFACE`: an interface of this host), whether
/// keepalived (both versions) and we run the file, and whether we warn
/// on the entry's line (3): no delays, too many, or a down delay cut to
/// the instance's 1.996094 s.
const CASES: &[(&str, bool, bool)] = &[
    ("IFACE 2", true, true),
    ("IFACE 1 0.5", true, false),
    ("IFACE 0", true, false),
    ("IFACE 255", true, true),
    ("IFACE 254.999999 255.000000", true, true),
    ("IFACE +1", true, false),
    ("IFACE 1.", true, false),
    ("IFACE .5", true, false),
    ("IFACE", true, true),
    ("IFACE 1 2 3", true, true),
    ("IFACE 256", false, false),
    ("IFACE 255.000001", false, false),
    ("IFACE 1 256", false, false),
    ("IFACE -1", false, false),
    ("IFACE 1 -1", false, false),
    ("IFACE abc", false, false),
    ("IFACE 1 abc", false, false),
    ("IFACE 0x1", false, false),
    ("IFACE 1e1", false, false),
    ("IFACE 0.0000001", false, false),
    ("ud13-none0 1", false, false),
];

/// The file: `dynamic` sets `dynamic_interfaces`; the entry on line 3.
fn file(iface: &str, entry: &str, dynamic: bool) -> String {
    let global = if dynamic { "dynamic_interfaces" } else { "" };
    format!(
        "# link delays\ninterface_up_down_delays {{\n {}\n}}\nglobal_defs {{\n {global}\n}}\n\
         vrrp_instance V {{\n interface {iface}\n virtual_router_id 1\n \
         virtual_ipaddress {{ 192.0.2.1 }}\n}}\n",
        entry.replace("IFACE", iface)
    )
}

#[test]
fn keepalived_and_we_agree() {
    let Some(iface) = host_interface_or_skip() else {
        return;
    };
    let mut parity = Parity::new("config_link_delays");
    let dynamic_case = [("ud13-none0 1", true, true)];
    for (n, &(entry, accepted, warns)) in CASES.iter().chain(&dynamic_case).enumerate() {
        let dynamic = n == CASES.len();
        let path = parity.file(n, &file(&iface, entry, dynamic));
        let case = format!("{entry:?} (dynamic_interfaces: {dynamic})");
        let ours = prepare(&path, &Options::default());
        let said: Vec<u32> = match &ours {
            Ok(p) => (p.warnings.iter().chain(&p.host))
                .filter(|w| w.severity == Severity::Warning)
                .map(|w| w.at.line)
                .collect(),
            Err(_) => vec![3],
        };
        if ours.is_ok() != accepted || (ours.is_ok() && said.contains(&3) != warns) {
            parity.wrong.push(format!("{case}: ours {ours:?}"));
            continue;
        }
        if let Err(error) = &ours {
            if !error.to_string().contains(":3:") {
                parity
                    .wrong
                    .push(format!("{case}: not on its line: {error}"));
            }
        }
        for verdict in &parity.check(&case, &path, |_| accepted) {
            parity.lines_covered(&case, verdict, |line| said.contains(&line), &said);
        }
    }
    parity.finish();
}

/// The driver's delays: as written, cut to what the instance's advert
/// interval allows (keepalived's `check_debounce_timers`), the VMAC's
/// inherited from its parent.
#[test]
fn the_driver_gets_the_delays_cut_as_keepalived_cuts_them() {
    let delays = |block: &str, instance: &str| {
        let text = format!(
            "interface_up_down_delays {{\n{block}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        );
        let loaded = parse_str(&text, "l.conf").unwrap();
        let spec = vrrp_keepalived::driver_config(&loaded.config).unwrap();
        let got: Vec<(String, Duration, Duration)> = spec
            .link_delays
            .into_iter()
            .map(|d| (d.interface, d.down, d.up))
            .collect();
        (got, loaded.warnings)
    };
    let ms = Duration::from_millis;
    let us = Duration::from_micros;
    let (got, warnings) = delays(" eth0 1.5 0.25\n eth1 3", "");
    assert_eq!(
        got,
        [
            ("eth0".into(), ms(1500), ms(250)),
            ("eth1".into(), ms(3000), Duration::ZERO)
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    // 2 × 1 s - 1 s / 256, in keepalived's whole microseconds.
    let (got, warnings) = delays(" eth0 2", "");
    assert_eq!(got, [("eth0".into(), us(1_996_094), Duration::ZERO)]);
    assert!(
        warnings
            .iter()
            .any(|w| w.at.line == 2 && w.message.contains("cut to")),
        "{warnings:?}"
    );
    let (got, _) = delays(" eth0 2", "advert_int 2");
    assert_eq!(got, [("eth0".into(), ms(2000), Duration::ZERO)]);
    let (got, _) = delays(" eth0 5 5", "down_timer_adverts 7");
    assert_eq!(got, [("eth0".into(), ms(5000), ms(5000))]);
    let (got, warnings) = delays(" eth0 1 1", "down_timer_adverts 1");
    assert_eq!(got, [("eth0".into(), Duration::ZERO, Duration::ZERO)]);
    assert!(warnings.iter().any(|w| w.at.line == 2), "{warnings:?}");
    let (got, _) = delays(" eth0 1 0.5", "use_vmac ud13v");
    assert_eq!(
        got,
        [
            ("eth0".into(), ms(1000), ms(500)),
            ("ud13v".into(), ms(1000), ms(500))
        ]
    );
}
