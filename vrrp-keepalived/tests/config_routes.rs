//! `virtual_routes`, `virtual_rules`, `static_ipaddress`, `static_routes`
//! and `static_rules` read into the model: what keepalived installs, and
//! errors or warnings at the word that is not installed.

use vrrp_keepalived::conf::{
    IpPrefix, Loaded, PROTOCOL_KEEPALIVED, RouteKind, RouteMode, RtName, RuleAction, TABLE_MAIN,
    parse_str,
};

fn instance(lines: &str) -> String {
    format!(
        "vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
         virtual_ipaddress {{ 192.0.2.100/24 }}\n{lines}}}\n"
    )
}

fn load(text: &str) -> Loaded {
    parse_str(text, "r.conf").unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    parse_str(text, "r.conf").unwrap_err().to_string()
}

fn warnings(loaded: &Loaded) -> Vec<String> {
    loaded.warnings.iter().map(ToString::to_string).collect()
}

fn prefix(text: &str, len: u8) -> IpPrefix {
    IpPrefix {
        addr: text.parse().unwrap(),
        len,
    }
}

#[test]
fn virtual_routes_read_every_supported_word() {
    let loaded = load(&instance(
        " virtual_routes {\n  \
         src 192.0.2.100 to 198.18.0.0/16 via 192.0.2.254 dev eth0 table 100 metric 7 scope global protocol static no_track\n  \
         blackhole 198.19.0.0/24\n  \
         unreachable 198.19.1.0/24 table main\n  \
         prohibit 198.19.2.0/24 preference 3 append\n  \
         2001:db8:1::/48 via 2001:db8::1 onlink add\n  \
         default via 192.0.2.1 table 200\n  \
         inet6 default via 2001:db8::1\n  \
         198.18.5.5 dev eth0 scope link\n }\n",
    ));
    assert!(loaded.warnings.is_empty(), "{:?}", warnings(&loaded));
    let routes = &loaded.config.instances[0].virtual_routes;
    assert_eq!(routes.len(), 8);
    let first = &routes[0];
    assert_eq!(first.dst, prefix("198.18.0.0", 16));
    assert_eq!(first.src, Some("192.0.2.100".parse().unwrap()));
    assert_eq!(first.via, Some("192.0.2.254".parse().unwrap()));
    assert_eq!(first.dev.as_ref().unwrap().value, "eth0");
    assert_eq!(
        (
            first.table.number(),
            first.metric,
            first.scope.as_ref().and_then(RtName::number)
        ),
        (Some(100), Some(7), Some(0))
    );
    assert_eq!(
        first.protocol,
        RtName::Number(4),
        "no_track keeps the protocol written"
    );
    assert_eq!(first.kind, RouteKind::Unicast);
    assert_eq!(routes[1].kind, RouteKind::Blackhole);
    assert_eq!(
        routes[1].protocol,
        RtName::Number(PROTOCOL_KEEPALIVED.into())
    );
    assert_eq!(routes[1].table, RtName::Number(TABLE_MAIN));
    assert_eq!(
        (routes[2].kind, routes[2].table.number()),
        (RouteKind::Unreachable, Some(254))
    );
    assert_eq!(routes[3].metric, Some(3));
    assert_eq!(routes[3].mode, RouteMode::Append);
    assert!(routes[4].onlink);
    assert_eq!(routes[4].mode, RouteMode::Add);
    assert_eq!(routes[4].dst, prefix("2001:db8:1::", 48));
    assert_eq!(routes[5].dst, prefix("0.0.0.0", 0));
    assert_eq!(routes[6].dst, prefix("::", 0));
    assert_eq!(routes[7].dst, prefix("198.18.5.5", 32));
    assert_eq!(routes[7].scope, Some(RtName::Number(253)));
}

#[test]
fn virtual_rules_read_selectors_and_actions() {
    let loaded = load(&instance(
        " virtual_rules {\n  \
         from 192.0.2.100 table 100 preference 100\n  \
         to 198.18.0.0/15 iif eth0 oif eth1 fwmark 0x10/0xff tos 8 lookup main priority 101\n  \
         not from 2001:db8::/32 prohibit order 102\n  \
         from all goto 200 preference 103\n  \
         fwmark 5 type blackhole preference 104 no_track protocol 3\n }\n",
    ));
    assert!(loaded.warnings.is_empty(), "{:?}", warnings(&loaded));
    let rules = &loaded.config.instances[0].virtual_rules;
    assert_eq!(rules[0].from, Some(prefix("192.0.2.100", 32)));
    assert_eq!(rules[0].action, RuleAction::Table(RtName::Number(100)));
    assert_eq!(rules[0].priority, Some(100));
    assert_eq!(rules[0].protocol, Some(PROTOCOL_KEEPALIVED));
    assert_eq!(rules[1].action, RuleAction::Table(RtName::Number(254)));
    assert_eq!(rules[1].fwmark, Some((16, Some(255))));
    assert_eq!(rules[1].iif.as_ref().unwrap().value, "eth0");
    assert_eq!(rules[1].oif.as_ref().unwrap().value, "eth1");
    assert_eq!(rules[1].tos, 8);
    assert!(rules[2].ipv6 && rules[2].invert);
    assert_eq!(rules[2].action, RuleAction::Prohibit);
    assert_eq!(rules[3].action, RuleAction::Goto(200));
    assert_eq!(rules[3].from, Some(prefix("0.0.0.0", 0)));
    assert_eq!(rules[4].action, RuleAction::Blackhole);
    assert_eq!(rules[4].protocol, Some(3));
}

#[test]
fn static_blocks_are_read_at_the_top_level() {
    let loaded = load(
        "static_ipaddress {\n 192.0.2.9/24 dev eth0 label eth0:s\n 192.0.2.10/24\n}\n\
         static_routes {\n 198.18.0.0/16 via 192.0.2.254 track_group G\n}\n\
         static_rules {\n from 192.0.2.9 table 100 preference 50\n}\n",
    );
    let config = &loaded.config;
    assert_eq!(config.static_addresses.len(), 2);
    assert_eq!(config.static_routes[0].dst, prefix("198.18.0.0", 16));
    assert_eq!(
        config.static_rules[0].action,
        RuleAction::Table(RtName::Number(100))
    );
    assert_eq!(config.static_addresses[1].dev.as_deref(), Some("eth0"));
    assert_eq!(
        warnings(&loaded),
        [
            "r.conf:6:32: `track_group` is not supported: the route is not tracked; ignored",
            "r.conf:3:2: static_ipaddress 192.0.2.10 has no `dev`: it goes on eth0, the \
             default_interface (keepalived's default)",
        ]
    );
}

/// keepalived 2.4.3 reads global_defs first: `default_interface` counts
/// for every static address without `dev`, also one written before it,
/// and for nothing else (routes keep no `dev`, VIPs their instance's).
#[test]
fn static_addresses_without_dev_go_on_the_default_interface() {
    let loaded = load(
        "static_ipaddress {\n 192.0.2.9/24\n 192.0.2.11/24 dev lo\n}\n\
         global_defs {\n default_interface ens7\n}\n\
         static_ipaddress {\n 192.0.2.10/24\n}\n\
         static_routes {\n 198.18.0.0/16 via 192.0.2.254\n}\n\
         vrrp_instance V {\n interface ens8\n virtual_router_id 1\n \
         virtual_ipaddress { 192.0.2.100 }\n}\n",
    );
    let config = &loaded.config;
    let devs: Vec<_> = config
        .static_addresses
        .iter()
        .map(|a| a.dev.as_deref())
        .collect();
    assert_eq!(devs, [Some("ens7"), Some("lo"), Some("ens7")]);
    assert_eq!(config.static_routes[0].dev, None);
    assert_eq!(config.instances[0].virtual_ipaddress[0].dev, None);
    assert_eq!(
        warnings(&loaded),
        [
            "r.conf:2:2: static_ipaddress 192.0.2.9 has no `dev`: it goes on ens7, the \
             default_interface (set at r.conf:6:20)",
            "r.conf:9:2: static_ipaddress 192.0.2.10 has no `dev`: it goes on ens7, the \
             default_interface (set at r.conf:6:20)",
        ]
    );
}

#[test]
fn what_is_not_installed_is_said_where_it_is_written() {
    let cases = [
        (
            " virtual_routes {\n  198.18.0.0/16 nexthop via 192.0.2.1\n }\n",
            "r.conf:6:17: route option `nexthop` is not supported: multipath routes are not implemented",
        ),
        (
            " virtual_routes {\n  198.18.0.0/16 via 2001:db8::1\n }\n",
            "r.conf:6:21: expected an IPv4 address: the line already is IPv4 (keepalived cannot mix \
             them either) after virtual_routes, found \"2001:db8::1\"",
        ),
        (
            " virtual_routes {\n  via 192.0.2.1\n }\n",
            "r.conf:6:3: virtual_routes: the route has no destination",
        ),
        // A name is looked up by the host checks (iproute2.rs); a number
        // out of range is refused here.
        (
            " virtual_routes {\n  198.18.0.0/16 protocol 256\n }\n",
            "r.conf:6:26: expected a route protocol: a number 0..255 or a name after \
             virtual_routes, found \"256\"",
        ),
        (
            " virtual_routes {\n  198.18.0.0/16 proto static\n }\n",
            "r.conf:6:17: expected a route option (keepalived writes `protocol`) after \
             virtual_routes, found \"proto\"",
        ),
        (
            " virtual_routes {\n  local 198.18.0.0/16\n }\n",
            "r.conf:6:3: route type `local` is not supported: only unicast, blackhole, \
             unreachable, prohibit and throw routes are installed",
        ),
        (
            " virtual_routes {\n  198.18.0.0/33\n }\n",
            "r.conf:6:3: expected an address, ADDR/LEN or default after virtual_routes, found \
             \"198.18.0.0/33\"",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 preference 5\n }\n",
            "r.conf:6:3: virtual_rules: the rule has no action (table, goto, nop, blackhole, \
             unreachable, prohibit)",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 table 1 prohibit preference 5\n }\n",
            "r.conf:6:26: a rule takes one of table, goto, nop, blackhole, unreachable, prohibit \
             (keepalived refuses more)",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 goto 5 preference 5\n }\n",
            "r.conf:6:3: virtual_rules: `goto 5` needs a preference below 5 (keepalived refuses it too)",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 uidrange 1-2 table 1 preference 5\n }\n",
            "r.conf:6:18: rule option `uidrange` is not supported: the rule would select other \
             packets than keepalived's",
        ),
        (
            " virtual_rules {\n  from 192.0.2.1 table 0 preference 5\n }\n",
            "r.conf:6:24: expected a table other than 0 after virtual_rules, found \"0\"",
        ),
        (
            " virtual_routes {\n  198.18.0.0/16 track_group G\n }\n",
            "r.conf:6:17: expected a route option after virtual_routes, found \"track_group\"",
        ),
    ];
    for (lines, expected) in cases {
        assert_eq!(error(&instance(lines)), expected, "{lines}");
    }
}

#[test]
fn what_is_left_out_or_reset_is_warned_about() {
    let loaded = load(&instance(
        " virtual_routes {\n  198.18.0.0/16 gw 192.0.2.1 mtu lock 1400 protocol static\n }\n \
         virtual_rules {\n  from 192.0.2.100 table 100\n }\n",
    ));
    assert_eq!(
        warnings(&loaded),
        [
            "r.conf:6:17: `gw` is deprecated (keepalived says so too): write `via`",
            "r.conf:6:30: route option `mtu` is not supported: the route is installed without it",
            "r.conf:6:53: protocol 4 ignored: a tracked route gets protocol keepalived (18), as \
             keepalived does; add no_track to keep it",
            "r.conf:9:3: the rule has no preference: the kernel picks one (keepalived picks its \
             own); give it one so that rules keep their order",
        ]
    );
    let route = &loaded.config.instances[0].virtual_routes[0];
    assert_eq!(route.protocol, RtName::Number(PROTOCOL_KEEPALIVED.into()));
    assert_eq!(route.via, Some("192.0.2.1".parse().unwrap()));
}
