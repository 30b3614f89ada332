//! Prometheus metrics (`--metrics-listen ADDR`): state per instance,
//! priorities, transitions, RFC 6527 counters, track script and process
//! results, in the text exposition format; beside them, by default, the
//! same state under keepalived-exporter's names ([`exporter`]), so its
//! dashboards work unchanged. [`MetricSets`] turns either set off.
//!
//! The VRRP loop never waits for a scraper: [`serve`] runs its own thread
//! with a blocking `TcpListener`, and for each scrape asks the driver for a
//! typed [`Snapshot`] through its [`Handle`]; the driver answers between
//! two turns. Rendering happens on the metrics thread, from the snapshot
//! alone ([`render`]), as the status dump renders the same snapshot.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use vrrp_io_linux::driver::Handle;

use crate::exporter;
use crate::prometheus::Family;
use crate::snapshot::{InstanceStatus, Snapshot};
use crate::status::{self, COUNTERS, state_name};

/// How long a scrape waits for the driver's snapshot.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(1);
/// How long a client may take to send its request or read the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// The states a `vrrp_state` series exists for.
const STATES: [&str; 4] = ["INIT", "BACKUP", "MASTER", "FAULT"];

/// Which metric names a scrape shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricSets {
    /// Ours: `vrrp_*`.
    pub ours: bool,
    /// keepalived-exporter's: `keepalived_*`.
    pub exporter: bool,
}

impl Default for MetricSets {
    /// Both.
    fn default() -> Self {
        Self {
            ours: true,
            exporter: true,
        }
    }
}

/// Binds `addr` and serves `/metrics` (and `/`) on a thread of its own
/// until the process ends. Fails only if the address cannot be bound.
pub fn serve(
    addr: SocketAddr,
    handle: Handle,
    sets: MetricSets,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    let thread = std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => {
                        if let Err(error) = answer(stream, &handle, sets) {
                            tracing::debug!(%error, "metrics client");
                        }
                    }
                    Err(error) => tracing::debug!(%error, "metrics accept"),
                }
            }
        })?;
    Ok((bound, thread))
}

/// Reads one HTTP request and answers it.
fn answer(mut stream: TcpStream, handle: &Handle, sets: MetricSets) -> io::Result<()> {
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = request.split(|&b| b == b'\r').next().unwrap_or_default();
    let path = std::str::from_utf8(line)
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .unwrap_or_default();
    let (status, body) = match path {
        "/metrics" | "/" => match handle.inspect(status::snapshot, SNAPSHOT_WAIT) {
            Some(snapshot) => ("200 OK", render_sets(&snapshot, sets)),
            // As keepalived-exporter when keepalived does not answer.
            None if sets.exporter => ("200 OK", exporter::render_down()),
            None => (
                "503 Service Unavailable",
                "the VRRP driver did not answer\n".to_owned(),
            ),
        },
        _ => ("404 Not Found", "try /metrics\n".to_owned()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The Prometheus text of a [`Snapshot`], in the chosen sets of names.
pub fn render_sets(snapshot: &Snapshot, sets: MetricSets) -> String {
    let mut out = String::new();
    if sets.ours {
        out += &render(snapshot);
    }
    if sets.exporter {
        out += &exporter::render(snapshot);
    }
    out
}

/// The Prometheus text of a [`Snapshot`], in our names.
pub fn render(snapshot: &Snapshot) -> String {
    let mut out = String::new();
    let instances = &snapshot.instances;
    let labels_of = |i: &InstanceStatus| -> [(&'static str, String); 3] {
        [
            ("instance", i.name.clone()),
            ("interface", i.interface.clone().unwrap_or_default()),
            ("vrid", i.config.vrid.to_string()),
        ]
    };
    let per_instance = |out: &mut String,
                        name: &str,
                        kind: &str,
                        help: &str,
                        value: &dyn Fn(&InstanceStatus) -> String| {
        let mut family = Family::new(out, name, kind, help);
        for i in instances {
            let labels = labels_of(i);
            let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            family.sample(name, &labels, value(i));
        }
    };

    let mut family = Family::new(
        &mut out,
        "vrrp_state",
        "gauge",
        "1 for the state the instance is in (INIT, BACKUP, MASTER, FAULT), else 0.",
    );
    for i in instances {
        let labels = labels_of(i);
        let state = state_name(i.state);
        for candidate in STATES {
            let mut all: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("state", candidate));
            family.sample("vrrp_state", &all, u8::from(state == candidate));
        }
    }
    per_instance(
        &mut out,
        "vrrp_priority",
        "gauge",
        "Effective priority: base plus track weights.",
        &|i| i.priority.to_string(),
    );
    per_instance(
        &mut out,
        "vrrp_base_priority",
        "gauge",
        "Configured priority.",
        &|i| i.config.priority.to_string(),
    );
    per_instance(
        &mut out,
        "vrrp_vips_installed",
        "gauge",
        "1 while the instance has its virtual addresses installed.",
        &|i| u8::from(i.vips_installed).to_string(),
    );
    per_instance(
        &mut out,
        "vrrp_transitions_total",
        "counter",
        "State changes since the daemon started.",
        &|i| i.history.transitions.to_string(),
    );
    per_instance(
        &mut out,
        "vrrp_master_down_interval_seconds",
        "gauge",
        "Master_Down_Interval as the instance computes it now.",
        &|i| format!("{}", i.master_down_interval.as_micros() as f64 / 1e6),
    );
    for counter in COUNTERS {
        let name = format!("vrrp_{}_total", counter.name);
        let help = if counter.mib.is_empty() {
            counter.help.to_owned()
        } else {
            format!("{} ({})", counter.help, counter.mib)
        };
        per_instance(&mut out, &name, "counter", &help, &|i| {
            (counter.get)(&i.stats).to_string()
        });
    }

    let mut family = Family::new(
        &mut out,
        "vrrp_tracked_up",
        "gauge",
        "1 while a tracked object of an instance counts as up.",
    );
    for i in instances {
        let labels = labels_of(i);
        for t in &i.tracked {
            let mut all: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("type", t.kind.name()));
            all.push(("object", &t.name));
            family.sample("vrrp_tracked_up", &all, u8::from(t.up == Some(true)));
        }
    }

    let scripts = &snapshot.scripts;
    let mut family = Family::new(
        &mut out,
        "vrrp_script_up",
        "gauge",
        "1 while a vrrp_script counts as up (after rise/fall).",
    );
    for (spec, state) in scripts {
        family.sample(
            "vrrp_script_up",
            &[("script", &spec.name)],
            u8::from(state.up),
        );
    }
    let mut family = Family::new(
        &mut out,
        "vrrp_script_runs_total",
        "counter",
        "Runs of a vrrp_script.",
    );
    for (spec, state) in scripts {
        family.sample(
            "vrrp_script_runs_total",
            &[("script", &spec.name)],
            state.runs,
        );
    }
    let processes = &snapshot.processes;
    let mut family = Family::new(
        &mut out,
        "vrrp_process_up",
        "gauge",
        "1 while a vrrp_track_process is within its quorum.",
    );
    for (spec, state) in processes {
        family.sample(
            "vrrp_process_up",
            &[("process", &spec.name)],
            u8::from(state.up),
        );
    }
    let mut family = Family::new(
        &mut out,
        "vrrp_process_count",
        "gauge",
        "Processes matching a vrrp_track_process at the last scan.",
    );
    for (spec, state) in processes {
        family.sample(
            "vrrp_process_count",
            &[("process", &spec.name)],
            state.count,
        );
    }
    let _ = writeln!(
        out,
        "# HELP vrrp_router_vrid_errors_total Advertisements for a VRID no instance has (vrrpv3RouterVrIdErrors).\n\
         # TYPE vrrp_router_vrid_errors_total counter\nvrrp_router_vrid_errors_total {}\n\
         # HELP vrrp_notify_scripts_busy Notify scripts running or queued.\n\
         # TYPE vrrp_notify_scripts_busy gauge\nvrrp_notify_scripts_busy {}\n\
         # HELP vrrp_route_failures_total Route, rule and static address changes that failed.\n\
         # TYPE vrrp_route_failures_total counter\nvrrp_route_failures_total {}\n\
         # HELP vrrp_drop_rule_failures_total Changes to the rules dropping traffic to no_accept VIPs that failed.\n\
         # TYPE vrrp_drop_rule_failures_total counter\nvrrp_drop_rule_failures_total {}",
        snapshot.router.vrid_errors,
        snapshot.notify_scripts_busy,
        snapshot.route_failures,
        snapshot.drop_rule_failures,
    );
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::snapshot::fixture;

    #[test]
    fn renders_states_priorities_counters_and_tracks() {
        let text = render(&fixture::snapshot());
        let l = r#"instance="OCP_EXT",interface="ens192",vrid="51""#;
        for line in [
            format!("vrrp_state{{{l},state=\"MASTER\"}} 1"),
            format!("vrrp_state{{{l},state=\"BACKUP\"}} 0"),
            format!("vrrp_priority{{{l}}} 102"),
            format!("vrrp_base_priority{{{l}}} 100"),
            format!("vrrp_vips_installed{{{l}}} 1"),
            format!("vrrp_transitions_total{{{l}}} 4"),
            format!("vrrp_master_down_interval_seconds{{{l}}} 3.609375"),
            format!("vrrp_adverts_received_total{{{l}}} 7"),
            format!("vrrp_master_transitions_total{{{l}}} 2"),
            format!("vrrp_tracked_up{{{l},type=\"script\",object=\"haproxy_check\"}} 1"),
            "vrrp_script_up{script=\"haproxy_check\"} 1".to_owned(),
            "vrrp_script_runs_total{script=\"haproxy_check\"} 5".to_owned(),
            "vrrp_process_up{process=\"hap\\\"x\"} 0".to_owned(),
            "vrrp_router_vrid_errors_total 3".to_owned(),
            "# TYPE vrrp_adverts_received_total counter".to_owned(),
        ] {
            assert!(
                text.lines().any(|x| x == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(text.contains("(vrrpv3StatisticsRcvdAdvertisements)"));
        assert!(!text.contains("keepalived_"), "our set alone");
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn sets_choose_the_names() {
        let snapshot = fixture::snapshot();
        let names = |sets| {
            let text = render_sets(&snapshot, sets);
            let ours = text.lines().any(|l| l.starts_with("vrrp_state{"));
            let theirs = text
                .lines()
                .any(|l| l.starts_with("keepalived_vrrp_state{"));
            (ours, theirs)
        };
        assert_eq!(names(MetricSets::default()), (true, true));
        assert_eq!(
            names(MetricSets {
                ours: false,
                exporter: true
            }),
            (false, true)
        );
        assert_eq!(
            names(MetricSets {
                ours: true,
                exporter: false
            }),
            (true, false)
        );
    }
}
