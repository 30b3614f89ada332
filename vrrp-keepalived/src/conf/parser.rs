//! The generic block tree: `keyword [args] [{ ... }]`, nested, with positions.
//!
//! Keyword-agnostic. A statement ends at the end of its line, at `{` (which
//! opens its block) or at `}`. A `{` that starts a line opens a block for the
//! statement on the line before, as keepalived allows:
//!
//! ```text
//! vrrp_instance VI_1
//! {
//! ```

use super::error::{ConfigError, Span};
use super::lexer::{Token, TokenKind};
use super::source::LogicalLine;

/// Sections that only make sense at the top level. Meeting one inside a block
/// means a `}` was forgotten above it, which is a far better error than
/// "unclosed block" at the end of the file.
const TOP_LEVEL_SECTIONS: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_process",
    "vrrp_instance",
    "vrrp_sync_group",
    "virtual_server",
    "virtual_server_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "vrrp_track_file",
    "linkbeat_interfaces",
    "garp_group",
];

/// One statement: a keyword, its arguments and maybe a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) keyword: String,
    pub(crate) at: Span,
    pub(crate) args: Vec<Arg>,
    pub(crate) block: Option<Block>,
}

/// One argument of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arg {
    pub(crate) text: String,
    /// Written in double quotes.
    pub(crate) quoted: bool,
    pub(crate) at: Span,
}

/// The `{ ... }` of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) open: Span,
    pub(crate) nodes: Vec<Node>,
    /// Where its `}` is (keepalived names that line for a block's end checks).
    pub(crate) close: Span,
}

impl Node {
    fn from_token(token: Token) -> Self {
        Self {
            keyword: token.text,
            at: token.at,
            args: Vec::new(),
            block: None,
        }
    }
}

/// A block being filled: its owner and the statements read so far.
struct Frame {
    owner: Node,
    open: Span,
    nodes: Vec<Node>,
}

/// Builds the tree line by line and hands out each top-level statement once
/// it is complete, so that a caller can build it and drop it before the next
/// one is read. The first error stops it; [`TreeParser::finish`] returns it.
#[derive(Default)]
pub(crate) struct TreeParser {
    /// Top-level statements read and not yet handed out.
    top: Vec<Node>,
    stack: Vec<Frame>,
    /// The last finished statement ended with its line, so a `{` starting
    /// the next line may still open its block.
    can_take_block: bool,
    error: Option<ConfigError>,
}

impl TreeParser {
    /// Reads one logical line.
    pub(crate) fn line(&mut self, line: LogicalLine) {
        if self.error.is_none()
            && let Err(error) = self.statements(line)
        {
            self.error = Some(error);
        }
    }

    /// The top-level statements that nothing read later can change: all but
    /// the last, to which a `{` on the next line may still give a block.
    pub(crate) fn complete(&mut self) -> std::vec::Drain<'_, Node> {
        let done = self.top.len().saturating_sub(1);
        self.top.drain(..done)
    }

    /// The statements not handed out yet, or the first error (a block
    /// still open is one).
    pub(crate) fn finish(mut self) -> Result<Vec<Node>, ConfigError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        match self.stack.pop() {
            Some(frame) => Err(ConfigError::UnclosedBlock {
                at: frame.owner.at,
                keyword: frame.owner.keyword,
                hint: format!(" (its '{{' is at {})", frame.open),
            }),
            None => Ok(self.top),
        }
    }

    fn statements(&mut self, line: LogicalLine) -> Result<(), ConfigError> {
        let (stack, top) = (&mut self.stack, &mut self.top);
        let mut current: Option<Node> = None;
        for token in line {
            match token.kind {
                TokenKind::Word | TokenKind::Quoted => match &mut current {
                    Some(node) => node.args.push(Arg {
                        quoted: token.kind == TokenKind::Quoted,
                        text: token.text,
                        at: token.at,
                    }),
                    None => current = Some(Node::from_token(token)),
                },
                TokenKind::Open => {
                    let owner = match current.take() {
                        Some(node) => node,
                        None if self.can_take_block => {
                            level(stack, top).pop().ok_or(ConfigError::UnexpectedOpen {
                                at: token.at.clone(),
                            })?
                        }
                        None => return Err(ConfigError::UnexpectedOpen { at: token.at }),
                    };
                    check_not_nested_section(&owner, stack)?;
                    stack.push(Frame {
                        owner,
                        open: token.at,
                        nodes: Vec::new(),
                    });
                    self.can_take_block = false;
                }
                TokenKind::Close => {
                    if let Some(node) = current.take() {
                        level(stack, top).push(node);
                    }
                    let frame = stack.pop().ok_or_else(|| ConfigError::UnexpectedClose {
                        at: token.at.clone(),
                    })?;
                    let mut owner = frame.owner;
                    owner.block = Some(Block {
                        open: frame.open,
                        nodes: frame.nodes,
                        close: token.at,
                    });
                    level(stack, top).push(owner);
                    self.can_take_block = false;
                }
            }
        }
        if let Some(node) = current.take() {
            level(stack, top).push(node);
            self.can_take_block = true;
        }
        Ok(())
    }
}

/// The statements of the innermost open block, or the top level.
fn level<'a>(stack: &'a mut [Frame], top: &'a mut Vec<Node>) -> &'a mut Vec<Node> {
    match stack.last_mut() {
        Some(frame) => &mut frame.nodes,
        None => top,
    }
}

/// A top-level section opening inside another block: the enclosing block
/// misses its `}`.
fn check_not_nested_section(owner: &Node, stack: &[Frame]) -> Result<(), ConfigError> {
    let Some(enclosing) = stack.last() else {
        return Ok(());
    };
    if !TOP_LEVEL_SECTIONS.contains(&owner.keyword.as_str()) {
        return Ok(());
    }
    Err(ConfigError::UnclosedBlock {
        at: enclosing.owner.at.clone(),
        keyword: enclosing.owner.keyword.clone(),
        hint: format!(
            " before `{}` at {} (a top-level section cannot sit inside another block)",
            owner.keyword, owner.at
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::source::SourceReader;

    /// The whole tree of `text`, taking the complete statements after
    /// every line as the reader does.
    fn tree(text: &str) -> Result<Vec<Node>, ConfigError> {
        let mut warnings = Vec::new();
        let mut parser = TreeParser::default();
        let mut nodes = Vec::new();
        SourceReader::new(&mut warnings, None, None, |line| {
            parser.line(line);
            nodes.extend(parser.complete());
        })
        .read_text(text, "t.conf", None)?;
        nodes.extend(parser.finish()?);
        Ok(nodes)
    }

    /// A compact rendering: `kw(args){children}`.
    fn render(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| {
                let args: Vec<&str> = n.args.iter().map(|a| a.text.as_str()).collect();
                let block = n
                    .block
                    .as_ref()
                    .map(|b| format!("{{{}}}", render(&b.nodes)))
                    .unwrap_or_default();
                format!("{}({}){}", n.keyword, args.join(" "), block)
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    #[test]
    fn nested_blocks_on_one_or_many_lines() {
        let nodes = tree("a 1 {\n b 2\n c { d }\n e { f\n g }\n}\nh").unwrap();
        assert_eq!(render(&nodes), "a(1){b(2);c(){d()};e(){f();g()}};h()");
        assert_eq!(nodes[0].block.as_ref().unwrap().open.column, 5);
        let inner = &nodes[0].block.as_ref().unwrap().nodes[1];
        assert_eq!((inner.at.line, inner.at.column), (3, 2));
    }

    #[test]
    fn brace_on_the_next_line_opens_the_previous_statement() {
        let nodes = tree("vrrp_instance VI_1\n{\n state MASTER\n}\n").unwrap();
        assert_eq!(render(&nodes), "vrrp_instance(VI_1){state(MASTER)}");
    }

    #[test]
    fn stray_braces_are_errors_with_positions() {
        assert_eq!(
            tree("a {\n}\n}").unwrap_err().to_string(),
            "t.conf:3:1: '}' closes no open block"
        );
        assert_eq!(
            tree("{ a }").unwrap_err().to_string(),
            "t.conf:1:1: '{' follows no keyword that takes a block"
        );
        assert!(matches!(
            tree("a { }\n{").unwrap_err(),
            ConfigError::UnexpectedOpen { .. }
        ));
    }

    #[test]
    fn unclosed_block_points_at_its_keyword() {
        let err = tree("global_defs {\n}\n  vrrp_instance X {\n  state MASTER\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.conf:3:3: block `vrrp_instance` is never closed: missing '}' (its '{' is at t.conf:3:19)"
        );
    }

    #[test]
    fn a_section_inside_a_block_blames_the_block_above() {
        let text = "vrrp_script chk {\n  script x\n\nvrrp_instance V {\n}\n}\n";
        let err = tree(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.conf:1:1: block `vrrp_script` is never closed: missing '}' before `vrrp_instance` \
             at t.conf:4:1 (a top-level section cannot sit inside another block)"
        );
    }
}
