//! keepalived compatibility for vrrp-rs: everything that speaks keepalived's
//! vocabulary, on top of the protocol (`vrrp-core`) and the Linux driver
//! (`vrrp-io-linux`). Its place: see ARCHITECTURE.md.
//!
//! - [`conf`]: keepalived.conf, read and checked with file:line:column
//!   positions on every error and warning. Pure: with
//!   `default-features = false` this crate needs neither mio, netlink nor
//!   nix, so the model checker and the fuzz properties read keepalived.conf
//!   without the Linux stack.
//!
//! With the `linux` feature (on by default):
//!
//! - [`to_driver`]: a loaded configuration → the driver's spec
//!   ([`driver_config`]), keepalived's defaults applied;
//! - [`security`]: keepalived's `enable_script_security` checks;
//! - [`mail`]: keepalived's e-mail alerts on state changes (`smtp_alert`);
//! - [`host`]: what keepalived checks on the host it starts on (interfaces,
//!   scripts that can run);
//! - [`snapshot`]: one typed snapshot of the running driver, which
//!   [`status`] (the JSON dump on SIGUSR1, the counters' names),
//!   [`metrics`] (Prometheus text on a thread of its own, with
//!   keepalived-exporter's names from [`exporter`]) and [`dump`]
//!   (keepalived's own dump files, for keepalived-exporter) all render;
//! - [`systemd`]: `sd_notify` readiness, without libsystemd;
//! - [`daemon`]: the keepalived-compatible daemon's steps: load, check,
//!   reload on SIGHUP, status on SIGUSR1.

#![forbid(unsafe_code)]

#[cfg(feature = "linux")]
mod buffer_spec;
pub mod conf;
#[cfg(feature = "linux")]
pub mod daemon;
#[cfg(feature = "linux")]
pub mod dump;
#[cfg(feature = "linux")]
pub mod exporter;
#[cfg(feature = "linux")]
mod garp_spec;
#[cfg(feature = "linux")]
pub mod hook_script;
#[cfg(feature = "linux")]
pub mod host;
#[cfg(feature = "linux")]
mod iproute2;
#[cfg(feature = "linux")]
pub mod journal;
#[cfg(feature = "linux")]
pub mod mail;
#[cfg(feature = "linux")]
pub mod metrics;
#[cfg(feature = "linux")]
pub mod process;
#[cfg(feature = "linux")]
mod prometheus;
#[cfg(feature = "linux")]
mod route_spec;
#[cfg(feature = "linux")]
pub mod security;
#[cfg(feature = "linux")]
pub mod snapshot;
#[cfg(feature = "linux")]
mod startup;
#[cfg(feature = "linux")]
pub mod status;
#[cfg(feature = "linux")]
pub mod systemd;
#[cfg(feature = "linux")]
pub mod to_driver;
#[cfg(feature = "linux")]
mod vmac_spec;

#[cfg(feature = "linux")]
pub use to_driver::driver_config;
