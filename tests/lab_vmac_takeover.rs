//! `use_vmac` with `vmac_xmit_base` on both hosts, as a client of the VIP
//! sees it: how many of its pings (one every 10 ms) are lost while the VIP
//! moves, ours beside keepalived 2.2.7 and 2.4.3, each in each role, held
//! against two keepalived of the same version in the same setup.
//!
//! Both hosts' VMACs have the same MAC, so the bridge sends the VIP's
//! traffic wherever it last saw that MAC: a frame from the old Master's VMAC
//! after the new Master's gratuitous ARPs black-holes the VIP until the next
//! frame from the new one (the second burst, 5 s later).
//!
//! Needs root.

use vrrp_lab as lab;

use std::time::{Duration, SystemTime};

use lab::keepalived::{Config, State};
use lab::probe::Probes;
use lab::scenario::{Case, HTTP_PORT, pair_name};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, Signal, say};

/// Each takeover's window: past the new Master's second gratuitous ARP
/// burst (`garp_master_delay`, 5 s) after it took the VIP.
const WINDOW: Duration = Duration::from_secs(10);

/// Lost pings one takeover may cost beyond keepalived's own (the most
/// keepalived lost in that kind of takeover): 0.5 s of pings. A black hole
/// until the second burst costs 500.
const MARGIN: usize = 50;

/// Lost pings when ours preempts: before its VMAC's second round
/// (`VMAC_SETTLE`, 100 ms, in `driver/garp.rs`) the VIP may be lost while
/// the old Master still answers our gratuitous ARPs; after it, no more.
const OURS_PREEMPTING: usize = 30;

/// The lost pings of each kind of takeover.
#[derive(Debug, Default)]
struct Losses {
    /// B (priority 150) starts and preempts A.
    preempt: Vec<usize>,
    /// B stops (SIGTERM): A takes the VIP back.
    stop: Vec<usize>,
}

/// tcpdump writing the bridge's ARP, ICMP and VRRP frames (link headers
/// included) to `bridge.pcap` in the lab's directory (kept with `VLAB_KEEP`),
/// for reading what left which port, in which order.
struct BridgePcap(std::process::Child);

impl BridgePcap {
    fn start(lab: &Lab) -> Self {
        let file = lab.dir().join("bridge.pcap").display().to_string();
        let child = std::process::Command::new("ip")
            .args(["netns", "exec", lab.bridge_ns(), "tcpdump", "-i", "br0"])
            .args(["-U", "-w", &file, "arp or icmp or vrrp"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("tcpdump");
        std::thread::sleep(Duration::from_millis(500));
        Self(child)
    }
}

impl Drop for BridgePcap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `first` on A (priority 100) is Master; `second` on B (priority 150)
/// starts and preempts it, then stops, twice: four takeovers. The pings
/// C lost in each.
fn takeovers(test: &str, first: &Daemon, second: &Daemon) -> Option<Losses> {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let lab = Lab::new(test)?;
    let [a, b, c] = [(1, "a"), (2, "b"), (3, "c")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let vmac = format!("00:00:5e:00:01:{:02x}", lab::scenario::VRID);
    let _frames = [&a, &b].map(|host| lab.capture_frames_from(host, &vmac));
    let _pcap = BridgePcap::start(&lab);
    let config = |host: &Host<'_>, priority, state| {
        let instance = case
            .instance(priority)
            .state(state)
            .use_vmac()
            .line("vmac_xmit_base");
        Config::new(host.name()).instance(instance).to_string()
    };
    for (host, daemon) in [(&a, first), (&b, second)] {
        if daemon.is_keepalived() {
            admin_tuning(host);
        }
    }
    let vip = case.vip();
    let name = pair_name(first, second);
    let on_a = first.start(&a, &config(&a, 100, State::Master));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    assert!(
        wait_for(Duration::from_secs(5), || c.ping(vip)).is_some(),
        "the VIP never answered C"
    );
    let probes = Probes::start(&c, vip, HTTP_PORT);
    let config_b = config(&b, 150, State::Backup);
    let mut losses = Losses::default();
    for round in 0..2 {
        let since = SystemTime::now();
        let mut on_b = second.start(&b, &config_b);
        let took = wait_for(WINDOW, || b.has_address(vip) && !a.has_address(vip));
        assert!(took.is_some(), "B did not preempt A:\n{}", on_b.log());
        std::thread::sleep(WINDOW.saturating_sub(since.elapsed().unwrap_or_default()));
        losses
            .preempt
            .push(lost(&probes, since, &name, "preempt", round));
        let since = SystemTime::now();
        stop(&mut on_b);
        let took = wait_for(WINDOW, || a.has_address(vip) && !b.has_address(vip));
        assert!(
            took.is_some(),
            "A did not take the VIP back:\n{}",
            on_a.log()
        );
        std::thread::sleep(WINDOW.saturating_sub(since.elapsed().unwrap_or_default()));
        losses.stop.push(lost(&probes, since, &name, "stop", round));
    }
    Some(losses)
}

/// The pings sent in the `WINDOW` from `since` that got no answer, said.
fn lost(probes: &Probes, since: SystemTime, name: &str, what: &str, round: usize) -> usize {
    // The last echoes of the window are read once their answer is due.
    std::thread::sleep(Duration::from_millis(1500));
    let (lost, sent) = probes.lost_pings(since, since + WINDOW);
    assert!(sent > 500, "{name} {what} {round}: only {sent} pings sent");
    say(&format!(
        "MEASURED {name} vmac_xmit_base {what} #{round}: {lost} of {sent} pings lost"
    ));
    lost
}

/// SIGTERM, and waits for the exit.
fn stop(proc: &mut Proc) {
    proc.kill(Signal::SIGTERM);
    assert!(
        proc.wait_exit(Duration::from_secs(5)).is_some(),
        "{} did not stop",
        proc.name()
    );
}

/// keepalived's documented `arp_announce` for `use_vmac` (see
/// `scenario::vmac`'s `admin_tuning`); ours sets it itself.
fn admin_tuning(host: &Host<'_>) {
    host.sysctl("net.ipv4.conf.eth0.arp_announce=2");
}

/// Runs ours with `keepalived` each way and `keepalived` with itself; each
/// of ours' takeovers may lose at most [`MARGIN`] more pings than the worst
/// of keepalived's own of that kind, and ours preempting keepalived at most
/// [`OURS_PREEMPTING`].
fn ours_beside(keepalived: &Daemon, tag: &str) {
    let ours = Daemon::ours();
    let Some(own) = takeovers(&format!("vxb_{tag}_{tag}"), keepalived, keepalived) else {
        return;
    };
    let runs = [
        (
            "ours preempting keepalived",
            takeovers(&format!("vxb_{tag}_ours"), keepalived, &ours),
        ),
        (
            "keepalived preempting ours",
            takeovers(&format!("vxb_ours_{tag}"), &ours, keepalived),
        ),
    ];
    let worst = |v: &[usize]| v.iter().copied().max().unwrap_or(0);
    for (k, (what, run)) in runs.into_iter().enumerate() {
        let run = run.expect("the lab ran once already");
        if k == 0 {
            assert!(
                worst(&run.preempt) <= OURS_PREEMPTING,
                "{what}: lost pings {run:?}"
            );
        }
        assert!(
            worst(&run.preempt) <= worst(&own.preempt) + MARGIN
                && worst(&run.stop) <= worst(&own.stop) + MARGIN,
            "{what}: lost pings {run:?}; {} with itself {own:?}",
            keepalived.name()
        );
    }
}

#[test]
fn vmac_xmit_base_takeovers_with_keepalived_2_2_7() {
    ours_beside(&Daemon::Keepalived, "ka227");
}

#[test]
fn vmac_xmit_base_takeovers_with_keepalived_2_4_3() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        ours_beside(&keepalived, "ka243");
    }
}
