//! The tree of a parsed CEQL expression.
//!
//! It records what was written, not what it means: field names are kept as
//! typed and not yet checked against an allow-list, literals are not yet
//! checked against field types (that is [`compile`](super::compile)'s job).
//! Every field, operator and literal carries the 1-based character position
//! it was found at, so that later errors can point into the input.
//!
//! `Display` prints an expression back as CEQL that parses to the same tree
//! (positions aside), adding only the parentheses the structure needs.

use std::fmt;

use serde::Serialize;

/// A boolean CEQL expression.
///
/// `Or` and `And` hold two or more operands when built by the parser; a
/// parenthesised `(a OR b) OR c` stays nested, so the tree keeps the
/// grouping that was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Predicate(Predicate),
}

/// `field <op>`: one test of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Predicate {
    pub field: Field,
    pub op: Op,
    /// Where the operator starts (`=`, `NOT` of `NOT IN`, `IS`...).
    pub op_position: usize,
}

/// A field name as written (without backticks), not yet resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub name: String,
    pub position: usize,
}

/// What a predicate tests its field with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    Compare {
        cmp: Cmp,
        value: Literal,
    },
    In {
        negated: bool,
        values: Vec<Literal>,
    },
    Like {
        negated: bool,
        /// The pattern with `''` already turned into `'`; `%`, `_` and the
        /// escape `\` are left for SQL.
        pattern: String,
        pattern_position: usize,
    },
    IsNull {
        negated: bool,
    },
}

/// A comparison operator. `<>` is read as [`Cmp::Ne`] and printed as `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cmp {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Cmp {
    /// The CEQL spelling, which is also valid SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }

    /// `<`, `<=`, `>`, `>=`: the ones that need an ordered type.
    pub fn is_ordering(self) -> bool {
        !matches!(self, Cmp::Eq | Cmp::Ne)
    }
}

/// A value as written, with its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Literal {
    pub value: Value,
    pub position: usize,
}

/// The three kinds of literal the grammar knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Value {
    /// Unquoted: `''` already turned into `'`.
    String(String),
    /// The number's text as written (`-12`, `1.50`): whether it is a valid
    /// integer for a field is decided when compiling, not parsing.
    Number(String),
    Bool(bool),
}

/// The words that cannot be a bare field name; printed in backticks.
pub(crate) const KEYWORDS: [&str; 9] = [
    "AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL", "TRUE", "FALSE",
];

impl Expr {
    /// The position of the first field in the expression, without
    /// recursing (a hand-built tree may be arbitrarily deep).
    pub fn position(&self) -> usize {
        let mut expr = self;
        loop {
            expr = match expr {
                Expr::Or(items) | Expr::And(items) => match items.first() {
                    Some(first) => first,
                    None => return 1,
                },
                Expr::Not(inner) => inner,
                Expr::Predicate(predicate) => return predicate.field.position,
            };
        }
    }
}

impl Expr {
    /// Whether a predicate of the expression tests the field `name` (as
    /// field names are matched, in any case); without recursing.
    pub fn names_field(&self, name: &str) -> bool {
        let mut pending = vec![self];
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Or(items) | Expr::And(items) => pending.extend(items),
                Expr::Not(inner) => pending.push(inner),
                Expr::Predicate(predicate) if predicate.field.name.eq_ignore_ascii_case(name) => {
                    return true
                }
                Expr::Predicate(_) => {}
            }
        }
        false
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // An operand needs parentheses when printing it bare would make
            // the parser group it differently: an OR inside an AND, and a
            // list inside a list of the same kind (which would flatten).
            Expr::Or(items) => write_list(f, items, " OR ", |e| matches!(e, Expr::Or(_))),
            Expr::And(items) => write_list(f, items, " AND ", |e| {
                matches!(e, Expr::Or(_) | Expr::And(_))
            }),
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                write_operand(f, inner, matches!(**inner, Expr::Or(_) | Expr::And(_)))
            }
            Expr::Predicate(predicate) => predicate.fmt(f),
        }
    }
}

fn write_list(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    separator: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_operand(f, item, needs_parens(item))?;
    }
    Ok(())
}

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.field)?;
        let not = |negated: bool| if negated { "NOT " } else { "" };
        match &self.op {
            Op::Compare { cmp, value } => write!(f, "{} {value}", cmp.as_str()),
            Op::In { negated, values } => {
                write!(f, "{}IN (", not(*negated))?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str(")")
            }
            Op::Like {
                negated, pattern, ..
            } => {
                write!(f, "{}LIKE ", not(*negated))?;
                write_string(f, pattern)
            }
            Op::IsNull { negated } => write!(f, "IS {}NULL", not(*negated)),
        }
    }
}

impl fmt::Display for Field {
    /// Bare when the parser would read it back as this name, otherwise in
    /// backticks. A name containing a backtick cannot be written at all;
    /// the parser never produces one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.name.chars();
        let bare = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&self.name));
        if bare {
            f.write_str(&self.name)
        } else {
            write!(f, "`{}`", self.name)
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::String(text) => write_string(f, text),
            Value::Number(text) => f.write_str(text),
            Value::Bool(true) => f.write_str("TRUE"),
            Value::Bool(false) => f.write_str("FALSE"),
        }
    }
}

/// A CEQL string literal: in single quotes, each `'` doubled.
fn write_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("'")?;
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            f.write_str("''")?;
        }
        f.write_str(part)?;
    }
    f.write_str("'")
}
