//! What arrives besides adverts: netlink events, signals, control messages.

use std::time::Instant;

use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use vrrp_core::{Command, State};

use super::event::DriverEvent;
use super::host::Request;
use super::run::{Control, Driver};
use crate::netlink::NetEvent;

impl Driver {
    pub(super) fn read_netlink(&mut self, now: Instant) {
        let mut events = std::mem::take(&mut self.scratch.net);
        self.netlink_more = self.host.poll_events(&mut events);
        for event in events.drain(..) {
            self.on_net_event(now, event);
        }
        self.scratch.net = events;
    }

    fn on_net_event(&mut self, now: Instant, event: NetEvent) {
        match event {
            NetEvent::Ack { seq } => {
                self.host.answered(seq);
            }
            NetEvent::Error { seq, errno } => match self.host.answered(seq) {
                // Already there, or already gone: what we wanted.
                Some(Request::AddVip(..)) if errno.is_already_exists() => {}
                Some(Request::DelVip(..)) if errno.is_address_not_available() => {}
                Some(Request::AddVip(id, addr)) | Some(Request::DelVip(id, addr)) => {
                    tracing::error!(instance = %self.specs[id.index()].name, vip = %addr, %errno, "the kernel refused a VIP change");
                }
                Some(Request::VmacUp(id, up)) => {
                    let spec = &self.specs[id.index()];
                    tracing::error!(instance = %spec.name, vmac = ?spec.vmac, up, %errno, "the kernel refused to set the virtual MAC interface up or down");
                }
                None => {
                    tracing::debug!(%seq, %errno, "netlink error for a request we no longer track")
                }
            },
            NetEvent::LinkChanged {
                ifindex, up, mac, ..
            } => self.on_link(now, ifindex, up, mac),
            NetEvent::LinkRemoved { ifindex, .. } => self.on_link(now, ifindex, false, None),
            NetEvent::AddressRemoved { ifindex, addr, .. } => {
                let ids = self.router.instances().map(|(id, _)| id);
                if let Some(id) = self
                    .host
                    .owner_of_installed(ids, &self.specs, ifindex, addr)
                {
                    if self.router.instance(id).state() == State::Master && self.stopping.is_none()
                    {
                        self.host.restore_vip(id, &self.specs[id.index()], addr);
                    }
                }
            }
            NetEvent::AddressAdded { .. } => {}
            NetEvent::EventsLost => self.resync(now),
        }
    }

    /// A link went up or down: its instances enter or leave Fault, and
    /// instances tracking it get new weights.
    pub(super) fn on_link(
        &mut self,
        now: Instant,
        ifindex: u32,
        up: bool,
        mac: Option<crate::iface::MacAddr>,
    ) {
        let Some(link) = self.host.link_mut(ifindex) else {
            return;
        };
        if mac.is_some() {
            link.mac = mac;
        }
        if link.up == up {
            return;
        }
        link.up = up;
        tracing::info!(interface = %link.name, up, "link changed");
        self.router
            .handle_link(self.clock.to_core(now), ifindex, up);
        self.update_all_tracking(now);
    }

    pub(super) fn read_signals(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        for signal in self.wakeups.pending_signals() {
            match signal {
                SIGTERM | SIGINT => self.shutdown(out),
                SIGHUP => self.emit(out, DriverEvent::Reload),
                SIGUSR1 => self.emit(out, DriverEvent::DumpStatus),
                // A track script ended: reap it now rather than at its deadline.
                SIGCHLD => self.run_trackers(now),
                _ => {}
            }
        }
    }

    pub(super) fn read_control(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        while let Ok(control) = self.control.1.try_recv() {
            match control {
                Control::SetPriority { instance, priority } => {
                    if let Some(id) = self.router.id(instance) {
                        self.router.handle_command(
                            self.clock.to_core(now),
                            id,
                            Command::SetPriority(priority),
                        );
                    }
                }
                Control::Subscribe(sender) => self.observers.subscribe(sender),
                Control::Shutdown => self.shutdown(out),
                Control::Inspect(inspect) => (inspect.0)(self),
            }
        }
    }
}
