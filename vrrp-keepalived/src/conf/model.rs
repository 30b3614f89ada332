//! The typed configuration's parts, at keepalived's level of abstraction
//! (the whole is [`KeepalivedConfig`](super::KeepalivedConfig), an instance
//! [`VrrpInstance`](super::VrrpInstance)).
//!
//! Fields hold what the file says: `Option` means "not written", so a later
//! step can tell a default from a choice. The `effective_*` helpers apply
//! keepalived's defaults. Times are exact integers: [`Duration`] parsed from
//! decimal text with microsecond resolution, and [`Centiseconds`] for the
//! advertisement interval. Lists keep the file's order.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::error::{Span, Spanned};

/// VRRP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VrrpVersion {
    /// RFC 3768: IPv4 only, whole-second intervals, optional PASS auth.
    V2,
    /// RFC 9568: IPv4 and IPv6, centisecond intervals, no auth.
    V3,
}

/// The address family of an instance: the core's.
pub use vrrp_core::wire::Family;

/// An interval in hundredths of a second, VRRPv3's unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Centiseconds(pub u32);

impl Centiseconds {
    /// The same interval as a [`Duration`].
    pub fn as_duration(self) -> Duration {
        Duration::from_millis(u64::from(self.0) * 10)
    }
}

impl fmt::Display for Centiseconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}s", self.0 / 100, self.0 % 100)
    }
}

/// A user (and optionally group) to run a script as: `USER [[:]GROUP]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunAs {
    /// User name.
    pub user: String,
    /// Group name; `None` means the user's primary group.
    pub group: Option<String>,
    /// `:` was given: also set the user's supplementary groups.
    pub supplementary_groups: bool,
}

/// keepalived's `default_interface` when `global_defs` names none
/// (`DFLT_INT`, vrrp_ipaddress.h).
pub const DEFAULT_INTERFACE: &str = "eth0";

/// Socket receive buffers, as keepalived's global_defs set them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buffers {
    /// `vrrp_rx_bufs_policy`: what an instance without
    /// `kernel_rx_buf_size` adds to its VRRP socket's receive buffer.
    pub rx_policy: Option<RxBufsPolicy>,
    /// `vrrp_rx_bufs_multiplier N` (1..): adverts or MTUs per instance;
    /// keepalived's default 3.
    pub rx_multiplier: Option<u32>,
    /// `vrrp_netlink_cmd_rcv_bufs BYTES` (0: not set).
    pub netlink_cmd: Option<u32>,
    /// `vrrp_netlink_cmd_rcv_bufs_force [BOOL]`.
    pub netlink_cmd_force: bool,
    /// `vrrp_netlink_monitor_rcv_bufs BYTES` (0: not set).
    pub netlink_monitor: Option<u32>,
    /// `vrrp_netlink_monitor_rcv_bufs_force [BOOL]`.
    pub netlink_monitor_force: bool,
}

/// `vrrp_rx_bufs_policy`'s choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxBufsPolicy {
    /// `MTU`: the multiplier times the interface's MTU.
    Mtu,
    /// `ADVERT`: the multiplier times the instance's advert length.
    Advert,
    /// A size in bytes.
    Size(u32),
}

/// `global_defs`. Keywords for e-mail, LVS, SNMP and the like are accepted and
/// reported as ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalDefs {
    /// Where `global_defs` starts, if present.
    pub at: Option<Span>,
    /// `router_id NAME`.
    pub router_id: Option<String>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user USER [GROUP]`: default user for scripts.
    pub script_user: Option<RunAs>,
    /// `vrrp_version 2|3`: default version of instances.
    pub vrrp_version: Option<VrrpVersion>,
    /// Gratuitous ARP / NA defaults for instances (`vrrp_garp_*`).
    pub garp: GarpSettings,
    /// `vrrp_garp_interval SECS`: pause between gratuitous ARPs on an interface.
    pub vrrp_garp_interval: Option<Duration>,
    /// `vrrp_gna_interval SECS`: pause between unsolicited NAs on an interface.
    pub vrrp_gna_interval: Option<Duration>,
    /// `vrrp_garp_extra_if [all] SECS`: the instances' default `garp_extra_if`.
    pub vrrp_garp_extra_if: Option<GarpExtraIf>,
    /// `vrrp_check_unicast_src`: accept unicast adverts only from listed peers.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_mcast_group4 GROUP`: the IPv4 group of instances without
    /// `mcast_dst_ip` (keepalived's default 224.0.0.18 when unset).
    pub vrrp_mcast_group4: Option<Spanned<IpAddr>>,
    /// `vrrp_mcast_group6 GROUP`: the IPv6 group (default ff02::12).
    pub vrrp_mcast_group6: Option<Spanned<IpAddr>>,
    /// `vrrp_skip_check_adv_addr [BOOL]`: the default of each instance's
    /// `skip_check_adv_addr` (a Backup does not recheck its Master's list).
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_lower_prio_no_advert [BOOL]`: a Master does not answer a
    /// lower-priority advert (RFC 9568 §6.4.3 answers).
    pub vrrp_lower_prio_no_advert: bool,
    /// `vrrp_higher_prio_send_advert [BOOL]`: a Master advertises once
    /// before it yields (RFC 9568 §6.4.3 yields silently); unset, see
    /// [`conf::vrrp_config`](crate::conf::vrrp_config).
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// `v3_checksum_as_v2`: VRRPv3-over-IPv4 checksums sent without the
    /// pseudo-header (both forms are accepted either way).
    pub v3_checksum_as_v2: bool,
    /// `vrrp_strict [BOOL]`: strict mode for instances without `strict_mode`
    /// (applied by the reader: `conf/strict.rs`).
    pub vrrp_strict: bool,
    /// `max_auto_priority [N]`: realtime priority cap; a bare keyword means 99.
    pub max_auto_priority: Option<i32>,
    /// `min_auto_priority_delay MICROSECONDS`: how late the loop's
    /// earliest timer must be to count (keepalived's default 1 s).
    pub min_auto_priority_delay: Option<Duration>,
    /// `dynamic_interfaces`: interfaces may be missing at startup.
    pub dynamic_interfaces: bool,
    /// `default_interface IF`: where a `static_ipaddress` without `dev`
    /// goes ([`DEFAULT_INTERFACE`] when not written). keepalived 2.4.3
    /// uses it for nothing else.
    pub default_interface: Option<Spanned<String>>,
    /// `dynamic_interfaces allow_if_changes`.
    pub dynamic_interfaces_allow_if_changes: bool,
    /// E-mail on state changes: `notification_email`, `smtp_server`, ...
    pub smtp: Smtp,
    /// `notify_fifo PATH [USER [GROUP]]` and its `notify_fifo_script`.
    pub notify_fifo: NotifyFifo,
    /// `vrrp_notify_fifo PATH [USER [GROUP]]` and its `vrrp_notify_fifo_script`
    /// (keepalived's VRRP-only FIFO; here every event is a VRRP event).
    pub vrrp_notify_fifo: NotifyFifo,
    /// Socket receive buffers (`vrrp_rx_bufs_*`, `vrrp_netlink_*_rcv_bufs`).
    pub buffers: Buffers,
    /// `vrrp_iptables [CHAINS]`: read; the rules go in nftables (warned).
    pub vrrp_iptables: Option<Vec<String>>,
    /// `vrrp_ipsets [NAMES]`: read and ignored (warned).
    pub vrrp_ipsets: Option<Vec<String>>,
    /// `disable_local_igmp` (where written): no IGMP reports for
    /// 224.0.0.0/24 while running.
    pub disable_local_igmp: Option<Span>,
    /// `nftables_priority N`: our chains' hook priority (keepalived's -1
    /// when unset; a later `nftables` line sets -1 again, as keepalived).
    pub nftables_priority: Option<i32>,
    /// `nftables_counters`: the drop rules count what they drop.
    pub nftables_counters: bool,
    /// `nftables_ifindex`: read; no rule of ours matches an interface name.
    pub nftables_ifindex: bool,
    /// `vmac_prefix NAME`: VMAC names start with it, not `vrrp`.
    pub vmac_prefix: Option<String>,
    /// `vmac_addr_prefix NAME`: the same for the addresses' own VMACs
    /// (`use_vmac_addr`), `vmac_prefix` when not written.
    pub vmac_addr_prefix: Option<String>,
    /// `startup_script CMD [USER [GROUP]]`: run once before the instances
    /// start ([`hook_script`](crate::hook_script)).
    pub startup_script: Option<NotifyScript>,
    /// `startup_script_timeout 1..1000` seconds (10 when not written).
    pub startup_script_timeout: Option<u32>,
    /// `shutdown_script CMD [USER [GROUP]]`: run once after they stop.
    pub shutdown_script: Option<NotifyScript>,
    /// `shutdown_script_timeout 1..1000` seconds (10 when not written).
    pub shutdown_script_timeout: Option<u32>,
    /// `vrrp_priority`, `vrrp_no_swap`, `vrrp_rt_priority`,
    /// `vrrp_rlimit_rttime`, `vrrp_cpu_affinity`: how our one process runs.
    pub process: ProcessSettings,
    /// `umask NUMBER|BITS`: the file creation mask (keepalived's default,
    /// 0177, when not written).
    pub umask: Option<Spanned<u32>>,
    /// `instance NAME` (a top-level keyword): pid files
    /// `/run/keepalived/keepalived_NAME.pid` and `vrrp_NAME.pid`.
    pub instance_name: Option<Spanned<String>>,
    /// `use_pid_dir` (top level; implied by `instance` and
    /// `net_namespace`): pid files in `/run/keepalived/`.
    pub use_pid_dir: bool,
    /// `process_names`: our process is named `keepalived_vrrp`.
    pub process_names: bool,
    /// `process_name NAME`: keepalived's main process's name, which its
    /// VRRP process inherits (at most 15 bytes).
    pub process_name: Option<String>,
    /// `vrrp_process_name NAME`, or `keepalived_vrrp` by `process_names`
    /// (the later line counts): keepalived's VRRP process's name.
    pub vrrp_process_name: Option<String>,
    /// `net_namespace NAME` (top level): the daemon runs in
    /// `/run/netns/NAME`; its pid files go to `/run/keepalived/NAME/`.
    pub net_namespace: Option<Spanned<String>>,
    /// `random_seed 0..4294967295`: read and range-checked; the reader
    /// seeds `${_RANDOM}` with it (glibc's `srandom`, `conf/random.rs`).
    pub random_seed: Option<Spanned<u32>>,
    /// `fifo_write_vrrp_states_on_reload`: a reload writes the kept
    /// Backup and Fault instances' states to the notify FIFOs.
    pub fifo_write_vrrp_states_on_reload: bool,
    /// `state_dump_file PATH` (keepalived 2.4.3): where SIGUSR1 writes
    /// `keepalived.data` ([`DumpPaths`](crate::dump::DumpPaths)).
    pub state_dump_file: Option<Spanned<String>>,
    /// `vrrp_startup_delay SECS`: the instances start this long after the
    /// daemon (the largest, if repeated).
    pub vrrp_startup_delay: Option<Duration>,
    /// `vrrp_delay_after_boot SECS`: the instances start no earlier than
    /// this long after the host booted (keepalived 2.4.3; the largest).
    pub vrrp_delay_after_boot: Option<Duration>,
    /// `vrrp_down_timer_adverts 1..100`: the instances' default
    /// `down_timer_adverts`.
    pub vrrp_down_timer_adverts: Option<Spanned<u8>>,
    /// `vrrp_notify_priority_changes [BOOL]`: the instances' default.
    pub vrrp_notify_priority_changes: bool,
    /// `log_unknown_vrids`: log adverts for VRIDs no instance has.
    pub log_unknown_vrids: bool,
    /// `vrrp_owner_ignore_adverts [BOOL]` (keepalived 2.4): the owners'
    /// default; ours ignore adverts anyway (RFC 9568 §7.1).
    pub vrrp_owner_ignore_adverts: Option<Spanned<bool>>,
}

/// keepalived's VRRP process tuning (`global_parser.c`, applied by
/// `set_process_priorities` and `set_process_cpu_affinity`). keepalived
/// tunes its VRRP child; we have one process, tuned the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessSettings {
    /// `vrrp_priority -20..19`: the nice value, unless `rt_priority`.
    pub nice: Option<i8>,
    /// `vrrp_no_swap`: every page locked in memory (`mlockall`).
    pub no_swap: bool,
    /// `vrrp_rt_priority 1..99`: SCHED_RR at this priority.
    pub rt_priority: Option<u8>,
    /// `vrrp_rlimit_rttime` microseconds (2 and up; keepalived's default
    /// 10000): RLIMIT_RTTIME's hard limit under `rt_priority`, half of it
    /// the soft one.
    pub rlimit_rttime: Option<u32>,
    /// `vrrp_cpu_affinity CPU...`: the CPUs we may run on (empty: any).
    pub cpus: Vec<Spanned<u16>>,
}

/// Gratuitous ARP / unsolicited NA timing. In `global_defs` the keywords carry
/// a `vrrp_` prefix; in an instance they don't.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GarpSettings {
    /// `garp_master_delay SECS`: delay of the second burst after becoming master.
    pub master_delay: Option<Duration>,
    /// `garp_master_repeat N`: messages per burst after becoming master.
    pub master_repeat: Option<u32>,
    /// `garp_master_refresh SECS`: periodic refresh while master (0: none).
    pub master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat N`: messages per refresh.
    pub master_refresh_repeat: Option<u32>,
    /// `garp_lower_prio_delay SECS`: delay after a lower-priority advert.
    pub lower_prio_delay: Option<Duration>,
    /// `garp_lower_prio_repeat N`: messages after a lower-priority advert.
    pub lower_prio_repeat: Option<u32>,
}

impl GarpSettings {
    /// keepalived's delay of the second burst, where none is written
    /// (`vrrp.h`); also the lower-priority one's.
    pub const DEFAULT_DELAY: Duration = Duration::from_secs(5);
    /// keepalived's announcements per burst (`vrrp.h`); also after a
    /// lower-priority advert.
    pub const DEFAULT_REPEAT: u32 = 5;
    /// keepalived's announcements per refresh (`vrrp.h`).
    pub const DEFAULT_REFRESH_REPEAT: u32 = 1;
}

/// A top-level `garp_group { ... }`: the least time between two gratuitous
/// ARPs (unsolicited NAs) sent on its interfaces, all together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarpGroup {
    /// Where `garp_group` is.
    pub at: Span,
    /// `garp_interval SECS`; `None`: ARPs are not paced here.
    pub garp_interval: Option<Duration>,
    /// `gna_interval SECS`; `None`: NAs are not paced here.
    pub gna_interval: Option<Duration>,
    /// `interface IF` and `interfaces { IF ... }`, each once over all groups.
    pub interfaces: Vec<Spanned<String>>,
}

/// `garp_extra_if [all] SECS` (instance) / `vrrp_garp_extra_if [all] SECS`
/// (global): periodic gratuitous ARPs / NAs on a Master's other interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarpExtraIf {
    /// The period, whole seconds; zero (instance only): off.
    pub period: Duration,
    /// `all`: on every interface of the VIPs, not only keepalived's VMACs.
    pub all: bool,
}

/// A tracker's weight: `weight N [reverse|noreverse]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Weight {
    /// Added to (positive) or subtracted from (negative) the priority; 0 means
    /// "failure puts the instance in FAULT".
    pub value: i32,
    /// `reverse`: the adjustment applies the other way round.
    pub reverse: bool,
    /// Where the `weight` keyword is.
    pub at: Span,
}

/// `vrrp_script NAME { ... }`: a command run periodically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpScript {
    /// Its name, used by `track_script`.
    pub name: String,
    /// Where `vrrp_script` starts.
    pub at: Span,
    /// `script CMD`: the command line, quotes removed.
    pub script: Option<Spanned<String>>,
    /// `interval SECS` (keepalived default 1 s).
    pub interval: Option<Duration>,
    /// `timeout SECS` (default: the interval).
    pub timeout: Option<Duration>,
    /// `weight N [reverse]` (default 0).
    pub weight: Option<Weight>,
    /// `rise N`: successes needed to count as up.
    pub rise: Option<u32>,
    /// `fall N`: failures needed to count as down.
    pub fall: Option<u32>,
    /// `user USER [GROUP]`.
    pub user: Option<RunAs>,
    /// `init_fail`: start in the failed state.
    pub init_fail: bool,
}

/// How the parameters of a process must match (keepalived's `param_match`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamMatch {
    /// The parameters are exactly the configured ones (`param_match` alone,
    /// or parameters given without it).
    Exact,
    /// The configured parameters are a prefix of the process's (`partial`).
    Partial,
    /// Like `Partial`, and the last configured one may be a prefix of its
    /// counterpart (`initial`).
    Initial,
}

/// `vrrp_track_process NAME { ... }`: watches for a running process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProcess {
    /// Its name, used by `track_process`.
    pub name: String,
    /// Where `vrrp_track_process` starts.
    pub at: Span,
    /// `process NAME [PARAMS...]`: the process name then its parameters.
    pub process: Option<Spanned<Vec<String>>>,
    /// `param_match [partial|initial]`.
    pub param_match: Option<ParamMatch>,
    /// `weight N [reverse]`.
    pub weight: Option<Weight>,
    /// `quorum N`: processes needed (default 1).
    pub quorum: Option<u32>,
    /// `quorum_max N`: most processes allowed.
    pub quorum_max: Option<u32>,
    /// `fork_delay SECS` (also set by `delay`).
    pub fork_delay: Option<Duration>,
    /// `terminate_delay SECS` (also set by `delay`).
    pub terminate_delay: Option<Duration>,
    /// `full_command`: match the whole command line.
    pub full_command: bool,
}

/// `track_file NAME { ... }` (`vrrp_track_file` in keepalived before 2.1):
/// a file whose integer value, times the weight, adjusts the priority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackFile {
    /// Its name, used by `track_file { NAME }` in instances and sync groups.
    pub name: String,
    /// Where the block starts.
    pub at: Span,
    /// `file PATH`: the file watched.
    pub file: Spanned<String>,
    /// `weight N [reverse]`, -254..=254; unset: 1 (keepalived's default).
    pub weight: Option<Weight>,
    /// `init_file [VALUE] [overwrite]`: written at startup.
    pub init_file: Option<InitFile>,
}

/// `init_file [VALUE] [overwrite]` of a `track_file` block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InitFile {
    /// The value written (default 0).
    pub value: i32,
    /// `overwrite`: also replace an existing file (else only create one).
    pub overwrite: bool,
    /// Where `init_file` is.
    pub at: Span,
}

/// A reference to a tracked object: `NAME [weight N [reverse]]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tracked {
    /// Script, interface, process or file name.
    pub name: String,
    /// A weight overriding the tracked object's own.
    pub weight: Option<Weight>,
    /// Where the name is.
    pub at: Span,
}

/// A notify script: `notify_* CMD [USER [GROUP]]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotifyScript {
    /// The command line, quotes removed.
    pub command: String,
    /// Who runs it, if not the global `script_user`.
    pub run_as: Option<RunAs>,
    /// Where the keyword is.
    pub at: Span,
}

/// A notify FIFO: every state change written as a line
/// (`INSTANCE "NAME" MASTER 100`), and optionally a script that reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotifyFifo {
    /// The FIFO's path (created if missing).
    pub path: Option<Spanned<String>>,
    /// Who owns a FIFO we create (`USER [GROUP]` after the path).
    pub owner: Option<RunAs>,
    /// `notify_fifo_script CMD [USER [GROUP]]`: started once, with the
    /// FIFO's path as its last argument, to read the lines.
    pub script: Option<NotifyScript>,
}

/// The notify scripts of an instance or a sync group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notify {
    /// `notify_master`.
    pub master: Option<Box<NotifyScript>>,
    /// `notify_backup`.
    pub backup: Option<Box<NotifyScript>>,
    /// `notify_fault`.
    pub fault: Option<Box<NotifyScript>>,
    /// `notify_stop`.
    pub stop: Option<Box<NotifyScript>>,
    /// `notify`: run on every transition with the state as arguments.
    pub any: Option<Box<NotifyScript>>,
    /// `notify_master_rx_lower_pri` (instances only).
    pub master_rx_lower_pri: Option<Box<NotifyScript>>,
    /// `notify_deleted [SCRIPT]` (instances only): where written.
    pub notify_deleted: Option<Span>,
    /// `notify_deleted`'s script, if it has one.
    pub deleted: Option<Box<NotifyScript>>,
}

/// One line of `virtual_ipaddress` / `virtual_ipaddress_excluded`:
/// `ADDR[/PREFIX] [brd X] [dev IF] [scope S] [label L] [no_track]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VirtualAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length; /32 (IPv4) or /128 (IPv6) when not written, as in keepalived.
    pub prefix_len: u8,
    /// `brd ADDR`: broadcast address.
    pub brd: Option<IpAddr>,
    /// `dev IF`: interface, if not the instance's.
    pub dev: Option<String>,
    /// `scope S`: site, link, host, nowhere, global or a number.
    pub scope: Option<String>,
    /// `label L`: an ifconfig-style alias name.
    pub label: Option<String>,
    /// `no_track`: deleting the address does not make the instance leave MASTER.
    pub no_track: bool,
    /// `use_vmac`: a VMAC of its own (on another interface than the
    /// instance's, or of the other family), as `use_vmac_addr` gives all.
    pub use_vmac: bool,
    /// Where the address is.
    pub at: Span,
}

impl VirtualAddress {
    /// Whether its `dev` names another interface than `interface` (the
    /// instance's).
    pub fn elsewhere(&self, interface: Option<&str>) -> bool {
        self.dev.is_some() && self.dev.as_deref() != interface
    }

    /// Whether it is on another link than an instance on `interface` of
    /// `family`: [`Self::elsewhere`], or of the other family (keepalived
    /// 2.4.3 vrrp.c gives such an address a VMAC of its own with
    /// `use_vmac_addr`).
    pub fn apart_from(&self, interface: Option<&str>, family: Family) -> bool {
        self.elsewhere(interface) || Family::of(&self.addr) != family
    }
}

/// One line of `unicast_peer`: `ADDR [min_ttl N] [max_ttl N]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnicastPeer {
    /// The peer's address.
    pub addr: IpAddr,
    /// `min_ttl N`: lowest TTL accepted from it.
    pub min_ttl: Option<u8>,
    /// `max_ttl N`: highest TTL accepted from it.
    pub max_ttl: Option<u8>,
    /// Where the address is.
    pub at: Span,
}

/// `auth_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `PASS`: VRRPv2 simple text password (RFC 2338 type 1).
    Pass,
    /// `AH`: IPsec AH (type 2).
    Ah,
}

/// `authentication { auth_type T  auth_pass P }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authentication {
    /// Where `authentication` is.
    pub at: Span,
    /// `auth_type PASS|AH`.
    pub auth_type: Option<Spanned<AuthType>>,
    /// `auth_pass P`: at most 8 bytes, as keepalived sends it (longer
    /// passwords are truncated, with a warning).
    pub auth_pass: Option<Spanned<Vec<u8>>>,
}

/// `auth_hmac { ... }` (keepalived 2.4): HMAC-authenticated adverts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthHmac {
    /// Where `auth_hmac` is.
    pub at: Span,
    /// `key ID VALUE`, in file order.
    pub keys: Vec<HmacKey>,
    /// `active_key ID`: the key this router signs with.
    pub active_key: Option<Spanned<u8>>,
    /// `anti_replay monotonic` (true) or `time` (false, the default).
    pub monotonic: Option<Spanned<bool>>,
    /// `time_window SECONDS`; unset: three advert intervals, 5..=300 s.
    pub time_window: Option<Spanned<u16>>,
    /// `mode enforce|permissive|receive-only`; unset: enforce.
    pub mode: Option<Spanned<vrrp_core::auth_hmac::Mode>>,
}

/// `key ID VALUE` of an `auth_hmac` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HmacKey {
    /// 1..=255.
    pub id: Spanned<u8>,
    /// The key, or the file that holds it.
    pub value: Spanned<KeyValue>,
}

/// Where a key's bytes are.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// Inline: `hex:...` decoded, or the text's bytes.
    Bytes(Vec<u8>),
    /// `file:PATH`, read by the daemon ([`KeepalivedConfig::read_key_files`](super::KeepalivedConfig::read_key_files)),
    /// not by the reader: `--verify` reads files meant for other hosts.
    File(std::path::PathBuf),
}

impl fmt::Debug for KeyValue {
    /// Never the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// `use_vmac [NAME]`: run the instance on a macvlan with the virtual MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseVmac {
    /// The macvlan interface's name (keepalived picks `vrrp.VRID` otherwise).
    pub name: Option<String>,
    /// Where `use_vmac` is.
    pub at: Span,
}

/// `use_ipvlan [[name] NAME] [ADDR[/LEN]] [bridge|private|vepa] [group N]`
/// (keepalived 2.4.3): run the instance on an L2-mode ipvlan of its
/// interface, which carries the adverts and the VIPs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseIpvlan {
    /// The ipvlan's name (keepalived picks `vrrp.VRID` otherwise).
    pub name: Option<String>,
    /// The address put on it, the instance's source address (required for
    /// IPv4; IPv6 uses the link-local address otherwise).
    pub address: Option<Spanned<(IpAddr, u8)>>,
    /// Its mode flags.
    pub mode: IpvlanMode,
    /// `group N`: the link group (keepalived 2.4.3; 2.2.7 reads a name).
    pub group: Option<u32>,
    /// Where `use_ipvlan` is.
    pub at: Span,
}

/// The mode flags of an ipvlan (`IFLA_IPVLAN_FLAGS`); all are L2 mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IpvlanMode {
    /// `bridge`, the default: no flag.
    #[default]
    Bridge,
    /// `private` (`IPVLAN_F_PRIVATE`).
    Private,
    /// `vepa` (`IPVLAN_F_VEPA`).
    Vepa,
}

/// Initial state requested by `state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP`.
    Backup,
}

/// keepalived's e-mail alerts (`global_defs`): where and to whom a mail
/// goes when an instance or sync group with `smtp_alert` changes state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Smtp {
    /// `smtp_server ADDR [PORT]` (port 25 when not written).
    pub server: Option<Spanned<std::net::SocketAddr>>,
    /// `smtp_helo_name NAME` (keepalived's default: localhost).
    pub helo_name: Option<String>,
    /// `smtp_connect_timeout SECS` (default 30 s).
    pub connect_timeout: Option<Duration>,
    /// `notification_email_from ADDR`.
    pub from: Option<String>,
    /// `notification_email { ADDR ... }`.
    pub to: Vec<String>,
    /// `smtp_alert [BOOL]`: the default of every instance and group.
    pub alert: Option<bool>,
    /// `smtp_alert_vrrp [BOOL]`: the default of VRRP's, before `smtp_alert`.
    pub alert_vrrp: Option<bool>,
    /// `no_email_faults`: no mail on entering FAULT.
    pub no_email_faults: bool,
}

/// `vrrp_sync_group NAME { ... }`: instances that change state together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncGroup {
    /// Its name.
    pub name: String,
    /// Where `vrrp_sync_group` starts.
    pub at: Span,
    /// `group { INSTANCE ... }`: member instance names.
    pub members: Vec<Spanned<String>>,
    /// Notify scripts for the group.
    pub notify: Notify,
    /// `track_script { ... }` applying to all members.
    pub track_scripts: Vec<Tracked>,
    /// `track_interface { ... }` applying to all members.
    pub track_interfaces: Vec<Tracked>,
    /// `track_process { ... }` applying to all members.
    pub track_processes: Vec<Tracked>,
    /// `track_file { ... }` applying to all members.
    pub track_files: Vec<Tracked>,
    /// `sync_group_tracking_weight` (or the deprecated `global_tracking`):
    /// the members' own tracker weights move their priorities.
    pub tracking_weight: bool,
    /// `smtp_alert [BOOL]`: mail when the group changes state.
    pub smtp_alert: Option<bool>,
    /// `notify_priority_changes [BOOL]`: the members' default.
    pub notify_priority_changes: Option<bool>,
}

/// One interface's `interface_up_down_delays` (read by
/// `build_link_delays.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkDelay {
    /// The interface, where written.
    pub interface: Spanned<String>,
    /// How long a link must stay down before its instances see it down.
    pub down: Duration,
    /// How long a link must stay up before its instances see it up.
    pub up: Duration,
}
