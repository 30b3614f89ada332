//! keepalived as the peer: what keepalived 2.2.7 says about packets it
//! rejects, so a test can tell that it rejected none of ours, and a
//! malformed advert to prove the test would notice.

use std::net::IpAddr;
use std::time::Duration;

use super::{Case, VRID};
use crate::keepalived::{Config, State};
use crate::{Daemon, Lab};

/// What keepalived 2.2.7 logs (with `-D`) when it drops or distrusts a
/// received advert, lowercased; from its `vrrp_check_packet` and the
/// state handlers, e.g. `(VI_51) Invalid VRRPv3 checksum`, `invalid TTL/HL.
/// Received 64 and expect 255`, `wrong version`, `received an invalid
/// passwd!`, `advertisement interval mismatch mine=1 sec rcv'd=2 sec`,
/// `received an unexpected ip number count`, `ip_tot_len mismatch`, `vrrp
/// packet too short`, `ip address associated with VRID 51 not present in
/// MASTER advert`, `WARNING - equal priority advert received from remote
/// host with our IP address`, and send errors for good measure. Not
/// `discarding`: a Backup says `received lower priority (100) advert from
/// ... - discarding` of every advert of a Master it is about to preempt.
pub const RECEIVE_ERRORS: &[&str] = &[
    "invalid",
    "error",
    "mismatch",
    "wrong",
    "expect",
    "not present",
    "packet too",
    "bad",
    "warning",
];

/// The lines of a keepalived log that report a packet it rejected.
pub fn receive_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| {
            let line = line.to_lowercase();
            RECEIVE_ERRORS.iter().any(|pattern| line.contains(pattern))
        })
        .collect()
}

/// A VRRPv3 advert for [`VRID`] at `priority` from `src` to 224.0.0.18,
/// announcing 192.0.2.100, checksum correct or (`corrupt`) not.
pub fn v3_advert(src: IpAddr, priority: u8, corrupt: bool) -> Vec<u8> {
    use vrrp_core::wire::{Addresses, Advertisement, Auth, Family, Version, pseudo_header};
    let group = IpAddr::from([224, 0, 0, 18]);
    let vip = [192, 0, 2, 100];
    let advert = Advertisement {
        version: Version::V3,
        vrid: VRID,
        priority,
        interval: 100,
        addresses: Addresses::new(Family::Ipv4, &vip).expect("one IPv4 address"),
        auth: Auth::None,
    };
    let mut bytes = vec![0; 64];
    let pseudo = pseudo_header(Version::V3, false, src, group);
    let len = advert
        .emit_into(&mut bytes, pseudo.as_ref())
        .expect("a valid advert");
    bytes.truncate(len);
    if corrupt {
        // The checksum is bytes 6 and 7.
        bytes[6] ^= 0x5a;
    }
    bytes
}

/// keepalived (v3 IPv4, priority 100) on B; host X sends it a valid advert
/// at priority 50, then the same with a bad checksum. Returns keepalived's
/// log once it reported the second: [`receive_errors`] must find exactly
/// that one line, or the grep the interop tests rely on proves nothing.
pub fn keepalived_sees_a_bad_checksum(test: &str) -> Option<String> {
    let lab = Lab::new(test)?;
    let b = lab.host("b", &["192.0.2.2/24"]);
    let x = lab.host("x", &["192.0.2.9/24"]);
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let config = Config::new("b").instance(case.instance(100).state(State::Backup));
    let keepalived = Daemon::Keepalived.start(&b, &config.to_string());
    let ready = keepalived.wait_log("Entering BACKUP STATE", Duration::from_secs(5));
    assert!(
        ready.is_some(),
        "keepalived did not start:\n{}",
        keepalived.log()
    );
    // Its socket is open once the instance entered Backup; give the VRRP
    // child a moment past the log line.
    std::thread::sleep(Duration::from_millis(200));
    let src = IpAddr::from([192, 0, 2, 9]);
    let good = x.in_netns(|| send(src, &v3_advert(src, 50, false)));
    good.unwrap_or_else(|error| panic!("cannot send a VRRP advert: {error}"));
    let heard = keepalived.wait_log("lower priority (50)", Duration::from_secs(3));
    assert!(
        heard.is_some(),
        "keepalived ignored a valid advert:\n{}",
        keepalived.log()
    );
    let bad = x.in_netns(|| send(src, &v3_advert(src, 50, true)));
    bad.unwrap_or_else(|error| panic!("cannot send a VRRP advert: {error}"));
    let flagged = keepalived.wait_log("checksum", Duration::from_secs(3));
    assert!(
        flagged.is_some(),
        "keepalived said nothing about a bad checksum:\n{}",
        keepalived.log()
    );
    Some(keepalived.log())
}

/// Sends `payload` from `src` to 224.0.0.18 out of `eth0` (TTL 255), from
/// a thread inside the sending host's namespace.
fn send(src: IpAddr, payload: &[u8]) -> Result<(), String> {
    use vrrp_io_linux::{Interface, VrrpSocket};
    let eth0 = Interface::lookup("eth0").map_err(|e| e.to_string())?;
    let socket = VrrpSocket::open_sender("eth0", eth0.ifindex, src).map_err(|e| e.to_string())?;
    socket
        .send(payload, IpAddr::from([224, 0, 0, 18]))
        .map_err(|e| e.to_string())
}
