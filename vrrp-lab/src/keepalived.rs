//! keepalived.conf text for lab hosts: a builder for the common cases. Our
//! daemon reads the same text, so one config drives either (see [`Daemon`]).
//!
//! [`Daemon`]: super::Daemon

use std::fmt::{self, Display, Write as _};
use std::time::Duration;

/// A whole keepalived.conf: `global_defs`, `vrrp_script`s, `vrrp_instance`s.
#[derive(Debug, Clone)]
pub struct Config {
    router_id: String,
    script_user_root: bool,
    scripts: Vec<Script>,
    instances: Vec<Instance>,
}

impl Config {
    /// A config with `router_id` and `script_user root` (keepalived would
    /// otherwise look for a `keepalived_script` user and warn).
    pub fn new(router_id: &str) -> Self {
        Self {
            router_id: router_id.to_owned(),
            script_user_root: true,
            scripts: Vec::new(),
            instances: Vec::new(),
        }
    }

    /// Leaves `script_user` out, as most configs in the field do.
    pub fn without_script_user(mut self) -> Self {
        self.script_user_root = false;
        self
    }

    /// Adds a `vrrp_script`.
    pub fn script(mut self, script: Script) -> Self {
        self.scripts.push(script);
        self
    }

    /// Adds a `vrrp_instance`.
    pub fn instance(mut self, instance: Instance) -> Self {
        self.instances.push(instance);
        self
    }
}

impl Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "global_defs {{\n    router_id {}", self.router_id)?;
        if self.script_user_root {
            writeln!(f, "    script_user root")?;
        }
        writeln!(f, "}}")?;
        for script in &self.scripts {
            write!(f, "\n{script}")?;
        }
        for instance in &self.instances {
            write!(f, "\n{instance}")?;
        }
        Ok(())
    }
}

/// The `state` an instance starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `state MASTER`: keepalived takes the VIPs at once on startup.
    Master,
    /// `state BACKUP`: waits a master-down interval first.
    Backup,
}

/// One `vrrp_instance`.
#[derive(Debug, Clone)]
pub struct Instance {
    name: String,
    /// `None`: no `interface` line (a unicast instance of keepalived 2.4.3's).
    interface: Option<String>,
    vrid: u8,
    priority: u8,
    advert: Duration,
    version: Option<u8>,
    state: Option<State>,
    native_ipv6: bool,
    use_vmac: bool,
    nopreempt: bool,
    /// `auth_type` (PASS or AH) and `auth_pass`.
    auth: Option<(&'static str, String)>,
    unicast: Option<(String, Vec<String>)>,
    vips: Vec<String>,
    track_scripts: Vec<String>,
    lines: Vec<String>,
}

impl Instance {
    /// Instance `name` for `vrid` on `eth0`, priority 100, advert_int 1 s,
    /// keepalived's defaults for everything else.
    pub fn new(name: &str, vrid: u8) -> Self {
        Self {
            name: name.to_owned(),
            interface: Some("eth0".to_owned()),
            vrid,
            priority: 100,
            advert: Duration::from_secs(1),
            version: None,
            state: None,
            native_ipv6: false,
            use_vmac: false,
            nopreempt: false,
            auth: None,
            unicast: None,
            vips: Vec::new(),
            track_scripts: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// One more line in the block, as written (a keyword the builder lacks).
    pub fn line(mut self, line: &str) -> Self {
        self.lines.push(line.to_owned());
        self
    }

    /// `interface` (default `eth0`).
    pub fn interface(mut self, interface: &str) -> Self {
        self.interface = Some(interface.to_owned());
        self
    }

    /// No `interface` line: with [`unicast`](Self::unicast) and VIPs that
    /// name their `dev`, keepalived 2.4.3 runs the instance bound to no
    /// interface.
    pub fn without_interface(mut self) -> Self {
        self.interface = None;
        self
    }

    /// `priority`.
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    /// `advert_int`: whole seconds for VRRPv2, centiseconds for VRRPv3.
    pub fn advert_int(mut self, advert: Duration) -> Self {
        self.advert = advert;
        self
    }

    /// `version 2` or `version 3` (keepalived's default is 2).
    pub fn version(mut self, version: u8) -> Self {
        self.version = Some(version);
        self
    }

    /// `state MASTER` or `state BACKUP`.
    pub fn state(mut self, state: State) -> Self {
        self.state = Some(state);
        self
    }

    /// `native_ipv6`: an IPv6 instance (VRRPv3 over ff02::12).
    pub fn native_ipv6(mut self) -> Self {
        self.native_ipv6 = true;
        self
    }

    /// `use_vmac`: the VIPs live on a macvlan (`vrrp.<VRID>`) with the
    /// virtual router MAC 00:00:5e:00:01:VRID, which moves with them.
    pub fn use_vmac(mut self) -> Self {
        self.use_vmac = true;
        self
    }

    /// `nopreempt`.
    pub fn nopreempt(mut self) -> Self {
        self.nopreempt = true;
        self
    }

    /// `authentication { auth_type PASS auth_pass <pass> }` (VRRPv2).
    pub fn auth_pass(mut self, pass: &str) -> Self {
        self.auth = Some(("PASS", pass.to_owned()));
        self
    }

    /// `authentication { auth_type AH auth_pass <pass> }` (VRRPv2 over
    /// IPv4: IPsec AH, HMAC-MD5-96 keyed with the first 8 bytes).
    pub fn auth_ah(mut self, pass: &str) -> Self {
        self.auth = Some(("AH", pass.to_owned()));
        self
    }

    /// `unicast_src_ip <src>` and `unicast_peer { <peers> }` instead of
    /// multicast.
    pub fn unicast(mut self, src: &str, peers: &[&str]) -> Self {
        let peers = peers.iter().map(|&peer| peer.to_owned()).collect();
        self.unicast = Some((src.to_owned(), peers));
        self
    }

    /// Adds a line to `virtual_ipaddress`, e.g. `192.0.2.100/24`.
    pub fn vip(mut self, vip: &str) -> Self {
        self.vips.push(vip.to_owned());
        self
    }

    /// Adds a `track_script` by name.
    pub fn track_script(mut self, script: &str) -> Self {
        self.track_scripts.push(script.to_owned());
        self
    }
}

impl Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut body = String::new();
        let b = &mut body;
        if let Some(state) = self.state {
            let state = if state == State::Master {
                "MASTER"
            } else {
                "BACKUP"
            };
            writeln!(b, "    state {state}")?;
        }
        if let Some(interface) = &self.interface {
            writeln!(b, "    interface {interface}")?;
        }
        writeln!(b, "    virtual_router_id {}", self.vrid)?;
        writeln!(b, "    priority {}", self.priority)?;
        writeln!(b, "    advert_int {}", seconds(self.advert))?;
        if let Some(version) = self.version {
            writeln!(b, "    version {version}")?;
        }
        if self.native_ipv6 {
            writeln!(b, "    native_ipv6")?;
        }
        if self.use_vmac {
            writeln!(b, "    use_vmac")?;
        }
        if self.nopreempt {
            writeln!(b, "    nopreempt")?;
        }
        if let Some((kind, pass)) = &self.auth {
            writeln!(
                b,
                "    authentication {{\n        auth_type {kind}\n        auth_pass {pass}\n    }}"
            )?;
        }
        if let Some((src, peers)) = &self.unicast {
            writeln!(b, "    unicast_src_ip {src}\n    unicast_peer {{")?;
            for peer in peers {
                writeln!(b, "        {peer}")?;
            }
            writeln!(b, "    }}")?;
        }
        block(b, "virtual_ipaddress", &self.vips)?;
        if !self.track_scripts.is_empty() {
            block(b, "track_script", &self.track_scripts)?;
        }
        for line in &self.lines {
            writeln!(b, "    {line}")?;
        }
        write!(f, "vrrp_instance {} {{\n{body}}}\n", self.name)
    }
}

/// One `vrrp_script`.
#[derive(Debug, Clone)]
pub struct Script {
    name: String,
    command: String,
    interval: u32,
    weight: i32,
    fall: Option<u32>,
    rise: Option<u32>,
}

impl Script {
    /// Script `name` running `command` every `interval` seconds; `weight` 0
    /// (a failure puts the instance in Fault) until [`weight`](Self::weight).
    pub fn new(name: &str, command: &str, interval: u32) -> Self {
        Self {
            name: name.to_owned(),
            command: command.to_owned(),
            interval,
            weight: 0,
            fall: None,
            rise: None,
        }
    }

    /// The article's check: `killall -0 haproxy` every `interval` seconds.
    pub fn haproxy_check(interval: u32) -> Self {
        Self::new("haproxy_check", "killall -0 haproxy", interval)
    }

    /// `weight`: positive is added while the script succeeds, negative is
    /// added while it fails.
    pub fn weight(mut self, weight: i32) -> Self {
        self.weight = weight;
        self
    }

    /// `fall`: failures in a row before the script counts as failed.
    pub fn fall(mut self, fall: u32) -> Self {
        self.fall = Some(fall);
        self
    }

    /// `rise`: successes in a row before it counts as good again.
    pub fn rise(mut self, rise: u32) -> Self {
        self.rise = Some(rise);
        self
    }

    /// Its name, for [`Instance::track_script`].
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "vrrp_script {} {{", self.name)?;
        writeln!(f, "    script \"{}\"", self.command)?;
        writeln!(f, "    interval {}", self.interval)?;
        if self.weight != 0 {
            writeln!(f, "    weight {}", self.weight)?;
        }
        if let Some(fall) = self.fall {
            writeln!(f, "    fall {fall}")?;
        }
        if let Some(rise) = self.rise {
            writeln!(f, "    rise {rise}")?;
        }
        writeln!(f, "}}")
    }
}

/// The article's keepalived.conf for `side` (`"master"`: priority 100,
/// `state MASTER`; `"backup"`: 98), as vrrp-keepalived's fixtures restore it
/// (VIP 192.0.2.100, `auth_pass` a 36-character uuid, `killall -0 haproxy`
/// every 2 s with weight 2), on the lab's `eth0` instead of `ens192`.
pub fn seed(side: &str) -> String {
    let text = match side {
        "master" => include_str!("../../vrrp-keepalived/tests/fixtures/seed-master.conf"),
        "backup" => include_str!("../../vrrp-keepalived/tests/fixtures/seed-backup.conf"),
        other => panic!("the seed has a master and a backup side, not {other:?}"),
    };
    text.replace("ens192", "eth0")
}

/// [`seed`] with the track script's `weight 2` replaced by `weight`.
pub fn seed_with_weight(side: &str, weight: i32) -> String {
    let text = seed(side);
    assert!(text.contains("weight 2\n"), "the seed's weight line moved");
    text.replace("weight 2\n", &format!("weight {weight}\n"))
}

/// `text` (a keepalived.conf) with `lines` (one keyword a line, indented
/// or not) added at the top of its `global_defs`.
pub fn with_global(text: &str, lines: &str) -> String {
    let head = "global_defs {\n";
    assert!(text.contains(head), "no `global_defs {{` line in\n{text}");
    let mut spliced = String::from(head);
    for line in lines.lines() {
        writeln!(spliced, "    {}", line.trim_start()).expect("a String takes any text");
    }
    text.replacen(head, &spliced, 1)
}

/// `name { line ... }`, indented for an instance's body.
fn block(out: &mut String, name: &str, lines: &[String]) -> fmt::Result {
    writeln!(out, "    {name} {{")?;
    for line in lines {
        writeln!(out, "        {line}")?;
    }
    writeln!(out, "    }}")
}

/// `1`, `0.1`, `0.25`: keepalived's seconds with up to centiseconds.
pub fn seconds(duration: Duration) -> String {
    let centis = duration.as_millis() / 10;
    if centis % 100 == 0 {
        format!("{}", centis / 100)
    } else {
        let text = format!("{}.{:02}", centis / 100, centis % 100);
        text.trim_end_matches('0').to_owned()
    }
}

#[test]
fn renders_a_two_host_instance() {
    let config = Config::new("a")
        .script(Script::haproxy_check(1).weight(-60).fall(1))
        .instance(
            Instance::new("VI_51", 51)
                .state(State::Backup)
                .priority(150)
                .advert_int(Duration::from_millis(100))
                .version(3)
                .vip("192.0.2.100/24")
                .unicast("192.0.2.1", &["192.0.2.2"])
                .track_script("haproxy_check"),
        );
    let text = config.to_string();
    for line in [
        "global_defs {\n    router_id a\n    script_user root\n}\n",
        "vrrp_script haproxy_check {\n    script \"killall -0 haproxy\"\n    interval 1\n    weight -60\n    fall 1\n}\n",
        "    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 150\n",
        "    advert_int 0.1\n    version 3\n",
        "    unicast_src_ip 192.0.2.1\n    unicast_peer {\n        192.0.2.2\n    }\n",
        "    virtual_ipaddress {\n        192.0.2.100/24\n    }\n",
        "    track_script {\n        haproxy_check\n    }\n}\n",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }
    let spliced = with_global(&text, "vrrp_strict\n    log_unknown_vrids");
    assert!(
        spliced.starts_with(
            "global_defs {\n    vrrp_strict\n    log_unknown_vrids\n    router_id a\n"
        ),
        "{spliced}"
    );
    assert_eq!(seconds(Duration::from_secs(1)), "1");
    assert_eq!(seconds(Duration::from_millis(250)), "0.25");
    assert_eq!(seconds(Duration::from_millis(1500)), "1.5");
}
