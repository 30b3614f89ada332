//! keepalived's dump files against the real thing: keepalived 2.2.7, 2.4.3
//! and our daemon run one configuration through one story in the lab, and
//! on `--signum` DATA, STATS and JSON write keepalived.data, .stats and
//! .json into their `$TMPDIR` (the host's directory: the lab's hosts share
//! /tmp). Each file is read as keepalived-exporter reads it, and every
//! field the exporter reads is compared between the three.
//!
//! Two instances: VI_1 with two addresses, an excluded one and a track
//! script; VI_2 with `use_vmac`, which keepalived names apart.
//!
//! The story: `a` (priority 150) and `b` (100) start; `a` is Master. `a`
//! stops (priority 0), `b` takes over. `a` starts again and preempts `b`.
//! `b`'s track script (weight 0) fails: `b` goes to Fault.
//! Advertisement counts depend on timing, so they are held to what the
//! peer counted; everything else must be equal.

mod exporter_rules;

use vrrp_lab as lab;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use exporter_rules::{
    Series, View, exporter_series, parse_data, parse_json, parse_stats, scraped_series, untimed,
};
use lab::keepalived::{Config, Instance, Script, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, Signal};

/// Sends signal `number` to `daemon` as `kill -N` does.
fn signal(daemon: &Proc, number: &str) {
    let pid = daemon.pid().to_string();
    let status = Command::new("kill")
        .args([&format!("-{number}"), &pid])
        .status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{number} {pid}");
}

/// The signal numbers of DATA, STATS and JSON, as `program --signum` says.
fn signums(program: &str) -> [String; 3] {
    ["DATA", "STATS", "JSON"].map(|func| {
        let out = Command::new(program)
            .arg(format!("--signum={func}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{program} --signum={func}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    })
}

/// Asks `daemon` for its three files in `dir` and reads them: the text
/// view (data + stats) and the JSON view.
fn dumps(daemon: &Proc, signums: &[String; 3], dir: &Path) -> (View, View) {
    let names = ["keepalived.data", "keepalived.stats", "keepalived.json"];
    let mut texts = Vec::new();
    for (number, name) in signums.iter().zip(names) {
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        signal(daemon, number);
        let written = wait_for(Duration::from_secs(3), || path.exists());
        assert!(
            written.is_some(),
            "no {} after kill -{number}",
            path.display()
        );
        // keepalived writes in place: let it finish.
        std::thread::sleep(Duration::from_millis(100));
        texts.push(std::fs::read_to_string(&path).unwrap());
    }
    let mut text = View::default();
    parse_data(&texts[0], &mut text);
    parse_stats(&texts[1], &mut text);
    (text, parse_json(&texts[2]))
}

/// One daemon's views at each step: (step, host, text view, JSON view,
/// and for ours the `keepalived_*` series it serves).
type Story = Vec<(&'static str, &'static str, View, View, Series)>;

/// Writes `host`'s check script, exiting `status`; renamed into place, so
/// a run in flight keeps the old one.
fn check_script(host: &Host<'_>, status: u8) -> String {
    let (script, temp) = (host.dir().join("check.sh"), host.dir().join("check.tmp"));
    std::fs::write(&temp, format!("#!/bin/sh\nexit {status}\n")).unwrap();
    std::fs::set_permissions(&temp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::rename(&temp, &script).unwrap();
    script.display().to_string()
}

fn config(host: &Host<'_>, priority: u8) -> String {
    let script = check_script(host, 0);
    let check = Script::new("chk", &script, 1);
    Config::new(host.name())
        .script(check)
        .instance(
            Instance::new("VI_1", 51)
                .priority(priority)
                .vip("192.0.2.100")
                .vip("192.0.2.101/24")
                .line("virtual_ipaddress_excluded {\n        192.0.2.102\n    }")
                .track_script("chk"),
        )
        .instance(
            Instance::new("VI_2", 52)
                .priority(priority)
                .use_vmac()
                .vip("192.0.2.110"),
        )
        .to_string()
}

/// Where our daemon serves its metrics on each host.
const METRICS_PORT: u16 = 9650;

/// Starts `daemon` on `host` with its dump files in the host's directory
/// (and ours with its metrics on [`METRICS_PORT`]).
fn start(daemon: &Daemon, host: &Host<'_>, config: &str) -> Proc {
    let metrics = format!("127.0.0.1:{METRICS_PORT}");
    let extra: &[&str] = if daemon.is_keepalived() {
        &[]
    } else {
        &["--metrics-listen", &metrics]
    };
    daemon.start_with(host, config, extra)
}

/// Runs the story with `daemon` on both hosts.
fn story(daemon: &Daemon, program: &str) -> Option<Story> {
    let lab = Lab::new(&format!("monitor_files_{}", daemon.name()))?;
    let signums = signums(program);
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let vip = "192.0.2.100".parse().unwrap();
    let (config_a, config_b) = (config(&a, 150), config(&b, 100));
    let mut on_a = start(daemon, &a, &config_a);
    let on_b = start(daemon, &b, &config_b);
    let mut views = Story::new();
    let mut look = |step, name, host: &Host<'_>, proc: &Proc| {
        let (text, json) = dumps(proc, &signums, host.dir());
        let series = if daemon.is_keepalived() {
            Series::new()
        } else {
            let local = "127.0.0.1".parse().unwrap();
            scraped_series(&host.http_get(local, METRICS_PORT).expect("our metrics"))
        };
        views.push((step, name, text, json, series));
    };

    assert!(wait_for(Duration::from_secs(10), || a.has_address(vip)).is_some());
    std::thread::sleep(Duration::from_secs(1));
    look("started", "a", &a, &on_a);
    look("started", "b", &b, &on_b);

    on_a.kill(Signal::SIGTERM);
    assert!(on_a.wait_exit(Duration::from_secs(5)).is_some(), "a stops");
    assert!(wait_for(Duration::from_secs(5), || b.has_address(vip)).is_some());
    std::thread::sleep(Duration::from_secs(1));
    look("a stopped", "b", &b, &on_b);

    let on_a = start(daemon, &a, &config_a);
    assert!(wait_for(Duration::from_secs(10), || a.has_address(vip)).is_some());
    assert!(wait_for(Duration::from_secs(5), || !b.has_address(vip)).is_some());
    std::thread::sleep(Duration::from_secs(1));
    look("a preempted", "a", &a, &on_a);
    look("a preempted", "b", &b, &on_b);

    check_script(&b, 1);
    let fault = || dumps(&on_b, &signums, b.dir()).0.vrrps["VI_1"].state == 3;
    assert!(
        wait_for(Duration::from_secs(6), fault).is_some(),
        "b in FAULT"
    );
    look("b's check failed", "b", &b, &on_b);
    Some(views)
}

/// Holds the advertisement counts of one step to each other: the Backup
/// received about what the Master sent (the Master's count goes on while
/// the files are written; `a` restarted counts its own term only).
fn check_adverts(name: &str, story: &Story) {
    let count = |step, host, counter: &str| {
        let (_, _, text, _, _) = story
            .iter()
            .find(|(s, h, _, _, _)| *s == step && *h == host)
            .unwrap();
        text.vrrps["VI_1"].stats[counter]
    };
    let (sent, rcvd) = (
        count("started", "a", "advert_sent"),
        count("started", "b", "advert_rcvd"),
    );
    assert!(
        rcvd >= 1 && (sent - rcvd).abs() <= 2,
        "{name}: a sent {sent}, b received {rcvd}"
    );
    let (sent, rcvd) = (
        count("a preempted", "a", "advert_sent"),
        count("a preempted", "b", "advert_rcvd"),
    );
    assert!(
        sent >= 1 && rcvd >= sent,
        "{name}: a sent {sent} since its restart, b received {rcvd} in all"
    );
}

/// The story as any of the three must tell it: (step, host) → state,
/// Masters begun, Masters released, priority-0 adverts received, the
/// check script's status.
const EXPECTED: [(&str, &str, i64, i64, i64, i64, &str); 6] = [
    ("started", "a", 2, 1, 0, 0, "GOOD"),
    ("started", "b", 1, 0, 0, 0, "GOOD"),
    ("a stopped", "b", 2, 1, 0, 1, "GOOD"),
    ("a preempted", "a", 2, 1, 0, 0, "GOOD"),
    ("a preempted", "b", 1, 1, 1, 1, "GOOD"),
    ("b's check failed", "b", 3, 1, 1, 1, "BAD"),
];

/// Holds `story` to [`EXPECTED`], with the addresses and the script.
fn check_story(name: &str, story: &Story) {
    assert_eq!(story.len(), EXPECTED.len());
    for ((step, host, text, _, _), expected) in story.iter().zip(EXPECTED) {
        let vrrp = &text.vrrps["VI_1"];
        let s = |c: &str| vrrp.stats[c];
        let status = untimed(text).scripts["chk"].0.clone();
        let got = (
            *step,
            *host,
            vrrp.state,
            s("become_master"),
            s("release_master"),
            s("pri_zero_rcvd"),
            status.as_str(),
        );
        assert_eq!(got, expected, "{name}: {vrrp:?}");
        let set = if vrrp.state == 2 { " set" } else { "" };
        assert_eq!(
            vrrp.vips,
            [
                format!("192.0.2.100 dev eth0 scope global{set}"),
                format!("192.0.2.101/24 dev eth0 scope global{set}")
            ],
            "{name}, {step}, {host}"
        );
        assert_eq!(
            vrrp.evips,
            [format!("192.0.2.102 dev eth0 scope global{set}")]
        );
        assert_eq!(
            (vrrp.intf.as_str(), vrrp.vrid, vrrp.garp_delay),
            ("eth0", 51, 5)
        );
        assert_eq!(text.scripts.len(), 1, "{name}: only chk");
    }
}

/// keepalived 2.2.7, 2.4.3 and ours write the same files, for every field
/// keepalived-exporter reads, in both its modes (data + stats, and JSON).
#[test]
fn dump_files_match_keepalived_227_and_243_field_by_field() {
    let started = Instant::now();
    let ours = Daemon::ours();
    let Daemon::Ours(our_program) = &ours else {
        unreachable!()
    };
    let our_program = our_program.display().to_string();
    if !nix::unistd::geteuid().is_root() {
        // Lab::new says SKIPPED (and fails under CI).
        assert!(Lab::new("monitor_files").is_none());
        return;
    }
    let k243 = Daemon::keepalived_243();
    // The three stories at once, each in a lab of its own.
    let (our_story, peers) = std::thread::scope(|scope| {
        let ours = scope.spawn(|| story(&ours, &our_program).unwrap());
        let k227 = scope.spawn(|| story(&Daemon::Keepalived, "keepalived").unwrap());
        let k243 = k243.as_ref().map(|daemon| {
            let Daemon::Keepalived243(path) = daemon else {
                unreachable!()
            };
            let program = path.display().to_string();
            scope.spawn(move || story(daemon, &program).unwrap())
        });
        let mut peers = vec![("keepalived 2.2.7", k227.join().unwrap())];
        if let Some(k243) = k243 {
            peers.push(("keepalived 2.4.3", k243.join().unwrap()));
        }
        (ours.join().unwrap(), peers)
    });

    for (name, story) in peers.iter().chain([&("vrrp-rs", our_story.clone())]) {
        check_story(name, story);
        check_adverts(name, story);
        for (step, host, text, json, _) in story {
            // The exporter's two modes see the same instance, except for a
            // VMAC's name: `vrrp.52, vmac on eth0` in keepalived.data,
            // `vrrp.52` in the JSON.
            let mut text = untimed(text);
            let vmac = text.vrrps.get_mut("VI_2").unwrap();
            assert_eq!(vmac.intf, "vrrp.52, vmac on eth0", "{name}");
            vmac.intf = "vrrp.52".into();
            assert_eq!(
                text.vrrps,
                untimed(json).vrrps,
                "{name}, {step}, {host}: data+stats vs JSON"
            );
        }
    }
    let mut fields = BTreeMap::<String, usize>::new();
    for (peer, story) in &peers {
        for ((step, host, theirs, theirs_json, _), (_, _, ours, ours_json, served)) in
            story.iter().zip(&our_story)
        {
            let at = format!("{step}, host {host}: ours vs {peer}");
            // What we serve is what the exporter would serve for keepalived
            // (whose script state depends on timing; ours is idle).
            let mut served = served.clone();
            let state = served.remove("keepalived_script_state{name=\"chk\"}");
            assert_eq!(state, Some(0), "{at}: script state");
            assert_eq!(served, exporter_series(&untimed(theirs)), "{at}: /metrics");
            let (theirs, ours) = (untimed(theirs), untimed(ours));
            assert_eq!(
                ours.scripts, theirs.scripts,
                "{at}: scripts (status, state)"
            );
            assert_eq!(ours.vrrps.len(), 2, "{at}: VI_1 and VI_2");
            for (iname, t) in &theirs.vrrps {
                let o = &ours.vrrps[iname];
                for (field, equal) in [
                    ("state", o.state == t.state),
                    ("wantstate", o.wantstate == t.wantstate),
                    ("intf", o.intf == t.intf),
                    ("garp_delay", o.garp_delay == t.garp_delay),
                    ("vrid", o.vrid == t.vrid),
                    ("vips", o.vips == t.vips),
                    ("evips", o.evips == t.evips),
                ] {
                    assert!(equal, "{at}: {iname} {field}: ours {o:?}\n theirs {t:?}");
                    *fields.entry(field.to_owned()).or_default() += 1;
                }
                for (counter, value) in &t.stats {
                    assert_eq!(o.stats.get(counter), Some(value), "{at}: {iname} {counter}");
                    *fields.entry(counter.clone()).or_default() += 1;
                }
            }
            assert_eq!(
                untimed(ours_json).vrrps,
                untimed(theirs_json).vrrps,
                "{at}: JSON"
            );
        }
    }
    lab::say(&format!(
        "MEASURED monitor_files: {} fields ({}) equal to {} in {} snapshots each; {:.1} s",
        fields.len(),
        fields.keys().cloned().collect::<Vec<_>>().join(" "),
        peers
            .iter()
            .map(|(p, _)| *p)
            .collect::<Vec<_>>()
            .join(" and "),
        our_story.len(),
        started.elapsed().as_secs_f64()
    ));
}

/// `--signum` prints what keepalived 2.2.7 prints, for every name the
/// exporter or an operator asks, and fails as it does on an unknown one.
/// STATS_CLEAR alone differs on purpose: refused, as our counters cannot
/// be cleared (keepalived says 63, whose default action would end us).
#[test]
fn signum_answers_as_keepalived_does() {
    let Ok(theirs) = Command::new("keepalived").arg("--signum=DATA").output() else {
        lab::say("\n*** SKIPPED: signum_answers_as_keepalived_does: no keepalived on PATH ***\n");
        return;
    };
    assert!(theirs.status.success());
    let Daemon::Ours(ours) = Daemon::ours() else {
        unreachable!()
    };
    let answer = |program: &Path, func: &str| {
        let out = Command::new(program)
            .arg(format!("--signum={func}"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        )
    };
    for func in ["STOP", "RELOAD", "DATA", "STATS", "JSON", "NOSUCH"] {
        assert_eq!(
            answer(&ours, func),
            answer(Path::new("keepalived"), func),
            "{func}"
        );
    }
    assert_eq!(answer(&ours, "STATS_CLEAR"), (Some(1), String::new()));
}

/// A dump file that cannot be written is logged as an error, and the
/// daemon goes on (here: `TMPDIR` names a directory that does not exist).
#[test]
fn a_dump_that_cannot_be_written_is_logged() {
    let Some(lab) = Lab::new("a_dump_that_cannot_be_written_is_logged") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let ours = Daemon::ours();
    let config = Config::new("a").instance(Instance::new("VI_1", 51).vip("192.0.2.100"));
    let path = ours.config_path(&a);
    std::fs::write(&path, config.to_string()).unwrap();
    let missing = a.dir().join("missing");
    let mut argv = vec!["env".to_owned(), lab::daemon::dumps_in(&missing)];
    argv.extend(ours.argv(&path, a.dir()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut daemon = a.spawn(ours.name(), &argv);
    assert!(
        daemon
            .wait_log("keepalived.data, .stats, .json", Duration::from_secs(10))
            .is_some()
    );
    let stats = signums(argv[2])[1].clone();
    signal(&daemon, &stats);
    let logged = daemon.wait_log("cannot write", Duration::from_secs(3));
    assert!(logged.is_some(), "no error logged:\n{}", daemon.log());
    let line = daemon
        .log()
        .lines()
        .find(|l| l.contains("cannot write"))
        .unwrap()
        .to_owned();
    assert!(
        line.contains("ERROR") && line.contains("missing/keepalived.stats"),
        "{line}"
    );
    assert!(daemon.is_running(), "the daemon goes on");
}

/// `state_dump_file` (keepalived 2.4.3): SIGUSR1 writes keepalived.data
/// where it says, keepalived.stats stays in `$TMPDIR`, and a reload moves
/// the data file; keepalived 2.4.3 and ours alike.
#[test]
fn state_dump_file_moves_the_data_file() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new("state_dump_file_moves_the_data_file") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    for daemon in [keepalived, Daemon::ours()] {
        let dir = a.dir().join(daemon.name());
        let (first, second) = (dir.join("first"), dir.join("second"));
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        let config = |dump: &str| {
            let text = Config::new("a")
                .instance(Instance::new("VI_1", 51).vip("192.0.2.100"))
                .to_string();
            with_global(&text, &format!("state_dump_file {dump}"))
        };
        let mut proc = daemon.start(
            &a,
            &config(&first.join("ka-state.txt").display().to_string()),
        );
        // Up and Master (a signal before its handlers are set would end it).
        let vip: std::net::IpAddr = "192.0.2.100".parse().unwrap();
        assert!(
            wait_for(Duration::from_secs(10), || a.has_address(vip)).is_some(),
            "{}: not Master\n{}",
            daemon.name(),
            proc.log()
        );
        // Asks again until the file is there (a reload may be under way).
        let dumped = |signal: Signal, path: &Path| {
            let _ = std::fs::remove_file(path);
            wait_for(Duration::from_secs(10), || {
                proc.kill(signal);
                wait_for(Duration::from_millis(500), || path.exists()).is_some()
            })
            .is_some()
        };
        let name = daemon.name();
        let moved = first.join("ka-state.txt");
        assert!(
            dumped(Signal::SIGUSR1, &moved),
            "{name}: no {}\n{}",
            moved.display(),
            proc.log()
        );
        assert!(
            !a.dir().join("keepalived.data").exists(),
            "{name}: keepalived.data in TMPDIR"
        );
        let text = std::fs::read_to_string(&moved).unwrap();
        assert!(text.contains("VRRP Instance = VI_1"), "{name}: {text}");
        let stats = a.dir().join("keepalived.stats");
        assert!(
            dumped(Signal::SIGUSR2, &stats),
            "{name}: no {}",
            stats.display()
        );
        // A directory (trailing `/`), after a reload: keepalived's name there.
        std::fs::write(
            daemon.config_path(&a),
            config(&format!("{}/", second.display())),
        )
        .unwrap();
        proc.kill(Signal::SIGHUP);
        let reloaded = second.join("keepalived.data");
        assert!(
            dumped(Signal::SIGUSR1, &reloaded),
            "{name}: no {} after the reload\n{}",
            reloaded.display(),
            proc.log()
        );
        proc.kill(Signal::SIGTERM);
        assert!(
            wait_for(Duration::from_secs(10), || !proc.is_running()).is_some(),
            "{name} stops"
        );
    }
}
