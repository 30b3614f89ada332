//! Properties: any text loads or fails cleanly, and every position it reports
//! is inside that text.

use proptest::prelude::*;
use vrrp_io_linux::config::{Span, parse_str};

/// The span names a real line of `text` and a column at most one past its end.
fn inside(text: &str, span: &Span) -> bool {
    let Some(line) = text.split('\n').nth((span.line as usize).wrapping_sub(1)) else {
        return false;
    };
    span.file.as_ref() == "prop.conf"
        && span.column >= 1
        && span.column as usize <= line.chars().count() + 1
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match parse_str(text, "prop.conf") {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                prop_assert!(
                    inside(text, &warning.at),
                    "warning outside input: {warning}"
                );
            }
        }
        Err(err) => {
            let span = err.span();
            prop_assert!(span.is_some(), "parse_str error without position: {err}");
            prop_assert!(inside(text, span.unwrap()), "error outside input: {err}");
        }
    }
    Ok(())
}

/// Text made of configuration words, so that the parser gets deep.
fn config_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{"),
        Just("}"),
        Just("\n"),
        Just("\n"),
        Just(" "),
        Just("\""),
        Just("#"),
        Just("!"),
        Just("\\"),
        Just("vrrp_instance"),
        Just("vrrp_script"),
        Just("vrrp_sync_group"),
        Just("vrrp_track_process"),
        Just("global_defs"),
        Just("group"),
        Just("interface"),
        Just("eth0"),
        Just("virtual_router_id"),
        Just("priority"),
        Just("advert_int"),
        Just("version"),
        Just("state"),
        Just("MASTER"),
        Just("virtual_ipaddress"),
        Just("unicast_src_ip"),
        Just("unicast_peer"),
        Just("track_script"),
        Just("track_process"),
        Just("authentication"),
        Just("auth_pass"),
        Just("weight"),
        Just("script"),
        Just("include"),
        Just("V"),
        Just("3"),
        Just("0.25"),
        Just("255"),
        Just("192.0.2.1"),
        Just("2001:db8::1/64"),
        Just("dev"),
    ];
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn config_like_text_never_panics(text in config_soup()) {
        check(&text)?;
    }
}

#[test]
fn a_valid_instance_survives_the_property_check() {
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 3\n \
                virtual_ipaddress { 192.0.2.1 }\n}\n";
    check(text).unwrap();
    assert!(parse_str(text, "prop.conf").is_ok());
}
