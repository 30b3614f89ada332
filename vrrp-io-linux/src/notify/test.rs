//! The notifier against real scripts, in order, killed when hung.

use std::io::Read;

use super::*;

/// A directory of its own under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vrrp-notify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A notify command that logs `start ARGS`, sleeps, logs `end ARGS`.
/// Run through `sh FILE` so no test execs a file another test may still
/// hold open for writing (ETXTBSY).
fn logger(dir: &std::path::Path, tag: &str, sleep: &str) -> NotifyCommand {
    let script = dir.join(format!("{tag}.sh"));
    let log = dir.join("log");
    std::fs::write(
        &script,
        format!(
            "echo \"start {tag} $*\" >> {log}\nsleep {sleep}\necho \"end {tag} $*\" >> {log}\n",
            log = log.display()
        ),
    )
    .unwrap();
    NotifyCommand {
        command: format!("sh {}", script.display()),
        run_as: None,
    }
}

/// What is waiting in the FIFO at `path`, without blocking.
fn read_fifo(path: &std::path::Path) -> String {
    let mut reader = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap();
    let mut text = String::new();
    let _ = reader.read_to_string(&mut text);
    text
}

fn drive_until_idle(notifier: &mut Notifier) {
    let end = Instant::now() + Duration::from_secs(10);
    while !notifier.is_idle() {
        assert!(Instant::now() < end, "notify scripts still busy after 10 s");
        std::thread::sleep(Duration::from_millis(10));
        notifier.handle_timeout(Instant::now());
    }
}

#[test]
fn keepalived_arguments_strictly_in_order_one_at_a_time() {
    let dir = scratch("order");
    let scripts = NotifyScripts {
        master: Some(logger(&dir, "master", "0.1")),
        backup: Some(logger(&dir, "backup", "0.1")),
        any: Some(logger(&dir, "any", "0")),
        ..NotifyScripts::default()
    };
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![scripts],
        ..NotifyConfig::default()
    });
    let now = Instant::now();
    notifier.state_changed(now, 0, "VI_1", State::Backup, 98);
    notifier.state_changed(now, 0, "VI_1", State::Master, 100);
    notifier.state_changed(now, 0, "VI_1", State::Backup, 98);
    assert_eq!(notifier.busy(), 6);
    drive_until_idle(&mut notifier);
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let expected = [
        "start backup ",
        "end backup ",
        "start any INSTANCE VI_1 BACKUP 98",
        "end any INSTANCE VI_1 BACKUP 98",
        "start master ",
        "end master ",
        "start any INSTANCE VI_1 MASTER 100",
        "end any INSTANCE VI_1 MASTER 100",
        "start backup ",
        "end backup ",
        "start any INSTANCE VI_1 BACKUP 98",
        "end any INSTANCE VI_1 BACKUP 98",
    ];
    assert_eq!(log.lines().collect::<Vec<_>>(), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_group_notifies_once_per_state_with_priority_zero() {
    let dir = scratch("group");
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![NotifyScripts::default(); 2],
        groups: vec![GroupNotify {
            name: "G".into(),
            members: vec![0, 1],
            scripts: NotifyScripts {
                any: Some(logger(&dir, "g", "0")),
                ..NotifyScripts::default()
            },
        }],
        ..NotifyConfig::default()
    });
    let now = Instant::now();
    notifier.state_changed(now, 0, "A", State::Master, 100);
    notifier.state_changed(now, 1, "B", State::Master, 100);
    notifier.state_changed(now, 1, "B", State::Initialize, 100);
    notifier.state_changed(now, 0, "A", State::Initialize, 100);
    drive_until_idle(&mut notifier);
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let starts: Vec<_> = log.lines().filter(|l| l.starts_with("start")).collect();
    assert_eq!(
        starts,
        ["start g GROUP G MASTER 0", "start g GROUP G STOP 0"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_hung_script_is_killed_and_the_queue_moves_on() {
    let dir = scratch("hung");
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![NotifyScripts {
            master: Some(NotifyCommand {
                command: "sleep 1000".into(),
                run_as: None,
            }),
            backup: Some(logger(&dir, "backup", "0")),
            ..NotifyScripts::default()
        }],
        timeout: Duration::from_millis(300),
        ..NotifyConfig::default()
    });
    let started = Instant::now();
    notifier.state_changed(started, 0, "VI_1", State::Master, 100);
    notifier.state_changed(started, 0, "VI_1", State::Backup, 98);
    drive_until_idle(&mut notifier);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    assert!(log.starts_with("start backup"), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fifo_lines_as_keepalived_writes_them() {
    let dir = scratch("fifo");
    let path = dir.join("notify.fifo");
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![NotifyScripts::default()],
        groups: vec![GroupNotify {
            name: "G".into(),
            members: vec![0],
            scripts: NotifyScripts::default(),
        }],
        fifos: vec![FifoSpec {
            path: path.clone(),
            owner: None,
            script: None,
        }],
        ..NotifyConfig::default()
    });
    assert!(std::fs::metadata(&path).unwrap().file_type().is_fifo());
    // A reader that opens after the writes still gets them (we hold the
    // FIFO open read-write, so the lines wait in the pipe).
    notifier.state_changed(Instant::now(), 0, "OCP_EXT", State::Master, 100);
    notifier.state_changed(Instant::now(), 0, "OCP_EXT", State::Fault, 100);
    let text = read_fifo(&path);
    assert_eq!(
        text,
        "INSTANCE \"OCP_EXT\" MASTER 100\nGROUP \"G\" MASTER 0\n\
         INSTANCE \"OCP_EXT\" FAULT 100\nGROUP \"G\" FAULT 0\n"
    );
    drop(notifier);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// keepalived's `notify_master_rx_lower_pri`: the script as written, no
/// arguments, in the instance's queue after its state scripts; the FIFO
/// gets `MASTER_RX_LOWER_PRI` with the priority. No `notify` run.
#[test]
fn master_rx_lower_pri_runs_its_script_and_writes_the_fifo() {
    let dir = scratch("lower");
    let path = dir.join("notify.fifo");
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![NotifyScripts {
            master: Some(logger(&dir, "master", "0.1")),
            any: Some(logger(&dir, "any", "0")),
            master_rx_lower_pri: Some(logger(&dir, "lower", "0")),
            ..NotifyScripts::default()
        }],
        fifos: vec![FifoSpec {
            path: path.clone(),
            owner: None,
            script: None,
        }],
        ..NotifyConfig::default()
    });
    let now = Instant::now();
    notifier.state_changed(now, 0, "VI_1", State::Master, 100);
    notifier.master_rx_lower_pri(now, 0, "VI_1", 100);
    drive_until_idle(&mut notifier);
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let expected = [
        "start master ",
        "end master ",
        "start any INSTANCE VI_1 MASTER 100",
        "end any INSTANCE VI_1 MASTER 100",
        "start lower ",
        "end lower ",
    ];
    assert_eq!(log.lines().collect::<Vec<_>>(), expected);
    let text = read_fifo(&path);
    assert_eq!(
        text,
        "INSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100\n"
    );
    drop(notifier);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reload_keeps_an_instances_scripts_in_one_queue() {
    let dir = scratch("reload");
    let scripts = |tag: &str| NotifyScripts {
        any: Some(logger(&dir, tag, "0.2")),
        ..NotifyScripts::default()
    };
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![scripts("gone"), scripts("kept")],
        ..NotifyConfig::default()
    });
    let now = Instant::now();
    notifier.state_changed(now, 1, "K", State::Backup, 100);
    notifier.state_changed(now, 0, "G", State::Backup, 100);
    // K moves from index 1 to 0; G is removed.
    notifier.reconfigure(
        NotifyConfig {
            instances: vec![scripts("kept")],
            ..NotifyConfig::default()
        },
        &[None, Some(0)],
    );
    notifier.state_changed(Instant::now(), 0, "K", State::Master, 100);
    drive_until_idle(&mut notifier);
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let kept: Vec<_> = log.lines().filter(|l| l.contains(" K ")).collect();
    assert_eq!(
        kept,
        [
            "start kept INSTANCE K BACKUP 100",
            "end kept INSTANCE K BACKUP 100",
            "start kept INSTANCE K MASTER 100",
            "end kept INSTANCE K MASTER 100",
        ]
    );
    assert_eq!(log.lines().filter(|l| l.contains(" G ")).count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shell_lines_get_the_arguments_as_dollar_at() {
    assert_eq!(
        with_args("/bin/n.sh -x", &["INSTANCE", "V", "MASTER", "100"]),
        ["/bin/n.sh", "-x", "INSTANCE", "V", "MASTER", "100"]
    );
    assert_eq!(
        with_args("logger -t vrrp $X", &["GROUP", "G"]),
        [
            "/bin/sh",
            "-c",
            "logger -t vrrp $X \"$@\"",
            "sh",
            "GROUP",
            "G"
        ]
    );
}

/// keepalived 2.4.3 (vrrp.c, clear_diff_vrrp): an instance a reload
/// removes is notified DELETED with `notify_deleted` (its script, then
/// `notify`), STOP without; a plain stop stays STOP.
#[test]
fn a_removed_instance_with_notify_deleted_is_deleted() {
    let dir = scratch("deleted");
    let scripts = |deleted: bool| NotifyScripts {
        deleted: deleted.then(|| logger(&dir, "deleted", "0")),
        stop: Some(logger(&dir, "stop", "0")),
        any: Some(logger(&dir, "any", "0")),
        notify_deleted: deleted,
        ..NotifyScripts::default()
    };
    let mut notifier = Notifier::new(NotifyConfig {
        instances: vec![scripts(true), scripts(false), scripts(true)],
        ..NotifyConfig::default()
    });
    let now = Instant::now();
    notifier.deleting(vec![0, 1]);
    notifier.state_changed(now, 0, "A", State::Initialize, 100);
    notifier.state_changed(now, 1, "B", State::Initialize, 100);
    notifier.state_changed(now, 2, "C", State::Initialize, 100);
    drive_until_idle(&mut notifier);
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let mut starts: Vec<_> = log.lines().filter(|l| l.starts_with("start")).collect();
    starts.sort_unstable();
    assert_eq!(
        starts,
        [
            "start any INSTANCE A DELETED 100",
            "start any INSTANCE B STOP 100",
            "start any INSTANCE C STOP 100",
            "start deleted ",
            "start stop ",
            "start stop ",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
