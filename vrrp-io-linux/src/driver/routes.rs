//! Routes and rules through netlink: an instance's while it is Master
//! (added after its VIPs, removed before them, so a route's `src` can be a
//! VIP), and the static addresses, routes and rules from start to stop.
//!
//! A route or rule marked `restore` that someone else deletes while it is
//! installed is put back (`netevents.rs`).
//!
//! Every change is a request whose answer comes back in the loop
//! (`netevents.rs`): a refusal is logged and counted
//! ([`Driver::route_failures`](super::Driver::route_failures)), never taken
//! for done.

use std::collections::HashMap;

use vrrp_core::InstanceId;

use super::error::DriverError;
use super::host::{Host, Request};
use super::spec::{InstanceSpec, Route, Rule, Statics, Vip};
use crate::netlink::{RemovedRoute, RemovedRule};

/// Who owns a route or rule to put back: an instance (index into the
/// specs) or the static ones (`None`), and its index among them.
pub(super) type Owned = (Option<usize>, usize);

/// The routes and rules marked `restore`, by what the kernel reports when
/// they are deleted: a deletion finds its owners at once, not by a scan of
/// every instance (built at setup and reload).
#[derive(Debug, Default)]
pub(super) struct Restorable {
    pub(super) routes: HashMap<RemovedRoute, Vec<Owned>>,
    pub(super) rules: HashMap<RemovedRule, Vec<Owned>>,
}

impl Restorable {
    /// The index of `specs`' and `statics`' routes and rules to put back,
    /// each key's owners in configuration order, the static ones last.
    pub(super) fn new(specs: &[InstanceSpec], statics: &Statics) -> Self {
        let mut index = Self::default();
        let owners = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (Some(i), &s.routes, &s.rules))
            .chain([(None, &statics.routes, &statics.rules)]);
        for (owner, routes, rules) in owners {
            for (k, route) in numbered(routes).filter(|(_, r)| r.restore) {
                index
                    .routes
                    .entry(route.removed())
                    .or_default()
                    .push((owner, k));
            }
            for (k, rule) in numbered(rules).filter(|(_, r)| r.restore) {
                index
                    .rules
                    .entry(rule.removed())
                    .or_default()
                    .push((owner, k));
            }
        }
        index
    }
}

impl Host {
    /// Looks up every interface the routes name (they must exist, as
    /// keepalived requires), so that installing them later needs no lookup.
    fn resolve_route_links<'a>(
        &mut self,
        routes: impl IntoIterator<Item = &'a Route>,
    ) -> Result<(), DriverError> {
        for dev in routes.into_iter().filter_map(|r| r.dev.as_deref()) {
            self.link_index(dev)?;
        }
        Ok(())
    }

    /// Looks up the interfaces of the routes of `specs` and of `statics`.
    pub(super) fn resolve_links(
        &mut self,
        specs: &[InstanceSpec],
        statics: &Statics,
    ) -> Result<(), DriverError> {
        self.resolve_route_links(specs.iter().flat_map(|s| &s.routes))?;
        self.resolve_route_links(&statics.routes)?;
        for address in &statics.addresses {
            self.link_index(address.interface.as_deref().unwrap_or_default())?;
        }
        Ok(())
    }

    /// Puts back route `index` of `routes` (of instance `owner`, or static),
    /// deleted by someone else.
    pub(super) fn restore_route(&mut self, owner: Option<InstanceId>, index: usize, route: &Route) {
        tracing::warn!(%route, "route deleted by someone else while installed: putting it back");
        self.request_routes(owner, std::iter::once((index, route)), true);
    }

    /// Puts back a rule, as [`restore_route`](Self::restore_route).
    pub(super) fn restore_rule(&mut self, owner: Option<InstanceId>, index: usize, rule: &Rule) {
        tracing::warn!(%rule, "rule deleted by someone else while installed: putting it back");
        self.request_rules(owner, std::iter::once((index, rule)), true);
    }

    /// Has the kernel report deleted routes and rules when some of
    /// `specs`' or `statics`' are to be put back.
    pub(super) fn watch_routes(
        &mut self,
        specs: &[InstanceSpec],
        statics: &Statics,
    ) -> Result<(), DriverError> {
        let mut routes = specs.iter().flat_map(|s| &s.routes).chain(&statics.routes);
        let mut rules = specs.iter().flat_map(|s| &s.rules).chain(&statics.rules);
        if routes.any(|r| r.restore) || rules.any(|r| r.restore) {
            self.netlink_mut().watch_routes()?;
        }
        Ok(())
    }

    /// Adds the instance's routes, then its rules.
    pub(super) fn add_routes(&mut self, id: InstanceId, spec: &InstanceSpec) {
        self.request_routes(Some(id), numbered(&spec.routes), true);
        self.request_rules(Some(id), numbered(&spec.rules), true);
    }

    /// Removes the instance's rules, then its routes.
    pub(super) fn remove_routes(&mut self, id: InstanceId, spec: &InstanceSpec) {
        self.request_rules(Some(id), numbered(&spec.rules), false);
        self.request_routes(Some(id), numbered(&spec.routes), false);
    }

    /// Adds the static addresses, then routes, then rules.
    pub(super) fn add_statics(&mut self, statics: &Statics) {
        self.request_static_addresses(numbered(&statics.addresses), true);
        self.request_routes(None, numbered(&statics.routes), true);
        self.request_rules(None, numbered(&statics.rules), true);
    }

    /// Removes the static rules, then routes, then addresses.
    pub(super) fn remove_statics(&mut self, statics: &Statics) {
        self.request_rules(None, numbered(&statics.rules), false);
        self.request_routes(None, numbered(&statics.routes), false);
        self.request_static_addresses(numbered(&statics.addresses), false);
    }

    /// A reload: removes what `old` has and `new` has not, then adds what
    /// only `new` has (what both have stays untouched).
    pub(super) fn change_statics(&mut self, old: &Statics, new: &Statics) {
        self.request_rules(None, only_in(&old.rules, &new.rules, false), false);
        self.request_routes(None, only_in(&old.routes, &new.routes, false), false);
        self.request_static_addresses(only_in(&old.addresses, &new.addresses, false), false);
        self.request_static_addresses(only_in(&new.addresses, &old.addresses, true), true);
        self.request_routes(None, only_in(&new.routes, &old.routes, true), true);
        self.request_rules(None, only_in(&new.rules, &old.rules, true), true);
    }

    fn request_routes<'a>(
        &mut self,
        owner: Option<InstanceId>,
        routes: impl Iterator<Item = (usize, &'a Route)>,
        add: bool,
    ) {
        for (index, route) in routes {
            let oif = match route.dev.as_deref() {
                None => None,
                Some(dev) => match self.ifindex_of(dev) {
                    Some(ifindex) => Some(ifindex),
                    None => {
                        // Resolved at start: only a bug leaves it unknown.
                        self.count_route_failure();
                        tracing::error!(%route, add, "the route's interface is not known");
                        continue;
                    }
                },
            };
            tracing::info!(%route, add, "route change requested");
            self.send(Request::Route { owner, index, add }, route, |netlink| {
                if add {
                    netlink.add_route(route, oif)
                } else {
                    netlink.del_route(route, oif)
                }
            });
        }
    }

    fn request_rules<'a>(
        &mut self,
        owner: Option<InstanceId>,
        rules: impl Iterator<Item = (usize, &'a Rule)>,
        add: bool,
    ) {
        for (index, rule) in rules {
            tracing::info!(%rule, add, "rule change requested");
            self.send(Request::Rule { owner, index, add }, rule, |netlink| {
                if add {
                    netlink.add_rule(rule)
                } else {
                    netlink.del_rule(rule)
                }
            });
        }
    }

    fn request_static_addresses<'a>(
        &mut self,
        addresses: impl Iterator<Item = (usize, &'a Vip)>,
        add: bool,
    ) {
        for (index, address) in addresses {
            let name = address.interface.as_deref().unwrap_or_default();
            let Some(ifindex) = self.ifindex_of(name) else {
                self.count_route_failure();
                tracing::error!(address = %address.addr, interface = name, "the static address's interface is not known");
                continue;
            };
            let what = format!("{}/{} dev {name}", address.addr, address.prefix_len);
            tracing::info!(address = %what, add, "static address change requested");
            self.send(Request::StaticAddress { index, add }, &what, |netlink| {
                if add {
                    netlink.add_address(
                        ifindex,
                        address.addr,
                        address.prefix_len,
                        address.label.as_deref(),
                    )
                } else {
                    netlink.del_address(ifindex, address.addr, address.prefix_len)
                }
            });
        }
    }
}

/// Each item with its index.
fn numbered<T>(items: &[T]) -> impl Iterator<Item = (usize, &T)> {
    items.iter().enumerate()
}

/// The items of `items` that `other` does not have, with their index if
/// `indexed` (else [`usize::MAX`]: an item of a configuration gone).
fn only_in<'a, T: PartialEq>(
    items: &'a [T],
    other: &'a [T],
    indexed: bool,
) -> impl Iterator<Item = (usize, &'a T)> {
    items
        .iter()
        .enumerate()
        .filter(move |(_, item)| !other.contains(item))
        .map(move |(index, item)| (if indexed { index } else { usize::MAX }, item))
}
