//! Scenarios that take a [`Daemon`] per host, so the same steps measure
//! keepalived against keepalived today (the baseline) and our daemon against
//! either later. Each builds its own lab, asserts generous bounds and prints
//! one `MEASURED` line per timing.
//!
//! [`Daemon`]: super::Daemon

mod failover;
mod interop;
mod link;
mod stale;
mod tracking;
mod trio;
mod vmac;

use std::net::IpAddr;
use std::time::Duration;

pub use failover::{Failover, failover, failover_measured};
pub use interop::{RECEIVE_ERRORS, keepalived_sees_a_bad_checksum, receive_errors, v3_advert};
pub use link::{LinkDown, LinkFault, link_down};
pub use stale::stale_vip;
pub use tracking::{seed_haproxy_dies, track_script_moves_vip};
pub use trio::{Trio, three_routers};
pub use vmac::{VmacRun, use_vmac, use_vmac_with};

use super::keepalived::Instance;
use super::{Daemon, say};

/// The VRID every scenario uses.
pub const VRID: u8 = 51;

/// The port HAProxy serves on.
pub const HTTP_PORT: u16 = 80;

/// One protocol setting for a two-host scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// VRRP version, 2 or 3.
    pub version: u8,
    /// IPv6 instance (VRRPv3 only) instead of IPv4.
    pub ipv6: bool,
    /// The advertisement interval.
    pub advert: Duration,
    /// VRRPv2 simple-text authentication.
    pub auth_pass: Option<&'static str>,
}

impl Case {
    /// VRRPv3 over IPv4 every `advert`.
    pub fn v3_ipv4(advert: Duration) -> Self {
        Self {
            version: 3,
            ipv6: false,
            advert,
            auth_pass: None,
        }
    }

    /// VRRPv3 over IPv6 every `advert`.
    pub fn v3_ipv6(advert: Duration) -> Self {
        Self {
            ipv6: true,
            ..Self::v3_ipv4(advert)
        }
    }

    /// VRRPv2 with `auth_type PASS` every `advert` (whole seconds).
    pub fn v2_pass(advert: Duration, pass: &'static str) -> Self {
        Self {
            version: 2,
            auth_pass: Some(pass),
            ..Self::v3_ipv4(advert)
        }
    }

    /// `v3 ipv4 adv=1s`, `v2-pass ipv4 adv=1s`, ...
    pub fn label(&self) -> String {
        let auth = if self.auth_pass.is_some() {
            "-pass"
        } else {
            ""
        };
        let family = if self.ipv6 { "ipv6" } else { "ipv4" };
        let advert = super::keepalived::seconds(self.advert);
        format!("v{}{auth} {family} adv={advert}s", self.version)
    }

    /// The virtual address: 192.0.2.100 or 2001:db8::100.
    pub fn vip(&self) -> IpAddr {
        if self.ipv6 {
            IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100])
        } else {
            IpAddr::from([192, 0, 2, 100])
        }
    }

    /// Host `n`'s addresses: `192.0.2.n/24`, and `2001:db8::n/64` for IPv6.
    pub fn addresses(&self, n: u8) -> Vec<String> {
        let mut addresses = vec![format!("192.0.2.{n}/24")];
        if self.ipv6 {
            addresses.push(format!("2001:db8::{n:x}/64"));
        }
        addresses
    }

    /// The `vrrp_instance` at `priority`, without `state`.
    pub fn instance(&self, priority: u8) -> Instance {
        let prefix = if self.ipv6 { 64 } else { 24 };
        let mut instance = Instance::new("VI_51", VRID)
            .priority(priority)
            .advert_int(self.advert)
            .version(self.version)
            .vip(&format!("{}/{prefix}", self.vip()));
        if self.ipv6 {
            instance = instance.native_ipv6();
        }
        if let Some(pass) = self.auth_pass {
            instance = instance.auth_pass(pass);
        }
        instance
    }

    /// Skew_Time of a router at `priority`: RFC 9568 §6.1 for v3
    /// (`(256 - priority) * interval / 256`), RFC 3768 §6.1 for v2
    /// (`(256 - priority) / 256` seconds).
    pub fn skew(&self, priority: u8) -> Duration {
        let weight = 256 - u32::from(priority);
        if self.version == 2 {
            Duration::from_secs(1) * weight / 256
        } else {
            self.advert * weight / 256
        }
    }

    /// Master_Down_Interval of a router at `priority`: three intervals plus
    /// its Skew_Time.
    pub fn master_down(&self, priority: u8) -> Duration {
        self.advert * 3 + self.skew(priority)
    }
}

/// `keepalived` when both hosts run the same daemon, else `a/b`.
pub fn pair_name(a: &Daemon, b: &Daemon) -> String {
    if a == b {
        a.name().to_owned()
    } else {
        format!("{}/{}", a.name(), b.name())
    }
}

/// What the protocol alone makes of a measured time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Nothing to compare with.
    Nothing,
    /// The RFC's time: Master_Down_Interval, Skew_Time.
    Rfc(Duration),
    /// An upper bound from the RFC's times and the configuration (a
    /// master-down interval plus a script interval, say).
    AtMost(Duration),
}

/// Prints `MEASURED <daemons> <case> <what>: 3.620s (RFC 3.609s)`.
pub fn measured(daemons: &str, case: &str, what: &str, took: Duration, expect: Expect) {
    let expect = match expect {
        Expect::Nothing => String::new(),
        Expect::Rfc(time) => format!(" (RFC {:.3}s)", time.as_secs_f64()),
        Expect::AtMost(time) => format!(" (at most {:.3}s)", time.as_secs_f64()),
    };
    say(&format!(
        "MEASURED {daemons} {case} {what}: {:.3}s{expect}",
        took.as_secs_f64()
    ));
}
