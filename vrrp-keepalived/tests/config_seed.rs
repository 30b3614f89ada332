//! The seed article's master and backup configurations load, as keepalived
//! would read them, with the two warnings they deserve.

use std::net::IpAddr;
use std::path::PathBuf;

use vrrp_keepalived::conf::{
    AuthType, Centiseconds, Family, InitialState, Loaded, Severity, VrrpVersion, load,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load_fixture(name: &str) -> Loaded {
    load(&fixture(name)).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn master_config_reads_like_keepalived() {
    let loaded = load_fixture("seed-master.conf");
    let config = &loaded.config;
    assert_eq!(config.global.router_id.as_deref(), Some("ovp_vrrp"));

    let script = config.script("haproxy_check").expect("vrrp_script");
    assert_eq!(script.script.as_ref().unwrap().value, "killall -0 haproxy");
    assert_eq!(script.interval, Some(std::time::Duration::from_secs(2)));
    assert_eq!(
        script.weight.as_ref().map(|w| (w.value, w.reverse)),
        Some((2, false))
    );

    assert_eq!(config.instances.len(), 1);
    let instance = &config.instances[0];
    assert_eq!(instance.name, "OCP_EXT");
    assert_eq!(instance.interface.as_ref().unwrap().value, "ens192");
    assert_eq!(instance.virtual_router_id.as_ref().unwrap().value, 51);
    assert_eq!(instance.priority.as_ref().unwrap().value, 100);
    assert_eq!(instance.state.as_ref().unwrap().value, InitialState::Master);
    assert_eq!(instance.family(), Family::Ipv4);
    assert_eq!(config.effective_version(instance), VrrpVersion::V2);
    assert_eq!(instance.effective_advert_int(), Centiseconds(100));

    let vip = &instance.virtual_ipaddress[0];
    assert_eq!(vip.addr, "192.0.2.100".parse::<IpAddr>().unwrap());
    assert_eq!(vip.prefix_len, 32);
    assert_eq!(vip.dev.as_deref(), Some("ens192"));
    assert_eq!(instance.virtual_ipaddress.len(), 1);

    assert_eq!(instance.track_scripts.len(), 1);
    let tracked = &instance.track_scripts[0];
    assert_eq!(tracked.name, "haproxy_check");
    assert!(tracked.weight.is_none(), "the script's own weight applies");
    assert!(config.script(&tracked.name).is_some());

    let auth = instance.authentication.as_ref().unwrap();
    assert_eq!(auth.auth_type.as_ref().unwrap().value, AuthType::Pass);
    assert_eq!(auth.auth_pass.as_ref().unwrap().value, b"1cee4b6e");
}

#[test]
fn backup_differs_only_in_priority_and_state() {
    let master = load_fixture("seed-master.conf").config;
    let backup = load_fixture("seed-backup.conf").config;
    let b = &backup.instances[0];
    assert_eq!(b.name, "OCP_EXT");
    assert_eq!(b.virtual_router_id.as_ref().unwrap().value, 51);
    assert_eq!(b.priority.as_ref().unwrap().value, 98);
    assert_eq!(b.state.as_ref().unwrap().value, InitialState::Backup);
    let m = &master.instances[0];
    assert_eq!(b.virtual_ipaddress[0].addr, m.virtual_ipaddress[0].addr);
    assert_eq!(b.track_scripts[0].name, "haproxy_check");
    let pass = |i: &vrrp_keepalived::conf::VrrpInstance| {
        i.authentication
            .as_ref()
            .unwrap()
            .auth_pass
            .as_ref()
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(pass(b), pass(m));
}

#[test]
fn seed_warns_about_the_password_the_weight_and_root_scripts() {
    for name in ["seed-master.conf", "seed-backup.conf"] {
        let loaded = load_fixture(name);
        let shown: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(loaded.warnings.len(), 3, "{shown:#?}");
        assert!(
            loaded
                .warnings
                .iter()
                .all(|w| w.severity == Severity::Warning)
        );

        let path = fixture(name).display().to_string();
        let truncated = &shown[0];
        assert!(
            truncated.starts_with(&format!("{path}:31:1: auth_pass is 36 bytes")),
            "{truncated}"
        );
        assert!(
            truncated.contains("truncated to \"1cee4b6e\""),
            "{truncated}"
        );

        let weight = &shown[1];
        assert!(
            weight.starts_with(&format!("{path}:13:1: weight 2 of `haproxy_check`")),
            "{weight}"
        );
        // One file cannot see the other host's priority: it says so and
        // points to --verify, which reads both.
        assert!(weight.contains("exceeds the priority gap"), "{weight}");
        assert!(weight.contains("--verify"), "{weight}");

        // keepalived -t calls this a SECURITY VIOLATION: killall runs as root.
        let root = &shown[2];
        assert!(
            root.starts_with(&format!("{path}:10:1: this script may run as root")),
            "{root}"
        );
    }
}
