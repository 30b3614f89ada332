//! Where the lab's bridge has learnt a MAC, sampled over a while: a virtual
//! router MAC belongs on the Master's port alone, and any frame a Backup
//! sends from it moves it there for a while, and the VIP's traffic with it.

use std::time::{Duration, Instant, SystemTime};

use super::run;

/// One look at the bridge's forwarding database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdbSample {
    /// When it was taken.
    pub at: SystemTime,
    /// The ports the MAC was learnt on (at most one, unless it is static).
    pub ports: Vec<String>,
}

/// Samples, every `every` for `period`, on which ports of `br0` in
/// `bridge_ns` the bridge has learnt `mac`.
pub(super) fn sample(
    bridge_ns: &str,
    mac: &str,
    period: Duration,
    every: Duration,
) -> Vec<FdbSample> {
    let end = Instant::now() + period;
    let mut samples = Vec::new();
    while Instant::now() < end {
        samples.push(FdbSample {
            at: SystemTime::now(),
            ports: ports_of(bridge_ns, mac),
        });
        std::thread::sleep(every);
    }
    samples
}

/// The ports of `br0` on which `mac` is learnt now (permanent entries, the
/// bridge's own addresses, left out).
fn ports_of(bridge_ns: &str, mac: &str) -> Vec<String> {
    let text = run(
        "bridge",
        &["-n", bridge_ns, "-j", "fdb", "show", "br", "br0"],
    );
    ports_in(&text, mac)
}

fn ports_in(json: &str, mac: &str) -> Vec<String> {
    let entries: serde_json::Value = serde_json::from_str(json).expect("bridge -j prints JSON");
    let entries = entries.as_array().map(Vec::as_slice).unwrap_or_default();
    entries
        .iter()
        .filter(|e| {
            e["mac"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(mac))
        })
        .filter(|e| e["state"].as_str() != Some("permanent"))
        .filter_map(|e| e["ifname"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn reads_learnt_ports_and_skips_permanent_entries() {
    let json = r#"[{"mac":"00:00:5e:00:01:33","ifname":"p-b","master":"br0","state":""},
        {"mac":"02:00:00:00:00:01","ifname":"p-a","master":"br0","state":""},
        {"mac":"00:00:5e:00:01:33","ifname":"br0","vlan":1,"flags":["self"],"state":"permanent"}]"#;
    assert_eq!(ports_in(json, "00:00:5E:00:01:33"), ["p-b"]);
    assert!(ports_in(json, "00:00:5e:00:02:33").is_empty());
    assert!(ports_in("[]", "00:00:5e:00:01:33").is_empty());
}
