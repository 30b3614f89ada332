//! `verify` on deployments written for these tests (`tests/verify/<case>/`,
//! one keepalived.conf per host). Every verdict comes from the exhaustive
//! exploration of the real core; the tests check what it found and how the
//! report says it.

use std::path::PathBuf;
use std::process::Command;

use vrrp_model::verify::scenario::Disturbance;
use vrrp_model::verify::{self, Report};

/// Exploring clones every state once per successor; mimalloc makes those
/// allocations cheap (the library leaves the allocator to its binaries).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(case: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/verify")
        .join(case);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

fn verify(case: &str) -> Report {
    let report = verify::verify(&files(case), 2).unwrap();
    print!("{}", report.render());
    report
}

#[test]
fn the_articles_pair_fails_on_the_tie_and_says_why() {
    let report = verify("article");
    assert!(!report.ok());
    assert_eq!(report.failing(), ["haproxy_check fails on lb1"]);
    let [router] = &report.routers[..] else {
        panic!("one virtual router")
    };
    assert!(router.findings.is_empty(), "{:?}", router.findings);
    let failed: Vec<_> = router.rows.iter().filter(|r| !r.ok).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].scenario.disturbance, Disturbance::Fails(0));
    assert!(failed[0].exhaustive && failed[0].counterexample.is_some());
    let text = report.render();
    assert!(
        text.contains(
            "haproxy_check fails on lb1: lb1 drops to 100, equal to lb2's 98 + 2; a Backup does \
             not take over from an equal Master, so the VIP stays on lb1, where haproxy_check \
             failed. Use a weight above 2."
        ),
        "{text}"
    );
    // The timeline: lb1 wins the start, then its check fails.
    assert!(text.contains("haproxy_check fails      "), "{text}");
    // Every other scenario converges, the crash of the Master within one
    // Master_Down_Interval (3 s + Skew_Time at priority 100, plus delivery).
    let crash = router
        .rows
        .iter()
        .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Crashes)
        .unwrap();
    assert!(crash.ok && crash.holders == [vec![1]], "{crash:?}");
    let mdi = 3_000_000 + (256 - 100) * 1_000_000 / 256;
    assert!(crash.worst.as_micros() >= mdi && crash.worst.as_micros() <= mdi + 30_000);
}

#[test]
fn a_weight_above_the_gap_moves_the_vip() {
    for case in ["weight20", "gap1"] {
        let report = verify(case);
        assert!(report.ok(), "{case}");
        let rows = &report.routers[0].rows;
        let fails = rows
            .iter()
            .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Fails(0))
            .unwrap();
        assert_eq!(fails.holders, [vec![1]], "{case}: the VIP moves to lb2");
    }
}

/// `auth_type AH` with one `auth_pass`: the model runs it (its frames
/// carry no AH: the same key accepts, as with a password), and the VIP
/// moves as without authentication.
#[test]
fn ah_with_one_key_runs_like_no_authentication() {
    let report = verify("auth_ah");
    assert!(report.ok(), "{}", report.render());
    assert!(report.routers[0].findings.is_empty());
    let rows = &report.routers[0].rows;
    let fails = rows
        .iter()
        .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Fails(0))
        .unwrap();
    assert_eq!(fails.holders, [vec![1]], "the VIP moves to lb2");
}

#[test]
fn deaf_v2_hosts_are_named_with_both_lines() {
    let report = verify("advert");
    assert!(!report.ok());
    let findings = &report.routers[0].findings;
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = findings[0].to_string();
    assert!(finding.contains("advert/lb1.conf:13:16") && finding.contains("advert/lb2.conf:13:16"));
    assert!(
        report
            .render()
            .contains("lb1 and lb2 both hold the VIP, for good")
    );

    let report = verify("auth");
    assert!(!report.ok());
    let finding = report.routers[0].findings[0].to_string();
    assert!(finding.contains("authenticate differently"), "{finding}");
    assert!(finding.contains("auth/lb1.conf:21:19") && finding.contains("auth/lb2.conf:21:19"));
}

#[test]
fn nopreempt_keeps_the_vip_on_a_degraded_master_unless_the_check_faults() {
    let weighted = verify("nopreempt_weighted");
    assert_eq!(weighted.failing(), ["haproxy_check fails on lb1"]);
    assert!(weighted.render().contains("lb2 runs nopreempt"));

    let fault = verify("nopreempt_fault");
    assert!(fault.ok());
    let fails = &fault.routers[0].rows[1];
    assert_eq!(fails.scenario.disturbance, Disturbance::Fails(0));
    assert_eq!(fails.holders, [vec![1]]);
}

#[test]
fn a_unicast_peer_left_out_is_a_one_way_link() {
    let report = verify("unicast_missing");
    assert!(!report.ok());
    let findings = &report.routers[0].findings;
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = findings[0].to_string();
    assert!(
        finding.contains("unicast_missing/lb3.conf:9:9) leaves out lb2"),
        "{finding}"
    );
    assert!(
        finding.contains("unicast_missing/lb2.conf:7:20"),
        "{finding}"
    );
    // With lb1 serving, the one-way link is harmless; without it, lb2 and
    // lb3 both take the VIP.
    let rows = &report.routers[0].rows;
    assert!(rows[0].ok, "the start");
    let lb1_gone = rows
        .iter()
        .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Crashes)
        .unwrap();
    assert!(!lb1_gone.ok && lb1_gone.counterexample.is_some());
}

#[test]
fn a_sync_groups_members_fault_together() {
    let report = verify("sync_group");
    assert!(report.ok());
    // FRONT tracks chk_front; chk_back (BACK's, weight 0) faults it
    // through the group, so the VIP of FRONT moves too.
    let front = &report.routers[0];
    assert_eq!(front.router.name, "FRONT");
    let names: Vec<_> = front.router.members[0]
        .tracked
        .iter()
        .map(|t| (t.name.as_str(), t.via_group.as_deref()))
        .collect();
    assert_eq!(names, [("chk_front", None), ("chk_back", Some("EDGE"))]);
    let back_fails = front
        .rows
        .iter()
        .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Fails(1))
        .unwrap();
    assert_eq!(back_fails.holders, [vec![1]]);
}

#[test]
fn the_command_exits_0_1_or_2() {
    let run = |case: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_vrrp-model"))
            .arg("verify")
            .args(files(case))
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert_eq!(run("gap1").0, Some(0));
    assert_eq!(run("article").0, Some(1));
    let (code, stderr) = run("broken");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("broken/lb2.conf:12:14: expected a number 1..255 after priority"),
        "{stderr}"
    );
}

#[test]
fn a_weight_in_a_sync_group_is_named_as_beyond_the_model() {
    let report = verify("sync_group_weighted");
    let notes: Vec<&String> = report.routers.iter().flat_map(|r| &r.notes).collect();
    // Each host's each member: its weighted object, at the weight's line.
    assert_eq!(notes.len(), 4, "{notes:#?}");
    assert!(notes[0].starts_with("lb1: track_script chk_front has weight -30 ("));
    assert!(notes[0].contains("sync_group_weighted/lb1.conf:5:5) in sync group EDGE"));
    // Each member alone moves with its own check.
    let front = &report.routers[0];
    let fails = &front.rows[1];
    assert_eq!(fails.scenario.disturbance, Disturbance::Fails(0));
    assert_eq!(fails.holders, [vec![1]]);
}

#[test]
fn preempt_delay_holds_the_takeover_back_and_the_bound_allows_for_it() {
    let report = verify("preempt_delay");
    assert!(report.ok());
    let rows = &report.routers[0].rows;
    let fails = &rows[1];
    assert_eq!(fails.scenario.disturbance, Disturbance::Fails(0));
    assert_eq!(fails.holders, [vec![1]]);
    // lb2 waits its 5 s before it stops accepting the lower Master, then
    // its Master_Down_Interval.
    let mdi = 3_000_000 + (256 - 118) * 1_000_000 / 256;
    assert!(
        fails.worst.as_micros() > 5_000_000 + mdi,
        "{:?}",
        fails.worst
    );
    assert!(fails.worst < fails.t_conv);
}

#[test]
fn one_instance_name_with_two_vrids_is_two_routers_each_alone() {
    let report = verify("vrid_mismatch");
    assert!(!report.ok());
    assert_eq!(report.routers.len(), 2);
    let finding = report.routers[0].findings[0].to_string();
    assert!(
        finding.contains("vrid_mismatch/lb1.conf:10:23"),
        "{finding}"
    );
    assert!(
        finding.contains("vrid_mismatch/lb2.conf:10:23"),
        "{finding}"
    );
}

#[test]
fn another_version_on_one_vrid_is_deaf() {
    let report = verify("version");
    assert!(!report.ok());
    let finding = report.routers[0].findings[0].to_string();
    assert!(
        finding.contains("lb1 runs VRRPv3 (") && finding.contains("version/lb1.conf:6:13)"),
        "{finding}"
    );
    assert!(
        finding.contains("version/lb2.conf:2:1, not set)"),
        "{finding}"
    );
    // Deaf from the start: both take the VIP.
    let start = &report.routers[0].rows[0];
    assert!(!start.ok && start.counterexample.is_some());
}

#[test]
fn different_address_lists_are_deaf() {
    let report = verify("vips");
    assert!(!report.ok());
    let finding = report.routers[0].findings[0].to_string();
    assert!(
        finding.contains("list different virtual addresses"),
        "{finding}"
    );
    assert!(finding.contains("vips/lb1.conf:14:9") && finding.contains("vips/lb2.conf:14:9"));
    assert!(
        !report.routers[0].rows[0].ok,
        "both hold their VIP from the start"
    );
}

/// This daemon accepts both VRRPv3 checksum forms over IPv4, so two hosts
/// that send different ones still hear each other: the exploration says
/// ok, and a note warns that keepalived would not.
#[test]
fn a_checksum_form_mismatch_is_a_note_not_deafness() {
    let report = verify("checksum");
    assert!(report.ok());
    let router = &report.routers[0];
    assert!(router.findings.is_empty());
    assert!(router.notes[0].contains("keepalived drops the other one"));
    assert_eq!(router.rows[0].holders, [vec![0]], "lb1 (150) holds the VIP");
}

/// VRRPv3 over unicast: each advert goes to its peer's own address, and the
/// peer checks the checksum against that address (not the group's), so the
/// two hosts hear each other and every scenario holds.
#[test]
fn vrrpv3_unicast_peers_hear_each_other() {
    let report = verify("unicast_v3");
    assert!(report.ok(), "{}", report.render());
    let rows = &report.routers[0].rows;
    let crash = rows
        .iter()
        .find(|r| r.scenario.router == 1 && r.scenario.disturbance == Disturbance::Crashes)
        .expect("lb2 crashes");
    assert_eq!(crash.holders, [vec![0]], "the VIP moves to lb1");
}

/// Two hosts on different multicast groups for one VRID (keepalived's
/// `vrrp_mcast_group4` on one): deaf to each other, named with both
/// files' lines, and the exploration shows both holding the VIP; with the
/// group on both, one virtual router again.
#[test]
fn different_multicast_groups_are_deaf() {
    let report = verify("groups");
    assert!(!report.ok());
    let finding = report.routers[0].findings[0].to_string();
    assert!(
        finding.contains("lb1 sends to multicast group 224.0.0.19 (")
            && finding.contains("groups/lb1.conf:3:23)")
            && finding.contains("and lb2 to 224.0.0.18 (")
            && finding.contains("groups/lb2.conf:2:1, not set)"),
        "{finding}"
    );
    let start = &report.routers[0].rows[0];
    assert!(!start.ok && start.counterexample.is_some());

    let dir = std::env::temp_dir().join(format!("verify-groups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let same: Vec<PathBuf> = files("groups")
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let text = if text.contains("vrrp_mcast_group4") {
                text
            } else {
                format!("global_defs {{\n    vrrp_mcast_group4 224.0.0.19\n}}\n{text}")
            };
            let path = dir.join(file.file_name().unwrap());
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let report = verify::verify(&same, 2).unwrap();
    let router = &report.routers[0];
    assert!(router.findings.is_empty(), "{:?}", router.findings);
    assert_eq!(router.rows[0].holders, [vec![0]], "lb1 (150) holds the VIP");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same over IPv6 (`mcast_dst_ip ff02::13` on one host), which the
/// model runs over IPv4 stand-ins: still deaf, still named.
#[test]
fn different_ipv6_groups_are_deaf() {
    let dir = std::env::temp_dir().join(format!("verify-groups6-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = |priority: u8, extra: &str| {
        format!(
            "vrrp_instance DB_VIP {{\n    interface eth0\n    virtual_router_id 9\n    \
             priority {priority}\n{extra}    virtual_ipaddress {{\n        2001:db8::9\n    }}\n}}\n"
        )
    };
    let (lb1, lb2) = (dir.join("lb1.conf"), dir.join("lb2.conf"));
    std::fs::write(&lb1, conf(150, "    mcast_dst_ip ff02::13\n")).unwrap();
    std::fs::write(&lb2, conf(100, "")).unwrap();
    let report = verify::verify(&[lb1.clone(), lb2.clone()], 2).unwrap();
    let finding = report.routers[0].findings[0].to_string();
    assert!(
        finding.contains("lb1 sends to multicast group ff02::13 (")
            && finding.contains("lb1.conf:5:18)")
            && finding.contains("and lb2 to ff02::12"),
        "{finding}"
    );
    assert!(!report.routers[0].rows[0].ok, "both hold the VIP");
    std::fs::write(&lb2, conf(100, "    mcast_dst_ip ff02::13\n")).unwrap();
    let report = verify::verify(&[lb1, lb2], 2).unwrap();
    assert!(report.routers[0].findings.is_empty());
    assert_eq!(report.routers[0].rows[0].holders, [vec![0]]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The article's pair over IPv6: the same tie, found and explained the
/// same way (the model runs IPv6 routers over IPv4 addresses in the same
/// order; VRRPv3 behaves alike over both).
#[test]
fn the_tie_is_found_over_ipv6_too() {
    let report = verify("ipv6_tie");
    assert_eq!(report.failing(), ["haproxy_check fails on lb1"]);
    let text = report.render();
    assert!(text.contains("(VRID 61, IPv6)"), "{text}");
    assert!(
        text.contains("IPv6: modelled over IPv4 addresses"),
        "{text}"
    );
    assert!(
        text.contains("lb1 drops to 100, equal to lb2's 98 + 2"),
        "{text}"
    );
}

/// Over IPv6 every VRRPv3 checksum covers the pseudo-header, so
/// `v3_checksum_as_v2` on one host only changes nothing: no finding, no
/// note, and the weight moves the VIP.
#[test]
fn v3_checksum_as_v2_is_inert_over_ipv6() {
    let report = verify("ipv6_weight20");
    assert!(report.ok(), "{}", report.render());
    let router = &report.routers[0];
    assert!(router.findings.is_empty(), "{:?}", router.findings);
    assert!(router.notes.is_empty(), "{:?}", router.notes);
    let fails = router
        .rows
        .iter()
        .find(|r| r.scenario.router == 0 && r.scenario.disturbance == Disturbance::Fails(0))
        .unwrap();
    assert_eq!(fails.holders, [vec![1]], "the VIP moves to lb2");
}

/// A sync group whose members prefer different hosts: each router alone is
/// fine, but the group drags one member onto the host it ranks lower, and
/// with preemption the two undo each other's takeovers. A finding naming
/// both priorities' lines; `nopreempt` on both hosts makes it a note.
#[test]
fn sync_group_members_that_rank_the_hosts_differently_flap() {
    let report = verify("sync_group_split");
    assert!(!report.ok());
    assert!(report.render().contains("  FLAPS: sync group EDGE"));
    for router in &report.routers {
        assert_eq!(router.findings.len(), 1, "{:?}", router.findings);
        let finding = router.findings[0].to_string();
        assert!(
            finding.contains("sync group EDGE: FRONT prefers lb1")
                && finding.contains("BACK prefers lb2")
                && finding.contains("lb1 150 at ")
                && finding.contains("the group flaps"),
            "{finding}"
        );
    }

    let files: Vec<(String, String)> = files("sync_group_split")
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let text = text.replace(
                "    virtual_ipaddress",
                "    nopreempt\n    virtual_ipaddress",
            );
            (p.file_name().unwrap().to_string_lossy().into(), text)
        })
        .collect();
    let texts: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let report = verify::verify_texts(&texts, 2).unwrap();
    assert!(report.ok(), "{}", report.render());
    assert!(
        report.routers[0]
            .notes
            .iter()
            .any(|n| n.contains("stays where it first lands")),
        "{:?}",
        report.routers[0].notes
    );
}

/// `track_file`: a file "fails" holding 1 (see `hosts::file_weight`).
/// The maintenance flag's -30 leaves lb1 at 120, above lb2's 100: the VIP
/// stays where the operator asked it to leave; the drain flag (weight 0)
/// faults lb1 and the VIP moves.
#[test]
fn track_files_fail_with_value_1_times_their_weight() {
    let report = verify("track_file");
    assert_eq!(report.failing(), ["maint fails on lb1"]);
    let rows = &report.routers[0].rows;
    let row = |router, disturbance| {
        rows.iter()
            .find(|r| r.scenario.router == router && r.scenario.disturbance == disturbance)
            .unwrap()
    };
    assert!(!row(0, Disturbance::Fails(0)).ok);
    let drain = row(0, Disturbance::Fails(1));
    assert!(
        drain.ok && drain.holders == [vec![1]],
        "drain moves the VIP to lb2"
    );
    let text = report.render();
    assert!(text.contains("track_file maint -30"), "{text}");
    assert!(
        text.contains("maint fails on lb1: lb1 drops to 120"),
        "{text}"
    );
}
