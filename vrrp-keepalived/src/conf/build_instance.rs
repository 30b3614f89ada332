//! `vrrp_instance NAME { ... }` into [`VrrpInstance`].

use std::time::Duration;

use super::build_address::{FamilyChoice, authentication, unicast_peers, virtual_addresses};
use super::build_auth_hmac::auth_hmac;
use super::build_buffers;
use super::build_garp;
use super::build_global::{garp_setting, version};
use super::build_group::{multicast_group, unicast_or_multicast, unicast_ttl};
use super::build_linkbeat;
use super::build_route;
use super::build_track::{notify_script, track_block};
use super::build_vmac::{use_ipvlan, use_vmac};
use super::build_vrf;
use super::error::{ConfigError, Spanned};
use super::instance::VrrpInstance;
use super::model::{Centiseconds, Family, InitialState};
use super::parser::Node;
use super::values::{Ctx, bad};

/// keepalived's upper bound for `preempt_delay`.
const MAX_PREEMPT_DELAY: Duration = Duration::from_secs(1000);

/// Microseconds in a centisecond.
const MICROS_PER_CENTI: u128 = 10_000;

/// Instance keywords keepalived knows that this daemon does not implement.
const UNSUPPORTED: &[(&str, &str)] = &[(
    "track_bfd",
    "only scripts, interfaces, processes and files can be tracked",
)];

/// `vrrp_instance NAME { ... }`.
pub(crate) fn build_instance(ctx: &mut Ctx<'_>, node: &Node) -> Result<VrrpInstance, ConfigError> {
    let (name, nodes) = ctx.named_block(node)?;
    let mut inst = VrrpInstance::new(name.text.clone(), node.at.clone());
    let mut family = FamilyChoice::default();
    for item in nodes {
        if let Some(&keyword) = VrrpInstance::POSITIONED
            .iter()
            .find(|k| **k == item.keyword)
        {
            inst.written.insert(keyword, item.at.clone());
        }
        if track_block(
            ctx,
            item,
            &mut inst.track_scripts,
            &mut inst.track_interfaces,
            &mut inst.track_processes,
            &mut inst.track_files,
        )? || notify_script(ctx, item, &mut inst.notify, true)?
            || garp_setting(ctx, item, &item.keyword, &mut inst.garp)?
        {
            continue;
        }
        match item.keyword.as_str() {
            "interface" => inst.interface = Some(ctx.string(item, "an interface name")?),
            "state" => inst.state = Some(state(ctx, item, inst.state.as_ref())?),
            "virtual_router_id" => inst.virtual_router_id = Some(ctx.u8_in(item, 1, 255)?),
            "priority" => inst.priority = Some(ctx.u8_in(item, 1, 255)?),
            "advert_int" => inst.advert_int = Some(advert_int(ctx, item)?),
            "version" => {
                let at = item.args.first().map_or(&item.at, |a| &a.at).clone();
                inst.version = Some(Spanned::new(version(ctx, item)?, at));
            }
            "nopreempt" => inst.nopreempt = ctx.flag(item)?,
            "preempt" => inst.nopreempt = !ctx.flag(item)?,
            "preempt_delay" => {
                let delay = ctx.seconds(item)?;
                if delay.value > MAX_PREEMPT_DELAY {
                    return Err(bad(item, &item.args[0], "seconds 0..1000"));
                }
                inst.preempt_delay = Some(delay);
            }
            "accept" | "no_accept" => {
                ctx.flag(item)?;
                inst.accept = Some(Spanned::new(item.keyword == "accept", item.at.clone()));
            }
            "virtual_ipaddress" => {
                let vips = virtual_addresses(ctx, item)?;
                family.decide(vips.first().map(|vip| vip.addr));
                append(&mut inst.virtual_ipaddress, vips);
            }
            "virtual_ipaddress_excluded" => {
                inst.virtual_ipaddress_excluded
                    .extend(virtual_addresses(ctx, item)?);
            }
            "virtual_routes" => {
                let routes = build_route::routes(ctx, item, false)?;
                append(&mut inst.virtual_routes, routes);
            }
            "virtual_rules" => inst
                .virtual_rules
                .extend(build_route::rules(ctx, item, false)?),
            "unicast_src_ip" => inst.unicast_src_ip = Some(ctx.ip(item)?),
            "unicast_peer" => {
                let peers = unicast_peers(ctx, item)?;
                family.decide(peers.first().map(|peer| peer.addr));
                append(&mut inst.unicast_peers, peers);
            }
            "mcast_src_ip" => inst.mcast_src_ip = Some(ctx.ip(item)?),
            "mcast_dst_ip" => {
                let group = multicast_group(ctx, item, None)?;
                inst.mcast_dst_ip = group.or(inst.mcast_dst_ip.take());
            }
            "unicast_ttl" => inst.unicast_ttl = unicast_ttl(ctx, item)?,
            "authentication" => inst.authentication = Some(Box::new(authentication(ctx, item)?)),
            "auth_hmac" => {
                let block = auth_hmac(ctx, item, inst.auth_hmac.take().map(|b| *b))?;
                inst.auth_hmac = Some(Box::new(block));
            }
            "garp_extra_if" | "vmac_garp_intvl" => {
                inst.garp_extra_if = Some(build_garp::extra_if(ctx, item)?);
            }
            "use_vmac" => inst.use_vmac = Some(use_vmac(ctx, item)?),
            "use_ipvlan" => {
                let before = inst.use_ipvlan.take();
                let ipvlan = use_ipvlan(ctx, item, before, family.decided, &inst.name)?;
                family.decide(ipvlan.address.as_ref().map(|a| a.value.0));
                inst.use_ipvlan = Some(ipvlan);
            }
            "use_vmac_addr" => inst.use_vmac_addr = ctx.flag(item)?,
            "vmac_xmit_base" => inst.vmac_xmit_base = ctx.flag(item)?,
            "native_ipv6" => {
                ctx.flag(item)?;
                if family.decided == Some(Family::Ipv4) {
                    ctx.warn(
                        &item.at,
                        format!(
                            "native_ipv6 ignored: vrrp_instance {} already has IPv4 addresses \
                             (keepalived ignores it too)",
                            inst.name
                        ),
                    );
                } else {
                    family.decided = Some(Family::Ipv6);
                    inst.native_ipv6 = true;
                }
            }
            "dont_track_primary" => inst.dont_track_primary = ctx.flag(item)?,
            "check_unicast_src" => inst.check_unicast_src = ctx.flag(item)?,
            "strict_mode" => {
                let on = ctx.bool_flag(item)?;
                inst.strict_mode = Some(Spanned::new(on, item.at.clone()));
            }
            "lower_prio_no_advert" => inst.lower_prio_no_advert = Some(ctx.bool_flag(item)?),
            "no_virtual_ipaddress" => {
                ctx.flag(item)?;
                inst.no_virtual_ipaddress = Some(item.at.clone());
            }
            "skip_check_adv_addr" => inst.skip_check_adv_addr = Some(ctx.bool_flag(item)?),
            "v3_checksum_as_v2" => inst.v3_checksum_as_v2 = Some(ctx.bool_flag(item)?),
            "down_timer_adverts" => inst.down_timer_adverts = Some(ctx.u8_in(item, 1, 100)?),
            "higher_prio_send_advert" => {
                inst.higher_prio_send_advert = Some(ctx.bool_flag(item)?);
            }
            "debug" => inst.debug = Some(ctx.u8_in(item, 0, 4)?.value),
            // keepalived reads no argument: `promote_secondaries off` turns it on too.
            "promote_secondaries" => {
                ctx.flag(item)?;
                inst.promote_secondaries = Some(item.at.clone());
            }
            "linkbeat_use_polling" => build_linkbeat::use_polling(ctx, item, true),
            "vrf" => build_vrf::vrf(ctx, item, &mut inst)?,
            "kernel_rx_buf_size" => {
                inst.kernel_rx_buf_size = Some(build_buffers::kernel_rx_buf_size(ctx, item)?);
            }
            "smtp_alert" => inst.smtp_alert = Some(ctx.bool_flag(item)?),
            "unicast_fault_no_peer" => {
                ctx.flag(item)?;
                inst.unicast_fault_no_peer = Some(item.at.clone());
            }
            "track_src_ip" => {
                ctx.flag(item)?;
                inst.track_src_ip = Some(item.at.clone());
            }
            "owner_ignore_adverts" => {
                let on = ctx.bool_flag(item)?;
                inst.owner_ignore_adverts = Some(Spanned::new(on, item.at.clone()));
            }
            "old_unicast_checksum" => {
                let old = old_unicast_checksum(ctx, item)?;
                inst.old_unicast_checksum = Some(Spanned::new(old, item.at.clone()));
            }
            "notify_priority_changes" => {
                inst.notify_priority_changes = Some(ctx.bool_flag(item)?);
            }
            "lvs_sync_daemon_interface" => ctx.unsupported(
                item,
                "there is no LVS sync daemon; use the LVS tooling directly",
            ),
            keyword => match UNSUPPORTED.iter().find(|(name, _)| *name == keyword) {
                Some((_, why)) => ctx.unsupported(item, why),
                None => ctx.unknown(item, "vrrp_instance"),
            },
        }
    }
    family.keep_one(ctx, &mut inst);
    unicast_or_multicast(ctx, &mut inst);
    Ok(inst)
}

/// `MASTER` or `BACKUP`, in capitals. As in keepalived, anything else
/// (`SLAVE`, `backup`) is BACKUP with a warning, and a `BACKUP` after a
/// `MASTER` is ignored.
fn state(
    ctx: &mut Ctx<'_>,
    node: &Node,
    before: Option<&Spanned<InitialState>>,
) -> Result<Spanned<InitialState>, ConfigError> {
    let arg = ctx.value(node, "MASTER or BACKUP")?;
    let master_before = before.filter(|s| s.value == InitialState::Master);
    let state = match arg.text.as_str() {
        "MASTER" => InitialState::Master,
        "BACKUP" => InitialState::Backup,
        other => {
            ctx.warn(
                &arg.at,
                format!(
                    "unknown state `{other}`: BACKUP is used (as keepalived does); \
                     write MASTER or BACKUP"
                ),
            );
            InitialState::Backup
        }
    };
    if let (Some(master), InitialState::Backup) = (master_before, state) {
        ctx.warn(
            &arg.at,
            "state BACKUP ignored: MASTER was set before (as keepalived does)",
        );
        return Ok(master.clone());
    }
    Ok(Spanned::new(state, arg.at.clone()))
}

/// Seconds in steps of 0.01, stored exactly as centiseconds. Whether the
/// value suits the instance's version is checked once the version is known.
fn advert_int(ctx: &mut Ctx<'_>, node: &Node) -> Result<Spanned<Centiseconds>, ConfigError> {
    let seconds = ctx.seconds(node)?;
    let micros = seconds.value.as_micros();
    let expected = "seconds above 0 in steps of 0.01 (e.g. 1 or 0.25)";
    if micros == 0 || micros % MICROS_PER_CENTI != 0 {
        return Err(bad(node, &node.args[0], expected));
    }
    let centis =
        u32::try_from(micros / MICROS_PER_CENTI).map_err(|_| bad(node, &node.args[0], expected))?;
    Ok(Spanned::new(Centiseconds(centis), seconds.at))
}

/// `old_unicast_checksum [never]` (keepalived 2.4.3 vrrp_parser.c): bare,
/// keepalived 1.3.6's unicast VRRPv3 checksums; `never`, the RFC's for
/// good. Without it, the RFC's until a peer's advert checks only in the
/// old form (`Config::learn_old_unicast_checksum`).
fn old_unicast_checksum(ctx: &mut Ctx<'_>, node: &Node) -> Result<bool, ConfigError> {
    ctx.no_block(node)?;
    ctx.extra_args(node, 1);
    match node.args.first() {
        None => Ok(true),
        Some(arg) if arg.text == "never" => Ok(false),
        Some(arg) => Err(bad(node, arg, "never or nothing")),
    }
}

/// `more` after the entries of `list`: moved whole when `list` is empty, as
/// it nearly always is, rather than copied into a fresh allocation with
/// room for four (thousands of instances of one VIP each).
fn append<T>(list: &mut Vec<T>, more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}
