//! The keepalived.conf texts the demonstration runs: the article's, exactly
//! (its master and backup sides, as vrrp-keepalived's fixtures restore them),
//! and the same with a weight larger than the priority gap.

use std::time::Duration;

/// The article's master side (`state MASTER`, `priority 100`).
const ARTICLE_MASTER: &str =
    include_str!("../../../vrrp-keepalived/tests/fixtures/seed-master.conf");
/// The article's backup side (`state BACKUP`, `priority 98`).
const ARTICLE_BACKUP: &str =
    include_str!("../../../vrrp-keepalived/tests/fixtures/seed-backup.conf");

/// The article's `weight` of `haproxy_check`.
pub(crate) const ARTICLE_WEIGHT: u8 = 2;
/// The corrected weight: larger than the gap between 100 and 98.
pub(crate) const CORRECTED_WEIGHT: u8 = 20;
/// The article's script interval (`interval 2`).
pub(crate) const CHECK_INTERVAL: Duration = Duration::from_secs(2);
/// keepalived's default `advert_int`, which the article keeps.
pub(crate) const ADVERT_INTERVAL: Duration = Duration::from_secs(1);

/// One of the two load balancers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The article's haproxy-1: `state MASTER`, `priority 100`.
    Master,
    /// The article's haproxy-0: `state BACKUP`, `priority 98`.
    Backup,
}

impl Side {
    /// The configured `priority`.
    pub(crate) fn priority(self) -> u8 {
        match self {
            Self::Master => 100,
            Self::Backup => 98,
        }
    }
}

/// The article's configuration for `side`, word for word, on the lab's
/// `eth0` instead of the article's `ens192`.
pub(crate) fn article(side: Side) -> String {
    let text = match side {
        Side::Master => ARTICLE_MASTER,
        Side::Backup => ARTICLE_BACKUP,
    };
    text.replace("ens192", "eth0")
}

/// The article's configuration with `weight CORRECTED_WEIGHT` instead of
/// `weight 2`, and nothing else changed.
pub(crate) fn corrected(side: Side) -> String {
    let article = article(side);
    let from = format!("weight {ARTICLE_WEIGHT}\n");
    assert!(
        article.matches(&from).count() == 1,
        "the article's config has one `{from}`"
    );
    article.replace(&from, &format!("weight {CORRECTED_WEIGHT}\n"))
}

/// The priority a host advertises: its configured one, plus `weight` while
/// its check succeeds (a positive weight is added on success).
pub(crate) fn effective(side: Side, weight: u8, check_up: bool) -> u8 {
    side.priority() + if check_up { weight } else { 0 }
}

/// Whether a Backup at `backup` takes over from a Master advertising
/// `master`: only when the Master's priority is lower (RFC 3768 §6.4.2:
/// an advert at a priority greater than or equal to the Backup's resets its
/// Master_Down_Timer). A tie keeps the Master.
pub(crate) fn backup_takes_over(master: u8, backup: u8) -> bool {
    master < backup
}

/// What `keepalive-haproxy -t` says about the weight in `text`, in short:
/// `keepalived.conf:13: weight 2 of ... moves the VIP only if it exceeds
/// the priority gap ...`; `None` when it has nothing to say about it.
pub(crate) fn gap_warning(text: &str) -> Option<String> {
    let loaded = vrrp::keepalived::conf::parse_str(text, "keepalived.conf").ok()?;
    let warning = loaded
        .warnings
        .iter()
        .find(|w| w.message.contains("priority gap"))?;
    let gist = warning.message.split(": ").next().unwrap_or_default();
    Some(format!("keepalived.conf:{}: {gist}", warning.at.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_is_used_as_written() {
        let master = article(Side::Master);
        for line in [
            "router_id ovp_vrrp",
            "script \"killall -0 haproxy\"",
            "interval 2\n",
            "weight 2\n",
            "interface eth0",
            "virtual_router_id 51",
            "priority 100",
            "state MASTER",
            "192.0.2.100 dev eth0",
            "auth_type PASS",
            "auth_pass 1cee4b6e-2cdc-48bf-83b2-01a96d1593e4",
        ] {
            assert!(master.contains(line), "{line:?} missing:\n{master}");
        }
        assert!(!master.contains("ens192") && !master.contains("advert_int"));
        let backup = article(Side::Backup);
        assert!(backup.contains("priority 98") && backup.contains("state BACKUP"));
    }

    #[test]
    fn the_correction_changes_the_weight_only() {
        for side in [Side::Master, Side::Backup] {
            let (before, after) = (article(side), corrected(side));
            let changed: Vec<(&str, &str)> = before
                .lines()
                .zip(after.lines())
                .filter(|(b, a)| b != a)
                .collect();
            assert_eq!(changed, [("weight 2", "weight 20")]);
            assert_eq!(before.lines().count(), after.lines().count());
        }
    }

    #[test]
    fn the_article_ties_and_the_correction_moves() {
        let dead = effective(Side::Master, ARTICLE_WEIGHT, false);
        let alive = effective(Side::Backup, ARTICLE_WEIGHT, true);
        assert_eq!((dead, alive), (100, 100));
        assert!(!backup_takes_over(dead, alive), "a tie keeps the master");

        let dead = effective(Side::Master, CORRECTED_WEIGHT, false);
        let alive = effective(Side::Backup, CORRECTED_WEIGHT, true);
        assert_eq!((dead, alive), (100, 118));
        assert!(backup_takes_over(dead, alive));
        let back = effective(Side::Master, CORRECTED_WEIGHT, true);
        assert!(backup_takes_over(alive, back), "HAProxy back: preempts");
    }

    #[test]
    fn the_configuration_check_flags_the_article_only() {
        let warning = gap_warning(&article(Side::Master)).expect("a warning");
        assert!(
            warning.starts_with(
                "keepalived.conf:13: weight 2 of `haproxy_check` moves the VIP only if it exceeds"
            ),
            "{warning}"
        );
        assert!(!warning.contains(": when"), "{warning}");
        assert_eq!(gap_warning(&corrected(Side::Master)), None);
    }
}
