//! The report a person reads in ten seconds: per virtual router its hosts,
//! the bound, the findings, one row per scenario; then each failing row
//! explained ([`explain`](super::explain)).

use std::fmt::Write as _;
use std::time::Duration;

use vrrp_core::wire::Version;

use super::build;
use super::explain::failure;
use super::hosts::Host;
use super::names::{Names, seconds};
use super::{Report, RouterReport, Row};

impl Report {
    /// The scenarios that fail (or could not be explored), as the table
    /// names them.
    pub fn failing(&self) -> Vec<String> {
        let mut out = Vec::new();
        for report in &self.routers {
            if let Ok(built) = &report.built {
                let names = Names {
                    hosts: &self.hosts,
                    router: &report.router,
                    built,
                };
                for row in report.rows.iter().filter(|r| !r.ok) {
                    out.push(names.scenario(row.scenario));
                }
            }
        }
        out
    }

    /// The whole report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let files: Vec<&str> = self.hosts.iter().map(|h| h.path.as_str()).collect();
        let _ = writeln!(out, "verify {}", files.join(" "));
        for router in &self.routers {
            render_router(&self.hosts, router, &mut out);
        }
        let scenarios: usize = self.routers.iter().map(|r| r.rows.len()).sum();
        let states: usize = self
            .routers
            .iter()
            .flat_map(|r| &r.rows)
            .filter(|r| !r.shared)
            .map(|r| r.states)
            .sum();
        let _ = writeln!(
            out,
            "\n{}: {scenarios} scenarios, {states} states, {:.1} s",
            if self.ok() { "OK" } else { "FAILS" },
            self.elapsed.as_secs_f64()
        );
        out
    }
}

fn render_router(hosts: &[Host], report: &RouterReport, out: &mut String) {
    let router = &report.router;
    let _ = writeln!(
        out,
        "\nvrrp_instance {} (VRID {}, {})",
        router.name,
        router.vrid,
        if router.family == vrrp_core::wire::Family::Ipv4 {
            "IPv4"
        } else {
            "IPv6"
        }
    );
    let built = match &report.built {
        Ok(built) => built,
        Err(why) => {
            let _ = writeln!(out, "  not verified: {why}");
            findings(report, out);
            return;
        }
    };
    let names = Names {
        hosts,
        router,
        built,
    };
    describe(&names, out);
    if let Some(row) = report.rows.first() {
        bound(row, out);
    }
    findings(report, out);

    let cells: Vec<(String, String, String, &str, usize)> = report
        .rows
        .iter()
        .map(|row| {
            let holders = if row.ok {
                holders(&names, row)
            } else {
                "-".into()
            };
            let within = if row.ok {
                seconds(row.worst)
            } else {
                "-".into()
            };
            let verdict = match (row.ok, row.exhaustive) {
                (true, _) => "ok",
                (false, true) => "FAILS",
                (false, false) => "UNKNOWN",
            };
            let scenario = names.scenario(row.scenario);
            (scenario, holders, within, verdict, row.states)
        })
        .collect();
    let ws = cells.iter().map(|c| c.0.len()).max().unwrap_or(0).max(8);
    let wv = cells.iter().map(|c| c.1.len()).max().unwrap_or(0).max(9);
    let _ = writeln!(
        out,
        "\n  {:<ws$}  {:<wv$}  {:<8} {:<7} {:>8}",
        "scenario", "VIP after", "within", "verdict", "states"
    );
    for (scenario, holders, within, verdict, states) in &cells {
        let _ = writeln!(
            out,
            "  {scenario:<ws$}  {holders:<wv$}  {within:<8} {verdict:<7} {states:>8}"
        );
    }
    if report.rows.iter().any(|r| !r.exhaustive) {
        let _ = writeln!(
            out,
            "  UNKNOWN: stopped after {} states, not exhaustive",
            super::MAX_STATES
        );
    }
    for row in report.rows.iter().filter(|r| !r.ok) {
        failure(&names, report, row, out);
    }
}

/// The hosts' settings and the bound, in a few lines.
fn describe(names: &Names<'_>, out: &mut String) {
    let n = names.built.order.len();
    let w = names.width();
    for i in 0..n {
        let member = names.member(i);
        let config = &member.config;
        let healthy = build::tracking(member, None).weight;
        let mut line = format!(
            "  {:<w$} priority {}",
            names.host(i),
            config.priority.saturating_add_signed(healthy as i8)
        );
        if healthy != 0 {
            let _ = write!(line, " ({} {healthy:+})", config.priority);
        }
        for object in &member.tracked {
            let effect = match object.weight {
                0 => "Fault".to_string(),
                w => format!("{w:+}"),
            };
            let via = object
                .via_group
                .as_ref()
                .map_or(String::new(), |g| format!(" via sync group {g}"));
            let _ = write!(line, ", {} {} {effect}{via}", object.kind, object.name);
        }
        let version = if config.version == Version::V2 { 2 } else { 3 };
        let _ = write!(
            line,
            "; VRRPv{version}, advert {} cs, {}",
            config.advert_interval,
            if config.preempt {
                "preempt"
            } else {
                "nopreempt"
            }
        );
        if config.preempt_delay.as_micros() != 0 {
            let _ = write!(
                line,
                ", preempt_delay {}",
                seconds(Duration::from_micros(config.preempt_delay.as_micros()))
            );
        }
        if !config.unicast_peers.is_empty() {
            line.push_str(", unicast");
        }
        let _ = writeln!(out, "{line}");
    }
    if names.router.family == vrrp_core::wire::Family::Ipv6 {
        let _ = writeln!(
            out,
            "  (IPv6: modelled over IPv4 addresses in the same order; VRRPv3 runs alike over both)"
        );
    }
    if names.built.assumed_order {
        let _ = writeln!(
            out,
            "  (no unicast_src_ip / mcast_src_ip in every file: ties are broken as if the \
             hosts' addresses rose in the order of the files)"
        );
    }
}

/// The findings (failures in themselves) and the notes.
fn findings(report: &RouterReport, out: &mut String) {
    for finding in &report.findings {
        let _ = writeln!(out, "  {}: {finding}", finding.label);
    }
    for note in &report.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

/// The bound the rows are checked against, from a row's model.
fn bound(row: &Row, out: &mut String) {
    let t = &row.model.timing;
    let us = |v: u64| seconds(Duration::from_micros(v));
    let _ = writeln!(
        out,
        "  converged: within T_conv = 2 MDI + 2 ((L+1) A + D) + D (+ preempt_delay) = {} of the \
         last disturbance,\n  with MDI = 3 A + Skew_Time <= {} (Master_Down_Interval, RFC 3768 and \
         RFC 9568 §6.1), A = {}, delivery D <= {}, L = {} adverts lost in a row",
        seconds(row.t_conv),
        us(t.mdi_max),
        us(t.advert_max),
        us(t.d_max),
        t.loss_run,
    );
}

fn holders(names: &Names<'_>, row: &Row) -> String {
    if row.holders.is_empty() {
        return "nobody".into();
    }
    row.holders
        .iter()
        .map(|set| match set[..] {
            [] => "nobody".to_string(),
            _ => set
                .iter()
                .map(|&i| names.host(i))
                .collect::<Vec<_>>()
                .join("+"),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}
