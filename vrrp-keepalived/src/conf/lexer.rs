//! Splits one physical line into tokens, the way keepalived reads a line.
//!
//! - `#` and `!` start a comment anywhere outside a quoted string; `\#` and
//!   `\!` stand for the characters themselves.
//! - `"..."` is one token with the quotes removed and the spaces kept. There is
//!   no escaping inside it (keepalived has none at this level either).
//! - `{` and `}` outside quotes are tokens of their own, even when glued to a
//!   word, so `track_script {haproxy_check}` reads like three lines.
//! - A `\` ending the line continues the statement on the next line.

use std::sync::Arc;

use super::error::{ConfigError, Span};

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A bare word.
    Word,
    /// A `"quoted string"`, quotes removed.
    Quoted,
    /// `{`
    Open,
    /// `}`
    Close,
}

/// One token with its text and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) text: String,
    pub(crate) at: Span,
}

/// The tokens of one physical line.
#[derive(Debug, Default)]
pub(crate) struct LexedLine {
    pub(crate) tokens: Vec<Token>,
    /// The line ended with `\`: the statement goes on with the next line.
    pub(crate) continues: bool,
}

impl LexedLine {
    /// Every token's column at most `last`: for a line the preprocessor
    /// expanded, whose tokens past the written line's end belong to it.
    pub(crate) fn with_columns_at_most(mut self, last: u32) -> Self {
        for token in &mut self.tokens {
            token.at.column = token.at.column.min(last);
        }
        self
    }
}

/// Tokenizes `text`, which is line `line` of `file`.
pub(crate) fn lex_line(text: &str, file: &Arc<str>, line: u32) -> Result<LexedLine, ConfigError> {
    let chars: Vec<char> = text.chars().collect();
    let at = |index: usize| Span::new(file, line, column(index));
    let mut out = LexedLine::default();
    let mut word: Option<(usize, String)> = None;
    let mut index = 0;

    let finish_word = |word: &mut Option<(usize, String)>, out: &mut LexedLine| {
        if let Some((start, text)) = word.take() {
            out.tokens.push(Token {
                kind: TokenKind::Word,
                text,
                at: at(start),
            });
        }
    };

    while index < chars.len() {
        let c = chars[index];
        match c {
            '#' | '!' => break,
            '\\' if matches!(chars.get(index + 1), Some('#' | '!')) => {
                word.get_or_insert_with(|| (index, String::new()))
                    .1
                    .push(chars[index + 1]);
                index += 2;
                continue;
            }
            '\\' if chars[index + 1..].iter().all(|c| c.is_whitespace()) => {
                out.continues = true;
                break;
            }
            '"' => {
                finish_word(&mut word, &mut out);
                let Some(len) = chars[index + 1..].iter().position(|&c| c == '"') else {
                    return Err(ConfigError::UnterminatedQuote { at: at(index) });
                };
                out.tokens.push(Token {
                    kind: TokenKind::Quoted,
                    text: chars[index + 1..index + 1 + len].iter().collect(),
                    at: at(index),
                });
                index += len + 2;
                continue;
            }
            '{' | '}' => {
                finish_word(&mut word, &mut out);
                out.tokens.push(Token {
                    kind: if c == '{' {
                        TokenKind::Open
                    } else {
                        TokenKind::Close
                    },
                    text: c.to_string(),
                    at: at(index),
                });
            }
            c if c.is_whitespace() => finish_word(&mut word, &mut out),
            c => word.get_or_insert_with(|| (index, String::new())).1.push(c),
        }
        index += 1;
    }
    finish_word(&mut word, &mut out);
    Ok(out)
}

/// 1-based column of the character at `index`.
fn column(index: usize) -> u32 {
    u32::try_from(index).map_or(u32::MAX, |i| i.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> Vec<(TokenKind, String, u32)> {
        let file: Arc<str> = Arc::from("t.conf");
        lex_line(text, &file, 1)
            .unwrap()
            .tokens
            .into_iter()
            .map(|t| (t.kind, t.text, t.at.column))
            .collect()
    }

    fn words(text: &str) -> Vec<String> {
        lex(text).into_iter().map(|(_, text, _)| text).collect()
    }

    #[test]
    fn words_braces_and_columns() {
        use TokenKind::*;
        assert_eq!(
            lex("  auth_pass x }"),
            vec![
                (Word, "auth_pass".into(), 3),
                (Word, "x".into(), 13),
                (Close, "}".into(), 15)
            ]
        );
        assert_eq!(
            words("track_script {haproxy_check}"),
            ["track_script", "{", "haproxy_check", "}"]
        );
    }

    #[test]
    fn both_comment_characters_end_the_line_outside_quotes() {
        assert_eq!(words("priority 100 # the master"), ["priority", "100"]);
        assert_eq!(words("priority 100 ! the master"), ["priority", "100"]);
        assert_eq!(words("! whole line"), Vec::<String>::new());
        assert_eq!(words("router_id a#b"), ["router_id", "a"]);
        assert_eq!(words(r"router_id a\#b\!"), ["router_id", "a#b!"]);
        assert_eq!(
            words(r#"script "echo # and ! kept""#),
            ["script", "echo # and ! kept"]
        );
    }

    #[test]
    fn quoted_strings_keep_spaces_and_braces() {
        use TokenKind::*;
        assert_eq!(
            lex(r#"script "killall -0 haproxy""#),
            vec![
                (Word, "script".into(), 1),
                (Quoted, "killall -0 haproxy".into(), 8)
            ]
        );
        assert_eq!(
            words(r#"notify "/bin/x {a}"   root"#),
            ["notify", "/bin/x {a}", "root"]
        );
        assert_eq!(words(r#"a"b c"d"#), ["a", "b c", "d"]);
        assert_eq!(words(r#"x """#), ["x", ""]);
    }

    #[test]
    fn unterminated_quote_points_at_the_quote() {
        let file: Arc<str> = Arc::from("t.conf");
        let err = lex_line(r#"script "killall"#, &file, 7).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.conf:7:8: unterminated quoted string: missing closing '\"'"
        );
    }

    #[test]
    fn trailing_backslash_continues_the_statement() {
        let file: Arc<str> = Arc::from("t.conf");
        let line = lex_line(r"unicast_peer \  ", &file, 1).unwrap();
        assert!(line.continues);
        assert_eq!(line.tokens.len(), 1);
        assert!(!lex_line(r"a \b", &file, 1).unwrap().continues);
    }
}
