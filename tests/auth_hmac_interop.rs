//! `auth_hmac` against keepalived 2.4.3, the only other implementation that
//! has it: VRRPv2 and v3, IPv4 and IPv6, multicast and unicast, our daemon
//! Master and keepalived Backup, then the other way round.
//!
//! Each row: the Master (priority 150) takes the VIP; the Backup (100)
//! starts and must not take it for ten advert intervals (a Backup that
//! dropped the Master's signed adverts would: a dual Master); our daemon's
//! counters show the adverts it accepted and no authentication error; the
//! Master is killed and the Backup takes over. Needs root, keepalived 2.4.3
//! (`.ci/run` builds it into `target/`).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance, State};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, Proc, Signal, say};

/// Key 1 (hex) signs; key 2 (text) is there for rotation.
const AUTH_HMAC: &str = "    auth_hmac {
        key 1 hex:8d1e0b7a6c5f4e3d2c1b0a99887766554433221100ffeeddccbbaa9988776655
        key 2 vrrp-rs-interop-text-key-32-bytes
        active_key 1
    }";

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
struct Row {
    version: u8,
    ipv6: bool,
    unicast: bool,
}

impl Row {
    fn advert(self) -> Duration {
        if self.version == 2 {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(100)
        }
    }

    fn address(self, host: u8) -> String {
        if self.ipv6 {
            format!("2001:db8::{host}")
        } else {
            format!("192.0.2.{host}")
        }
    }

    fn vip(self) -> IpAddr {
        let vip = if self.ipv6 {
            "2001:db8::100"
        } else {
            "192.0.2.100"
        };
        vip.parse().expect("an address")
    }

    fn label(self) -> String {
        format!(
            "v{} {} {}",
            self.version,
            if self.ipv6 { "IPv6" } else { "IPv4" },
            if self.unicast { "unicast" } else { "multicast" }
        )
    }

    /// The configuration of host `me` (1 or 2), whose peer is the other.
    fn config(self, me: u8, priority: u8, state: State) -> String {
        let prefix = if self.ipv6 { 64 } else { 24 };
        let mut instance = Instance::new("VI_51", 51)
            .priority(priority)
            .advert_int(self.advert())
            .version(self.version)
            .state(state)
            .vip(&format!("{}/{prefix}", self.vip()))
            .line(AUTH_HMAC);
        if self.ipv6 {
            instance = instance.native_ipv6();
        }
        if self.unicast {
            let peer = self.address(3 - me);
            instance = instance.unicast(&self.address(me), &[&peer]);
        }
        Config::new(&format!("host{me}"))
            .instance(instance)
            .to_string()
    }
}

fn addresses(row: Row, host: u8) -> Vec<String> {
    let mut addresses = vec![format!("192.0.2.{host}/24")];
    if row.ipv6 {
        addresses.push(format!("2001:db8::{host}/64"));
    }
    addresses
}

/// Our daemon's counter `name` of VI_51.
fn counter(host: &Host<'_>, daemon: &Proc, name: &str) -> u64 {
    let status = lab::status(host, daemon);
    status["instances"][0]["stats"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no counter {name} in {status:#}"))
}

const AUTH_ERRORS: [&str; 6] = [
    "auth_ext_missing",
    "auth_ext_malformed",
    "auth_ext_unknown_key",
    "auth_ext_invalid_hmac",
    "auth_ext_stale",
    "auth_ext_replay",
];

/// Runs `row` with `master` on host 1 and `backup` on host 2.
fn run(test: &str, row: Row, ours_master: bool) {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let ours = Daemon::ours();
    let (master, backup) = if ours_master {
        (&ours, &keepalived)
    } else {
        (&keepalived, &ours)
    };
    let m = lab.host("m", &strs(&addresses(row, 1)));
    let b = lab.host("b", &strs(&addresses(row, 2)));
    let vip = row.vip();

    let on_m = master.start(&m, &row.config(1, 150, State::Master));
    let took = wait_for(Duration::from_secs(10), || m.has_address(vip));
    assert!(
        took.is_some(),
        "{}: the Master never took the VIP:\n{}",
        row.label(),
        on_m.log()
    );
    let on_b = backup.start(&b, &row.config(2, 100, State::Backup));
    let quiet = row.advert() * 10 + Duration::from_secs(1);
    let stays = holds_for(quiet, || !b.has_address(vip) && m.has_address(vip));
    assert!(
        stays,
        "{}: a dual Master: the Backup ({}) took the VIP while the Master ({}) advertised:\n\
         Backup:\n{}\nMaster:\n{}",
        row.label(),
        backup.name(),
        master.name(),
        on_b.log(),
        on_m.log()
    );
    let (our_host, our_proc) = if ours_master {
        (&m, &on_m)
    } else {
        (&b, &on_b)
    };
    for name in AUTH_ERRORS {
        assert_eq!(
            counter(our_host, our_proc, name),
            0,
            "{}: {name}",
            row.label()
        );
    }
    if !ours_master {
        let received = counter(our_host, our_proc, "adverts_received");
        assert!(
            received >= 5,
            "{}: only {received} adverts accepted",
            row.label()
        );
    }

    let killed = Instant::now();
    on_m.kill_group(Signal::SIGKILL);
    let limit = row.advert() * 4 + Duration::from_secs(3);
    let took = wait_for(limit, || b.has_address(vip));
    assert!(
        took.is_some(),
        "{}: the Backup did not take over:\n{}",
        row.label(),
        on_b.log()
    );
    say(&format!(
        "MEASURED auth_hmac interop {}: Master {} / Backup {}: no dual Master for {quiet:?}, \
         no authentication error; Backup took over {:?} after SIGKILL",
        row.label(),
        master.name(),
        backup.name(),
        killed.elapsed()
    ));
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

macro_rules! rows {
    ($($name:ident: $version:expr, $ipv6:expr, $unicast:expr, $ours_master:expr;)*) => {$(
        #[test]
        fn $name() {
            let row = Row { version: $version, ipv6: $ipv6, unicast: $unicast };
            run(stringify!($name), row, $ours_master);
        }
    )*};
}

rows! {
    v3_ipv4_multicast_ours_master: 3, false, false, true;
    v3_ipv4_multicast_keepalived_master: 3, false, false, false;
    v3_ipv6_multicast_ours_master: 3, true, false, true;
    v3_ipv6_multicast_keepalived_master: 3, true, false, false;
    v2_ipv4_multicast_ours_master: 2, false, false, true;
    v2_ipv4_multicast_keepalived_master: 2, false, false, false;
    v3_ipv4_unicast_ours_master: 3, false, true, true;
    v3_ipv4_unicast_keepalived_master: 3, false, true, false;
    v2_ipv4_unicast_ours_master: 2, false, true, true;
    v2_ipv4_unicast_keepalived_master: 2, false, true, false;
    v3_ipv6_unicast_ours_master: 3, true, true, true;
    v3_ipv6_unicast_keepalived_master: 3, true, true, false;
}
