//! Every supported keyword reads into the right typed value.

use std::net::IpAddr;
use std::time::Duration;

use vrrp_keepalived::conf::{
    Centiseconds, Family, InitialState, KeepalivedConfig, Loaded, ParamMatch, RunAs, Severity,
    VrrpVersion, parse_str,
};

fn parse(text: &str) -> Loaded {
    parse_str(text, "k.conf").unwrap_or_else(|err| panic!("{err}"))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn run_as(user: &str, group: Option<&str>, supplementary_groups: bool) -> RunAs {
    RunAs {
        user: user.into(),
        group: group.map(Into::into),
        supplementary_groups,
    }
}

const GLOBAL: &str = r#"
global_defs {
    router_id lb-1
    enable_script_security
    script_user keepalived_script : wheel
    vrrp_version 3
    vrrp_garp_master_delay 10
    vrrp_garp_master_repeat 3
    vrrp_garp_master_refresh 60
    vrrp_garp_master_refresh_repeat 2
    vrrp_garp_lower_prio_delay 7
    vrrp_garp_lower_prio_repeat 4
    vrrp_garp_interval 0.001
    vrrp_gna_interval 0.000001
    vrrp_check_unicast_src
    vrrp_skip_check_adv_addr
    vrrp_strict
    notification_email {
        admin@example.com "Ops <ops@example.com>"
    }
    notification_email_from keepalived@example.com
    smtp_server 192.0.2.25 25
    smtp_connect_timeout 30
    max_auto_priority
    dynamic_interfaces allow_if_changes
    vrrp_iptables keepalived_in keepalived_out
    vrrp_ipsets keepalived
}
"#;

#[test]
fn global_defs_keywords() {
    let loaded = parse(GLOBAL);
    let g = &loaded.config.global;
    assert_eq!(g.router_id.as_deref(), Some("lb-1"));
    assert!(g.enable_script_security);
    assert_eq!(
        g.script_user,
        Some(run_as("keepalived_script", Some("wheel"), true))
    );
    assert_eq!(g.vrrp_version, Some(VrrpVersion::V3));
    assert_eq!(g.garp.master_delay, Some(Duration::from_secs(10)));
    assert_eq!(g.garp.master_repeat, Some(3));
    assert_eq!(g.garp.master_refresh, Some(Duration::from_secs(60)));
    assert_eq!(g.garp.master_refresh_repeat, Some(2));
    assert_eq!(g.garp.lower_prio_delay, Some(Duration::from_secs(7)));
    assert_eq!(g.garp.lower_prio_repeat, Some(4));
    assert_eq!(g.vrrp_garp_interval, Some(Duration::from_millis(1)));
    assert_eq!(g.vrrp_gna_interval, Some(Duration::from_micros(1)));
    assert!(g.vrrp_check_unicast_src && g.vrrp_skip_check_adv_addr && g.vrrp_strict);
    assert_eq!(g.max_auto_priority, Some(99));
    assert!(g.dynamic_interfaces && g.dynamic_interfaces_allow_if_changes);
    assert_eq!(
        g.vrrp_iptables.as_deref(),
        Some(&["keepalived_in".to_owned(), "keepalived_out".to_owned()][..])
    );
    assert_eq!(
        g.vrrp_ipsets.as_deref(),
        Some(&["keepalived".to_owned()][..])
    );
    assert_eq!(g.at.as_ref().map(|at| at.line), Some(2));
    assert_eq!(
        g.smtp.to,
        ["admin@example.com", "Ops <ops@example.com>"].map(String::from)
    );
    assert_eq!(g.smtp.from.as_deref(), Some("keepalived@example.com"));
    assert_eq!(
        g.smtp.server.as_ref().map(|s| s.value),
        Some("192.0.2.25:25".parse().unwrap())
    );
    assert_eq!(g.smtp.connect_timeout, Some(Duration::from_secs(30)));

    let notes: Vec<(Severity, u32)> = loaded
        .warnings
        .iter()
        .map(|w| (w.severity, w.at.line))
        .collect();
    // The two iptables keywords (nftables is used); the mail keywords and
    // vrrp_strict are read.
    assert_eq!(notes, [(Severity::Warning, 26), (Severity::Warning, 27),]);
}

const SCRIPTS: &str = r#"
vrrp_script chk_haproxy {
    script "/usr/bin/pgrep -x haproxy"
    interval 0.5
    timeout 3
    weight -20 reverse
    rise 2
    fall 3
    user nobody nogroup
    init_fail
}
vrrp_script unquoted {
    script /usr/local/bin/check --name "a b"
}
vrrp_track_process haproxy {
    process haproxy -f "/etc/haproxy/haproxy.cfg"
    param_match partial
    weight 10
    quorum 2
    quorum_max 4
    delay 0.5
    fork_delay 1.25
    full_command
}
vrrp_track_process plain {
    process nginx
    param_match
    terminate_delay 2
}
"#;

#[test]
fn vrrp_script_and_track_process_keywords() {
    let config = parse(SCRIPTS).config;
    let s = config.script("chk_haproxy").unwrap();
    assert_eq!(
        s.script.as_ref().unwrap().value,
        "/usr/bin/pgrep -x haproxy"
    );
    assert_eq!(s.interval, Some(Duration::from_millis(500)));
    assert_eq!(s.timeout, Some(Duration::from_secs(3)));
    let weight = s.weight.as_ref().unwrap();
    assert_eq!(
        (weight.value, weight.reverse, weight.at.line),
        (-20, true, 6)
    );
    assert_eq!((s.rise, s.fall), (Some(2), Some(3)));
    assert_eq!(s.user, Some(run_as("nobody", Some("nogroup"), false)));
    assert!(s.init_fail);
    let unquoted = config.script("unquoted").unwrap();
    assert_eq!(
        unquoted.script.as_ref().unwrap().value,
        "/usr/local/bin/check --name 'a b'"
    );

    let p = config.track_process("haproxy").unwrap();
    let words = &p.process.as_ref().unwrap().value;
    assert_eq!(words, &["haproxy", "-f", "/etc/haproxy/haproxy.cfg"]);
    assert_eq!(p.param_match, Some(ParamMatch::Partial));
    assert_eq!(p.weight.as_ref().map(|w| w.value), Some(10));
    assert_eq!((p.quorum, p.quorum_max), (Some(2), Some(4)));
    assert_eq!(
        p.fork_delay,
        Some(Duration::from_millis(1250)),
        "fork_delay after delay wins"
    );
    assert_eq!(p.terminate_delay, Some(Duration::from_millis(500)));
    assert!(p.full_command);
    let plain = config.track_process("plain").unwrap();
    assert_eq!(plain.param_match, Some(ParamMatch::Exact));
    assert_eq!(plain.terminate_delay, Some(Duration::from_secs(2)));
    assert!(!plain.full_command);
}

const INSTANCE: &str = r#"
vrrp_script chk { script "true" }
vrrp_track_process proc { process haproxy }
vrrp_instance VI_6 {
    interface eth0
    state BACKUP
    virtual_router_id 200
    priority 150
    advert_int 0.25
    version 3
    nopreempt
    preempt_delay 4.12
    no_accept
    virtual_ipaddress {
        2001:db8::100/64 dev eth0 scope global label eth0:v6 no_track
        2001:db8::101
    }
    virtual_ipaddress_excluded {
        192.0.2.50/24 brd 192.0.2.255 dev eth1 scope link
    }
    unicast_src_ip 2001:db8::1
    unicast_peer {
        2001:db8::2 min_ttl 250 max_ttl 255
        2001:db8::3
    }
    mcast_src_ip 2001:db8::1
    track_script {
        chk weight 30 reverse
    }
    track_interface {
        eth1
        eth2 weight -10
    }
    track_process {
        proc weight 5
    }
    notify_master "/etc/keepalived/notify.sh master" root
    notify_backup /etc/keepalived/backup.sh
    notify_fault "/etc/keepalived/notify.sh fault" alice :staff
    notify_stop /etc/keepalived/stop.sh
    notify /etc/keepalived/any.sh
    notify_master_rx_lower_pri /etc/keepalived/lower.sh
    garp_master_delay 1
    garp_master_repeat 5
    garp_master_refresh 30
    garp_master_refresh_repeat 1
    garp_lower_prio_delay 2
    garp_lower_prio_repeat 6
    use_vmac vrrp.200
    vmac_xmit_base
    native_ipv6
    dont_track_primary
    smtp_alert
    check_unicast_src
    strict_mode off
    debug 2
    lvs_sync_daemon_interface eth0
}
"#;

#[test]
fn vrrp_instance_keywords() {
    let loaded = parse(INSTANCE);
    let config: &KeepalivedConfig = &loaded.config;
    let i = config.instance("VI_6").unwrap();
    assert_eq!(i.interface.as_ref().unwrap().value, "eth0");
    assert_eq!(i.state.as_ref().unwrap().value, InitialState::Backup);
    assert_eq!(i.virtual_router_id.as_ref().unwrap().value, 200);
    assert_eq!(i.priority.as_ref().unwrap().value, 150);
    assert_eq!(i.advert_int.as_ref().unwrap().value, Centiseconds(25));
    assert_eq!(i.version.as_ref().unwrap().value, VrrpVersion::V3);
    assert!(i.nopreempt);
    assert_eq!(
        i.preempt_delay.as_ref().unwrap().value,
        Duration::from_millis(4120)
    );
    assert_eq!(i.accept.as_ref().map(|a| a.value), Some(false));
    assert_eq!(i.family(), Family::Ipv6);

    let v6 = &i.virtual_ipaddress;
    assert_eq!((v6[0].addr, v6[0].prefix_len), (ip("2001:db8::100"), 64));
    assert_eq!(v6[0].dev.as_deref(), Some("eth0"));
    assert_eq!(v6[0].scope.as_deref(), Some("global"));
    assert_eq!(v6[0].label.as_deref(), Some("eth0:v6"));
    assert!(v6[0].no_track);
    assert_eq!(
        (v6[1].addr, v6[1].prefix_len, v6[1].dev.as_deref()),
        (ip("2001:db8::101"), 128, None)
    );
    let excluded = &i.virtual_ipaddress_excluded[0];
    assert_eq!((excluded.addr, excluded.prefix_len), (ip("192.0.2.50"), 24));
    assert_eq!(excluded.brd, Some(ip("192.0.2.255")));
    assert_eq!(excluded.scope.as_deref(), Some("link"));

    assert_eq!(i.unicast_src_ip.as_ref().unwrap().value, ip("2001:db8::1"));
    let peers: Vec<_> = i
        .unicast_peers
        .iter()
        .map(|p| (p.addr, p.min_ttl, p.max_ttl))
        .collect();
    assert_eq!(
        peers,
        [
            (ip("2001:db8::2"), Some(250), Some(255)),
            (ip("2001:db8::3"), None, None)
        ]
    );
    assert_eq!(i.mcast_src_ip.as_ref().unwrap().value, ip("2001:db8::1"));

    let script = &i.track_scripts[0];
    let w = script.weight.as_ref().unwrap();
    assert_eq!(
        (script.name.as_str(), w.value, w.reverse),
        ("chk", 30, true)
    );
    let interfaces: Vec<_> = i
        .track_interfaces
        .iter()
        .map(|t| (t.name.as_str(), t.weight.as_ref().map(|w| w.value)))
        .collect();
    assert_eq!(interfaces, [("eth1", None), ("eth2", Some(-10))]);
    assert_eq!(
        i.track_processes[0].weight.as_ref().map(|w| w.value),
        Some(5)
    );

    let n = &i.notify;
    let master = n.master.as_ref().unwrap();
    assert_eq!(master.command, "/etc/keepalived/notify.sh master");
    assert_eq!(master.run_as, Some(run_as("root", None, false)));
    assert_eq!(
        n.backup.as_ref().unwrap().command,
        "/etc/keepalived/backup.sh"
    );
    assert_eq!(
        n.fault.as_ref().unwrap().run_as,
        Some(run_as("alice", Some("staff"), true))
    );
    assert_eq!(n.stop.as_ref().unwrap().command, "/etc/keepalived/stop.sh");
    assert_eq!(n.any.as_ref().unwrap().command, "/etc/keepalived/any.sh");
    assert_eq!(
        n.master_rx_lower_pri.as_ref().unwrap().command,
        "/etc/keepalived/lower.sh"
    );

    let g = &i.garp;
    assert_eq!(g.master_delay, Some(Duration::from_secs(1)));
    assert_eq!(
        (
            g.master_repeat,
            g.master_refresh_repeat,
            g.lower_prio_repeat
        ),
        (Some(5), Some(1), Some(6))
    );
    assert_eq!(g.master_refresh, Some(Duration::from_secs(30)));
    assert_eq!(g.lower_prio_delay, Some(Duration::from_secs(2)));

    assert_eq!(
        i.use_vmac.as_ref().unwrap().name.as_deref(),
        Some("vrrp.200")
    );
    assert!(i.vmac_xmit_base && i.native_ipv6 && i.dont_track_primary && i.check_unicast_src);
    assert_eq!(i.strict_mode.as_ref().map(|s| s.value), Some(false));
    assert_eq!(i.debug, Some(2));

    let notes: Vec<(Severity, &str)> = loaded
        .warnings
        .iter()
        .map(|w| (w.severity, w.message.split(' ').next().unwrap()))
        .collect();
    assert_eq!(
        notes,
        [
            (Severity::Warning, "`lvs_sync_daemon_interface`"),
            // vrrp_script chk runs as root: no script_user anywhere.
            (Severity::Warning, "this"),
        ],
        "{:#?}",
        loaded.warnings
    );
}

#[test]
fn keepalived_defaults_fill_what_is_not_written() {
    let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n state MASTER\n \
                virtual_ipaddress {\n 192.0.2.1\n }\n}\n\
                vrrp_instance B {\n interface eth0\n virtual_router_id 2\n priority 255\n \
                virtual_ipaddress {\n 192.0.2.2\n }\n preempt\n}\n\
                vrrp_instance C {\n interface eth0\n virtual_router_id 3\n \
                virtual_ipaddress {\n 2001:db8::3\n }\n}\n";
    let config = parse(text).config;
    let [a, b, c] = &config.instances[..] else {
        panic!()
    };
    assert_eq!(
        (a.effective_priority(), a.effective_state()),
        (255, InitialState::Master)
    );
    assert_eq!(
        (b.effective_priority(), b.effective_state()),
        (255, InitialState::Master)
    );
    assert!(!b.nopreempt);
    assert_eq!(
        (c.effective_priority(), c.effective_state()),
        (100, InitialState::Backup)
    );
    assert_eq!(config.effective_version(a), VrrpVersion::V2);
    assert_eq!(
        config.effective_version(c),
        VrrpVersion::V3,
        "IPv6 runs version 3"
    );
    assert_eq!(c.effective_advert_int(), Centiseconds(100));
}

#[test]
fn sync_group_keywords() {
    let text = r#"
vrrp_script chk { script "true" }
vrrp_track_process proc { process haproxy }
vrrp_instance V1 { interface eth0
  virtual_router_id 1
  virtual_ipaddress { 192.0.2.1 } }
vrrp_instance V2 { interface eth1
  virtual_router_id 2
  virtual_ipaddress { 192.0.2.2 } }
vrrp_sync_group G {
    group {
        V1
        V2
    }
    notify_master "/bin/notify master"
    notify_backup /bin/backup
    notify_fault /bin/fault
    notify_stop /bin/stop
    notify /bin/any user group
    track_script { chk }
    track_interface { eth3 weight 5 }
    track_process { proc }
    smtp_alert
}
"#;
    let config = parse(text).config;
    let g = &config.sync_groups[0];
    assert_eq!(g.name, "G");
    let members: Vec<&str> = g.members.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(members, ["V1", "V2"]);
    assert_eq!(g.members[1].at.line, 13);
    assert_eq!(
        g.notify.master.as_ref().unwrap().command,
        "/bin/notify master"
    );
    assert_eq!(g.notify.backup.as_ref().unwrap().command, "/bin/backup");
    assert_eq!(g.notify.fault.as_ref().unwrap().command, "/bin/fault");
    assert_eq!(g.notify.stop.as_ref().unwrap().command, "/bin/stop");
    assert_eq!(
        g.notify.any.as_ref().unwrap().run_as,
        Some(run_as("user", Some("group"), false))
    );
    assert_eq!(g.track_scripts[0].name, "chk");
    assert_eq!(
        g.track_interfaces[0].weight.as_ref().map(|w| w.value),
        Some(5)
    );
    assert_eq!(g.track_processes[0].name, "proc");
}

#[test]
fn fractional_advert_int_is_exact() {
    for (text, centis) in [
        ("0.25", 25),
        ("0.01", 1),
        ("1", 100),
        ("40.95", 4095),
        ("2.5", 250),
    ] {
        let config = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 9\n version 3\n \
             advert_int {text}\n virtual_ipaddress {{ 192.0.2.9 }}\n}}\n"
        );
        let advert = parse(&config).config.instances[0]
            .advert_int
            .clone()
            .unwrap();
        assert_eq!(advert.value, Centiseconds(centis), "{text}");
        assert_eq!((advert.at.line, advert.at.column), (5, 13));
    }
}

#[test]
fn ignored_sections_load_with_a_warning_each() {
    let text = "virtual_server 192.0.2.10 80 {\n  real_server 192.0.2.11 80 {\n weight 1\n }\n}\n\
                virtual_server_group G { 192.0.2.10 80 }\nbfd_instance b { neighbor_ip 192.0.2.2 }\n\
                linkbeat_interfaces { eth0 }\n";
    let loaded = parse(text);
    let lines: Vec<u32> = loaded.warnings.iter().map(|w| w.at.line).collect();
    assert_eq!(lines, [1, 6, 7, 8]);
    assert!(
        loaded.warnings[0]
            .message
            .starts_with("`virtual_server` block ignored")
    );
}

/// keepalived's switches for answering a lower-priority advert and for
/// advertising before yielding map onto the core, both ways: the instance
/// keyword wins, the global `vrrp_` form is the default, and with neither
/// a Master answers (RFC 9568 §6.4.3) and, without use_vmac, advertises
/// once before it yields.
#[test]
fn advert_policy_switches_reach_the_core_both_ways() {
    let text = "global_defs {\n vrrp_lower_prio_no_advert\n vrrp_higher_prio_send_advert true\n}\n\
                vrrp_instance V {\n interface eth0\n virtual_router_id 51\n priority 100\n\
                virtual_ipaddress { 192.0.2.10 }\n lower_prio_no_advert false\n}\n\
                vrrp_instance W {\n interface eth0\n virtual_router_id 52\n priority 100\n\
                virtual_ipaddress { 192.0.2.11 }\n higher_prio_send_advert off\n}\n";
    let loaded = parse(text);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let driver = vrrp_keepalived::driver_config(&loaded.config).unwrap();
    let switches: Vec<(bool, bool)> = driver
        .instances
        .iter()
        .map(|i| (i.vrrp.lower_prio_no_advert, i.vrrp.higher_prio_send_advert))
        .collect();
    assert_eq!(switches, [(false, true), (true, false)]);

    // Unset: answer (RFC 9568); the parting advert only without use_vmac,
    // where the clients' ARP entries need the winner to announce again.
    let plain = "vrrp_instance V {\n interface eth0\n virtual_router_id 51\n priority 100\n\
                 virtual_ipaddress { 192.0.2.10 }\n}\n\
                 vrrp_instance W {\n interface eth0\n virtual_router_id 52\n priority 100\n\
                 use_vmac\n virtual_ipaddress { 192.0.2.11 }\n}\n";
    let driver = vrrp_keepalived::driver_config(&parse(plain).config).unwrap();
    let switches: Vec<(bool, bool)> = driver
        .instances
        .iter()
        .map(|i| (i.vrrp.lower_prio_no_advert, i.vrrp.higher_prio_send_advert))
        .collect();
    assert_eq!(switches, [(false, true), (false, false)]);
}

/// keepalived's `v3_checksum_as_v2` (global, and per instance over it)
/// chooses the checksum form we send; by default the IPv4 pseudo-header is
/// included, as keepalived does.
#[test]
fn v3_checksum_as_v2_chooses_the_form_sent() {
    let text = "global_defs {\n v3_checksum_as_v2\n}\n\
                vrrp_instance V {\n interface eth0\n virtual_router_id 51\n priority 100\n\
                virtual_ipaddress { 192.0.2.10 }\n}\n\
                vrrp_instance W {\n interface eth0\n virtual_router_id 52\n priority 100\n\
                virtual_ipaddress { 192.0.2.11 }\n v3_checksum_as_v2 false\n}\n";
    let loaded = parse(text);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let driver = vrrp_keepalived::driver_config(&loaded.config).unwrap();
    let as_v2: Vec<bool> = driver
        .instances
        .iter()
        .map(|i| i.vrrp.v3_checksum_as_v2)
        .collect();
    assert_eq!(as_v2, [true, false]);
    let plain = text.replace(" v3_checksum_as_v2\n", "");
    let driver = vrrp_keepalived::driver_config(&parse(&plain).config).unwrap();
    assert!(!driver.instances[0].vrrp.v3_checksum_as_v2);
}

/// `track_src_ip` tracks the configured source, `unicast_src_ip` before
/// `mcast_src_ip`; without one it has nothing to track, and says so.
#[test]
fn track_src_ip_tracks_the_configured_source() {
    let tracked = |lines: &str| {
        let loaded = parse(&format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.100 }}\n {lines}\n}}\n"
        ));
        let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        (loaded.config.instances[0].tracked_source(), warnings)
    };
    let unicast = "unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n";
    assert_eq!(
        tracked(&format!("{unicast} mcast_src_ip 192.0.2.3\n track_src_ip")),
        (Some(ip("192.0.2.1")), vec![])
    );
    assert_eq!(
        tracked("mcast_src_ip 192.0.2.3\n track_src_ip"),
        (Some(ip("192.0.2.3")), vec![])
    );
    assert_eq!(tracked(unicast), (None, vec![]), "not written: nothing");
    let (source, warnings) = tracked("track_src_ip");
    assert_eq!(source, None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(":5:2: track_src_ip has no effect"),
        "{warnings:?}"
    );
}
