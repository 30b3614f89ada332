//! Prometheus metrics (`--metrics-listen ADDR`): state per instance,
//! priorities, transitions, RFC 6527 counters, track script and process
//! results, in the text exposition format.
//!
//! The VRRP loop never waits for a scraper: [`serve`] runs its own thread
//! with a blocking `TcpListener`, and for each scrape asks the driver for a
//! [`status::snapshot`] through its
//! [`Handle`]; the driver answers between two turns. Rendering happens on
//! the metrics thread, from the snapshot alone ([`render`]).

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::status::{self, COUNTERS};
use vrrp_io_linux::driver::Handle;

/// How long a scrape waits for the driver's snapshot.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(1);
/// How long a client may take to send its request or read the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// The states a `vrrp_state` series exists for.
const STATES: [&str; 4] = ["INIT", "BACKUP", "MASTER", "FAULT"];

/// Binds `addr` and serves `/metrics` (and `/`) on a thread of its own
/// until the process ends. Fails only if the address cannot be bound.
pub fn serve(addr: SocketAddr, handle: Handle) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    let thread = std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => {
                        if let Err(error) = answer(stream, &handle) {
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
fn answer(mut stream: TcpStream, handle: &Handle) -> io::Result<()> {
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
            Some(snapshot) => ("200 OK", render(&snapshot)),
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

/// One metric family: its HELP and TYPE, then samples.
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, kind: &str, help: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        Self { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        let _ = writeln!(self.out, "{name}{{{}}} {value}", labels.join(","));
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn flag(value: &Value) -> u8 {
    u8::from(value.as_bool().unwrap_or(false))
}

/// The Prometheus text of a [`status::snapshot`](crate::status::snapshot).
pub fn render(snapshot: &Value) -> String {
    let mut out = String::new();
    let empty = Vec::new();
    let instances = snapshot["instances"].as_array().unwrap_or(&empty);
    let labels_of = |i: &Value| -> [(&'static str, String); 3] {
        [
            ("instance", text(&i["name"])),
            ("interface", text(&i["interface"])),
            ("vrid", text(&i["vrid"])),
        ]
    };
    let per_instance =
        |out: &mut String, name: &str, kind: &str, help: &str, value: &dyn Fn(&Value) -> String| {
            let mut family = Family::new(out, name, kind, help);
            for i in instances {
                let labels = labels_of(i);
                let labels: Vec<(&str, &str)> =
                    labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let value = value(i);
                if !value.is_empty() {
                    family.sample(name, &labels, value);
                }
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
        let state = text(&i["state"]);
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
        &|i| text(&i["priority"]["effective"]),
    );
    per_instance(
        &mut out,
        "vrrp_base_priority",
        "gauge",
        "Configured priority.",
        &|i| text(&i["priority"]["base"]),
    );
    per_instance(
        &mut out,
        "vrrp_vips_installed",
        "gauge",
        "1 while the instance has its virtual addresses installed.",
        &|i| flag(&i["vips_installed"]).to_string(),
    );
    per_instance(
        &mut out,
        "vrrp_transitions_total",
        "counter",
        "State changes since the daemon started.",
        &|i| text(&i["transitions"]),
    );
    per_instance(
        &mut out,
        "vrrp_master_down_interval_seconds",
        "gauge",
        "Master_Down_Interval as the instance computes it now.",
        &|i| {
            format!(
                "{}",
                i["timers"]["master_down_interval_us"].as_u64().unwrap_or(0) as f64 / 1e6
            )
        },
    );
    for counter in COUNTERS {
        let name = format!("vrrp_{}_total", counter.name);
        let help = if counter.mib.is_empty() {
            counter.help.to_owned()
        } else {
            format!("{} ({})", counter.help, counter.mib)
        };
        per_instance(&mut out, &name, "counter", &help, &|i| {
            text(&i["stats"][counter.name])
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
        for t in i["tracked"].as_array().unwrap_or(&empty) {
            let mut all: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (kind, name) = (text(&t["type"]), text(&t["name"]));
            all.push(("type", &kind));
            all.push(("object", &name));
            family.sample("vrrp_tracked_up", &all, flag(&t["up"]));
        }
    }

    let scripts = snapshot["scripts"].as_array().unwrap_or(&empty);
    let mut family = Family::new(
        &mut out,
        "vrrp_script_up",
        "gauge",
        "1 while a vrrp_script counts as up (after rise/fall).",
    );
    for s in scripts {
        family.sample(
            "vrrp_script_up",
            &[("script", &text(&s["name"]))],
            flag(&s["up"]),
        );
    }
    let mut family = Family::new(
        &mut out,
        "vrrp_script_runs_total",
        "counter",
        "Runs of a vrrp_script.",
    );
    for s in scripts {
        family.sample(
            "vrrp_script_runs_total",
            &[("script", &text(&s["name"]))],
            text(&s["runs"]),
        );
    }
    let processes = snapshot["processes"].as_array().unwrap_or(&empty);
    let mut family = Family::new(
        &mut out,
        "vrrp_process_up",
        "gauge",
        "1 while a vrrp_track_process is within its quorum.",
    );
    for p in processes {
        family.sample(
            "vrrp_process_up",
            &[("process", &text(&p["name"]))],
            flag(&p["up"]),
        );
    }
    let mut family = Family::new(
        &mut out,
        "vrrp_process_count",
        "gauge",
        "Processes matching a vrrp_track_process at the last scan.",
    );
    for p in processes {
        family.sample(
            "vrrp_process_count",
            &[("process", &text(&p["name"]))],
            text(&p["count"]),
        );
    }
    let router = &snapshot["router"];
    let _ = writeln!(
        out,
        "# HELP vrrp_router_vrid_errors_total Advertisements for a VRID no instance has (vrrpv3RouterVrIdErrors).\n\
         # TYPE vrrp_router_vrid_errors_total counter\nvrrp_router_vrid_errors_total {}\n\
         # HELP vrrp_notify_scripts_busy Notify scripts running or queued.\n\
         # TYPE vrrp_notify_scripts_busy gauge\nvrrp_notify_scripts_busy {}",
        text(&router["vrid_errors"]),
        text(&snapshot["notify_scripts_busy"]),
    );
    out
}

#[cfg(test)]
mod test {
    use serde_json::json;

    use super::*;

    fn snapshot() -> Value {
        json!({
            "instances": [{
                "name": "OCP_EXT", "interface": "ens192", "vrid": 51, "state": "MASTER",
                "priority": { "base": 100, "effective": 102 }, "vips_installed": true,
                "transitions": 2, "timers": { "master_down_interval_us": 3_609_375 },
                "stats": { "adverts_received": 7, "master_transitions": 1 },
                "tracked": [{ "type": "script", "name": "haproxy_check", "up": true }],
            }],
            "scripts": [{ "name": "haproxy_check", "up": true, "runs": 5 }],
            "processes": [{ "name": "hap\"x", "up": false, "count": 0 }],
            "router": { "vrid_errors": 3 },
            "notify_scripts_busy": 0,
        })
    }

    #[test]
    fn renders_states_priorities_counters_and_tracks() {
        let text = render(&snapshot());
        let l = r#"instance="OCP_EXT",interface="ens192",vrid="51""#;
        for line in [
            format!("vrrp_state{{{l},state=\"MASTER\"}} 1"),
            format!("vrrp_state{{{l},state=\"BACKUP\"}} 0"),
            format!("vrrp_priority{{{l}}} 102"),
            format!("vrrp_base_priority{{{l}}} 100"),
            format!("vrrp_vips_installed{{{l}}} 1"),
            format!("vrrp_transitions_total{{{l}}} 2"),
            format!("vrrp_master_down_interval_seconds{{{l}}} 3.609375"),
            format!("vrrp_adverts_received_total{{{l}}} 7"),
            format!("vrrp_master_transitions_total{{{l}}} 1"),
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
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
