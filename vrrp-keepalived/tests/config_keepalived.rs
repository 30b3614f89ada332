//! Differential test against keepalived itself, 2.2.7 (Debian's) and 2.4.3
//! (built from ../shared/peers into target/ by .ci/run): for each
//! configuration below, `keepalived -t` (config test) and our reader must
//! agree on accept / reject, except where a case says why we deliberately
//! differ. `keepalived -t` fails on any message it reports, also on what the
//! daemon then runs with the offending line ignored; there we load with a
//! warning, and every line keepalived names has a warning of ours.
//!
//! Needs the `keepalived` binary (the test command installs it) for the
//! comparison; without it (outside CI) our side is still checked and the
//! comparison says SKIPPED.

use std::path::PathBuf;

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, keepalived, keepalived_check};

/// Lets keepalived accept interfaces this machine does not have.
const PRELUDE: &str = "global_defs {\n    dynamic_interfaces\n}\n";

/// What keepalived does with a case, and what we do.
struct Case {
    name: &'static str,
    body: &'static str,
    keepalived_accepts: bool,
    we_accept: bool,
}

const fn agree(name: &'static str, accepts: bool, body: &'static str) -> Case {
    Case {
        name,
        body,
        keepalived_accepts: accepts,
        we_accept: accepts,
    }
}

const INSTANCE_OK: &str = "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n \
                           virtual_ipaddress {\n  192.0.2.100/24 dev ens192\n }\n}\n";

const CASES: &[Case] = &[
    agree("minimal instance", true, INSTANCE_OK),
    // No scripts in these cases: `keepalived -t` checks scripts against this
    // machine (the script user, the file's presence and permissions), which
    // is not what is compared here.
    Case {
        name: "the seed's instance: keepalived -t counts the auth_pass truncation as an error \
               (yet runs it), we load with a warning",
        keepalived_accepts: false,
        we_accept: true,
        body: "vrrp_instance OCP_EXT {\ninterface ens192\nvirtual_router_id 51\npriority 100\nstate MASTER\n\
         virtual_ipaddress {\n192.0.2.100 dev ens192\n}\n\
         authentication {\nauth_type PASS\nauth_pass 1cee4b6e-2cdc-48bf-83b2-01a96d1593e4\n}\n}\n",
    },
    agree(
        "the seed's instance with an 8-byte auth_pass",
        true,
        "vrrp_instance OCP_EXT {\ninterface ens192\nvirtual_router_id 51\npriority 98\nstate BACKUP\n\
         virtual_ipaddress {\n192.0.2.100 dev ens192\n}\n\
         authentication {\nauth_type PASS\nauth_pass 1cee4b6e\n}\n}\n",
    ),
    agree(
        "v3, IPv6, fractional advert_int, brace on the next line, both comments",
        true,
        "vrrp_instance V6 # comment\n{ ! another\n interface ens192\n version 3\n virtual_router_id 195\n \
         advert_int 0.25\n native_ipv6\n virtual_ipaddress {\n  2001:db8::100/64 dev ens192\n }\n}\n",
    ),
    agree(
        "unicast with peers, sync group",
        true,
        "vrrp_instance A {\n interface ens192\n virtual_router_id 7\n unicast_src_ip 192.0.2.1\n \
         unicast_peer {\n  192.0.2.2\n }\n virtual_ipaddress { 192.0.2.7 }\n}\nvrrp_instance B {\n interface ens224\n \
         virtual_router_id 8\n virtual_ipaddress { 198.51.100.8 }\n}\n\
         vrrp_sync_group G {\n group {\n  A\n  B\n }\n}\n",
    ),
    agree(
        "virtual_router_id 0",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 0\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    agree(
        "virtual_router_id 256",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 256\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    agree(
        "priority 0",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n priority 0\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    agree(
        "priority 256",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n priority 256\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    agree(
        "unicast_src_ip without peers",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n unicast_src_ip 192.0.2.2\n \
         virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    Case {
        name: "undefined track_script: keepalived -t reports it, runs without it; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               track_script {\n  nope\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "track_script defined after the instance: keepalived looks it up where it reads \
               it, so it is ignored (reported); we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               track_script {\n  later\n }\n}\nvrrp_script later {\n script \"/bin/true\"\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "state SLAVE: keepalived -t reports it and runs BACKUP; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n state SLAVE\n \
               virtual_ipaddress { 192.0.2.1 }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "auth_type PASS; (unknown type): keepalived -t reports it and runs without \
               authentication; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress { 192.0.2.1 }\n authentication {\n  auth_type PASS;\n  auth_pass secret\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "auth_type PASS without auth_pass: keepalived -t reports it and runs without \
               authentication; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress { 192.0.2.1 }\n authentication {\n  auth_type PASS\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    agree(
        "sync group naming an unknown instance",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
         vrrp_sync_group G {\n group {\n  V\n  W\n }\n}\n",
    ),
    agree(
        "unclosed block",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n",
    ),
    agree(
        "v2 advert_int 0.5",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n advert_int 0.5\n \
         virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    Case {
        name: "mixed address families in virtual_ipaddress: keepalived -t reports the IPv6 one \
               and runs without it; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress {\n  192.0.2.1\n  2001:db8::1\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "version 2 with an IPv6 VIP: keepalived (without vrrp_strict) accepts it, we refuse: \
               RFC 3768 is IPv4 only and no other router would understand it",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n version 2\n \
               virtual_ipaddress { 2001:db8::1 }\n}\n",
        keepalived_accepts: true,
        we_accept: false,
    },
    Case {
        name: "duplicate VRID on one interface: keepalived finds it only once the interface \
               exists (at startup, not under -t with dynamic_interfaces), we find it in the text",
        body: "vrrp_instance A {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
               vrrp_instance B {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.2 }\n}\n",
        keepalived_accepts: true,
        we_accept: false,
    },
    agree(
        "one instance in two sync groups",
        false,
        "vrrp_instance A {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
         vrrp_instance B {\n interface ens192\n virtual_router_id 2\n virtual_ipaddress { 192.0.2.2 }\n}\n\
         vrrp_sync_group G {\n group {\n  A\n  B\n }\n}\nvrrp_sync_group H {\n group {\n  A\n  B\n }\n}\n",
    ),
    Case {
        name: "state in lower case: keepalived -t reports it and runs BACKUP; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n state master\n \
               virtual_ipaddress { 192.0.2.1 }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    agree(
        "no interface, multicast",
        false,
        "vrrp_instance V {\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    Case {
        name: "authentication with version 3: keepalived -t counts it as an error (and ignores \
               the block), we load with a warning",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n version 3\n \
               virtual_ipaddress { 192.0.2.1 }\n authentication {\n  auth_type PASS\n  auth_pass x\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    agree(
        "another multicast group for the instance",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n mcast_dst_ip 224.0.0.19\n \
         virtual_ipaddress { 192.0.2.1 }\n}\n",
    ),
    agree(
        "other multicast groups for every instance",
        true,
        "global_defs {\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n}\n\
         vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
         vrrp_instance W {\n interface ens192\n virtual_router_id 2\n native_ipv6\n \
         virtual_ipaddress { 2001:db8::2 }\n}\n",
    ),
    Case {
        name: "a group that is not multicast: keepalived -t counts it as an error (and skips \
               it), we load with a warning",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n mcast_dst_ip 192.0.2.9\n \
               virtual_ipaddress { 192.0.2.1 }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    agree(
        "unicast_ttl with unicast peers",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n unicast_ttl 64\n \
         unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2 min_ttl 60 max_ttl 64\n }\n \
         virtual_ipaddress { 192.0.2.7 }\n}\n",
    ),
    Case {
        name: "unicast_ttl without unicast peers: keepalived -t counts it as an error (and \
               resets it), we load with a warning (keepalived names the instance's last \
               line, so unicast_ttl is written there)",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
               virtual_ipaddress { 192.0.2.1 }\n unicast_ttl 64 }\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    agree(
        "parameters and another host's conditional lines (an invalid priority there)",
        true,
        "$PRIO=150\n$VIP=192.0.2.1\nvrrp_instance V {\n interface ens192\n virtual_router_id 1\n \
         priority $PRIO\n @no-such-host priority 300\n virtual_ipaddress { ${VIP} }\n}\n",
    ),
    agree(
        "a multi-line parameter expanded twice",
        true,
        "$INST= \\\nvrrp_instance V${N} { \\\n interface ens192 \\\n virtual_router_id ${N} \\\n \
         virtual_ipaddress { 192.0.2.${N} } \\\n}\n$N=1\n$INST\n$N=2\n$INST\n",
    ),
    agree(
        "virtual_routes, virtual_rules and the static blocks as we install them",
        true,
        "static_ipaddress {\n 192.0.2.9/24 dev ens192\n}\nstatic_routes {\n 198.19.77.0/24 via 192.0.2.254 dev ens192 table 77\n}\n\
         static_rules {\n from 192.0.2.9 table 77 preference 77\n}\n\
         vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_routes {\n  src 192.0.2.1 to 198.18.0.0/16 via 192.0.2.254 dev ens192 table 100 metric 5\n  \
         blackhole 198.19.1.0/24 dev ens192\n  unreachable 198.19.2.0/24 scope link no_track\n  prohibit 198.19.3.0/24 protocol static no_track\n  \
         2001:db8:1::/48 via 2001:db8::1 dev ens192\n  default via 192.0.2.254 dev ens192 table main append\n }\n \
         virtual_rules {\n  from 192.0.2.1 table 100 preference 100\n  to 198.18.0.0/15 iif ens192 fwmark 5/0xff lookup main priority 101\n  \
         not from 2001:db8::/32 prohibit preference 102\n }\n}\n",
    ),
    agree(
        "a route without a destination",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_routes {\n  via 192.0.2.254\n }\n}\n",
    ),
    agree(
        "a route with `proto` (keepalived's word is `protocol`)",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_routes {\n  198.18.0.0/16 via 192.0.2.254 proto static\n }\n}\n",
    ),
    agree(
        "a route mixing IPv4 and IPv6",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_routes {\n  198.18.0.0/16 via 2001:db8::1\n }\n}\n",
    ),
    agree(
        "a rule without an action",
        false,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_rules {\n  from 192.0.2.1 preference 100\n }\n}\n",
    ),
    Case {
        name: "a rule without a preference: keepalived -t reports it and picks one; we warn, \
               the kernel picks one",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               virtual_rules {\n  from 192.0.2.1 table 100\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "`gw`: keepalived -t reports it as deprecated and runs it as `via`; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               virtual_routes {\n  198.18.0.0/16 gw 192.0.2.254\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "another protocol on a tracked route: keepalived -t reports it and resets it; we warn",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               virtual_routes {\n  198.18.0.0/16 via 192.0.2.254 protocol static\n }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
    Case {
        name: "a multipath route: keepalived runs it, we refuse it (one of its next hops would \
               carry everything)",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
               virtual_routes {\n  198.18.0.0/16 dev ens192 nexthop via 192.0.2.253 nexthop via 192.0.2.254\n }\n}\n",
        keepalived_accepts: true,
        we_accept: false,
    },
    agree(
        "a route metric we leave out (mtu), with a warning",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n \
         virtual_routes {\n  198.18.0.0/16 via 192.0.2.254 dev ens192 mtu 1400\n }\n}\n",
    ),
    agree(
        "track_src_ip with unicast_src_ip",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n \
         unicast_peer {\n  192.0.2.2\n }\n track_src_ip\n virtual_ipaddress { 192.0.2.100 }\n}\n",
    ),
    agree(
        "track_src_ip with mcast_src_ip",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n mcast_src_ip 192.0.2.1\n \
         track_src_ip\n virtual_ipaddress { 192.0.2.100 }\n}\n",
    ),
    agree(
        "track_src_ip without a configured source: no effect (keepalived silent, we warn)",
        true,
        "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n track_src_ip\n \
         virtual_ipaddress { 192.0.2.100 }\n}\n",
    ),
    Case {
        name: "unknown keyword: keepalived -t fails, we load with a warning",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 1\n frobnicate\n \
               virtual_ipaddress { 192.0.2.1 }\n}\n",
        keepalived_accepts: false,
        we_accept: true,
    },
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_keepalived");
    for (index, case) in CASES.iter().enumerate() {
        let path = parity.file(index, &format!("{PRELUDE}{}", case.body));
        let ours = load(&path);
        let said = ours
            .as_ref()
            .map(|l| &l.warnings)
            .map_err(ToString::to_string);
        if ours.is_ok() != case.we_accept {
            parity.wrong.push(format!(
                "{}: we accept={} (expected {}): we said: {said:?}",
                case.name,
                ours.is_ok(),
                case.we_accept
            ));
        }
        for verdict in parity.check(case.name, &path, |_| case.keepalived_accepts) {
            // What keepalived reports and runs anyway, we warn about on the same line.
            if let Ok(loaded) = &ours {
                parity.lines_covered(
                    case.name,
                    &verdict,
                    |line| loaded.warnings.iter().any(|w| w.at.line == line),
                    &said,
                );
            }
        }
    }
    parity.finish();
}

#[test]
fn auth_pass_truncation_is_reported_on_the_same_line_as_keepalived() {
    let Some(binary) = keepalived().into_iter().next() else {
        eprintln!("SKIPPED: keepalived is not installed");
        return;
    };
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-master.conf");
    let (_, output) = keepalived_check(&binary, &seed);
    let theirs = output
        .lines()
        .find(|line| line.contains("Truncating auth_pass"))
        .unwrap_or_else(|| panic!("keepalived said no truncation:\n{output}"));
    let ours = load(&seed).unwrap();
    let warning = ours
        .warnings
        .iter()
        .find(|w| w.message.starts_with("auth_pass"))
        .unwrap();
    assert!(
        theirs.contains(&format!("Line {})", warning.at.line)),
        "{theirs} vs {warning}"
    );
}
