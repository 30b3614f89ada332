//! vrrp-rs: the Virtual Router Redundancy Protocol for Rust.
//!
//! This facade re-exports the workspace's crates:
//!
//! - [`core`]: the sans-I/O protocol engine (wire format, state machine, timers,
//!   statistics). Everything else runs this code.
//! - [`linux`]: the Linux driver (mio loop, raw sockets, netlink, GARP/NA,
//!   track scripts), with no keepalived vocabulary.
//! - [`keepalived`]: keepalived compatibility: keepalived.conf, its mapping
//!   onto the driver, script security, status, metrics, systemd and the
//!   daemon's steps.

#![forbid(unsafe_code)]

pub use vrrp_core as core;
pub use vrrp_io_linux as linux;
pub use vrrp_keepalived as keepalived;
