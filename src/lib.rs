//! vrrp-rs: the Virtual Router Redundancy Protocol for Rust.
//!
//! This facade re-exports the workspace's crates:
//!
//! - [`core`]: the sans-I/O protocol engine (wire format, state machine, timers,
//!   statistics). Everything else runs this code.

#![forbid(unsafe_code)]

pub use vrrp_core as core;
