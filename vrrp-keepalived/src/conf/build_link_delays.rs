//! keepalived's `interface_up_down_delays { IF DOWN [UP] ... }` (top
//! level): a link going down (up) is acted on only after DOWN (UP)
//! seconds, and a flap shorter than that is not seen at all.
//!
//! keepalived 2.4.3 `vrrp_parser.c` (`alloc_if_up_down_delay`): each
//! delay is `read_timer` 0..255 s, six decimals, a leading `+` allowed;
//! a bad one fails `-t`. An entry without delays is ignored, delays past
//! the second are ignored (both only logged). UP omitted is 0: the man
//! page says "the same as the down delay", the code sets 0, and we do
//! what the code does. `vrrp.c` (`check_debounce_timers`, at the end of
//! each instance): the down delay must stay under
//! `(down_timer_adverts - 1) × advert_int - advert_int / 256` of every
//! instance on the interface (else a Backup would time out first), and
//! is cut to it (the up delay with it when they were equal);
//! `down_timer_adverts 1` clears both. keepalived logs those; we warn.

use std::time::Duration;

use super::config::KeepalivedConfig;
use super::error::{ConfigError, Spanned};
use super::model::LinkDelay;
use super::parser::{Arg, Node};
use super::values::{Ctx, bad, parse_decimal_micros};

/// keepalived's longest delay: 255 s.
const MAX_MICROS: u64 = 255 * 1_000_000;
const EXPECTED: &str = "seconds 0..255 (at most 6 decimals)";
/// keepalived's default `down_timer_adverts`.
const DOWN_TIMER_ADVERTS: u64 = 3;

/// The entries of an `interface_up_down_delays` block, appended to
/// `delays`; an interface written again takes the later delays, as in
/// keepalived.
pub(crate) fn link_delays(
    ctx: &mut Ctx<'_>,
    node: &Node,
    delays: &mut Vec<LinkDelay>,
) -> Result<(), ConfigError> {
    for item in ctx.block(node)? {
        ctx.no_block(item)?;
        let Some(down) = item.args.first() else {
            ctx.warn(
                &item.at,
                format!(
                    "no delays for interface {} in interface_up_down_delays (DOWN [UP] \
                     seconds expected): ignored, as keepalived ignores it",
                    item.keyword
                ),
            );
            continue;
        };
        let down = delay(item, down)?;
        let up = match item.args.get(1) {
            Some(up) => delay(item, up)?,
            None => Duration::ZERO,
        };
        if let Some(extra) = item.args.get(2) {
            ctx.warn(
                &extra.at,
                format!(
                    "too many delays for interface {} (DOWN [UP] expected): \"{}\" and after \
                     ignored, as keepalived ignores them",
                    item.keyword, extra.text
                ),
            );
        }
        if let Some(earlier) = delays
            .iter()
            .position(|d| d.interface.value == item.keyword)
        {
            let first = delays.remove(earlier);
            ctx.warn(
                &item.at,
                format!(
                    "interface {} already has delays (at {}): the later ones count, as in \
                     keepalived",
                    item.keyword, first.interface.at
                ),
            );
        }
        delays.push(LinkDelay {
            interface: Spanned::new(item.keyword.clone(), item.at.clone()),
            down,
            up,
        });
    }
    Ok(())
}

/// keepalived's `read_timer(.., 0, 255 s)`: `[+]SECONDS[.MICROS]`.
fn delay(item: &Node, arg: &Arg) -> Result<Duration, ConfigError> {
    let digits = arg.text.strip_prefix('+').unwrap_or(&arg.text);
    parse_decimal_micros(digits)
        .filter(|&micros| micros <= MAX_MICROS)
        .map(Duration::from_micros)
        .ok_or_else(|| bad(item, arg, EXPECTED))
}

/// Cuts each interface's delays to what its instances allow (see the
/// module docs), with a warning for each cut.
pub(crate) fn cap_link_delays(ctx: &mut Ctx<'_>, config: &mut KeepalivedConfig) {
    let mut delays = std::mem::take(&mut config.link_delays);
    for instance in &config.instances {
        let Some(interface) = &instance.interface else {
            continue;
        };
        let Some(delay) = delays
            .iter_mut()
            .find(|d| d.interface.value == interface.value)
        else {
            continue;
        };
        let adverts = config
            .down_timer_adverts(instance)
            .map_or(DOWN_TIMER_ADVERTS, |n| n.value.into());
        if adverts == 1 {
            if delay.down.is_zero() && delay.up.is_zero() {
                continue;
            }
            ctx.warn(
                &delay.interface.at,
                format!(
                    "vrrp_instance {}: no up/down delays with down_timer_adverts 1: those of \
                     {} are cleared, as keepalived clears them",
                    instance.name, interface.value
                ),
            );
            delay.down = Duration::ZERO;
            delay.up = Duration::ZERO;
            continue;
        }
        // keepalived's microseconds, its integer division.
        let advert = u64::from(instance.effective_advert_int().0) * 10_000;
        let most = Duration::from_micros((adverts - 1) * advert - advert / 256);
        if delay.down <= most {
            continue;
        }
        ctx.warn(
            &delay.interface.at,
            format!(
                "vrrp_instance {}: the down delay of {} must be less than {} × its advert_int \
                 (else a Backup takes over first): cut to {:?}, as keepalived cuts it",
                instance.name,
                interface.value,
                adverts - 1,
                most
            ),
        );
        if delay.up == delay.down {
            delay.up = most;
        }
        delay.down = most;
    }
    config.link_delays = delays;
}

#[cfg(test)]
mod tests {
    use crate::conf::parse_str;

    fn delays(top: &str, instance: &str) -> Vec<(String, u64, u64)> {
        let text = format!(
            "{top}\nvrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.1 }}\n {instance}\n}}\n"
        );
        let loaded = parse_str(&text, "d.conf").unwrap();
        loaded
            .config
            .link_delays
            .iter()
            .map(|d| {
                let micros = |t: std::time::Duration| u64::try_from(t.as_micros()).unwrap();
                (d.interface.value.clone(), micros(d.down), micros(d.up))
            })
            .collect()
    }

    #[test]
    fn reads_keepalived_syntax() {
        let block = "interface_up_down_delays {\n eth0 1.5 0.25\n eth1 +2\n eth2\n}";
        assert_eq!(
            delays(block, ""),
            [
                ("eth0".into(), 1_500_000, 250_000),
                ("eth1".into(), 2_000_000, 0)
            ]
        );
        let again = "interface_up_down_delays {\n eth0 1\n eth0 0.5 1\n}";
        assert_eq!(delays(again, ""), [("eth0".into(), 500_000, 1_000_000)]);
    }

    #[test]
    fn bad_delays_are_refused_where_written() {
        for (value, column) in [("256", 7), ("-1", 7), ("abc", 7), ("1 0.0000001", 9)] {
            let text = format!("interface_up_down_delays {{\n eth0 {value}\n}}\n");
            let error = parse_str(&text, "d.conf").unwrap_err().to_string();
            assert!(error.contains(&format!("d.conf:2:{column}")), "{error}");
            assert!(error.contains("seconds 0..255"), "{error}");
        }
    }

    #[test]
    fn cut_to_what_the_instances_allow() {
        let block = "interface_up_down_delays {\n eth0 2 2\n}";
        // advert_int 1 s, down_timer_adverts 3: 2 s - 1/256 s.
        assert_eq!(delays(block, ""), [("eth0".into(), 1_996_094, 1_996_094)]);
        let block = "interface_up_down_delays {\n eth0 2 5\n}";
        assert_eq!(
            delays(block, "advert_int 3"),
            [("eth0".into(), 2_000_000, 5_000_000)]
        );
        assert_eq!(
            delays(block, "down_timer_adverts 1"),
            [("eth0".into(), 0, 0)]
        );
    }
}
