//! keepalived's receive buffer settings mapped onto the driver's.

use vrrp_io_linux::driver::{NetlinkBuffer, RxBufferShare};

use crate::conf::{Buffers, RxBufsPolicy, VrrpInstance};

/// keepalived's default `vrrp_rx_bufs_multiplier`.
const MULTIPLIER: u32 = 3;

/// keepalived's netlink buffer when none is configured
/// (keepalived_netlink.c, `IF_DEFAULT_BUFSIZE`).
const NETLINK_DEFAULT: u32 = 64 * 1024;

/// What `instance` adds to its VRRP socket's receive buffer, in
/// keepalived's order (vrrp_scheduler.c, `vrrp_create_sockpool`): its
/// `kernel_rx_buf_size`, else the policy's size, else the multiplier times
/// its advert or its interface's MTU, else nothing.
pub(crate) fn rx_buffer(buffers: &Buffers, instance: &VrrpInstance) -> RxBufferShare {
    let multiplier = buffers.rx_multiplier.unwrap_or(MULTIPLIER);
    match (
        instance.kernel_rx_buf_size.filter(|&b| b != 0),
        buffers.rx_policy,
    ) {
        (Some(bytes), _) => RxBufferShare::Bytes(bytes),
        (None, Some(RxBufsPolicy::Size(bytes))) => RxBufferShare::Bytes(bytes),
        (None, Some(RxBufsPolicy::Advert)) => RxBufferShare::Adverts(multiplier),
        (None, Some(RxBufsPolicy::Mtu)) => RxBufferShare::Mtus(multiplier),
        (None, None) => RxBufferShare::None,
    }
}

/// The netlink socket's buffer. keepalived has two sockets, one for
/// commands and one for monitoring, each 64 KiB unless configured; ours
/// does both, so it asks for both's sizes together, forced if either is.
/// Neither size configured: `None` (the driver's own, larger, default).
pub(crate) fn netlink(buffers: &Buffers) -> Option<NetlinkBuffer> {
    if buffers.netlink_cmd.is_none() && buffers.netlink_monitor.is_none() {
        return None;
    }
    let cmd = buffers.netlink_cmd.unwrap_or(NETLINK_DEFAULT);
    let monitor = buffers.netlink_monitor.unwrap_or(NETLINK_DEFAULT);
    Some(NetlinkBuffer {
        bytes: cmd.saturating_add(monitor),
        force: buffers.netlink_cmd_force || buffers.netlink_monitor_force,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::parse_str;

    fn spec(global: &str, instance: &str) -> (RxBufferShare, Option<NetlinkBuffer>) {
        let text = format!(
            "global_defs {{\n{global}\n}}\nvrrp_instance V {{\n interface eth0\n \
             virtual_router_id 1\n virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        );
        let config = parse_str(&text, "b.conf").unwrap().config;
        (
            rx_buffer(&config.global.buffers, &config.instances[0]),
            netlink(&config.global.buffers),
        )
    }

    #[test]
    fn the_instance_size_then_the_policy() {
        for (global, instance, share) in [
            ("", "", RxBufferShare::None),
            ("", "kernel_rx_buf_size 0", RxBufferShare::None),
            ("", "kernel_rx_buf_size 9000", RxBufferShare::Bytes(9000)),
            (
                "vrrp_rx_bufs_policy MTU",
                "kernel_rx_buf_size 9000",
                RxBufferShare::Bytes(9000),
            ),
            ("vrrp_rx_bufs_policy MTU", "", RxBufferShare::Mtus(3)),
            (
                "vrrp_rx_bufs_policy advert\nvrrp_rx_bufs_multiplier 7",
                "",
                RxBufferShare::Adverts(7),
            ),
            ("vrrp_rx_bufs_policy 5000", "", RxBufferShare::Bytes(5000)),
        ] {
            assert_eq!(spec(global, instance).0, share, "{global:?} / {instance:?}");
        }
    }

    #[test]
    fn one_netlink_socket_asks_for_both() {
        assert_eq!(spec("", "").1, None);
        assert_eq!(spec("vrrp_netlink_cmd_rcv_bufs_force", "").1, None);
        assert_eq!(
            spec("vrrp_netlink_monitor_rcv_bufs 1048576", "").1,
            Some(NetlinkBuffer {
                bytes: 1048576 + 65536,
                force: false
            })
        );
        assert_eq!(
            spec(
                "vrrp_netlink_monitor_rcv_bufs 200000\nvrrp_netlink_cmd_rcv_bufs 100000\n\
                 vrrp_netlink_cmd_rcv_bufs_force on",
                ""
            )
            .1,
            Some(NetlinkBuffer {
                bytes: 300000,
                force: true
            })
        );
    }
}
