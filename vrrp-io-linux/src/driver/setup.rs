//! Start-up: interfaces, sockets, stale VIPs, instances.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Waker};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGUSR1};
use vrrp_core::Router;

use super::adverts::Adverts;
use super::alarm::Alarm;
use super::clock::Clock;
use super::garp::GarpSchedule;
use super::handover::Handover;
use super::plumbing::{self, Plumbing};
use super::{
    ALARM, Driver, DriverConfig, DriverError, History, InstanceSpec, Link, NETLINK, SIGNALS,
    Scratch, WAKER,
};
use crate::netlink::{Netlink, dump_addresses};
use crate::notify::Notifier;
use crate::track::process::ProcessTracker;
use crate::track::script::ScriptRunner;

/// Default /proc scan period for tracked processes.
const PROCESS_INTERVAL: Duration = Duration::from_secs(1);

pub(super) fn build(config: DriverConfig) -> Result<Driver, DriverError> {
    let poll = Poll::new().map_err(DriverError::Poll)?;
    let now = Instant::now();
    let clock = Clock::start();

    let mut netlink = Netlink::new()?;
    poll.registry()
        .register(&mut netlink, NETLINK, Interest::READABLE)
        .map_err(DriverError::Poll)?;
    let (mut links, mut sockets, mut senders) = (Vec::new(), Vec::new(), Vec::new());
    let (mut vmacs, mut restore) = (Vec::new(), Vec::new());
    let (mut socket_of, mut sender_of) = (Vec::new(), Vec::new());
    let mut router = Router::new();
    let mut specs = config.instances;
    let mut plumbing = Plumbing {
        registry: poll.registry(),
        links: &mut links,
        sockets: &mut sockets,
        senders: &mut senders,
        vmacs: &mut vmacs,
        restore: &mut restore,
        netlink: &mut netlink,
    };
    let ifaces = plumbing::resolve_all(&mut specs)?;
    for (spec, iface) in specs.iter().zip(&ifaces) {
        let (socket, sender) = plumbing.plumb(spec, iface)?;
        router
            .add(iface.ifindex, plumbing::instance(spec)?)
            .map_err(|error| DriverError::Duplicate {
                instance: spec.name.clone(),
                error,
            })?;
        socket_of.push(socket);
        sender_of.push(sender);
    }
    for group in &config.sync_groups {
        let ids: Vec<_> = router
            .instances()
            .filter(|(id, _)| group.contains(&id.index()))
            .map(|(id, _)| id)
            .collect();
        router.add_sync_group(&ids);
    }

    remove_stale_vips(&specs, &links, &mut netlink)?;

    let signals = if config.handle_signals {
        let mut signals =
            signal_hook_mio::v1_0::Signals::new([SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD])
                .map_err(DriverError::Poll)?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)
            .map_err(DriverError::Poll)?;
        Some(signals)
    } else {
        None
    };
    let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(DriverError::Poll)?);
    let alarm = Alarm::new(poll.registry(), ALARM).map_err(DriverError::Poll)?;
    let process_interval = if config.process_interval.is_zero() {
        PROCESS_INTERVAL
    } else {
        config.process_interval
    };

    let instances = specs.len();
    let mut driver = Driver {
        poll,
        events: Events::with_capacity(64),
        clock,
        router,
        links,
        adverts: Adverts::new(sockets, socket_of, senders, sender_of),
        vmacs,
        restore,
        netlink,
        requests: HashMap::new(),
        installed: vec![false; instances],
        garp: GarpSchedule::default(),
        handover: Handover::default(),
        scripts: ScriptRunner::new(config.scripts, now),
        processes: ProcessTracker::new(config.processes, process_interval, now),
        notify: Notifier::new(config.notify),
        history: vec![History::default(); instances],
        sync_groups: config.sync_groups,
        signals,
        waker,
        alarm,
        control: mpsc::channel(),
        subscribers: Vec::new(),
        stopping: None,
        stopped: false,
        last_packets: None,
        dense: false,
        scratch: Scratch::default(),
        specs,
    };
    driver.start(now);
    Ok(driver)
}

impl Driver {
    /// Links that are down put their instances in Fault before they start;
    /// tracked objects give their first weights; then every instance starts.
    fn start(&mut self, now: Instant) {
        let core_now = self.clock.to_core(now);
        for link in &self.links {
            if !link.up {
                tracing::warn!(interface = %link.name, "interface is down: its instances start in Fault");
                self.router.handle_link(core_now, link.ifindex, false);
            }
        }
        self.update_all_tracking(now);
        self.router.handle_wall_clock(Clock::wall_clock());
        self.router.handle_startup(core_now);
        let mut events = Vec::new();
        self.run_actions(now, &mut events);
        // Nobody has subscribed yet: the first transitions are in the log.
    }
}

/// Removes the VIPs of non-owner instances that are already on their
/// interface: a crashed predecessor (keepalived too) leaves them behind,
/// and two hosts answering for one address is the failure VRRP exists to
/// prevent. An owner's (priority 255) addresses are the interface's own
/// and are never touched.
fn remove_stale_vips(
    specs: &[InstanceSpec],
    links: &[Link],
    netlink: &mut Netlink,
) -> Result<(), DriverError> {
    let mut present: HashMap<u32, Vec<IpAddr>> = HashMap::new();
    for spec in specs.iter().filter(|s| !s.vrrp.is_owner()) {
        for vip in spec.installed() {
            let Some(link) = links.iter().find(|l| l.name == spec.interface_of(vip)) else {
                continue;
            };
            let addrs = match present.entry(link.ifindex) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => entry.insert(
                    dump_addresses(link.ifindex)?
                        .into_iter()
                        .map(|a| a.addr)
                        .collect(),
                ),
            };
            if addrs.contains(&vip.addr) {
                tracing::warn!(instance = %spec.name, vip = %vip.addr, interface = %link.name,
                    "removing a virtual address left on the interface by an earlier run");
                netlink.del_address(link.ifindex, vip.addr, vip.prefix_len)?;
            }
        }
    }
    Ok(())
}
