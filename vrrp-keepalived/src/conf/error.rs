//! Source positions, errors and warnings: everything points at `file:line:column`.

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

/// A position in a configuration file: the file as it was named, a 1-based
/// line and a 1-based column (counted in characters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The file, as given to [`load`](super::load), found by an `include`, or
    /// the origin given to [`parse_str`](super::parse_str).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Span {
    /// A position in `file`.
    pub fn new(file: &Arc<str>, line: u32, column: u32) -> Self {
        Self {
            file: Arc::clone(file),
            line,
            column,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A value together with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where the value (not its keyword) starts.
    pub at: Span,
}

impl<T> Spanned<T> {
    /// Pairs `value` with its position.
    pub fn new(value: T, at: Span) -> Self {
        Self { value, at }
    }
}

/// How much a [`Warning`] matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Accepted and deliberately ignored (e.g. e-mail settings); nothing to fix.
    Info,
    /// Loaded, but probably not what the author meant, or not supported.
    Warning,
}

/// Something worth telling the user that does not stop the configuration from
/// loading. Displays as `file:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Warning {
    /// Where it was found.
    pub at: Span,
    /// Informational note or real warning.
    pub severity: Severity,
    /// What it is, in words.
    pub message: String,
}

impl Warning {
    /// A [`Severity::Warning`].
    pub fn new(at: Span, message: impl Into<String>) -> Self {
        Self {
            at,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// A [`Severity::Info`] note.
    pub fn info(at: Span, message: impl Into<String>) -> Self {
        Self {
            at,
            severity: Severity::Info,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Why a configuration could not be loaded. Every variant that comes from the
/// text displays as `file:line:column: message`.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The top-level file could not be read.
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// The file as named by the caller.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// An `include` could not be followed: unreadable file, include loop,
    /// nesting too deep, bad pattern, or no match for a strict include variant.
    #[error("{at}: {message}")]
    Include {
        /// The `include` line.
        at: Span,
        /// What went wrong.
        message: String,
    },
    /// A `"` that is never closed on its line.
    #[error("{at}: unterminated quoted string: missing closing '\"'")]
    UnterminatedQuote {
        /// The opening quote.
        at: Span,
    },
    /// A block whose `{` is never matched by a `}`.
    #[error("{at}: block `{keyword}` is never closed: missing '}}'{hint}")]
    UnclosedBlock {
        /// The keyword that opened the block.
        at: Span,
        /// That keyword.
        keyword: String,
        /// Extra help, such as where the `}` was probably forgotten (may be empty).
        hint: String,
    },
    /// A `}` with no open block.
    #[error("{at}: '}}' closes no open block")]
    UnexpectedClose {
        /// The stray `}`.
        at: Span,
    },
    /// A `{` that follows no keyword that could own it.
    #[error("{at}: '{{' follows no keyword that takes a block")]
    UnexpectedOpen {
        /// The stray `{`.
        at: Span,
    },
    /// A keyword's value is not what the keyword takes.
    #[error("{at}: expected {expected} after {keyword}, found \"{found}\"")]
    BadValue {
        /// The offending value.
        at: Span,
        /// The keyword it belongs to.
        keyword: String,
        /// What the keyword takes.
        expected: String,
        /// What was written.
        found: String,
    },
    /// A keyword is missing its value (or its block).
    #[error("{at}: expected {expected} after {keyword}")]
    MissingValue {
        /// The keyword.
        at: Span,
        /// The keyword's name.
        keyword: String,
        /// What should have followed.
        expected: String,
    },
    /// The configuration is well-formed but inconsistent (an undefined
    /// script, a duplicate VRID, an out-of-range interval, ...).
    #[error("{at}: {message}")]
    Invalid {
        /// The item at fault.
        at: Span,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Every error one check found (each missing interface, as keepalived
    /// names each), one per line, at least one.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Each(Vec<Self>),
}

impl ConfigError {
    /// Where the error points, if it comes from the text.
    pub fn span(&self) -> Option<&Span> {
        match self {
            Self::Read { .. } => None,
            Self::Each(errors) => errors.first()?.span(),
            Self::Include { at, .. }
            | Self::UnterminatedQuote { at }
            | Self::UnclosedBlock { at, .. }
            | Self::UnexpectedClose { at }
            | Self::UnexpectedOpen { at }
            | Self::BadValue { at, .. }
            | Self::MissingValue { at, .. }
            | Self::Invalid { at, .. } => Some(at),
        }
    }

    /// The same error with its column at most `last`. A line the
    /// preprocessor expanded (`$NAME`) is longer than the line as written:
    /// a position past the written line's end is brought back onto it.
    pub(crate) fn with_column_at_most(mut self, last: u32) -> Self {
        match &mut self {
            Self::Read { .. } => {}
            Self::Each(errors) => {
                *errors = std::mem::take(errors)
                    .into_iter()
                    .map(|e| e.with_column_at_most(last))
                    .collect();
            }
            Self::Include { at, .. }
            | Self::UnterminatedQuote { at }
            | Self::UnclosedBlock { at, .. }
            | Self::UnexpectedClose { at }
            | Self::UnexpectedOpen { at }
            | Self::BadValue { at, .. }
            | Self::MissingValue { at, .. }
            | Self::Invalid { at, .. } => at.column = at.column.min(last),
        }
        self
    }

    /// An [`Invalid`](Self::Invalid) error.
    pub(crate) fn invalid(at: &Span, message: impl Into<String>) -> Self {
        Self::Invalid {
            at: at.clone(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_warnings_lead_with_file_line_column() {
        let file: Arc<str> = Arc::from("keepalived.conf");
        let err = ConfigError::BadValue {
            at: Span::new(&file, 12, 23),
            keyword: "virtual_router_id".into(),
            expected: "a number 1..255".into(),
            found: "abc".into(),
        };
        assert_eq!(
            err.to_string(),
            "keepalived.conf:12:23: expected a number 1..255 after virtual_router_id, found \"abc\""
        );
        let warning = Warning::new(Span::new(&file, 3, 1), "unknown keyword `foo`");
        assert_eq!(
            warning.to_string(),
            "keepalived.conf:3:1: unknown keyword `foo`"
        );
        let unclosed = ConfigError::UnclosedBlock {
            at: Span::new(&file, 4, 1),
            keyword: "vrrp_instance".into(),
            hint: String::new(),
        };
        assert_eq!(
            unclosed.to_string(),
            "keepalived.conf:4:1: block `vrrp_instance` is never closed: missing '}'"
        );
    }
}
