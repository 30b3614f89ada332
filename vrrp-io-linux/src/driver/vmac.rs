//! keepalived's `use_vmac` in the driver: a macvlan with the virtual router
//! MAC carries the VIPs and sends the adverts, so a failover moves the MAC
//! with the address.
//!
//! As keepalived does, the VMAC gets `arp_ignore=1`, `accept_local=1`,
//! `rp_filter=0`, and the parent `arp_ignore=1`, `arp_filter=1` (so the
//! parent never answers ARP for the VIP with its own MAC). Beyond
//! keepalived, which leaves it to the administrator, the parent also gets
//! `arp_announce=2`: replies to a client leave through the parent (its
//! route to the subnet is older than the VIP's), and the parent's ARP
//! request for that client would otherwise name the VIP as sender with
//! the parent's own MAC, which the client then files as the VIP's MAC.
//! keepalived's documented `all.arp_announce=1` does not prevent that
//! when the VIP is in the parent's subnet; 2 makes the parent always
//! ask from its own address. The parent's old values come back, and the
//! VMAC goes, when the driver is dropped.

use std::fs;
use std::time::{Duration, Instant};

use crate::netlink::{NetEvent, Netlink, Seq};
use crate::socket::Family;

use super::DriverError;

/// A sysctl to put back when the driver ends.
#[derive(Debug)]
pub(super) struct Restore {
    path: String,
    value: String,
}

/// Creates the VMAC `name` on `parent` (index `parent_ifindex`) and tunes
/// the sysctls; an existing link of that name (a crashed run's) is reused.
pub(super) fn create(
    netlink: &mut Netlink,
    name: &str,
    parent: &str,
    parent_ifindex: u32,
    vrid: u8,
    family: Family,
    restore: &mut Vec<Restore>,
) -> Result<(), DriverError> {
    let seq = netlink.add_vmac(name, parent_ifindex, vrid, family)?;
    match wait_for(netlink, seq)? {
        Ok(()) => tracing::info!(vmac = name, parent, "virtual MAC interface created"),
        Err(errno) if errno.is_already_exists() => {
            tracing::warn!(vmac = name, "virtual MAC interface exists: reusing it")
        }
        Err(errno) => {
            return Err(DriverError::Netlink(crate::netlink::NetlinkError::Refused(
                errno.to_io(),
            )));
        }
    }
    if family == Family::Ipv4 {
        for (key, value) in [
            ("arp_ignore", "1"),
            ("accept_local", "1"),
            ("rp_filter", "0"),
        ] {
            set_sysctl(name, key, value, None);
        }
        for (key, value) in [
            ("arp_ignore", "1"),
            ("arp_filter", "1"),
            ("arp_announce", "2"),
        ] {
            set_sysctl(parent, key, value, Some(restore));
        }
    }
    Ok(())
}

/// Puts the parents' sysctls back.
pub(super) fn restore_all(restore: &mut Vec<Restore>) {
    for r in restore.drain(..).rev() {
        if let Err(error) = fs::write(&r.path, &r.value) {
            tracing::warn!(path = %r.path, %error, "cannot restore sysctl");
        }
    }
}

fn set_sysctl(interface: &str, key: &str, value: &str, restore: Option<&mut Vec<Restore>>) {
    let path = format!("/proc/sys/net/ipv4/conf/{interface}/{key}");
    let old = fs::read_to_string(&path).map(|v| v.trim().to_owned());
    if old.as_deref().is_ok_and(|old| old == value) {
        return;
    }
    if let (Some(restore), Ok(old)) = (restore, &old) {
        if !restore.iter().any(|r| r.path == path) {
            restore.push(Restore {
                path: path.clone(),
                value: old.clone(),
            });
        }
    }
    if let Err(error) = fs::write(&path, value) {
        tracing::warn!(%path, %error, "cannot set sysctl");
    }
}

/// Waits (at start-up, so blocking is fine) for the kernel's answer to `seq`.
fn wait_for(
    netlink: &mut Netlink,
    seq: Seq,
) -> Result<Result<(), crate::netlink::Errno>, DriverError> {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        netlink.poll_events(&mut events)?;
        for event in events.drain(..) {
            match event {
                NetEvent::Ack { seq: s } if s == seq => return Ok(Ok(())),
                NetEvent::Error { seq: s, errno } if s == seq => return Ok(Err(errno)),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(DriverError::Poll(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "no answer from netlink creating a VMAC",
    )))
}
