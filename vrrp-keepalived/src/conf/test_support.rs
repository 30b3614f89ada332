//! Test helpers shared by the config modules' unit tests.

use crate::conf::{ConfigError, Loaded, parse_str};

/// Scripts `small` (weight 2) and `big` (weight 10), then `body`.
pub(crate) fn load(body: &str) -> Result<Loaded, ConfigError> {
    let text = format!(
        "global_defs {{ script_user nobody }}\n\
         vrrp_script small {{\n script a\n weight 2\n}}\n\
         vrrp_script big {{\n script b\n weight 10\n}}\n{body}"
    );
    parse_str(&text, "v.conf")
}

/// A `vrrp_instance` on eth0 with `vrid` and VIP 192.0.2.`vrid`, plus `extra` lines.
pub(crate) fn instance(name: &str, vrid: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n\
         virtual_ipaddress {{ 192.0.2.{vrid} }}\n{extra}}}\n"
    )
}

/// The warnings as `file:line:col: message` strings.
pub(crate) fn messages(loaded: &Loaded) -> Vec<String> {
    loaded.warnings.iter().map(ToString::to_string).collect()
}
