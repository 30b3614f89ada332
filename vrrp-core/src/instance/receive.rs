//! Receiving an advertisement: the checks of RFC 9568 §7.1 in order, then
//! the Backup and Master rules of §6.4.2 and §6.4.3.

use std::net::IpAddr;

use super::{Instance, Watch};
use crate::auth_ah::{AhDatagram, AhError};
use crate::auth_hmac::{AuthError, Binding};
use crate::fsm::{Action, Reason, State};
use crate::received::Received;
use crate::stats::{MasterReason, ProtocolError};
use crate::time::Instant;
use crate::wire::{self, Advertisement, Auth, Error, Family, Packet, TRAILER_LEN, Version};

/// What the checks decided about one advert.
enum Verdict<'a> {
    Accept(Advertisement<'a>),
    Drop,
}

impl Instance {
    /// Handles a received VRRP message (`bytes` starts at the VRRP header).
    ///
    /// Every advert that fails a check is counted in [`Statistics`](crate::Statistics)
    /// and dropped; it never changes state. Returns whether it was accepted.
    pub fn handle_advert(&mut self, now: Instant, rx: &Received, bytes: &[u8]) -> bool {
        self.handle_packet(now, rx, Packet::new_checked(bytes), None)
    }

    /// Handles a received IPv4 datagram carrying an IP Authentication
    /// Header (protocol 51; keepalived's `auth_type AH`): `datagram` starts
    /// at the IPv4 header, which the ICV covers. Counted and dropped like
    /// [`handle_advert`](Self::handle_advert)'s; a datagram that is not AH
    /// for VRRP counts as a packet length error. Returns whether it was
    /// accepted.
    pub fn handle_ah_datagram(&mut self, now: Instant, datagram: &[u8]) -> bool {
        match AhDatagram::parse(datagram) {
            Ok(ah) => {
                let packet = Packet::new_checked(ah.message());
                self.handle_packet(now, &ah.rx, packet, Some(&ah))
            }
            Err(_) => {
                self.stats.packet_length_errors += 1;
                self.stats.adverts_dropped += 1;
                false
            }
        }
    }

    /// [`handle_advert`](Self::handle_advert) once the length of the fixed
    /// header was checked: the [`Router`](crate::Router) checks it to find
    /// the VRID, and counts the failures itself.
    pub(crate) fn handle_packet(
        &mut self,
        now: Instant,
        rx: &Received,
        packet: Result<Packet<&[u8]>, Error>,
        ah: Option<&AhDatagram<'_>>,
    ) -> bool {
        let verdict = match (packet, ah) {
            (Ok(packet), None) => match self.last_accepted.repeated(rx, packet.into_inner()) {
                Some(ipv4_form) => self.accept_repeat(rx, packet, ipv4_form),
                None => self.check(rx, Ok(packet), None),
            },
            (packet, ah) => self.check(rx, packet, ah),
        };
        match verdict {
            Verdict::Accept(advert) => {
                self.stats.adverts_received += 1;
                if advert.priority == 0 {
                    self.stats.priority_zero_received += 1;
                }
                self.on_advert(now, rx.src, &advert);
                true
            }
            Verdict::Drop => {
                self.stats.adverts_dropped += 1;
                false
            }
        }
    }

    /// The last advert accepted, again (see `repeat`): the checks it
    /// passed would pass again; only its counter counts.
    fn accept_repeat<'a>(
        &mut self,
        rx: &Received,
        packet: Packet<&'a [u8]>,
        ipv4_form: Option<bool>,
    ) -> Verdict<'a> {
        let Ok(advert) = Advertisement::parse(&packet, self.config.family()) else {
            // Bytes that parsed once parse again; checked in full all the same.
            return self.check(rx, Ok(packet), None);
        };
        self.count_checksum_form(ipv4_form);
        Verdict::Accept(advert)
    }

    /// RFC 9568 §7.1 (and RFC 3768 §7.1 for v2), in the RFC's order.
    fn check<'a>(
        &mut self,
        rx: &Received,
        packet: Result<Packet<&'a [u8]>, Error>,
        ah: Option<&AhDatagram<'_>>,
    ) -> Verdict<'a> {
        // An advert to another multicast group is not ours: keepalived's
        // socket for a group is bound to it, so the kernel never hands it
        // over. No error counter counts it; `adverts_dropped` does.
        if rx.is_multicast() && rx.dst != self.group {
            return Verdict::Drop;
        }
        let checksum_dst = self.checksum_destination(rx.dst);
        let stats = &mut self.stats;
        let family = self.config.family();
        // keepalived checks first that an AH instance got AH, and that
        // another got none.
        if ah.is_some() != self.config.auth.is_ah() {
            stats.auth_type_mismatch += 1;
            return Verdict::Drop;
        }
        // Adverts to the multicast group must not have crossed a router.
        if rx.is_multicast() && rx.ttl != wire::TTL {
            stats.ip_ttl_errors += 1;
            stats.protocol_error_reason = ProtocolError::IpTtl;
            return Verdict::Drop;
        }
        if Family::of(&rx.src) != family {
            stats.packet_length_errors += 1;
            return Verdict::Drop;
        }
        let Ok(packet) = packet else {
            stats.packet_length_errors += 1;
            return Verdict::Drop;
        };
        if packet.version() != self.config.version as u8 {
            stats.version_errors += 1;
            stats.protocol_error_reason = ProtocolError::Version;
            return Verdict::Drop;
        }
        // auth_hmac: a trailer makes the datagram exactly TRAILER_LEN longer
        // than its header says. Over IPv6 the checksum covers it.
        let bytes = packet.into_inner();
        let (message, trailer) = match self.hmac {
            Some(_) => split_trailer(bytes, &packet, family),
            None => (bytes, None),
        };
        let packet = Packet::new_unchecked(message);
        let summed = match (trailer, family) {
            (Some(_), Family::Ipv6) => Packet::new_unchecked(bytes),
            _ => packet,
        };
        let advert = match Advertisement::parse(&packet, family) {
            Ok(advert) => advert,
            Err(error) => {
                self.count_parse_error(error);
                return Verdict::Drop;
            }
        };
        // RFC 9568 §5.2.8 defines the pseudo-header by RFC 8200's (IPv6)
        // only; over IPv4 peers differ on whether to include one. Both forms
        // are accepted unless strict, each counted.
        let (version, as_v2) = (self.config.version, self.config.v3_checksum_as_v2);
        let ours = wire::pseudo_header(version, as_v2, rx.src, checksum_dst);
        let other = wire::pseudo_header(version, !as_v2, rx.src, checksum_dst);
        let form = if summed.verify_checksum(ours.as_ref()) {
            ours
        } else if ours != other
            && !self.config.strict_checksum
            && summed.verify_checksum(other.as_ref())
        {
            other
        } else if self.learns_old_unicast_checksum(rx, &summed) {
            ours
        } else {
            self.stats.checksum_errors += 1;
            self.stats.protocol_error_reason = ProtocolError::Checksum;
            return Verdict::Drop;
        };
        // Which IPv4 form an accepted advert used (None: the question does not arise).
        let ipv4_form = (ours != other).then_some(form.is_some());
        if advert.vrid != self.config.vrid {
            self.stats.vrid_errors += 1;
            self.stats.protocol_error_reason = ProtocolError::VrId;
            return Verdict::Drop;
        }
        // RFC 9568 §7.1: "... and the local router is not the IPvX address
        // owner": the owner never yields, so it has no use for adverts.
        if self.config.is_owner() {
            return Verdict::Drop;
        }
        // Our own advert, looped back by the host (Linux loops multicast back
        // to the sender unless told not to): a Master would answer it, and
        // the answer would loop back too.
        if rx.src == self.config.primary_address {
            return Verdict::Drop;
        }
        if !self.config.unicast_peers.is_empty() && !self.check_unicast_source(rx) {
            return Verdict::Drop;
        }
        // Authentication with state (replay windows, sequence numbers) must
        // see every advert: those are never taken as repeats.
        let mut repeatable = self.hmac.is_none() && ah.is_none();
        // auth_hmac, before any field reaches the state machine.
        if !self.check_hmac(rx.src, message, trailer) {
            return Verdict::Drop;
        }
        // RFC 3768 §7.1: the authentication type and data must match ours.
        if advert.version == Version::V2 && !self.check_auth(advert.auth) {
            return Verdict::Drop;
        }
        // IPsec AH: the ICV, the SPI, the sequence number, as keepalived
        // checks them.
        if let Some(ah) = ah
            && !self.check_ah(ah)
        {
            return Verdict::Drop;
        }
        // RFC 9568 §7.1: an address list that differs is dropped unless the
        // owner sent it.
        // Peers configured alike send our list byte for byte: compared as
        // bytes first, the rest out of line only when they differ.
        if self.config.check_address_list
            && advert.addresses.as_bytes() != &*self.vips
            && self.address_list_differs(rx.src, &advert.addresses)
        {
            repeatable = false;
            self.stats.address_list_errors += 1;
            if advert.priority != crate::config::PRIORITY_OWNER {
                return Verdict::Drop;
            }
        }
        if advert.interval != self.config.advert_interval {
            repeatable = false;
            self.stats.advert_interval_errors += 1;
            // RFC 3768 §7.1: v2 drops it; RFC 9568 learns the Master's interval.
            if advert.version == Version::V2 {
                return Verdict::Drop;
            }
        }
        self.count_checksum_form(ipv4_form);
        if repeatable {
            self.last_accepted.keep(rx, bytes, ipv4_form);
        }
        Verdict::Accept(advert)
    }

    /// Counts which IPv4 checksum form an accepted advert used.
    fn count_checksum_form(&mut self, ipv4_form: Option<bool>) {
        match ipv4_form {
            Some(true) => self.stats.checksum_with_pseudo_header += 1,
            Some(false) => self.stats.checksum_without_pseudo_header += 1,
            None => {}
        }
    }

    /// An address list whose bytes differ from ours: the same set in
    /// another order is the same list; keepalived's `skip_check_adv_addr`
    /// (vrrp.c, `vrrp_state_backup`): a Backup does not check the Master it
    /// follows. Off the fast path, as rare as a misconfiguration.
    #[cold]
    #[inline(never)]
    fn address_list_differs(&self, src: IpAddr, addresses: &wire::Addresses<'_>) -> bool {
        let followed = self.config.skip_check_from_master
            && self.state == State::Backup
            && self.master == Some(src);
        !followed && !addresses.same_set(&self.addresses())
    }

    /// keepalived 2.4.3 (vrrp.c, `CHKSUM_COMPATIBILITY_NONE`): a unicast
    /// VRRPv3 instance over IPv4 whose check failed tries the checksum over
    /// the multicast group, as keepalived 1.3.6 computed it; if that passes,
    /// it keeps that form from now on, both ways. keepalived tries it on
    /// an advert from anyone; only a unicast peer's counts here (another's
    /// is dropped anyway). Off the fast path: only after a failed checksum.
    #[cold]
    #[inline(never)]
    fn learns_old_unicast_checksum(&mut self, rx: &Received, summed: &Packet<&[u8]>) -> bool {
        let config = &*self.config;
        let group = self.group;
        let applies = config.learn_old_unicast_checksum
            && !config.old_unicast_checksum
            && config.version == Version::V3
            && !config.v3_checksum_as_v2
            && rx.dst.is_ipv4()
            && rx.dst != group
            && config.unicast_peers.contains(&rx.src);
        if !applies {
            return false;
        }
        let old = wire::pseudo_header(config.version, false, rx.src, group);
        if !summed.verify_checksum(old.as_ref()) {
            return false;
        }
        self.config_mut().old_unicast_checksum = true;
        self.push(Action::OldUnicastChecksum);
        true
    }

    /// Whether a unicast instance takes an advert from `rx.src`: one of its
    /// peers, and within that peer's `min_ttl`/`max_ttl` if it has them (a
    /// unicast advert may have crossed routers: keepalived's `unicast_ttl`),
    /// each refusal counted. Out of line: multicast instances never call it.
    #[inline(never)]
    fn check_unicast_source(&mut self, rx: &Received) -> bool {
        let stats = &mut self.stats;
        if !self.config.unicast_peers.contains(&rx.src) {
            stats.unicast_source_errors += 1;
            return false;
        }
        if let Some(limit) = self.config.peer_ttl.iter().find(|l| l.peer == rx.src)
            && !(limit.min..=limit.max).contains(&rx.ttl)
        {
            stats.ip_ttl_errors += 1;
            stats.protocol_error_reason = ProtocolError::IpTtl;
            return false;
        }
        true
    }

    /// Whether `auth_hmac` (when configured) lets the advert through; each
    /// refusal counted in its own counter.
    ///
    /// Inlined, so that an instance without it pays one test on the hot
    /// path; the verification itself stays out of line.
    #[inline]
    fn check_hmac(&mut self, src: IpAddr, message: &[u8], trailer: Option<&[u8]>) -> bool {
        self.hmac.is_none() || self.verify_hmac(src, message, trailer)
    }

    /// [`check_hmac`](Self::check_hmac)'s slow path: the verification.
    #[inline(never)]
    fn verify_hmac(&mut self, src: IpAddr, message: &[u8], trailer: Option<&[u8]>) -> bool {
        let Some(hmac) = self.hmac.as_mut() else {
            return true;
        };
        let binding = Binding {
            version: self.config.version,
            vrid: self.config.vrid,
            sender: src,
        };
        let Err(error) = hmac.verify(message, trailer, binding, self.wall_clock) else {
            return true;
        };
        let stats = &mut self.stats;
        *match error {
            AuthError::Missing => &mut stats.hmac_missing,
            AuthError::Malformed => &mut stats.hmac_malformed,
            AuthError::UnknownKey(_) => &mut stats.hmac_unknown_key,
            AuthError::BadTag => &mut stats.hmac_bad_tag,
            AuthError::Stale { .. } => &mut stats.hmac_stale,
            AuthError::Replayed => &mut stats.hmac_replayed,
        } += 1;
        false
    }

    fn check_auth(&mut self, theirs: Auth) -> bool {
        match (self.config.auth, theirs) {
            (Auth::None, Auth::None) => true,
            (Auth::Simple(ours), Auth::Simple(theirs)) if ours == theirs => true,
            (Auth::Simple(_), Auth::Simple(_)) => {
                self.stats.auth_failures += 1;
                false
            }
            // The key is not on the wire: the ICV says whether it matches.
            (Auth::Ah(_), Auth::Ah(_)) => true,
            _ => {
                self.stats.auth_type_mismatch += 1;
                false
            }
        }
    }

    /// Whether the AH of an advert for this AH instance verifies; each
    /// refusal counted in its own counter.
    fn check_ah(&mut self, datagram: &AhDatagram<'_>) -> bool {
        let unicast = !self.config.unicast_peers.is_empty();
        let Some(ah) = self.ah.as_mut() else {
            return true;
        };
        let Err(error) = ah.verify(datagram, unicast) else {
            return true;
        };
        let stats = &mut self.stats;
        *match error {
            AhError::BadIcv => &mut stats.auth_failures,
            AhError::BadSpi => &mut stats.ah_bad_spi,
            AhError::Replayed { .. } => &mut stats.ah_replayed,
        } += 1;
        false
    }

    fn count_parse_error(&mut self, error: Error) {
        let stats = &mut self.stats;
        match error {
            Error::BadVersion(_) => {
                stats.version_errors += 1;
                stats.protocol_error_reason = ProtocolError::Version;
            }
            Error::BadType(_) => stats.invalid_type_errors += 1,
            Error::BadAuthType(_) => stats.invalid_auth_type += 1,
            Error::ZeroInterval => stats.advert_interval_errors += 1,
            _ => stats.packet_length_errors += 1,
        }
    }

    /// A valid advert, by state.
    fn on_advert(&mut self, now: Instant, src: IpAddr, advert: &Advertisement<'_>) {
        match self.state {
            State::Backup => self.backup_on_advert(now, src, advert),
            State::Master => self.master_on_advert(now, src, advert),
            // RFC 9568 §6.4.1: Initialize ignores adverts; so does Fault.
            State::Initialize | State::Fault => {}
        }
    }

    /// RFC 9568 §6.4.2 ("If an ADVERTISEMENT is received").
    fn backup_on_advert(&mut self, now: Instant, src: IpAddr, advert: &Advertisement<'_>) {
        if advert.priority == 0 {
            // The Master stops: take over after Skew_Time.
            self.watch = Watch::Stopped;
            self.master = None;
            self.arm(crate::timer::Timer::MasterDown, now + self.skew_time());
            return;
        }
        let lower = advert.priority < self.priority;
        if self.config.preempt && lower && !self.tolerate_lower_master(now) {
            // Discard: the master-down timer runs out and we preempt.
            self.watch = Watch::Preempting;
            return;
        }
        if !lower {
            self.preempt_at = None;
        }
        self.learn_interval(advert);
        self.watch = Watch::Master;
        self.master = Some(src);
        self.arm_master_down(now);
    }

    /// keepalived's `preempt_delay`: a lower-priority Master is accepted
    /// until the delay, counted from the first such advert, has passed.
    fn tolerate_lower_master(&mut self, now: Instant) -> bool {
        if self.config.preempt_delay == crate::time::Duration::ZERO {
            return false;
        }
        let until = *self
            .preempt_at
            .get_or_insert(now + self.config.preempt_delay);
        now < until
    }

    /// RFC 9568 §6.4.3 ("If an ADVERTISEMENT is received").
    fn master_on_advert(&mut self, now: Instant, src: IpAddr, advert: &Advertisement<'_>) {
        if advert.priority == 0 {
            // Another router stops: assert ourselves at once.
            self.send_advert(self.priority);
            self.arm_advert(now);
            return;
        }
        if self.yields_to(src, advert.priority) {
            // RFC 9568 §6.4.3: cancel the Adver_Timer, learn the interval,
            // set the Master_Down_Timer, go to Backup; nothing is sent.
            // keepalived's `higher_prio_send_advert` sends one advert first.
            if self.config.higher_prio_send_advert {
                self.send_advert(self.priority);
            }
            self.learn_interval(advert);
            self.master = Some(src);
            self.watch = Watch::Master;
            self.leave_master(now, State::Backup, Reason::HigherPriorityMaster);
            return;
        }
        // RFC 9568 §6.4.3: a lower-priority Master (a partition healed, a
        // frozen router resumed): discard its advert and send one at once,
        // so it steps down now and learning bridges see our path.
        // keepalived's `lower_prio_no_advert` leaves the answer out.
        // With AH, keepalived moves its counter past the other Master's.
        if let Some(ah) = self.ah.as_mut() {
            ah.overtake();
        }
        if !self.config.lower_prio_no_advert {
            self.send_advert(self.priority);
        }
        // Hosts that followed the other Master's announcements must learn
        // ours again, or they keep sending to a router that let go.
        self.push(Action::ReannounceVips {
            priority: self.priority,
        });
    }

    /// RFC 9568 §6.4.3: higher priority wins; equal priority, the higher
    /// primary address (unsigned, network byte order).
    fn yields_to(&self, src: IpAddr, priority: u8) -> bool {
        priority > self.priority
            || (priority == self.priority && address_greater(src, self.config.primary_address))
    }

    /// RFC 9568 §6.4.2: "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT".
    fn learn_interval(&mut self, advert: &Advertisement<'_>) {
        if advert.version == Version::V3 {
            self.master_interval = advert.interval;
        }
    }

    pub(super) fn note_master_reason(&mut self, reason: Reason) {
        self.stats.master_transitions += 1;
        self.stats.new_master_reason = match reason {
            Reason::AddressOwner => MasterReason::Priority,
            Reason::Preempted => MasterReason::Preempted,
            _ => MasterReason::MasterNoResponse,
        };
    }
}

/// Unsigned comparison of two addresses of one family in network byte order.
fn address_greater(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets() > b.octets(),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.octets() > b.octets(),
        _ => false,
    }
}

/// Splits an `auth_hmac` trailer off `bytes` when the datagram is
/// exactly a trailer longer than the message its header describes.
fn split_trailer<'a>(
    bytes: &'a [u8],
    packet: &Packet<&'a [u8]>,
    family: Family,
) -> (&'a [u8], Option<&'a [u8]>) {
    let message_len = packet.message_len(family);
    if bytes.len() == message_len + TRAILER_LEN {
        let (message, trailer) = bytes.split_at(message_len);
        (message, Some(trailer))
    } else {
        (bytes, None)
    }
}
