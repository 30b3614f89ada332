//! `RFC-LEDGER.md` stays true: every test it names exists as `fn NAME` in the
//! file it names, every model property it names is declared, and a row that
//! names nothing says `unpinned` and why.

use std::path::Path;

/// The workspace root, one level above this crate.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("vrrp-core lives in the workspace")
}

/// The backquoted words of `cell`.
fn quoted(cell: &str) -> impl Iterator<Item = &str> {
    cell.split('`').skip(1).step_by(2)
}

/// What is wrong with one reference, if anything.
fn check(reference: &str, properties: &str) -> Option<String> {
    if let Some(name) = reference.strip_prefix("model ") {
        let declared = format!("pub const {name}: &str");
        return (!properties.contains(&declared)).then(|| format!("no model property {name}"));
    }
    let Some((file, function)) = reference.split_once("::") else {
        return Some(format!("`{reference}` is neither path::fn nor model S<n>"));
    };
    let Ok(text) = std::fs::read_to_string(root().join(file)) else {
        return Some(format!("no file {file}"));
    };
    let defined = text.contains(&format!("fn {function}("));
    (!defined).then(|| format!("no fn {function} in {file}"))
}

/// The problems of the ledger `text`: one line per bad reference or row.
fn problems(text: &str, properties: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rows = text
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| id ") && !l.starts_with("|---"));
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // "", id, rule, ours, pinned by, deviation, ""
        let [_, id, _, _, pinned, _, _] = cells[..] else {
            out.push(format!("row with {} cells: {row}", cells.len()));
            continue;
        };
        let references: Vec<&str> = quoted(pinned).collect();
        if references.is_empty() && !pinned.contains("unpinned") {
            out.push(format!("{id}: names nothing and does not say why"));
        }
        for reference in references {
            if let Some(problem) = check(reference, properties) {
                out.push(format!("{id}: {problem}"));
            }
        }
    }
    out
}

#[test]
fn every_named_test_and_property_exists() {
    let ledger = std::fs::read_to_string(root().join("RFC-LEDGER.md")).unwrap();
    let properties = std::fs::read_to_string(root().join("vrrp-model/src/properties.rs")).unwrap();
    let rows = ledger.lines().filter(|l| l.starts_with("| 9568-")).count();
    assert!(rows >= 40, "the ledger lost rows: {rows}");
    let problems = problems(&ledger, &properties);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself can fail: a missing function, file, property, and an
/// empty row are all reported.
#[test]
fn a_false_ledger_is_caught() {
    let properties = "pub const S1: &str = \"...\";";
    let text = "| id | rule | ours | pinned by | deviation |\n|---|---|---|---|---|\n\
        | a | r | o | `vrrp-core/tests/ledger.rs::no_such_test` | |\n\
        | b | r | o | `vrrp-core/tests/none.rs::x` | |\n\
        | c | r | o | `model S99`, `model S1` | |\n\
        | d | r | o | nothing | |\n\
        | e | r | o | unpinned: fine | |\n\
        | f | r | o | `vrrp-core/tests/ledger.rs::a_false_ledger_is_caught` | |\n";
    let found = problems(text, properties);
    assert_eq!(
        found,
        [
            "a: no fn no_such_test in vrrp-core/tests/ledger.rs",
            "b: no file vrrp-core/tests/none.rs",
            "c: no model property S99",
            "d: names nothing and does not say why",
        ]
    );
}
