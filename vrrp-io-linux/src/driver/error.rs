//! Why the driver could not start or had to stop.

use crate::announce::AnnounceError;
use crate::firewall::FirewallError;
use crate::iface::IfaceError;
use crate::netlink::NetlinkError;
use crate::socket::SocketError;

/// A fatal driver error. Per-packet and per-request failures are logged and
/// counted instead; these stop the daemon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// An interface named in the configuration is missing or unusable.
    #[error(transparent)]
    Interface(#[from] IfaceError),
    /// A VRRP socket could not be opened.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// The netlink socket failed.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
    /// The announcement socket could not be opened.
    #[error(transparent)]
    Announce(#[from] AnnounceError),
    /// An instance's configuration is not runnable.
    #[error("vrrp_instance {instance}: {error}")]
    Config {
        /// The instance's name.
        instance: String,
        /// What is wrong.
        error: vrrp_core::ConfigError,
    },
    /// An instance without an interface that cannot run without one.
    #[error("vrrp_instance {instance} has no interface, and {what}")]
    Unbound {
        /// The instance's name.
        instance: String,
        /// What it lacks.
        what: String,
    },
    /// Two instances share an interface, family and VRID.
    #[error("vrrp_instance {instance}: {error}")]
    Duplicate {
        /// The instance's name.
        instance: String,
        /// What is wrong.
        error: vrrp_core::RouterError,
    },
    /// A reload that cannot be applied now.
    #[error("reload: {0}")]
    Reload(&'static str),
    /// The drop rules an instance needs could not be set up.
    #[error("cannot set up the rules that drop traffic to the VIPs of {instances}: {error}")]
    Firewall {
        /// The instances that need them.
        instances: String,
        /// Why.
        error: FirewallError,
    },
    /// The event loop itself failed (epoll, signals).
    #[error("event loop: {0}")]
    Poll(#[source] std::io::Error),
}
