//! keepalived's process keywords of `global_defs` mapped onto how our one
//! process runs ([`tuning`], [`umask`]). keepalived tunes its VRRP child process; we
//! have no child: the thread that runs the VRRP loop is tuned the same way.

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
