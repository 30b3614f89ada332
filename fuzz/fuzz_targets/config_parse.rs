//! Arbitrary text through the keepalived.conf reader: no panic, positions
//! inside the text, a loaded configuration runs. The properties:
//! `vrrp_props::config_parse`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vrrp_props::config_parse::check(data));
