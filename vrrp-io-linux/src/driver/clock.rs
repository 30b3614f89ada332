//! The one place where the monotonic clock meets the core's time.

use vrrp_core::time::Instant as CoreInstant;

/// Maps `std::time::Instant` onto the core's microseconds since an epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    epoch: std::time::Instant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub(crate) fn start() -> Self {
        Self {
            epoch: std::time::Instant::now(),
        }
    }

    /// The core instant of a monotonic one.
    pub(crate) fn to_core(self, t: std::time::Instant) -> CoreInstant {
        let micros = t.saturating_duration_since(self.epoch).as_micros();
        CoreInstant::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// The wall clock as time since the Unix epoch: what `auth_hmac`
    /// signs with and checks freshness against
    /// ([`Router::handle_wall_clock`](vrrp_core::Router::handle_wall_clock)).
    pub(crate) fn wall_clock() -> std::time::Duration {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
    }

    /// The monotonic instant of a core one.
    pub(crate) fn to_std(self, t: CoreInstant) -> std::time::Instant {
        self.epoch + std::time::Duration::from_micros(t.as_micros())
    }
}
