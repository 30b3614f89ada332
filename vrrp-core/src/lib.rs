//! Sans-I/O VRRP: RFC 9568 (VRRPv3, IPv4 and IPv6) and RFC 3768 (VRRPv2).

#![forbid(unsafe_code)]

pub mod time;
pub mod wire;
