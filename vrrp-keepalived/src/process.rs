//! keepalived's process keywords of `global_defs` mapped onto how our one
//! process runs ([`tuning`], [`umask`]), is named ([`process_name`]) and
//! found ([`pid_files`]). keepalived tunes its VRRP child process; we
//! have no child: the thread that runs the VRRP loop is tuned the same way.

use std::path::{Path, PathBuf};

use vrrp_io_linux::tuning::Tuning;

use crate::conf::GlobalDefs;

/// keepalived's RLIMIT_RTTIME under `vrrp_rt_priority` when
/// `vrrp_rlimit_rttime` is not written (`RT_RLIMIT_DEFAULT`), microseconds.
pub const DEFAULT_RLIMIT_RTTIME: u32 = 10_000;

/// keepalived's file creation mask when `umask` is not written
/// (`IXUSR | IRWXG | IRWXO`): files it creates are 0600 unless it says
/// otherwise (pid files 0644).
pub const DEFAULT_UMASK: u32 = 0o177;

/// The file creation mask: `umask`, else keepalived's [`DEFAULT_UMASK`].
pub fn umask(global: &GlobalDefs) -> u32 {
    global.umask.as_ref().map_or(DEFAULT_UMASK, |m| m.value)
}

/// keepalived's pid directory (`use_pid_dir`, `instance`).
pub const PID_DIR: &str = "/run/keepalived";

/// The name `process_names` gives keepalived's VRRP process, which we are.
pub const VRRP_PROCESS_NAME: &str = "keepalived_vrrp";

/// The pid files keepalived writes under `use_pid_dir` or `instance NAME`
/// (its `main.c`, `make_pidfile_name`): `/run/keepalived/keepalived.pid`
/// and `vrrp.pid`, or `keepalived_NAME.pid` and `vrrp_NAME.pid`; both hold
/// our one pid. None otherwise (keepalived's `/run/keepalived.pid` is not
/// written: `-p` names ours).
pub fn pid_files(global: &GlobalDefs) -> Vec<PathBuf> {
    if !global.use_pid_dir {
        return Vec::new();
    }
    // keepalived's are in a private mount of /run/keepalived/NAMESPACE
    // over /run/keepalived: from the host, where ours are.
    let dir = match &global.net_namespace {
        Some(namespace) => Path::new(PID_DIR).join(&namespace.value),
        None => PathBuf::from(PID_DIR),
    };
    let suffix = global
        .instance_name
        .as_ref()
        .map_or_else(String::new, |name| format!("_{}", name.value));
    ["keepalived", "vrrp"]
        .iter()
        .map(|file| dir.join(format!("{file}{suffix}.pid")))
        .collect()
}

/// The name `process_names` asks for, if it does.
pub fn process_name(global: &GlobalDefs) -> Option<&'static str> {
    global.process_names.then_some(VRRP_PROCESS_NAME)
}

/// What `vrrp_priority`, `vrrp_rt_priority`, `vrrp_rlimit_rttime`,
/// `vrrp_no_swap` and `vrrp_cpu_affinity` ask of the process.
pub fn tuning(global: &GlobalDefs) -> Tuning {
    let process = &global.process;
    Tuning {
        nice: process.nice.map(i32::from),
        round_robin: process.rt_priority,
        rttime_limit: process.rlimit_rttime.unwrap_or(DEFAULT_RLIMIT_RTTIME),
        lock_memory: process.no_swap,
        cpus: process.cpus.iter().map(|c| usize::from(c.value)).collect(),
    }
}
