//! One lab host: a network namespace plugged into the lab's bridge, and a PID
//! namespace for the processes it runs.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nix::sched::CloneFlags;
use nix::unistd::Pid;

use super::watch::AddressMonitor;
use super::{Lab, Proc, ip, remove_namespace};

/// The init of a host's PID namespace: it reaps orphans (bash does, as PID 1)
/// and exits when its stdin, a pipe from the test process, closes, so even a
/// test process killed outright takes its hosts' processes with it.
const INIT: &str = "trap '' TERM INT HUP; while read -r _; do :; done";

/// A host on the lab's segment. Dropping it kills all its processes and
/// deletes its namespace.
pub struct Host<'lab> {
    lab: &'lab Lab,
    name: String,
    ns: String,
    index: u8,
    mac: String,
    /// The addresses [`Lab::host`] was given, without their prefixes.
    given: Vec<IpAddr>,
    dir: PathBuf,
    /// `unshare --kill-child`, parent of the PID namespace's init.
    unshare: Child,
    /// The init, as the root PID namespace numbers it: the target of nsenter.
    init: Pid,
    spawned: AtomicU32,
}

impl<'lab> Host<'lab> {
    pub(super) fn new(lab: &'lab Lab, name: &str, index: u8, addresses: &[&str]) -> Self {
        assert!(
            !name.is_empty()
                && name.len() <= 10
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "host names are 1 to 10 lowercase letters or digits: {name:?}"
        );
        let ns = format!("{}-{name}", lab.id);
        let dir = lab.dir.join(name);
        std::fs::create_dir_all(&dir).expect("host directory");
        ip(&["netns", "add", &ns]);
        // From here on a panic drops `host`, which deletes the namespace.
        let unshare = Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns,
                "unshare",
                "--pid",
                "--fork",
                "--mount-proc",
            ])
            .args(["--kill-child", "bash", "-c", INIT])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run unshare");
        let mut host = Self {
            lab,
            name: name.to_owned(),
            ns,
            index,
            mac: format!("02:00:00:00:00:{index:02x}"),
            given: Vec::new(),
            dir,
            init: Pid::from_raw(0),
            unshare,
            spawned: AtomicU32::new(0),
        };
        host.init = super::process::child_of(&mut host.unshare, "the host's init");
        host.given = host.plug(addresses);
        host
    }

    /// Creates `eth0` and its bridge port, and addresses it; the addresses
    /// given, parsed.
    fn plug(&self, addresses: &[&str]) -> Vec<IpAddr> {
        let (ns, port) = (&self.ns, self.bridge_port());
        let br = &self.lab.bridge_ns;
        let mac = self.mac.as_str();
        ip(&[
            "-n", ns, "link", "add", "eth0", "address", mac, "type", "veth", "peer", "name", &port,
            "netns", br,
        ]);
        ip(&["-n", br, "link", "set", &port, "master", "br0", "up"]);
        // A fixed link-local address instead of a generated one.
        ip(&["-n", ns, "link", "set", "eth0", "addrgenmode", "none"]);
        ip(&["-n", ns, "link", "set", "lo", "up"]);
        ip(&["-n", ns, "link", "set", "eth0", "up"]);
        let given = addresses.iter().map(|a| self.add_address(a)).collect();
        self.add_address(&format!("{}/64", self.link_local()));
        given
    }

    /// Adds `address` (`"192.0.2.1/24"`) to `eth0`, IPv6 without duplicate
    /// address detection; the address without its prefix.
    fn add_address(&self, address: &str) -> IpAddr {
        let ip_part = address.split('/').next().unwrap_or_default();
        let parsed: IpAddr = ip_part
            .parse()
            .unwrap_or_else(|_| panic!("not an address/prefix: {address}"));
        let mut args = vec!["-n", &self.ns, "addr", "add", address, "dev", "eth0"];
        if parsed.is_ipv6() {
            args.push("nodad");
        }
        ip(&args);
        parsed
    }

    /// The name given to [`Lab::host`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its network namespace: `vlab-<pid>-<n>-<name>`.
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// Its number on the segment, 1 for the first host.
    pub fn index(&self) -> u8 {
        self.index
    }

    /// `eth0`'s MAC, `02:00:00:00:00:NN` as `ip` prints it.
    pub fn mac(&self) -> &str {
        &self.mac
    }

    /// `eth0`'s MAC as bytes.
    pub fn mac_bytes(&self) -> [u8; 6] {
        let mut bytes = [0; 6];
        for (byte, hex) in bytes.iter_mut().zip(self.mac.split(':')) {
            *byte = u8::from_str_radix(hex, 16).expect("a MAC we formatted");
        }
        bytes
    }

    /// The first IPv4 address [`Lab::host`] was given; panics if none was.
    pub fn ipv4(&self) -> Ipv4Addr {
        self.given
            .iter()
            .find_map(|a| match a {
                IpAddr::V4(v4) => Some(*v4),
                IpAddr::V6(_) => None,
            })
            .unwrap_or_else(|| panic!("host {} has no IPv4 address", self.name))
    }

    /// The first IPv6 address [`Lab::host`] was given; panics if none was.
    pub fn ipv6(&self) -> Ipv6Addr {
        self.given
            .iter()
            .find_map(|a| match a {
                IpAddr::V6(v6) => Some(*v6),
                IpAddr::V4(_) => None,
            })
            .unwrap_or_else(|| panic!("host {} has no IPv6 address", self.name))
    }

    /// `eth0`'s link-local address, `fe80::NN`.
    pub fn link_local(&self) -> Ipv6Addr {
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(self.index))
    }

    /// Its directory for configs and logs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `body` as the executable script `name` in [`Host::dir`]; its
    /// path.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, body).expect("write a script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make a script executable");
        path
    }

    /// Its port on the lab's bridge.
    pub(super) fn bridge_port(&self) -> String {
        format!("p-{}", self.name)
    }

    /// Starts `argv` in the host's network and PID namespaces, stdout and
    /// stderr into `<dir>/<name>.<k>.log` (k counts this host's spawns).
    pub fn spawn(&self, name: &str, argv: &[&str]) -> Proc {
        let k = self.spawned.fetch_add(1, Ordering::Relaxed) + 1;
        let log = self.dir.join(format!("{name}.{k}.log"));
        Proc::spawn(name, self.enter(argv), log)
    }

    /// Runs `argv` to completion in the host's network and PID namespaces.
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.enter(argv)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("cannot run nsenter: {error}"))
    }

    /// `nsenter` into the init's namespaces (network, PID, and the mount
    /// namespace that has this PID namespace's /proc), then `setsid` so the
    /// program leads its own process group.
    fn enter(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("nsenter");
        command
            .args([
                "--target",
                &self.init.to_string(),
                "--net",
                "--pid",
                "--mount",
            ])
            .args(["--", "setsid"])
            .args(argv);
        command
    }

    /// Every address on every interface, as `ip -j addr` lists them.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let json = ip_json(&self.ns, &["addr", "show"]);
        let links = json.as_array().map(Vec::as_slice).unwrap_or_default();
        links
            .iter()
            .flat_map(|link| link["addr_info"].as_array().cloned().unwrap_or_default())
            .filter_map(|info| info["local"].as_str()?.parse().ok())
            .collect()
    }

    /// Whether `address` is on any of the host's interfaces.
    pub fn has_address(&self, address: IpAddr) -> bool {
        self.addresses().contains(&address)
    }

    /// The MAC the host's neighbour table holds for `address`; `None` while
    /// there is no entry or it has no link-layer address (incomplete, failed).
    pub fn neighbour_mac(&self, address: IpAddr) -> Option<String> {
        let json = ip_json(&self.ns, &["neigh", "show", &address.to_string()]);
        json.as_array()?
            .iter()
            .find_map(|entry| Some(entry["lladdr"].as_str()?.to_owned()))
    }

    /// Runs `ip -j args` in the host's namespace and parses its JSON (an
    /// empty array for no output).
    pub fn ip_json(&self, args: &[&str]) -> serde_json::Value {
        ip_json(&self.ns, args)
    }

    /// Sets a sysctl in the host's network namespace (`"net.ipv4.conf.eth0.arp_accept=1"`).
    pub fn sysctl(&self, setting: &str) {
        ip(&["netns", "exec", &self.ns, "sysctl", "-qw", setting]);
    }

    /// Sets `eth0` administratively up or down.
    pub fn link_set(&self, up: bool) {
        ip(&[
            "-n",
            &self.ns,
            "link",
            "set",
            "eth0",
            if up { "up" } else { "down" },
        ]);
    }

    /// Adds a macvlan `name` on `eth0`, in bridge mode (it talks to the
    /// host's other macvlans), with MAC `mac` (else the kernel's), and sets
    /// it up.
    pub fn add_macvlan(&self, name: &str, mac: Option<&str>) {
        let mut add = vec!["-n", &self.ns, "link", "add", name, "link", "eth0"];
        if let Some(mac) = mac {
            add.extend(["address", mac]);
        }
        add.extend(["type", "macvlan", "mode", "bridge"]);
        ip(&add);
        ip(&["-n", &self.ns, "link", "set", name, "up"]);
    }

    /// One ping to `address`, waiting at most a second for the answer.
    pub fn ping(&self, address: IpAddr) -> bool {
        let to = address.to_string();
        self.exec(&["ping", "-c", "1", "-W", "1", "-q", &to])
            .status
            .success()
    }

    /// Whether a TCP connection from this host to `address:port` opens
    /// within a second.
    pub fn tcp_connect(&self, address: IpAddr, port: u16) -> bool {
        let to = SocketAddr::new(address, port);
        self.in_netns(|| TcpStream::connect_timeout(&to, Duration::from_secs(1)).is_ok())
    }

    /// `GET /` over HTTP/1.0 from this host: the response body, or `None`
    /// when the connection or the request fails (1 s for each step).
    pub fn http_get(&self, address: IpAddr, port: u16) -> Option<String> {
        let to = SocketAddr::new(address, port);
        self.in_netns(|| {
            let second = Some(Duration::from_secs(1));
            let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(1)).ok()?;
            stream.set_read_timeout(second).ok()?;
            stream.set_write_timeout(second).ok()?;
            stream.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
            let mut response = String::new();
            stream.read_to_string(&mut response).ok()?;
            let (head, body) = response.split_once("\r\n\r\n")?;
            head.starts_with("HTTP/1.").then(|| body.to_owned())
        })
    }

    /// Starts watching the host's address events, from now on.
    pub fn monitor_addresses(&self) -> AddressMonitor {
        AddressMonitor::start(&self.ns, &self.dir)
    }

    /// Runs `f` on a thread that entered the host's network namespace, so
    /// sockets it opens are the host's.
    pub fn in_netns<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/run/netns/{}", self.ns);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let file = std::fs::File::open(&path).expect("the host's namespace");
                    nix::sched::setns(&file, CloneFlags::CLONE_NEWNET).expect("setns");
                    f()
                })
                .join()
                .expect("namespace thread panicked")
        })
    }
}

impl Drop for Host<'_> {
    fn drop(&mut self) {
        // Killing unshare kills the init (--kill-child), and with it every
        // process in the PID namespace; remove_namespace gets the rest.
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
        remove_namespace(&self.ns);
    }
}

/// Runs `ip -j -n ns args` and parses its JSON (an empty array for no output).
pub(crate) fn ip_json(ns: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["-j", "-n", ns];
    all.extend_from_slice(args);
    let text = ip(&all);
    if text.trim().is_empty() {
        return serde_json::Value::Array(Vec::new());
    }
    serde_json::from_str(&text).expect("ip -j prints JSON")
}
