//! Carrying out the core's actions: adverts (queued, and sent together
//! once the router is drained), VIPs (and routes; new Masters' in slices,
//! after the adverts: `installs.rs`), announcements, events.

use std::time::Instant;

use vrrp_core::{Action, InstanceId, State};

use super::event::DriverEvent;
use super::installs::VIPS_PER_TURN;
use super::run::Driver;

impl Driver {
    /// Drains the router and carries out every action.
    pub(super) fn run_actions(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        while let Some((id, action)) = self.router.poll_action() {
            match action {
                // Sent together after the drain: a turn's adverts, one
                // `sendmmsg` per socket and 64 adverts; a new Master's
                // once its VIPs are in.
                Action::SendAdvert { priority } => {
                    let hold = self.installs.is_pending(id);
                    self.adverts.queue(&mut self.router, id, priority, hold);
                }
                Action::AddVips => {
                    // The VMAC at once (a link change is carried out as
                    // it is asked); the rest in the turn's slice.
                    self.host.set_vmac_up(id, &self.specs[id.index()], true);
                    self.installs.push(id);
                }
                Action::RemoveVips
                    if self.stopping.is_some() && self.host.is_installed(id.index()) =>
                {
                    self.defer_vip_removal(id, now);
                }
                Action::RemoveVips => self.remove_vips(id),
                Action::AnnounceVips if self.installs.is_pending(id) => {
                    self.installs.announce_after(id);
                }
                Action::AnnounceVips => self.garp.start(id, &self.specs[id.index()], now),
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
        let specs = &self.specs;
        self.adverts
            .flush(&mut self.router, now, |id| specs[id.index()].name.as_str());
        self.allow_removed_vip_traffic();
        self.install_vips(now, VIPS_PER_TURN);
    }

    /// Installs the VIPs of the next queued new Masters, about `budget`
    /// VIPs' worth ([`Installs`](super::installs::Installs)): their drop
    /// rules first (one `nft` run for all), then their VIPs and routes;
    /// then their first adverts go and their announcements start.
    pub(super) fn install_vips(&mut self, now: Instant, budget: usize) {
        let mut slice = std::mem::take(&mut self.scratch.installs);
        let mut vips = 0;
        while vips < budget {
            let Some(next) = self.installs.pop() else {
                break;
            };
            vips += self.specs[next.0.index()].installed().count().max(1);
            slice.push(next);
        }
        if !slice.is_empty() {
            self.drop_vip_traffic(slice.iter().map(|&(id, _)| id));
        }
        for (id, announce) in slice.drain(..) {
            let spec = &self.specs[id.index()];
            self.host.add_vips(id, spec);
            self.host.add_routes(id, spec);
            self.adverts.release(id);
            if announce {
                self.garp.start(id, spec, now);
            }
        }
        self.scratch.installs = slice;
        let specs = &self.specs;
        self.adverts
            .flush(&mut self.router, now, |id| specs[id.index()].name.as_str());
    }

    /// Takes `id`'s rules, routes and VIPs away (its VMAC down first; not
    /// installed yet: never installed) and stops announcing them; then
    /// lets traffic to them pass again (with the turn's other removals,
    /// once the router is drained).
    pub(super) fn remove_vips(&mut self, id: InstanceId) {
        // Left Master before its VIPs went in: its adverts go all the same,
        // before its VMAC goes down.
        self.installs.cancel(id);
        if self.adverts.release(id) {
            let specs = &self.specs;
            self.adverts.flush(&mut self.router, Instant::now(), |id| {
                specs[id.index()].name.as_str()
            });
        }
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
