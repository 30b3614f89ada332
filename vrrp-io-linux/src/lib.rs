//! Linux I/O for vrrp-core: the event loop, sockets, netlink, track scripts and
//! the keepalived.conf reader.
//!
//! - [`config`]: reads keepalived.conf (with includes) into a typed, validated
//!   model. Pure: it reads files and nothing else.

pub mod config;
