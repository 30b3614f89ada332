//! `vrf NAME` in a vrrp_instance, as keepalived 2.4.3 reads it
//! (vrrp_parser.c `vrrp_vrf_handler`, vrrp.c): it binds the sockets of a
//! *unicast instance without `interface`* to the VRF device. Everywhere
//! else keepalived ignores it, with a complaint that fails its `-t`: a name
//! of 16 bytes or more, an instance that has an `interface` (written before
//! or after), a multicast instance, a second `vrf`, a device that does not
//! exist (unless `dynamic_interfaces`) or is a loopback (the host checks,
//! `host.rs`). We ignore it there too, with a warning, and run the instance
//! as keepalived then runs it. The one case keepalived acts on, a unicast
//! instance without `interface`, we run unbound (`unbound.rs`) but not in
//! a VRF: the driver binds to no VRF device. Refused (`validate.rs`),
//! saying so.

use super::error::ConfigError;
use super::error::{Spanned, Warning};
use super::instance::VrrpInstance;
use super::parser::Node;
use super::values::Ctx;

/// Linux's interface name limit, with its NUL (`IFNAMSIZ`).
const IFNAMSIZ: usize = 16;

/// Reads `vrf NAME` into `inst`, or warns why keepalived ignores it.
pub(crate) fn vrf(
    ctx: &mut Ctx<'_>,
    item: &Node,
    inst: &mut VrrpInstance,
) -> Result<(), ConfigError> {
    let name = ctx.string(item, "a VRF device name")?;
    let why = if name.value.len() >= IFNAMSIZ {
        format!("VRF interface name '{}' too long", name.value)
    } else if inst.interface.is_some() {
        "cannot specify VRF interface and interface".to_owned()
    } else if let Some(first) = &inst.vrf {
        format!("VRF interface already specified as '{}'", first.value)
    } else {
        inst.vrf = Some(Spanned::new(name.value, name.at));
        return Ok(());
    };
    ctx.warn(
        &item.at,
        format!(
            "({}) {why}: ignored, as keepalived ignores it (its -t reports it)",
            inst.name
        ),
    );
    Ok(())
}

/// What keepalived clears once the instance is read: a `vrf` with an
/// `interface` written after it, or without unicast peers.
pub(crate) fn check(inst: &VrrpInstance, warnings: &mut Vec<Warning>) {
    let Some(vrf) = &inst.vrf else {
        return;
    };
    let needs = if inst.interface.is_some() {
        "without interface"
    } else if inst.unicast_peers.is_empty() {
        "with unicast"
    } else {
        return;
    };
    warnings.push(Warning::new(
        vrf.at.clone(),
        format!(
            "({}) vrf can only be specified {needs}: ignored, as keepalived clears it (its -t \
             reports it)",
            inst.name
        ),
    ));
}

/// The refusal of an instance without `interface` that names a VRF.
pub(crate) fn unsupported(inst: &VrrpInstance, vrf: &Spanned<String>) -> ConfigError {
    ConfigError::invalid(
        &vrf.at,
        format!(
            "vrrp_instance {} has no `interface` and binds to VRF {}: keepalived 2.4.3 binds \
             such a unicast instance's sockets to the VRF device; this daemon binds to no VRF \
             (it runs an instance without `interface` only in the default VRF): drop `vrf`, or \
             name the interface (the VRF is then ignored, as keepalived ignores it beside an \
             interface)",
            inst.name, vrf.value
        ),
    )
}
