//! Netlink against a real kernel, in a throw-away namespace: VIPs added and
//! removed with their events and acks, "already done" errors told apart,
//! link changes seen, interfaces looked up. Needs root.

use std::net::IpAddr;

use vrrp_io_linux::netlink::{self, NetEvent, Netlink};
use vrrp_io_linux::{IfaceError, Interface, MacAddr};
use vrrp_lab::netlink_watch::NetlinkWatcher;
use vrrp_lab::{Host, Lab, ip};

/// `ip -j addr show dev eth0` entries for `addr`.
fn ip_addr_entry(host: &Host<'_>, addr: IpAddr) -> Option<serde_json::Value> {
    let links = host.ip_json(&["addr", "show", "dev", "eth0"]);
    links[0]["addr_info"]
        .as_array()?
        .iter()
        .find(|info| info["local"].as_str() == Some(&addr.to_string()))
        .cloned()
}

#[test]
fn vip_add_and_delete_are_acked_seen_as_events_and_visible_to_ip() {
    let Some(lab) = Lab::new("nl_vip") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let (iface, netlink) =
        a.in_netns(|| (Interface::lookup("eth0").unwrap(), Netlink::new().unwrap()));
    let mut watcher = NetlinkWatcher::new(netlink);

    let cases: [(IpAddr, u8, Option<&str>); 2] = [
        ("192.0.2.100".parse().unwrap(), 32, Some("eth0:vip")),
        ("2001:db8::100".parse().unwrap(), 128, None),
    ];
    for (vip, prefix_len, label) in cases {
        // Add: acked, notified, and `ip` shows it with our label.
        let seq = watcher
            .netlink
            .add_address(iface.ifindex, vip, prefix_len, label)
            .unwrap();
        assert_eq!(watcher.wait_for_answer(seq), NetEvent::Ack { seq });
        watcher.wait_for("AddressAdded", |event| {
            *event
                == NetEvent::AddressAdded {
                    ifindex: iface.ifindex,
                    addr: vip,
                    prefix_len,
                }
        });
        let entry = ip_addr_entry(&a, vip).expect("ip addr shows the VIP");
        assert_eq!(entry["prefixlen"], u64::from(prefix_len));
        if let Some(label) = label {
            assert_eq!(entry["label"], label);
        }
        if vip.is_ipv6() {
            // Added with IFA_F_NODAD: usable at once, never tentative.
            assert!(entry.get("tentative").is_none(), "{entry}");
        }
        // The start-up dump (run inside the namespace) sees it too.
        let dumped = a
            .in_netns(|| netlink::dump_addresses(iface.ifindex))
            .unwrap();
        let found = dumped.iter().find(|address| address.addr == vip).unwrap();
        assert_eq!(found.prefix_len, prefix_len);
        assert_eq!(found.label.as_deref(), label);

        // Adding it again: EEXIST, told apart from real failures.
        let seq = watcher
            .netlink
            .add_address(iface.ifindex, vip, prefix_len, label)
            .unwrap();
        let NetEvent::Error { errno, .. } = watcher.wait_for_answer(seq) else {
            panic!("a second add must fail");
        };
        assert!(errno.is_already_exists(), "{errno}");
        assert!(!errno.is_address_not_available());

        // Delete: acked, notified, gone from `ip`.
        let seq = watcher
            .netlink
            .del_address(iface.ifindex, vip, prefix_len)
            .unwrap();
        assert_eq!(watcher.wait_for_answer(seq), NetEvent::Ack { seq });
        watcher.wait_for("AddressRemoved", |event| {
            *event
                == NetEvent::AddressRemoved {
                    ifindex: iface.ifindex,
                    addr: vip,
                    prefix_len,
                }
        });
        assert!(ip_addr_entry(&a, vip).is_none());

        // Deleting it again: EADDRNOTAVAIL, told apart too.
        let seq = watcher
            .netlink
            .del_address(iface.ifindex, vip, prefix_len)
            .unwrap();
        let NetEvent::Error { errno, .. } = watcher.wait_for_answer(seq) else {
            panic!("a second delete must fail");
        };
        assert!(errno.is_address_not_available(), "{errno}");
        assert!(!errno.is_already_exists());
    }
}

#[test]
fn link_down_and_up_are_reported() {
    let Some(lab) = Lab::new("nl_link") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let (iface, netlink) =
        a.in_netns(|| (Interface::lookup("eth0").unwrap(), Netlink::new().unwrap()));
    let mut watcher = NetlinkWatcher::new(netlink);
    let ifindex = iface.ifindex;
    let is_eth0 = |event: &NetEvent, want_up: bool| {
        matches!(event, NetEvent::LinkChanged { ifindex: i, name, up, mac, .. }
            if *i == ifindex && name == "eth0" && *up == want_up && *mac == Some(MacAddr(a.mac_bytes())))
    };

    ip(&["-n", a.ns(), "link", "set", "dev", "eth0", "down"]);
    watcher.wait_for("eth0 down", |event| is_eth0(event, false));
    ip(&["-n", a.ns(), "link", "set", "dev", "eth0", "up"]);
    watcher.wait_for("eth0 up and running", |event| is_eth0(event, true));

    // Our own request path, too.
    let seq = watcher.netlink.set_link_up(ifindex, false).unwrap();
    assert_eq!(watcher.wait_for_answer(seq), NetEvent::Ack { seq });
    watcher.wait_for("eth0 down (by us)", |event| is_eth0(event, false));
}

#[test]
fn interface_lookup_reports_index_mac_flags_and_source_addresses() {
    let Some(lab) = Lab::new("nl_iface") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    // A secondary in the same subnet must not be taken for the primary.
    ip(&["-n", a.ns(), "addr", "add", "192.0.2.50/24", "dev", "eth0"]);
    let (iface, missing, lo) = a.in_netns(|| {
        (
            Interface::lookup("eth0").unwrap(),
            Interface::lookup("eth9").unwrap_err(),
            Interface::lookup("lo").unwrap(),
        )
    });
    let links = a.ip_json(&["link", "show", "dev", "eth0"]);
    assert_eq!(links[0]["ifindex"], u64::from(iface.ifindex));
    assert_eq!(iface.name, "eth0");
    assert_eq!(iface.mac, Some(MacAddr(a.mac_bytes())));
    assert!(iface.is_up());
    assert_eq!(iface.primary_ipv4, Some(a.ipv4()));
    assert_eq!(iface.ipv6_link_local, Some(a.link_local()));

    assert!(matches!(&missing, IfaceError::NotFound(name) if name == "eth9"));
    assert_eq!(
        missing.to_string(),
        "interface eth9 not found: check the name with `ip link`"
    );

    // Loopback has 127.0.0.1 but no link-local address.
    assert!(lo.require_ipv6_link_local().is_err());
}
