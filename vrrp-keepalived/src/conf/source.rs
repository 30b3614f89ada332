//! Reads configuration text into logical lines of tokens, following
//! `include` directives the way keepalived does: an include is replaced by the
//! lines of the files its glob pattern matches (in sorted order), wherever it
//! stands, and relative patterns are relative to the including file's directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ConfigError, Span, Warning};
use super::lexer::{Token, TokenKind, lex_line};
use super::preprocess::{Origin, Preprocessor};

/// How deep includes may nest before we call it a loop we failed to see.
const MAX_INCLUDE_DEPTH: usize = 32;

/// One statement's worth of tokens (a physical line, or several joined by `\`).
pub(crate) type LogicalLine = Vec<Token>;

/// Hands the logical lines of a top-level text and everything it includes
/// to `sink`, one by one as they are read: the reader keeps none of them
/// (thousands of instances read as lines, then as a tree, then built, were
/// all alive at once).
pub(crate) struct SourceReader<'w, S: FnMut(LogicalLine)> {
    sink: S,
    warnings: &'w mut Vec<Warning>,
    /// Canonical paths of the files being read, outermost first.
    open_files: Vec<PathBuf>,
    /// Conditional lines and parameters, across includes.
    preprocessor: Preprocessor,
}

impl<'w, S: FnMut(LogicalLine)> SourceReader<'w, S> {
    /// A reader that gives each logical line to `sink`, reports non-fatal
    /// findings into `warnings` and keeps the `@ID` lines of `config_id`.
    /// `seed` is keepalived's `random_seed` for `${_RANDOM}` (none: the clock).
    pub(crate) fn new(
        warnings: &'w mut Vec<Warning>,
        config_id: Option<String>,
        seed: Option<u32>,
        sink: S,
    ) -> Self {
        Self {
            sink,
            warnings,
            open_files: Vec::new(),
            preprocessor: Preprocessor::new(config_id, seed),
        }
    }

    /// Reads the file at `path` (and its includes).
    pub(crate) fn read_file(mut self, path: &Path) -> Result<(), ConfigError> {
        let text = read_lossy(path).map_err(|reason| ConfigError::Read {
            path: path.display().to_string(),
            reason,
        })?;
        if let Ok(canonical) = path.canonicalize() {
            self.open_files.push(canonical);
        }
        let name: Arc<str> = Arc::from(path.display().to_string());
        let dir = parent_dir(path);
        self.feed(&text, &name, Some(&dir))
    }

    /// Reads `text`, named `origin` in positions. Includes resolve against
    /// `base_dir`; without one, an include is an error.
    pub(crate) fn read_text(
        mut self,
        text: &str,
        origin: &str,
        base_dir: Option<&Path>,
    ) -> Result<(), ConfigError> {
        self.feed(text, &Arc::from(origin), base_dir)
    }

    fn feed(&mut self, text: &str, file: &Arc<str>, dir: Option<&Path>) -> Result<(), ConfigError> {
        // A byte-order mark would otherwise glue itself to the first keyword.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut pending: Option<LogicalLine> = None;
        let pwd = dir.map_or_else(|| ".".to_string(), |d| d.display().to_string());
        for (index, physical) in text.split('\n').enumerate() {
            let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let physical = physical.strip_suffix('\r').unwrap_or(physical);
            let at = Span::new(file, line_no, 1);
            let origin = Origin { at: &at, dir: &pwd };
            // Positions in an expanded line stay on the line as written.
            let last = u32::try_from(physical.chars().count())
                .map_or(u32::MAX, |width| width.saturating_add(1));
            let lines = self.preprocessor.line(physical, &origin)?;
            for note in self.preprocessor.take_notes() {
                self.warnings.push(Warning::new(at.clone(), note));
            }
            for produced in lines {
                let lexed = lex_line(&produced, file, line_no)
                    .map_err(|error| error.with_column_at_most(last))?
                    .with_columns_at_most(last);
                let logical = match pending.take() {
                    Some(mut joined) => {
                        joined.extend(lexed.tokens);
                        joined
                    }
                    None => lexed.tokens,
                };
                if lexed.continues {
                    pending = Some(logical);
                } else {
                    self.take_line(logical, dir)?;
                }
            }
        }
        if let Some(logical) = pending {
            self.take_line(logical, dir)?;
        }
        Ok(())
    }

    fn take_line(&mut self, line: LogicalLine, dir: Option<&Path>) -> Result<(), ConfigError> {
        match line.first() {
            None => Ok(()),
            Some(first) if first.kind == TokenKind::Word => match include_kind(&first.text) {
                Some(strict) => self.include(&line, strict, dir),
                None => {
                    (self.sink)(line);
                    Ok(())
                }
            },
            Some(_) => {
                (self.sink)(line);
                Ok(())
            }
        }
    }

    fn include(
        &mut self,
        line: &[Token],
        strict: bool,
        dir: Option<&Path>,
    ) -> Result<(), ConfigError> {
        let keyword = &line[0];
        let fail = |message: String| ConfigError::Include {
            at: keyword.at.clone(),
            message,
        };
        let pattern = match &line[1..] {
            [pattern] if matches!(pattern.kind, TokenKind::Word | TokenKind::Quoted) => pattern,
            [] => {
                return Err(fail(format!(
                    "expected a file name or glob pattern after {}",
                    keyword.text
                )));
            }
            _ => {
                return Err(fail(format!(
                    "{} takes one file name or glob pattern (quote it if it contains spaces)",
                    keyword.text
                )));
            }
        };
        let Some(dir) = dir else {
            return Err(fail(
                "include needs a directory to resolve files against: use load() or parse_str_in()"
                    .into(),
            ));
        };
        if self.open_files.len() >= MAX_INCLUDE_DEPTH {
            return Err(fail(format!(
                "includes nested more than {MAX_INCLUDE_DEPTH} deep"
            )));
        }
        let full_pattern = if Path::new(&pattern.text).is_absolute() {
            pattern.text.clone()
        } else {
            let escaped_dir = glob::Pattern::escape(&dir.display().to_string());
            format!("{}/{}", escaped_dir.trim_end_matches('/'), pattern.text)
        };
        let matches = glob::glob(&full_pattern).map_err(|err| {
            fail(format!(
                "bad include pattern \"{}\": {}",
                pattern.text, err.msg
            ))
        })?;
        let mut files: Vec<PathBuf> = matches
            .filter_map(Result::ok)
            .filter(|p| !p.is_dir())
            .collect();
        files.sort();
        if files.is_empty() {
            let message = format!("include \"{full_pattern}\" matches no file");
            if strict {
                return Err(fail(message));
            }
            self.warnings.push(Warning::new(
                keyword.at.clone(),
                format!("{message}; skipped, as keepalived does"),
            ));
        }
        for path in files {
            self.include_file(&path, &keyword.at)?;
        }
        Ok(())
    }

    fn include_file(&mut self, path: &Path, at: &Span) -> Result<(), ConfigError> {
        let fail = |message: String| ConfigError::Include {
            at: at.clone(),
            message,
        };
        let canonical = path
            .canonicalize()
            .map_err(|err| fail(format!("cannot read {}: {err}", path.display())))?;
        if self.open_files.contains(&canonical) {
            return Err(fail(format!(
                "include loop: {} is already being read",
                path.display()
            )));
        }
        let text = read_lossy(path)
            .map_err(|reason| fail(format!("cannot read {}: {reason}", path.display())))?;
        self.open_files.push(canonical);
        let name: Arc<str> = Arc::from(path.display().to_string());
        let result = self.feed(&text, &name, Some(&parent_dir(path)));
        self.open_files.pop();
        result
    }
}

/// `Some(strict)` when `word` is an include keyword; the lettered variants
/// (`includer`, `includea`, ...) make a pattern that matches nothing an error.
fn include_kind(word: &str) -> Option<bool> {
    match word {
        "include" => Some(false),
        "includer" | "includem" | "includew" | "includeb" | "includea" => Some(true),
        _ => None,
    }
}

/// The directory that relative includes in `path` resolve against.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Reads a file as text; bytes that are not UTF-8 (a Latin-1 comment, say)
/// become U+FFFD instead of failing the whole load.
fn read_lossy(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|err| err.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The logical lines of `text`, collected.
    pub(crate) fn read_lines(
        warnings: &mut Vec<Warning>,
        text: &str,
    ) -> Result<Vec<LogicalLine>, ConfigError> {
        let mut lines = Vec::new();
        SourceReader::new(warnings, None, None, |line| lines.push(line))
            .read_text(text, "t", None)?;
        Ok(lines)
    }

    fn texts(lines: &[LogicalLine]) -> Vec<Vec<&str>> {
        lines
            .iter()
            .map(|line| line.iter().map(|t| t.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn continuation_joins_lines_and_blank_lines_vanish() {
        let mut warnings = Vec::new();
        let lines = read_lines(&mut warnings, "a b \\\n  c\n\n# x\nd\r\n").unwrap();
        assert_eq!(texts(&lines), [vec!["a", "b", "c"], vec!["d"]]);
        assert_eq!(lines[0][2].at.line, 2);
    }

    #[test]
    fn positions_in_an_expanded_line_stay_on_the_written_line() {
        // `  $Q` expands to `  aaaaaaaaaa b "`: the unterminated quote is at
        // column 16 of the expansion, past the 4 characters written.
        let mut warnings = Vec::new();
        let error = read_lines(&mut warnings, "$Q=aaaaaaaaaa b \"\n  $Q\n").unwrap_err();
        assert!(
            matches!(error, ConfigError::UnterminatedQuote { .. }),
            "{error}"
        );
        assert_eq!(error.span().map(|at| (at.line, at.column)), Some((2, 5)));
        let lines = read_lines(&mut warnings, "$W=aaaaaaaaaa b\n  $W c\n").unwrap();
        assert_eq!(texts(&lines), [vec!["aaaaaaaaaa", "b", "c"]]);
        let columns: Vec<u32> = lines[0].iter().map(|t| t.at.column).collect();
        assert_eq!(
            columns,
            [3, 7, 7],
            "`b` and `c` lie past the 6 written characters"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let mut warnings = Vec::new();
        let lines = read_lines(&mut warnings, "\u{feff}global_defs {").unwrap();
        assert_eq!(texts(&lines), [vec!["global_defs", "{"]]);
        assert_eq!(lines[0][0].at.column, 1);
    }

    #[test]
    fn include_without_a_directory_is_an_error() {
        let mut warnings = Vec::new();
        let err = read_lines(&mut warnings, "\n  include foo.conf\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t:2:3: include needs a directory"),
            "{err}"
        );
    }
}
