//! keepalived's process keywords of `global_defs` mapped onto how our one
//! process runs ([`tuning`], [`umask`]), is named ([`process_name`]) and
//! found ([`pid_files`]). keepalived tunes its VRRP child process; we
//! have no child: the thread that runs the VRRP loop is tuned the same way.

use std::path::{Path, PathBuf};

use vrrp_io_linux::tuning::{AutoPriority, Tuning};

use crate::conf::GlobalDefs;

/// keepalived's RLIMIT_RTTIME under `vrrp_rt_priority` when
/// `vrrp_rlimit_rttime` is not written (`RT_RLIMIT_DEFAULT`), microseconds.
pub const DEFAULT_RLIMIT_RTTIME: u32 = 10_000;

/// keepalived's file creation mask when `umask` is not written
/// (`IXUSR | IRWXG | IRWXO`): files it creates are 0600 unless it says
/// otherwise (pid files 0644).
pub const DEFAULT_UMASK: u32 = 0o177;

/// The file creation mask: keepalived's `-u` (`command_line`), else
/// `umask`, else keepalived's [`DEFAULT_UMASK`]. The command line wins, as
/// keepalived's ("umask command line option specified, ignoring config
/// option").
pub fn umask(global: &GlobalDefs, command_line: Option<u32>) -> u32 {
    if let (Some(_), Some(written)) = (command_line, &global.umask) {
        tracing::info!(at = %written.at, "umask given on the command line: the file's umask is ignored");
    }
    (command_line)
        .or(global.umask.as_ref().map(|m| m.value))
        .unwrap_or(DEFAULT_UMASK)
}

/// keepalived's `-u MASK` / `--umask=MASK`: a number as C's `strtol` base
/// 0 reads it (`027`, `0x17`, `23`), at most 0777.
pub fn parse_umask(text: &str) -> Result<u32, String> {
    crate::conf::c_unsigned(text)
        .filter(|&mask| mask <= 0o777)
        .ok_or_else(|| format!("{text:?} is not a umask: a number up to 0777, e.g. 027"))
}

/// keepalived's pid directory (`use_pid_dir`, `instance`).
pub const PID_DIR: &str = "/run/keepalived";

/// keepalived's `RUNSTATEDIR`: its pid files without `use_pid_dir`.
pub const RUN_DIR: &str = "/run";

/// The pid files keepalived writes when `-p` names none (its `main.c`,
/// `make_pidfile_name`): `/run/keepalived.pid` and `/run/vrrp.pid`; under
/// `use_pid_dir` `/run/keepalived/keepalived.pid` and `vrrp.pid`, or with
/// `instance NAME` `keepalived_NAME.pid` and `vrrp_NAME.pid`. Both hold our
/// one pid.
pub fn pid_files(global: &GlobalDefs) -> Vec<PathBuf> {
    if !global.use_pid_dir {
        return ["keepalived", "vrrp"]
            .iter()
            .map(|file| Path::new(RUN_DIR).join(format!("{file}.pid")))
            .collect();
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

/// Our process's name, if the configuration gives one: keepalived's VRRP
/// process's (`vrrp_process_name`, `process_names`), else the one it
/// inherits from keepalived's main process (`process_name`).
pub fn process_name(global: &GlobalDefs) -> Option<String> {
    global
        .vrrp_process_name
        .clone()
        .or_else(|| global.process_name.clone())
}

/// Renames our process from `was` to `name` where they differ, as
/// keepalived's VRRP process at start and on each reload
/// (`vrrp_daemon.c`); no name is the executable's. Called from the thread
/// that runs the loop (the main thread: `/proc/PID/comm`).
pub fn rename(was: Option<&str>, name: Option<&str>) {
    if was == name {
        return;
    }
    let exe = std::env::current_exe().ok();
    let own = exe
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().chars().take(15).collect::<String>());
    let Some(target) = name.map(str::to_string).or(own) else {
        return;
    };
    match vrrp_io_linux::tuning::set_process_name(&target) {
        Ok(()) => tracing::info!(name = %target, "process renamed"),
        Err(error) => tracing::warn!(%error, name = %target, "cannot rename the process"),
    }
}

/// What `max_auto_priority` and `min_auto_priority_delay` ask of the loop
/// (-1, keepalived's "no warning", and 0 raise nothing), with
/// `vrrp_rlimit_rttime`'s limit for the first step.
pub fn auto_priority(global: &GlobalDefs) -> AutoPriority {
    let default = AutoPriority::default();
    AutoPriority {
        max: (global.max_auto_priority)
            .and_then(|max| u8::try_from(max).ok())
            .unwrap_or(default.max),
        min_delay: global.min_auto_priority_delay.unwrap_or(default.min_delay),
        rttime_limit: (global.process.rlimit_rttime).unwrap_or(DEFAULT_RLIMIT_RTTIME),
    }
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

#[cfg(test)]
mod tests {
    use super::parse_umask;

    #[test]
    fn a_command_line_umask_reads_as_c_s_strtol_base_0() {
        assert_eq!(parse_umask("027"), Ok(0o27));
        assert_eq!(parse_umask("0x17"), Ok(0o27));
        assert_eq!(parse_umask("23"), Ok(0o27));
        assert_eq!(parse_umask("0"), Ok(0));
        assert_eq!(parse_umask("0777"), Ok(0o777));
        for bad in ["01000", "08", "0x", "IRWXO", "-1", ""] {
            let error = parse_umask(bad).expect_err(bad);
            assert!(error.contains("not a umask"), "{bad}: {error}");
        }
    }
}
