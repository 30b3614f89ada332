//! A mixed pair, both ways: our daemon on one host and keepalived 2.2 with
//! the same keepalived.conf on the other (the seed's, with a weight above
//! the gap). The master side holds the VIP, a dead HAProxy moves it across,
//! and a stopping master hands it over. Needs root and keepalived.

mod daemon_support;

use std::time::Duration;

use daemon_support::{Lab, Node, PORT, VIP, say, seed_with_weight, skip_unless_root, time_until};

#[derive(Clone, Copy, Debug)]
enum Side {
    Ours,
    Keepalived,
}

fn start(node: &mut Node, side: Side, config: &str) -> daemon_support::Proc {
    match side {
        Side::Ours => node.start_daemon(config, &[]),
        Side::Keepalived => node.start_keepalived(config),
    }
}

fn mixed(test: &str, on_master: Side, on_backup: Side) {
    if skip_unless_root(test) {
        return;
    }
    let mut lab = Lab::new(test);
    let mut master = Node::new(&mut lab, "master", 2);
    let mut backup = Node::new(&mut lab, "backup", 3);
    let client = Node::new(&mut lab, "client", 10);
    let _h = (master.start_haproxy(), backup.start_haproxy());
    let _m = start(&mut master, on_master, &seed_with_weight("master", 5));
    let _b = start(&mut backup, on_backup, &seed_with_weight("backup", 5));
    let elected = time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP) && !backup.has(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(5),
        || client.tcp_connect(VIP, PORT),
    );

    master.killall("KILL", "haproxy");
    let moved = time_until("the VIP on the backup", Duration::from_secs(8), || {
        backup.has(VIP) && !master.has(VIP)
    });
    let _again = master.start_haproxy();
    let back = time_until("the VIP back on the master", Duration::from_secs(8), || {
        master.has(VIP) && !backup.has(VIP)
    });

    let daemon = match on_master {
        Side::Ours => "keepalive-haproxy",
        Side::Keepalived => "keepalived",
    };
    master.killall("TERM", daemon);
    let stopped = time_until("the VIP on the backup", Duration::from_secs(2), || {
        backup.has(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(3),
        || client.tcp_connect(VIP, PORT),
    );
    say(&format!(
        "MEASURED: mixed pair, master {on_master:?} / backup {on_backup:?}: elected in {elected:?}; \
         HAProxy killed -> backup in {moved:?}; restarted -> master in {back:?}; \
         master stopped -> backup in {stopped:?}"
    ));
}

#[test]
fn ours_master_keepalived_backup() {
    mixed("mixed_ours_master", Side::Ours, Side::Keepalived);
}

#[test]
fn keepalived_master_ours_backup() {
    mixed("mixed_ka_master", Side::Keepalived, Side::Ours);
}
