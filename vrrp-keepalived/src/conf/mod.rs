//! keepalived.conf, read as keepalived reads it, with better errors.
//!
//! Pure: no sockets, no netlink; [`load`] reads files and nothing else.
//!
//! ```
//! use vrrp_keepalived::conf::{parse_str, InitialState};
//!
//! let text = r#"
//! vrrp_script haproxy_check {
//!     script "killall -0 haproxy"
//!     interval 2
//!     weight 5
//! }
//! vrrp_instance OCP_EXT {
//!     interface ens192
//!     virtual_router_id 51
//!     priority 100
//!     state MASTER
//!     virtual_ipaddress { 192.0.2.100 dev ens192 }
//!     track_script { haproxy_check }
//! }
//! "#;
//! let loaded = parse_str(text, "keepalived.conf")?;
//! let instance = &loaded.config.instances[0];
//! assert_eq!(instance.effective_state(), InitialState::Master);
//! assert_eq!(instance.virtual_ipaddress[0].prefix_len, 32);
//! for warning in &loaded.warnings {
//!     eprintln!("{warning}"); // keepalived.conf:LINE:COLUMN: message
//! }
//! # Ok::<(), vrrp_keepalived::conf::ConfigError>(())
//! ```
//!
//! Reading happens in stages, one file each: `lexer` (tokens of a line),
//! `source` (lines of all files, `include` followed), `parser` (a generic
//! tree of `keyword args { ... }`), the `build*` files (typed model, keyword
//! by keyword) and `validate` (checks across sections).
//!
//! Errors stop the load and carry the position of the culprit; anything that
//! keepalived would accept but that is ignored, unsupported or suspicious
//! becomes a [`Warning`] with a position.

mod advice;
mod build;
mod build_address;
mod build_auth_hmac;
mod build_buffers;
mod build_garp;
mod build_global;
mod build_group;
mod build_instance;
mod build_link_delays;
mod build_linkbeat;
mod build_process;
mod build_route;
mod build_script;
mod build_smtp;
mod build_track;
mod build_track_file;
mod build_vmac;
mod build_vrf;
mod config;
mod error;
mod instance;
mod key_files;
mod lexer;
mod member_weights;
mod model;
mod parser;
mod precedence;
mod preprocess;
mod random;
mod routes;
pub(crate) mod rt_names;
mod source;
mod strict;
#[cfg(test)]
mod test_support;
mod to_core;
mod unbound;
mod validate;
mod values;

use std::path::Path;

pub(crate) use build_process::c_unsigned;
pub use config::KeepalivedConfig;
pub use error::{ConfigError, Severity, Span, Spanned, Warning};
pub use instance::{DEFAULT_ADVERT_INT, VrrpInstance};
pub use model::{
    AuthType, Authentication, Buffers, Centiseconds, DEFAULT_INTERFACE, Family, GarpExtraIf,
    GarpGroup, GarpSettings, GlobalDefs, InitFile, InitialState, IpvlanMode, LinkDelay, Notify,
    NotifyFifo, NotifyScript, ParamMatch, ProcessSettings, RunAs, RxBufsPolicy, Smtp, SyncGroup,
    TrackFile, TrackProcess, Tracked, UnicastPeer, UseIpvlan, UseVmac, VirtualAddress, VrrpScript,
    VrrpVersion, Weight,
};
pub use routes::{
    IpPrefix, IpRoute, IpRule, PROTOCOL_KEEPALIVED, RouteKind, RouteMode, RtName, RuleAction,
    TABLE_MAIN,
};

pub use rt_names::{NameKind, names_mut};
use source::{LogicalLine, SourceReader};
pub use to_core::vrrp_config;

/// A configuration that loaded, and what is worth telling about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The typed, validated configuration.
    pub config: KeepalivedConfig,
    /// Ignored, unsupported or suspicious settings, in the order found.
    pub warnings: Vec<Warning>,
}

/// keepalived's command-line settings that change what a file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// `-i` / `--config-id`: the id `@ID` lines are compared with. None
    /// drops every `@ID` line and keeps every `@^ID` one.
    pub config_id: Option<String>,
}

impl ReadOptions {
    /// keepalived's default: this host's name up to its first dot.
    pub fn this_host() -> Self {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok());
        Self {
            config_id: name
                .and_then(|n| n.trim().split('.').next().map(str::to_string))
                .filter(|n| !n.is_empty()),
        }
    }
}

/// Reads the configuration file at `path` as keepalived does on this host
/// ([`ReadOptions::this_host`]), following its includes (relative patterns
/// resolve against the including file's directory).
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    load_with(path, &ReadOptions::this_host())
}

/// Like [`load`], with `options` (another host's config id).
pub fn load_with(path: &Path, options: &ReadOptions) -> Result<Loaded, ConfigError> {
    read(options, |reader| reader.read_file(path))
}

/// Reads configuration `text`, with no config id; positions name it
/// `origin`. Any `include` is an error: use [`parse_str_in`] to allow them.
pub fn parse_str(text: &str, origin: &str) -> Result<Loaded, ConfigError> {
    parse_str_with(text, origin, None, &ReadOptions::default())
}

/// Like [`parse_str`], with includes resolved against `base_dir` (absolute
/// include paths are followed too).
pub fn parse_str_in(text: &str, origin: &str, base_dir: &Path) -> Result<Loaded, ConfigError> {
    parse_str_with(text, origin, Some(base_dir), &ReadOptions::default())
}

/// Reads configuration `text` with `options`; includes resolve against
/// `base_dir`, and without one are an error.
pub fn parse_str_with(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    options: &ReadOptions,
) -> Result<Loaded, ConfigError> {
    read(options, |reader| reader.read_text(text, origin, base_dir))
}

/// Reads as keepalived's VRRP process does: keepalived's parent reads the
/// file, then its VRRP child reads it again, `${_RANDOM}` seeded by the
/// `random_seed` the first read found (keepalived.conf(5): "to make
/// configurations repeatable"); without one, by the clock. So a file with
/// `random_seed` is read twice, the second time seeded.
fn read(
    options: &ReadOptions,
    feed: impl Fn(SourceReader<'_, &mut dyn FnMut(LogicalLine)>) -> Result<(), ConfigError>,
) -> Result<Loaded, ConfigError> {
    let first = read_seeded(options, None, &feed)?;
    match first.config.global.random_seed.as_ref() {
        Some(seed) => read_seeded(options, Some(seed.value), &feed),
        None => Ok(first),
    }
}

/// Streams what `feed` reads through the parser into the builder: each
/// top-level statement is built as soon as it is complete, then dropped,
/// so the whole file is never held as tokens or as a tree beside the
/// typed configuration. The outcome is that of reading, parsing and
/// building one after the other: a reading error anywhere comes before a
/// parse error, and that before a building error; the reader's warnings
/// come before the builder's.
fn read_seeded(
    options: &ReadOptions,
    seed: Option<u32>,
    feed: &impl Fn(SourceReader<'_, &mut dyn FnMut(LogicalLine)>) -> Result<(), ConfigError>,
) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let mut parser = parser::TreeParser::default();
    let mut builder = build::ConfigBuilder::default();
    let mut sink = |line: LogicalLine| {
        parser.line(line);
        for node in parser.complete() {
            builder.node(&node);
        }
    };
    feed(SourceReader::new(
        &mut warnings,
        options.config_id.clone(),
        seed,
        &mut sink,
    ))?;
    for node in parser.finish()? {
        builder.node(&node);
    }
    let (mut config, built) = builder.finish()?;
    warnings.extend(built);
    for instance in &mut config.instances {
        unbound::settle(instance, &mut warnings);
        build_vmac::settle(instance, &mut warnings);
    }
    strict::apply_strict_mode(&mut config, &mut warnings)?;
    validate::validate(&config, &mut warnings)?;
    Ok(Loaded { config, warnings })
}
