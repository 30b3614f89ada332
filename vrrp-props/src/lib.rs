//! The properties behind the fuzz targets in `fuzz/`, written once and run by
//! two drivers (its place, see ARCHITECTURE.md: on `vrrp-core` and the pure
//! keepalived.conf reader only, never on the Linux stack):
//!
//! - libFuzzer, through cargo-fuzz (`fuzz/fuzz_targets/*.rs` are one line
//!   each: they hand the fuzzer's bytes to a `check` function here);
//! - proptest, in this crate's tests (`tests/twins.rs`): random bytes into
//!   the same functions, so `cargo test --workspace` checks the same
//!   properties on a stable toolchain, and `tests/corpus.rs` replays the
//!   committed seed corpus and every crash ever found.
//!
//! Each function panics when a property fails; that is what both drivers
//! catch. The targets:
//!
//! - [`wire_parse`]: any bytes parse or fail with a typed error; what parses
//!   re-emits to the same bytes (up to the fields a parse ignores) and
//!   re-parses equal.
//! - [`instance_inputs`]: any sequence of adverts, timeouts, priority and
//!   link changes, admin commands, startup and shutdown, against 1–3
//!   instances on a LAN or in a [`Router`](vrrp_core::Router) with a sync
//!   group: the state machine's invariants hold after every input.
//! - [`config_parse`]: any text loads or fails with a position inside the
//!   text; a configuration that loads runs.
//!
//! Under `cfg(fuzzing)` (cargo-fuzz sets it) VRRP checksums always verify,
//! so the fuzzer gets past them; the proptest twins run with real checksums.

#![forbid(unsafe_code)]

pub mod config_parse;
pub mod instance_inputs;
pub mod wire_parse;
