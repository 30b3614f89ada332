//! The status dump (SIGUSR1, as keepalived's data dump, in JSON): every
//! instance's state, priorities, Master, timers, RFC 6527 counters and
//! tracked objects; the track scripts and processes. The metrics endpoint
//! renders the same typed [`Snapshot`].
//!
//! Counter names and their RFC 6527 (VRRPv3 MIB) objects, see [`COUNTERS`]:
//! `adverts_received` is `vrrpv3StatisticsRcvdAdvertisements`,
//! `master_transitions` is `vrrpv3StatisticsMasterTransitions`, and so on.

use std::io;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use vrrp_core::stats::Statistics;
use vrrp_core::wire::{Family, Version};
use vrrp_core::{Reason, State};

use vrrp_io_linux::driver::Driver;

use crate::snapshot::{InstanceStatus, Snapshot, TrackedKind};

/// A counter of [`Statistics`]: our name, its RFC 6527 (or RFC 2787)
/// object where there is one, a help line, and how to read it.
pub struct Counter {
    /// Snake-case name: the JSON key, and `vrrp_<name>_total` in metrics.
    pub name: &'static str,
    /// The MIB object users know it by, or `""` for our own.
    pub mib: &'static str,
    /// One line for the metrics' HELP.
    pub help: &'static str,
    /// Reads it.
    pub get: fn(&Statistics) -> u64,
}

/// Every counter of [`Statistics`], in the order they are shown.
#[rustfmt::skip]
pub const COUNTERS: &[Counter] = &[
    Counter { name: "adverts_received", mib: "vrrpv3StatisticsRcvdAdvertisements", help: "Valid advertisements received.", get: |s| s.adverts_received },
    Counter { name: "adverts_dropped", mib: "", help: "Advertisements dropped by the receive checks.", get: |s| s.adverts_dropped },
    Counter { name: "adverts_sent", mib: "", help: "Advertisements the kernel took, priority 0 included.", get: |s| s.adverts_sent },
    Counter { name: "adverts_send_errors", mib: "", help: "Advertisements the kernel refused to send.", get: |s| s.adverts_send_errors },
    Counter { name: "garp_send_errors", mib: "", help: "Gratuitous ARPs / unsolicited NAs not sent (refused by the kernel, or no interface).", get: |s| s.garp_send_errors },
    Counter { name: "master_transitions", mib: "vrrpv3StatisticsMasterTransitions", help: "Times this router became Master.", get: |s| s.master_transitions },
    Counter { name: "priority_zero_received", mib: "vrrpv3StatisticsRcvdPriZeroPackets", help: "Priority-0 advertisements received.", get: |s| s.priority_zero_received },
    Counter { name: "priority_zero_sent", mib: "vrrpv3StatisticsSentPriZeroPackets", help: "Priority-0 advertisements sent.", get: |s| s.priority_zero_sent },
    Counter { name: "checksum_errors", mib: "vrrpv3RouterChecksumErrors", help: "Advertisements with a bad checksum.", get: |s| s.checksum_errors },
    Counter { name: "checksum_with_pseudo_header", mib: "", help: "Accepted VRRPv3 IPv4 advertisements checksummed with the pseudo-header.", get: |s| s.checksum_with_pseudo_header },
    Counter { name: "checksum_without_pseudo_header", mib: "", help: "Accepted VRRPv3 IPv4 advertisements checksummed without the pseudo-header.", get: |s| s.checksum_without_pseudo_header },
    Counter { name: "version_errors", mib: "vrrpv3RouterVersionErrors", help: "Advertisements of another VRRP version.", get: |s| s.version_errors },
    Counter { name: "vrid_errors", mib: "vrrpv3RouterVrIdErrors", help: "Advertisements for another VRID.", get: |s| s.vrid_errors },
    Counter { name: "ip_ttl_errors", mib: "vrrpv3StatisticsIpTtlErrors", help: "Advertisements with TTL or hop limit below 255.", get: |s| s.ip_ttl_errors },
    Counter { name: "invalid_type_errors", mib: "vrrpv3StatisticsRcvdInvalidTypePackets", help: "VRRP packets of an unknown type.", get: |s| s.invalid_type_errors },
    Counter { name: "address_list_errors", mib: "vrrpv3StatisticsAddressListErrors", help: "Advertisements whose address list differs from ours.", get: |s| s.address_list_errors },
    Counter { name: "packet_length_errors", mib: "vrrpv3StatisticsPacketLengthErrors", help: "Truncated or overlong advertisements.", get: |s| s.packet_length_errors },
    Counter { name: "advert_interval_errors", mib: "vrrpv3StatisticsAdvIntervalErrors", help: "Advertisements with another interval.", get: |s| s.advert_interval_errors },
    Counter { name: "auth_failures", mib: "vrrpStatsAuthFailures", help: "VRRPv2 advertisements with a wrong password, or an AH ICV that does not verify.", get: |s| s.auth_failures },
    Counter { name: "invalid_auth_type", mib: "vrrpStatsInvalidAuthType", help: "VRRPv2 advertisements with an unknown auth type.", get: |s| s.invalid_auth_type },
    Counter { name: "auth_type_mismatch", mib: "vrrpStatsAuthTypeMismatch", help: "VRRPv2 advertisements with another auth type.", get: |s| s.auth_type_mismatch },
    Counter { name: "ah_bad_spi", mib: "", help: "auth_type AH: advertisements whose SPI is not their source address.", get: |s| s.ah_bad_spi },
    Counter { name: "ah_replayed", mib: "", help: "auth_type AH: advertisements whose sequence number is not after the last one.", get: |s| s.ah_replayed },
    Counter { name: "unicast_source_errors", mib: "", help: "Unicast advertisements from an address that is not a peer.", get: |s| s.unicast_source_errors },
    Counter { name: "auth_ext_missing", mib: "", help: "auth_hmac enforce: advertisements without a trailer.", get: |s| s.hmac_missing },
    Counter { name: "auth_ext_malformed", mib: "", help: "auth_hmac: malformed trailers.", get: |s| s.hmac_malformed },
    Counter { name: "auth_ext_unknown_key", mib: "", help: "auth_hmac: trailers naming a key id we do not have.", get: |s| s.hmac_unknown_key },
    Counter { name: "auth_ext_invalid_hmac", mib: "", help: "auth_hmac: tags that do not verify (another key, or a forgery).", get: |s| s.hmac_bad_tag },
    Counter { name: "auth_ext_stale", mib: "", help: "auth_hmac time mode: trailers outside the freshness window.", get: |s| s.hmac_stale },
    Counter { name: "auth_ext_replay", mib: "", help: "auth_hmac: replayed trailers.", get: |s| s.hmac_replayed },
];

/// keepalived's name of a state.
pub fn state_name(state: State) -> &'static str {
    match state {
        State::Initialize => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
    }
}

/// A state change's reason in words, for logs and the status dump.
pub fn reason_text(reason: Reason) -> &'static str {
    match reason {
        Reason::Startup => "started (or fault cleared): waiting to hear a Master",
        Reason::AddressOwner => "address owner (priority 255)",
        Reason::MasterNoResponse => "no advertisement from the Master for Master_Down_Interval",
        Reason::Preempted => "preempted a lower-priority Master",
        Reason::MasterStopped => "the Master sent priority 0 (it is stopping)",
        Reason::HigherPriorityMaster => "heard a higher-priority Master",
        Reason::Shutdown => "shut down",
        Reason::InterfaceDown => "interface down",
        Reason::TrackFailed => "a tracked object with weight 0 failed",
        Reason::FaultCleared => "every fault cleared",
        Reason::SyncGroup => "another member of its sync group moved",
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The driver's [`Snapshot`], taken now (between two turns).
pub fn snapshot(driver: &Driver) -> Snapshot {
    Snapshot::take(driver)
}

/// The dump: `snapshot` as JSON.
pub fn to_json(snapshot: &Snapshot) -> Value {
    let instances: Vec<Value> = snapshot.instances.iter().map(instance_json).collect();
    let scripts: Vec<Value> = snapshot
        .scripts
        .iter()
        .map(|(spec, state)| {
            json!({
                "name": spec.name, "command": spec.command, "up": state.up, "runs": state.runs,
                "last": state.last.map(|o| format!("{o:?}")),
                "interval_ms": millis(spec.interval), "timeout_ms": millis(spec.timeout),
                "rise": spec.rise, "fall": spec.fall,
            })
        })
        .collect();
    let processes: Vec<Value> = snapshot
        .processes
        .iter()
        .map(|(spec, state)| {
            json!({
                "name": spec.name, "process": spec.process, "up": state.up,
                "count": state.count, "quorum": spec.quorum,
            })
        })
        .collect();
    let router = &snapshot.router;
    json!({
        "time": unix_seconds(snapshot.time),
        "pid": snapshot.pid,
        "instances": instances,
        "scripts": scripts,
        "processes": processes,
        "notify_scripts_busy": snapshot.notify_scripts_busy,
        "route_failures": snapshot.route_failures,
        "drop_rules": { "dropped": snapshot.traffic_dropped, "failures": snapshot.drop_rule_failures },
        "router": { "packet_length_errors": router.packet_length_errors, "vrid_errors": router.vrid_errors },
    })
}

fn instance_json(i: &InstanceStatus) -> Value {
    let config = &i.config;
    let counters: serde_json::Map<String, Value> = COUNTERS
        .iter()
        .map(|c| (c.name.to_owned(), json!((c.get)(&i.stats))))
        .collect();
    let tracked: Vec<Value> = i
        .tracked
        .iter()
        .map(|t| {
            let (kind, weight, reverse) = (t.kind.name(), t.weight.weight, t.weight.reverse);
            match t.kind {
                TrackedKind::Script { last, runs } => json!({
                    "type": kind, "name": t.name, "up": t.up,
                    "weight": weight, "reverse": reverse,
                    "last": last.map(|o| format!("{o:?}")), "runs": runs,
                }),
                TrackedKind::Process { count } => json!({
                    "type": kind, "name": t.name, "up": t.up,
                    "weight": weight, "reverse": reverse,
                    "count": count,
                }),
                TrackedKind::Interface => json!({
                    "type": kind, "name": t.name, "up": t.up,
                    "weight": weight, "reverse": reverse,
                }),
                TrackedKind::File { value } => json!({
                    "type": kind, "name": t.name, "up": t.up,
                    "weight": weight, "reverse": reverse,
                    "value": value,
                }),
            }
        })
        .collect();
    let next = i
        .next_timer
        .map(|(timer, left)| json!({ "timer": format!("{timer:?}"), "in_ms": millis(left) }));
    json!({
        "name": i.name,
        "interface": i.interface,
        "vrid": config.vrid,
        "family": match i.family { Family::Ipv4 => "ipv4", Family::Ipv6 => "ipv6" },
        "version": match config.version { Version::V2 => 2, Version::V3 => 3 },
        "state": state_name(i.state),
        "since": i.history.since.map(unix_seconds),
        "reason": i.history.reason.map(reason_text),
        "transitions": i.history.transitions,
        "priority": { "base": config.priority, "effective": i.priority },
        "master": i.master.map(|m| m.to_string()),
        "primary_address": config.primary_address.to_string(),
        "preempt": config.preempt,
        "preempt_delay_ms": config.preempt_delay.as_micros() / 1000,
        "unicast_peers": config.unicast_peers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "vips": i.vips.iter().map(|v| format!("{}/{} dev {}", v.addr, v.prefix_len, v.interface)).collect::<Vec<_>>(),
        "vips_installed": i.vips_installed,
        "timers": {
            "advert_interval_ms": u64::from(config.advert_interval) * 10,
            "master_adver_interval_ms": u64::from(i.master_adver_interval) * 10,
            "skew_time_us": i.skew_time.as_micros(),
            "master_down_interval_us": i.master_down_interval.as_micros(),
            "next": next,
        },
        "tracking": { "weight": i.tracking.weight, "failed": i.tracking.failed },
        "tracked": tracked,
        "stats": counters,
        "new_master_reason": format!("{:?}", i.stats.new_master_reason),
        "protocol_error_reason": format!("{:?}", i.stats.protocol_error_reason),
    })
}

/// Writes `snapshot` to `path` atomically (a temporary file renamed over
/// it), so a reader never sees half a dump.
pub fn write(snapshot: &Value, path: &Path) -> io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let text = serde_json::to_string_pretty(snapshot).map_err(io::Error::other)?;
    std::fs::write(&temp, text + "\n")?;
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn every_counter_is_named_once_and_reads_its_field() {
        let mut names: Vec<_> = COUNTERS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COUNTERS.len());
        // Give each field a distinct value: each counter must read its own.
        let stats = Statistics {
            adverts_received: 1,
            adverts_dropped: 2,
            adverts_sent: 3,
            adverts_send_errors: 4,
            garp_send_errors: 5,
            master_transitions: 6,
            priority_zero_received: 7,
            priority_zero_sent: 8,
            checksum_errors: 9,
            checksum_with_pseudo_header: 10,
            checksum_without_pseudo_header: 11,
            version_errors: 12,
            vrid_errors: 13,
            ip_ttl_errors: 14,
            invalid_type_errors: 15,
            address_list_errors: 16,
            packet_length_errors: 17,
            advert_interval_errors: 18,
            auth_failures: 19,
            invalid_auth_type: 20,
            auth_type_mismatch: 21,
            ah_bad_spi: 22,
            ah_replayed: 23,
            unicast_source_errors: 24,
            hmac_missing: 25,
            hmac_malformed: 26,
            hmac_unknown_key: 27,
            hmac_bad_tag: 28,
            hmac_stale: 29,
            hmac_replayed: 30,
            ..Statistics::default()
        };
        let values: Vec<u64> = COUNTERS.iter().map(|c| (c.get)(&stats)).collect();
        assert_eq!(values, (1..=30).collect::<Vec<u64>>());
    }

    #[test]
    fn write_is_atomic_and_pretty() {
        let dir = std::env::temp_dir().join(format!("vrrp-status-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("status.json");
        write(&json!({ "instances": [] }), &path).unwrap();
        let back: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back, json!({ "instances": [] }));
        assert!(!dir.join("status.json.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
