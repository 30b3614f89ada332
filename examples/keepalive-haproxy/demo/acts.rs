//! The two acts: the article's configuration, whose dead HAProxy keeps the
//! VIP, and the corrected one, whose VIP follows HAProxy and the daemon.

use std::time::{Duration, SystemTime};

use super::configs::{
    self, ARTICLE_WEIGHT, CHECK_INTERVAL, CORRECTED_WEIGHT, Side, backup_takes_over, effective,
};
use super::probe::{fail, holds, status, until};
use super::story::{Lb, Stage, VIP};
use super::timeline::secs;
use crate::lab::{Proc, Signal};

/// Slack on top of a failover's bound: the issue's `+ 1 s`.
const SLACK: Duration = Duration::from_secs(1);
/// Slack on top of Skew_Time after a clean stop: the issue's `+ 200 ms`.
const SLACK_GOODBYE: Duration = Duration::from_millis(200);

/// What the corrected act measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failovers {
    /// HAProxy killed on the Master → the VIP on the Backup.
    pub(crate) haproxy_killed: Duration,
    /// HAProxy started again → the VIP back (preemption).
    pub(crate) haproxy_back: Duration,
    /// SIGTERM to the Master's daemon → the VIP on the Backup.
    pub(crate) sigterm: Duration,
}

/// Before the lab: `--verify` on the article's two files finds the tie
/// without running anything. Whether it does is the model checker's
/// verdict on the real core; the act that follows shows it on real hosts.
pub(crate) fn verify_first() {
    println!(
        "0. Before anything runs: `keepalive-haproxy --verify lb1.conf lb2.conf` on the article's two files"
    );
    let (lb1, lb2) = (
        configs::article(Side::Master),
        configs::article(Side::Backup),
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match vrrp_model::verify::verify_texts(&[("lb1.conf", &lb1), ("lb2.conf", &lb2)], threads) {
        Ok(report) => {
            for line in report.render().lines().skip(2) {
                if line.is_empty() {
                    println!();
                } else {
                    println!("   {line}");
                }
            }
        }
        Err(error) => println!("   cannot read the article's files: {error}"),
    }
    println!();
}

/// Act 1: the article's configuration; HAProxy dies on the master and the
/// VIP stays there. Returns how long it was watched staying.
pub(crate) fn article(stage: &mut Stage<'_, '_>) -> Duration {
    println!(
        "\n1. The article's keepalived.conf, word for word (eth0 for ens192): lb1 `state MASTER`\n   \
         `priority 100`, lb2 `state BACKUP` `priority 98`; VRRPv2 every 1 s and `auth_type PASS`;\n   \
         vrrp_script `killall -0 haproxy`, `interval 2`, `weight 2`"
    );
    let mut haproxy1 = stage.start_haproxy(&stage.lb1);
    let _haproxy2 = stage.start_haproxy(&stage.lb2);
    stage.timeline.mark("act 1: the article's config");
    let (on_lb1, on_lb2) = stage.elect(configs::article, ARTICLE_WEIGHT);

    let since = kill_haproxy(stage, &mut haproxy1);
    let limit = CHECK_INTERVAL + Duration::from_secs(3);
    let dropped = until(limit, || {
        status(&stage.lb1.host, &on_lb1).check_up == Some(false)
    });
    let dropped = dropped.unwrap_or_else(|| {
        fail(format!(
            "lb1's haproxy_check still passes {} after HAProxy died",
            secs(limit)
        ))
    });
    let (lb1, lb2) = (
        status(&stage.lb1.host, &on_lb1),
        status(&stage.lb2.host, &on_lb2),
    );
    println!(
        "   {} later lb1's check fails: lb1 advertises {}, lb2 has {}",
        secs(dropped),
        lb1.effective,
        lb2.effective
    );
    let expected = (
        effective(Side::Master, ARTICLE_WEIGHT, false),
        effective(Side::Backup, ARTICLE_WEIGHT, true),
    );
    let got = (lb1.effective, lb2.effective);
    if got != (u64::from(expected.0), u64::from(expected.1))
        || backup_takes_over(expected.0, expected.1)
    {
        fail(format!("expected a tie at 100: lb1 {lb1:?}, lb2 {lb2:?}"));
    }
    stage.timeline.mark("lb1's check failed: 100 vs 100, a tie");

    let watched = Stage::case().master_down(100) + Duration::from_secs(1);
    let stayed = holds(watched, || {
        stage.lb1.has_vip() && stage.lb2.vip_event(true, since, Duration::ZERO).is_none()
    });
    if !stayed {
        fail("with the article's config the VIP left lb1 although the priorities tie");
    }
    let answer = stage.client_get();
    let (lb1, lb2) = (
        status(&stage.lb1.host, &on_lb1),
        status(&stage.lb2.host, &on_lb2),
    );
    println!(
        "   watched {} more (lb2's Master_Down_Interval + 1 s): the VIP stays on lb1, which has no HAProxy",
        secs(watched)
    );
    println!(
        "   client: GET http://{VIP}/ {}",
        answer.map_or("gets no answer: nothing serves the VIP".to_owned(), |who| {
            format!("answered \"{who}\"?")
        })
    );
    stage.priorities("priorities", &lb1, &lb2);
    stage.timeline.mark(format!(
        "VIP still on lb1, unserved ({} watched)",
        secs(watched)
    ));
    explain_tie();
    stop_both(stage, on_lb1, on_lb2);
    watched
}

/// Why the VIP stayed, in plain words, and what `-t` says.
fn explain_tie() {
    println!(
        "   Why: the dead HAProxy costs lb1 only its +2, leaving it at 100, exactly lb2's 98 + 2.\n   \
         A Backup takes over only from a Master advertising a LOWER priority than its own\n   \
         (RFC 3768 6.4.2: an equal one just restarts its Master_Down_Timer), so lb2 stays\n   \
         BACKUP and the VIP stays on the broken host. keepalived does the same.\n   \
         The fix: a weight larger than the gap between the priorities (here 2)."
    );
    if let Some(warning) = configs::gap_warning(&configs::article(Side::Master)) {
        println!(
            "   `keepalive-haproxy -t`, reading one file, can only say: {warning};\n   \
             `--verify` (above) read both and found the tie before anything ran."
        );
    }
}

/// SIGTERM to `on_lb2`, then to `on_lb1` (so the VIP does not move), and
/// waits for both to exit and lb1 to release the VIP.
fn stop_both(stage: &Stage<'_, '_>, mut on_lb1: Proc, mut on_lb2: Proc) {
    for (name, daemon) in [("lb2", &mut on_lb2), ("lb1", &mut on_lb1)] {
        daemon.kill(Signal::SIGTERM);
        if daemon.wait_exit(Duration::from_secs(5)).is_none() {
            fail(format!("{name}'s daemon ignored SIGTERM"));
        }
    }
    if stage.lb1.has_vip() || stage.lb2.has_vip() {
        fail("a stopped daemon left the VIP behind");
    }
}

/// SIGKILL to HAProxy on `lb1`, waiting until it is reaped (a zombie would
/// still pass `killall -0`); when it was sent.
fn kill_haproxy(stage: &mut Stage<'_, '_>, haproxy: &mut Proc) -> SystemTime {
    println!("   kill -9 haproxy on lb1 (its VRRP daemon keeps running)");
    let since = SystemTime::now();
    haproxy.kill(Signal::SIGKILL);
    if haproxy.wait_exit(Duration::from_secs(5)).is_none() {
        fail("haproxy survived SIGKILL");
    }
    stage.timeline.mark_at(since, "haproxy killed on lb1");
    since
}

/// Act 2: the weight above the gap; HAProxy dies (the VIP moves), comes
/// back (it moves back), and the Master's daemon stops (it moves within
/// Skew_Time).
pub(crate) fn corrected(stage: &mut Stage<'_, '_>) -> Failovers {
    println!(
        "\n2. The corrected configuration: the same files with `weight {CORRECTED_WEIGHT}` instead of \
         `weight {ARTICLE_WEIGHT}`,\n   larger than the gap: lb1 {} and lb2 {} while both HAProxys run. \
         Both daemons restarted.",
        100 + CORRECTED_WEIGHT,
        98 + CORRECTED_WEIGHT
    );
    let case = Stage::case();
    let mut haproxy1 = stage.start_haproxy(&stage.lb1);
    let _haproxy2 = stage.start_haproxy(&stage.lb2);
    stage.timeline.mark(format!(
        "act 2: weight {CORRECTED_WEIGHT}, daemons restarted"
    ));
    let (mut on_lb1, on_lb2) = stage.elect(configs::corrected, CORRECTED_WEIGHT);
    let (lb1_up, lb2_up) = (100 + CORRECTED_WEIGHT, 98 + CORRECTED_WEIGHT);

    let since = kill_haproxy(stage, &mut haproxy1);
    let bound = CHECK_INTERVAL + case.master_down(lb2_up);
    let haproxy_killed = moved(stage, "lb2", since, bound + SLACK);
    println!(
        "   the VIP is on lb2 {} after the kill (at most {}: the check's interval 2 s + lb2's \
         Master_Down_Interval {})",
        secs(haproxy_killed),
        secs(bound),
        secs(case.master_down(lb2_up))
    );
    let (lb1, lb2) = (
        status(&stage.lb1.host, &on_lb1),
        status(&stage.lb2.host, &on_lb2),
    );
    stage.priorities("priorities", &lb1, &lb2);
    let fell = u64::from(effective(Side::Master, CORRECTED_WEIGHT, false));
    if lb1.effective != fell || lb2.state != "MASTER" {
        fail(format!(
            "expected lb1 at {fell} and lb2 MASTER: lb1 {lb1:?}, lb2 {lb2:?}"
        ));
    }
    println!(
        "   lb1 fell to 100, below lb2's {lb2_up}: lb2 stopped hearing a better master and took over"
    );
    stage.served_by("lb2");

    println!(
        "   haproxy started again on lb1: lb1 back at {lb1_up}, above lb2's {lb2_up}, preempts"
    );
    let since = SystemTime::now();
    let _haproxy1 = stage.start_haproxy(&stage.lb1);
    stage
        .timeline
        .mark_at(since, "haproxy started again on lb1");
    let bound = CHECK_INTERVAL + case.master_down(lb1_up);
    let haproxy_back = moved(stage, "lb1", since, bound + SLACK);
    println!(
        "   the VIP is back on lb1 {} after the start (at most {}: 2 s + lb1's Master_Down_Interval {})",
        secs(haproxy_back),
        secs(bound),
        secs(case.master_down(lb1_up))
    );
    stage.served_by("lb1");

    println!(
        "   SIGTERM to lb1's daemon (a clean stop): it advertises priority 0 and removes the VIP"
    );
    let since = SystemTime::now();
    on_lb1.kill(Signal::SIGTERM);
    stage.timeline.mark_at(since, "SIGTERM to lb1's daemon");
    let bound = case.skew(lb2_up);
    let sigterm = moved(stage, "lb2", since, bound + SLACK_GOODBYE);
    match on_lb1.wait_exit(Duration::from_secs(3)) {
        Some(exit) if exit.success() => {}
        other => fail(format!(
            "lb1's daemon did not exit cleanly on SIGTERM: {other:?}"
        )),
    }
    println!(
        "   the VIP is on lb2 {} after the signal (lb2's Skew_Time {}, + 0.20 s allowed)",
        secs(sigterm),
        secs(bound)
    );
    stage.served_by("lb2");
    Failovers {
        haproxy_killed,
        haproxy_back,
        sigterm,
    }
}

/// Waits until the VIP moved to `to` (added there, removed from the other)
/// since `since`, within `limit`; how long it took to arrive.
fn moved(stage: &mut Stage<'_, '_>, to: &str, since: SystemTime, limit: Duration) -> Duration {
    let (onto, from): (&Lb<'_>, &Lb<'_>) = if to == "lb1" {
        (&stage.lb1, &stage.lb2)
    } else {
        (&stage.lb2, &stage.lb1)
    };
    let Some(took) = onto.vip_event(true, since, limit) else {
        fail(format!(
            "the VIP did not move to {to} within {} (on lb1: {}, on lb2: {})",
            secs(limit),
            stage.lb1.has_vip(),
            stage.lb2.has_vip()
        ))
    };
    if took > limit {
        fail(format!(
            "the VIP moved to {to} after {}, later than {}",
            secs(took),
            secs(limit)
        ));
    }
    let released = from.vip_event(false, since, Duration::from_secs(2));
    if released.is_none() {
        fail(format!("{} kept the VIP too", from.name()));
    }
    stage.timeline.mark_at(since + took, format!("VIP on {to}"));
    took
}
