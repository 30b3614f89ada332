//! VMAC interfaces against a real kernel: created as a private-mode macvlan
//! on the parent with the RFC 9568 virtual MAC and up, reported by events,
//! removed by index or by name. Needs root.

mod common;

use common::{Lab, Watcher, in_netns, ip_json, skip_unless_root};
use vrrp_io_linux::netlink::{NetEvent, Netlink};
use vrrp_io_linux::vmac::{virtual_mac, vmac_name};
use vrrp_io_linux::{Family, Interface};

#[test]
fn vmac_is_a_private_macvlan_with_the_virtual_mac_and_goes_away() {
    if skip_unless_root("vmac_is_a_private_macvlan_with_the_virtual_mac_and_goes_away") {
        return;
    }
    let mut lab = Lab::new("vmac");
    let a = lab.host("a", 1);
    let (parent, netlink) = in_netns(&a.ns, || {
        (Interface::lookup("eth0").unwrap(), Netlink::new().unwrap())
    });
    let mut watcher = Watcher::new(netlink);

    let cases = [
        (vmac_name(42), Family::Ipv4, "00:00:5e:00:01:2a"),
        ("vrrp6.42".to_owned(), Family::Ipv6, "00:00:5e:00:02:2a"),
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
        let NetEvent::LinkChanged { ifindex, .. } = watcher.wait_for("the new link, up", |event| {
            matches!(event, NetEvent::LinkChanged { name: n, up: true, mac: m, .. }
                if n == name && *m == Some(mac))
        }) else {
            unreachable!()
        };
        created.push(ifindex);

        let link = &ip_json(&a.ns, &["-d", "link", "show", "dev", name])[0];
        assert_eq!(link["address"], *mac_text);
        assert_eq!(link["link"], "eth0");
        assert_eq!(link["linkinfo"]["info_kind"], "macvlan");
        assert_eq!(link["linkinfo"]["info_data"]["mode"], "private");
        let flags = link["flags"].as_array().unwrap();
        assert!(flags.iter().any(|flag| flag == "UP"), "{flags:?}");

        // A second one of the same name: EEXIST.
        let seq = watcher
            .netlink
            .add_vmac(name, parent.ifindex, 42, *family)
            .unwrap();
        let NetEvent::Error { errno, .. } = watcher.wait_for_answer(seq) else {
            panic!("creating it twice must fail");
        };
        assert!(errno.is_already_exists(), "{errno}");
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
    let links = ip_json(&a.ns, &["link", "show"]);
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
