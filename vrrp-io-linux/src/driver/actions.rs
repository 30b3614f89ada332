//! Carrying out the core's actions: adverts, VIPs, announcements, events.

use std::net::IpAddr;
use std::time::Instant;

use vrrp_core::{Action, InstanceId, State};

use super::{Driver, DriverEvent, Request};
use crate::announce::Announcer;

impl Driver {
    /// Drains the router and carries out every action.
    pub(super) fn run_actions(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        while let Some((id, action)) = self.router.poll_action() {
            match action {
                Action::SendAdvert { priority } => {
                    let name = &self.specs[id.index()].name;
                    self.adverts.send(&mut self.router, now, id, priority, name);
                }
                Action::AddVips => {
                    self.set_vmac_up(id, true);
                    self.add_vips(id);
                }
                Action::RemoveVips if self.stopping.is_some() && self.installed[id.index()] => {
                    self.defer_vip_removal(id, now);
                }
                Action::RemoveVips => {
                    self.set_vmac_up(id, false);
                    self.remove_vips(id);
                }
                Action::AnnounceVips => self.garp.start(id, &self.specs[id.index()].garp, now),
                Action::ReannounceVips { priority } => {
                    let spec = &self.specs[id.index()];
                    if self.garp.start_lower_prio(id, &spec.garp, now) {
                        tracing::info!(instance = %spec.name, "heard a lower-priority Master: announcing the VIPs again");
                        self.notify
                            .master_rx_lower_pri(now, id.index(), &spec.name, priority);
                    }
                }
                Action::StateChanged {
                    from,
                    to,
                    reason,
                    master,
                    priority,
                } => {
                    let spec = &self.specs[id.index()];
                    tracing::info!(instance = %spec.name, vrid = spec.vrrp.vrid, ?from, ?to, ?reason, ?master, priority, "state changed");
                    if to != State::Master {
                        self.garp.cancel(id);
                    }
                    let event = DriverEvent::StateChanged {
                        instance: id.index(),
                        from,
                        to,
                        reason,
                        master,
                        priority,
                    };
                    self.emit(out, event);
                }
                other => tracing::warn!(?other, "action not carried out"),
            }
        }
    }

    /// With `use_vmac`, the VMAC is up exactly while the instance holds its
    /// VIPs: before they are added, and down again when they go (see
    /// `vmac`). The kernel applies a link change before its request returns,
    /// so the advert and the announcements that follow leave a link that is up.
    pub(super) fn set_vmac_up(&mut self, id: InstanceId, up: bool) {
        let spec = &self.specs[id.index()];
        let Some(vmac) = &spec.vmac else { return };
        let Some(link) = self.links.iter().find(|l| l.name == *vmac) else {
            return;
        };
        match self.netlink.set_link_up(link.ifindex, up) {
            Ok(seq) => {
                self.requests.insert(seq, Request::VmacUp(id, up));
            }
            Err(error) => {
                tracing::error!(instance = %spec.name, %vmac, up, %error, "cannot set the virtual MAC interface up or down")
            }
        }
    }

    fn add_vips(&mut self, id: InstanceId) {
        self.installed[id.index()] = true;
        self.request_vips(id, true);
    }

    pub(super) fn remove_vips(&mut self, id: InstanceId) {
        self.installed[id.index()] = false;
        self.garp.cancel(id);
        self.request_vips(id, false);
    }

    /// Asks the kernel to add (or delete) every installed VIP of an instance.
    fn request_vips(&mut self, id: InstanceId, add: bool) {
        let spec = &self.specs[id.index()];
        for vip in spec.installed() {
            let Some(link) = self.links.iter().find(|l| l.name == spec.interface_of(vip)) else {
                continue;
            };
            let sent = if add {
                self.netlink.add_address(
                    link.ifindex,
                    vip.addr,
                    vip.prefix_len,
                    vip.label.as_deref(),
                )
            } else {
                self.netlink
                    .del_address(link.ifindex, vip.addr, vip.prefix_len)
            };
            match sent {
                Ok(seq) => {
                    let request = if add {
                        Request::AddVip(id, vip.addr)
                    } else {
                        Request::DelVip(id, vip.addr)
                    };
                    self.requests.insert(seq, request);
                }
                Err(error) => {
                    tracing::error!(instance = %spec.name, vip = %vip.addr, %error, "netlink request failed")
                }
            }
        }
    }

    /// One round of announcements for every VIP of an instance.
    pub(super) fn announce(&mut self, id: InstanceId) {
        if !self.installed[id.index()] {
            return;
        }
        let spec = &self.specs[id.index()];
        for vip in spec.installed() {
            let Some(link) = self
                .links
                .iter_mut()
                .find(|l| l.name == spec.interface_of(vip))
            else {
                continue;
            };
            let Some(mac) = link.mac else { continue };
            if link.announcer.is_none() {
                match Announcer::open(link.ifindex) {
                    Ok(announcer) => link.announcer = Some(announcer),
                    Err(error) => {
                        tracing::error!(interface = %link.name, %error, "cannot announce VIPs");
                        continue;
                    }
                }
            }
            let announcer = link.announcer.as_ref().expect("opened above");
            let sent = match vip.addr {
                IpAddr::V4(addr) => announcer.gratuitous_arp(mac, addr),
                IpAddr::V6(addr) => announcer.unsolicited_na(mac, addr, link.ipv6_forwarding),
            };
            if let Err(error) = sent {
                tracing::debug!(interface = %link.name, vip = %vip.addr, %error, "announcement not sent");
            }
        }
    }

    /// Whether `addr` is a VIP an instance has installed on `ifindex`.
    pub(super) fn owner_of_installed(&self, ifindex: u32, addr: IpAddr) -> Option<InstanceId> {
        self.router.instances().map(|(id, _)| id).find(|id| {
            let spec = &self.specs[id.index()];
            self.installed[id.index()]
                && spec.installed().any(|vip| {
                    vip.addr == addr
                        && self
                            .links
                            .iter()
                            .any(|l| l.ifindex == ifindex && l.name == spec.interface_of(vip))
                })
        })
    }

    /// Re-adds one VIP (removed behind our back).
    pub(super) fn restore_vip(&mut self, id: InstanceId, addr: IpAddr) {
        let spec = &self.specs[id.index()];
        let Some(vip) = spec.installed().find(|v| v.addr == addr) else {
            return;
        };
        let Some(link) = self.links.iter().find(|l| l.name == spec.interface_of(vip)) else {
            return;
        };
        tracing::warn!(instance = %spec.name, vip = %addr, interface = %link.name,
            "virtual address removed by someone else while Master: putting it back");
        match self
            .netlink
            .add_address(link.ifindex, vip.addr, vip.prefix_len, vip.label.as_deref())
        {
            Ok(seq) => {
                self.requests.insert(seq, Request::AddVip(id, addr));
            }
            Err(error) => {
                tracing::error!(vip = %addr, %error, "cannot restore the virtual address")
            }
        }
    }
}
