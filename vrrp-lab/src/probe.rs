//! What a client of the VIP sees: a ping every 10 ms and a TCP connection
//! every 10 ms, each stamped, so that a test counts the lost pings and the
//! failed connections in any window.

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use nix::sched::CloneFlags;

use super::{Host, Proc};

/// Between two probes of one kind.
pub const EVERY: Duration = Duration::from_millis(10);
/// A connection not established within this counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(100);

/// The two probes, running from a client host until dropped.
pub struct Probes {
    ping: Proc,
    connects: Arc<Mutex<Vec<(SystemTime, bool)>>>,
    stop: Arc<AtomicBool>,
    tcp: Option<JoinHandle<()>>,
}

impl Probes {
    /// Starts pinging `vip` and connecting to `vip:port` from `client`.
    pub fn start(client: &Host<'_>, vip: IpAddr, port: u16) -> Self {
        let vip_text = vip.to_string();
        // -D: a timestamp per line; -O: a line for each echo that got no
        // answer before the next was sent.
        let ping = client.spawn(
            "ping",
            &["ping", "-n", "-D", "-O", "-i", "0.01", "-W", "1", &vip_text],
        );
        let connects = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let netns = format!("/run/netns/{}", client.ns());
        let (log, done) = (Arc::clone(&connects), Arc::clone(&stop));
        let tcp = std::thread::spawn(move || {
            let file = std::fs::File::open(&netns).expect("the client's namespace");
            nix::sched::setns(&file, CloneFlags::CLONE_NEWNET).expect("setns");
            let to = SocketAddr::new(vip, port);
            while !done.load(Ordering::Relaxed) {
                let at = SystemTime::now();
                let ok = TcpStream::connect_timeout(&to, CONNECT_TIMEOUT).is_ok();
                log.lock().expect("probe log").push((at, ok));
                std::thread::sleep(EVERY.saturating_sub(at.elapsed().unwrap_or_default()));
            }
        });
        Self {
            ping,
            connects,
            stop,
            tcp: Some(tcp),
        }
    }

    /// Pings sent in `[from, to)` that were never answered, and pings sent.
    pub fn lost_pings(&self, from: SystemTime, to: SystemTime) -> (usize, usize) {
        let echoes = echoes(&self.ping.log());
        let within: Vec<_> = echoes
            .iter()
            .filter(|e| e.at >= from && e.at < to)
            .collect();
        (within.iter().filter(|e| !e.answered).count(), within.len())
    }

    /// Connections started in `[from, to)` that failed, and connections
    /// started.
    pub fn failed_connections(&self, from: SystemTime, to: SystemTime) -> (usize, usize) {
        let connects = self.connects.lock().expect("probe log");
        let within: Vec<_> = connects
            .iter()
            .filter(|(at, _)| *at >= from && *at < to)
            .collect();
        (within.iter().filter(|(_, ok)| !ok).count(), within.len())
    }
}

impl Drop for Probes {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(tcp) = self.tcp.take() {
            let _ = tcp.join();
        }
    }
}

/// One echo request: when it was (about) sent, and whether a reply came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Echo {
    seq: u64,
    at: SystemTime,
    answered: bool,
}

/// The echoes in `ping -D -O` output: a reply line marks its sequence
/// number answered (stamped at the reply: a lab's round trip is well below
/// a millisecond), a `no answer yet` line stamps one unanswered so far (10
/// ms after it was sent). An echo with neither line (the last ones) is left
/// out.
fn echoes(log: &str) -> Vec<Echo> {
    let mut by_seq = std::collections::BTreeMap::new();
    for line in log.lines() {
        let Some((at, rest)) = stamp(line) else {
            continue;
        };
        let Some(seq) = rest
            .split_whitespace()
            .find_map(|w| w.strip_prefix("icmp_seq="))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let answered = rest.contains(" bytes from ");
        let echo = by_seq.entry(seq).or_insert(Echo { seq, at, answered });
        if answered {
            echo.answered = true;
        }
    }
    by_seq.into_values().collect()
}

/// `[1795710416.897213] rest` → the time and the rest.
fn stamp(line: &str) -> Option<(SystemTime, &str)> {
    let (stamp, rest) = line.strip_prefix('[')?.split_once("] ")?;
    let (secs, micros) = stamp.split_once('.')?;
    let at = SystemTime::UNIX_EPOCH
        + Duration::new(secs.parse().ok()?, micros.parse::<u32>().ok()? * 1000);
    Some((at, rest))
}

#[test]
fn reads_answered_and_unanswered_echoes() {
    let log = "PING 192.0.2.100 (192.0.2.100) 56(84) bytes of data.\n\
        [1795710416.000100] 64 bytes from 192.0.2.100: icmp_seq=1 ttl=64 time=0.05 ms\n\
        [1795710416.020000] no answer yet for icmp_seq=2\n\
        [1795710416.030000] no answer yet for icmp_seq=3\n\
        [1795710416.035000] 64 bytes from 192.0.2.100: icmp_seq=3 ttl=64 time=15 ms\n\
        [1795710416.040100] 64 bytes from 192.0.2.100: icmp_seq=4 ttl=64 time=0.05 ms\n";
    let echoes = echoes(log);
    let answered: Vec<_> = echoes.iter().map(|e| (e.seq, e.answered)).collect();
    assert_eq!(answered, [(1, true), (2, false), (3, true), (4, true)]);
    let second = SystemTime::UNIX_EPOCH + Duration::new(1_795_710_416, 20_000_000);
    assert_eq!(echoes[1].at, second);
}
