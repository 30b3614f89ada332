//! The proptest twins of the fuzz targets: random bytes into the very
//! functions `fuzz/fuzz_targets/*.rs` call, on a stable toolchain and with
//! real checksums, plus generators that reach deeper than random bytes.
//!
//! `PROPTEST_CASES` raises the case counts (e.g. `PROPTEST_CASES=100000`).

use proptest::prelude::*;
use vrrp_props::{config_parse, instance_inputs, wire_parse};

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

/// A VRRP header whose length fits its count, often with a valid version
/// and type, after a selector byte; random bytes rarely get that far.
fn fitting_message() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u8>(),
        prop_oneof![Just(0x21u8), Just(0x31), any::<u8>()],
        any::<[u8; 7]>(),
        prop_oneof![Just(0usize), Just(8), 0usize..4],
        any::<u8>(),
    )
        .prop_map(|(selector, version_type, mut rest, extra, fill)| {
            rest[2] %= 4; // count
            let family_len = if selector & 1 == 0 { 4 } else { 16 };
            let mut bytes = vec![selector, version_type];
            bytes.extend_from_slice(&rest);
            bytes.resize(1 + 8 + usize::from(rest[2]) * family_len + extra, fill);
            bytes
        })
}

/// Text made of keepalived.conf words, so the parser gets past the lexer.
fn config_soup() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "{",
        "}",
        "\n",
        "\n",
        " ",
        "\"",
        "#",
        "!",
        "\\",
        "vrrp_instance",
        "vrrp_script",
        "vrrp_sync_group",
        "global_defs",
        "group",
        "interface",
        "eth0",
        "virtual_router_id",
        "priority",
        "advert_int",
        "version",
        "state",
        "MASTER",
        "BACKUP",
        "nopreempt",
        "preempt_delay",
        "virtual_ipaddress",
        "unicast_src_ip",
        "unicast_peer",
        "track_script",
        "track_interface",
        "authentication",
        "auth_type",
        "PASS",
        "auth_pass",
        "weight",
        "script",
        "user",
        "root",
        "interval",
        "include",
        "V",
        "3",
        "2",
        "0",
        "-5",
        "0.25",
        "255",
        "256",
        "192.0.2.1",
        "192.0.2.1/24",
        "2001:db8::1/64",
        "fe80::1",
        "dev",
        "native_ipv6",
        "vrrp_skip_check_adv_addr",
        "vrrp_strict",
    ]);
    prop::collection::vec(word, 0..120).prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(cases(5_000))]

    #[test]
    fn wire_parse_random_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        wire_parse::check(&data);
    }

    #[test]
    fn wire_parse_fitting_lengths(data in fitting_message()) {
        wire_parse::check(&data);
    }

    #[test]
    fn config_parse_random_text(text in any::<String>()) {
        config_parse::check_text(&text);
    }

    #[test]
    fn config_parse_random_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        config_parse::check(&data);
    }

    #[test]
    fn config_parse_keepalived_words(text in config_soup()) {
        config_parse::check_text(&text);
    }
}

proptest! {
    #![proptest_config(cases(5_000))]

    #[test]
    fn instance_inputs_random_scenarios(data in prop::collection::vec(any::<u8>(), 0..2_000)) {
        instance_inputs::check(&data);
    }
}
