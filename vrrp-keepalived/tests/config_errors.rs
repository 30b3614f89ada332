//! Errors say file:line:column and what was expected; warnings say where.

use std::net::IpAddr;

use vrrp_keepalived::conf::{ConfigError, Loaded, Severity, parse_str, vrrp_config};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A valid instance named `name` with `extra` lines added before its `}`.
/// Its lines: 1 `vrrp_instance`, 2 interface, 3 virtual_router_id,
/// 4-6 virtual_ipaddress, 7.. `extra`.
fn instance(name: &str, vrid: &str, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
         virtual_ipaddress {{\n        192.0.2.10/24\n    }}\n{extra}}}\n"
    )
}

fn error(text: &str) -> String {
    match parse_str(text, "keepalived.conf") {
        Ok(loaded) => panic!("expected an error, loaded {loaded:#?}"),
        Err(err) => err.to_string(),
    }
}

fn ok(text: &str) -> Loaded {
    parse_str(text, "keepalived.conf").unwrap_or_else(|err| panic!("{err}"))
}

/// Loads `text` and returns the warning that starts with `expected`.
fn warned(text: &str, expected: &str) -> Loaded {
    let loaded = ok(text);
    let all: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert!(
        all.iter().any(|w| w.starts_with(expected)),
        "no warning {expected:?} among {all:#?}"
    );
    loaded
}

#[test]
fn bad_number_names_keyword_expectation_and_value() {
    assert_eq!(
        error(&instance("V", "abc", "")),
        "keepalived.conf:3:23: expected a number 1..255 after virtual_router_id, found \"abc\""
    );
}

#[test]
fn vrid_and_priority_out_of_range() {
    for vrid in ["0", "256"] {
        assert_eq!(
            error(&instance("V", vrid, "")),
            format!(
                "keepalived.conf:3:23: expected a number 1..255 after virtual_router_id, found \"{vrid}\""
            )
        );
    }
    for priority in ["0", "256", "-1"] {
        assert_eq!(
            error(&instance("V", "1", &format!("    priority {priority}\n"))),
            format!(
                "keepalived.conf:7:14: expected a number 1..255 after priority, found \"{priority}\""
            )
        );
    }
    assert_eq!(
        ok(&instance("V", "255", "    priority 255\n"))
            .config
            .instances[0]
            .effective_priority(),
        255
    );
}

#[test]
fn unclosed_brace_points_at_the_open_block() {
    let text = instance("V", "1", "    authentication {\n        auth_type PASS\n");
    assert_eq!(
        error(&text),
        "keepalived.conf:1:1: block `vrrp_instance` is never closed: missing '}' (its '{' is at keepalived.conf:1:17)"
    );
    let err = parse_str(&text, "keepalived.conf").unwrap_err();
    assert!(matches!(err, ConfigError::UnclosedBlock { .. }));
}

#[test]
fn sync_group_with_unknown_instance() {
    let text = instance("V", "1", "") + "vrrp_sync_group G {\n  group {\n    V\n    W\n  }\n}\n";
    assert_eq!(
        error(&text),
        "keepalived.conf:11:5: vrrp_sync_group G names instance `W`, but no vrrp_instance W is defined"
    );
}

#[test]
fn instance_in_two_sync_groups() {
    let text = instance("V", "1", "")
        + "vrrp_sync_group A { group { V } }\nvrrp_sync_group B { group { V } }\n";
    assert_eq!(
        error(&text),
        "keepalived.conf:9:29: vrrp_instance V is already in vrrp_sync_group A; an instance can belong to one sync group only"
    );
}

/// keepalived looks a tracked name up where it reads it: an undefined one,
/// or one defined further down, is ignored with a message; so here.
#[test]
fn undefined_track_script_and_process_are_ignored_as_keepalived_does() {
    let text = instance(
        "V",
        "1",
        "    track_script {\n        chk_haproxy weight 5\n    }\n",
    );
    let loaded = warned(
        &text,
        "keepalived.conf:8:9: track_script `chk_haproxy` ignored, as keepalived ignores it: \
         no vrrp_script chk_haproxy is defined before vrrp_instance V",
    );
    assert!(loaded.config.instances[0].track_scripts.is_empty());
    let later = text.clone() + "vrrp_script chk_haproxy {\n    script \"/bin/true\"\n}\n";
    let loaded = warned(
        &later,
        "keepalived.conf:8:9: track_script `chk_haproxy` ignored",
    );
    assert!(loaded.config.instances[0].track_scripts.is_empty());
    let before = "vrrp_script chk_haproxy {\n    script \"/bin/true\"\n}\n".to_string() + &text;
    let loaded = ok(&before);
    assert_eq!(loaded.config.instances[0].track_scripts.len(), 1);
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("ignored")),
        "{:?}",
        loaded.warnings
    );
    let twice = "vrrp_script c {\n    script \"/bin/true\"\n}\n".to_string()
        + &instance(
            "V",
            "1",
            "    track_script {\n        c\n        c weight 3\n    }\n",
        );
    let loaded = warned(
        &twice,
        "keepalived.conf:12:9: track_script `c` ignored, as keepalived ignores it: \
         vrrp_instance V already tracks it",
    );
    assert_eq!(loaded.config.instances[0].track_scripts.len(), 1);
    let text = instance("V", "1", "    track_process { haproxy }\n");
    warned(
        &text,
        "keepalived.conf:7:21: track_process `haproxy` ignored, as keepalived ignores it: \
         no vrrp_track_process haproxy is defined",
    );
    let text =
        instance("V", "1", "") + "vrrp_sync_group G {\n group { V }\n track_script { nope }\n}\n";
    let loaded = warned(&text, "keepalived.conf:10:17: track_script `nope` ignored");
    assert!(loaded.config.sync_groups[0].track_scripts.is_empty());
}

#[test]
fn version_2_with_ipv6() {
    let text = "vrrp_instance V6 {\n interface eth0\n virtual_router_id 7\n version 2\n \
                virtual_ipaddress {\n  2001:db8::7/64\n }\n}\n";
    assert_eq!(
        error(text),
        "keepalived.conf:6:3: VRRP version 2 is IPv4 only, but virtual_ipaddress 2001:db8::7 is IPv6: use `version 3`"
    );
    let peer = "vrrp_instance V6 {\n interface eth0\n virtual_router_id 7\n version 2\n \
                native_ipv6\n unicast_peer {\n  2001:db8::8\n }\n}\n";
    assert!(error(peer).starts_with(
        "keepalived.conf:7:3: VRRP version 2 is IPv4 only, but unicast_peer 2001:db8::8"
    ));
}

#[test]
fn unicast_src_ip_without_peers() {
    let text = instance("V", "1", "    unicast_src_ip 192.0.2.2\n");
    assert_eq!(
        error(&text),
        "keepalived.conf:7:20: unicast without peers: vrrp_instance V sets unicast_src_ip but has no \
         unicast_peer block, so no advert would be sent to anyone"
    );
    let with_peer = instance(
        "V",
        "1",
        "    unicast_src_ip 192.0.2.2\n    unicast_peer {\n 192.0.2.3\n }\n",
    );
    assert!(ok(&with_peer).config.instances[0].is_unicast());
}

#[test]
fn missing_interface_and_duplicate_vrid() {
    let text = "vrrp_instance V {\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n";
    let multicast = error(text);
    assert!(multicast.starts_with("keepalived.conf:1:1: vrrp_instance V has no `interface`"));
    assert!(
        multicast.contains("needs the interface its adverts use"),
        "{multicast}"
    );
    // keepalived 2.4.3 runs a unicast one with a global source (2.2.7 does
    // not): so do we (issue 13); `tests/config_unbound.rs` compares.
    let unicast = |src: &str, peer: &str, vip: &str| {
        format!(
            "vrrp_instance V {{\n virtual_router_id 1\n unicast_src_ip {src}\n \
             unicast_peer {{ {peer} }}\n virtual_ipaddress {{ {vip} dev eth0 }}\n}}\n"
        )
    };
    let runs = ok(&unicast("192.0.2.2", "192.0.2.3", "192.0.2.1"));
    assert!(runs.config.instances[0].interface.is_none());
    // 2.4.3 refuses a link-local source without an interface.
    let link_local = error(&unicast("fe80::2", "fe80::3", "2001:db8::1"));
    assert!(
        link_local.starts_with(
            "keepalived.conf:3:17: source fe80::2 of vrrp_instance V is IPv6 link-local"
        ),
        "{link_local}"
    );

    let text = instance("A", "51", "") + &instance("B", "51", "");
    assert_eq!(
        error(&text),
        "keepalived.conf:10:23: virtual_router_id 51 is already used on eth0 for IPv4 by vrrp_instance A \
         (keepalived.conf:1:1): each virtual router needs its own VRID on an interface"
    );
    // Same VRID, other family: allowed.
    let v6 = "vrrp_instance C {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress { 2001:db8::1 }\n}\n";
    ok(&(instance("A", "51", "") + v6));
    // Same VRID, unicast to disjoint peers: allowed, as in keepalived.
    let a = instance("A", "51", " unicast_peer { 192.0.2.2 }\n");
    let b = instance("B", "51", " unicast_peer { 192.0.2.3 }\n");
    ok(&(a.clone() + &b));
    let c = instance("C", "51", " unicast_peer { 192.0.2.2 }\n");
    assert!(error(&(a + &c)).contains("virtual_router_id 51 is already used"));
}

#[test]
fn advert_int_must_fit_the_version() {
    let v2 = |value: &str| instance("V", "1", &format!("    advert_int {value}\n"));
    assert!(error(&v2("0.5")).starts_with(
        "keepalived.conf:7:16: advert_int 0.50s is not a whole number of seconds, which VRRP version 2 requires"
    ));
    assert!(error(&v2("256")).starts_with(
        "keepalived.conf:7:16: advert_int 256.00s is out of range for VRRP version 2"
    ));
    assert_eq!(
        ok(&v2("255")).config.instances[0]
            .advert_int
            .as_ref()
            .unwrap()
            .value
            .0,
        25500
    );
    let v3 = |value: &str| {
        instance(
            "V",
            "1",
            &format!("    version 3\n    advert_int {value}\n"),
        )
    };
    assert!(
        error(&v3("41")).starts_with(
            "keepalived.conf:8:16: advert_int 41.00s is out of range for VRRP version 3"
        )
    );
    assert_eq!(
        error(&v3("0.005")),
        "keepalived.conf:8:16: expected seconds above 0 in steps of 0.01 (e.g. 1 or 0.25) after advert_int, found \"0.005\""
    );
    assert!(error(&v3("0")).contains("expected seconds above 0"));
    assert!(error(&v3("fast")).contains("after advert_int, found \"fast\""));
}

#[test]
fn authentication_with_version_3_is_a_warning() {
    let text = instance(
        "V",
        "1",
        "    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n",
    );
    let loaded = ok(&text);
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0]
            .to_string()
            .starts_with("keepalived.conf:8:5: VRRP version 3 has no authentication"),
        "{}",
        loaded.warnings[0]
    );
    let no_pass = instance("V", "1", "    authentication { auth_type PASS }\n");
    warned(
        &no_pass,
        "keepalived.conf:7:5: vrrp_instance V: auth_type PASS without an auth_pass: \
         authentication is ignored",
    );
}

#[test]
fn unknown_keywords_warn_with_their_line() {
    let text = instance("V", "1", "    frobnicate 3\n    $CHECK\n") + "mystery_block {\n}\n";
    let loaded = ok(&text);
    let shown: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "keepalived.conf:7:5: unknown keyword `frobnicate` in vrrp_instance; ignored",
            "keepalived.conf:8:5: `$CHECK`: no such parameter is defined before this line ($NAME=VALUE); line ignored",
            "keepalived.conf:10:1: unknown keyword `mystery_block` in the top level; ignored",
        ]
    );
    assert!(
        loaded
            .warnings
            .iter()
            .all(|w| w.severity == Severity::Warning)
    );
}

#[test]
fn comments_of_both_kinds_and_quoted_strings() {
    let text = "# hash comment\n! bang comment\nvrrp_script s { # trailing\n  script \"/bin/check --flag 'a b' # not a comment\" ! trailing\n}\n\
                vrrp_instance V { ! here too\n interface eth0 # and here\n virtual_router_id 1\n \
                virtual_ipaddress { 192.0.2.1 }\n track_script { s }\n}\n";
    let config = ok(text).config;
    assert_eq!(
        config.scripts[0].script.as_ref().unwrap().value,
        "/bin/check --flag 'a b' # not a comment"
    );
    assert_eq!(
        config.instances[0].interface.as_ref().unwrap().value,
        "eth0"
    );
}

#[test]
fn value_errors_name_what_was_expected() {
    let cases = [
        (
            "    version 4\n",
            "keepalived.conf:7:13: expected 2 or 3 after version, found \"4\"",
        ),
        (
            "    priority\n",
            "keepalived.conf:7:5: expected a number 1..255 after priority",
        ),
        (
            "    mcast_src_ip 192.0.2\n",
            "keepalived.conf:7:18: expected an IPv4 or IPv6 address after mcast_src_ip, found \"192.0.2\"",
        ),
        (
            "    track_script { s weight 300 }\n",
            "keepalived.conf:7:29: expected a weight -253..253 after weight, found \"300\"",
        ),
        (
            "    interface { eth0 }\n",
            "keepalived.conf:7:15: interface takes no block",
        ),
        (
            "    virtual_ipaddress\n",
            "keepalived.conf:7:5: expected a block { ... } after virtual_ipaddress",
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(error(&instance("V", "1", extra)), expected, "{extra:?}");
    }
}

/// The group of an instance: its `mcast_dst_ip`, else the global one of
/// its family, else VRRP's; the core sends there and listens there only.
#[test]
fn the_multicast_group_reaches_the_core() {
    let group = |text: &str| {
        let loaded = ok(text);
        let config = &loaded.config;
        vrrp_config(config, &config.instances[0]).group()
    };
    let global = |lines: &str, extra: &str| {
        format!("global_defs {{\n{lines}}}\n{}", instance("V", "1", extra))
    };
    assert_eq!(group(&instance("V", "1", "")), ip("224.0.0.18"));
    let both = "    vrrp_mcast_group4 224.0.0.19\n    vrrp_mcast_group6 ff02::13\n";
    assert_eq!(group(&global(both, "")), ip("224.0.0.19"));
    // mcast_dst_ip wins over the global group, as in keepalived.
    let own = "    mcast_dst_ip 224.0.0.20\n";
    assert_eq!(group(&global(both, own)), ip("224.0.0.20"));
    let v6 = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n \
              virtual_ipaddress { 2001:db8::1 }\n}\n";
    assert_eq!(
        group(&format!("global_defs {{\n{both}}}\n{v6}")),
        ip("ff02::13")
    );
    // A unicast instance sends to its peers: the group is not its.
    let unicast = "    unicast_peer {\n        192.0.2.2\n    }\n";
    warned(
        &global("", &format!("{own}{unicast}")),
        "keepalived.conf:9:18: mcast_dst_ip 224.0.0.20 ignored: vrrp_instance V sends unicast",
    );
}

/// What keepalived skips with an error (and then runs the file without):
/// a group that is not one, or of the other family; we warn at the value.
#[test]
fn a_group_keepalived_skips_is_ignored_with_a_warning() {
    let global = |line: &str| format!("global_defs {{\n    {line}\n}}\n{}", instance("V", "1", ""));
    let cases = [
        (
            global("vrrp_mcast_group4 192.0.2.1"),
            "keepalived.conf:2:23: vrrp_mcast_group4 192.0.2.1: not a multicast address; ignored",
        ),
        (
            global("vrrp_mcast_group4 ff02::13"),
            "keepalived.conf:2:23: vrrp_mcast_group4 ff02::13: not IPv4; ignored",
        ),
        (
            global("vrrp_mcast_group6 nonsense"),
            "keepalived.conf:2:23: vrrp_mcast_group6 nonsense: not an IP address; ignored",
        ),
        (
            instance("V", "1", "    mcast_dst_ip ff05::13\n"),
            "keepalived.conf:7:18: mcast_dst_ip ff05::13: not a link-local (ff02::/16) multicast group",
        ),
        (
            instance("V", "1", "    mcast_dst_ip ff02::13\n"),
            "keepalived.conf:7:18: mcast_dst_ip ff02::13: vrrp_instance V is IPv4; ignored",
        ),
    ];
    for (text, warning) in cases {
        let loaded = warned(&text, warning);
        let config = &loaded.config;
        assert_eq!(
            vrrp_config(config, &config.instances[0]).multicast_group,
            None
        );
    }
    // A site-scope IPv6 group in global_defs: keepalived warns and uses it.
    let loaded = warned(
        &global("vrrp_mcast_group6 ff05::13"),
        "keepalived.conf:2:23: vrrp_mcast_group6 ff05::13: should be a link-local",
    );
    assert_eq!(
        loaded.config.global.vrrp_mcast_group6.unwrap().value,
        ip("ff05::13")
    );
}

/// `unicast_ttl` is the TTL of unicast adverts; without unicast peers
/// keepalived drops it, and so do we, saying so.
#[test]
fn unicast_ttl_reaches_the_core_of_a_unicast_instance() {
    let unicast = "    unicast_peer {\n        192.0.2.2 min_ttl 60 max_ttl 64\n    }\n";
    let ttl = |extra: &str| {
        let loaded = ok(&instance("V", "1", extra));
        let config = &loaded.config;
        let core = vrrp_config(config, &config.instances[0]);
        (core.unicast_ttl, core.peer_ttl.len())
    };
    assert_eq!(
        ttl(&format!("    unicast_ttl 64\n{unicast}")),
        (Some(64), 0)
    );
    // The peer's TTL limits act under check_unicast_src, as in keepalived.
    let checked = format!("    unicast_ttl 64\n{unicast}    check_unicast_src\n");
    assert_eq!(ttl(&checked), (Some(64), 1));
    warned(
        &instance("V", "1", "    unicast_ttl 64\n"),
        "keepalived.conf:7:17: unicast_ttl 64 ignored: vrrp_instance V has no unicast_peer",
    );
    warned(
        &instance("V", "1", &format!("    unicast_ttl 256\n{unicast}")),
        "keepalived.conf:7:17: unicast_ttl 256: not a TTL 0..255; ignored",
    );
}

/// Values keepalived reports and then runs with a default: so do we, with a
/// warning at the value.
#[test]
fn values_keepalived_replaces_are_replaced_with_a_warning() {
    for (extra, expected) in [
        (
            "    state master\n",
            "keepalived.conf:7:11: unknown state `master`: BACKUP is used (as keepalived does)",
        ),
        (
            "    state SLAVE\n",
            "keepalived.conf:7:11: unknown state `SLAVE`: BACKUP is used (as keepalived does)",
        ),
        (
            "    state MASTER\n    state BACKUP\n",
            "keepalived.conf:8:11: state BACKUP ignored: MASTER was set before",
        ),
        (
            "    authentication { auth_type MD5 }\n",
            "keepalived.conf:7:32: unknown auth_type `MD5`: adverts carry no authentication",
        ),
    ] {
        let loaded = warned(&instance("V", "1", extra), expected);
        let master = extra.contains("MASTER");
        assert_eq!(
            loaded.config.instances[0].state.as_ref().map(|s| s.value),
            Some(if master {
                vrrp_keepalived::conf::InitialState::Master
            } else {
                vrrp_keepalived::conf::InitialState::Backup
            })
            .filter(|_| extra.contains("state")),
            "{extra:?}"
        );
    }
}

#[test]
fn address_lines_are_checked() {
    let vip = |line: &str| {
        format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n  {line}\n }}\n}}\n"
        )
    };
    assert_eq!(
        error(&vip("192.0.2.1/33")),
        "keepalived.conf:5:3: expected an IPv4 or IPv6 address, optionally with /PREFIX after virtual_ipaddress, found \"192.0.2.1/33\""
    );
    assert_eq!(
        error(&vip("192.0.2.1 device eth0")),
        "keepalived.conf:5:13: expected brd, dev, scope, label, no_track or use_vmac after 192.0.2.1, found \"device\""
    );
    assert!(
        error(&vip("192.0.2.1 dev"))
            .starts_with("keepalived.conf:5:13: expected an interface name after dev")
    );
    assert!(
        error(&vip("192.0.2.1 scope galaxy"))
            .contains("expected site, link, host, nowhere, global or a number")
    );
    let mixed = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  192.0.2.1\n  2001:db8::1\n }\n}\n";
    let loaded = warned(
        mixed,
        "keepalived.conf:6:3: virtual_ipaddress 2001:db8::1 ignored: it is IPv6, but \
         vrrp_instance V is IPv4",
    );
    assert_eq!(loaded.config.instances[0].virtual_ipaddress.len(), 1);
    // The first address decides, peers included, in file order.
    let peer_first = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n version 3\n \
                      unicast_peer {\n  2001:db8::2\n }\n virtual_ipaddress {\n  192.0.2.1\n  2001:db8::1\n }\n}\n";
    let loaded = warned(
        peer_first,
        "keepalived.conf:9:3: virtual_ipaddress 192.0.2.1 ignored: it is IPv4, but \
         vrrp_instance V is IPv6",
    );
    assert_eq!(loaded.config.instances[0].virtual_ipaddress.len(), 1);
    let loaded = ok(&vip(
        "192.0.2.1 dev eth0 peer 192.0.2.9 preferred_lft forever",
    ));
    assert_eq!(loaded.warnings.len(), 2);
    assert!(
        loaded.warnings[0]
            .message
            .contains("`peer` is not supported")
    );
}

#[test]
fn duplicate_names_are_errors() {
    let text = instance("V", "1", "") + &instance("V", "2", "");
    assert_eq!(
        error(&text),
        "keepalived.conf:8:1: vrrp_instance V is defined twice (first at keepalived.conf:1:1)"
    );
}

#[test]
fn a_missing_brace_before_the_next_section_is_blamed_on_the_right_block() {
    // The seed article's text lost its braces: this is the error such a file gives.
    let text = "global_defs {\n  router_id ovp_vrrp\n\nvrrp_script haproxy_check {\n  script \"killall -0 haproxy\"\n}\n";
    assert_eq!(
        error(text),
        "keepalived.conf:1:1: block `global_defs` is never closed: missing '}' before `vrrp_script` at \
         keepalived.conf:4:1 (a top-level section cannot sit inside another block)"
    );
}

/// keepalived's conditional lines and parameters, through the whole reader:
/// one file for two hosts, told apart by the config id.
#[test]
fn one_file_for_two_hosts_with_conditions_and_parameters() {
    use vrrp_keepalived::conf::{ReadOptions, parse_str_with};
    let text = "$VIP=192.0.2.100/24\n\
                @lb1 $PRIORITY=100\n\
                @lb2 $PRIORITY=98\n\
                vrrp_instance V {\n\
                \x20   interface eth0\n\
                \x20   virtual_router_id 51\n\
                \x20   priority $PRIORITY\n\
                \x20   @lb1 state MASTER\n\
                \x20   @^lb1 state BACKUP\n\
                \x20   virtual_ipaddress {\n        ${VIP}\n    }\n}\n";
    for (id, priority, master) in [("lb1", 100, true), ("lb2", 98, false)] {
        let options = ReadOptions {
            config_id: Some(id.to_string()),
        };
        let loaded = parse_str_with(text, "keepalived.conf", None, &options)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let instance = &loaded.config.instances[0];
        assert_eq!(instance.effective_priority(), priority, "{id}");
        assert_eq!(
            instance.effective_state() == vrrp_keepalived::conf::InitialState::Master,
            master,
            "{id}"
        );
        assert_eq!(
            instance.virtual_ipaddress[0].addr.to_string(),
            "192.0.2.100",
            "{id}"
        );
        assert!(loaded.warnings.is_empty(), "{id}: {:?}", loaded.warnings);
    }
    // A host the file does not name: no priority line, so keepalived's default.
    let other = parse_str_with(text, "keepalived.conf", None, &ReadOptions::default());
    let error = other.unwrap_err().to_string();
    assert!(
        error.starts_with("keepalived.conf:7:14: expected a number 1..255 after priority"),
        "{error}"
    );
}

/// The file is read, parsed and built one statement at a time, yet the error
/// reported is the one reading, then parsing, then building finds first: a
/// bad value in an early block does not hide an unclosed block or an
/// unterminated quote further down.
#[test]
fn reading_and_parsing_errors_come_before_a_building_error_above_them() {
    let bad_vrid = instance("A", "300", "");
    assert!(
        error(&bad_vrid).starts_with("keepalived.conf:3:23:"),
        "{}",
        error(&bad_vrid)
    );
    let unclosed = format!("{bad_vrid}vrrp_instance B {{\n    interface eth0\n");
    let message = error(&unclosed);
    assert!(
        message.starts_with("keepalived.conf:8:1:") && message.contains("never closed"),
        "{message}"
    );
    let unterminated = format!("{bad_vrid}vrrp_instance B {{\n    interface \"eth0\n}}\n");
    assert!(matches!(
        parse_str(&unterminated, "keepalived.conf"),
        Err(ConfigError::UnterminatedQuote { .. })
    ));
}
