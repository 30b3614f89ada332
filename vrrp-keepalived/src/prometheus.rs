//! The Prometheus text exposition format, as [`metrics`](crate::metrics)
//! and [`exporter`](crate::exporter) write it: a family's HELP and TYPE
//! lines, then its samples.

use std::fmt::Write as _;

/// One metric family: its HELP and TYPE, then samples.
pub(crate) struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    /// Writes the family's HELP and TYPE lines.
    pub(crate) fn new(out: &'a mut String, name: &str, kind: &str, help: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        Self { out }
    }

    /// Writes one sample; no braces when `labels` is empty.
    pub(crate) fn sample(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        value: impl std::fmt::Display,
    ) {
        if labels.is_empty() {
            let _ = writeln!(self.out, "{name} {value}");
            return;
        }
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        let _ = writeln!(self.out, "{name}{{{}}} {value}", labels.join(","));
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn family_writes_help_type_and_escaped_samples() {
        let mut out = String::new();
        let mut family = Family::new(&mut out, "x_total", "counter", "Some x.");
        family.sample("x_total", &[("a", "q\"\\\n")], 3);
        family.sample("x_total", &[], 4);
        assert_eq!(
            out,
            "# HELP x_total Some x.\n# TYPE x_total counter\nx_total{a=\"q\\\"\\\\\\n\"} 3\nx_total 4\n"
        );
    }
}
