//! keepalived's `down_timer_adverts`: Master_Down_Interval is N ×
//! Master_Adver_Interval + Skew_Time (keepalived's `VRRP_MS_DOWN_TIMER`;
//! RFC 9568 §6.1 fixes N at 3), with exact virtual times in microseconds.

mod lan;

use lan::{Lan, at_micros, config};
use vrrp_core::config::DOWN_TIMER_ADVERTS;
use vrrp_core::time::Duration;
use vrrp_core::wire::Version;
use vrrp_core::{Config, ConfigError, Reason, State};

const SEC: u64 = 1_000_000;

fn with_adverts(i: u8, priority: u8, adverts: u8) -> Config {
    Config {
        down_timer_adverts: adverts,
        ..config(i, priority)
    }
}

#[test]
fn the_default_is_the_rfcs_three() {
    assert_eq!(config(0, 100).down_timer_adverts, DOWN_TIMER_ADVERTS);
    let lan = Lan::new(vec![config(0, 100)]);
    assert_eq!(
        lan.nodes[0].instance.master_down_interval(),
        Duration::from_micros(3 * SEC + 156 * SEC / 256)
    );
}

#[test]
fn n_intervals_plus_the_skew() {
    for adverts in [1, 2, 5, 100] {
        let lan = Lan::new(vec![with_adverts(0, 100, adverts)]);
        let instance = &lan.nodes[0].instance;
        assert_eq!(
            instance.master_down_interval(),
            Duration::from_micros(u64::from(adverts) * SEC) + instance.skew_time(),
            "{adverts} adverts"
        );
    }
}

#[test]
fn version_2_keeps_its_skew_in_seconds() {
    let v2 = Config {
        version: Version::V2,
        advert_interval: 200,
        ..with_adverts(0, 100, 2)
    };
    let lan = Lan::new(vec![v2]);
    assert_eq!(
        lan.nodes[0].instance.master_down_interval(),
        Duration::from_micros(2 * 2 * SEC + 156 * SEC / 256)
    );
}

#[test]
fn a_lone_backup_takes_over_after_n_intervals_and_the_skew() {
    let mut lan = Lan::new(vec![with_adverts(0, 100, 1)]);
    lan.start_all();
    lan.run_until(at_micros(3 * SEC));
    let master = lan
        .transitions
        .iter()
        .find(|t| t.to == State::Master)
        .expect("a Master");
    assert_eq!(
        (master.at, master.reason),
        (at_micros(SEC + 156 * SEC / 256), Reason::MasterNoResponse)
    );
}

/// The Backup waits N of the Master's intervals: with N = 5, a Master
/// that dies at 10 s is replaced 5 × 1 s + skew after its last advert.
#[test]
fn a_backup_counts_the_masters_intervals() {
    let mut lan = Lan::new(vec![with_adverts(0, 100, 5), config(1, 200)]);
    lan.start_all();
    lan.run_until(at_micros(10 * SEC));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    let last = lan.nodes[1].sent.last().expect("adverts").0;
    lan.crash(1);
    lan.run_until(at_micros(30 * SEC));
    let took = lan
        .transitions
        .iter()
        .find(|t| t.router == 0 && t.to == State::Master)
        .expect("router 0 takes over");
    assert_eq!(
        took.at,
        last + Duration::from_micros(5 * SEC + 156 * SEC / 256)
    );
}

#[test]
fn keepalived_range_is_validated() {
    for bad in [0, 101, 255] {
        assert_eq!(
            with_adverts(0, 100, bad).validate(),
            Err(ConfigError::DownTimerAdverts(bad))
        );
    }
    for good in [1, 3, 100] {
        assert_eq!(with_adverts(0, 100, good).validate(), Ok(()));
    }
}
