//! The report a person reads in ten seconds: per virtual router its hosts,
//! the findings, one row per scenario; for a failing row the shortest
//! trace as a timeline and one sentence in the deployment's own terms.

use std::fmt::Write as _;
use std::time::Duration;

use vrrp_core::State;
use vrrp_core::wire::Version;

use super::build::{self, Built};
use super::hosts::{Host, Member, VirtualRouter};
use super::scenario::{Disturbance, Problem, Scenario, ScenarioModel};
use super::{Report, RouterReport, Row};
use crate::state::World;
use crate::trace::Event;

/// The names of the model's routers.
struct Names<'a> {
    hosts: &'a [Host],
    router: &'a VirtualRouter,
    built: &'a Built,
}

impl Names<'_> {
    fn member(&self, i: usize) -> &Member {
        &self.router.members[self.built.order[i]]
    }

    fn host(&self, i: usize) -> &str {
        &self.hosts[self.member(i).host].name
    }

    /// The widest host name, for the columns.
    fn width(&self) -> usize {
        let n = self.built.order.len();
        (0..n).map(|i| self.host(i).len()).max().unwrap_or(0).max(4)
    }

    fn object(&self, scenario: Scenario) -> &str {
        scenario
            .object()
            .map_or("", |k| &self.member(scenario.router).tracked[k].name)
    }

    /// What happens, in words.
    fn scenario(&self, s: Scenario) -> String {
        let host = self.host(s.router);
        match s.disturbance {
            Disturbance::Start => "all hosts start".into(),
            Disturbance::Fails(_) => format!("{} fails on {host}", self.object(s)),
            Disturbance::Recovers(_) => format!("{} fails, recovers on {host}", self.object(s)),
            Disturbance::Crashes => format!("{host} crashes"),
            Disturbance::ComesBack => format!("{host} crashes, comes back"),
            Disturbance::Stopped => format!("{host} is stopped (SIGTERM)"),
            Disturbance::LinkDown => format!("{host}'s link goes down"),
            Disturbance::CutOff => format!("{host} is cut off, partition heals"),
        }
    }

    /// `98 + 2`: the base priority and what the tracked objects add.
    fn priority(&self, i: usize, w: &World) -> String {
        let base = self.member(i).config.priority;
        let now = w.nodes[i].instance.priority();
        match i32::from(now) - i32::from(base) {
            0 => base.to_string(),
            d if d > 0 => format!("{base} + {d}"),
            d => format!("{base} - {}", -d),
        }
    }
}

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
        let _ = writeln!(out, "  DEAF: {finding}");
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

fn seconds(d: Duration) -> String {
    if d.is_zero() {
        "at once".into()
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A failing row: the shortest trace as a timeline, and why.
fn failure(names: &Names<'_>, report: &RouterReport, row: &Row, out: &mut String) {
    let Some(path) = &row.counterexample else {
        return;
    };
    let _ = writeln!(out, "\n  FAILS: {}", names.scenario(row.scenario));
    let _ = writeln!(
        out,
        "    {:>8}  {:<w$} {:<40} {:<10} priority",
        "time",
        "host",
        "event",
        "state",
        w = names.width()
    );
    let model = &row.model;
    let mut now = 0u64;
    let mut last = model.initial();
    let steps = path.clone().into_vec();
    let mut initial = Vec::new();
    let _ = model.initial_logged(&mut Some(&mut initial));
    timeline_lines(names, row, 0, &initial, &last, out);
    // Adverts lost before the disturbance changed nothing the start did
    // not survive: the timeline shows the losses after it only.
    let mut disturbed = false;
    for (state, step) in steps {
        let Some(step) = step else { continue };
        if let crate::Step::Advance(dt) = step {
            now += dt;
            continue;
        }
        disturbed |= step.is_disturbance();
        let mut events = Vec::new();
        last = model.apply(&state, step, &mut Some(&mut events));
        if !disturbed {
            events.retain(|e| !matches!(e, Event::Lost { .. }));
        }
        timeline_lines(names, row, now, &events, &last, out);
    }
    let holders: Vec<&str> = (0..last.nodes.len())
        .filter(|&i| last.nodes[i].up && last.nodes[i].holds_vips)
        .map(|i| names.host(i))
        .collect();
    let _ = writeln!(
        out,
        "    {:>8}  {:<w$} {:<40}",
        seconds_at(now),
        "-",
        format!(
            "after T_conv = {} of quiet: VIP on {}",
            seconds(row.t_conv),
            if holders.is_empty() {
                "nobody".into()
            } else {
                holders.join(" and ")
            }
        ),
        w = names.width()
    );
    let checked = ScenarioModel::new(model.clone(), row.scenario);
    if let Some(problem) = checked.problem(&last) {
        let _ = writeln!(
            out,
            "  => {}",
            sentence(names, report, row.scenario, &problem, &last)
        );
    }
}

fn seconds_at(us: u64) -> String {
    format!("{:.3}s", us as f64 / 1e6)
}

/// The timeline lines of one step's events: state changes and the
/// disturbances; adverts only when lost or of priority 0.
fn timeline_lines(
    names: &Names<'_>,
    row: &Row,
    now: u64,
    events: &[Event],
    after: &World,
    out: &mut String,
) {
    for event in events {
        let (router, text) = match event {
            Event::Changed {
                router,
                from,
                to,
                reason,
            } => (Some(*router), format!("{from:?} -> {to:?} ({reason:?})")),
            Event::Priority { router, .. } => {
                let what = if after.nodes[*router].degraded {
                    "fails"
                } else {
                    "recovers"
                };
                (
                    Some(*router),
                    format!("{} {what}", names.object(row.scenario)),
                )
            }
            Event::Crashed(router) => (Some(*router), "crashes".into()),
            Event::Link { router, up } => (
                Some(*router),
                if *up { "link up" } else { "link down" }.into(),
            ),
            Event::Partition(groups) => {
                let cut = groups.iter().any(|&g| g != 0);
                (
                    None,
                    if cut {
                        format!("{} is cut off", names.host(row.scenario.router))
                    } else {
                        "the partition heals".into()
                    },
                )
            }
            Event::Lost { frame } => (
                Some(usize::from(frame.to)),
                format!(
                    "loses an advert from {}",
                    names.host(usize::from(frame.from))
                ),
            ),
            Event::Sent {
                router,
                priority: 0,
                ..
            } => (Some(*router), "sends priority 0".into()),
            _ => continue,
        };
        let (host, state, priority) = match router {
            Some(i) => {
                let node = &after.nodes[i];
                let state = if node.up {
                    format!("{:?}", node.instance.state())
                } else {
                    "down".into()
                };
                (
                    names.host(i).to_string(),
                    state,
                    node.instance.priority().to_string(),
                )
            }
            None => ("-".into(), String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "    {:>8}  {host:<w$} {text:<40} {state:<10} {priority}",
            seconds_at(now),
            w = names.width()
        );
    }
}

/// One sentence in the user's terms: what happened, why the protocol did
/// what it did, and what to change.
fn sentence(
    names: &Names<'_>,
    report: &RouterReport,
    scenario: Scenario,
    problem: &Problem,
    w: &World,
) -> String {
    let what = names.scenario(scenario);
    let prio = |i: usize| w.nodes[i].instance.priority();
    match *problem {
        Problem::Unhealthy { holder, healthy } => {
            let (h, b) = (names.host(holder), names.host(healthy));
            let object = if w.nodes[holder].degraded {
                names.object(scenario).to_string()
            } else {
                "tracked object".into()
            };
            let weight = scenario
                .object()
                .map_or(0, |k| names.member(scenario.router).tracked[k].weight);
            if !names.member(healthy).config.preempt {
                return format!(
                    "{what}: {h} drops to {}, but {b} runs nopreempt, and a Backup without \
                     preemption never takes over from a live Master, so the VIP stays on {h}, \
                     where {object} failed. Give {object} weight 0 (a failure is then a Fault, \
                     and {h} gives the VIP up).",
                    prio(holder)
                );
            }
            let need = weight.abs() + i32::from(prio(holder)) - i32::from(prio(healthy));
            let relation = if prio(holder) == prio(healthy) {
                format!(
                    "equal to {b}'s {}; a Backup does not take over from an equal Master",
                    names.priority(healthy, w)
                )
            } else {
                format!(
                    "still above {b}'s {}; a Backup takes over only from a lower Master",
                    names.priority(healthy, w)
                )
            };
            format!(
                "{what}: {h} drops to {}, {relation}, so the VIP stays on {h}, where {object} \
                 failed. Use a weight above {need}.",
                prio(holder)
            )
        }
        Problem::Several(ref holders) => {
            let hs: Vec<&str> = holders.iter().map(|&i| names.host(i)).collect();
            let why = if report.findings.is_empty() {
                "they do not hear each other".to_string()
            } else {
                "they do not hear each other (see DEAF above)".to_string()
            };
            let all = if hs.len() == 2 { "both" } else { "all" };
            format!(
                "{what}: {} {all} hold the VIP, for good: {why}.",
                hs.join(" and ")
            )
        }
        Problem::NoHolder => format!("{what}: nobody holds the VIP, though a host could."),
        Problem::Lower { holder, better } => format!(
            "{what}: {} keeps the VIP at priority {}, though {} has {} and preempts.",
            names.host(holder),
            prio(holder),
            names.host(better),
            prio(better)
        ),
        Problem::Flaps => {
            let masters = (0..w.nodes.len())
                .filter(|&i| w.nodes[i].is_master() && w.nodes[i].instance.state() == State::Master)
                .count();
            format!("{what}: the VIP still moves after T_conv ({masters} Master(s) now).")
        }
    }
}
