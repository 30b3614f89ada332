//! `fifo_write_vrrp_states_on_reload` end to end in the lab (`vrrp-lab`):
//! host `a` runs VI_1 (Master: nobody else has vrid 51) and VI_2 (Backup:
//! host `b` runs vrid 52 at a higher priority); `a` reloads an unchanged
//! file. keepalived 2.4.3 (`vrrp_scheduler.c`, `vrrp_init_state`) writes
//! the state of every instance that stays as it was on reload to the
//! notify FIFO, but for a Master, which it keeps without passing through
//! that code: `INSTANCE "VI_2" BACKUP 100` and nothing for VI_1. Without
//! the keyword, a reload writes nothing. Ours must write the same lines.
//! Needs root; keepalived 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::notify_fifo::NotifyFifo;
use lab::{Daemon, Host, Lab, Signal};

/// `a`'s file, with the keyword or without.
fn config_a(host: &Host<'_>, on: bool) -> String {
    let fifo = NotifyFifo::in_dir(host.dir());
    fifo.write_reader();
    let text = Config::new(host.name())
        .instance(
            Instance::new("VI_1", 51)
                .priority(150)
                .vip("192.0.2.100/24"),
        )
        .instance(
            Instance::new("VI_2", 52)
                .priority(100)
                .vip("192.0.2.101/24"),
        )
        .to_string();
    let globals = format!(
        "notify_fifo {}\nnotify_fifo_script {}\n{}",
        fifo.path().display(),
        fifo.reader().display(),
        if on {
            "fifo_write_vrrp_states_on_reload\n"
        } else {
            ""
        }
    );
    with_global(&text, &globals)
}

/// What `a`'s FIFO gets on a reload, with the keyword or without.
fn on_reload(test: &str, daemon: &Daemon, on: bool) -> Option<Vec<String>> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let peer = Config::new("b")
        .instance(
            Instance::new("VI_2", 52)
                .priority(200)
                .vip("192.0.2.101/24"),
        )
        .to_string();
    let _on_b = Daemon::ours().start(&b, &peer);
    let mut on_a = daemon.start(&a, &config_a(&a, on));
    let fifo = NotifyFifo::in_dir(a.dir());
    let timeout = Duration::from_secs(10);
    fifo.wait_line("INSTANCE \"VI_1\" MASTER 150", timeout);
    fifo.wait_line("INSTANCE \"VI_2\" BACKUP 100", timeout);
    // Settled: b's adverts have kept VI_2 Backup for a while.
    std::thread::sleep(Duration::from_secs(1));
    let before = fifo.recorded().lines().count();
    on_a.kill(Signal::SIGHUP);
    // A reload's lines come at once; wait well past that.
    std::thread::sleep(Duration::from_secs(4));
    // "Nothing written" must not be a daemon that died on the reload.
    assert!(
        on_a.is_running(),
        "{} is not running after the reload:\n{}",
        daemon.name(),
        on_a.log()
    );
    let text = fifo.recorded();
    Some(text.lines().skip(before).map(str::to_owned).collect())
}

fn run(test: &str, daemon: &Daemon) {
    if let Some(lines) = on_reload(&format!("{test}_on"), daemon, true) {
        assert_eq!(
            lines,
            ["INSTANCE \"VI_2\" BACKUP 100"],
            "{}: the reload's lines",
            daemon.name()
        );
    }
    if let Some(lines) = on_reload(&format!("{test}_off"), daemon, false) {
        assert!(
            lines.is_empty(),
            "{}: without the keyword: {lines:?}",
            daemon.name()
        );
    }
}

#[test]
fn ours_writes_the_states_on_reload() {
    run("fifo_reload_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_writes_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("fifo_reload_keepalived_243", &daemon);
}

#[test]
fn keepalived_227_writes_the_same() {
    run("fifo_reload_keepalived_227", &Daemon::Keepalived);
}
