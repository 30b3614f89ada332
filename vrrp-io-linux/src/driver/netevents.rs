//! What arrives besides adverts: netlink events, signals, control messages.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use vrrp_core::{Command, InstanceId, State};

use super::debounce::Change;
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
                Some(Request::Route { add, .. } | Request::Rule { add, .. })
                    if (add && errno.is_already_exists()) || (!add && errno.is_not_found()) => {}
                Some(Request::StaticAddress { add, .. })
                    if (add && errno.is_already_exists())
                        || (!add && errno.is_address_not_available()) => {}
                Some(
                    request @ (Request::Route { .. }
                    | Request::Rule { .. }
                    | Request::StaticAddress { .. }),
                ) => {
                    self.host.count_route_failure();
                    let what = self.describe(request);
                    tracing::error!(%what, %errno, "the kernel refused a route, rule or static address change");
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
                ifindex,
                up,
                mac,
                mtu,
                ..
            } => {
                self.resize_receive_buffers(ifindex, mtu);
                self.on_link(now, ifindex, up, mac, false);
            }
            NetEvent::LinkRemoved { ifindex, .. } => self.on_link(now, ifindex, false, None, true),
            NetEvent::AddressAdded { ifindex, addr, .. } => {
                self.on_source_address(now, ifindex, addr, true)
            }
            NetEvent::AddressRemoved { ifindex, addr, .. } => {
                self.on_source_address(now, ifindex, addr, false);
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
            NetEvent::RouteRemoved(removed) if self.stopping.is_none() => {
                for &(owner, index) in self.restorable.routes.get(&removed).into_iter().flatten() {
                    let Some(owner) = self.installed_owner(owner) else {
                        continue;
                    };
                    let route = match owner {
                        Some(id) => &self.specs[id.index()].routes[index],
                        None => &self.statics.routes[index],
                    };
                    self.host.restore_route(owner, index, route);
                }
            }
            NetEvent::RuleRemoved(removed) if self.stopping.is_none() => {
                for &(owner, index) in self.restorable.rules.get(&removed).into_iter().flatten() {
                    let Some(owner) = self.installed_owner(owner) else {
                        continue;
                    };
                    let rule = match owner {
                        Some(id) => &self.specs[id.index()].rules[index],
                        None => &self.statics.rules[index],
                    };
                    self.host.restore_rule(owner, index, rule);
                }
            }
            NetEvent::RouteRemoved(_) | NetEvent::RuleRemoved(_) => {}
            NetEvent::EventsLost => self.resync(now),
        }
    }

    /// `track_src_ip`: a configured source address came or went; its
    /// instances leave or enter Fault.
    fn on_source_address(&mut self, now: Instant, ifindex: u32, addr: IpAddr, present: bool) {
        if self.trackers.handle_source_address(ifindex, addr, present) {
            tracing::warn!(
                source = %addr,
                present,
                "track_src_ip: a tracked source address {}",
                if present { "is back: leaving Fault" } else { "is gone: Fault" }
            );
            self.update_all_tracking(now);
        }
    }

    /// Whether `owner`'s routes and rules are installed: the static ones
    /// (`None`) always, an instance's while it is Master and holds its VIPs.
    /// `Some` of the owner, as the requests name it.
    fn installed_owner(&self, owner: Option<usize>) -> Option<Option<InstanceId>> {
        let Some(index) = owner else {
            return Some(None);
        };
        let id = self.router.id(index)?;
        (self.router.instance(id).state() == State::Master && self.host.is_installed(index))
            .then_some(Some(id))
    }

    /// What a route, rule or static address request was about, for the log.
    fn describe(&self, request: Request) -> String {
        let (owner, index, add) = match request {
            Request::Route { owner, index, add } | Request::Rule { owner, index, add } => {
                (owner, index, add)
            }
            Request::StaticAddress { index, add } => (None, index, add),
            other => return format!("{other:?}"),
        };
        let verb = if add { "adding" } else { "deleting" };
        let (instance, routes, rules) = match owner {
            Some(id) => {
                let spec = &self.specs[id.index()];
                (
                    format!("instance {}: ", spec.name),
                    &spec.routes,
                    &spec.rules,
                )
            }
            None => (
                String::from("static "),
                &self.statics.routes,
                &self.statics.rules,
            ),
        };
        let item = match request {
            Request::Route { .. } => routes.get(index).map(|r| format!("route {r}")),
            Request::Rule { .. } => rules.get(index).map(|r| format!("rule {r}")),
            _ => self
                .statics
                .addresses
                .get(index)
                .map(|a| format!("address {}/{}", a.addr, a.prefix_len)),
        };
        format!(
            "{instance}{verb} {}",
            // Not in the configuration any more: removed by a reload.
            item.unwrap_or_else(|| "an item of the configuration before the reload".into())
        )
    }

    /// A link is `up` or not (`removed`: gone): acted on now, or after
    /// its interface's delay (`debounce.rs`).
    pub(super) fn on_link(
        &mut self,
        now: Instant,
        ifindex: u32,
        up: bool,
        mac: Option<crate::iface::MacAddr>,
        removed: bool,
    ) {
        let Some(link) = self.host.link_mut(ifindex) else {
            return;
        };
        if mac.is_some() {
            link.mac = mac;
        }
        let (acted, name) = (link.up, link.name.clone());
        if acted && !up {
            self.cap_link_delay(&name);
        }
        if self
            .debounce
            .handle_change(now, ifindex, &name, acted, up, removed)
            == Change::Now
        {
            self.act_on_link(now, ifindex, up);
        }
    }

    /// keepalived 2.4.3 `vrrp.c` (`update_master_adver_int`,
    /// `check_debounce_timers`): a Master advertising faster than an
    /// instance's own interval cuts the down delay of its interface to
    /// `(down_timer_adverts - 1) × Master_Adver_Interval - 1/256 of it`
    /// (no delay at all with `down_timer_adverts` 1), so that its Backups
    /// do not take over before it goes to Fault.
    fn cap_link_delay(&mut self, name: &str) {
        if !self.debounce.has_delays(name) {
            return;
        }
        for (id, instance) in self.router.instances() {
            let spec = &self.specs[id.index()];
            if spec.interface.as_deref() != Some(name) && spec.vmac.as_deref() != Some(name) {
                continue;
            }
            let advert = u64::from(instance.master_adver_interval()) * 10_000;
            let adverts = u64::from(instance.config().down_timer_adverts.max(1));
            let most = Duration::from_micros(((adverts - 1) * advert).saturating_sub(advert / 256));
            if self.debounce.cap(name, most) {
                tracing::info!(instance = %spec.name, interface = %name, ?most, "a faster Master: the interface's down delay is cut");
            }
        }
    }

    /// Link `ifindex` is now `up` for its instances: they enter or leave
    /// Fault, and instances tracking it get new weights.
    pub(super) fn act_on_link(&mut self, now: Instant, ifindex: u32, up: bool) {
        let Some(link) = self.host.link_mut(ifindex) else {
            return;
        };
        if link.up == up {
            return;
        }
        link.up = up;
        tracing::info!(interface = %link.name, up, "link changed");
        self.tell_link(self.clock.to_core(now), ifindex, up);
        self.update_all_tracking(now);
    }

    /// Link `ifindex` is `up` for each instance on it that tracks it: all
    /// but those under `dont_track_primary`.
    pub(super) fn tell_link(&mut self, now: vrrp_core::time::Instant, ifindex: u32, up: bool) {
        for (index, spec) in self.specs.iter().enumerate() {
            let Some(id) = self.router.id(index) else {
                continue;
            };
            if self.router.interface_of(id) == ifindex && !spec.dont_track_primary {
                self.router.handle_instance_link(now, id, up);
            }
        }
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
