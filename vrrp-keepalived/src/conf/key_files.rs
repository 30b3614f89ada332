//! `auth_hmac`'s `key ID file:PATH`: read on the host that runs the
//! daemon, refused when others could read the secret.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;

use super::build_auth_hmac::decode;
use super::config::KeepalivedConfig;
use super::error::ConfigError;
use super::model::KeyValue;

/// The largest key file: `hex:`, 64 bytes in hex, a line end and slack.
const MAX_FILE_LEN: u64 = 4 + 128 + 8;

impl KeepalivedConfig {
    /// Reads every `auth_hmac` key kept in a file into the configuration.
    /// A file that cannot be read, holds no valid key, or is readable by
    /// group or others (keepalived reports that as a security error) is
    /// an error at the key's position.
    pub fn read_key_files(&mut self) -> Result<(), ConfigError> {
        let keys = self
            .instances
            .iter_mut()
            .filter_map(|instance| instance.auth_hmac.as_mut())
            .flat_map(|auth| auth.keys.iter_mut());
        for key in keys {
            let KeyValue::File(path) = &key.value.value else {
                continue;
            };
            let at = &key.value.at;
            let fail = |why: String| {
                ConfigError::invalid(at, format!("auth_hmac key file {}: {why}", path.display()))
            };
            let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
            let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(fail(format!(
                    "is readable by group or others (mode {:o}): `chmod 600` it",
                    meta.permissions().mode() & 0o777
                )));
            }
            let mut text = String::new();
            file.take(MAX_FILE_LEN + 1)
                .read_to_string(&mut text)
                .map_err(|e| fail(e.to_string()))?;
            if text.len() as u64 > MAX_FILE_LEN {
                return Err(fail("is too large for a key".into()));
            }
            let bytes = decode(text.trim_end_matches(['\n', '\r']))
                .map_err(|why| fail(format!("holds no key: expected {why}")))?;
            key.value.value = KeyValue::Bytes(bytes);
        }
        Ok(())
    }
}
