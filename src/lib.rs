//! vrrp-rs: the Virtual Router Redundancy Protocol for Rust.
//!
//! This facade re-exports the workspace's crates:
//!
//! - [`core`]: the sans-I/O protocol engine (wire format, state machine, timers,
//!   statistics). Everything else runs this code.
//! - [`linux`]: the Linux driver (mio loop, raw sockets, netlink, GARP/NA,
//!   track scripts) and the keepalived.conf reader.

#![forbid(unsafe_code)]

pub use vrrp_core as core;
pub use vrrp_io_linux as linux;
