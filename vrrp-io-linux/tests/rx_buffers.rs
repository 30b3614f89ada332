//! Receive buffers asked by the configuration (keepalived's
//! `kernel_rx_buf_size`, `vrrp_rx_bufs_policy`,
//! `vrrp_netlink_*_rcv_bufs[_force]`), read back from the kernel
//! (`getsockopt(SO_RCVBUF)`, which reports twice the size asked) on a
//! driver running in a namespace. Needs root.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use std::time::{Duration, Instant};
use vrrp_io_linux::Interface;
use vrrp_io_linux::driver::{Driver, DriverConfig, InstanceSpec, NetlinkBuffer, RxBufferShare};

use vrrp_lab::{Lab, ip};

fn sysctl(name: &str) -> usize {
    std::fs::read_to_string(format!("/proc/sys/net/core/{name}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn instance(vrid: u8, vip: IpAddr, share: RxBufferShare) -> InstanceSpec {
    let mut spec = InstanceSpec::new(&format!("VI_{vrid}"), "eth0", vrid, &[vip]);
    spec.rx_buffer = share;
    spec
}

#[test]
fn vrrp_socket_buffers_are_the_sum_of_their_instances_shares() {
    let Some(lab) = Lab::new("so13_rx_buffers") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    a.in_netns(|| {
        let mtu = Interface::lookup("eth0").unwrap().mtu;
        assert_eq!(mtu, 1500, "a veth's default MTU");
        let v4 = |n| IpAddr::V4(Ipv4Addr::new(192, 0, 2, n));
        let config = DriverConfig {
            instances: vec![
                // One IPv4 socket on eth0, shared by three instances.
                instance(1, v4(101), RxBufferShare::Bytes(50_000)),
                instance(2, v4(102), RxBufferShare::Mtus(3)),
                // VRRPv3 over IPv4, one address: 8 + 4 + the IPv4 header's 20.
                instance(3, v4(103), RxBufferShare::Adverts(2)),
                instance(4, v4(104), RxBufferShare::None),
                // The IPv6 socket: nobody asks, the kernel's default stays.
                instance(
                    5,
                    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 5)),
                    RxBufferShare::None,
                ),
            ],
            netlink_buffer: Some(NetlinkBuffer {
                bytes: 300_000,
                force: false,
            }),
            ..DriverConfig::default()
        };
        let mut driver = Driver::new(config).unwrap();
        let buffers = driver.vrrp_receive_buffers().unwrap();
        assert_eq!(buffers.len(), 2, "{buffers:?}");
        let asked = 50_000 + 3 * 1500 + 2 * 32;
        assert_eq!(buffers[0].1, 2 * asked, "the IPv4 socket: {buffers:?}");
        assert_eq!(
            buffers[1].1,
            sysctl("rmem_default"),
            "the IPv6 socket: {buffers:?}"
        );
        assert_eq!(driver.netlink_receive_buffer().unwrap(), 600_000);

        // The MTU changes: the socket asks again (keepalived's update_mtu).
        ip(&["-n", a.ns(), "link", "set", "dev", "eth0", "mtu", "1400"]);
        let resized = 2 * (50_000 + 3 * 1400 + 2 * 32);
        let end = Instant::now() + Duration::from_secs(5);
        let mut events = Vec::new();
        while driver.vrrp_receive_buffers().unwrap()[0].1 != resized {
            assert!(Instant::now() < end, "{:?}", driver.vrrp_receive_buffers());
            driver.turn(&mut events).unwrap();
        }
    });
}

#[test]
fn netlink_buffer_is_capped_unless_forced() {
    let Some(lab) = Lab::new("so13_nl_buffers") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    a.in_netns(|| {
        let rmem_max = sysctl("rmem_max");
        let bytes = u32::try_from(rmem_max + 4096).unwrap();
        let netlink_buffer = |force| {
            let config = DriverConfig {
                instances: vec![instance(
                    1,
                    "192.0.2.101".parse().unwrap(),
                    RxBufferShare::None,
                )],
                netlink_buffer: Some(NetlinkBuffer { bytes, force }),
                ..DriverConfig::default()
            };
            Driver::new(config)
                .unwrap()
                .netlink_receive_buffer()
                .unwrap()
        };
        // SO_RCVBUF: capped at net.core.rmem_max, as keepalived's without _force.
        assert_eq!(netlink_buffer(false), 2 * rmem_max);
        // SO_RCVBUFFORCE (we are root): past it.
        assert_eq!(netlink_buffer(true), 2 * (rmem_max + 4096));
        // Without a configured size, the driver's own default.
        let config = DriverConfig {
            instances: vec![instance(
                1,
                "192.0.2.101".parse().unwrap(),
                RxBufferShare::None,
            )],
            ..DriverConfig::default()
        };
        let default = Driver::new(config)
            .unwrap()
            .netlink_receive_buffer()
            .unwrap();
        assert_eq!(default, 2 * vrrp_io_linux::netlink::SOCKET_RCVBUF);
    });
}
