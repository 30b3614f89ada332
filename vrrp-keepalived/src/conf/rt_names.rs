//! Names of routing tables, protocols and scopes, as `ip` and keepalived
//! read them: a number, a built-in name, or a name from iproute2's files
//! (`/etc/iproute2/rt_tables`, `rt_tables.d/*.conf`, then the same under
//! `/usr/share/iproute2` and `/usr/lib/iproute2`).

use std::path::Path;

/// Where iproute2 keeps its name files, the administrator's first.
const DIRS: &[&str] = &["/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"];

/// A kind of name, its file and what is always known.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameKind {
    file: &'static str,
    builtin: &'static [(&'static str, u32)],
    max: u32,
}

/// Routing tables: `table`, `lookup`.
pub(crate) const TABLES: NameKind = NameKind {
    file: "rt_tables",
    builtin: &[("default", 253), ("main", 254), ("local", 255)],
    max: u32::MAX,
};

/// Route protocols: who installed a route.
pub(crate) const PROTOCOLS: NameKind = NameKind {
    file: "rt_protos",
    builtin: &[
        ("none", 0),
        ("redirect", 1),
        ("kernel", 2),
        ("boot", 3),
        ("static", 4),
        ("gated", 8),
        ("ra", 9),
        ("mrt", 10),
        ("zebra", 11),
        ("bird", 12),
        ("dnrouted", 13),
        ("xorp", 14),
        ("ntk", 15),
        ("dhcp", 16),
        ("keepalived", 18),
        ("babel", 42),
    ],
    max: 255,
};

/// Route scopes.
pub(crate) const SCOPES: NameKind = NameKind {
    file: "rt_scopes",
    builtin: &[
        ("global", 0),
        ("site", 200),
        ("link", 253),
        ("host", 254),
        ("nowhere", 255),
    ],
    max: 255,
};

/// The number `name` stands for: a number (decimal, or hex with `0x`) up
/// to the kind's maximum, a built-in name, or one of iproute2's files.
pub(crate) fn lookup(kind: NameKind, name: &str) -> Option<u32> {
    if let Some(number) = number(name) {
        return (number <= kind.max).then_some(number);
    }
    if let Some(&(_, id)) = kind.builtin.iter().find(|(n, _)| *n == name) {
        return Some(id);
    }
    DIRS.iter()
        .find_map(|dir| lookup_in(Path::new(dir), kind.file, name))
        .filter(|id| *id <= kind.max)
}

/// `name` in `dir/file` or `dir/file.d/*.conf`.
fn lookup_in(dir: &Path, file: &str, name: &str) -> Option<u32> {
    let mut files = vec![dir.join(file)];
    if let Ok(entries) = std::fs::read_dir(dir.join(format!("{file}.d"))) {
        let mut extra: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        extra.sort();
        files.extend(extra);
    }
    files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|text| find_in_text(&text, name))
}

/// `ID NAME` lines; `#` starts a comment.
fn find_in_text(text: &str, name: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let id = number(words.next()?)?;
        (words.next()? == name).then_some(id)
    })
}

/// A decimal or `0x` hexadecimal number.
pub(crate) fn number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u32::from_str_radix(hex, 16).ok(),
        _ if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_builtin_names_and_files() {
        assert_eq!(lookup(TABLES, "main"), Some(254));
        assert_eq!(lookup(TABLES, "1000"), Some(1000));
        assert_eq!(lookup(PROTOCOLS, "0x12"), Some(18));
        assert_eq!(lookup(PROTOCOLS, "256"), None);
        assert_eq!(lookup(SCOPES, "link"), Some(253));
        assert_eq!(lookup(TABLES, "no-such-table-anywhere"), None);
        let text = "# comment\n255\tlocal\n100 vrrp # ours\n";
        assert_eq!(find_in_text(text, "vrrp"), Some(100));
        assert_eq!(find_in_text(text, "ours"), None);
    }
}
