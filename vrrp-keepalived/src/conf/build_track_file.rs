//! `track_file NAME { file PATH  weight W [reverse]  init_file [VALUE] [overwrite] }`
//! (`vrrp_track_file` is keepalived's older name for the same block).

use super::error::{ConfigError, Spanned};
use super::model::{InitFile, TrackFile};
use super::parser::Node;
use super::values::Ctx;

/// Weight range of `track_file` blocks and `track_file { NAME weight W }`
/// entries (keepalived's: -254 is reachable so that a value of -1 can
/// still reach Fault).
pub(crate) const FILE_WEIGHT: (i32, i32) = (-254, 254);

/// The range keepalived calls sensible for an `init_file` value.
const INIT_VALUE: (i32, i32) = (-254, 254);

/// Reads a `track_file` block. `None`: a block without `file`, which
/// keepalived ignores ("No file set for track_file"), as we do, warned.
pub(crate) fn build_track_file(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Option<TrackFile>, ConfigError> {
    let (name, nodes) = ctx.named_block(node)?;
    let mut file: Option<Spanned<String>> = None;
    let mut weight = None;
    let mut init_file = None;
    for item in nodes {
        match item.keyword.as_str() {
            "file" => {
                let path = ctx.string(item, "the path of the file to track")?;
                match &file {
                    // keepalived keeps the first and reports the second.
                    Some(first) => ctx.warn(
                        &item.at,
                        format!(
                            "track_file {}: `file` given again, ignored as keepalived ignores \
                             it (the file is {}, from {})",
                            name.text, first.value, first.at
                        ),
                    ),
                    None => file = Some(path),
                }
            }
            "weight" => weight = Some(ctx.weight(item, FILE_WEIGHT.0, FILE_WEIGHT.1)?),
            "init_file" => init_file = Some(init(ctx, item, &name.text)?),
            _ => ctx.unknown(item, "track_file"),
        }
    }
    let Some(file) = file else {
        ctx.warn(
            &node.at,
            format!(
                "track_file {} has no `file` line: ignored, as keepalived ignores it, so \
                 nothing can track it",
                name.text
            ),
        );
        return Ok(None);
    };
    Ok(Some(TrackFile {
        name: name.text.clone(),
        at: node.at.clone(),
        file,
        weight,
        init_file,
    }))
}

/// `init_file [VALUE] [overwrite]`, in any order. keepalived reports and
/// runs a value outside -254..254 (used as written) and an unknown word
/// (ignored); we warn the same.
fn init(ctx: &mut Ctx<'_>, node: &Node, name: &str) -> Result<InitFile, ConfigError> {
    ctx.no_block(node)?;
    let mut init = InitFile {
        value: 0,
        overwrite: false,
        at: node.at.clone(),
    };
    for arg in &node.args {
        let word = arg.text.as_str();
        if word == "overwrite" {
            init.overwrite = true;
        } else if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            match word.parse::<i32>() {
                Ok(value) => {
                    if !(INIT_VALUE.0..=INIT_VALUE.1).contains(&value) {
                        ctx.warn(
                            &arg.at,
                            format!(
                                "track_file {name}: init_file value {value} is outside \
                                 {}..{} (keepalived says so too); it is written as given",
                                INIT_VALUE.0, INIT_VALUE.1
                            ),
                        );
                    }
                    init.value = value;
                }
                Err(_) => ctx.warn(
                    &arg.at,
                    format!(
                        "track_file {name}: init_file value `{word}` is not an integer; 0 is \
                         written, as keepalived writes it"
                    ),
                ),
            }
        } else {
            ctx.warn(
                &arg.at,
                format!(
                    "track_file {name}: unknown init_file option `{word}` ignored, as \
                     keepalived ignores it (a VALUE or `overwrite`)"
                ),
            );
        }
    }
    Ok(init)
}

#[cfg(test)]
mod test {
    use crate::conf::parse_str;
    use crate::conf::test_support::{instance, messages};

    const FILES: &str = "track_file maint {\n file /run/ka/maint\n weight -60 reverse\n \
                         init_file 0 overwrite\n}\nvrrp_track_file down {\n file \"/run/ka/down\"\n}\n";

    #[test]
    fn blocks_and_references_read_with_keepalived_defaults() {
        let body = instance(
            "V",
            1,
            " track_file {\n  maint\n  down weight 0 reverse\n }\n",
        );
        let text = format!(
            "{FILES}{body}{}{}vrrp_sync_group G {{\n group {{ X Y }}\n track_file {{\n  maint weight 5\n }}\n}}\n",
            instance("X", 3, ""),
            instance("Y", 4, "")
        );
        let loaded = parse_str(&text, "f.conf").unwrap();
        let none: Vec<String> = Vec::new();
        assert_eq!(messages(&loaded), none);
        let config = &loaded.config;
        let maint = config.track_file("maint").unwrap();
        assert_eq!(maint.file.value, "/run/ka/maint");
        let weight = maint.weight.as_ref().unwrap();
        assert_eq!((weight.value, weight.reverse), (-60, true));
        let init = maint.init_file.as_ref().unwrap();
        assert_eq!((init.value, init.overwrite, init.at.line), (0, true, 4));
        let down = config.track_file("down").unwrap();
        assert_eq!(
            (down.file.value.as_str(), &down.weight),
            ("/run/ka/down", &None)
        );
        assert_eq!(down.init_file, None);

        // The driver: the file's weight, the entry's, keepalived's default 1
        // where neither is written; the group's entries for its members.
        let driver = crate::driver_config(config).unwrap();
        assert_eq!(driver.files.len(), 2);
        assert_eq!(driver.files[0].path, std::path::Path::new("/run/ka/maint"));
        let init = driver.files[0].init.unwrap();
        assert_eq!((init.value, init.overwrite), (0, true));
        let weights: Vec<(i32, bool)> = driver.instances[0]
            .track
            .iter()
            .map(|(_, w)| (w.weight, w.reverse))
            .collect();
        assert_eq!(weights, [(-60, true), (0, true)]);
        let group: Vec<(i32, bool)> = driver.instances[1]
            .track
            .iter()
            .map(|(_, w)| (w.weight, w.reverse))
            .collect();
        assert_eq!(group, [(5, false)]);
        let plain = format!("{FILES}{}", instance("W", 2, " track_file {\n  down\n }\n"));
        let driver = crate::driver_config(&parse_str(&plain, "f.conf").unwrap().config).unwrap();
        assert_eq!((driver.instances[0].track[0].1.weight), 1);
    }

    #[test]
    fn what_keepalived_reports_and_runs_is_warned_at_its_position() {
        let text = format!(
            "track_file nofile {{\n weight 2\n}}\ntrack_file odd {{\n file /tmp/odd\n file /tmp/other\n \
             init_file 999 always\n}}\n{}",
            instance(
                "V",
                1,
                " track_file {\n  nofile\n  later\n  odd\n  odd\n }\n"
            )
        );
        let loaded = parse_str(&text, "f.conf").unwrap();
        let found = messages(&loaded);
        let expect = [
            "f.conf:1:1: track_file nofile has no `file` line",
            "f.conf:6:2: track_file odd: `file` given again",
            "f.conf:7:12: track_file odd: init_file value 999 is outside -254..254",
            "f.conf:7:16: track_file odd: unknown init_file option `always`",
            "f.conf:14:3: track_file `nofile` ignored",
            "f.conf:15:3: track_file `later` ignored",
            "f.conf:17:3: track_file `odd` ignored, as keepalived ignores it: vrrp_instance V already tracks it",
        ];
        assert_eq!(found.len(), expect.len(), "{found:#?}");
        for (message, prefix) in found.iter().zip(expect) {
            assert!(
                message.starts_with(prefix),
                "{message}\n  expected {prefix}"
            );
        }
        let config = &loaded.config;
        assert!(config.track_file("nofile").is_none());
        let odd = config.track_file("odd").unwrap();
        assert_eq!(odd.file.value, "/tmp/odd");
        assert_eq!(odd.init_file.as_ref().map(|i| i.value), Some(999));
        let names: Vec<&str> = config.instances[0]
            .track_files
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["odd"]);
    }

    /// `-t`'s one-file weight check counts a file's weight per unit value.
    #[test]
    fn a_file_weight_within_the_gap_is_warned_as_a_scripts() {
        let pair = |weight: i32| {
            format!(
                "track_file f {{\n file /tmp/f\n weight {weight}\n}}\n{}{}",
                instance("A", 1, " priority 150\n track_file {\n  f\n }\n").replace("eth0", "eth1"),
                instance("B", 1, " priority 100\n")
            )
        };
        let small = parse_str(&pair(-30), "f.conf").unwrap();
        let found = messages(&small);
        assert!(
            found.iter().any(|m| m.starts_with(
                "f.conf:3:2: weight -30 of `f` does not exceed the priority gap of 50"
            )),
            "{found:#?}"
        );
        let big = parse_str(&pair(-60), "f.conf").unwrap();
        assert!(
            !messages(&big).iter().any(|m| m.contains("priority gap")),
            "{:#?}",
            messages(&big)
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        for (text, error) in [
            (
                "track_file f {\n file /tmp/f\n weight 255\n}\n",
                "f.conf:3:9: expected a weight -254..254 after weight, found \"255\"",
            ),
            (
                "track_file {\n file /tmp/f\n}\n",
                "f.conf:1:1: expected a name after track_file",
            ),
            (
                "track_file f {\n file\n}\n",
                "f.conf:2:2: expected the path of the file to track after file",
            ),
            (
                "track_file f {\n file /tmp/f\n}\ntrack_file f {\n file /tmp/g\n}\n",
                "f.conf:4:1: track_file f is defined twice (first at f.conf:1:1)",
            ),
        ] {
            let found = parse_str(text, "f.conf").unwrap_err().to_string();
            assert!(found.starts_with(error), "{found}\n  expected {error}");
        }
        let entry = format!(
            "track_file f {{\n file /tmp/f\n}}\n{}",
            instance("V", 1, " track_file {\n  f weight -255\n }\n")
        );
        let found = parse_str(&entry, "f.conf").unwrap_err().to_string();
        assert!(
            found.starts_with("f.conf:9:12: expected a weight -254..254 after weight"),
            "{found}"
        );
    }
}
