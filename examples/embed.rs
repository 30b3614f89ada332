//! Embedding VRRP in a Rust service: the driver runs on its own thread, the
//! service watches state changes and steers the priority through a handle.
//!
//! `embed INTERFACE VIP [SECONDS]`, as root (or with CAP_NET_RAW and CAP_NET_ADMIN).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use vrrp::linux::driver::{self, DriverConfig, DriverEvent, InstanceSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [interface, vip, rest @ ..] = &args[..] else {
        eprintln!("usage: embed INTERFACE VIP [SECONDS]   e.g. embed eth0 192.0.2.100 30");
        std::process::exit(2);
    };
    let vip: IpAddr = vip.parse()?;
    let seconds: u64 = rest.first().map_or(Ok(30), |s| s.parse())?;
    let mut spec = InstanceSpec::new("embedded", interface, 51, &[vip]);
    spec.vrrp.priority = 150;
    let (handle, thread) = driver::spawn(DriverConfig {
        instances: vec![spec],
        ..Default::default()
    })?;
    let events = handle.subscribe();

    let start = Instant::now();
    let (mut drain_at, end) = (
        Some(start + Duration::from_secs(seconds / 2)),
        start + Duration::from_secs(seconds),
    );
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Ok(DriverEvent::StateChanged {
            from, to, reason, ..
        }) = events.recv_timeout(left.min(Duration::from_millis(100)))
        {
            println!(
                "{:>6.2}s {from:?} -> {to:?} ({reason:?})",
                start.elapsed().as_secs_f64()
            );
        }
        if drain_at.is_some_and(|at| Instant::now() >= at) && handle.set_priority(0, 1) {
            println!("priority 1: draining for maintenance, a peer takes over");
            drain_at = None;
        }
    }
    handle.shutdown();
    thread.join().expect("driver thread")?;
    Ok(())
}
