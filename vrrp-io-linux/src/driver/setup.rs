//! Start-up: interfaces, sockets, stale VIPs, static routes, instances.

use std::sync::mpsc;
use std::time::Instant;

use mio::{Interest, Poll};
use vrrp_core::Router;

use super::adverts::Adverts;
use super::clock::Clock;
use super::debounce::Debounce;
use super::error::DriverError;
use super::event::DriverEvent;
use super::garp::GarpSchedule;
use super::handover::Handover;
use super::host::Host;
use super::installs::Installs;
use super::observe::Observers;
use super::plumbing::{self, Plumbing};
use super::routes::Restorable;
use super::run::{Driver, Scratch};
use super::spec::DriverConfig;
use super::start_delay::StartDelay;
use super::tracking::Trackers;
use super::vip_traffic;
use super::wakeups::{FILES, NETLINK, Wakeups};
use crate::netlink::Netlink;

impl Driver {
    /// Looks up the interfaces, opens the sockets, removes VIPs a crashed
    /// predecessor left behind, and starts every instance.
    pub fn new(config: DriverConfig) -> Result<Self, DriverError> {
        let poll = Poll::new().map_err(DriverError::Poll)?;
        let now = Instant::now();
        let clock = Clock::start();

        // Before anything changes on the host: a missing `nft` stops here.
        let drop_rules = vip_traffic::set_up(&config)?;
        let mut specs = config.instances;
        let netlink = Netlink::new()?;
        if let Some(buffer) = config.netlink_buffer {
            plumbing::size_netlink_buffer(&netlink, buffer);
        }
        let mut host = Host::new(netlink, specs.len());
        if config.disable_local_igmp {
            host.disable_local_igmp();
        }
        poll.registry()
            .register(host.netlink_mut(), NETLINK, Interest::READABLE)
            .map_err(DriverError::Poll)?;
        let (mut sockets, mut senders) = (Vec::new(), Vec::new());
        let (mut socket_of, mut sender_of) = (Vec::new(), Vec::new());
        let mut router = Router::new();
        let mut plumbing = Plumbing {
            registry: poll.registry(),
            host: &mut host,
            sockets: &mut sockets,
            senders: &mut senders,
        };
        let ifaces = plumbing::resolve_all(&mut specs)?;
        for (spec, iface) in specs.iter_mut().zip(&ifaces) {
            let (socket, sender) = plumbing.plumb(spec, iface.as_ref())?;
            router
                .add(
                    plumbing::router_key(iface.as_ref()),
                    plumbing::instance(spec)?,
                )
                .map_err(|error| DriverError::Duplicate {
                    instance: spec.name.clone(),
                    error,
                })?;
            socket_of.push(socket);
            sender_of.push(sender);
        }
        plumbing::size_receive_buffers(&sockets, &socket_of, &specs, &ifaces);
        for group in &config.sync_groups {
            let ids: Vec<_> = router
                .instances()
                .filter(|(id, _)| group.contains(&id.index()))
                .map(|(id, _)| id)
                .collect();
            router.add_sync_group(&ids);
        }

        host.remove_stale_vips(&specs)?;
        let statics = config.statics;
        host.resolve_links(&specs, &statics)?;
        host.watch_routes(&specs, &statics)?;
        host.add_statics(&statics);

        let wakeups = Wakeups::listen(poll, config.handle_signals)?;
        let instances = specs.len();
        let restorable = Restorable::new(&specs, &statics);
        let mut driver = Self {
            wakeups,
            control: mpsc::channel(),
            clock,
            router,
            specs,
            sync_groups: config.sync_groups,
            restorable,
            statics,
            host,
            adverts: Adverts::new(sockets, socket_of, senders, sender_of),
            garp: GarpSchedule::new(&config.garp_groups),
            installs: Installs::new(instances),
            handover: Handover::default(),
            trackers: Trackers::new(
                config.scripts,
                config.processes,
                config.files,
                config.process_interval,
                now,
            ),
            observers: Observers::new(config.notify, instances),
            drop_rules,
            vmac_rules: None,
            stopping: None,
            stopped: false,
            start_delay: StartDelay::new(now, config.start_delay),
            debounce: Debounce::new(&config.link_delays),
            log_unknown_vrids: config.log_unknown_vrids,
            disable_local_igmp: config.disable_local_igmp,
            netlink_more: false,
            auto_priority: config.auto_priority,
            scratch: Scratch::default(),
        };
        driver.install_vmac_rules(&config.drop_table, config.nft_chains);
        if let Some(fd) = driver.trackers.files().fd() {
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            driver
                .wakeups
                .registry()
                .register(&mut mio::unix::SourceFd(&raw), FILES, Interest::READABLE)
                .map_err(DriverError::Poll)?;
        }
        if driver.start_delay.is_pending() {
            tracing::info!(
                seconds = config.start_delay.as_secs_f64(),
                "delaying the instances' start"
            );
        } else {
            // Nobody has subscribed yet: the first transitions are in the log.
            driver.start(now, &mut Vec::new());
        }
        Ok(driver)
    }

    /// Links that are down put their instances in Fault before they start;
    /// tracked objects give their first weights; then every instance starts.
    pub(super) fn start(&mut self, now: Instant, out: &mut Vec<DriverEvent>) {
        let core_now = self.clock.to_core(now);
        let down: Vec<u32> = (self.host.links().iter())
            .filter(|link| !link.up)
            .inspect(|link| tracing::warn!(interface = %link.name, "interface is down: its instances start in Fault"))
            .map(|link| link.ifindex)
            .collect();
        for ifindex in down {
            self.tell_link(core_now, ifindex, false);
        }
        self.recheck_sources();
        self.update_all_tracking(now);
        self.router.handle_wall_clock(Clock::wall_clock());
        self.router.handle_startup(core_now);
        self.run_actions(now, out);
        self.observers.check_priorities(&self.router, &self.specs);
    }
}
