//! Whether a tracker's weight may move an instance's priority: keepalived's
//! rule for a sync group member and for an address owner (2.4.3 and 2.2.7
//! alike: vrrp.c, `vrrp_complete_instance`). A member's own weighted
//! trackers do not move its priority unless its group says
//! `sync_group_tracking_weight` (or the deprecated `global_tracking`); an
//! owner's (priority 255) never do. The group's own trackers keep their
//! weights, unless a member is the address owner (`sync_group_tracking_init`):
//! then they count unweighted.

use super::config::KeepalivedConfig;
use super::instance::VrrpInstance;
use super::model::{Tracked, Weight};
use super::values::Ctx;
use vrrp_core::config::PRIORITY_OWNER;

/// What a `track_*` entry refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrackerKind {
    /// `track_script`: a `vrrp_script`.
    Script,
    /// `track_interface`: a link.
    Interface,
    /// `track_process`: a `vrrp_track_process`.
    Process,
    /// `track_file`: a `track_file` block.
    File,
}

impl TrackerKind {
    /// The keyword of its entries.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Self::Script => "track_script",
            Self::Interface => "track_interface",
            Self::Process => "track_process",
            Self::File => "track_file",
        }
    }
}

/// Why an instance's own weights may not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Restriction {
    /// It is in a sync group without `sync_group_tracking_weight`.
    SyncMember,
    /// It is the address owner (priority 255).
    Owner,
    /// The sync group's own trackers, when a member is the address owner.
    GroupWithOwner,
}

/// What becomes of a tracker with a non-zero weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WeightRule {
    /// The weight moves the priority.
    Applies,
    /// Tracked with weight 0: its failure is the instance's Fault.
    Unweighted,
    /// Not tracked at all.
    Ignored,
}

/// keepalived's rule, the one place it is decided: what a tracker of
/// `kind` with `weight` (0: unweighted) does on an instance under
/// `restriction`.
pub(crate) fn weight_rule(
    kind: TrackerKind,
    weight: i32,
    restriction: Option<Restriction>,
) -> WeightRule {
    let Some(restriction) = restriction.filter(|_| weight != 0) else {
        return WeightRule::Applies;
    };
    match (kind, restriction) {
        // sync_group_tracking_init: every kind, "clearing weight".
        (_, Restriction::GroupWithOwner) => WeightRule::Unweighted,
        // keepalived 2.4.3's code leaves a track_process weight alone
        // (its man page says a member's must be 0): so do we.
        (TrackerKind::Process, _) => WeightRule::Applies,
        (TrackerKind::Interface, Restriction::SyncMember) => WeightRule::Unweighted,
        (TrackerKind::Interface, Restriction::Owner) | (TrackerKind::Script, _) => {
            WeightRule::Ignored
        }
        // A file's weight 1 is its default: read as "no weight written".
        (TrackerKind::File, _) if weight == 1 => WeightRule::Unweighted,
        (TrackerKind::File, _) => WeightRule::Ignored,
    }
}

/// Applies [`weight_rule`] to every instance's own trackers, and to the
/// trackers of a sync group with an address owner among its members, each
/// change warned at the entry, where keepalived names only the instance
/// (or group).
pub(crate) fn restrict_member_weights(ctx: &mut Ctx<'_>, config: &mut KeepalivedConfig) {
    let mut instances = std::mem::take(&mut config.instances);
    for instance in &mut instances {
        let Some((restriction, why)) = restriction_of(config, instance) else {
            continue;
        };
        let holder = format!("vrrp_instance {}", instance.name);
        restrict(
            ctx,
            config,
            (&holder, restriction, &why),
            [
                (TrackerKind::Script, &mut instance.track_scripts),
                (TrackerKind::Interface, &mut instance.track_interfaces),
                (TrackerKind::Process, &mut instance.track_processes),
                (TrackerKind::File, &mut instance.track_files),
            ],
        );
    }
    config.instances = instances;
    let mut groups = std::mem::take(&mut config.sync_groups);
    for group in &mut groups {
        let owner = group.members.iter().find(|m| {
            config
                .instance(&m.value)
                .is_some_and(|i| i.effective_priority() == PRIORITY_OWNER)
        });
        let Some(owner) = owner else {
            continue;
        };
        let holder = format!("vrrp_sync_group {}", group.name);
        let why = format!("member {} is the address owner (priority 255)", owner.value);
        restrict(
            ctx,
            config,
            (&holder, Restriction::GroupWithOwner, &why),
            [
                (TrackerKind::Script, &mut group.track_scripts),
                (TrackerKind::Interface, &mut group.track_interfaces),
                (TrackerKind::Process, &mut group.track_processes),
                (TrackerKind::File, &mut group.track_files),
            ],
        );
    }
    config.sync_groups = groups;
}

/// [`weight_rule`] on `lists` of `holder`, restricted for `why`.
fn restrict(
    ctx: &mut Ctx<'_>,
    config: &KeepalivedConfig,
    (holder, restriction, why): (&str, Restriction, &str),
    lists: [(TrackerKind, &mut Vec<Tracked>); 4],
) {
    for (kind, list) in lists {
        list.retain_mut(|entry| {
            let weight = effective_weight(config, kind, entry);
            let value = weight.as_ref().map_or(0, |w| w.value);
            let rule = weight_rule(kind, value, Some(restriction));
            let effect = match rule {
                WeightRule::Applies => return true,
                WeightRule::Unweighted => {
                    entry.weight = Some(Weight {
                        value: 0,
                        reverse: weight.is_some_and(|w| w.reverse),
                        at: entry.at.clone(),
                    });
                    "tracked with weight 0 (its failure is FAULT)"
                }
                WeightRule::Ignored => "ignored (its failure changes nothing)",
            };
            let fix = match restriction {
                Restriction::SyncMember => {
                    "; write `weight 0`, track it from the sync group, or set \
                     `sync_group_tracking_weight` there for the weight to apply"
                }
                Restriction::Owner | Restriction::GroupWithOwner => "; write `weight 0`",
            };
            ctx.warn(
                &entry.at,
                format!(
                    "{} `{}` of {holder} has weight {value}, but {why}: {effect}, as keepalived \
                     does{fix}",
                    kind.keyword(),
                    entry.name
                ),
            );
            rule != WeightRule::Ignored
        });
    }
}

/// Why `instance`'s own weights may not apply, in words, if they may not.
fn restriction_of(
    config: &KeepalivedConfig,
    instance: &VrrpInstance,
) -> Option<(Restriction, String)> {
    if let Some(group) = config.sync_groups_of(instance).next()
        && !group.tracking_weight
    {
        let why = format!(
            "it is in vrrp_sync_group {} (without `sync_group_tracking_weight`)",
            group.name
        );
        return Some((Restriction::SyncMember, why));
    }
    (instance.effective_priority() == PRIORITY_OWNER).then(|| {
        let why = "it is the address owner (priority 255)".to_string();
        (Restriction::Owner, why)
    })
}

/// The weight an entry tracks with: its own, else its object's; none is
/// keepalived's default (0, but 1 for a file).
fn effective_weight(
    config: &KeepalivedConfig,
    kind: TrackerKind,
    entry: &Tracked,
) -> Option<Weight> {
    let own = match kind {
        TrackerKind::Script => config.script(&entry.name).and_then(|s| s.weight.as_ref()),
        TrackerKind::Process => config
            .track_process(&entry.name)
            .and_then(|p| p.weight.as_ref()),
        TrackerKind::File => config
            .track_file(&entry.name)
            .and_then(|f| f.weight.as_ref()),
        TrackerKind::Interface => None,
    };
    match (entry.weight.as_ref().or(own), kind) {
        (Some(weight), _) => Some(weight.clone()),
        (None, TrackerKind::File) => Some(Weight {
            value: 1,
            reverse: false,
            at: entry.at.clone(),
        }),
        (None, _) => None,
    }
}

#[cfg(test)]
mod test {
    use super::{Restriction, TrackerKind, WeightRule, weight_rule};
    use crate::conf::test_support::{instance, messages};
    use crate::conf::{Loaded, parse_str};

    /// `found` is one message per prefix of `expect`, in order.
    fn assert_said(found: &[String], expect: &[String]) {
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for (message, prefix) in found.iter().zip(expect) {
            assert!(
                message.starts_with(prefix.as_str()),
                "{message}\n  expected {prefix}"
            );
        }
    }

    /// The weights the driver gets for the first instance's trackers.
    fn driver_weights(loaded: &Loaded) -> Vec<i32> {
        let driver = crate::driver_config(&loaded.config).unwrap();
        driver.instances[0]
            .track
            .iter()
            .map(|(_, w)| w.weight)
            .collect()
    }

    /// keepalived 2.4.3's table (vrrp.c), kind by kind.
    #[test]
    fn the_rule_kind_by_kind() {
        use Restriction::{GroupWithOwner, Owner, SyncMember};
        use TrackerKind::{File, Interface, Process, Script};
        use WeightRule::{Applies, Ignored, Unweighted};
        for (kind, weight, restriction, rule) in [
            (Script, -20, None, Applies),
            (Script, -20, Some(SyncMember), Ignored),
            (Script, 0, Some(SyncMember), Applies),
            (Script, 5, Some(Owner), Ignored),
            (Interface, -10, Some(SyncMember), Unweighted),
            (Interface, -10, Some(Owner), Ignored),
            (Interface, 0, Some(Owner), Applies),
            (Process, -30, Some(SyncMember), Applies),
            (Process, -30, Some(Owner), Applies),
            (File, 1, Some(SyncMember), Unweighted),
            (File, -20, Some(SyncMember), Ignored),
            (File, 1, Some(Owner), Unweighted),
            (File, 3, None, Applies),
            (Script, -20, Some(GroupWithOwner), Unweighted),
            (Process, -30, Some(GroupWithOwner), Unweighted),
            (Interface, 5, Some(GroupWithOwner), Unweighted),
            (File, -2, Some(GroupWithOwner), Unweighted),
        ] {
            assert_eq!(
                weight_rule(kind, weight, restriction),
                rule,
                "{kind:?} weight {weight} {restriction:?}"
            );
        }
    }

    /// Every kind of tracker on a member of a group with `flag` (or none).
    fn member(flag: &str) -> String {
        format!(
            "global_defs {{ script_user nobody }}\nvrrp_script s {{\n script /bin/true\n weight -20\n}}\n\
             vrrp_track_process p {{\n process sshd\n weight -30\n}}\n\
             track_file f {{\n file /tmp/f\n}}\ntrack_file g {{\n file /tmp/g\n weight -20\n}}\n{}{}\
             vrrp_sync_group G {{\n group {{ V X }}\n{flag}}}\n",
            instance(
                "V",
                1,
                " track_script {\n  s\n  s2 weight 0\n }\n track_interface {\n  eth1 weight -10\n  \
                 eth2\n }\n track_process {\n  p\n }\n track_file {\n  f\n  g\n }\n"
            ),
            instance("X", 2, "")
        )
    }

    #[test]
    fn a_sync_group_member_keeps_only_unweighted_trackers() {
        let loaded = parse_str(&member(""), "f.conf").unwrap();
        let found: Vec<String> = messages(&loaded)
            .into_iter()
            .filter(|m| !m.contains("`s2` ignored"))
            .collect();
        let why = "but it is in vrrp_sync_group G (without `sync_group_tracking_weight`)";
        let expect = [
            format!(
                "f.conf:22:3: track_script `s` of vrrp_instance V has weight -20, {why}: ignored"
            ),
            format!(
                "f.conf:26:3: track_interface `eth1` of vrrp_instance V has weight -10, {why}: tracked with weight 0"
            ),
            format!(
                "f.conf:33:3: track_file `f` of vrrp_instance V has weight 1, {why}: tracked with weight 0"
            ),
            format!(
                "f.conf:34:3: track_file `g` of vrrp_instance V has weight -20, {why}: ignored"
            ),
        ];
        assert_said(&found, &expect);
        let v = &loaded.config.instances[0];
        let names = |list: &[crate::conf::Tracked]| -> Vec<(String, Option<i32>)> {
            list.iter()
                .map(|t| (t.name.clone(), t.weight.as_ref().map(|w| w.value)))
                .collect()
        };
        assert!(v.track_scripts.is_empty(), "{:?}", v.track_scripts);
        assert_eq!(
            names(&v.track_interfaces),
            [("eth1".into(), Some(0)), ("eth2".into(), None)]
        );
        assert_eq!(names(&v.track_processes), [("p".into(), None)]);
        assert_eq!(names(&v.track_files), [("f".into(), Some(0))]);
        // The driver: the process keeps its weight, the rest is unweighted.
        assert_eq!(driver_weights(&loaded), [-30, 0, 0, 0]);
    }

    #[test]
    fn sync_group_tracking_weight_and_global_tracking_let_weights_apply() {
        for (flag, warned) in [
            (" sync_group_tracking_weight\n", None),
            (
                " global_tracking\n",
                Some("f.conf:44:2: global_tracking is deprecated"),
            ),
        ] {
            let loaded = parse_str(&member(flag), "f.conf").unwrap();
            let found: Vec<String> = messages(&loaded)
                .into_iter()
                .filter(|m| !m.contains("`s2` ignored"))
                .collect();
            let expect: Vec<String> = warned.into_iter().map(String::from).collect();
            assert_said(&found, &expect);
            assert_eq!(
                driver_weights(&loaded),
                [-20, -30, 1, -20, -10, 0],
                "{flag}"
            );
        }
    }

    /// keepalived: an address owner's own weighted trackers do not count,
    /// also in a group that lets its members' weights apply.
    #[test]
    fn an_address_owner_keeps_only_unweighted_trackers() {
        let text = format!(
            "global_defs {{ script_user nobody }}\nvrrp_script s {{\n script /bin/true\n weight -20\n}}\n{}",
            instance(
                "V",
                1,
                " priority 255\n track_script {\n  s\n }\n track_interface {\n  eth1 weight -10\n }\n"
            )
        );
        let loaded = parse_str(&text, "f.conf").unwrap();
        let found = messages(&loaded);
        let why = "but it is the address owner (priority 255)";
        assert_said(
            &found,
            &[
                format!(
                    "f.conf:12:3: track_script `s` of vrrp_instance V has weight -20, {why}: ignored"
                ),
                format!(
                    "f.conf:15:3: track_interface `eth1` of vrrp_instance V has weight -10, {why}: ignored"
                ),
            ],
        );
        let v = &loaded.config.instances[0];
        assert!(v.track_scripts.is_empty() && v.track_interfaces.is_empty());
    }

    /// keepalived: a group with an address owner among its members tracks
    /// its own objects unweighted.
    #[test]
    fn a_group_with_an_address_owner_tracks_unweighted() {
        let text = format!(
            "global_defs {{ script_user nobody }}\nvrrp_script s {{\n script /bin/true\n weight -20\n}}\n{}{}\
             vrrp_sync_group G {{\n group {{ V X }}\n track_script {{\n  s\n }}\n track_interface {{\n  eth1 weight 5\n }}\n}}\n",
            instance("V", 1, " priority 255\n"),
            instance("X", 2, " priority 255\n")
        );
        let loaded = parse_str(&text, "f.conf").unwrap();
        let found = messages(&loaded);
        let why = "but member V is the address owner (priority 255): tracked with weight 0";
        assert_said(
            &found,
            &[
                format!("f.conf:21:3: track_script `s` of vrrp_sync_group G has weight -20, {why}"),
                format!(
                    "f.conf:24:3: track_interface `eth1` of vrrp_sync_group G has weight 5, {why}"
                ),
            ],
        );
        assert_eq!(driver_weights(&loaded), [0, 0]);
    }
}
