//! Socket receive buffers: `kernel_rx_buf_size` (vrrp_instance),
//! `vrrp_rx_bufs_policy`, `vrrp_rx_bufs_multiplier` and
//! `vrrp_netlink_{cmd,monitor}_rcv_bufs[_force]` (global_defs), read as
//! keepalived 2.4.3 reads them (global_parser.c, vrrp_parser.c): every
//! complaint of keepalived's is a refusal of its `-t`, so each is ours.

use super::error::ConfigError;
use super::model::{Buffers, RxBufsPolicy};
use super::parser::Node;
use super::values::{Ctx, bad, missing, number_in, parse_bool};

/// `kernel_rx_buf_size BYTES` (0..4294967295, exactly one value; 0 is
/// keepalived's "not set").
pub(crate) fn kernel_rx_buf_size(ctx: &mut Ctx<'_>, item: &Node) -> Result<u32, ConfigError> {
    ctx.no_block(item)?;
    let bytes = one_number(item, 0)?;
    Ok(bytes)
}

/// One of the global buffer keywords into `buffers`; `false` if `keyword`
/// is none of them.
pub(crate) fn buffer_setting(
    ctx: &mut Ctx<'_>,
    item: &Node,
    buffers: &mut Buffers,
) -> Result<bool, ConfigError> {
    match item.keyword.as_str() {
        "vrrp_rx_bufs_policy" => {
            ctx.no_block(item)?;
            buffers.rx_policy = Some(rx_bufs_policy(item, buffers.rx_policy)?);
        }
        "vrrp_rx_bufs_multiplier" => {
            ctx.no_block(item)?;
            buffers.rx_multiplier = Some(one_number(item, 1)?);
        }
        "vrrp_netlink_cmd_rcv_bufs" | "vrrp_netlink_monitor_rcv_bufs" => {
            ctx.no_block(item)?;
            ctx.extra_args(item, 1);
            let arg = item
                .args
                .first()
                .ok_or_else(|| missing(item, "a size in bytes"))?;
            let bytes = number_in(item, arg, 0, u64::from(u32::MAX))? as u32;
            // keepalived keeps the earlier value (or its default) for 0.
            if bytes != 0 {
                match item.keyword.as_str() {
                    "vrrp_netlink_cmd_rcv_bufs" => buffers.netlink_cmd = Some(bytes),
                    _ => buffers.netlink_monitor = Some(bytes),
                }
            }
        }
        "vrrp_netlink_cmd_rcv_bufs_force" | "vrrp_netlink_monitor_rcv_bufs_force" => {
            ctx.no_block(item)?;
            ctx.extra_args(item, 1);
            let force = match item.args.first() {
                None => true,
                Some(arg) => parse_bool(&arg.text)
                    .ok_or_else(|| bad(item, arg, "on|off|true|false|yes|no"))?,
            };
            match item.keyword.as_str() {
                "vrrp_netlink_cmd_rcv_bufs_force" => buffers.netlink_cmd_force = force,
                _ => buffers.netlink_monitor_force = force,
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Exactly one number, `min..=u32::MAX` (keepalived refuses more).
fn one_number(item: &Node, min: u64) -> Result<u32, ConfigError> {
    let arg = item
        .args
        .first()
        .ok_or_else(|| missing(item, &format!("a number {min}..{}", u32::MAX)))?;
    if let Some(extra) = item.args.get(1) {
        return Err(bad(item, extra, "nothing after the number"));
    }
    Ok(number_in(item, arg, min, u64::from(u32::MAX))? as u32)
}

/// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE ...` on top of `earlier` (a
/// second line adds to the first, as in keepalived). keepalived reads a
/// SIZE from the first argument whichever argument is not MTU or ADVERT
/// (global_parser.c); so do we. Size with a policy, or MTU with ADVERT,
/// is refused, as keepalived's `-t` refuses it.
fn rx_bufs_policy(item: &Node, earlier: Option<RxBufsPolicy>) -> Result<RxBufsPolicy, ConfigError> {
    if item.args.is_empty() {
        return Err(missing(item, "MTU, ADVERT or a size in bytes"));
    }
    let (mut mtu, mut advert, mut size) = match earlier {
        None => (false, false, None),
        Some(RxBufsPolicy::Mtu) => (true, false, None),
        Some(RxBufsPolicy::Advert) => (false, true, None),
        Some(RxBufsPolicy::Size(bytes)) => (false, false, Some(bytes)),
    };
    for arg in &item.args {
        if arg.text.eq_ignore_ascii_case("MTU") {
            mtu = true;
        } else if arg.text.eq_ignore_ascii_case("ADVERT") {
            advert = true;
        } else {
            let first = &item.args[0];
            match super::values::parse_unsigned(&first.text).filter(|&n| n <= u64::from(u32::MAX)) {
                Some(bytes) => size = Some(bytes as u32),
                None => return Err(bad(item, arg, "MTU, ADVERT or a size in bytes")),
            }
        }
    }
    let conflict = |message: &str| ConfigError::Invalid {
        at: item.at.clone(),
        message: message.into(),
    };
    match (mtu, advert, size) {
        (_, _, Some(_)) if mtu || advert => Err(conflict(
            "vrrp_rx_bufs_policy: a size and a policy (MTU or ADVERT) cannot both be set",
        )),
        (true, true, _) => Err(conflict(
            "vrrp_rx_bufs_policy: MTU and ADVERT cannot both be set",
        )),
        (true, _, _) => Ok(RxBufsPolicy::Mtu),
        (_, true, _) => Ok(RxBufsPolicy::Advert),
        (_, _, Some(bytes)) => Ok(RxBufsPolicy::Size(bytes)),
        (false, false, None) => unreachable!("an argument sets one of them"),
    }
}

#[cfg(test)]
mod tests {
    use crate::conf::parse_str;
    use crate::conf::{Buffers, RxBufsPolicy};

    fn global(lines: &str) -> Result<Buffers, String> {
        let text = format!("global_defs {{\n{lines}\n}}\n");
        parse_str(&text, "b.conf")
            .map(|l| l.config.global.buffers)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn policies_as_keepalived_reads_them() {
        assert_eq!(
            global("vrrp_rx_bufs_policy mtu").unwrap().rx_policy,
            Some(RxBufsPolicy::Mtu)
        );
        assert_eq!(
            global("vrrp_rx_bufs_policy ADVERT").unwrap().rx_policy,
            Some(RxBufsPolicy::Advert)
        );
        assert_eq!(
            global("vrrp_rx_bufs_policy 70000").unwrap().rx_policy,
            Some(RxBufsPolicy::Size(70000))
        );
        let error = global("vrrp_rx_bufs_policy MTU ADVERT").unwrap_err();
        assert!(
            error.starts_with("b.conf:2:1:") && error.contains("MTU and ADVERT"),
            "{error}"
        );
        // A second line adds to the first.
        let error = global("vrrp_rx_bufs_policy 1000\nvrrp_rx_bufs_policy MTU").unwrap_err();
        assert!(
            error.starts_with("b.conf:3:1:") && error.contains("a size and a policy"),
            "{error}"
        );
        let error = global("vrrp_rx_bufs_policy lots").unwrap_err();
        assert!(error.starts_with("b.conf:2:21:"), "{error}");
        assert!(
            global("vrrp_rx_bufs_policy")
                .unwrap_err()
                .contains("MTU, ADVERT or a size")
        );
    }

    #[test]
    fn multiplier_and_netlink_sizes() {
        assert_eq!(
            global("vrrp_rx_bufs_multiplier 5").unwrap().rx_multiplier,
            Some(5)
        );
        let error = global("vrrp_rx_bufs_multiplier 0").unwrap_err();
        assert!(
            error.starts_with("b.conf:2:25:") && error.contains("1..4294967295"),
            "{error}"
        );
        assert!(global("vrrp_rx_bufs_multiplier 2 3").is_err());
        let b = global(
            "vrrp_netlink_cmd_rcv_bufs 1048576\nvrrp_netlink_monitor_rcv_bufs 0\n\
             vrrp_netlink_monitor_rcv_bufs_force",
        )
        .unwrap();
        assert_eq!((b.netlink_cmd, b.netlink_monitor), (Some(1048576), None));
        assert!(b.netlink_monitor_force && !b.netlink_cmd_force);
        let error = global("vrrp_netlink_cmd_rcv_bufs_force maybe").unwrap_err();
        assert!(error.starts_with("b.conf:2:33:"), "{error}");
        assert!(global("vrrp_netlink_cmd_rcv_bufs").is_err());
    }
}
