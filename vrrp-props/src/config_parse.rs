//! `config_parse`: arbitrary text through the keepalived.conf reader.
//!
//! The bytes are read as UTF-8, invalid sequences replaced (as
//! [`load`](vrrp_keepalived::conf::load) reads a file). Properties:
//!
//! - [`parse_str`] never panics, and neither does displaying what it returns;
//! - every error and every warning has a position, in the file named by the
//!   origin, on a line of the text (1 ≤ line ≤ number of lines) and at most
//!   one column past that line's end (columns count characters);
//! - a configuration that loads runs: every instance's VRRP settings
//!   ([`vrrp_config`]) make a [`vrrp_core::Instance`]. (That the driver's
//!   mapping takes it too is checked by vrrp-keepalived's own tests: this
//!   crate stays off the Linux stack.)

use vrrp_keepalived::conf::{KeepalivedConfig, Span, parse_str, vrrp_config};

/// The name positions carry.
pub const ORIGIN: &str = "fuzz.conf";

/// Runs the target on one input; panics if a property fails.
pub fn check(data: &[u8]) {
    check_text(&String::from_utf8_lossy(data));
}

/// The properties for text that is already UTF-8.
pub fn check_text(text: &str) {
    match parse_str(text, ORIGIN) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                let _ = warning.to_string();
                assert_inside(text, &warning.at, &warning.message);
            }
            runs(&loaded.config);
        }
        Err(error) => {
            let message = error.to_string();
            let span = error
                .span()
                .unwrap_or_else(|| panic!("no position: {message}"));
            assert_inside(text, span, &message);
        }
    }
}

/// Panics unless `span` lies inside `text`.
fn assert_inside(text: &str, span: &Span, message: &str) {
    assert_eq!(&*span.file, ORIGIN, "{message}");
    let line = usize::try_from(span.line).expect("u32 fits usize");
    let Some(content) = line.checked_sub(1).and_then(|i| text.split('\n').nth(i)) else {
        panic!(
            "line {} of {} lines: {message}",
            span.line,
            text.split('\n').count()
        );
    };
    let width = content.chars().count();
    assert!(
        span.column >= 1 && span.column as usize <= width + 1,
        "column {} of a line of {width} characters: {message}",
        span.column
    );
}

fn runs(config: &KeepalivedConfig) {
    for instance in &config.instances {
        if let Err(error) = vrrp_core::Instance::new(vrrp_config(config, instance)) {
            panic!("instance {} loaded but cannot run: {error}", instance.name);
        }
    }
}
