//! ARCHITECTURE.md: "No module imports a module that imports it back." This
//! test reads every crate's sources and fails on a cycle among modules that
//! are not each other's ancestor (a child that uses its parent's types is
//! one module split over files, as quinn-proto and holo-vrrp write them).
//!
//! What counts as an import: a `use` of `crate::…` or `super::…` (brace
//! groups expanded) and any `crate::…`/`super::…` path in code. Comments
//! (doc links among them) and `#[cfg(test)]` modules written inline do not
//! count. A path names the longest module prefix that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace's library crates, by the directory holding `src/`.
const CRATES: &[&str] = &[
    "vrrp-core",
    "vrrp-io-linux",
    "vrrp-keepalived",
    "vrrp-lab",
    "vrrp-model",
    "vrrp-props",
    ".",
];

type Module = Vec<String>;

/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs` the root.
fn module_of(src: &Path, file: &Path) -> Module {
    let mut parts: Module = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source without comment lines and without inline `#[cfg(test)] mod`
/// blocks (cut at the first one: they come last in this code base).
fn code_of(source: &str) -> String {
    let mut kept = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines.peek().is_some_and(|next| {
                let next = next.trim_start();
                next.starts_with("mod ") && next.ends_with('{')
            })
        {
            break;
        }
        if !trimmed.starts_with("//") {
            kept.push(line);
        }
    }
    kept.join("\n")
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => out.push(format!("{prefix}{tree}")),
        Some(open) => {
            let head = &tree[..open];
            let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&body[start..i], &format!("{prefix}{head}"), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if !body[start..].trim().is_empty() {
                expand(&body[start..], &format!("{prefix}{head}"), out);
            }
        }
    }
}

/// Every `crate::…` and `super::…` path in `code`, as written.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    // `use` statements, braces expanded.
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(at) = statement.find("use ") else {
            continue;
        };
        let tree = &statement[at + 4..];
        if tree.starts_with("crate::") || tree.starts_with("super::") {
            expand(tree, "", &mut paths);
        }
    }
    // Paths in code.
    for root in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(root) {
            let preceded = rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if !preceded {
                paths.push(tail[..end].trim_end_matches(':').to_owned());
            }
            rest = &tail[end.max(1)..];
        }
    }
    paths
}

/// The modules each module imports (never itself).
fn imports(modules: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, code) in modules {
        for path in paths_in(code) {
            // `a::b as c`: the path is `a::b`.
            let mut segments = path
                .split("::")
                .map(|s| s.split_whitespace().next().unwrap_or(""));
            let mut full: Module = match segments.next() {
                Some("crate") => Vec::new(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            let mut rest: Vec<&str> = segments.collect();
            while rest.first() == Some(&"super") {
                full.pop();
                rest.remove(0);
            }
            full.extend(
                rest.iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| (*s).to_owned()),
            );
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix));
            if let Some(target) = target.filter(|t| t != module) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

fn is_ancestor(a: &Module, b: &Module) -> bool {
    b.starts_with(a)
}

/// Pairs of modules, neither the other's ancestor, that reach each other
/// (edges lifted to the children of their common ancestor), with the
/// import that closes the cycle.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let mut lifted: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, targets) in edges {
        for to in targets {
            if is_ancestor(from, to) || is_ancestor(to, from) {
                continue;
            }
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            lifted
                .entry(from[..=common].to_vec())
                .or_default()
                .insert(to[..=common].to_vec());
        }
    }
    let reach = |start: &Module| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(next) = todo.pop() {
            for to in lifted.get(&next).into_iter().flatten() {
                if seen.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        seen
    };
    let mut found = Vec::new();
    for (from, targets) in &lifted {
        for to in targets {
            if reach(to).contains(from) {
                found.push(format!(
                    "{} -> {} -> ... -> {}",
                    from.join("::"),
                    to.join("::"),
                    from.join("::")
                ));
            }
        }
    }
    found
}

fn crate_cycles(root: &Path) -> Vec<String> {
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(!files.is_empty(), "no sources under {}", src.display());
    let modules: BTreeMap<Module, String> = files
        .iter()
        .map(|file| {
            let source = std::fs::read_to_string(file).expect("read a source file");
            (module_of(&src, file), code_of(&source))
        })
        .collect();
    cycles(&imports(&modules))
}

#[test]
fn no_two_modules_import_each_other() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = Vec::new();
    for krate in CRATES {
        for cycle in crate_cycles(&workspace.join(krate)) {
            report.push(format!("{krate}: {cycle}"));
        }
    }
    assert!(report.is_empty(), "module cycles:\n{}", report.join("\n"));
}

/// The check finds what it claims to: a cycle between siblings through a
/// brace group and through a path in code, and not a child using its parent.
#[test]
fn the_check_finds_a_cycle_and_allows_a_child_using_its_parent() {
    let module = |path: &str| -> Module {
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let modules: BTreeMap<Module, String> = [
        ("", "mod a; mod b; mod c;"),
        ("a", "use crate::{b::{Thing, Other as O}};\nstruct A;"),
        ("b", "fn f() { super::a::g(); }"),
        ("c", "// use crate::a;\nuse super::b;"),
        ("c::d", "use super::super::c::E;"),
    ]
    .into_iter()
    .map(|(path, code)| (module(path), code_of(code)))
    .collect();
    let edges = imports(&modules);
    assert!(edges[&module("a")].contains(&module("b")));
    assert!(edges[&module("b")].contains(&module("a")));
    assert!(
        !edges[&module("c")].contains(&module("a")),
        "a comment is no import"
    );
    assert_eq!(
        cycles(&edges),
        ["a -> b -> ... -> a", "b -> a -> ... -> b"],
        "a <-> b, and c::d using c is not a cycle"
    );
}
