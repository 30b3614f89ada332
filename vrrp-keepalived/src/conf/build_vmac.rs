//! keepalived's VMAC family in an instance: `use_vmac`, `use_ipvlan` and
//! `vmac_xmit_base` as keepalived 2.4.3 reads them (vrrp_parser.c
//! `vrrp_vmac_handler`, `vrrp_ipvlan_handler`, `vrrp_end_handler`), and the
//! rules it applies once the instance is read (vrrp.c
//! `vrrp_complete_instance`), each with a warning where keepalived reports.

use std::net::IpAddr;

use super::error::{ConfigError, Span, Spanned, Warning};
use super::instance::VrrpInstance;
use super::model::{Family, IpvlanMode, UseIpvlan, UseVmac, VirtualAddress};
use super::parser::Node;
use super::values::{Ctx, missing, parse_unsigned};

/// Longest interface name Linux takes (`IFNAMSIZ` minus the NUL).
const MAX_IFNAME_LEN: usize = 15;

/// `use_vmac [[name] NAME] ...`: only the name is kept.
pub(crate) fn use_vmac(ctx: &mut Ctx<'_>, node: &Node) -> Result<UseVmac, ConfigError> {
    ctx.no_block(node)?;
    let (name, used) = match node.args.first().map(|a| a.text.as_str()) {
        None => (None, 0),
        Some("name") => (node.args.get(1).map(|a| a.text.clone()), 2),
        Some(_) => (Some(node.args[0].text.clone()), 1),
    };
    ctx.extra_args(node, used);
    Ok(UseVmac {
        name,
        at: node.at.clone(),
    })
}

/// `use_ipvlan [[name] NAME] [ADDR[/LEN]] [bridge|private|vepa] [group N]`,
/// in any order, as keepalived reads it: a second mode, address or name is
/// ignored with a warning, an address of the other family than the
/// instance's (`family`, decided so far) too; a second `use_ipvlan` is
/// ignored. Returns what the instance keeps.
pub(crate) fn use_ipvlan(
    ctx: &mut Ctx<'_>,
    node: &Node,
    before: Option<UseIpvlan>,
    family: Option<Family>,
    instance: &str,
) -> Result<UseIpvlan, ConfigError> {
    ctx.no_block(node)?;
    if let Some(before) = before {
        ctx.warn(
            &node.at,
            format!(
                "vrrp_instance {instance}: use_ipvlan already given; this one is ignored \
                 (as keepalived)"
            ),
        );
        return Ok(before);
    }
    let mut ipvlan = UseIpvlan {
        name: None,
        address: None,
        mode: IpvlanMode::Bridge,
        group: None,
        at: node.at.clone(),
    };
    let mut had_mode = false;
    let mut args = node.args.iter();
    while let Some(arg) = args.next() {
        let mode = match arg.text.as_str() {
            "bridge" => Some(IpvlanMode::Bridge),
            "private" => Some(IpvlanMode::Private),
            "vepa" => Some(IpvlanMode::Vepa),
            _ => None,
        };
        if let Some(mode) = mode {
            if had_mode {
                ctx.warn(
                    &arg.at,
                    format!(
                        "use_ipvlan: the mode is already given; `{}` ignored",
                        arg.text
                    ),
                );
            } else {
                (ipvlan.mode, had_mode) = (mode, true);
            }
            continue;
        }
        // keepalived 2.4.3; 2.2.7 takes `group` for the interface's name.
        if arg.text == "group" {
            let value = args
                .next()
                .ok_or_else(|| missing(node, "a group number after `group`"))?;
            match parse_unsigned(&value.text).and_then(|g| u32::try_from(g).ok()) {
                Some(group) => ipvlan.group = Some(group),
                None => ctx.warn(
                    &value.at,
                    format!(
                        "use_ipvlan: group `{}` is not a number; ignored",
                        value.text
                    ),
                ),
            }
            continue;
        }
        let name = if arg.text == "name" {
            args.next()
                .ok_or_else(|| missing(node, "an interface name after `name`"))?
        } else if let Some(address) = address(&arg.text) {
            let of = Family::of(&address.0);
            if ipvlan.address.is_some() {
                ctx.warn(
                    &arg.at,
                    format!(
                        "use_ipvlan: the address is already given; `{}` ignored",
                        arg.text
                    ),
                );
            } else if family.is_some_and(|f| f != of) {
                ctx.warn(
                    &arg.at,
                    format!(
                        "use_ipvlan: {} is {of}, but vrrp_instance {instance} is not; ignored \
                         (as keepalived)",
                        arg.text
                    ),
                );
            } else {
                ipvlan.address = Some(Spanned::new(address, arg.at.clone()));
            }
            continue;
        } else {
            arg
        };
        if ipvlan.name.is_some() {
            ctx.warn(
                &name.at,
                format!(
                    "use_ipvlan: the interface is already named; `{}` ignored",
                    name.text
                ),
            );
        } else if name.text.is_empty() || name.text.len() > MAX_IFNAME_LEN {
            ctx.warn(
                &name.at,
                format!(
                    "use_ipvlan: interface name `{}` is longer than {MAX_IFNAME_LEN} \
                     characters; ignored (keepalived picks a name)",
                    name.text
                ),
            );
        } else {
            ipvlan.name = Some(name.text.clone());
        }
    }
    Ok(ipvlan)
}

/// `ADDR` or `ADDR/LEN` (keepalived's `check_valid_ipaddress`).
fn address(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match text.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(len) => parse_unsigned(len)
            .and_then(|l| u8::try_from(l).ok())
            .filter(|l| *l <= max)?,
    };
    Some((addr, len))
}

/// What keepalived 2.4.3 settles once an instance is read: unicast on a
/// VMAC sends from the parent (`vmac_xmit_base` is set); `vmac_xmit_base`
/// without a VMAC is cleared; an ipvlan with `use_vmac` as well runs the
/// ipvlan. Each with a warning, as keepalived reports each.
pub(crate) fn settle(inst: &mut VrrpInstance, warnings: &mut Vec<Warning>) {
    let name = inst.name.clone();
    let at = |inst: &VrrpInstance, keyword: &str| -> Span {
        inst.written.get(keyword).unwrap_or(&inst.at).clone()
    };
    if let (Some(vmac), Some(ipvlan)) = (&inst.use_vmac, &inst.use_ipvlan) {
        let (vmac_at, ipvlan_line) = (vmac.at.clone(), ipvlan.at.line);
        warnings.push(Warning::new(
            vmac_at,
            format!(
                "vrrp_instance {name}: use_vmac ignored, use_ipvlan (line {ipvlan_line}) is used \
                 (keepalived creates the ipvlan too)"
            ),
        ));
        inst.use_vmac = None;
    }
    let on_vlan = inst.use_vmac.is_some() || inst.use_ipvlan.is_some();
    if on_vlan && !inst.unicast_peers.is_empty() && !inst.vmac_xmit_base {
        inst.vmac_xmit_base = true;
        warnings.push(Warning::new(
            at(inst, "unicast_peer"),
            format!(
                "vrrp_instance {name}: unicast with use_vmac/use_ipvlan sends from the base \
                 interface: vmac_xmit_base is set (as keepalived)"
            ),
        ));
    }
    per_address_vmacs(inst, warnings);
    if inst.vmac_xmit_base && inst.use_vmac.is_none() {
        inst.vmac_xmit_base = false;
        warnings.push(Warning::new(
            at(inst, "vmac_xmit_base"),
            format!(
                "vrrp_instance {name}: vmac_xmit_base is only valid with use_vmac; cleared \
                 (as keepalived)"
            ),
        ));
    }
}

/// keepalived 2.4.3 (vrrp.c): an address's own `use_vmac` where the
/// instance's VMAC carries it already, or where `use_vmac_addr` gives it
/// one anyway, is cleared with a warning.
fn per_address_vmacs(inst: &mut VrrpInstance, warnings: &mut Vec<Warning>) {
    let interface = inst.interface.as_ref().map(|i| i.value.clone());
    let family = inst.family();
    let (vmac, vmac_addr, name) = (inst.use_vmac.is_some(), inst.use_vmac_addr, &inst.name);
    let addresses = inst
        .virtual_ipaddress
        .iter_mut()
        .chain(&mut inst.virtual_ipaddress_excluded);
    for vip in addresses.filter(|v| v.use_vmac) {
        let apart = vip.apart_from(interface.as_deref(), family);
        let why = if !apart && vmac {
            "the instance's use_vmac carries it already"
        } else if apart && vmac_addr {
            "use_vmac_addr gives it a VMAC already"
        } else {
            continue;
        };
        vip.use_vmac = false;
        warnings.push(Warning::new(
            vip.at.clone(),
            format!(
                "vrrp_instance {name}: use_vmac on {} is redundant: {why}",
                vip.addr
            ),
        ));
    }
}

impl VrrpInstance {
    /// Whether `vip` (one of the instance's) is put on a VMAC of its own
    /// (keepalived 2.4.3 vrrp.c): one on another interface than the
    /// instance's, or of the other family, with `use_vmac_addr` or its own
    /// `use_vmac`; one on the instance's interface with its own `use_vmac`
    /// where the instance has none.
    pub fn has_own_vmac(&self, vip: &VirtualAddress) -> bool {
        let interface = self.interface.as_ref().map(|i| i.value.as_str());
        vip.use_vmac || (self.use_vmac_addr && vip.apart_from(interface, self.family()))
    }

    /// keepalived 2.4.3 (vrrp.c): an IPv4 instance on an ipvlan without an
    /// address, or with one of the other family, is held in Fault. Returns
    /// the reason, warned at `use_ipvlan`.
    pub fn ipvlan_fault(&self) -> Option<String> {
        let ipvlan = self.use_ipvlan.as_ref()?;
        match &ipvlan.address {
            None if self.family() == Family::Ipv4 => Some(
                "an IPv4 ipvlan needs an address (use_ipvlan NAME ADDR/LEN): the instance \
                 stays in FAULT (as keepalived)"
                    .into(),
            ),
            Some(address) if Family::of(&address.value.0) != self.family() => Some(format!(
                "the ipvlan's address {} is not of the instance's family: the instance stays \
                 in FAULT (as keepalived)",
                address.value.0
            )),
            _ => None,
        }
    }
}
