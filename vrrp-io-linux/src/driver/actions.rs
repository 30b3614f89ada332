//! Carrying out the core's actions: adverts, VIPs (and routes),
//! announcements, events.

use std::time::Instant;

use vrrp_core::{Action, InstanceId, State};

use super::event::DriverEvent;
use super::run::Driver;

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
                    self.drop_vip_traffic(id);
                    let spec = &self.specs[id.index()];
                    self.host.set_vmac_up(id, spec, true);
                    self.host.add_vips(id, spec);
                    self.host.add_routes(id, spec);
                }
                Action::RemoveVips
                    if self.stopping.is_some() && self.host.is_installed(id.index()) =>
                {
                    self.defer_vip_removal(id, now);
                }
                Action::RemoveVips => self.remove_vips(id),
                Action::AnnounceVips => self.garp.start(id, &self.specs[id.index()].garp, now),
                Action::ReannounceVips { priority } => {
                    let spec = &self.specs[id.index()];
                    if self.garp.start_lower_prio(id, &spec.garp, now) {
                        tracing::info!(instance = %spec.name, "heard a lower-priority Master: announcing the VIPs again");
                        self.observers.notifier_mut().master_rx_lower_pri(
                            now,
                            id.index(),
                            &spec.name,
                            priority,
                        );
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
                Action::OldUnicastChecksum => {
                    let spec = &self.specs[id.index()];
                    tracing::info!(
                        instance = %spec.name,
                        "a unicast peer checksums VRRPv3 adverts as keepalived 1.3.6 did: using \
                         that form from now on, as keepalived does (`old_unicast_checksum never` \
                         keeps the RFC's)"
                    );
                }
                other => tracing::warn!(?other, "action not carried out"),
            }
        }
    }

    /// Takes `id`'s rules, routes and VIPs away (its VMAC down first) and
    /// stops announcing them; then lets traffic to them pass again.
    pub(super) fn remove_vips(&mut self, id: InstanceId) {
        let spec = &self.specs[id.index()];
        self.host.remove_routes(id, spec);
        self.host.set_vmac_up(id, spec, false);
        self.garp.cancel(id);
        self.host.remove_vips(id, spec);
        self.allow_vip_traffic(id);
    }

    /// Holds `id`'s VIPs for the handover instead of removing them now.
    fn defer_vip_removal(&mut self, id: InstanceId, now: Instant) {
        let interval = self.router.instance(id).config().advert_interval;
        self.garp.cancel(id);
        self.handover.start(id, interval, now);
    }
}
