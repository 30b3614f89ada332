//! Arbitrary input sequences against 1–3 real instances, on a LAN or in a
//! Router with a sync group; invariants checked after every input. The
//! properties: `vrrp_props::instance_inputs`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vrrp_props::instance_inputs::Scenario;

fuzz_target!(|scenario: Scenario| scenario.run());
