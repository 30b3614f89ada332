//! The stage the acts play on: the lab's three hosts, their address
//! watchers, and the steps the acts share (start a daemon, elect, time the
//! VIP, ask the client).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::configs::Side;
use super::probe::{Status, fail, status, status_path, until};
use super::standin::Haproxy;
use super::timeline::{Timeline, secs};
use crate::lab::scenario::{Case, HTTP_PORT};
use crate::lab::watch::AddressMonitor;
use crate::lab::{Host, Lab, Proc};

/// The article's virtual address, as the fixtures restore it.
pub(crate) const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));

/// One load balancer: a lab host and the watcher of its addresses.
pub(crate) struct Lb<'lab> {
    pub(crate) host: Host<'lab>,
    watch: AddressMonitor,
}

impl<'lab> Lb<'lab> {
    fn new(lab: &'lab Lab, name: &str, address: &str) -> Self {
        let host = lab.host(name, &[address]);
        let watch = host.monitor_addresses();
        Self { host, watch }
    }

    /// `lb1` or `lb2`.
    pub(crate) fn name(&self) -> &str {
        self.host.name()
    }

    /// Whether the VIP is on its `eth0` now.
    pub(crate) fn has_vip(&self) -> bool {
        self.host.has_address(VIP)
    }

    /// How long after `since` the VIP was added (`added`) or removed, as
    /// netlink stamped it; waits up to `timeout` for it.
    pub(crate) fn vip_event(
        &self,
        added: bool,
        since: SystemTime,
        timeout: Duration,
    ) -> Option<Duration> {
        until(timeout, || self.watch.first(VIP, added, since).is_some())?;
        self.watch.first(VIP, added, since)
    }
}

/// The lab's hosts and what the acts need to run them.
pub(crate) struct Stage<'lab, 't> {
    /// This binary: each host's daemon.
    exe: PathBuf,
    haproxy: Haproxy,
    pub(crate) lb1: Lb<'lab>,
    pub(crate) lb2: Lb<'lab>,
    client: Host<'lab>,
    pub(crate) timeline: &'t mut Timeline,
}

impl<'lab, 't> Stage<'lab, 't> {
    /// Builds the hosts and says what the lab is.
    pub(crate) fn new(lab: &'lab Lab, timeline: &'t mut Timeline) -> Self {
        let exe = std::env::current_exe()
            .unwrap_or_else(|error| fail(format!("cannot find this program: {error}")));
        let haproxy = Haproxy::find(lab.dir())
            .unwrap_or_else(|error| fail(format!("cannot set up a stand-in HAProxy: {error}")));
        let stage = Self {
            exe,
            lb1: Lb::new(lab, "lb1", "192.0.2.1/24"),
            lb2: Lb::new(lab, "lb2", "192.0.2.2/24"),
            client: lab.host("client", &["192.0.2.3/24"]),
            haproxy,
            timeline,
        };
        println!(
            "lab: lb1 192.0.2.1 and lb2 192.0.2.2, each with {} and this daemon\n     \
             in its own network and PID namespace; a client 192.0.2.3; one bridge;\n     \
             the VIP is {VIP}; namespaces {}-*",
            stage.haproxy.describe(),
            lab.id()
        );
        stage
            .timeline
            .mark("lab up: lb1, lb2, client on one bridge");
        stage
    }

    /// The protocol's timers of the article's VRRPv2 instance.
    pub(crate) fn case() -> Case {
        Case::v2_pass(super::configs::ADVERT_INTERVAL, "1cee4b6e")
    }

    /// Starts HAProxy on `lb`, serving its name on port 80.
    pub(crate) fn start_haproxy(&self, lb: &Lb<'_>) -> Proc {
        self.haproxy.start(&lb.host, HTTP_PORT)
    }

    /// Starts this program on `lb` as the daemon: `-f <config> -n`, its
    /// status file in the host's directory, its log in `keepalive-haproxy.N.log`.
    pub(crate) fn start_daemon(&self, lb: &Lb<'_>, file: &str, config: &str) -> Proc {
        let path = lb.host.dir().join(file);
        std::fs::write(&path, config)
            .unwrap_or_else(|error| fail(format!("cannot write {}: {error}", path.display())));
        let (exe, path) = (self.exe.display().to_string(), path.display().to_string());
        let status = status_path(&lb.host).display().to_string();
        // Its own pid file: keepalived's default in /run is one per host,
        // and both daemons here share the host's /run.
        let pid = lb.host.dir().join("keepalived.pid").display().to_string();
        let argv = [
            &exe,
            "-f",
            &path,
            "-n",
            "--status-file",
            &status,
            "-p",
            &pid,
        ];
        let daemon = lb.host.spawn("keepalive-haproxy", &argv);
        // Its signal handlers are in place once it says it runs: a SIGUSR1
        // before that would end it.
        let ready = until(Duration::from_secs(10), || {
            daemon.log().contains("running instances")
        });
        if ready.is_none() {
            fail(format!(
                "{}'s daemon did not start (log: {})",
                lb.name(),
                daemon.log_path().display()
            ));
        }
        daemon
    }

    /// Starts lb1's daemon with `config(Master)`, waits until it holds the
    /// VIP, then lb2's with `config(Backup)` (one after the other: started
    /// together, two routers 2 priority points apart run master-down timers
    /// 8 ms apart), and waits until both checks count: lb1 at 100 +
    /// `weight`, lb2 at 98 + `weight`, a Backup. The daemons, lb1's first.
    pub(crate) fn elect(&mut self, config: fn(Side) -> String, weight: u8) -> (Proc, Proc) {
        let since = SystemTime::now();
        let on_lb1 = self.start_daemon(&self.lb1, "lb1.conf", &config(Side::Master));
        let took = self.lb1.vip_event(true, since, Duration::from_secs(10));
        let took = took.unwrap_or_else(|| {
            fail(format!(
                "lb1 never became MASTER (log: {})",
                on_lb1.log_path().display()
            ))
        });
        let down = Self::case().master_down(100 + weight);
        println!(
            "   lb1 is MASTER {} after its daemon started: it heard no master for its \
             Master_Down_Interval ({})",
            secs(took),
            secs(down)
        );
        self.timeline
            .mark_at(since + took, "lb1 MASTER, the VIP on lb1");
        let on_lb2 = self.start_daemon(&self.lb2, "lb2.conf", &config(Side::Backup));
        let want = |lb: &Lb<'_>, daemon: &Proc, side: Side, state: &str| {
            let status = status(&lb.host, daemon);
            let priority = u64::from(side.priority() + weight);
            (status.state == state && status.effective == priority).then_some(status)
        };
        let mut both = None;
        let counted = until(Duration::from_secs(6), || {
            let lb1 = want(&self.lb1, &on_lb1, Side::Master, "MASTER");
            let lb2 = want(&self.lb2, &on_lb2, Side::Backup, "BACKUP");
            both = lb1.zip(lb2);
            both.is_some()
        });
        let Some((lb1, lb2)) = counted.and(both) else {
            fail(format!(
                "the checks did not settle at lb1 MASTER {}, lb2 BACKUP {}: lb1 {}, lb2 {}",
                100 + weight,
                98 + weight,
                status(&self.lb1.host, &on_lb1).describe(),
                status(&self.lb2.host, &on_lb2).describe()
            ))
        };
        if self.lb2.vip_event(true, since, Duration::ZERO).is_some() {
            fail("lb2 took the VIP too, although lb1 is MASTER");
        }
        println!("   lb2 started: it hears lb1 and stays BACKUP");
        self.priorities("priorities", &lb1, &lb2);
        self.served_by("lb1");
        (on_lb1, on_lb2)
    }

    /// Prints both daemons' states and priorities.
    pub(crate) fn priorities(&self, what: &str, lb1: &Status, lb2: &Status) {
        let what = format!("{what} (SIGUSR1 status):");
        let pad = " ".repeat(what.len());
        println!("   {what} lb1 {}", lb1.describe());
        println!("   {pad} lb2 {}", lb2.describe());
    }

    /// Waits (up to 3 s) until the client's `GET http://VIP/` is answered by
    /// `name`, and says so.
    pub(crate) fn served_by(&mut self, name: &str) {
        let mut last = None;
        let took = until(Duration::from_secs(3), || {
            last = self.client.http_get(VIP, HTTP_PORT);
            last.as_deref().map(str::trim) == Some(name)
        });
        if took.is_none() {
            fail(format!(
                "the client's GET http://{VIP}/ was answered by {last:?}, not {name}"
            ));
        }
        println!("   client: GET http://{VIP}/ answered \"{name}\"");
        self.timeline.mark(format!("client served by {name}"));
    }

    /// The client's `GET http://VIP/` once: who answered, if anyone.
    pub(crate) fn client_get(&self) -> Option<String> {
        let answer = self.client.http_get(VIP, HTTP_PORT)?;
        Some(answer.trim().to_owned())
    }
}
