//! keepalived-exporter's rules for reading keepalived's files and turning
//! them into metrics (github.com/mehdy/keepalived-exporter, its
//! `internal/collector`), restated for the tests: what the exporter would
//! see and serve, to hold our files and metrics to keepalived's.

use std::collections::BTreeMap;

use serde_json::Value;

/// keepalived.stats' counters as the exporter names them (its JSON names).
pub(crate) const COUNTERS: [&str; 14] = [
    "advert_rcvd",
    "advert_sent",
    "become_master",
    "release_master",
    "packet_len_err",
    "advert_interval_err",
    "ip_ttl_err",
    "invalid_type_rcvd",
    "addr_list_err",
    "invalid_authtype",
    "authtype_mismatch",
    "auth_failure",
    "pri_zero_rcvd",
    "pri_zero_sent",
];

/// What the exporter takes from the files for one instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Vrrp {
    pub(crate) state: i64,
    pub(crate) wantstate: i64,
    pub(crate) intf: String,
    pub(crate) garp_delay: i64,
    pub(crate) vrid: i64,
    pub(crate) vips: Vec<String>,
    pub(crate) evips: Vec<String>,
    pub(crate) stats: BTreeMap<String, i64>,
}

/// What the exporter takes from the files: instances by name, and each
/// script's status and state (keepalived.data only).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct View {
    pub(crate) vrrps: BTreeMap<String, Vrrp>,
    pub(crate) scripts: BTreeMap<String, (String, String)>,
}

/// keepalived's state names, numbered as the exporter numbers them.
pub(crate) fn state_number(name: &str) -> i64 {
    ["INIT", "BACKUP", "MASTER", "FAULT"]
        .iter()
        .position(|s| *s == name)
        .unwrap_or_else(|| panic!("the exporter rejects state {name:?}")) as i64
}

/// keepalived.data, read by the exporter's rules: ` VRRP Instance = X`
/// opens an instance; its `   key = value` lines (or `   key:` then
/// `     value` lines) give State, Wantstate, Interface, Gratuitous ARP
/// delay, Virtual Router ID and the addresses; ` VRRP Script = X` opens a
/// script whose Status and State it keeps.
pub(crate) fn parse_data(text: &str, view: &mut View) {
    let (mut instance, mut key, mut script) = (None::<String>, String::new(), None::<String>);
    for line in text.lines() {
        if let Some(name) = line.strip_prefix(" VRRP Instance = ") {
            instance = Some(name.trim().to_owned());
            script = None;
            view.vrrps.entry(name.trim().to_owned()).or_default();
            continue;
        }
        if let Some(name) = line.strip_prefix(" VRRP Script = ") {
            instance = None;
            script = Some(name.trim().to_owned());
            view.scripts.entry(name.trim().to_owned()).or_default();
            continue;
        }
        if !line.starts_with("   ") {
            (instance, script) = (None, None);
            continue;
        }
        if let Some(name) = &script {
            if let Some((k, v)) = line.split_once('=') {
                let entry = view.scripts.get_mut(name).unwrap();
                match k.trim() {
                    "Status" => entry.0 = v.trim().to_owned(),
                    "State" => entry.1 = v.trim().to_owned(),
                    _ => {}
                }
            }
            continue;
        }
        let Some(name) = &instance else { continue };
        let vrrp = view.vrrps.get_mut(name).unwrap();
        let value = if line.starts_with("     ") {
            line.trim().to_owned()
        } else if let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':')) {
            key = k.trim().to_owned();
            v.trim().to_owned()
        } else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let number = || {
            value
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("{key}: {value:?}"))
        };
        match key.as_str() {
            "State" => vrrp.state = state_number(&value),
            "Wantstate" => vrrp.wantstate = state_number(&value),
            "Interface" | "Listening device" => vrrp.intf = value,
            "Gratuitous ARP delay" => vrrp.garp_delay = number(),
            "Virtual Router ID" => vrrp.vrid = number(),
            k if k.starts_with("Virtual IP Excluded") => vrrp.evips.push(value),
            k if k.starts_with("Virtual IP (") => vrrp.vips.push(value),
            _ => {}
        }
    }
}

/// keepalived.stats, read by the exporter's rules: `VRRP Instance: X`,
/// then sections (`  Advertisements:`) of `    key: n` and top-level
/// `  key: n` lines; every value must be an integer.
pub(crate) fn parse_stats(text: &str, view: &mut View) {
    let (mut instance, mut section) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("VRRP Instance:") {
            instance = name.trim().to_owned();
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("    ") && line.ends_with(':') {
            section = line.trim().trim_end_matches(':').to_owned();
            continue;
        }
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value: i64 = value.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
        if !line.starts_with("    ") {
            section.clear();
        }
        let name = match (section.as_str(), key) {
            ("Advertisements", "Received") => "advert_rcvd",
            ("Advertisements", "Sent") => "advert_sent",
            ("", "Became master") => "become_master",
            ("", "Released master") => "release_master",
            ("Packet Errors", "Length") => "packet_len_err",
            ("Packet Errors", "TTL") => "ip_ttl_err",
            ("Packet Errors", "Invalid Type") => "invalid_type_rcvd",
            ("Packet Errors", "Advertisement Interval") => "advert_interval_err",
            ("Packet Errors", "Address List") => "addr_list_err",
            ("Authentication Errors", "Invalid Type") => "invalid_authtype",
            ("Authentication Errors", "Type Mismatch") => "authtype_mismatch",
            ("Authentication Errors", "Failure") => "auth_failure",
            ("Priority Zero", "Received") => "pri_zero_rcvd",
            ("Priority Zero", "Sent") => "pri_zero_sent",
            _ => continue,
        };
        let vrrp = view.vrrps.entry(instance.clone()).or_default();
        vrrp.stats.insert(name.to_owned(), value);
    }
}

/// keepalived.json, read as the exporter decodes it: an array of
/// `{data, stats}` whose numbers must fit Go's `int`.
pub(crate) fn parse_json(text: &str) -> View {
    let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let int = |v: &Value, key: &str| {
        v.get(key).map_or(0, |n| {
            n.as_i64()
                .unwrap_or_else(|| panic!("{key}: {n} is not an int"))
        })
    };
    let list = |v: &Value, key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map_or_else(Vec::new, |a| {
                a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()
            })
    };
    let mut view = View::default();
    for entry in value.as_array().expect("an array") {
        let (data, stats) = (&entry["data"], &entry["stats"]);
        let vrrp = Vrrp {
            state: int(data, "state"),
            wantstate: int(data, "wantstate"),
            intf: data["ifp_ifname"].as_str().unwrap_or_default().to_owned(),
            garp_delay: int(data, "garp_delay"),
            vrid: int(data, "vrid"),
            vips: list(data, "vips"),
            evips: list(data, "evips"),
            stats: COUNTERS
                .iter()
                .map(|&c| (c.to_owned(), int(stats, c)))
                .collect(),
        };
        view.vrrps
            .insert(data["iname"].as_str().unwrap().to_owned(), vrrp);
    }
    view
}

/// Prometheus series: `name{labels}` → value.
pub(crate) type Series = BTreeMap<String, i64>;

/// The exporter's metric of each keepalived.stats counter.
pub(crate) const METRICS: [(&str, &str); 14] = [
    ("advert_rcvd", "keepalived_advertisements_received_total"),
    ("advert_sent", "keepalived_advertisements_sent_total"),
    ("become_master", "keepalived_become_master_total"),
    ("release_master", "keepalived_release_master_total"),
    ("packet_len_err", "keepalived_packet_length_errors_total"),
    (
        "advert_interval_err",
        "keepalived_advertisements_interval_errors_total",
    ),
    ("ip_ttl_err", "keepalived_ip_ttl_errors_total"),
    (
        "invalid_type_rcvd",
        "keepalived_invalid_type_received_total",
    ),
    ("addr_list_err", "keepalived_address_list_errors_total"),
    (
        "invalid_authtype",
        "keepalived_authentication_invalid_total",
    ),
    (
        "authtype_mismatch",
        "keepalived_authentication_mismatch_total",
    ),
    ("auth_failure", "keepalived_authentication_failure_total"),
    ("pri_zero_rcvd", "keepalived_priority_zero_received_total"),
    ("pri_zero_sent", "keepalived_priority_zero_sent_total"),
];

/// What keepalived-exporter serves for `view` (its collector's rules: an
/// address line's first word is `ip_address`, its third `intf`), without
/// the advertisement counts.
pub(crate) fn exporter_series(view: &View) -> Series {
    let mut series = Series::from([("keepalived_up".to_owned(), 1)]);
    for (iname, v) in &view.vrrps {
        let common = format!("iname=\"{iname}\",intf=\"{}\",vrid=\"{}\"", v.intf, v.vrid);
        for (counter, metric) in &METRICS[2..] {
            series.insert(format!("{metric}{{{common}}}"), v.stats[*counter]);
        }
        series.insert(
            format!("keepalived_gratuitous_arp_delay_total{{{common}}}"),
            v.garp_delay,
        );
        for (metric, lines) in [
            ("keepalived_vrrp_state", &v.vips),
            ("keepalived_vrrp_excluded_state", &v.evips),
        ] {
            for line in lines {
                let words: Vec<&str> = line.split(' ').collect();
                let labels = format!(
                    "iname=\"{iname}\",intf=\"{}\",vrid=\"{}\",ip_address=\"{}\"",
                    words[2], v.vrid, words[0]
                );
                series.insert(format!("{metric}{{{labels}}}"), v.state);
            }
        }
    }
    for (name, (status, state)) in &view.scripts {
        let status = ["BAD", "GOOD"].iter().position(|s| s == status).unwrap() as i64;
        series.insert(
            format!("keepalived_script_status{{name=\"{name}\"}}"),
            status,
        );
        let states = [
            "idle",
            "running",
            "requested termination",
            "forcing termination",
        ];
        if let Some(state) = states.iter().position(|s| s == state) {
            series.insert(
                format!("keepalived_script_state{{name=\"{name}\"}}"),
                state as i64,
            );
        }
    }
    series
}

/// The `keepalived_*` series of a scrape, without the advertisement counts.
pub(crate) fn scraped_series(text: &str) -> Series {
    text.lines()
        .filter(|l| l.starts_with("keepalived_"))
        .filter(|l| !l.starts_with(METRICS[0].1) && !l.starts_with(METRICS[1].1))
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

/// `view` without what depends on timing: its advertisement counts, and
/// whether a script run is in flight (keepalived's `running`; ours are
/// never seen running, see `dump`).
pub(crate) fn untimed(view: &View) -> View {
    let mut view = view.clone();
    for vrrp in view.vrrps.values_mut() {
        vrrp.stats.remove("advert_rcvd");
        vrrp.stats.remove("advert_sent");
    }
    for (status, state) in view.scripts.values_mut() {
        assert!(
            ["idle", "running"].contains(&state.as_str()),
            "{status} {state}"
        );
        state.clear();
    }
    view
}
