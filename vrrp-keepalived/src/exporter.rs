//! keepalived-exporter's metrics (github.com/mehdy/keepalived-exporter),
//! so dashboards made for keepalived work unchanged: the same names,
//! labels and values the exporter shows for keepalived in the same state.
//!
//! The exporter reads keepalived's dump files; its values are those of
//! [`dump`](crate::dump), rendered here from the same [`Snapshot`]:
//!
//! - per instance, labels `iname`, `intf` (the instance's interface as
//!   keepalived.data names it: `vrrp.51, vmac on eth0` with `use_vmac`) and
//!   `vrid`: the counters of `keepalived.stats` as `keepalived_*_total`,
//!   and `keepalived_gratuitous_arp_delay_total` (seconds);
//! - per virtual address, labels `iname`, `intf` (the address's
//!   interface: `vrrp.51@eth0` on a VMAC), `vrid` and `ip_address` (as keepalived prints it, the
//!   prefix only when not /32 or /128): `keepalived_vrrp_state`, or
//!   `keepalived_vrrp_excluded_state` for an excluded address, valued
//!   INIT 0, BACKUP 1, MASTER 2, FAULT 3. An instance without addresses
//!   has one `keepalived_vrrp_state` with an empty `ip_address`;
//! - per track script, label `name`: `keepalived_script_status` (BAD 0,
//!   GOOD 1) and `keepalived_script_state` (idle 0, running 1, ...);
//! - `keepalived_up`: 1 when the snapshot came, 0 when the driver did not
//!   answer ([`render_down`]).

use crate::dump::{interface_text, keepalived_counters, state_code, vip_address, vip_dev};
use crate::prometheus::Family;
use crate::snapshot::{InstanceStatus, Snapshot};

/// Each counter: the exporter's name and help, and keepalived's JSON name
/// of the value (see [`keepalived_counters`]).
const COUNTERS: [(&str, &str, &str); 14] = [
    (
        "keepalived_advertisements_received_total",
        "Advertisements received",
        "advert_rcvd",
    ),
    (
        "keepalived_advertisements_sent_total",
        "Advertisements sent",
        "advert_sent",
    ),
    (
        "keepalived_become_master_total",
        "Became master",
        "become_master",
    ),
    (
        "keepalived_release_master_total",
        "Released master",
        "release_master",
    ),
    (
        "keepalived_packet_length_errors_total",
        "Packet length errors",
        "packet_len_err",
    ),
    (
        "keepalived_advertisements_interval_errors_total",
        "Advertisement interval errors",
        "advert_interval_err",
    ),
    ("keepalived_ip_ttl_errors_total", "TTL errors", "ip_ttl_err"),
    (
        "keepalived_invalid_type_received_total",
        "Invalid type errors",
        "invalid_type_rcvd",
    ),
    (
        "keepalived_address_list_errors_total",
        "Address list errors",
        "addr_list_err",
    ),
    (
        "keepalived_authentication_invalid_total",
        "Authentication invalid",
        "invalid_authtype",
    ),
    (
        "keepalived_authentication_mismatch_total",
        "Authentication mismatch",
        "authtype_mismatch",
    ),
    (
        "keepalived_authentication_failure_total",
        "Authentication failure",
        "auth_failure",
    ),
    (
        "keepalived_priority_zero_received_total",
        "Priority zero received",
        "pri_zero_rcvd",
    ),
    (
        "keepalived_priority_zero_sent_total",
        "Priority zero sent",
        "pri_zero_sent",
    ),
];

/// `keepalived_up 0`: what the exporter shows when keepalived does not answer.
pub fn render_down() -> String {
    let mut out = String::new();
    Family::new(&mut out, "keepalived_up", "gauge", "Status").sample("keepalived_up", &[], 0);
    out
}

/// The exporter's metrics for `snapshot`.
pub fn render(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    Family::new(&mut out, "keepalived_up", "gauge", "Status").sample("keepalived_up", &[], 1);
    let instances = &snapshot.instances;
    let vrid = |i: &InstanceStatus| i.config.vrid.to_string();

    for (name, help, key) in COUNTERS {
        let mut family = Family::new(&mut out, name, "counter", help);
        for i in instances {
            let (_, value) = keepalived_counters(i)
                .into_iter()
                .find(|(k, _)| *k == key)
                .expect("every key is keepalived's");
            let labels = [
                ("iname", i.name.as_str()),
                ("intf", &interface_text(i)),
                ("vrid", &vrid(i)),
            ];
            family.sample(name, &labels, value);
        }
    }
    let name = "keepalived_gratuitous_arp_delay_total";
    let mut family = Family::new(&mut out, name, "counter", "Gratuitous ARP delay");
    for i in instances {
        let labels = [
            ("iname", i.name.as_str()),
            ("intf", &interface_text(i)),
            ("vrid", &vrid(i)),
        ];
        family.sample(name, &labels, i.garp_delay.as_secs());
    }

    for (name, help, excluded) in [
        ("keepalived_vrrp_state", "State of vrrp", false),
        (
            "keepalived_vrrp_excluded_state",
            "State of vrrp with excluded VIP",
            true,
        ),
    ] {
        let mut family = Family::new(&mut out, name, "gauge", help);
        for i in instances {
            let state = state_code(i.state);
            for v in i.vips.iter().filter(|v| v.excluded == excluded) {
                let address = vip_address(v);
                let labels = [
                    ("iname", i.name.as_str()),
                    ("intf", &vip_dev(i, v)),
                    ("vrid", &vrid(i)),
                    ("ip_address", &address),
                ];
                family.sample(name, &labels, state);
            }
            if !excluded && i.vips.iter().all(|v| v.excluded) {
                let labels = [
                    ("iname", i.name.as_str()),
                    ("intf", &interface_text(i)),
                    ("vrid", &vrid(i)),
                    ("ip_address", ""),
                ];
                family.sample(name, &labels, state);
            }
        }
    }

    let name = "keepalived_script_status";
    let mut family = Family::new(&mut out, name, "gauge", "Tracker Script Status");
    for (spec, state) in &snapshot.scripts {
        family.sample(name, &[("name", &spec.name)], u8::from(state.up));
    }
    // Idle: a run is never in flight between two turns of the driver.
    let name = "keepalived_script_state";
    let mut family = Family::new(&mut out, name, "gauge", "Tracker Script State");
    for (spec, _) in &snapshot.scripts {
        family.sample(name, &[("name", &spec.name)], 0);
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::snapshot::fixture;

    fn has(text: &str, line: &str) {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }

    #[test]
    fn names_labels_and_values_are_the_exporters() {
        let snapshot = fixture::snapshot();
        let text = render(&snapshot);
        let l = r#"iname="OCP_EXT",intf="ens192",vrid="51""#;
        has(&text, "keepalived_up 1");
        has(
            &text,
            &format!("keepalived_advertisements_received_total{{{l}}} 7"),
        );
        has(
            &text,
            &format!("keepalived_advertisements_sent_total{{{l}}} 40"),
        );
        has(&text, &format!("keepalived_become_master_total{{{l}}} 2"));
        // Master now: of its two terms as Master, one ended.
        has(&text, &format!("keepalived_release_master_total{{{l}}} 1"));
        has(
            &text,
            &format!("keepalived_priority_zero_received_total{{{l}}} 1"),
        );
        has(
            &text,
            &format!("keepalived_authentication_failure_total{{{l}}} 4"),
        );
        has(
            &text,
            &format!("keepalived_gratuitous_arp_delay_total{{{l}}} 5"),
        );
        has(
            &text,
            &format!("keepalived_vrrp_state{{{l},ip_address=\"192.0.2.100\"}} 2"),
        );
        has(
            &text,
            r#"keepalived_vrrp_state{iname="OCP_EXT",intf="eth1",vrid="51",ip_address="198.18.0.1/24"} 2"#,
        );
        has(
            &text,
            &format!("keepalived_vrrp_excluded_state{{{l},ip_address=\"192.0.2.200\"}} 2"),
        );
        // The Backup without addresses: one series, no address.
        has(
            &text,
            r#"keepalived_vrrp_state{iname="V6",intf="ens224",vrid="7",ip_address=""} 1"#,
        );
        has(&text, r#"keepalived_script_status{name="haproxy_check"} 1"#);
        has(&text, r#"keepalived_script_state{name="haproxy_check"} 0"#);
        has(
            &text,
            "# TYPE keepalived_gratuitous_arp_delay_total counter",
        );
        has(&text, "# TYPE keepalived_vrrp_state gauge");
        assert_eq!(
            render_down(),
            "# HELP keepalived_up Status\n# TYPE keepalived_up gauge\nkeepalived_up 0\n"
        );
    }
}
