//! Sans-I/O VRRP: RFC 9568 (VRRPv3, IPv4 and IPv6) and RFC 3768 (VRRPv2).
//!
//! Its place (see ARCHITECTURE.md): the protocol, at the bottom of the
//! workspace; it depends on no other crate of it, and every other runs it.
//!
//! The core never reads a clock, touches a socket, sleeps, spawns or draws a
//! random number. Inputs are values (`now`, received bytes, link and tracking
//! events); outputs are values ([`Action`]s, [`Transmit`]s and a [`Deadline`]). The Linux
//! driver, the model checker, the benches and an embedding service all run
//! this same code.
//!
//! # The run loop
//!
//! Every mutation (a `handle_*` call) must be followed by draining
//! [`Instance::poll_action`] (or [`Router::poll_action`]) until it returns
//! `None` — after each [`Action::SendAdvert`], draining `poll_transmit`,
//! which writes each datagram and names its destination — and then reading
//! `poll_timeout` to learn when to call `handle_timeout` next. Calling `handle_timeout` early is a harmless no-op.
//! Time must never go backwards between calls.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use vrrp_core::{Action, Config, Instance, State, time::{Duration, Instant}};
//!
//! let me: IpAddr = Ipv4Addr::new(192, 0, 2, 1).into();
//! let vip: IpAddr = Ipv4Addr::new(192, 0, 2, 100).into();
//! let mut instance = Instance::new(Config::new(51, me, vec![vip])).unwrap();
//!
//! let mut now = Instant::ZERO;
//! instance.handle_startup(now);                       // 1. mutate
//! let mut buf = [0u8; 1500];
//! for _ in 0..3 {
//!     while let Some(action) = instance.poll_action() { // 2. drain the actions
//!         match action {
//!             Action::SendAdvert { .. } => {
//!                 while let Some(transmit) = instance.poll_transmit(&mut buf) {
//!                     let _packet = &buf[..transmit.len]; // to transmit.destination
//!                 }
//!             }
//!             Action::AddVips | Action::RemoveVips => {}    // netlink
//!             Action::AnnounceVips | Action::ReannounceVips { .. } => {} // GARP / NA
//!             Action::StateChanged { from, to, reason, .. } => {
//!                 println!("{from:?} -> {to:?} ({reason:?})");
//!             }
//!             _ => {}
//!         }
//!     }
//!     let deadline = instance.poll_timeout().unwrap();   // 3. next deadline
//!     now = deadline.at;                                 // 4. wait: here, no one else speaks
//!     instance.handle_timeout(now);
//! }
//! // Alone on the LAN, the backup declared the master down after
//! // Master_Down_Interval = 3 s + Skew_Time (156/256 s) and took over.
//! assert_eq!(instance.state(), State::Master);
//! assert_eq!(instance.master_down_interval(), Duration::from_micros(3_609_375));
//! ```

#![forbid(unsafe_code)]

pub mod auth_ah;
pub mod auth_hmac;
pub mod config;
pub mod fsm;
mod instance;
mod received;
mod router;
pub mod stats;
pub mod time;
pub mod timer;
pub mod wire;

pub use config::{Config, ConfigError, PeerTtl};
pub use fsm::{Action, Reason, State};
pub use instance::{Command, Instance, Tracking, Transmit};
pub use received::Received;
pub use router::{InstanceId, Router, RouterError, RouterStats};
pub use stats::Statistics;
pub use timer::{Deadline, Timer};
