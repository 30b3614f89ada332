//! `keepalived.data`: the `VRRP Topology` section (each instance's
//! configuration and state) and the `VRRP Scripts` section, line by line
//! as keepalived writes them, for the lines we have.

use vrrp_core::State;
use vrrp_core::wire::{Auth, Family, Version};

use super::{interface_text, quoted, unix_time, vip_line, wanted_state};
use crate::snapshot::Snapshot;
use crate::status::state_name;

/// The text of `keepalived.data`.
pub(super) fn render(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out += &text;
        out.push('\n');
    };
    if !snapshot.instances.is_empty() {
        line("------< VRRP Topology >------".into());
    }
    for i in &snapshot.instances {
        let config = &i.config;
        let v2 = config.version == Version::V2;
        line(format!(" VRRP Instance = {}", i.name));
        line(format!("   VRRP Version = {}", if v2 { 2 } else { 3 }));
        if i.family == Family::Ipv6 {
            line("   Using Native IPv6".into());
        }
        line(format!("   State = {}", state_name(i.state)));
        if i.state == State::Backup {
            if let Some(master) = i.master {
                line(format!("   Master router = {master}"));
            }
            if !v2 {
                line(format!(
                    "   Master advert interval = {} milli-sec",
                    u32::from(i.master_adver_interval) * 10
                ));
            }
        }
        line(format!("   Wantstate = {}", state_name(wanted_state(i))));
        let since = unix_time(i);
        line(format!(
            "   Last transition = {}.{:06}",
            since.as_secs(),
            since.subsec_micros()
        ));
        line(format!(
            "   Master down timer = {} usecs",
            i.master_down_interval.as_micros()
        ));
        line(format!("   Interface = {}", interface_text(i)));
        line(format!("   Using src_ip = {}", config.primary_address));
        if config.unicast_peers.is_empty() {
            line(format!(
                "   Multicast address {}",
                match i.family {
                    Family::Ipv4 => "224.0.0.18",
                    Family::Ipv6 => "ff02::12",
                }
            ));
        }
        line(format!(
            "   Gratuitous ARP delay = {}",
            i.garp_delay.as_secs()
        ));
        line(format!("   Virtual Router ID = {}", config.vrid));
        line(format!("   Priority = {}", config.priority));
        line(format!("   Effective priority = {}", i.priority));
        line(if v2 {
            format!("   Advert interval = {} sec", config.advert_interval / 100)
        } else {
            format!(
                "   Advert interval = {} milli-sec",
                u32::from(config.advert_interval) * 10
            )
        });
        line(format!(
            "   Accept = {}",
            if config.accept_mode {
                "enabled"
            } else {
                "disabled"
            }
        ));
        line(format!(
            "   Preempt = {}",
            if config.preempt {
                "enabled"
            } else {
                "disabled"
            }
        ));
        if config.preempt_delay.as_micros() > 0 {
            line(format!(
                "   Preempt delay = {} secs",
                config.preempt_delay.as_micros() as f64 / 1e6
            ));
        }
        match config.auth {
            Auth::Simple(_) => {
                line("   Authentication type = SIMPLE_PASSWORD".into());
                line("   Password = ********".into());
            }
            Auth::Ah(_) => line("   Authentication type = IPSEC_AH".into()),
            Auth::None if v2 => line("   Authentication type = none".into()),
            Auth::None => {}
        }
        let (vips, excluded): (Vec<_>, Vec<_>) = i.vips.iter().partition(|v| !v.excluded);
        if !vips.is_empty() {
            line(format!("   Virtual IP ({}):", vips.len()));
            for v in vips {
                line(format!("     {}", vip_line(i, v)));
            }
        }
        if !excluded.is_empty() {
            line("   Virtual IP Excluded :".into());
            for v in excluded {
                line(format!("     {}", vip_line(i, v)));
            }
        }
        if !config.unicast_peers.is_empty() {
            line("   Unicast Peer :".into());
            for peer in &config.unicast_peers {
                line(format!("     {peer}"));
            }
        }
        // keepalived writes a comma after a process's name only.
        for (heading, kind, comma) in [
            ("Tracked interfaces", "interface", ""),
            ("Tracked scripts", "script", ""),
            ("Tracked processes", "process", ","),
        ] {
            let tracked: Vec<_> = i.tracked.iter().filter(|t| t.kind.name() == kind).collect();
            if !tracked.is_empty() {
                line(format!("   {heading} :"));
                for t in tracked {
                    line(format!(
                        "     {}{comma} weight {}{}",
                        t.name,
                        t.weight.weight,
                        if t.weight.reverse { " reverse" } else { "" }
                    ));
                }
            }
        }
    }
    if !snapshot.scripts.is_empty() {
        line("------< VRRP Scripts >------".into());
    }
    for (spec, state) in &snapshot.scripts {
        line(format!(" VRRP Script = {}", spec.name));
        line(format!("   Command = {}", quoted(&spec.command)));
        line(format!("   Interval = {} sec", spec.interval.as_secs()));
        line(format!("   Timeout = {} sec", spec.timeout.as_secs()));
        line(format!("   Rise = {}", spec.rise));
        line(format!("   Fall = {}", spec.fall));
        line(format!(
            "   Status = {}",
            if state.up { "GOOD" } else { "BAD" }
        ));
        // Runs are not observable between two turns of the driver: a
        // script is idle whenever the snapshot is taken.
        line("   State = idle".into());
    }
    out
}
