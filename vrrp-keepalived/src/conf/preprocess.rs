//! keepalived's line preprocessing, before a line is split into tokens
//! (keepalived.conf(5), "ADVANCED CONFIGURATION"):
//!
//! - `@ID rest` keeps `rest` only when ID is the configuration id (`-i`,
//!   else the host name up to its first dot); `@^ID rest` only when it is not.
//! - `$NAME=VALUE` defines a parameter; a value ending in `\` goes on over
//!   the next lines (a multi-line definition). A definition may be redefined.
//! - `$NAME` followed by a blank, `,`, `)` or the end of the line, and
//!   `${NAME}` anywhere, are replaced by the value, again and again while the
//!   line holds a defined name; an undefined name stays as written. A
//!   multi-line value must end the line; its lines follow it.
//! - Predefined: `${_PWD}` (the current file's directory), `${_INSTANCE}`
//!   (the configuration id), `${_ENV NAME}`, `${_HASH}` (`#`), `${_BANG}` (`!`),
//!   `${_RANDOM [MIN [MAX]]}` (a number MIN..=MAX, 0 and 32767 when not
//!   written, drawn anew at each use from glibc's `random()`; [`random`]).
//!   Parameters go inside the braces, after blanks, and end at the `}`.
//!
//! Lines without `@` at the start and without `$` are passed through
//! untouched, so their columns stay exact; a produced line keeps the line
//! number of the line it came from.

use super::error::{ConfigError, Span};
use super::random::GlibcRandom;

/// Replacements on one line before we call it a loop (`$A=$A`).
const MAX_REPLACEMENTS: usize = 1_000;
/// Multi-line values expanded inside each other before we call it a loop.
const MAX_DEPTH: usize = 32;
/// `${_RANDOM}`'s bounds when not written (keepalived's `get_random`).
const RANDOM_MIN: u64 = 0;
const RANDOM_MAX: u64 = 32_767;

/// One parameter.
#[derive(Clone, Debug)]
struct Definition {
    name: String,
    /// The value's lines: one, or several for a multi-line definition.
    lines: Vec<String>,
}

/// The state carried from line to line: the definitions so far.
#[derive(Debug)]
pub(crate) struct Preprocessor {
    config_id: Option<String>,
    definitions: Vec<Definition>,
    /// The multi-line definition still being read (an index into
    /// `definitions`).
    open: Option<usize>,
    /// `${_RANDOM}`'s numbers.
    random: GlibcRandom,
    /// What keepalived reports of the last line (a `${_RANDOM}` it does not
    /// expand or whose bounds it corrects), for [`Self::take_notes`].
    notes: Vec<String>,
}

/// Where a line comes from: its position and its file's directory.
pub(crate) struct Origin<'a> {
    pub(crate) at: &'a Span,
    pub(crate) dir: &'a str,
}

impl Preprocessor {
    /// A preprocessor comparing `@ID` lines with `config_id` (none: every
    /// `@ID` line is dropped and every `@^ID` line kept), its `${_RANDOM}`
    /// seeded with `seed` (keepalived's `random_seed`), else by the clock.
    pub(crate) fn new(config_id: Option<String>, seed: Option<u32>) -> Self {
        Self {
            config_id,
            definitions: Vec::new(),
            open: None,
            random: seed.map_or_else(GlibcRandom::from_clock, GlibcRandom::new),
            notes: Vec::new(),
        }
    }

    /// What keepalived would report of the lines read since the last call.
    pub(crate) fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// The lines that `text`, a physical line, stands for: usually itself;
    /// none for a definition or a conditional line for another host;
    /// several where a multi-line value is used.
    pub(crate) fn line(
        &mut self,
        text: &str,
        origin: &Origin<'_>,
    ) -> Result<Vec<String>, ConfigError> {
        if let Some(open) = self.open {
            self.continue_definition(open, text);
            return Ok(Vec::new());
        }
        if !text.contains('$') && !text.trim_start().starts_with('@') {
            return Ok(vec![text.to_string()]);
        }
        let mut out = Vec::new();
        self.expand(text.to_string(), origin, 0, &mut out)?;
        Ok(out)
    }

    fn expand(
        &mut self,
        text: String,
        origin: &Origin<'_>,
        depth: usize,
        out: &mut Vec<String>,
    ) -> Result<(), ConfigError> {
        if depth > MAX_DEPTH {
            return Err(ConfigError::invalid(
                origin.at,
                "multi-line parameters expand into each other without end",
            ));
        }
        let mut line = text;
        let mut replacements = 0;
        loop {
            if line.trim_start().starts_with('@') {
                match self.condition(&line) {
                    Some(rest) => line = rest,
                    None => return Ok(()),
                }
                continue;
            }
            let decommented = decomment(&line);
            if let Some((name, value)) = definition(decommented.trim()) {
                self.define(name, value);
                return Ok(());
            }
            if !line.contains('$') {
                out.push(line);
                return Ok(());
            }
            match self.replace_one(&line, origin) {
                None => {
                    out.push(line);
                    return Ok(());
                }
                Some(Replaced::Inline(next)) => line = next,
                Some(Replaced::Lines(first, rest)) => {
                    self.expand(first, origin, depth + 1, out)?;
                    for next in rest {
                        self.expand(next, origin, depth + 1, out)?;
                    }
                    return Ok(());
                }
            }
            replacements += 1;
            if replacements > MAX_REPLACEMENTS {
                return Err(ConfigError::invalid(
                    origin.at,
                    "parameter substitution does not end (a parameter's value uses itself?)",
                ));
            }
        }
    }

    /// The rest of an `@ID rest` / `@^ID rest` line if it applies here,
    /// with blanks where `@ID` stood, so columns stay those of the file.
    fn condition(&self, line: &str) -> Option<String> {
        let trimmed = line.trim_start();
        let (negated, body) = match trimmed.strip_prefix("@^") {
            Some(body) => (true, body),
            None => (false, &trimmed[1..]),
        };
        let (id, rest) = body.split_once([' ', '\t'])?;
        let matches = self.config_id.as_deref() == Some(id);
        let rest = rest.trim_start();
        let consumed = line[..line.len() - rest.len()].chars().count();
        (matches != negated).then(|| format!("{}{rest}", " ".repeat(consumed)))
    }

    fn define(&mut self, name: &str, value: &str) {
        let (first, multiline) = match value.strip_suffix('\\') {
            Some(first) => (first.trim_end(), true),
            None => (value, false),
        };
        let lines = if first.is_empty() && multiline {
            Vec::new()
        } else {
            vec![first.to_string()]
        };
        let index = match self.definitions.iter().position(|d| d.name == name) {
            Some(index) => {
                self.definitions[index].lines = lines;
                index
            }
            None => {
                self.definitions.push(Definition {
                    name: name.to_string(),
                    lines,
                });
                self.definitions.len() - 1
            }
        };
        self.open = multiline.then_some(index);
    }

    /// A line of a multi-line definition: it ends the definition unless it
    /// ends with `\` too.
    fn continue_definition(&mut self, open: usize, text: &str) {
        let text = decomment(text);
        let text = text.trim();
        let (line, more) = match text.strip_suffix('\\') {
            Some(line) => (line.trim_end(), true),
            None => (text, false),
        };
        if !line.is_empty() {
            self.definitions[open].lines.push(line.to_string());
        }
        if !more {
            self.open = None;
        }
    }

    /// Replaces the first defined reference in `line`.
    fn replace_one(&mut self, line: &str, origin: &Origin<'_>) -> Option<Replaced> {
        let mut from = 0;
        while let Some(offset) = line[from..].find('$') {
            let start = from + offset;
            if let Some((end, value)) = self.reference(line, start, origin) {
                let (before, after) = (&line[..start], &line[end..]);
                return Some(match value {
                    Value::Text(text) => Replaced::Inline(format!("{before}{text}{after}")),
                    Value::Lines(lines) => {
                        let mut lines = lines.iter();
                        let first = lines.next().map_or("", String::as_str);
                        Replaced::Lines(format!("{before}{first}{after}"), lines.cloned().collect())
                    }
                });
            }
            from = start + 1;
        }
        None
    }

    /// The reference starting at `line[start]` (a `$`), if it names a
    /// definition: where it ends, and its value.
    fn reference(
        &mut self,
        line: &str,
        start: usize,
        origin: &Origin<'_>,
    ) -> Option<(usize, Value<'_>)> {
        let rest = &line[start + 1..];
        let (end, value) = if let Some(inner) = rest.strip_prefix('{') {
            let close = inner.find('}')?;
            let body = &inner[..close];
            let (name, param) = match body.split_once([' ', '\t']) {
                Some((name, param)) => (name, Some(param.trim_start())),
                None => (body, None),
            };
            // keepalived (`find_definition`): parameters are words of
            // letters, digits and `_` between blanks, none after the last.
            let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '\t');
            if body.ends_with([' ', '\t']) || !body.chars().all(word) {
                return None;
            }
            (start + 2 + close + 1, self.value(name, param, origin)?)
        } else {
            let len = name_len(rest);
            let end = start + 1 + len;
            let next = line[end..].chars().next();
            if len == 0 || !matches!(next, None | Some(' ' | '\t' | ',' | ')')) {
                return None;
            }
            (end, self.value(&rest[..len], None, origin)?)
        };
        // keepalived expands a multi-line value only at the end of a line.
        if matches!(value, Value::Lines(_)) && !line[end..].trim().is_empty() {
            return None;
        }
        Some((end, value))
    }

    fn value(&mut self, name: &str, param: Option<&str>, origin: &Origin<'_>) -> Option<Value<'_>> {
        if let Some(index) = self.definitions.iter().position(|d| d.name == name) {
            if param.is_some() {
                return None;
            }
            let def = &self.definitions[index];
            return Some(match def.lines.as_slice() {
                [one] => Value::Text(one.clone()),
                [] => Value::Text(String::new()),
                lines => Value::Lines(lines),
            });
        }
        let text = match (name, param) {
            ("_PWD", None) => origin.dir.to_string(),
            ("_INSTANCE", None) => self.config_id.clone().unwrap_or_default(),
            ("_HASH", None) => "#".to_string(),
            ("_BANG", None) => "!".to_string(),
            ("_ENV", Some(var)) if !var.contains([' ', '\t']) => {
                std::env::var(var).unwrap_or_default()
            }
            ("_RANDOM", param) => self.random_value(param.unwrap_or(""))?,
            _ => return None,
        };
        Some(Value::Text(text))
    }
}

impl Preprocessor {
    /// `${_RANDOM [MIN [MAX]]}`'s text, as keepalived 2.4.3's `get_random`:
    /// `random() % (MAX - MIN + 1) + MIN`. Parameters that are not all
    /// digits, or more than two, are reported and the reference stays as
    /// written (`find_definition`); MIN above MAX is reported and MIN used.
    /// Numbers past 2⁶⁴−1 are 2⁶⁴−1 (`strtoul`); 0 to 2⁶⁴−1, where
    /// keepalived divides by zero, gives any `random()`.
    fn random_value(&mut self, params: &str) -> Option<String> {
        let words: Vec<&str> = params.split_whitespace().collect();
        if !words.iter().all(|w| w.bytes().all(|b| b.is_ascii_digit())) {
            self.note("Definition _RANDOM requires numeric parameters only.".to_string());
            return None;
        }
        if words.len() > 2 {
            self.note(format!(
                "Definition _RANDOM requires between 0 and 2 parameters, {} specified.",
                words.len()
            ));
            return None;
        }
        let number = |word: &str| word.parse::<u64>().unwrap_or(u64::MAX);
        let min = words.first().map_or(RANDOM_MIN, |w| number(w));
        let mut max = words.get(1).map_or(RANDOM_MAX, |w| number(w));
        if min > max {
            self.note(format!(
                "${{_RANDOM}}: min {min} exceeds max {max}, using {min}"
            ));
            max = min;
        }
        let span = u128::from(max - min) + 1;
        let drawn = u128::from(self.random.next()) % span;
        Some((u128::from(min) + drawn).to_string())
    }

    /// Notes `message` once per line (keepalived repeats it at each pass).
    fn note(&mut self, message: String) {
        if !self.notes.contains(&message) {
            self.notes.push(message);
        }
    }
}

/// A replacement: the line with it, or the line with a multi-line value's
/// first line and the value's other lines.
enum Replaced {
    Inline(String),
    Lines(String, Vec<String>),
}

enum Value<'d> {
    Text(String),
    Lines(&'d [String]),
}

/// `$NAME=VALUE` (no blank before `=`; VALUE trimmed).
fn definition(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('$')?;
    let len = name_len(rest);
    if len == 0 {
        return None;
    }
    let value = rest[len..].strip_prefix('=')?;
    Some((&rest[..len], value.trim()))
}

/// The length of the parameter name at the start of `text`: a letter or
/// `_`, then letters, digits and `_`.
fn name_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(i, _)| i)
}

/// `text` without its comment (`#` or `!` outside quotes and not escaped).
fn decomment(text: &str) -> String {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' if !escaped => quoted = !quoted,
            '#' | '!' if !quoted && !escaped => return text[..i].to_string(),
            _ => {}
        }
        escaped = c == '\\' && !escaped;
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The lines `text` stands for, with `config_id`, trimmed.
    fn run(config_id: Option<&str>, text: &str) -> Vec<String> {
        untrimmed(config_id, text)
            .iter()
            .map(|l| l.trim().to_string())
            .collect()
    }

    fn untrimmed(config_id: Option<&str>, text: &str) -> Vec<String> {
        let mut pre = Preprocessor::new(config_id.map(str::to_string), Some(1));
        let at = Span::new(&Arc::from("t.conf"), 1, 1);
        let origin = Origin {
            at: &at,
            dir: "/etc/keepalived",
        };
        text.lines()
            .flat_map(|line| pre.line(line, &origin).unwrap())
            .collect()
    }

    #[test]
    fn conditional_lines_follow_the_config_id() {
        let text = "@main router_id main_router\n@backup router_id backup_router\n\
                    @^main 192.0.2.4\n@^backup 192.0.2.5\nplain";
        assert_eq!(
            run(Some("main"), text),
            ["router_id main_router", "192.0.2.5", "plain"]
        );
        assert_eq!(
            run(Some("backup"), text),
            ["router_id backup_router", "192.0.2.4", "plain"]
        );
        assert_eq!(run(None, text), ["192.0.2.4", "192.0.2.5", "plain"]);
    }

    #[test]
    fn a_conditional_line_keeps_its_columns() {
        assert_eq!(
            untrimmed(Some("lb1"), " @lb1  priority 100\n\t@^lb2 state MASTER"),
            ["       priority 100", "       state MASTER"]
        );
    }

    #[test]
    fn substitution_happens_when_used_not_when_defined() {
        let text = "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n\
                    ${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32";
        assert_eq!(run(None, text), ["10.2.0.100/32", "10.2.10.100/32"]);
    }

    #[test]
    fn bare_names_need_a_blank_after_them_and_undefined_names_stay() {
        let text = "$P=240\npriority $P\nx $P, $Px ${P}x $UNDEF ${UNDEF} cost$";
        assert_eq!(
            run(None, text),
            ["priority 240", "x 240, $Px 240x $UNDEF ${UNDEF} cost$"]
        );
    }

    #[test]
    fn a_conditional_definition_and_a_parameter_holding_a_condition() {
        let text = "@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY\n\
                    $IF_MAIN=@main\n$IF_MAIN nopreempt";
        assert_eq!(run(Some("main"), text), ["priority 240", "nopreempt"]);
        assert_eq!(run(Some("backup"), text), ["priority 200"]);
    }

    #[test]
    fn multi_line_definitions_expand_to_their_lines() {
        let text = "$INSTANCE= \\\nvrrp_instance VI_${NUM} { \\\n  interface eth0.${NUM} \\\n\
                    @high priority 130 \\\n  @low priority 120 \\\n}\n$NUM=0\n$INSTANCE\n$NUM=1\n$INSTANCE";
        assert_eq!(
            run(Some("low"), text),
            [
                "vrrp_instance VI_0 {",
                "interface eth0.0",
                "priority 120",
                "}",
                "vrrp_instance VI_1 {",
                "interface eth0.1",
                "priority 120",
                "}"
            ]
        );
    }

    #[test]
    fn predefined_parameters() {
        let text = "${_PWD}/check.sh ${_INSTANCE} ${_HASH}${_BANG} ${_ENV HOME}";
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(
            run(Some("lb1"), text),
            [format!("/etc/keepalived/check.sh lb1 #! {home}")]
        );
    }

    #[test]
    fn comments_end_a_definition_and_lines_without_dollar_are_untouched() {
        let text = "$P=240 # the master\n  priority $P   ! trailing\n\"quoted # kept\" \\# x";
        assert_eq!(
            run(None, text),
            ["priority 240   ! trailing", "\"quoted # kept\" \\# x"]
        );
    }

    #[test]
    fn a_parameter_that_uses_itself_is_an_error() {
        let mut pre = Preprocessor::new(None, None);
        let at = Span::new(&Arc::from("t.conf"), 3, 1);
        let origin = Origin { at: &at, dir: "/" };
        pre.line("$A=x $A", &origin).unwrap();
        let error = pre.line("$A", &origin).unwrap_err().to_string();
        assert!(
            error.starts_with("t.conf:3:1: parameter substitution does not end"),
            "{error}"
        );
    }

    /// The lines `text` stands for with `seed`, and what keepalived reports.
    fn seeded(seed: u32, text: &str) -> (Vec<String>, Vec<String>) {
        let mut pre = Preprocessor::new(None, Some(seed));
        let at = Span::new(&Arc::from("t.conf"), 1, 1);
        let origin = Origin { at: &at, dir: "/" };
        let lines = text
            .lines()
            .flat_map(|line| pre.line(line, &origin).unwrap())
            .collect();
        (lines, pre.take_notes())
    }

    #[test]
    fn random_numbers_are_glibc_s_for_the_seed_and_drawn_at_each_use() {
        // srandom(1): random() = 1804289383, 846930886, 1681692777, ...
        let (lines, notes) = seeded(1, "$X=${_RANDOM 1 9}\n$X $X\n${_RANDOM}\n${_RANDOM 40000}");
        assert_eq!(
            lines,
            [
                format!("{} {}", 1_804_289_383 % 9 + 1, 846_930_886 % 9 + 1),
                (1_681_692_777 % 32_768).to_string(),
                "40000".to_string(),
            ]
        );
        assert_eq!(
            notes,
            ["${_RANDOM}: min 40000 exceeds max 32767, using 40000"]
        );
        assert_eq!(seeded(1, "${_RANDOM 1 9}").0, seeded(1, "${_RANDOM 1 9}").0);
        assert_eq!(seeded(7, "${_RANDOM 5 5} ${_RANDOM  0  0}").0, ["5 0"]);
    }

    #[test]
    fn random_bounds_and_what_keepalived_reports() {
        let (lines, notes) = seeded(3, "${_RANDOM 9 1}");
        assert_eq!(
            (lines, notes),
            (
                vec!["9".to_string()],
                vec!["${_RANDOM}: min 9 exceeds max 1, using 9".to_string()]
            )
        );
        let (lines, _) = seeded(3, "${_RANDOM 99999999999999999999 99999999999999999999}");
        assert_eq!(lines, [u64::MAX.to_string()]);
        for _ in 0..200 {
            let (lines, _) = seeded(rand_seed(), "${_RANDOM 10 12}");
            assert!(["10", "11", "12"].contains(&lines[0].as_str()), "{lines:?}");
        }
        let (lines, notes) = seeded(3, "a ${_RANDOM x} ${_RANDOM 1 2 3} ${_RANDOM 1-2}");
        assert_eq!(lines, ["a ${_RANDOM x} ${_RANDOM 1 2 3} ${_RANDOM 1-2}"]);
        assert_eq!(
            notes,
            [
                "Definition _RANDOM requires numeric parameters only.",
                "Definition _RANDOM requires between 0 and 2 parameters, 3 specified."
            ]
        );
        // A blank before the `}` is no reference (keepalived: left, silently).
        assert_eq!(
            seeded(3, "${_RANDOM } ${_RANDOM 1 }"),
            (vec!["${_RANDOM } ${_RANDOM 1 }".to_string()], vec![])
        );
    }

    /// A seed that differs from run to run, for the range check.
    fn rand_seed() -> u32 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    }
}
