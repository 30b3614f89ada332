//! keepalived's e-mail alerts (`smtp_alert`), sent to a real SMTP server
//! (aiosmtpd, Debian's python3-aiosmtpd) and compared with the mail
//! keepalived 2.2.7 sends for the same configuration; a server that never
//! answers costs nothing but a warning.

use vrrp_lab as lab;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance, State};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc};
use vrrp::core::State as VrrpState;
use vrrp::keepalived::mail::{AlertPlan, Alerts};

/// Where the lab hosts' SMTP server listens (each host's own loopback).
const SMTP_PORT: u16 = 2525;

/// A Maildir for aiosmtpd's Mailbox handler.
fn maildir(dir: &Path) -> PathBuf {
    let maildir = dir.join("maildir");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("create the maildir");
    }
    maildir
}

/// Every mail delivered to `maildir`, whole.
fn mails(maildir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

/// The value of header `name` in `mail`.
fn header<'m>(mail: &'m str, name: &str) -> Option<&'m str> {
    mail.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim_end)
}

/// The body of `mail`, trimmed.
fn body(mail: &str) -> &str {
    mail.split_once("\n\n").map_or("", |(_, b)| b.trim())
}

fn aiosmtpd_argv(listen: &str, maildir: &Path) -> Vec<String> {
    [
        "aiosmtpd",
        "-n",
        "-l",
        listen,
        "-c",
        "aiosmtpd.handlers.Mailbox",
        &maildir.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A plan that mails `VI_1` (and group `G` of `VI_1`, `VI_2`) to `server`.
fn plan(server: SocketAddr, timeout: Duration) -> AlertPlan {
    AlertPlan {
        server,
        helo_name: "lb1".into(),
        timeout,
        from: "lb1@example.org".into(),
        to: vec!["ops@example.org".into(), "oncall@example.org".into()],
        router_id: "lb1".into(),
        no_email_faults: false,
        instances: vec!["VI_1".into()],
        groups: vec![("G".into(), vec!["VI_1".into(), "VI_2".into()])],
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn a_mail_per_change_reaches_a_real_smtp_server() {
    if let Err(missing) = lab::tools::ensure() {
        panic!("the SMTP server is missing: {missing}");
    }
    let dir = std::env::temp_dir().join(format!("smtp-alert-{}", std::process::id()));
    let maildir = maildir(&dir);
    let port = free_port();
    let argv = aiosmtpd_argv(&format!("127.0.0.1:{port}"), &maildir);
    let mut server = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .spawn()
        .expect("start aiosmtpd");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let up = wait_for(Duration::from_secs(10), || {
        std::net::TcpStream::connect(addr).is_ok()
    });
    assert!(up.is_some(), "aiosmtpd did not listen on {addr}");

    let mut alerts = Alerts::start(plan(addr, Duration::from_secs(5))).expect("the worker");
    alerts.on_state("VI_1", VrrpState::Master);
    alerts.on_state("VI_1", VrrpState::Master); // the same state: no second mail
    alerts.on_state("VI_2", VrrpState::Master); // the whole group is Master now
    alerts.on_state("VI_3", VrrpState::Master); // does not alert
    let delivered = wait_for(Duration::from_secs(10), || mails(&maildir).len() >= 2);
    std::thread::sleep(Duration::from_millis(500)); // a third would be here by now
    let got = mails(&maildir);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(delivered.is_some(), "mails: {got:?}");
    assert_eq!(got.len(), 2, "{got:#?}");
    let subjects: Vec<&str> = got.iter().filter_map(|m| header(m, "Subject")).collect();
    assert!(
        subjects.contains(&"[lb1] VRRP Instance VI_1 - Entering MASTER state"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"[lb1] VRRP Group G - Entering MASTER state"),
        "{subjects:?}"
    );
    let instance = got
        .iter()
        .find(|m| m.contains("VRRP Instance VI_1"))
        .expect("the mail");
    assert_eq!(header(instance, "From"), Some("lb1@example.org"));
    assert_eq!(header(instance, "X-Mailer"), Some("Keepalived"));
    assert_eq!(
        header(instance, "X-RcptTo"),
        Some("ops@example.org, oncall@example.org")
    );
    assert_eq!(
        body(instance),
        "=> VRRP Instance is now owning VRRP VIPs <="
    );
}

#[test]
fn a_server_that_never_answers_delays_nothing() {
    // Accepts connections, never says a word.
    let silent = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a listener");
    let addr = silent.local_addr().expect("its address");
    let mut alerts = Alerts::start(plan(addr, Duration::from_secs(1))).expect("the worker");
    let started = Instant::now();
    for round in 0..200 {
        let to = if round % 2 == 0 {
            VrrpState::Master
        } else {
            VrrpState::Backup
        };
        alerts.on_state("VI_1", to);
    }
    let took = started.elapsed();
    // 200 changes, 200 mails queued or dropped: none may wait for the server.
    assert!(took < Duration::from_millis(500), "{took:?}");
}

/// Our daemon and keepalived 2.2.7, each alone on its host with its own SMTP
/// server on its loopback, become Master: the same mail from both.
#[test]
fn the_daemon_mails_what_keepalived_mails() {
    let Some(lab) = Lab::new("smtp_alert") else {
        return;
    };
    let ours = lab.host("a", &["192.0.2.1/24"]);
    let theirs = lab.host("b", &["192.0.2.2/24"]);
    let run = |host: &Host<'_>, daemon: &Daemon, vrid: u8| -> (PathBuf, Proc, Proc) {
        let maildir = maildir(host.dir());
        let argv = aiosmtpd_argv(&format!("127.0.0.1:{SMTP_PORT}"), &maildir);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let smtp = host.spawn("aiosmtpd", &argv);
        let listening = wait_for(Duration::from_secs(10), || {
            host.exec(&[
                "bash",
                "-c",
                &format!("echo > /dev/tcp/127.0.0.1/{SMTP_PORT}"),
            ])
            .status
            .success()
        });
        assert!(
            listening.is_some(),
            "aiosmtpd on {}: {}",
            host.name(),
            smtp.log()
        );
        let config = format!(
            "global_defs {{\n    notification_email {{\n        ops@example.org\n    }}\n    \
             notification_email_from lb@example.org\n    smtp_server 127.0.0.1 {SMTP_PORT}\n    \
             smtp_connect_timeout 5\n}}\n{}",
            Config::new("lab").instance(
                Instance::new("VI_1", vrid)
                    .state(State::Master)
                    .advert_int(Duration::from_secs(1))
                    .vip(&format!("192.0.2.{}/24", 100 + vrid))
                    .line("smtp_alert")
            )
        );
        let proc = daemon.start(host, &config);
        (maildir, smtp, proc)
    };
    let (our_mail, _our_smtp, our_daemon) = run(&ours, &Daemon::ours(), 51);
    let (their_mail, _their_smtp, their_daemon) = run(&theirs, &Daemon::Keepalived, 52);
    let both = wait_for(Duration::from_secs(20), || {
        let master = |m: &PathBuf| {
            mails(m)
                .iter()
                .any(|mail| mail.contains("Entering MASTER state"))
        };
        master(&our_mail) && master(&their_mail)
    });
    let (ours_got, theirs_got) = (mails(&our_mail), mails(&their_mail));
    assert!(
        both.is_some(),
        "ours: {ours_got:#?}\n{}\nkeepalived: {theirs_got:#?}\n{}",
        our_daemon.log(),
        their_daemon.log()
    );
    let master = |got: &[String]| -> String {
        got.iter()
            .find(|m| m.contains("Entering MASTER state"))
            .cloned()
            .expect("a MASTER mail")
    };
    let (ours_m, theirs_m) = (master(&ours_got), master(&theirs_got));
    for name in ["Subject", "From", "X-Mailer", "X-RcptTo", "X-MailFrom"] {
        assert_eq!(
            header(&ours_m, name),
            header(&theirs_m, name),
            "{name}:\nours:\n{ours_m}\nkeepalived:\n{theirs_m}"
        );
    }
    assert_eq!(body(&ours_m), body(&theirs_m));
    lab::say(&format!(
        "MEASURED smtp_alert: the same mail from both: {:?}",
        header(&ours_m, "Subject")
    ));
}
