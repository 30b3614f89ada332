//! Every VRRP advertisement on the segment, as tcpdump on the bridge saw it,
//! with the kernel's receive timestamp: for timings that start at the last
//! advert a Master sent rather than at a signal, and for checking what went
//! on the wire (version, priority, authentication).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use super::watch::wait_for;

/// One VRRP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    /// The kernel's timestamp of the frame on the bridge.
    pub at: SystemTime,
    /// IP source address.
    pub src: IpAddr,
    /// IP destination: 224.0.0.18, ff02::12, or a unicast peer.
    pub dst: IpAddr,
    /// 2 or 3.
    pub version: u8,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority; 0 is a Master's goodbye.
    pub priority: u8,
    /// tcpdump's `authtype` (VRRPv2 only): `none`, `simple`, `ah`.
    pub auth: Option<String>,
}

/// `tcpdump` on the lab's bridge, capturing IP protocol 112.
pub struct AdvertCapture {
    child: Child,
    log: PathBuf,
}

impl AdvertCapture {
    /// Starts tcpdump on `br0` in namespace `bridge_ns`, writing to
    /// `dir/adverts.log`; returns once it listens.
    pub(super) fn start(bridge_ns: &str, dir: &Path) -> Self {
        Self::start_matching(bridge_ns, dir, "adverts", "ip proto 112 or ip6 proto 112")
    }

    /// Like [`start`](Self::start), with tcpdump filter `filter` (say
    /// `ip proto 112 and src host 192.0.2.1`, so a flood from elsewhere is
    /// not written out), logging to `dir/<name>.log`.
    pub(super) fn start_matching(bridge_ns: &str, dir: &Path, name: &str, filter: &str) -> Self {
        // Not -p: a promiscuous br0 also gets the unicast frames the
        // bridge forwards from port to port (unicast_peer adverts).
        let (child, log) = tcpdump(bridge_ns, dir, name, &["-i", "br0", filter]);
        Self { child, log }
    }

    /// Waits (up to 3 s) until tcpdump has written an advert stamped at or
    /// after `time`: then everything before `time` is in the log too. A new
    /// Master advertises at once, so this is quick after a takeover.
    pub fn catch_up(&self, time: SystemTime) -> bool {
        wait_for(Duration::from_secs(3), || {
            self.adverts()
                .last()
                .is_some_and(|advert| advert.at >= time)
        })
        .is_some()
    }

    /// Every advert so far, oldest first.
    pub fn adverts(&self) -> Vec<Advert> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter_map(parse_advert).collect()
    }

    /// The adverts `src` sent in `[from, to)`.
    pub fn from(&self, src: IpAddr, from: SystemTime, to: SystemTime) -> Vec<Advert> {
        let adverts = self.adverts().into_iter();
        adverts
            .filter(|a| a.src == src && a.at >= from && a.at < to)
            .collect()
    }

    /// The last advert `src` sent before `before`.
    pub fn last_before(&self, src: IpAddr, before: SystemTime) -> Option<Advert> {
        self.from(src, SystemTime::UNIX_EPOCH, before).pop()
    }
}

impl Drop for AdvertCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tcpdump -n -tt -l ARGS` in namespace `bridge_ns`, writing to
/// `dir/<name>.log`; returns once it listens.
fn tcpdump(bridge_ns: &str, dir: &Path, name: &str, args: &[&str]) -> (Child, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let err = dir.join(format!("{name}.err"));
    let mut child = Command::new("ip")
        .args(["netns", "exec", bridge_ns, "tcpdump", "-n", "-tt", "-l"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("capture log"))
        .stderr(std::fs::File::create(&err).expect("capture log"))
        .spawn()
        .expect("cannot run tcpdump");
    let listening = wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(&err).is_ok_and(|text| text.contains("listening on"))
    });
    if listening.is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "tcpdump does not listen: {}",
            std::fs::read_to_string(&err).unwrap_or_default()
        );
    }
    (child, log)
}

/// One frame a host sent into the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The kernel's timestamp of the frame on the bridge port.
    pub at: SystemTime,
    /// tcpdump's line for it, after the timestamp.
    pub text: String,
}

/// Every frame with one source MAC that a host sends into the bridge:
/// tcpdump on the host's bridge port, inbound only (`-Q in`), link-level
/// headers shown (`-e`).
pub struct FrameCapture {
    child: Child,
    log: PathBuf,
}

impl FrameCapture {
    /// Starts capturing on bridge port `port` in `bridge_ns` the frames
    /// from `mac`, into `dir/<name>.log`; returns once tcpdump listens.
    pub(super) fn start(bridge_ns: &str, dir: &Path, name: &str, port: &str, mac: &str) -> Self {
        let filter = format!("ether src {mac}");
        let (child, log) = tcpdump(
            bridge_ns,
            dir,
            name,
            &["-i", port, "-Q", "in", "-e", &filter],
        );
        Self { child, log }
    }

    /// Every frame so far, oldest first.
    pub fn frames(&self) -> Vec<Frame> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let (stamp, text) = line.split_once(' ')?;
                Some(Frame {
                    at: parse_stamp(stamp)?,
                    text: text.to_owned(),
                })
            })
            .collect()
    }
}

impl Drop for FrameCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tcpdump's `-tt` stamp, `1795710416.897213`.
fn parse_stamp(stamp: &str) -> Option<SystemTime> {
    let (secs, micros) = stamp.split_once('.')?;
    Some(
        SystemTime::UNIX_EPOCH
            + Duration::new(secs.parse().ok()?, micros.parse::<u32>().ok()? * 1000),
    )
}

/// Parses `1795710416.897213 IP 192.0.2.1 > 224.0.0.18: VRRPv2,
/// Advertisement, vrid 51, prio 150, authtype simple, intvl 1s, length 20`.
fn parse_advert(line: &str) -> Option<Advert> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = parse_stamp(words.first()?)?;
    let src = words.get(2)?.parse().ok()?;
    let dst = words.get(4)?.trim_end_matches(':').parse().ok()?;
    let after = |key: &str| {
        let at = words.iter().position(|w| *w == key)?;
        Some(words.get(at + 1)?.trim_end_matches(','))
    };
    let version = words
        .get(5)?
        .strip_prefix("VRRPv")?
        .trim_end_matches(',')
        .parse()
        .ok()?;
    Some(Advert {
        at,
        src,
        dst,
        version,
        vrid: after("vrid")?.parse().ok()?,
        priority: after("prio")?.parse().ok()?,
        auth: after("authtype").map(str::to_owned),
    })
}

#[test]
fn parses_tcpdump_lines() {
    let v2 = "1795710416.897213 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, \
              prio 150, authtype simple, intvl 1s, length 20";
    let advert = parse_advert(v2).expect("an advert");
    assert_eq!(advert.src, IpAddr::from([192, 0, 2, 1]));
    assert_eq!(advert.dst, IpAddr::from([224, 0, 0, 18]));
    assert_eq!((advert.version, advert.vrid, advert.priority), (2, 51, 150));
    assert_eq!(advert.auth.as_deref(), Some("simple"));
    let since_epoch = advert.at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(since_epoch, Duration::new(1_795_710_416, 897_213_000));

    let v3 = "1795710417.000001 IP6 fe80::1 > ff02::12: VRRPv3, Advertisement, vrid 51, \
              prio 0, intvl 100cs, length 24";
    let advert = parse_advert(v3).expect("an advert");
    assert_eq!(advert.src, "fe80::1".parse::<IpAddr>().unwrap());
    assert_eq!(advert.dst, "ff02::12".parse::<IpAddr>().unwrap());
    assert_eq!((advert.version, advert.priority, advert.auth), (3, 0, None));
    assert_eq!(parse_advert("tcpdump: verbose output suppressed"), None);
}
