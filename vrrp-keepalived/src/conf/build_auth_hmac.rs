//! `auth_hmac { ... }` (keepalived 2.4) into [`AuthHmac`].

use std::path::PathBuf;

use vrrp_core::auth_hmac::{KEY_MAX, KEY_MIN, Mode, WINDOW_MAX_SECS};

use super::error::{ConfigError, Spanned};
use super::model::{AuthHmac, HmacKey, KeyValue};
use super::parser::Node;
use super::values::{Ctx, bad, missing, number_in};

/// `auth_hmac { key ID VALUE ... active_key ID anti_replay time|monotonic
/// time_window SECONDS mode enforce|permissive|receive-only }`.
///
/// keepalived reports a bad key and runs without it (with an undefined
/// `active_key`, without authentication at all); a setting that changes
/// what is on the wire is never dropped here: every error refuses the file.
/// A second block adds to the `first`, as keepalived reads it.
pub(crate) fn auth_hmac(
    ctx: &mut Ctx<'_>,
    node: &Node,
    first: Option<AuthHmac>,
) -> Result<AuthHmac, ConfigError> {
    let mut auth = first.unwrap_or_else(|| AuthHmac {
        at: node.at.clone(),
        keys: Vec::new(),
        active_key: None,
        monotonic: None,
        time_window: None,
        mode: None,
    });
    for item in ctx.block(node)? {
        match item.keyword.as_str() {
            "key" => {
                ctx.no_block(item)?;
                ctx.extra_args(item, 2);
                let (Some(id), Some(value)) = (item.args.first(), item.args.get(1)) else {
                    return Err(missing(
                        item,
                        "a key id 1..255 and a value (hex:..., text or file:PATH)",
                    ));
                };
                let id = Spanned::new(number_in(item, id, 1, 255)? as u8, id.at.clone());
                if let Some(first) = auth.keys.iter().find(|k| k.id.value == id.value) {
                    return Err(ConfigError::invalid(
                        &id.at,
                        format!(
                            "auth_hmac key {} is defined twice (first at line {})",
                            id.value, first.id.at.line
                        ),
                    ));
                }
                let value = match value.text.strip_prefix("file:") {
                    Some(path) => KeyValue::File(PathBuf::from(path)),
                    None => {
                        KeyValue::Bytes(decode(&value.text).map_err(|why| bad(item, value, &why))?)
                    }
                };
                auth.keys.push(HmacKey {
                    id,
                    value: Spanned::new(value, item.args[1].at.clone()),
                });
            }
            "active_key" => auth.active_key = Some(ctx.u8_in(item, 1, 255)?),
            "anti_replay" => {
                let arg = ctx.value(item, "time or monotonic")?;
                let monotonic = match arg.text.as_str() {
                    "time" => false,
                    "monotonic" => true,
                    _ => return Err(bad(item, arg, "time or monotonic")),
                };
                auth.monotonic = Some(Spanned::new(monotonic, arg.at.clone()));
            }
            "time_window" => {
                let arg = ctx.value(item, "seconds 1..300")?;
                let secs = number_in(item, arg, 1, u64::from(WINDOW_MAX_SECS))? as u16;
                auth.time_window = Some(Spanned::new(secs, arg.at.clone()));
            }
            "mode" => {
                let arg = ctx.value(item, "enforce, permissive or receive-only")?;
                let mode = match arg.text.as_str() {
                    "enforce" => Mode::Enforce,
                    "permissive" => Mode::Permissive,
                    "receive-only" => Mode::ReceiveOnly,
                    _ => return Err(bad(item, arg, "enforce, permissive or receive-only")),
                };
                auth.mode = Some(Spanned::new(mode, arg.at.clone()));
            }
            _ => ctx.unknown(item, "auth_hmac"),
        }
    }
    Ok(auth)
}

/// A key as written inline or in its file: `hex:` and hex digits, else
/// the text's bytes; 32..=64 bytes.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = match text.strip_prefix("hex:") {
        Some(hex) => {
            if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("hex: and an even number of hex digits".into());
            }
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
                .collect()
        }
        None => text.as_bytes().to_vec(),
    };
    if (KEY_MIN..=KEY_MAX).contains(&bytes.len()) {
        Ok(bytes)
    } else {
        Err(format!(
            "a key of {KEY_MIN} to {KEY_MAX} bytes (this one has {})",
            bytes.len()
        ))
    }
}

#[cfg(test)]
mod test {
    use vrrp_core::auth_hmac::{AntiReplay, Key, Mode};

    use crate::conf::test_support::{instance, load, messages};
    use crate::conf::vrrp_config;

    const HEX: &str = "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn hmac_of(block: &str) -> Result<vrrp_core::auth_hmac::HmacConfig, String> {
        let text = instance(
            "A",
            1,
            &format!(" advert_int 2\n auth_hmac {{\n{block} }}\n"),
        );
        let loaded = load(&text).map_err(|e| e.to_string())?;
        let core = vrrp_config(&loaded.config, &loaded.config.instances[0]);
        Ok(core.auth_hmac.expect("auth_hmac"))
    }

    #[test]
    fn keepalived_defaults_and_every_setting() {
        let hmac = hmac_of(&format!(" key 1 {HEX}\n active_key 1\n")).unwrap();
        assert_eq!(
            hmac.keys,
            [Key {
                id: 1,
                bytes: (0..32).collect()
            }]
        );
        assert_eq!(hmac.mode, Mode::Enforce);
        assert_eq!(
            hmac.anti_replay,
            AntiReplay::Time { window_secs: 6 },
            "3 x 2 s"
        );

        let text_key = "a-passphrase-of-thirty-two-bytes";
        let hmac = hmac_of(&format!(
            " key 1 {HEX}\n key 9 {text_key}\n active_key 9\n anti_replay time\n \
             time_window 30\n mode receive-only\n"
        ))
        .unwrap();
        assert_eq!(
            hmac.keys[1],
            Key {
                id: 9,
                bytes: text_key.as_bytes().to_vec()
            }
        );
        assert_eq!(hmac.active_key, 9);
        assert_eq!(hmac.mode, Mode::ReceiveOnly);
        assert_eq!(hmac.anti_replay, AntiReplay::Time { window_secs: 30 });
        let hmac = hmac_of(&format!(
            " key 1 {HEX}\n active_key 1\n anti_replay monotonic\n mode permissive\n"
        ))
        .unwrap();
        assert_eq!(hmac.anti_replay, AntiReplay::Monotonic);
        assert_eq!(hmac.mode, Mode::Permissive);
    }

    #[test]
    fn what_keepalived_would_run_unauthenticated_is_refused_at_its_line() {
        for (block, expected) in [
            (
                " key 1 short\n active_key 1\n".to_owned(),
                "v.conf:16:8: expected a key of 32 to 64 bytes (this one has 5) after key, found \"short\"",
            ),
            (
                " key 1 hex:0g\n active_key 1\n".to_owned(),
                "v.conf:16:8: expected hex: and an even number of hex digits after key, found \"hex:0g\"",
            ),
            (
                " key 0 hex:00\n".to_owned(),
                "v.conf:16:6: expected a number 1..255 after key, found \"0\"",
            ),
            (
                format!(" key 1 {HEX}\n"),
                "v.conf:15:2: vrrp_instance A: auth_hmac has no active_key",
            ),
            (
                format!(" key 1 {HEX}\n active_key 2\n"),
                "v.conf:17:13: vrrp_instance A: auth_hmac active_key 2 is not defined",
            ),
            (
                format!(" key 1 {HEX}\n key 1 {HEX}\n active_key 1\n"),
                "v.conf:17:6: auth_hmac key 1 is defined twice (first at line 16)",
            ),
            (
                format!(" key 1 {HEX}\n active_key 1\n mode strict\n"),
                "v.conf:18:7: expected enforce, permissive or receive-only after mode, found \"strict\"",
            ),
            (
                format!(" key 1 {HEX}\n active_key 1\n time_window 301\n"),
                "v.conf:18:14: expected a number 1..300 after time_window, found \"301\"",
            ),
        ] {
            let error = hmac_of(&block).unwrap_err();
            assert!(error.starts_with(expected), "{block}: {error}");
        }
    }

    #[test]
    fn a_password_beside_auth_hmac_is_dropped_with_a_warning() {
        let text = instance(
            "A",
            1,
            &format!(
                " version 2\n authentication {{\n auth_type PASS\n auth_pass secret\n }}\n \
                 auth_hmac {{\n key 1 {HEX}\n active_key 1\n }}\n"
            ),
        );
        let loaded = load(&text).unwrap();
        let core = vrrp_config(&loaded.config, &loaded.config.instances[0]);
        assert_eq!(core.auth, vrrp_core::wire::Auth::None);
        assert!(core.auth_hmac.is_some());
        assert_eq!(
            messages(&loaded),
            [
                "v.conf:15:2: vrrp_instance A: auth_hmac and authentication are exclusive: the \
              authentication block is dropped (as keepalived does)"
            ]
        );
    }

    #[test]
    fn key_files_are_read_on_this_host_and_refused_when_others_can_read_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("vrrp-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, format!("{HEX}\n")).unwrap();
        let text = instance(
            "A",
            1,
            &format!(
                " auth_hmac {{\n key 1 file:{}\n active_key 1\n }}\n",
                file.display()
            ),
        );
        let mut loaded = load(&text).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let error = loaded
            .config
            .clone()
            .read_key_files()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("is readable by group or others (mode 640)"),
            "{error}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        loaded.config.read_key_files().unwrap();
        let core = vrrp_config(&loaded.config, &loaded.config.instances[0]);
        assert_eq!(
            core.auth_hmac.unwrap().keys[0].bytes,
            (0..32).collect::<Vec<u8>>()
        );
        std::fs::write(&file, "too short").unwrap();
        let mut again = load(&text).unwrap();
        let error = again.config.read_key_files().unwrap_err().to_string();
        assert!(error.contains("holds no key"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
