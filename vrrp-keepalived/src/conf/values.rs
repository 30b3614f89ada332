//! Reading typed values out of tree nodes, with errors that name the keyword,
//! what it takes and what was found.

use std::net::IpAddr;
use std::time::Duration;

use super::error::{ConfigError, Span, Spanned, Warning};
use super::model::{RunAs, Weight};
use super::parser::{Arg, Node};

/// Microseconds per second: keepalived's timer resolution.
const MICROS_PER_SEC: u64 = 1_000_000;

/// What the typed builders share: the warnings collected so far.
pub(crate) struct Ctx<'w> {
    pub(crate) warnings: &'w mut Vec<Warning>,
}

/// `Err(BadValue)` for `arg` of `node`.
pub(crate) fn bad(node: &Node, arg: &Arg, expected: &str) -> ConfigError {
    ConfigError::BadValue {
        at: arg.at.clone(),
        keyword: node.keyword.clone(),
        expected: expected.into(),
        found: arg.text.clone(),
    }
}

impl Ctx<'_> {
    /// Records a warning.
    pub(crate) fn warn(&mut self, at: &Span, message: impl Into<String>) {
        self.warnings.push(Warning::new(at.clone(), message));
    }

    /// Records an informational note.
    pub(crate) fn info(&mut self, at: &Span, message: impl Into<String>) {
        self.warnings.push(Warning::info(at.clone(), message));
    }

    /// A keyword this section does not know.
    pub(crate) fn unknown(&mut self, node: &Node, section: &str) {
        let message = if node.keyword.starts_with('$') {
            format!(
                "`{}`: no such parameter is defined before this line ($NAME=VALUE); line ignored",
                node.keyword
            )
        } else {
            format!("unknown keyword `{}` in {section}; ignored", node.keyword)
        };
        self.warn(&node.at, message);
    }

    /// A keyword accepted and deliberately ignored (info, not a warning).
    pub(crate) fn ignored(&mut self, node: &Node, why: &str) {
        self.info(&node.at, format!("`{}` ignored: {why}", node.keyword));
    }

    /// A keyword accepted but not supported by this daemon.
    pub(crate) fn unsupported(&mut self, node: &Node, why: &str) {
        self.warn(
            &node.at,
            format!("`{}` is not supported: {why}", node.keyword),
        );
    }

    /// Warns about arguments past the first `used` ones.
    pub(crate) fn extra_args(&mut self, node: &Node, used: usize) {
        if let Some(extra) = node.args.get(used) {
            self.warn(
                &extra.at,
                format!(
                    "extra argument \"{}\" after {} ignored",
                    extra.text, node.keyword
                ),
            );
        }
    }

    /// The statement must not carry a block.
    pub(crate) fn no_block(&self, node: &Node) -> Result<(), ConfigError> {
        match &node.block {
            Some(block) => Err(ConfigError::invalid(
                &block.open,
                format!("{} takes no block", node.keyword),
            )),
            None => Ok(()),
        }
    }

    /// The single value of a `keyword VALUE` statement.
    pub(crate) fn value<'n>(
        &mut self,
        node: &'n Node,
        expected: &str,
    ) -> Result<&'n Arg, ConfigError> {
        self.no_block(node)?;
        self.extra_args(node, 1);
        node.args.first().ok_or_else(|| missing(node, expected))
    }

    /// A `keyword` flag that takes no value.
    pub(crate) fn flag(&mut self, node: &Node) -> Result<bool, ConfigError> {
        self.no_block(node)?;
        self.extra_args(node, 0);
        Ok(true)
    }

    /// A `keyword [BOOL]` flag: on|off|true|false|yes|no, absent means on.
    pub(crate) fn bool_flag(&mut self, node: &Node) -> Result<bool, ConfigError> {
        self.no_block(node)?;
        self.extra_args(node, 1);
        match node.args.first() {
            None => Ok(true),
            Some(arg) => {
                parse_bool(&arg.text).ok_or_else(|| bad(node, arg, "on|off|true|false|yes|no"))
            }
        }
    }

    /// A word or quoted string.
    pub(crate) fn string(
        &mut self,
        node: &Node,
        expected: &str,
    ) -> Result<Spanned<String>, ConfigError> {
        let arg = self.value(node, expected)?;
        Ok(Spanned::new(arg.text.clone(), arg.at.clone()))
    }

    /// An unsigned number in `min..=max`.
    pub(crate) fn number(
        &mut self,
        node: &Node,
        min: u64,
        max: u64,
    ) -> Result<Spanned<u64>, ConfigError> {
        let expected = format!("a number {min}..{max}");
        let arg = self.value(node, &expected)?;
        number_in(node, arg, min, max).map(|n| Spanned::new(n, arg.at.clone()))
    }

    /// An unsigned number in `min..=max` that fits a `u8`.
    pub(crate) fn u8_in(
        &mut self,
        node: &Node,
        min: u8,
        max: u8,
    ) -> Result<Spanned<u8>, ConfigError> {
        let n = self.number(node, min.into(), max.into())?;
        Ok(Spanned::new(u8::try_from(n.value).unwrap_or(max), n.at))
    }

    /// A count (0 and up).
    pub(crate) fn count(&mut self, node: &Node) -> Result<u32, ConfigError> {
        Ok(u32::try_from(self.number(node, 0, u32::MAX.into())?.value).unwrap_or(u32::MAX))
    }

    /// Whole seconds (0 and up) as a duration.
    pub(crate) fn whole_seconds(&mut self, node: &Node) -> Result<Duration, ConfigError> {
        Ok(Duration::from_secs(
            self.number(node, 0, u32::MAX.into())?.value,
        ))
    }

    /// Seconds with up to six decimals, exactly.
    pub(crate) fn seconds(&mut self, node: &Node) -> Result<Spanned<Duration>, ConfigError> {
        let arg = self.value(node, SECONDS)?;
        let micros = parse_decimal_micros(&arg.text).ok_or_else(|| bad(node, arg, SECONDS))?;
        Ok(Spanned::new(Duration::from_micros(micros), arg.at.clone()))
    }

    /// An IPv4 or IPv6 address.
    pub(crate) fn ip(&mut self, node: &Node) -> Result<Spanned<IpAddr>, ConfigError> {
        let arg = self.value(node, IP)?;
        let addr = arg.text.parse().map_err(|_| bad(node, arg, IP))?;
        Ok(Spanned::new(addr, arg.at.clone()))
    }

    /// The sub-statements of a block keyword.
    pub(crate) fn block<'n>(&mut self, node: &'n Node) -> Result<&'n [Node], ConfigError> {
        let block = node
            .block
            .as_ref()
            .ok_or_else(|| missing(node, "a block { ... }"))?;
        self.extra_args(node, 0);
        Ok(&block.nodes)
    }

    /// The sub-statements of a `keyword NAME { ... }` section, and NAME.
    pub(crate) fn named_block<'n>(
        &mut self,
        node: &'n Node,
    ) -> Result<(&'n Arg, &'n [Node]), ConfigError> {
        let name = node.args.first().ok_or_else(|| missing(node, "a name"))?;
        let block = node.block.as_ref().ok_or_else(|| {
            missing(
                node,
                &format!("a block {{ ... }} after {} {}", node.keyword, name.text),
            )
        })?;
        self.extra_args(node, 1);
        Ok((name, &block.nodes))
    }

    /// `weight N [reverse|noreverse]` starting at `args[index]` (the word
    /// `weight`), for `min..=max`. Returns the weight and how many arguments
    /// it used.
    pub(crate) fn weight_at(
        &mut self,
        node: &Node,
        index: usize,
        min: i32,
        max: i32,
    ) -> Result<(Weight, usize), ConfigError> {
        let expected = format!("a weight {min}..{max}");
        let keyword = &node.args[index];
        let value_arg = node
            .args
            .get(index + 1)
            .ok_or_else(|| ConfigError::MissingValue {
                at: keyword.at.clone(),
                keyword: "weight".into(),
                expected: expected.clone(),
            })?;
        let value = value_arg
            .text
            .parse::<i32>()
            .ok()
            .filter(|w| (min..=max).contains(w))
            .ok_or_else(|| ConfigError::BadValue {
                at: value_arg.at.clone(),
                keyword: "weight".into(),
                expected,
                found: value_arg.text.clone(),
            })?;
        let (reverse, used) = match node.args.get(index + 2).map(|a| a.text.as_str()) {
            Some("reverse") => (true, 3),
            Some("noreverse") => (false, 3),
            _ => (false, 2),
        };
        let weight = Weight {
            value,
            reverse,
            at: keyword.at.clone(),
        };
        Ok((weight, used))
    }

    /// `weight N [reverse]` as the whole statement (in vrrp_script and friends).
    pub(crate) fn weight(
        &mut self,
        node: &Node,
        min: i32,
        max: i32,
    ) -> Result<Weight, ConfigError> {
        self.no_block(node)?;
        // Re-read the statement as if `weight` were its first argument.
        let mut as_args = node.clone();
        as_args.args.insert(
            0,
            Arg {
                text: node.keyword.clone(),
                quoted: false,
                at: node.at.clone(),
            },
        );
        let (weight, used) = self.weight_at(&as_args, 0, min, max)?;
        self.extra_args(&as_args, used);
        Ok(weight)
    }

    /// A whole `keyword USER [[:]GROUP]` statement.
    pub(crate) fn run_as_statement(&mut self, node: &Node) -> Result<RunAs, ConfigError> {
        self.no_block(node)?;
        self.run_as(node, 0)?
            .ok_or_else(|| missing(node, "a user name"))
    }

    /// `USER [[:]GROUP]` from `args[index..]`.
    pub(crate) fn run_as(
        &mut self,
        node: &Node,
        index: usize,
    ) -> Result<Option<RunAs>, ConfigError> {
        let Some(user) = node.args.get(index) else {
            return Ok(None);
        };
        let mut rest = node.args[index + 1..].iter();
        let mut supplementary_groups = false;
        let mut group = None;
        if let Some(arg) = rest.next() {
            let text = match arg.text.strip_prefix(':') {
                Some(stripped) => {
                    supplementary_groups = true;
                    if stripped.is_empty() {
                        rest.next().map(|a| a.text.as_str()).unwrap_or_default()
                    } else {
                        stripped
                    }
                }
                None => arg.text.as_str(),
            };
            group = (!text.is_empty()).then(|| text.to_owned());
        }
        if let Some(extra) = rest.next() {
            self.warn(
                &extra.at,
                format!(
                    "extra argument \"{}\" after {} ignored",
                    extra.text, node.keyword
                ),
            );
        }
        Ok(Some(RunAs {
            user: user.text.clone(),
            group,
            supplementary_groups,
        }))
    }
}

const SECONDS: &str = "seconds (e.g. 2 or 0.25, at most 6 decimals)";
const IP: &str = "an IPv4 or IPv6 address";

/// `MissingValue` for `node`.
pub(crate) fn missing(node: &Node, expected: &str) -> ConfigError {
    ConfigError::MissingValue {
        at: node.at.clone(),
        keyword: node.keyword.clone(),
        expected: expected.into(),
    }
}

/// `arg` as an unsigned number in `min..=max`.
pub(crate) fn number_in(node: &Node, arg: &Arg, min: u64, max: u64) -> Result<u64, ConfigError> {
    parse_unsigned(&arg.text)
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| bad(node, arg, &format!("a number {min}..{max}")))
}

/// Plain decimal digits, nothing else.
pub(crate) fn parse_unsigned(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `"2"`, `"0.25"`, `".5"`, `"1.000001"` as exact microseconds; at most six
/// decimals, no sign, no exponent.
pub(crate) fn parse_decimal_micros(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 6 {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let padded = format!("{fraction:0<6}");
    let fraction: u64 = padded.parse().ok()?;
    whole.checked_mul(MICROS_PER_SEC)?.checked_add(fraction)
}

/// keepalived's `<BOOL>`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(parse_decimal_micros("0.25"), Some(250_000));
        assert_eq!(parse_decimal_micros("0.01"), Some(10_000));
        assert_eq!(parse_decimal_micros("1"), Some(1_000_000));
        assert_eq!(parse_decimal_micros("2."), Some(2_000_000));
        assert_eq!(parse_decimal_micros(".5"), Some(500_000));
        assert_eq!(parse_decimal_micros("0.000001"), Some(1));
        for bad in [
            "",
            ".",
            "0.0000001",
            "-1",
            "1e3",
            "1.2.3",
            "abc",
            "+1",
            " 1",
        ] {
            assert_eq!(parse_decimal_micros(bad), None, "{bad:?}");
        }
        assert_eq!(parse_decimal_micros("99999999999999999999"), None);
    }

    #[test]
    fn unsigned_and_bool() {
        assert_eq!(parse_unsigned("051"), Some(51));
        assert_eq!(parse_unsigned("-1"), None);
        assert_eq!(parse_unsigned("1.5"), None);
        assert_eq!(parse_bool("Off"), Some(false));
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("1"), None);
    }
}
