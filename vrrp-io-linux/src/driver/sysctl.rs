//! Per-interface sysctls the driver sets (`net.ipv4.conf.IF.*`,
//! `net.ipv6.conf.IF.*`, in the caller's network namespace), and the old
//! values of those it must put back when it ends.

use std::fs;

use crate::socket::Family::{self, Ipv4, Ipv6};

/// A sysctl to put back when the driver ends.
#[derive(Debug)]
pub(super) struct Restore {
    path: String,
    value: String,
}

/// Puts the recorded sysctls back, the last set first.
pub(super) fn restore_all(restore: &mut Vec<Restore>) {
    for r in restore.drain(..).rev() {
        if let Err(error) = fs::write(&r.path, &r.value) {
            tracing::warn!(path = %r.path, %error, "cannot restore sysctl");
        }
    }
}

/// Sets `key` of `interface` to `value` unless it has it already; with
/// `restore`, records the old value there (once per sysctl). A failure is
/// logged.
pub(super) fn set_sysctl(
    family: Family,
    interface: &str,
    key: &str,
    value: &str,
    restore: Option<&mut Vec<Restore>>,
) {
    let dir = match family {
        Ipv4 => "ipv4",
        Ipv6 => "ipv6",
    };
    set(
        &format!("/proc/sys/net/{dir}/conf/{interface}/{key}"),
        value,
        restore,
    );
}

/// Sets the sysctl at `path` to `value` unless it has it already; with
/// `restore`, records the old value there (once per sysctl). A failure is
/// logged.
pub(super) fn set(path: &str, value: &str, restore: Option<&mut Vec<Restore>>) {
    let path = path.to_owned();
    let old = fs::read_to_string(&path).map(|v| v.trim().to_owned());
    if old.as_deref().is_ok_and(|old| old == value) {
        return;
    }
    if let (Some(restore), Ok(old)) = (restore, &old) {
        if !restore.iter().any(|r| r.path == path) {
            restore.push(Restore {
                path: path.clone(),
                value: old.clone(),
            });
        }
    }
    if let Err(error) = fs::write(&path, value) {
        tracing::warn!(%path, %error, "cannot set sysctl");
    }
}
