//! Linux I/O building blocks for VRRP.
//!
//! The sans-I/O core (`vrrp-core`) decides *what* to do; this crate holds the
//! syscalls that do it. Every block is non-blocking and small enough to be
//! registered in one [`mio::Poll`] loop; none of them owns a thread, a timer or
//! a runtime.
