//! Rolling `auth_hmac` out on a running pair, and rotating its key, with
//! our daemon and keepalived 2.4.3 (each side Master once), one host
//! reloaded (SIGHUP) at a time as an operator would: no `auth_hmac` →
//! `receive-only` → `permissive` → `enforce` → key 2 added → key 2 signs →
//! key 1 dropped. The measure is the VIP: it stays on the Master and never
//! shows up on the Backup through the whole sequence, and our daemon moves
//! through it without a transition or an authentication error. Needs root
//! and keepalived 2.4.3.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, State};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, Proc, Signal, say};

const KEY_1: &str = "hex:8d1e0b7a6c5f4e3d2c1b0a99887766554433221100ffeeddccbbaa9988776655";
const KEY_2: &str = "vrrp-rs-rotation-second-key-32-bytes";

/// One step of the sequence: the `auth_hmac` block both hosts end up with.
struct Step {
    name: &'static str,
    keys: &'static [(u8, &'static str)],
    active: u8,
    mode: &'static str,
}

const STEPS: [Step; 6] = [
    Step {
        name: "receive-only",
        keys: &[(1, KEY_1)],
        active: 1,
        mode: "receive-only",
    },
    Step {
        name: "permissive",
        keys: &[(1, KEY_1)],
        active: 1,
        mode: "permissive",
    },
    Step {
        name: "enforce",
        keys: &[(1, KEY_1)],
        active: 1,
        mode: "enforce",
    },
    Step {
        name: "key 2 added",
        keys: &[(1, KEY_1), (2, KEY_2)],
        active: 1,
        mode: "enforce",
    },
    Step {
        name: "key 2 signs",
        keys: &[(1, KEY_1), (2, KEY_2)],
        active: 2,
        mode: "enforce",
    },
    Step {
        name: "key 1 dropped",
        keys: &[(2, KEY_2)],
        active: 2,
        mode: "enforce",
    },
];

fn config(me: u8, priority: u8, state: State, step: Option<&Step>) -> String {
    let mut instance = Instance::new("VI_51", 51)
        .priority(priority)
        .advert_int(Duration::from_millis(100))
        .version(3)
        .state(state)
        .vip("192.0.2.100/24");
    if let Some(step) = step {
        let keys: String = step
            .keys
            .iter()
            .map(|(id, key)| format!("        key {id} {key}\n"))
            .collect();
        instance = instance.line(&format!(
            "    auth_hmac {{\n{keys}        active_key {}\n        mode {}\n    }}",
            step.active, step.mode
        ));
    }
    Config::new(&format!("host{me}"))
        .instance(instance)
        .to_string()
}

/// Writes `config` where `daemon` on `host` reads it, and sends SIGHUP.
fn reload(daemon: &Daemon, host: &Host<'_>, proc: &Proc, config: &str) {
    std::fs::write(daemon.config_path(host), config).expect("write the config");
    proc.kill(Signal::SIGHUP);
}

fn run(test: &str, ours_master: bool) {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let ours = Daemon::ours();
    let (master, backup) = if ours_master {
        (&ours, &keepalived)
    } else {
        (&keepalived, &ours)
    };
    let m = lab.host("m", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let on_m = master.start(&m, &config(1, 150, State::Master, None));
    assert!(wait_for(Duration::from_secs(10), || m.has_address(vip)).is_some());
    let on_b = backup.start(&b, &config(2, 100, State::Backup, None));
    assert!(holds_for(Duration::from_secs(1), || !b.has_address(vip)));
    let (our_host, our_proc) = if ours_master {
        (&m, &on_m)
    } else {
        (&b, &on_b)
    };
    let transitions = |status: &serde_json::Value| status["instances"][0]["transitions"].as_u64();
    let before = transitions(&lab::status(our_host, our_proc));

    // Each step: the Backup first, then the Master; receivers learn before
    // senders change (keepalived's documented order), and for the key,
    // make before break.
    for step in &STEPS {
        for (who, daemon, host, proc, me, priority, state) in [
            ("Backup", backup, &b, &on_b, 2, 100, State::Backup),
            ("Master", master, &m, &on_m, 1, 150, State::Master),
        ] {
            reload(daemon, host, proc, &config(me, priority, state, Some(step)));
            // Ten advert intervals after each reload.
            let steady = holds_for(Duration::from_secs(1), || {
                m.has_address(vip) && !b.has_address(vip)
            });
            assert!(
                steady,
                "{}: the VIP moved after the {who} ({}) reloaded:\nMaster:\n{}\nBackup:\n{}",
                step.name,
                daemon.name(),
                on_m.log(),
                on_b.log()
            );
        }
    }
    let status = lab::status(our_host, our_proc);
    assert_eq!(
        transitions(&status),
        before,
        "our daemon changed state: {status:#}"
    );
    let stats = &status["instances"][0]["stats"];
    for name in [
        "auth_ext_missing",
        "auth_ext_unknown_key",
        "auth_ext_invalid_hmac",
        "auth_ext_stale",
        "auth_ext_replay",
    ] {
        assert_eq!(stats[name], 0, "{name}: {stats:#}");
    }
    say(&format!(
        "MEASURED auth_hmac roll-out and rotation: Master {} / Backup {}: none → receive-only → \
         permissive → enforce → key 2 added → key 2 signs → key 1 dropped, 12 reloads: \
         the VIP never moved, our daemon made no transition, no authentication error",
        master.name(),
        backup.name()
    ));
}

#[test]
fn rollout_and_rotation_ours_master() {
    run("hmac_rollout_ours_master", true);
}

#[test]
fn rollout_and_rotation_keepalived_master() {
    run("hmac_rollout_keepalived_master", false);
}
