//! vrrp-model: a stateright model checker that drives the real
//! [`vrrp_core::Instance`] values the daemon runs — no re-implementation of
//! VRRP — through partitions, priority changes, crashes, shutdowns, link
//! failures and loss, and checks single-master safety and bounded
//! convergence.
//!
//! - [`setup`]: what to check (routers, timing, faults and budgets).
//! - [`timing`]: the bounds derived from it, `T_conv` among them.
//! - [`model`]: the steps, a discrete global clock over relative
//!   deadlines; [`state`]: what it explores.
//! - [`properties`]: S1..S17 (always) and V1..V11 (sometimes, some required).
//! - [`trace`]: counterexamples as timelines; [`run`]: run and report.
//! - [`verify`]: a deployment's keepalived.conf files, one per host,
//!   checked scenario by scenario.
//!
//! ```
//! use vrrp_model::{Setup, VrrpModel, properties, run};
//!
//! let mut setup = Setup::new(2, 100); // two routers, 1 s adverts
//! setup.budget.crashes = 1;
//! let outcome = run::check(VrrpModel::new(setup), &run::Options::default());
//! assert!(outcome.exhaustive && !outcome.any_violation());
//! assert!(outcome.verdict(properties::V6).ok()); // the backup took over
//! ```
//!
//! Its place (see ARCHITECTURE.md): on `vrrp-core` and the pure
//! keepalived.conf reader ([`conf`]), never on the Linux stack.

#![forbid(unsafe_code)]

pub mod conf;
mod event;
mod forger;
mod graph;
pub mod model;
pub mod partition;
pub mod properties;
pub mod run;
pub mod setup;
pub mod state;
mod step;
mod takeover;
pub mod timing;
pub mod trace;
pub mod verify;

pub use model::{Step, VrrpModel};
pub use setup::{Budget, HmacMode, Mutation, Setup};
pub use state::World;
pub use timing::Timing;

/// The unit tests explore too: mimalloc for them, as for the CLI and the
/// integration tests. A library leaves the allocator to its binaries.
#[cfg(test)]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
