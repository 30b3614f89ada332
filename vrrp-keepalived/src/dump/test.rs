use super::*;
use crate::snapshot::fixture;

#[test]
fn signals_are_keepalived_s() {
    // `keepalived --signum=X` on glibc Linux, 2.2.7 and 2.4.3 alike.
    assert_eq!(signum("STOP"), Some(15));
    assert_eq!(signum("RELOAD"), Some(1));
    assert_eq!(signum("DATA"), Some(10));
    assert_eq!(signum("STATS"), Some(12));
    assert_eq!(signum("JSON"), Some(36));
    assert_eq!(signum("STATS_CLEAR"), None);
    assert_eq!(signum("data"), None);
    for dump in Dump::ALL {
        assert_eq!(Dump::of_signal(dump.signal()), Some(dump));
    }
}

#[test]
fn tmp_dir_is_an_absolute_tmpdir_else_tmp() {
    assert_eq!(tmp_dir_from(None), PathBuf::from("/tmp"));
    assert_eq!(tmp_dir_from(Some("rel".into())), PathBuf::from("/tmp"));
    assert_eq!(tmp_dir_from(Some("/run/x".into())), PathBuf::from("/run/x"));
}

#[test]
fn data_has_what_the_exporter_reads() {
    let text = Dump::Data.render(&fixture::snapshot());
    let expected = "\
------< VRRP Topology >------
 VRRP Instance = OCP_EXT
   VRRP Version = 3
   State = MASTER
   Wantstate = MASTER
   Last transition = 1796630161.109081
   Master down timer = 3609375 usecs
   Interface = ens192
   Using src_ip = 192.0.2.11
   Multicast address 224.0.0.18
   Gratuitous ARP delay = 5
   Virtual Router ID = 51
   Priority = 100
   Effective priority = 102
   Advert interval = 1000 milli-sec
   Accept = disabled
   Preempt = enabled
   Virtual IP (2):
     192.0.2.100 dev ens192 scope global set
     198.18.0.1/24 dev eth1 scope global set
   Virtual IP Excluded :
     192.0.2.200 dev ens192 scope global set
   Tracked scripts :
     haproxy_check weight 2
 VRRP Instance = V6
   VRRP Version = 3
   Using Native IPv6
   State = BACKUP
   Master router = fe80::1
   Master advert interval = 1000 milli-sec
   Wantstate = BACKUP
";
    assert!(text.starts_with(expected), "{text}");
    assert!(
        text.ends_with(
            "------< VRRP Scripts >------
 VRRP Script = haproxy_check
   Command = '/usr/bin/killall' '-0' 'haproxy'
   Interval = 2 sec
   Timeout = 2 sec
   Rise = 1
   Fall = 1
   Status = GOOD
   State = idle
"
        ),
        "{text}"
    );
}

#[test]
fn stats_are_keepalived_s_layout() {
    let text = Dump::Stats.render(&fixture::snapshot());
    let first = "\
VRRP Instance: OCP_EXT
  Advertisements:
    Received: 7
    Sent: 40
  Became master: 2
  Released master: 1
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 4
  Authentication Extension Errors:
    Missing: 0
    Malformed: 0
    Unknown Key: 0
    Invalid HMAC: 0
    Stale: 0
    Replay: 0
  Priority Zero:
    Received: 1
    Sent: 0
VRRP Instance: V6
  Advertisements:
    Received: 3
";
    assert!(text.starts_with(first), "{text}");
}

#[test]
fn json_has_keepalived_s_keys_and_numbers() {
    let value: Value = serde_json::from_str(&Dump::Json.render(&fixture::snapshot())).unwrap();
    let ext = &value[0];
    assert_eq!(ext["data"]["iname"], "OCP_EXT");
    assert_eq!(ext["data"]["ifp_ifname"], "ens192");
    assert_eq!(ext["data"]["state"], 2);
    assert_eq!(ext["data"]["wantstate"], 2);
    assert_eq!(ext["data"]["vrid"], 51);
    // An integer, as keepalived's %g writes whole seconds: the exporter
    // reads it into an int.
    assert!(ext["data"]["garp_delay"].is_u64());
    assert_eq!(
        ext["data"]["vips"],
        json!([
            "192.0.2.100 dev ens192 scope global set",
            "198.18.0.1/24 dev eth1 scope global set"
        ])
    );
    assert_eq!(
        ext["data"]["evips"],
        json!(["192.0.2.200 dev ens192 scope global set"])
    );
    assert_eq!(ext["stats"]["release_master"], 1);
    assert_eq!(ext["stats"]["auth_failure"], 4);
    let v6 = &value[1];
    assert_eq!(v6["data"]["state"], 1);
    assert!(
        v6["data"].get("vips").is_none(),
        "no empty list, as keepalived"
    );
}

#[test]
fn write_replaces_the_file_whole() {
    let dir = std::env::temp_dir().join(format!("vrrp-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = fixture::snapshot();
    let path = dir.join("keepalived.stats");
    Dump::Stats.write(&snapshot, &path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        Dump::Stats.render(&snapshot)
    );
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keepalived.stats"], "no temporary file left");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `state_dump_file` as keepalived 2.4.3's `open_dump_file` reads it.
#[test]
fn state_dump_file_moves_keepalived_data_only() {
    let tmp = PathBuf::from("/run/tmp");
    let data = |file: Option<&str>| DumpPaths::new(tmp.clone(), file).path(Dump::Data);
    assert_eq!(data(None), tmp.join("keepalived.data"));
    assert_eq!(
        data(Some("/var/lib/ka/state.txt")),
        PathBuf::from("/var/lib/ka/state.txt")
    );
    // A trailing `/`: keepalived's name in that directory.
    assert_eq!(
        data(Some("/var/lib/ka/")),
        PathBuf::from("/var/lib/ka/keepalived.data")
    );
    assert_eq!(data(Some("/top.data")), PathBuf::from("/top.data"));
    assert_eq!(data(Some("/")), PathBuf::from("/keepalived.data"));
    // Relative: the last part, in the temporary directory.
    assert_eq!(data(Some("sub/dir/x.data")), tmp.join("x.data"));
    assert_eq!(data(Some("x")), tmp.join("x"));
    assert_eq!(data(Some("sub/")), tmp.join("keepalived.data"));
    let moved = DumpPaths::new(tmp.clone(), Some("/var/lib/ka/state.txt"));
    assert_eq!(moved.path(Dump::Stats), tmp.join("keepalived.stats"));
    assert_eq!(moved.path(Dump::Json), tmp.join("keepalived.json"));
}

#[test]
fn vip_lines_as_keepalived_prints_them() {
    let mut i = fixture::snapshot().instances.remove(0);
    let v6 = VipStatus {
        addr: "2001:db8::1".parse().unwrap(),
        prefix_len: 64,
        interface: "eth0".into(),
        label: None,
        excluded: false,
    };
    let host6 = VipStatus {
        prefix_len: 128,
        ..v6.clone()
    };
    let labelled = VipStatus {
        addr: "192.0.2.9".parse().unwrap(),
        prefix_len: 32,
        interface: "eth0".into(),
        label: Some("eth0:vip".into()),
        excluded: false,
    };
    i.vips_installed = false;
    assert_eq!(
        vip_line(&i, &v6),
        "2001:db8::1/64 dev eth0 scope global preferred_lft forever"
    );
    assert_eq!(
        vip_line(&i, &labelled),
        "192.0.2.9 dev eth0 scope global label eth0:vip"
    );
    i.vips_installed = true;
    assert_eq!(
        vip_line(&i, &host6),
        "2001:db8::1 dev eth0 scope global deprecated set"
    );
}

#[test]
fn a_vmac_is_named_as_keepalived_names_it() {
    let mut i = fixture::snapshot().instances.remove(0);
    i.interface = Some("eth0".into());
    i.vmac = Some("vrrp.51".into());
    let on_vmac = VipStatus {
        addr: "192.0.2.100".parse().unwrap(),
        prefix_len: 32,
        interface: "vrrp.51".into(),
        label: None,
        excluded: false,
    };
    let elsewhere = VipStatus {
        interface: "eth1".into(),
        ..on_vmac.clone()
    };
    assert_eq!(interface_text(&i), "vrrp.51, vmac on eth0");
    assert_eq!(
        vip_line(&i, &on_vmac),
        "192.0.2.100 dev vrrp.51@eth0 scope global set"
    );
    assert_eq!(
        vip_line(&i, &elsewhere),
        "192.0.2.100 dev eth1 scope global set"
    );
    let snapshot = Snapshot {
        instances: vec![i],
        ..fixture::snapshot()
    };
    let json: Value = serde_json::from_str(&Dump::Json.render(&snapshot)).unwrap();
    assert_eq!(json[0]["data"]["ifp_ifname"], "vrrp.51");
    assert_eq!(json[0]["data"]["vmac_ifname"], "vrrp.51");
    assert!(
        Dump::Data
            .render(&snapshot)
            .contains("\n   Interface = vrrp.51, vmac on eth0\n")
    );
}

#[test]
fn each_keepalived_counter_reads_its_own_field() {
    let mut i = fixture::snapshot().instances.remove(0);
    i.state = State::Backup;
    i.stats = vrrp_core::Statistics {
        adverts_received: 1,
        adverts_sent: 2,
        master_transitions: 3,
        packet_length_errors: 5,
        advert_interval_errors: 6,
        ip_ttl_errors: 7,
        invalid_type_errors: 8,
        address_list_errors: 9,
        invalid_auth_type: 10,
        auth_type_mismatch: 11,
        auth_failures: 12,
        priority_zero_received: 13,
        priority_zero_sent: 14,
        hmac_missing: 15,
        hmac_malformed: 16,
        hmac_unknown_key: 17,
        hmac_bad_tag: 18,
        hmac_stale: 19,
        hmac_replayed: 20,
        ..vrrp_core::Statistics::default()
    };
    let values = keepalived_counters(&i).map(|(_, v)| v);
    // A Backup released every term as Master it had: 3.
    let expected: Vec<u64> = [1, 2, 3, 3].into_iter().chain(5..=20).collect();
    assert_eq!(values.to_vec(), expected);
}

/// keepalived counts every refused AH advert as an authentication
/// failure: a bad ICV, a foreign SPI, an old sequence number alike.
#[test]
fn auth_failure_sums_the_ah_refusals_as_keepalived_does() {
    let mut i = fixture::snapshot().instances.remove(0);
    i.stats = vrrp_core::Statistics {
        auth_failures: 1,
        ah_bad_spi: 20,
        ah_replayed: 300,
        ..vrrp_core::Statistics::default()
    };
    let counters = keepalived_counters(&i);
    let failure = counters.iter().find(|(name, _)| *name == "auth_failure");
    assert_eq!(failure, Some(&("auth_failure", 321)));
}

#[test]
fn an_instance_without_interface_is_not_configured_as_keepalived_says() {
    let mut snapshot = fixture::snapshot();
    snapshot.instances[0].interface = None;
    assert_eq!(interface_text(&snapshot.instances[0]), "not configured");
    assert!(
        Dump::Data
            .render(&snapshot)
            .contains("   Interface = not configured\n")
    );
    let value: Value = serde_json::from_str(&Dump::Json.render(&snapshot)).unwrap();
    assert!(
        value[0]["data"].get("ifp_ifname").is_none(),
        "no ifp_ifname, as keepalived writes none: {value:#}"
    );
    assert_eq!(value[1]["data"]["ifp_ifname"], "ens224");
}
