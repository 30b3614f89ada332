//! Arbitrary bytes (a family byte, then a VRRP message) through parse, emit
//! and re-parse. The properties: `vrrp_props::wire_parse`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vrrp_props::wire_parse::check(data));
