//! The README's keepalived.conf keyword table stays true: each row's example
//! is read in its context, and what the reader does must be what the row
//! says: `supported` loads with no warning on the example's lines,
//! `different` loads (the note says how it differs), `ignored` loads with a
//! warning on them, `refused` fails there.

use std::path::Path;

use vrrp_keepalived::conf::{Loaded, parse_str_in};

/// One row of the table.
#[derive(Debug)]
struct Row {
    context: String,
    keyword: String,
    example: String,
    status: String,
}

fn rows() -> Vec<Row> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(&readme).expect("the README");
    let start = text
        .find("<!-- keyword-table -->")
        .expect("the README's keyword table");
    let end = text
        .find("<!-- /keyword-table -->")
        .expect("the keyword table's end");
    text[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| context") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert!(
                cells.len() >= 4,
                "a row has context, keyword, example, status: {l}"
            );
            let unquote = |c: &str| c.trim_matches('`').to_string();
            Row {
                context: cells[0].to_string(),
                keyword: unquote(cells[1]),
                example: unquote(cells[2]).replace("<br>", "\n"),
                status: cells[3].to_string(),
            }
        })
        .collect()
}

/// A valid configuration with `row`'s example in its context, and the
/// lines the example occupies.
fn config(row: &Row) -> (String, std::ops::RangeInclusive<u32>) {
    let indent = |text: &str| -> Vec<String> { text.lines().map(|l| format!("    {l}")).collect() };
    let example = row.example.as_str();
    let mut global = vec!["    script_user nobody".to_string()];
    let mut script = vec!["    script \"/bin/true\"".to_string()];
    let mut process = vec!["    process haproxy".to_string()];
    let mut file = vec!["    file /tmp/file1".to_string()];
    let mut instance = Vec::new();
    let mut group = vec!["    group { VI_A VI_B }".to_string()];
    let mut garp = vec![
        "    garp_interval 0.01".to_string(),
        "    interface eth9".to_string(),
    ];
    let mut top = Vec::new();
    let target = match row.context.as_str() {
        "global_defs" => &mut global,
        "vrrp_script" => &mut script,
        "vrrp_track_process" => &mut process,
        "track_file" => &mut file,
        "vrrp_instance" => &mut instance,
        "vrrp_sync_group" => &mut group,
        "garp_group" => &mut garp,
        "top level" => &mut top,
        other => panic!("unknown context {other:?} for {}", row.keyword),
    };
    let replaces = matches!(
        (row.context.as_str(), row.keyword.as_str()),
        ("vrrp_sync_group", "group")
            | ("vrrp_script", "script")
            | ("vrrp_track_process", "process")
            | ("track_file", "file")
    );
    if replaces {
        target.clear();
    }
    let marker = target.len();
    if row.context == "top level" {
        target.extend(example.lines().map(str::to_string));
    } else {
        target.extend(indent(example));
    }
    let count = example.lines().count();
    let mut lines: Vec<String> = Vec::new();
    let mut first = 0;
    // Appends a block; the line its body's `marker`-th line lands on.
    let block = |lines: &mut Vec<String>, head: &str, body: &[String]| {
        lines.push(head.to_string());
        let at = lines.len() + marker + 1;
        lines.extend(body.iter().cloned());
        lines.push("}".to_string());
        at
    };
    let is = |c: &str| row.context == c;
    for (head, body, context) in [
        ("global_defs {", &global, "global_defs"),
        ("vrrp_script chk {", &script, "vrrp_script"),
        ("vrrp_track_process proc {", &process, "vrrp_track_process"),
        ("track_file file1 {", &file, "track_file"),
    ] {
        let at = block(&mut lines, head, body);
        if is(context) {
            first = at;
        }
    }
    let mut a = vec![
        "    interface eth0".to_string(),
        "    virtual_router_id 1".to_string(),
    ];
    let at = a.len();
    a.extend(instance.iter().cloned());
    a.push("    virtual_ipaddress { 192.0.2.100 }".to_string());
    lines.push("vrrp_instance VI_A {".to_string());
    if is("vrrp_instance") {
        first = lines.len() + at + 1;
    }
    lines.extend(a);
    lines.push("}".to_string());
    lines.extend(
        [
            "vrrp_instance VI_B {",
            "    interface eth0",
            "    virtual_router_id 2",
            "    virtual_ipaddress { 192.0.2.200 }",
            "}",
        ]
        .map(str::to_string),
    );
    let at = block(&mut lines, "vrrp_sync_group G {", &group);
    if is("vrrp_sync_group") {
        first = at;
    }
    let at = block(&mut lines, "garp_group {", &garp);
    if is("garp_group") {
        first = at;
    }
    if is("top level") {
        first = lines.len() + 1;
        lines.extend(top);
    }
    let first = u32::try_from(first).expect("a line number");
    let last = first + u32::try_from(count).expect("a count") - 1;
    (lines.join("\n") + "\n", first..=last)
}

#[test]
fn the_readme_counts_the_rows_right() {
    let rows = rows();
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    let sentence = format!(
        "{} supported, {} supported with a difference, {} ignored with a\nwarning, {} refused.",
        count("supported"),
        count("different"),
        count("ignored"),
        count("refused")
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("the README");
    assert!(
        readme.contains(&sentence),
        "the README should say: {sentence}"
    );
}

#[test]
fn every_row_of_the_keyword_table_holds() {
    let rows = rows();
    assert!(rows.len() > 150, "the table has {} rows", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        assert!(
            row.example
                .lines()
                .any(|l| l.split_whitespace().next() == Some(row.keyword.as_str())),
            "no line of the example of `{}` starts with it",
            row.keyword
        );
        let (text, lines) = config(row);
        let on_example = |loaded: &Loaded| {
            loaded
                .warnings
                .iter()
                .filter(|w| lines.contains(&w.at.line))
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        let outcome = parse_str_in(&text, "k.conf", Path::new("/"));
        let holds = match (row.status.as_str(), &outcome) {
            ("supported", Ok(loaded)) => on_example(loaded).is_empty(),
            ("different", Ok(_)) => true,
            ("ignored", Ok(loaded)) => !on_example(loaded).is_empty(),
            ("refused", Err(error)) => lines
                .clone()
                .any(|l| error.to_string().starts_with(&format!("k.conf:{l}:"))),
            (status, _) => {
                assert!(
                    ["supported", "different", "ignored", "refused"].contains(&status),
                    "`{}`: unknown status {status:?}",
                    row.keyword
                );
                false
            }
        };
        if !holds {
            wrong.push(format!(
                "{} `{}` says {}, but: {:?}\n{text}",
                row.context,
                row.keyword,
                row.status,
                outcome
                    .as_ref()
                    .map(on_example)
                    .map_err(ToString::to_string)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
