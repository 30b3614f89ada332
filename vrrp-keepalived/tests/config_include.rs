//! `include` with globs, relative to the including file, loops refused.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use vrrp_keepalived::conf::{ConfigError, load, parse_str, parse_str_in};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let unique = format!(
            "vrrp-config-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(unique);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const INSTANCE: &str = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    \
                        virtual_ipaddress {\n        include ../vips/*.vip\n    }\n    \
                        track_script { chk }\n    frobnicate\n}\n";

#[test]
fn glob_includes_in_sorted_order_relative_to_the_including_file() {
    let dir = TempDir::new("glob");
    let main = dir.write(
        "keepalived.conf",
        "global_defs {\n  router_id lb\n  script_user nobody\n}\ninclude conf.d/*.conf\n",
    );
    dir.write(
        "conf.d/10-script.conf",
        "vrrp_script chk {\n  script \"true\"\n}\n",
    );
    dir.write("conf.d/20-instance.conf", INSTANCE);
    dir.write("conf.d/ignored.txt", "this is not matched {\n");
    dir.write("vips/b.vip", "192.0.2.2\n");
    dir.write("vips/a.vip", "192.0.2.1/24 dev eth0\n");

    let loaded = load(&main).unwrap_or_else(|err| panic!("{err}"));
    let config = &loaded.config;
    assert_eq!(config.global.router_id.as_deref(), Some("lb"));
    assert_eq!(config.scripts[0].name, "chk");
    let instance = &config.instances[0];
    let vips: Vec<String> = instance
        .virtual_ipaddress
        .iter()
        .map(|v| v.addr.to_string())
        .collect();
    assert_eq!(vips, ["192.0.2.1", "192.0.2.2"], "sorted by file name");

    let a_vip = &instance.virtual_ipaddress[0].at;
    assert!(a_vip.file.ends_with("vips/a.vip"), "{a_vip}");
    assert_eq!((a_vip.line, a_vip.column), (1, 1));
    assert!(instance.at.file.ends_with("conf.d/20-instance.conf"));

    // The unknown keyword is reported in the included file, at its line.
    assert_eq!(loaded.warnings.len(), 1);
    let shown = loaded.warnings[0].to_string();
    assert!(
        shown.contains("conf.d/20-instance.conf:8:5: unknown keyword `frobnicate`"),
        "{shown}"
    );
}

#[test]
fn absolute_includes_and_parse_str_in() {
    let dir = TempDir::new("abs");
    let script = dir.write("scripts.conf", "vrrp_script chk {\n  script /bin/true\n}\n");
    let text = format!("include {}\n", script.display());
    let loaded = parse_str_in(&text, "inline", Path::new("/nonexistent")).unwrap();
    assert_eq!(loaded.config.scripts[0].name, "chk");

    let relative = parse_str_in("include scripts.conf\n", "inline", &dir.0).unwrap();
    assert_eq!(relative.config.scripts[0].name, "chk");

    let err = parse_str("include scripts.conf\n", "inline").unwrap_err();
    assert!(matches!(err, ConfigError::Include { .. }));
    assert!(
        err.to_string()
            .starts_with("inline:1:1: include needs a directory")
    );
}

#[test]
fn include_loops_are_errors() {
    let dir = TempDir::new("loop");
    let a = dir.write("a.conf", "include b.conf\n");
    dir.write("b.conf", "# b includes a again\ninclude a.conf\n");
    let err = load(&a).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, ConfigError::Include { .. }), "{shown}");
    assert!(shown.contains("b.conf:2:1: include loop:"), "{shown}");

    let selfish = dir.write("self.conf", "include self.conf\n");
    assert!(
        load(&selfish)
            .unwrap_err()
            .to_string()
            .contains("include loop")
    );
}

#[test]
fn unmatched_include_warns_but_includer_fails() {
    let dir = TempDir::new("nomatch");
    let plain = dir.write("plain.conf", "include conf.d/*.conf\n");
    let loaded = load(&plain).unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0]
            .to_string()
            .contains("plain.conf:1:1: include")
    );
    assert!(loaded.warnings[0].message.contains("matches no file"));

    let strict = dir.write("strict.conf", "\n  includer conf.d/*.conf\n");
    let err = load(&strict).unwrap_err().to_string();
    assert!(err.contains("strict.conf:2:3: include"), "{err}");
    assert!(err.contains("matches no file"), "{err}");
}

#[test]
fn a_block_may_open_in_one_file_and_close_in_another() {
    let dir = TempDir::new("split");
    let main = dir.write(
        "keepalived.conf",
        "vrrp_instance V {\n  include body.inc\n}\n",
    );
    dir.write(
        "body.inc",
        "interface eth0\nvirtual_router_id 3\nvirtual_ipaddress { 192.0.2.3 }\n",
    );
    let loaded = load(&main).unwrap();
    assert_eq!(
        loaded.config.instances[0]
            .virtual_router_id
            .as_ref()
            .unwrap()
            .value,
        3
    );
}

#[test]
fn unreadable_files_name_the_path() {
    let dir = TempDir::new("missing");
    let missing = dir.0.join("nope.conf");
    let err = load(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read:", missing.display()))
    );
}
