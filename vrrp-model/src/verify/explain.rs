//! A failing row explained: the shortest trace as a timeline (time, host,
//! event, state, priority) and one sentence in the deployment's terms.

use std::fmt::Write as _;

use super::names::{Names, seconds};
use super::scenario::{Problem, Scenario, ScenarioModel};
use super::{RouterReport, Row};
use crate::state::World;
use crate::trace::Event;

/// A failing row: the shortest trace as a timeline, and why.
pub(super) fn failure(names: &Names<'_>, report: &RouterReport, row: &Row, out: &mut String) {
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
            let masters = w.nodes.iter().filter(|n| n.is_master()).count();
            format!("{what}: the VIP still moves after T_conv ({masters} Master(s) now).")
        }
    }
}
