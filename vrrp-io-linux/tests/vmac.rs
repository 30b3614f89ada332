//! VMAC interfaces against a real kernel: created as a bridge-mode macvlan
//! on the parent with the RFC 9568 virtual MAC, down (its owner brings it up
//! while Master), reported by events; one that exists (a crashed run's, or
//! keepalived's private-mode one, up) is taken over; removed by index or by
//! name. Needs root.

use vrrp_io_linux::netlink::{NetEvent, Netlink};
use vrrp_io_linux::vmac::{virtual_mac, vmac_name};
use vrrp_io_linux::{Family, Interface};
use vrrp_lab::Lab;
use vrrp_lab::netlink_watch::NetlinkWatcher;

#[test]
fn vmac_is_a_bridge_macvlan_with_the_virtual_mac_down_and_goes_away() {
    let Some(lab) = Lab::new("vmac") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let (parent, netlink) =
        a.in_netns(|| (Interface::lookup("eth0").unwrap(), Netlink::new().unwrap()));
    let mut watcher = NetlinkWatcher::new(netlink);

    let cases = [
        (
            vmac_name(42, Family::Ipv4),
            Family::Ipv4,
            "00:00:5e:00:01:2a",
        ),
        (
            vmac_name(42, Family::Ipv6),
            Family::Ipv6,
            "00:00:5e:00:02:2a",
        ),
    ];
    let mut created = Vec::new();
    for (name, family, mac_text) in &cases {
        let seq = watcher
            .netlink
            .add_vmac(name, parent.ifindex, 42, *family)
            .unwrap();
        let answer = watcher.wait_for_answer(seq);
        assert_eq!(answer, NetEvent::Ack { seq });
        let mac = virtual_mac(42, *family);
        let NetEvent::LinkChanged { ifindex, .. } =
            watcher.wait_for("the new link, down", |event| {
                matches!(event, NetEvent::LinkChanged { name: n, up: false, mac: m, .. }
                if n == name && *m == Some(mac))
            })
        else {
            unreachable!()
        };
        created.push(ifindex);
        let show = |name: &str| a.ip_json(&["-d", "link", "show", "dev", name])[0].clone();
        let is_up = |link: &serde_json::Value| {
            let flags = link["flags"].as_array().unwrap();
            flags.iter().any(|flag| flag == "UP")
        };

        let link = show(name);
        assert_eq!(link["address"], *mac_text);
        assert_eq!(link["link"], "eth0");
        assert_eq!(link["linkinfo"]["info_kind"], "macvlan");
        assert_eq!(link["linkinfo"]["info_data"]["mode"], "bridge");
        assert!(!is_up(&link), "created up: {link}");

        // One of that name in private mode and up, as keepalived leaves it:
        // taken over, bridge mode and down again.
        a.in_netns(|| {
            for args in [
                vec![
                    "link", "set", "dev", name, "type", "macvlan", "mode", "private",
                ],
                vec!["link", "set", "dev", name, "up"],
            ] {
                let out = std::process::Command::new("ip")
                    .args(&args)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "ip {args:?}: {out:?}");
            }
        });
        assert_eq!(show(name)["linkinfo"]["info_data"]["mode"], "private");
        let seq = watcher
            .netlink
            .add_vmac(name, parent.ifindex, 42, *family)
            .unwrap();
        assert_eq!(watcher.wait_for_answer(seq), NetEvent::Ack { seq });
        let link = show(name);
        assert_eq!(link["linkinfo"]["info_data"]["mode"], "bridge");
        assert!(!is_up(&link), "still up: {link}");
        assert_eq!(link["address"], *mac_text);
    }

    // Removed by index, and by name (as a start-up clean-up would).
    let by_index = watcher.netlink.del_link(created[0]).unwrap();
    let by_name = watcher.netlink.del_link_by_name(&cases[1].0).unwrap();
    for (seq, ifindex) in [(by_index, created[0]), (by_name, created[1])] {
        let answer = watcher.wait_for_answer(seq);
        assert_eq!(answer, NetEvent::Ack { seq });
        watcher.wait_for(
            "LinkRemoved",
            |event| matches!(event, NetEvent::LinkRemoved { ifindex: i, .. } if *i == ifindex),
        );
    }
    let links = a.ip_json(&["link", "show"]);
    let names: Vec<_> = links
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|link| link["ifname"].as_str())
        .collect();
    assert_eq!(names, ["lo", "eth0"]);

    // Gone: deleting again says ENODEV.
    let seq = watcher.netlink.del_link(created[0]).unwrap();
    let NetEvent::Error { errno, .. } = watcher.wait_for_answer(seq) else {
        panic!("deleting a missing link must fail");
    };
    assert!(errno.is_no_such_device(), "{errno}");
}
