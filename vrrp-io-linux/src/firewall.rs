//! Dropping traffic to addresses, in nftables, through the `nft` command.
//!
//! One table of our own, `inet NAME`, holds two sets (IPv4, IPv6) and two
//! chains hooked at priority -1 (before the usual filter chains; see
//! [`ChainOptions`]): traffic
//! to an address of a set is dropped on input, from it on output;
//! neighbour solicitations and advertisements still pass, so the address
//! keeps resolving (a router forwards for it; only the host's own traffic
//! with it stops). [`DropRules::create`] replaces a table a crashed
//! predecessor left behind; dropping the value deletes the table. Nothing
//! else of the host's ruleset is read or changed.
//!
//! [`VmacRules`] are keepalived's rules for VMACs, in tables `ip NAME` and
//! `ip6 NAME` of the same name.
//!
//! `nft` runs to completion (a few milliseconds) inside the caller's turn,
//! bounded by [`NFT_TIMEOUT`]; each change is one atomic `nft -f` batch.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one `nft` run may take before it is killed and counted failed.
pub const NFT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a rule change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FirewallError {
    /// The `nft` command is not installed.
    #[error(
        "the `nft` command was not found ({0}): install nftables (e.g. `apt-get install \
         nftables`); without it traffic to these addresses cannot be dropped"
    )]
    NftMissing(std::io::Error),
    /// `nft` could not be run or waited for.
    #[error("running nft: {0}")]
    Io(std::io::Error),
    /// `nft` refused the change.
    #[error("nft refused `{command}`: {stderr}")]
    Refused {
        /// The first line of what was asked.
        command: String,
        /// What nft said.
        stderr: String,
    },
    /// `nft` did not finish in time and was killed.
    #[error("nft did not finish within {NFT_TIMEOUT:?} and was killed")]
    Timeout,
}

/// How our base chains are made: keepalived's `nftables_priority` and
/// `nftables_counters` (vrrp_nftables.c, nftables.c `add_counter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainOptions {
    /// The chains' hook priority.
    pub priority: i32,
    /// Whether each drop rule counts what it drops (`counter`).
    pub counters: bool,
}

impl Default for ChainOptions {
    /// keepalived's defaults: priority -1 (before the usual filter chains
    /// at 0), no counters.
    fn default() -> Self {
        Self {
            priority: -1,
            counters: false,
        }
    }
}

impl ChainOptions {
    /// A base chain's `type filter hook HOOK priority N; policy accept;`.
    fn chain(self, hook: &str) -> String {
        format!(
            "type filter hook {hook} priority {}; policy accept;",
            self.priority
        )
    }

    /// The verdict that drops, counted if asked.
    fn drop(self) -> &'static str {
        if self.counters {
            "counter drop"
        } else {
            "drop"
        }
    }
}

/// The drop rules of one table, and the addresses dropped now.
#[derive(Debug)]
pub struct DropRules {
    table: String,
    dropped: BTreeSet<IpAddr>,
    failures: u64,
}

impl DropRules {
    /// Creates table `inet TABLE` with empty sets and chains made as
    /// `options` say, replacing one of that name (a crashed run's).
    pub fn create(table: &str, options: ChainOptions) -> Result<Self, FirewallError> {
        nft(&Self::script(table, options))?;
        Ok(Self {
            table: table.to_owned(),
            dropped: BTreeSet::new(),
            failures: 0,
        })
    }

    /// The `nft -f` script of [`create`](Self::create).
    fn script(table: &str, options: ChainOptions) -> String {
        let nd = "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept";
        let (input, output, drop) = (
            options.chain("input"),
            options.chain("output"),
            options.drop(),
        );
        format!(
            "table inet {table}\ndelete table inet {table}\n\
             table inet {table} {{\n\
             set drop_v4 {{ type ipv4_addr; }}\n\
             set drop_v6 {{ type ipv6_addr; }}\n\
             chain input {{\n {input}\n {nd}\n \
             ip daddr @drop_v4 {drop}\n ip6 daddr @drop_v6 {drop}\n}}\n\
             chain output {{\n {output}\n {nd}\n \
             ip saddr @drop_v4 {drop}\n ip6 saddr @drop_v6 {drop}\n}}\n}}\n"
        )
    }

    /// Deletes table `inet TABLE` if it exists (a release after a crash).
    /// Returns whether it existed.
    pub fn delete_table(table: &str) -> Result<bool, FirewallError> {
        let existed = nft(&format!("list table inet {table}\n")).is_ok();
        nft(&format!("table inet {table}\ndelete table inet {table}\n"))?;
        Ok(existed)
    }

    /// Starts dropping traffic to and from `addrs`.
    pub fn drop_traffic(&mut self, addrs: &[IpAddr]) -> Result<(), FirewallError> {
        let new: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|a| !self.dropped.contains(a))
            .collect();
        self.change("add", &new)?;
        self.dropped.extend(new);
        Ok(())
    }

    /// Stops dropping traffic to and from `addrs`.
    pub fn allow_traffic(&mut self, addrs: &[IpAddr]) -> Result<(), FirewallError> {
        let old: Vec<IpAddr> = addrs
            .iter()
            .copied()
            .filter(|a| self.dropped.contains(a))
            .collect();
        self.change("delete", &old)?;
        for addr in &old {
            self.dropped.remove(addr);
        }
        Ok(())
    }

    /// The addresses whose traffic is dropped now.
    pub fn dropped(&self) -> impl Iterator<Item = &IpAddr> {
        self.dropped.iter()
    }

    /// Changes that failed since the table was created.
    pub fn failures(&self) -> u64 {
        self.failures
    }

    fn change(&mut self, verb: &str, addrs: &[IpAddr]) -> Result<(), FirewallError> {
        let mut script = String::new();
        for (set, v4) in [("drop_v4", true), ("drop_v6", false)] {
            let list: Vec<String> = addrs
                .iter()
                .filter(|a| a.is_ipv4() == v4)
                .map(ToString::to_string)
                .collect();
            if !list.is_empty() {
                let _ = writeln!(
                    script,
                    "{verb} element inet {} {set} {{ {} }}",
                    self.table,
                    list.join(", ")
                );
            }
        }
        if script.is_empty() {
            return Ok(());
        }
        nft(&script).inspect_err(|_| self.failures += 1)
    }
}

impl Drop for DropRules {
    fn drop(&mut self) {
        let table = &self.table;
        match nft(&format!("delete table inet {table}\n")) {
            Ok(()) => tracing::debug!(%table, "nftables table deleted"),
            Err(error) => tracing::error!(%table, %error, "cannot delete the nftables table"),
        }
    }
}

/// keepalived's nftables rules for VMACs (vrrp_nftables.c `nft_setup_igmp`,
/// `setup_rule_move_igmp`, `setup_rule_drop_router_solicit`): IGMP (IPv4)
/// and MLD (IPv6) reports leaving a VMAC leave from its parent instead
/// (duplicated there, dropped on the VMAC), and router solicitations
/// leaving a VMAC are dropped, so that nothing but the VRRP traffic and
/// the VIPs' own goes out from the virtual MAC. Tables `ip NAME` and
/// `ip6 NAME` (nftables' `dup` has no `inet` form), each with a map
/// `vmac_parent` from a VMAC to its parent and an output chain
/// ([`ChainOptions`]). Dropping the value deletes both tables.
#[derive(Debug)]
pub struct VmacRules {
    table: String,
    vmacs: BTreeSet<String>,
}

impl VmacRules {
    /// Creates tables `ip TABLE` and `ip6 TABLE` with chains made as
    /// `options` say, replacing those of that name (a crashed run's).
    pub fn create(table: &str, options: ChainOptions) -> Result<Self, FirewallError> {
        nft(&Self::script(table, options))?;
        Ok(Self {
            table: table.to_owned(),
            vmacs: BTreeSet::new(),
        })
    }

    /// The `nft -f` script of [`create`](Self::create).
    fn script(table: &str, options: ChainOptions) -> String {
        let map = "map vmac_parent { type iface_index : iface_index; }";
        let chain = options.chain("output");
        let moved = "oif @vmac_parent dup to";
        let drop = options.drop();
        let to = format!("device oif map @vmac_parent {drop}");
        format!(
            "table ip {table}\ndelete table ip {table}\ntable ip6 {table}\ndelete table ip6 {table}\n\
             table ip {table} {{\n {map}\n chain output {{\n  {chain}\n  \
             ip protocol igmp {moved} ip daddr {to}\n }}\n}}\n\
             table ip6 {table} {{\n {map}\n chain output {{\n  {chain}\n  \
             icmpv6 type {{ mld-listener-report, mld2-listener-report }} {moved} ip6 daddr {to}\n  \
             icmpv6 type nd-router-solicit oif @vmac_parent {drop}\n }}\n}}\n"
        )
    }

    /// Applies the rules to `vmac`, a macvlan on `parent`; both must exist
    /// (nftables keeps their indices). A VMAC already added is left alone.
    pub fn add(&mut self, vmac: &str, parent: &str) -> Result<(), FirewallError> {
        if self.vmacs.contains(vmac) {
            return Ok(());
        }
        let table = &self.table;
        let element = format!("vmac_parent {{ \"{vmac}\" : \"{parent}\" }}");
        nft(&format!(
            "add element ip {table} {element}\nadd element ip6 {table} {element}\n"
        ))?;
        self.vmacs.insert(vmac.to_owned());
        Ok(())
    }

    /// The VMACs the rules apply to.
    pub fn vmacs(&self) -> impl Iterator<Item = &String> {
        self.vmacs.iter()
    }

    /// Deletes tables `ip TABLE` and `ip6 TABLE` if they exist (a release
    /// after a crash).
    pub fn delete_tables(table: &str) -> Result<(), FirewallError> {
        nft(&format!(
            "table ip {table}\ndelete table ip {table}\ntable ip6 {table}\ndelete table ip6 {table}\n"
        ))
    }
}

impl Drop for VmacRules {
    fn drop(&mut self) {
        let table = &self.table;
        match nft(&format!(
            "delete table ip {table}\ndelete table ip6 {table}\n"
        )) {
            Ok(()) => tracing::debug!(%table, "nftables VMAC tables deleted"),
            Err(error) => tracing::error!(%table, %error, "cannot delete the nftables VMAC tables"),
        }
    }
}

/// Runs `nft -f -` on `script`, within [`NFT_TIMEOUT`].
fn nft(script: &str) -> Result<(), FirewallError> {
    let mut child = crate::tuning::untuned(&mut Command::new("nft"))
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => FirewallError::NftMissing(error),
            _ => FirewallError::Io(error),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(FirewallError::Io)?;
    }
    let deadline = Instant::now() + NFT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(FirewallError::Io)? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(FirewallError::Timeout);
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    Err(FirewallError::Refused {
        command: script.lines().next().unwrap_or_default().to_owned(),
        stderr: stderr.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_take_the_priority_and_count_only_when_asked() {
        let default = DropRules::script("t", ChainOptions::default());
        assert!(
            default.contains("type filter hook input priority -1;"),
            "{default}"
        );
        assert!(default.contains("ip daddr @drop_v4 drop\n"), "{default}");
        assert!(!default.contains("counter"), "{default}");
        let asked = ChainOptions {
            priority: -5,
            counters: true,
        };
        let script = DropRules::script("t", asked);
        assert_eq!(script.matches("priority -5;").count(), 2, "{script}");
        assert_eq!(script.matches("counter drop").count(), 4, "{script}");
        let vmac = VmacRules::script("t", ChainOptions::default());
        assert_eq!(
            vmac.matches("hook output priority -1;").count(),
            2,
            "{vmac}"
        );
        assert!(!vmac.contains("counter"), "{vmac}");
        let vmac = VmacRules::script("t", asked);
        assert_eq!(vmac.matches("priority -5;").count(), 2, "{vmac}");
        assert_eq!(vmac.matches("counter drop").count(), 3, "{vmac}");
    }
}
