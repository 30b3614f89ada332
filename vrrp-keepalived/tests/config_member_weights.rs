//! A sync group member's (or an address owner's) own weighted trackers
//! against keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3: for each
//! tracker kind, with and without `sync_group_tracking_weight` and its
//! deprecated name `global_tracking`, and for a group with an address
//! owner among its members, keepalived's verdict and message
//! (it names the instance, not a line) and ours: a warning at the entry's
//! line (or the flag's) saying what becomes of the weight, and the weight
//! the driver gets.
//!
//! Without the `keepalived` binary only our side runs, and the test says
//! SKIPPED for the comparison ([`Parity`]).

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

/// Scripts run as root from a root-owned path: keepalived's `-t` then
/// has nothing to say about script security.
const PRELUDE: &str = "global_defs {\n dynamic_interfaces\n enable_script_security\n \
                       script_user root\n}\nvrrp_script s {\n script /usr/bin/true\n weight -20\n}\n\
                       vrrp_track_process p {\n process sshd\n weight -30\n}\n\
                       track_file f {\n file DIR/flag\n}\n";

struct Case {
    name: &'static str,
    /// Lines of instance V (VRID 1; W is VRID 2), and of group G.
    v: &'static str,
    group: &'static str,
    /// keepalived's verdict, 2.2.7's and 2.4.3's alike.
    keepalived_ok: bool,
    /// What keepalived prints about it (2.2.7 and 2.4.3).
    theirs: Option<&'static str>,
    /// The line we must warn on (a unique substring of it) and what we say.
    ours: Option<(&'static str, &'static str)>,
    /// The weight our driver gives V's tracker (none: not tracked).
    weight: Option<i32>,
}

const WHY: &str = "but it is in vrrp_sync_group G (without `sync_group_tracking_weight`)";

const CASES: &[Case] = &[
    Case {
        name: "a member's weighted track_script: ignored",
        v: " track_script {\n  s\n }\n",
        group: "",
        keepalived_ok: false,
        theirs: Some("(V) ignoring tracked script s with weights due to SYNC group"),
        ours: Some((
            "  s\n",
            "track_script `s` of vrrp_instance V has weight -20, WHY: ignored",
        )),
        weight: None,
    },
    Case {
        name: "a member's weighted track_interface: weight 0",
        v: " track_interface {\n  sg13x weight -10\n }\n",
        group: "",
        keepalived_ok: false,
        theirs: Some("(V) ignoring sg13x tracked interface weight due to SYNC group"),
        ours: Some((
            "  sg13x weight",
            "track_interface `sg13x` of vrrp_instance V has weight -10, WHY: tracked with weight 0",
        )),
        weight: Some(0),
    },
    Case {
        name: "a member's track_file of weight 1 (the default): weight 0",
        v: " track_file {\n  f\n }\n",
        group: "",
        keepalived_ok: false,
        theirs: Some("(V) ignoring weight from tracked file f due to SYNC group. specify weight 0"),
        ours: Some((
            "  f\n",
            "track_file `f` of vrrp_instance V has weight 1, WHY: tracked with weight 0",
        )),
        weight: Some(0),
    },
    Case {
        name: "a member's track_file of another weight: ignored",
        v: " track_file {\n  f weight -20\n }\n",
        group: "",
        keepalived_ok: false,
        theirs: Some("(V) ignoring tracked file f with weight -20 due to SYNC group"),
        ours: Some((
            "  f weight",
            "track_file `f` of vrrp_instance V has weight -20, WHY: ignored",
        )),
        weight: None,
    },
    Case {
        name: "a member's weighted track_process: keepalived 2.4.3 keeps the weight",
        v: " track_process {\n  p\n }\n",
        group: "",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(-30),
    },
    Case {
        name: "a member's unweighted track_script: tracked",
        v: " track_script {\n  s weight 0\n }\n",
        group: "",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(0),
    },
    Case {
        name: "sync_group_tracking_weight: a script's weight applies",
        v: " track_script {\n  s\n }\n",
        group: " sync_group_tracking_weight\n",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(-20),
    },
    Case {
        name: "sync_group_tracking_weight: an interface's weight applies",
        v: " track_interface {\n  sg13x weight -10\n }\n",
        group: " sync_group_tracking_weight\n",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(-10),
    },
    Case {
        name: "sync_group_tracking_weight: a file's weight applies",
        v: " track_file {\n  f weight -20\n }\n",
        group: " sync_group_tracking_weight\n",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(-20),
    },
    Case {
        name: "sync_group_tracking_weight: a process's weight applies",
        v: " track_process {\n  p\n }\n",
        group: " sync_group_tracking_weight\n",
        keepalived_ok: true,
        theirs: None,
        ours: None,
        weight: Some(-30),
    },
    Case {
        name: "global_tracking: deprecated (reported), read as sync_group_tracking_weight",
        v: " track_script {\n  s\n }\n",
        group: " global_tracking\n",
        keepalived_ok: false,
        theirs: Some("(G) global_tracking is deprecated"),
        ours: Some(("global_tracking", "global_tracking is deprecated")),
        weight: Some(-20),
    },
    Case {
        name: "global_tracking: an interface's weight applies",
        v: " track_interface {\n  sg13x weight -10\n }\n",
        group: " global_tracking\n",
        keepalived_ok: false,
        theirs: Some("(G) global_tracking is deprecated"),
        ours: Some(("global_tracking", "global_tracking is deprecated")),
        weight: Some(-10),
    },
    Case {
        name: "the address owner's weighted track_script: ignored",
        v: " priority 255\n track_script {\n  s\n }\n",
        group: "NONE",
        keepalived_ok: false,
        theirs: Some("(V) ignoring tracked script s with weights due to address_owner"),
        ours: Some((
            "  s\n",
            "track_script `s` of vrrp_instance V has weight -20, but it is the address owner",
        )),
        weight: None,
    },
    Case {
        name: "the address owner's weighted track_interface: ignored",
        v: " priority 255\n track_interface {\n  sg13x weight -10\n }\n",
        group: "NONE",
        keepalived_ok: false,
        theirs: Some("(V) ignoring sg13x tracked interface due to address owner"),
        ours: Some((
            "  sg13x weight",
            "track_interface `sg13x` of vrrp_instance V has weight -10, but it is the address owner",
        )),
        weight: None,
    },
    Case {
        name: "a group with an address owner member: its weighted track_script unweighted",
        v: " priority 255\n",
        group: " track_script {\n  s\n }\n",
        keepalived_ok: false,
        theirs: Some(
            "(G) Cannot have weighted track script 's' with member having priority 255 - clearing weight",
        ),
        ours: Some((
            "  s\n",
            "track_script `s` of vrrp_sync_group G has weight -20, but member V is the address owner \
             (priority 255): tracked with weight 0",
        )),
        weight: Some(0),
    },
];

/// The 1-based line of the first line containing `marker`, after `from`.
fn line_of(text: &str, marker: &str, from: usize) -> u32 {
    let at = from
        + text[from..]
            .find(marker)
            .expect("the marker is in the file");
    u32::try_from(text[..at].matches('\n').count() + 1).unwrap()
}

#[test]
fn keepalived_and_we_agree_on_member_weights() {
    let mut parity = Parity::new("config_member_weights");
    let wrong = &mut Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let group = match case.group {
            "NONE" => String::new(),
            flag => format!("vrrp_sync_group G {{\n group {{ V W }}\n{flag}}}\n"),
        };
        let prelude = PRELUDE.replace("DIR", &parity.dir().display().to_string());
        let text = format!(
            "{prelude}vrrp_instance V {{\n interface sg13a\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.1 }}\n{}}}\nvrrp_instance W {{\n interface sg13a\n \
             virtual_router_id 2\n virtual_ipaddress {{ 192.0.2.2 }}\n}}\n{group}",
            case.v
        );
        let path = parity.file(index, &text);
        let loaded = match load(&path) {
            Ok(loaded) => loaded,
            Err(error) => {
                wrong.push(format!("{}: we refuse: {error}", case.name));
                continue;
            }
        };
        // Ours: the one warning about it, at its line; nothing else.
        let found: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        match case.ours {
            Some((marker, said)) => {
                let line = line_of(&text, marker, prelude.len());
                let said = said.replace("WHY", WHY);
                let hit = loaded
                    .warnings
                    .iter()
                    .any(|w| w.at.line == line && w.message.starts_with(&said));
                if !hit || found.len() != 1 {
                    wrong.push(format!(
                        "{}: expected one warning at line {line}: {said}; we say {found:#?}",
                        case.name
                    ));
                }
            }
            None if !found.is_empty() => {
                wrong.push(format!("{}: we warn {found:#?}", case.name));
            }
            None => {}
        }
        let driver = vrrp_keepalived::driver_config(&loaded.config).unwrap();
        let weight = driver.instances[0].track.first().map(|(_, w)| w.weight);
        if weight != case.weight || driver.instances[0].track.len() > 1 {
            wrong.push(format!(
                "{}: the driver tracks {:?}, expected weight {:?}",
                case.name, driver.instances[0].track, case.weight
            ));
        }
        for verdict in parity.check(case.name, &path, |_| case.keepalived_ok) {
            if let Some(said) = case.theirs
                && !verdict.output.contains(said)
            {
                wrong.push(format!(
                    "{} ({}): keepalived does not say {said:?}:\n{}",
                    case.name, verdict.version, verdict.output
                ));
            }
            parity.warned_on(case.name, &verdict, &loaded.warnings);
        }
    }
    parity.wrong.append(wrong);
    parity.finish();
}
