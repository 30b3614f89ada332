//! Drop rules against a real kernel, in a lab host's namespace (never the
//! machine's own ruleset): a dropped address stops answering ping from a
//! neighbour and starts again when allowed; a second `create` replaces the
//! table (a crashed run's); dropping the rules deletes the table. Needs root
//! and `nft`.

use std::net::IpAddr;

use vrrp_io_linux::firewall::{ChainOptions, DropRules, FirewallError};
use vrrp_lab::Lab;

const TABLE: &str = "vrrp_rs_test";

/// The rules made, or `None` after a loud SKIPPED line where `nft` is
/// missing (under CI: a failure); any other error fails.
fn or_skip(created: Result<DropRules, FirewallError>) -> Option<DropRules> {
    match created {
        Ok(rules) => Some(rules),
        Err(error @ FirewallError::NftMissing(_)) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have nft: {error}"
            );
            eprintln!("SKIPPED: {error}");
            None
        }
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn dropped_addresses_stop_answering_until_allowed_and_the_table_goes() {
    let Some(lab) = Lab::new("fw") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let client = lab.host("c", &["192.0.2.9/24", "2001:db8::9/64"]);
    let v4: IpAddr = "192.0.2.1".parse().unwrap();
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    assert!(client.ping(v4) && client.ping(v6), "reachable before");

    let rules = a.in_netns(|| DropRules::create(TABLE, ChainOptions::default()));
    let Some(mut rules) = or_skip(rules) else {
        return;
    };
    a.in_netns(|| rules.drop_traffic(&[v4, v6])).unwrap();
    assert!(!client.ping(v4), "IPv4 dropped");
    assert!(!client.ping(v6), "IPv6 dropped");
    let listed = a.exec(&["nft", "list", "table", "inet", TABLE]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains("192.0.2.1") && listed.contains("2001:db8::1"),
        "{listed}"
    );
    // Adding again is a no-op; allowing twice too.
    a.in_netns(|| rules.drop_traffic(&[v4])).unwrap();
    a.in_netns(|| rules.allow_traffic(&[v4, v6])).unwrap();
    a.in_netns(|| rules.allow_traffic(&[v4])).unwrap();
    assert!(client.ping(v4) && client.ping(v6), "allowed again");
    assert_eq!(rules.failures(), 0);

    // A crash leaves the table with an address in it; the next run replaces it.
    a.in_netns(|| rules.drop_traffic(&[v4])).unwrap();
    std::mem::forget(rules);
    let again = a
        .in_netns(|| DropRules::create(TABLE, ChainOptions::default()))
        .unwrap();
    assert!(client.ping(v4), "a fresh table drops nothing");
    a.in_netns(|| drop(again));
    let tables = a.exec(&["nft", "list", "tables"]);
    assert!(
        !String::from_utf8_lossy(&tables.stdout).contains(TABLE),
        "the table is gone"
    );
    assert!(!a.in_netns(|| DropRules::delete_table(TABLE)).unwrap());
}

/// keepalived's `nftables_priority` and `nftables_counters` as the kernel
/// holds them: the chains at the priority asked, and counters only when
/// asked; the dropping works either way.
#[test]
fn chains_take_the_priority_and_count_only_when_asked() {
    let Some(lab) = Lab::new("so13_nft_chains") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let client = lab.host("c", &["192.0.2.9/24"]);
    let v4: IpAddr = "192.0.2.1".parse().unwrap();
    let listed = || {
        let out = a.exec(&["nft", "list", "table", "inet", TABLE]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (options, priority, counted) in [
        (ChainOptions::default(), "priority filter - 1;", false),
        (
            ChainOptions {
                priority: -5,
                counters: true,
            },
            "priority filter - 5;",
            true,
        ),
        (
            ChainOptions {
                priority: 300,
                counters: false,
            },
            "priority 300;",
            false,
        ),
    ] {
        let Some(mut rules) = or_skip(a.in_netns(|| DropRules::create(TABLE, options))) else {
            return;
        };
        a.in_netns(|| rules.drop_traffic(&[v4])).unwrap();
        assert!(!client.ping(v4), "{options:?}: dropped");
        let table = listed();
        assert_eq!(table.matches(priority).count(), 2, "{options:?}:\n{table}");
        assert_eq!(
            table.contains("counter packets"),
            counted,
            "{options:?}:\n{table}"
        );
        a.in_netns(|| drop(rules));
    }
}
