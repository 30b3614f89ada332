//! A real Prometheus (Debian's `prometheus`, installed with apt-get when
//! missing) scrapes our daemon on two lab hosts every second; a failover
//! (SIGTERM on the Master) must show in what its HTTP API returns, under
//! keepalived-exporter's names and under ours.
//!
//! ```text
//!   a 192.0.2.1 (ours, 150) ─┐
//!   b 192.0.2.2 (ours, 100) ─┼─ bridge ─ m 192.0.2.3: prometheus, scrapes a:9650 and b:9650
//! ```

use vrrp_lab as lab;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Signal};
use serde_json::Value;

/// Where Prometheus listens on host `m`.
const PROMETHEUS: &str = "127.0.0.1:9090";

/// `prometheus` on PATH, installed with apt-get once when missing; `Err`
/// says why not.
fn prometheus() -> Result<(), String> {
    let found = || Command::new("prometheus").arg("--version").output().is_ok();
    if found() {
        return Ok(());
    }
    lab::say("== monitor_prometheus: installing prometheus (apt-get, once)");
    let result = lab::tools::apt_install(&["prometheus"]);
    if found() {
        return Ok(());
    }
    Err(result
        .err()
        .unwrap_or_else(|| "installed, yet not on PATH".into()))
}

/// A query string with everything but unreserved characters escaped.
fn escape(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET path` on Prometheus from host `m`: the status line and the body.
fn get(m: &Host<'_>, path: &str) -> Option<(String, String)> {
    let to: SocketAddr = PROMETHEUS.parse().unwrap();
    m.in_netns(|| {
        let mut stream = TcpStream::connect_timeout(&to, Duration::from_secs(1)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        Some((head.lines().next()?.to_owned(), body.to_owned()))
    })
}

/// The result of a PromQL query: per series, its `instance` label and its
/// values (one for an instant vector, every sample for a range vector).
fn query(m: &Host<'_>, promql: &str) -> Vec<(String, Vec<f64>)> {
    let Some((status, body)) = get(m, &format!("/api/v1/query?query={}", escape(promql))) else {
        return Vec::new();
    };
    let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    assert!(status.contains(" 200 "), "{promql}: {status} {body}");
    let number = |pair: &Value| pair[1].as_str().unwrap().parse::<f64>().unwrap();
    value["data"]["result"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|series| {
            let instance = series["metric"]["instance"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let values = match series.get("values") {
                Some(values) => values.as_array().unwrap().iter().map(number).collect(),
                None => vec![number(&series["value"])],
            };
            (instance, values)
        })
        .collect()
}

/// The values of `promql` for target `instance`.
fn values(m: &Host<'_>, promql: &str, instance: &str) -> Vec<f64> {
    query(m, promql)
        .into_iter()
        .find(|(i, _)| i == instance)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// Whether `values` holds `from`, later `to`, and `to` from then on.
fn moved(values: &[f64], from: f64, to: f64) -> bool {
    let Some(first_to) = values.iter().position(|&v| v == to) else {
        return false;
    };
    values[..first_to].contains(&from) && values[first_to..].iter().all(|&v| v == to)
}

#[test]
fn prometheus_sees_a_failover_in_both_name_sets() {
    let started = Instant::now();
    let Some(lab) = Lab::new("prometheus_sees_a_failover") else {
        return;
    };
    if let Err(why) = prometheus() {
        assert!(std::env::var_os("CI").is_none(), "prometheus: {why}");
        lab::say(&format!("\n*** SKIPPED: no prometheus: {why} ***\n"));
        return;
    }
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let m = lab.host("m", &["192.0.2.3/24"]);
    let (on_a, on_b) = ("192.0.2.1:9650", "192.0.2.2:9650");
    let config = m.dir().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
             - job_name: vrrp\n    static_configs:\n      - targets: ['{on_a}', '{on_b}']\n"
        ),
    )
    .unwrap();
    let tsdb = m.dir().join("tsdb");
    let _prometheus = m.spawn(
        "prometheus",
        &[
            "prometheus",
            &format!("--config.file={}", config.display()),
            &format!("--storage.tsdb.path={}", tsdb.display()),
            &format!("--web.listen-address={PROMETHEUS}"),
        ],
    );
    let ready = || get(&m, "/-/ready").is_some_and(|(status, _)| status.contains(" 200 "));
    assert!(
        wait_for(Duration::from_secs(20), ready).is_some(),
        "prometheus ready"
    );

    let vrrp = |priority| {
        let instance = Instance::new("VI_1", 51)
            .priority(priority)
            .vip("192.0.2.100/24");
        Config::new("lab").instance(instance).to_string()
    };
    let ours = Daemon::ours();
    let daemon_a = ours.start_with(&a, &vrrp(150), &["--metrics-listen", on_a]);
    let _daemon_b = ours.start_with(&b, &vrrp(100), &["--metrics-listen", on_b]);
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    assert!(wait_for(Duration::from_secs(10), || a.has_address(vip)).is_some());

    let state = r#"keepalived_vrrp_state{ip_address="192.0.2.100/24"}"#;
    let before = || values(&m, state, on_a) == [2.0] && values(&m, state, on_b) == [1.0];
    assert!(
        wait_for(Duration::from_secs(10), before).is_some(),
        "scraped a as MASTER (2), b as BACKUP (1): {:?}",
        query(&m, state)
    );
    // A few scrapes of the steady state.
    std::thread::sleep(Duration::from_secs(2));

    daemon_a.kill(Signal::SIGTERM);
    assert!(wait_for(Duration::from_secs(5), || b.has_address(vip)).is_some());
    let after = || values(&m, state, on_b) == [2.0];
    assert!(
        wait_for(Duration::from_secs(10), after).is_some(),
        "b scraped as MASTER: {:?}",
        query(&m, state)
    );

    // The failover in the stored data, under both sets of names.
    let window = |promql: &str| format!("{promql}[5m]");
    let theirs = values(&m, &window(state), on_b);
    assert!(
        moved(&theirs, 1.0, 2.0),
        "keepalived_vrrp_state of b: {theirs:?}"
    );
    let master = r#"vrrp_state{state="MASTER"}"#;
    let ours_b = values(&m, &window(master), on_b);
    assert!(
        moved(&ours_b, 0.0, 1.0),
        "vrrp_state MASTER of b: {ours_b:?}"
    );
    let ours_a = values(&m, &window(master), on_a);
    assert!(ours_a.contains(&1.0), "vrrp_state MASTER of a: {ours_a:?}");
    let became = values(&m, &window("keepalived_become_master_total"), on_b);
    assert!(
        moved(&became, 0.0, 1.0),
        "keepalived_become_master_total of b: {became:?}"
    );
    let zero = values(&m, "keepalived_priority_zero_received_total", on_b);
    assert_eq!(zero, [1.0], "b heard a's priority 0");
    lab::say(&format!(
        "MEASURED monitor_prometheus: b's keepalived_vrrp_state {} samples BACKUP→MASTER, \
         vrrp_state{{MASTER}} {} samples 0→1; {:.1} s",
        theirs.len(),
        ours_b.len(),
        started.elapsed().as_secs_f64()
    ));
}
