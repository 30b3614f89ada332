//! When the instances start: keepalived's `vrrp_startup_delay` and
//! `vrrp_delay_after_boot` (keepalived 2.4.3 `global_parser.c`: the larger
//! of the two, the after-boot one less the host's uptime then).

use std::time::Duration;

use crate::conf::GlobalDefs;

/// The delay before the instances start, the uptime read from /proc/uptime.
pub(crate) fn start_delay(global: &GlobalDefs) -> Duration {
    let uptime = || match std::fs::read_to_string("/proc/uptime") {
        Ok(text) => parse_uptime(&text),
        Err(error) => {
            tracing::warn!(%error, "cannot read /proc/uptime: vrrp_delay_after_boot ignored");
            None
        }
    };
    delay_from(global, uptime)
}

/// The larger delay; `vrrp_delay_after_boot` counts from boot, so
/// `uptime` (asked only if it is set) is taken off it.
fn delay_from(global: &GlobalDefs, uptime: impl FnOnce() -> Option<Duration>) -> Duration {
    let after_boot = global
        .vrrp_delay_after_boot
        .and_then(|delay| Some(delay.saturating_sub(uptime()?)));
    global
        .vrrp_startup_delay
        .max(after_boot)
        .unwrap_or_default()
}

/// The first field of /proc/uptime: seconds since boot.
fn parse_uptime(text: &str) -> Option<Duration> {
    let secs: f64 = text.split_whitespace().next()?.parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(startup: Option<u64>, after_boot: Option<u64>) -> GlobalDefs {
        GlobalDefs {
            vrrp_startup_delay: startup.map(Duration::from_secs),
            vrrp_delay_after_boot: after_boot.map(Duration::from_secs),
            ..GlobalDefs::default()
        }
    }

    #[test]
    fn none_is_no_delay() {
        assert_eq!(delay_from(&global(None, None), || None), Duration::ZERO);
    }

    #[test]
    fn after_boot_counts_from_boot() {
        let up = || Some(Duration::from_secs(40));
        assert_eq!(
            delay_from(&global(None, Some(100)), up),
            Duration::from_secs(60)
        );
        assert_eq!(delay_from(&global(None, Some(30)), up), Duration::ZERO);
        // The larger of the two, as keepalived keeps.
        assert_eq!(
            delay_from(&global(Some(70), Some(100)), up),
            Duration::from_secs(70)
        );
        assert_eq!(
            delay_from(&global(Some(5), Some(100)), up),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn unreadable_uptime_leaves_the_startup_delay() {
        assert_eq!(
            delay_from(&global(Some(5), Some(100)), || None),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn reads_proc_uptime() {
        assert_eq!(
            parse_uptime("12345.67 54321.00\n"),
            Some(Duration::from_secs_f64(12345.67))
        );
        assert_eq!(parse_uptime(""), None);
        assert!(parse_uptime(&std::fs::read_to_string("/proc/uptime").unwrap()).is_some());
    }
}
