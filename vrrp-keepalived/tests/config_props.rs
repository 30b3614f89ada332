//! Properties: any text loads or fails cleanly, and every position it reports
//! is inside that text; a configuration that loads, the driver's mapping
//! takes (or names a script user the host lacks), and every instance it
//! maps makes a [`vrrp_core::Instance`]. The last property is vrrp-props'
//! `config_parse` one, kept here because vrrp-props stays off the Linux
//! stack; it runs on the fuzz corpus too.

use std::path::Path;

use proptest::prelude::*;
use vrrp_keepalived::conf::{ConfigError, KeepalivedConfig, Span, parse_str};
use vrrp_keepalived::driver_config;

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
            maps(text, &loaded.config)?;
        }
        Err(err) => {
            let span = err.span();
            prop_assert!(span.is_some(), "parse_str error without position: {err}");
            prop_assert!(inside(text, span.unwrap()), "error outside input: {err}");
        }
    }
    Ok(())
}

/// The driver's mapping takes a loaded configuration, and each instance runs.
fn maps(text: &str, config: &KeepalivedConfig) -> Result<(), TestCaseError> {
    let driver = match driver_config(config) {
        Ok(driver) => driver,
        // The one way the host may refuse a valid configuration: a script
        // user or group it does not have.
        Err(ConfigError::Invalid { at, message }) if message.contains("does not exist") => {
            prop_assert!(inside(text, &at), "error outside input: {message}");
            return Ok(());
        }
        Err(other) => {
            return Err(TestCaseError::fail(format!(
                "loaded, then refused by driver_config: {other}"
            )));
        }
    };
    for spec in driver.instances {
        if let Err(error) = vrrp_core::Instance::new(spec.vrrp.clone()) {
            return Err(TestCaseError::fail(format!(
                "instance {} loaded but cannot run: {error}",
                spec.name
            )));
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

/// The `config_parse` fuzz seeds and regressions, through the same checks
/// (with their own name as the origin, as the fuzz property reads them).
#[test]
fn the_fuzz_corpus_maps_onto_the_driver() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut count = 0;
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join("config_parse")) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).expect("readable input"))
                .into_owned();
            if let Ok(loaded) = parse_str(&text, "prop.conf") {
                maps(&text, &loaded.config).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                count += 1;
            }
        }
    }
    assert!(count > 0, "no config_parse seed loads");
}
