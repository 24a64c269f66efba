//! The one error type of CEQL, shared by the parser and the compiler.
//!
//! Every message names the problem and a 1-based character position, in the
//! form `<problem> at <position>[<details>]`, because it is shown verbatim to
//! the API client who typed the `where=` text and has nothing else to go on.
//! Anything quoted back from the input is shortened and has its control
//! characters escaped, so a hostile input cannot make the message huge or
//! unprintable.

use std::fmt;

use super::compile::Scope;

/// Most bytes a `where=` text may have; longer ones are refused unparsed.
pub const MAX_INPUT_BYTES: usize = 4096;
/// Most nested parentheses and `NOT`s, counted together.
pub const MAX_DEPTH: usize = 64;
/// Most values in one `IN (...)` list.
pub const MAX_IN_VALUES: usize = 1000;
/// Most characters in one `LIKE` pattern. SQLite's `LIKE` costs up to the
/// text's length times the pattern's, for every row it tests.
pub const MAX_LIKE_CHARS: usize = 128;
/// Most wildcards (`%` and `_`, not counting escaped ones) in one `LIKE`
/// pattern: each `_` after a `%` makes SQLite's matching retry at every
/// position of the text.
pub const MAX_LIKE_WILDCARDS: usize = 16;

/// A CEQL text that cannot be parsed or compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", Message(self))]
pub struct CeqlError {
    /// 1-based character (not byte) position of the offending token.
    pub position: usize,
    pub kind: ErrorKind,
}

/// What went wrong; [`CeqlError`]'s `Display` turns it into a sentence.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is over [`MAX_INPUT_BYTES`]; `position` is the first
    /// character past the limit.
    TooLong { bytes: usize },
    /// A token was needed and something else was there. `found` is already
    /// quoted for the message (`'%'`, `end of input`).
    Expected {
        expected: &'static str,
        found: String,
    },
    /// A string literal with no closing quote; `position` is its opening quote.
    UnterminatedString,
    /// A `` `field` `` with no closing backtick.
    UnterminatedField,
    /// ``` `` ```: backticks with nothing between.
    EmptyField,
    /// Digits run into letters or a second fraction (`12ab`, `1.2.3`).
    InvalidNumber { found: String },
    /// More than [`MAX_DEPTH`] parentheses and `NOT`s around one point.
    TooDeep,
    /// More than [`MAX_IN_VALUES`] values in one `IN` list; `position` is
    /// the first value past the limit.
    TooManyValues,
    /// A field name outside the scope's allow-list.
    UnknownField { name: String, scope: Scope },
    /// An operator the field's type does not support (`active < true`).
    OperatorNotAllowed {
        operator: &'static str,
        field: &'static str,
        field_type: &'static str,
    },
    /// A value that does not fit the field's type (`active = 'yes'`).
    InvalidValue {
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// A `LIKE` pattern ending in a lone escape character `\`.
    DanglingEscape,
    /// A `LIKE` pattern of more than [`MAX_LIKE_CHARS`] characters;
    /// `position` is its first character past the limit.
    LikePatternTooLong { chars: usize },
    /// A `LIKE` pattern with more than [`MAX_LIKE_WILDCARDS`] wildcards;
    /// `position` is the first wildcard past the limit.
    TooManyWildcards,
}

impl CeqlError {
    pub(crate) fn new(position: usize, kind: ErrorKind) -> Self {
        Self { position, kind }
    }
}

/// Formats a [`CeqlError`]; a separate type so that thiserror's derive can
/// call it while the wording lives in one `match`.
struct Message<'e>(&'e CeqlError);

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.0.position;
        match &self.0.kind {
            ErrorKind::TooLong { bytes } => write!(
                f,
                "expression too long at {at}: {bytes} bytes, at most {MAX_INPUT_BYTES}"
            ),
            ErrorKind::Expected { expected, found } => {
                write!(f, "expected {expected} at {at}, found {found}")
            }
            ErrorKind::UnterminatedString => write!(
                f,
                "unterminated string at {at}; a string ends with ' (write '' for a quote inside it)"
            ),
            ErrorKind::UnterminatedField => {
                write!(f, "unterminated field name at {at}; expected a closing `")
            }
            ErrorKind::EmptyField => write!(f, "empty field name at {at}"),
            ErrorKind::InvalidNumber { found } => write!(f, "invalid number at {at}, found {found}"),
            ErrorKind::TooDeep => write!(
                f,
                "expression nested too deeply at {at}; at most {MAX_DEPTH} levels of parentheses and NOT"
            ),
            ErrorKind::TooManyValues => write!(
                f,
                "too many values in IN list at {at}; at most {MAX_IN_VALUES}"
            ),
            ErrorKind::UnknownField { name, scope } => {
                write!(f, "unknown field {} at {at}; known fields: ", excerpt(name))?;
                for (i, known) in scope.field_names().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(known)?;
                }
                Ok(())
            }
            ErrorKind::OperatorNotAllowed {
                operator,
                field,
                field_type,
            } => write!(
                f,
                "operator {operator} is not allowed on field '{field}' ({field_type}) at {at}"
            ),
            ErrorKind::InvalidValue {
                field,
                expected,
                found,
            } => write!(
                f,
                "invalid value for field '{field}' at {at}: expected {expected}, found {found}"
            ),
            ErrorKind::DanglingEscape => write!(
                f,
                "LIKE pattern ends with a lone escape character '\\' at {at}; write '\\\\' for a backslash"
            ),
            ErrorKind::LikePatternTooLong { chars } => write!(
                f,
                "LIKE pattern too long at {at}: {chars} characters, at most {MAX_LIKE_CHARS}"
            ),
            ErrorKind::TooManyWildcards => write!(
                f,
                "too many wildcards in LIKE pattern at {at}; at most {MAX_LIKE_WILDCARDS} '%' and '_' (write '\\%' or '\\_' for a literal one)"
            ),
        }
    }
}

/// Longest piece of input quoted back in a message, in characters.
const EXCERPT_CHARS: usize = 32;

/// Quotes a piece of input for a message: in single quotes, see [`shorten`].
pub(crate) fn excerpt(text: &str) -> String {
    format!("'{}'", shorten(text))
}

/// A piece of input made safe for a message: control characters escaped,
/// cut after [`EXCERPT_CHARS`] characters.
pub(crate) fn shorten(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(EXCERPT_CHARS * 4) + 3);
    for (i, c) in text.chars().enumerate() {
        if i == EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
