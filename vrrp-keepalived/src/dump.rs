//! keepalived's dump files, which keepalived-exporter reads: on a signal,
//! keepalived writes `keepalived.data` (SIGUSR1), `keepalived.stats`
//! (SIGUSR2) or `keepalived.json` (SIGRTMIN+2) into its temporary
//! directory, `$TMPDIR` when that is an absolute path, else `/tmp`.
//! `keepalived --signum=DATA|STATS|JSON` prints those numbers.
//!
//! Here the same files, in the same formats, rendered from the
//! [`Snapshot`]. Lines keepalived writes about things we do not have
//! (file descriptors, socket pools, interfaces, global definitions) are
//! left out; every line keepalived-exporter reads is there.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};
use vrrp_core::State;
use vrrp_core::wire::{Auth, Version};
use vrrp_io_linux::track::script::split_command;

use crate::snapshot::{InstanceStatus, Snapshot, TrackedKind, VipStatus};

/// One of keepalived's dump files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dump {
    /// `keepalived.data`: the configuration and state of each instance
    /// and script (SIGUSR1, `--signum=DATA`).
    Data,
    /// `keepalived.stats`: each instance's counters (SIGUSR2, `--signum=STATS`).
    Stats,
    /// `keepalived.json`: both, in JSON (SIGRTMIN+2, `--signum=JSON`).
    Json,
}

impl Dump {
    /// The three files.
    pub const ALL: [Self; 3] = [Self::Data, Self::Stats, Self::Json];

    /// Its file name in the temporary directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Data => "keepalived.data",
            Self::Stats => "keepalived.stats",
            Self::Json => "keepalived.json",
        }
    }

    /// The signal that asks for it, as keepalived numbers it.
    pub fn signal(self) -> i32 {
        match self {
            Self::Data => nix::libc::SIGUSR1,
            Self::Stats => nix::libc::SIGUSR2,
            Self::Json => nix::libc::SIGRTMIN() + 2,
        }
    }

    /// The file a signal asks for.
    pub fn of_signal(signal: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.signal() == signal)
    }

    /// Its text for `snapshot`.
    pub fn render(self, snapshot: &Snapshot) -> String {
        match self {
            Self::Data => data::render(snapshot),
            Self::Stats => stats(snapshot),
            Self::Json => json(snapshot).to_string(),
        }
    }

    /// Writes it to `path` atomically (a temporary file beside it renamed
    /// over it, so a reader never sees half a file).
    pub fn write(self, snapshot: &Snapshot, path: &Path) -> io::Result<()> {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let temp = path.with_file_name(format!(".{name}.{}", std::process::id()));
        std::fs::write(&temp, self.render(snapshot))?;
        std::fs::rename(&temp, path)
    }
}

/// Where each dump file goes: keepalived's temporary directory, but
/// `keepalived.data` where `state_dump_file` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpPaths {
    tmp: PathBuf,
    data: PathBuf,
}

impl DumpPaths {
    /// The paths for temporary directory `tmp` and `state_dump_file`, as
    /// keepalived 2.4.3's `open_dump_file` makes them: an absolute path's
    /// directory, else `tmp`; its last part as the name unless it ends
    /// with `/` (then `keepalived.data`). `stats_dump_file` and
    /// `json_dump_file` change nothing: keepalived 2.4.3 reads them but
    /// never uses them.
    pub fn new(tmp: PathBuf, state_dump_file: Option<&str>) -> Self {
        let data = match state_dump_file.filter(|f| !f.is_empty()) {
            None => tmp.join(Dump::Data.file_name()),
            Some(file) => {
                let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
                let dir = match file.starts_with('/') {
                    true if dir.is_empty() => PathBuf::from("/"),
                    true => PathBuf::from(dir),
                    false => tmp.clone(),
                };
                match name {
                    "" => dir.join(Dump::Data.file_name()),
                    name => dir.join(name),
                }
            }
        };
        Self { tmp, data }
    }

    /// Where `dump` goes.
    pub fn path(&self, dump: Dump) -> PathBuf {
        match dump {
            Dump::Data => self.data.clone(),
            dump => self.tmp.join(dump.file_name()),
        }
    }
}

/// `keepalived --signum=FUNC`: the signal for STOP, RELOAD, DATA, STATS or
/// JSON. `None` for anything else, STATS_CLEAR included (our counters
/// cannot be cleared, and that signal's default action ends a process).
pub fn signum(func: &str) -> Option<i32> {
    match func {
        "STOP" => Some(nix::libc::SIGTERM),
        "RELOAD" => Some(nix::libc::SIGHUP),
        "DATA" => Some(Dump::Data.signal()),
        "STATS" => Some(Dump::Stats.signal()),
        "JSON" => Some(Dump::Json.signal()),
        _ => None,
    }
}

/// keepalived's temporary directory: `$TMPDIR` if it is absolute, else `/tmp`.
pub fn tmp_dir() -> PathBuf {
    tmp_dir_from(std::env::var_os("TMPDIR").map(PathBuf::from))
}

fn tmp_dir_from(tmpdir: Option<PathBuf>) -> PathBuf {
    tmpdir
        .filter(|dir| dir.is_absolute())
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// keepalived's number for a state (`keepalived_vrrp_state`'s value, the
/// JSON's `state`): INIT 0, BACKUP 1, MASTER 2, FAULT 3.
pub fn state_code(state: State) -> u8 {
    match state {
        State::Initialize => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// keepalived's `wantstate`: the state itself, except that an instance
/// still initialising wants Backup (Master if it owns the addresses).
pub fn wanted_state(i: &InstanceStatus) -> State {
    match i.state {
        State::Initialize if i.config.is_owner() => State::Master,
        State::Initialize => State::Backup,
        state => state,
    }
}

/// An address as keepalived prints it: the prefix only when it is not a
/// host's (/32, /128).
pub fn vip_address(v: &VipStatus) -> String {
    let host = match v.addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    if v.prefix_len == host {
        v.addr.to_string()
    } else {
        format!("{}/{}", v.addr, v.prefix_len)
    }
}

/// keepalived's name of an instance's interface (`Interface = ` in
/// keepalived.data): with `use_vmac`, `vrrp.51, vmac on eth0`; without
/// an interface, `not configured`.
pub fn interface_text(i: &InstanceStatus) -> String {
    let interface = i.interface.as_deref().unwrap_or("not configured");
    match &i.vmac {
        Some(vmac) => format!("{vmac}, vmac on {interface}"),
        None => interface.to_owned(),
    }
}

/// keepalived's name of the interface an address is on: with `use_vmac`,
/// `vrrp.51@eth0` for the addresses the VMAC carries.
pub fn vip_dev(i: &InstanceStatus, v: &VipStatus) -> String {
    match &i.vmac {
        Some(vmac) if *vmac == v.interface => {
            format!("{vmac}@{}", i.interface.as_deref().unwrap_or_default())
        }
        _ => v.interface.clone(),
    }
}

/// A virtual address line of `i` as keepalived writes it, e.g.
/// `192.0.2.100 dev eth0 scope global set` (`set`: installed now).
pub fn vip_line(i: &InstanceStatus, v: &VipStatus) -> String {
    let mut line = format!("{} dev {} scope global", vip_address(v), vip_dev(i, v));
    if let Some(label) = &v.label {
        line += &format!(" label {label}");
    }
    if v.addr.is_ipv6() {
        // keepalived's defaults: a /128 is deprecated, others preferred.
        line += if v.prefix_len == 128 {
            " deprecated"
        } else {
            " preferred_lft forever"
        };
    }
    if i.vips_installed {
        line += " set";
    }
    line
}

/// A command as keepalived prints it: each word in single quotes.
fn quoted(command: &str) -> String {
    split_command(command)
        .iter()
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whole seconds as an integer, else a fraction, as keepalived's `%g`.
fn seconds(d: Duration) -> Value {
    if d.subsec_nanos() == 0 {
        json!(d.as_secs())
    } else {
        json!(d.as_secs_f64())
    }
}

fn unix_time(i: &InstanceStatus) -> Duration {
    i.history
        .since
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default()
}

/// keepalived's counters of an instance, by its JSON names, in its order
/// (2.4.3's: the `auth_ext_*` of `auth_hmac` last).
pub fn keepalived_counters(i: &InstanceStatus) -> [(&'static str, u64); 20] {
    let s = &i.stats;
    [
        ("advert_rcvd", s.adverts_received),
        ("advert_sent", s.adverts_sent),
        ("become_master", s.master_transitions),
        ("release_master", i.masters_released()),
        ("packet_len_err", s.packet_length_errors),
        ("advert_interval_err", s.advert_interval_errors),
        ("ip_ttl_err", s.ip_ttl_errors),
        ("invalid_type_rcvd", s.invalid_type_errors),
        ("addr_list_err", s.address_list_errors),
        ("invalid_authtype", s.invalid_auth_type),
        ("authtype_mismatch", s.auth_type_mismatch),
        // keepalived counts every refused AH here.
        (
            "auth_failure",
            s.auth_failures + s.ah_bad_spi + s.ah_replayed,
        ),
        ("pri_zero_rcvd", s.priority_zero_received),
        ("pri_zero_sent", s.priority_zero_sent),
        ("auth_ext_missing", s.hmac_missing),
        ("auth_ext_malformed", s.hmac_malformed),
        ("auth_ext_unknown_key", s.hmac_unknown_key),
        ("auth_ext_invalid_hmac", s.hmac_bad_tag),
        ("auth_ext_stale", s.hmac_stale),
        ("auth_ext_replay", s.hmac_replayed),
    ]
}

/// The text of `keepalived.stats`.
fn stats(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    for i in &snapshot.instances {
        let [
            rcvd,
            sent,
            became,
            release,
            len,
            interval,
            ttl,
            kind,
            list,
            auth_type,
            mismatch,
            failure,
            zero_rcvd,
            zero_sent,
            missing,
            malformed,
            unknown_key,
            invalid_hmac,
            stale,
            replay,
        ] = keepalived_counters(i).map(|(_, value)| value);
        out += &format!(
            "VRRP Instance: {}\n  Advertisements:\n    Received: {rcvd}\n    Sent: {sent}\n  \
             Became master: {became}\n  Released master: {release}\n  Packet Errors:\n    \
             Length: {len}\n    TTL: {ttl}\n    Invalid Type: {kind}\n    \
             Advertisement Interval: {interval}\n    Address List: {list}\n  \
             Authentication Errors:\n    Invalid Type: {auth_type}\n    \
             Type Mismatch: {mismatch}\n    Failure: {failure}\n  \
             Authentication Extension Errors:\n    Missing: {missing}\n    \
             Malformed: {malformed}\n    Unknown Key: {unknown_key}\n    \
             Invalid HMAC: {invalid_hmac}\n    Stale: {stale}\n    Replay: {replay}\n  \
             Priority Zero:\n    \
             Received: {zero_rcvd}\n    Sent: {zero_sent}\n",
            i.name
        );
    }
    out
}

/// The JSON of `keepalived.json`: an array of `{ "data", "stats" }`.
fn json(snapshot: &Snapshot) -> Value {
    let scripts = &snapshot.scripts;
    let entries: Vec<Value> = snapshot
        .instances
        .iter()
        .map(|i| {
            let config = &i.config;
            let lines = |excluded: bool| -> Vec<String> {
                i.vips
                    .iter()
                    .filter(|v| v.excluded == excluded)
                    .map(|v| vip_line(i, v))
                    .collect()
            };
            let mut data = json!({
                "iname": i.name,
                // Removed below for an instance without one, as keepalived's.
                "ifp_ifname": i.vmac.as_ref().or(i.interface.as_ref()),
                "vmac_ifname": i.vmac.as_deref().unwrap_or_default(),
                "last_transition": unix_time(i).as_secs_f64(),
                "garp_delay": seconds(i.garp_delay),
                "vrid": config.vrid,
                "base_priority": config.priority,
                "effective_priority": i.priority,
                "vipset": i.vips_installed,
                "adver_int": seconds(Duration::from_millis(u64::from(config.advert_interval) * 10)),
                "master_adver_int": seconds(Duration::from_millis(u64::from(i.master_adver_interval) * 10)),
                "accept": u8::from(config.accept_mode),
                "nopreempt": !config.preempt,
                "preempt_delay": config.preempt_delay.as_micros() / 1_000_000,
                "state": state_code(i.state),
                "wantstate": state_code(wanted_state(i)),
                "version": match config.version { Version::V2 => 2, Version::V3 => 3 },
                "auth_type": u8::from(matches!(config.auth, Auth::Simple(_))),
            });
            for (key, list) in [("vips", lines(false)), ("evips", lines(true))] {
                if !list.is_empty() {
                    data[key] = json!(list);
                }
            }
            let track_ifp: Vec<&str> = i
                .tracked
                .iter()
                .filter(|t| t.kind == TrackedKind::Interface)
                .map(|t| t.name.as_str())
                .collect();
            let track_script: Vec<String> = i
                .tracked
                .iter()
                .filter(|t| t.kind.name() == "script")
                .filter_map(|t| scripts.iter().find(|(spec, _)| spec.name == t.name))
                .map(|(spec, _)| quoted(&spec.command))
                .collect();
            if !track_ifp.is_empty() {
                data["track_ifp"] = json!(track_ifp);
            }
            if !track_script.is_empty() {
                data["track_script"] = json!(track_script);
            }
            if data["ifp_ifname"].is_null()
                && let Some(fields) = data.as_object_mut()
            {
                fields.remove("ifp_ifname");
            }
            let stats: serde_json::Map<String, Value> = keepalived_counters(i)
                .into_iter()
                .map(|(name, value)| (name.to_owned(), json!(value)))
                .collect();
            json!({ "data": data, "stats": stats })
        })
        .collect();
    Value::Array(entries)
}

mod data;
#[cfg(test)]
mod test;
