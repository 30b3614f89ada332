//! Sync groups across virtual routers: what the per-router models cannot
//! see, checked on the files.
//!
//! Each virtual router is explored on its own, and a sync group's fault
//! reaches every member as a sibling's weight-0 object ([`hosts`](super::hosts)).
//! That is the whole group's behaviour only when its members agree on which
//! host should be Master: the group (keepalived's, and this daemon's
//! `Router`) moves every member with the one that changes state. When two
//! members of one group prefer different hosts, following and preemption
//! undo each other: the preferred Backup of one member preempts, its group
//! follows it to Master on that host, the other member's Master there
//! hears a higher priority and steps down, its group follows it back to
//! Backup, and so on. This check is a finding when preemption is on, a
//! note when it is off (the group then stays where it first lands).

use super::findings::Finding;
use super::hosts::{Host, Member, VirtualRouter};

/// Findings and notes for every pair of virtual routers whose members on
/// the same hosts belong to one sync group and prefer different hosts;
/// each as `(router index, finding or note)`.
pub fn disagreements<'a>(
    hosts: &[Host],
    routers: &'a [VirtualRouter],
) -> Vec<(usize, Disagreement)> {
    let mut out = Vec::new();
    for (i, a) in routers.iter().enumerate() {
        for (j, b) in routers.iter().enumerate().skip(i + 1) {
            let Some(group) = shared_group(a, b) else {
                continue;
            };
            // Over the hosts both run.
            let both = |r: &'a VirtualRouter| -> Vec<&'a Member> {
                r.members
                    .iter()
                    .filter(|m| {
                        a.members.iter().any(|x| x.host == m.host)
                            && b.members.iter().any(|x| x.host == m.host)
                    })
                    .collect()
            };
            let (ma, mb) = (both(a), both(b));
            if ma.len() < 2 {
                continue;
            }
            let (Some(pa), Some(pb)) = (preferred(&ma), preferred(&mb)) else {
                continue;
            };
            if pa.host == pb.host {
                continue;
            }
            let preempt = ma.iter().chain(&mb).any(|m| m.config.preempt);
            let text = format!(
                "sync group {group}: {} prefers {} ({}) and {} prefers {} ({}); the group moves \
                 both together, so one of them always runs on the host it ranks lower{}",
                a.name,
                hosts[pa.host].name,
                ranking(hosts, &ma),
                b.name,
                hosts[pb.host].name,
                ranking(hosts, &mb),
                if preempt {
                    ", and with preemption each takeover is undone by the other: the group \
                     flaps. Give every member the same order of hosts"
                } else {
                    " (without preemption it stays where it first lands)"
                }
            );
            let d = if preempt {
                Disagreement::Finding(Finding::flaps(text))
            } else {
                Disagreement::Note(text)
            };
            out.push((j, d.clone()));
            out.push((i, d));
        }
    }
    out
}

/// A finding (the group flaps) or a note (it does not, but sits on a
/// host one member ranks lower).
#[derive(Clone, Debug)]
pub enum Disagreement {
    /// With preemption.
    Finding(Finding),
    /// Without.
    Note(String),
}

/// The sync group both routers' members belong to on some host.
fn shared_group(a: &VirtualRouter, b: &VirtualRouter) -> Option<String> {
    a.members.iter().find_map(|ma| {
        let group = ma.sync_group.as_ref()?;
        b.members
            .iter()
            .any(|mb| mb.host == ma.host && mb.sync_group.as_ref() == Some(group))
            .then(|| group.clone())
    })
}

/// The member every healthy host agrees should be Master: the highest
/// priority, then the highest address (RFC 9568 §6.4.3); `None` when two
/// tie and no file gives their addresses.
fn preferred<'a>(members: &[&'a Member]) -> Option<&'a Member> {
    let top = members.iter().map(|m| m.config.priority).max()?;
    let tied: Vec<&Member> = members
        .iter()
        .copied()
        .filter(|m| m.config.priority == top)
        .collect();
    match tied[..] {
        [one] => Some(one),
        _ if tied
            .iter()
            .all(|m| !m.config.primary_address.is_unspecified()) =>
        {
            tied.into_iter().max_by_key(|m| m.config.primary_address)
        }
        _ => None,
    }
}

/// `lb1 150 at lb1.conf:20:14, lb2 100 at ...`: the members' priorities
/// and where they are written (the instance, for the default).
fn ranking(hosts: &[Host], members: &[&Member]) -> String {
    members
        .iter()
        .map(|m| {
            let at = m
                .instance
                .priority
                .as_ref()
                .map_or(&m.instance.at, |p| &p.at);
            format!("{} {} at {at}", hosts[m.host].name, m.config.priority)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
