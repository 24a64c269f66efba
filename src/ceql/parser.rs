//! Parser: CEQL text to an [`Expr`], checking syntax and the size bounds,
//! nothing else (field names and value types are [`compile`](super::compile)'s
//! business).
//!
//! ```text
//! expr       := or
//! or         := and ( OR and )*
//! and        := unary ( AND unary )*
//! unary      := NOT unary | primary
//! primary    := '(' expr ')' | predicate
//! predicate  := field cmp literal
//!             | field [NOT] IN '(' literal ( ',' literal )* ')'
//!             | field [NOT] LIKE string
//!             | field IS [NOT] NULL
//! cmp        := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//! literal    := string | number | TRUE | FALSE
//! string     := "'" ( any character but "'" | "''" )* "'"
//! number     := '-'? digit+ ( '.' digit+ )?
//! field      := name | '`' ( any character but '`' )+ '`'
//! name       := ( letter | '_' ) ( letter | digit | '_' )*, not a keyword
//! ```
//!
//! Keywords (`AND OR NOT IN LIKE IS NULL TRUE FALSE`) match in any case and
//! only as whole words (`notes` is a name, not `NOT` and `es`). Any run of
//! spaces, tabs, CRs and newlines may stand between tokens.
//!
//! Each rule is one function that quotes its rule. The grammar needs one
//! token of lookahead, so as soon as a construct's first token is read the
//! parser commits to it (`cut`, or [`cut_expecting`] which also names what
//! should have come next): errors then point at the token that is wrong
//! instead of backtracking to some earlier alternative.
//!
//! Bounds: the input length is checked before anything else, and the depth
//! of parentheses and `NOT`s is checked on the way down, so a hostile input
//! can neither recurse deeply nor make the parser do much work.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while};
use nom::character::complete::{char, digit1, multispace0, satisfy};
use nom::combinator::{cut, eof, map, not, opt, recognize, value};
use nom::error::ParseError;
use nom::multi::many0;
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

use super::ast::{Cmp, Expr, Field, Literal, Op, Predicate, Value, KEYWORDS};
use super::error::{excerpt, CeqlError, ErrorKind, MAX_DEPTH, MAX_INPUT_BYTES, MAX_IN_VALUES};

/// Parses a `where=` text into a tree, or says what is wrong and where.
pub fn parse(input: &str) -> Result<Expr, CeqlError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(too_long(input));
    }
    let cx = Cx::new(input);
    let result = terminated(
        |i| cx.expr(i, 0),
        cut_expecting("AND, OR or end of input", ws(eof)),
    )
    .parse(input);
    match result {
        Ok((_, expr)) => Ok(expr),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(cx.error(e)),
        // Only `streaming` parsers ask for more input; none is used here.
        Err(nom::Err::Incomplete(_)) => {
            Err(cx.error(PError::expected("a complete expression", "")))
        }
    }
}

fn too_long(input: &str) -> CeqlError {
    let within = (0..=MAX_INPUT_BYTES)
        .rev()
        .find(|&end| input.is_char_boundary(end))
        .unwrap_or(0);
    let chars_within = input.get(..within).map_or(0, |s| s.chars().count());
    CeqlError::new(chars_within + 1, ErrorKind::TooLong { bytes: input.len() })
}

type PResult<'a, T> = IResult<&'a str, T, PError<'a>>;

/// An error while parsing: where, and (once known) what.
#[derive(Debug)]
struct PError<'a> {
    /// The input from the offending token on.
    rest: &'a str,
    /// `None` for nom's own errors, which only mean "this alternative does
    /// not match here" and are cheap because they happen all the time;
    /// [`cut_expecting`] turns those into a message.
    kind: Option<ErrorKind>,
}

impl<'a> PError<'a> {
    fn new(rest: &'a str, kind: ErrorKind) -> Self {
        Self {
            rest,
            kind: Some(kind),
        }
    }

    fn expected(expected: &'static str, rest: &'a str) -> Self {
        let rest = skip_ws(rest);
        Self::new(
            rest,
            ErrorKind::Expected {
                expected,
                found: found(rest),
            },
        )
    }

    fn fail<T>(self) -> PResult<'a, T> {
        Err(nom::Err::Failure(self))
    }
}

impl<'a> ParseError<&'a str> for PError<'a> {
    fn from_error_kind(rest: &'a str, _: nom::error::ErrorKind) -> Self {
        Self { rest, kind: None }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// What the parser knows beyond the remaining input: the whole input, to
/// turn a remaining-input slice into a character position.
struct Cx<'a> {
    input: &'a str,
    /// An all-ASCII input has one byte per character, so a position is its
    /// byte offset and needs no counting.
    ascii: bool,
}

impl<'a> Cx<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            input,
            ascii: input.is_ascii(),
        }
    }

    /// The 1-based character position where `rest` (a suffix of the input)
    /// starts.
    fn position(&self, rest: &str) -> usize {
        let offset = self.input.len().saturating_sub(rest.len());
        let before = if self.ascii {
            offset
        } else {
            self.input
                .get(..offset)
                .map_or(offset, |s| s.chars().count())
        };
        before + 1
    }

    fn error(&self, e: PError<'_>) -> CeqlError {
        let kind = e.kind.unwrap_or_else(|| ErrorKind::Expected {
            expected: "a CEQL expression",
            found: found(e.rest),
        });
        CeqlError::new(self.position(e.rest), kind)
    }

    /// One more level of parentheses or `NOT`, refused past [`MAX_DEPTH`]
    /// before descending, so the recursion itself stays bounded.
    fn deeper(&self, at: &'a str, depth: usize) -> Result<usize, nom::Err<PError<'a>>> {
        if depth >= MAX_DEPTH {
            Err(nom::Err::Failure(PError::new(
                skip_ws(at),
                ErrorKind::TooDeep,
            )))
        } else {
            Ok(depth + 1)
        }
    }

    /// `expr := or`
    fn expr(&self, i: &'a str, depth: usize) -> PResult<'a, Expr> {
        self.or(i, depth)
    }

    /// `or := and ( OR and )*`
    fn or(&self, i: &'a str, depth: usize) -> PResult<'a, Expr> {
        let (i, first) = self.and(i, depth)?;
        let (i, more) = many0(preceded(keyword("OR"), cut(|i| self.and(i, depth)))).parse(i)?;
        Ok((i, join(first, more, Expr::Or)))
    }

    /// `and := unary ( AND unary )*`
    fn and(&self, i: &'a str, depth: usize) -> PResult<'a, Expr> {
        let (i, first) = self.unary(i, depth)?;
        let (i, more) = many0(preceded(keyword("AND"), cut(|i| self.unary(i, depth)))).parse(i)?;
        Ok((i, join(first, more, Expr::And)))
    }

    /// `unary := NOT unary | primary`
    ///
    /// Always committed: it is only ever reached where an operand must
    /// follow (start, `(`, `AND`, `OR`, `NOT`).
    fn unary(&self, i: &'a str, depth: usize) -> PResult<'a, Expr> {
        let not_unary = |i: &'a str| {
            let (after, _) = keyword("NOT").parse(i)?;
            let depth = self.deeper(i, depth)?;
            let (rest, inner) = cut(|i| self.unary(i, depth)).parse(after)?;
            Ok((rest, Expr::Not(Box::new(inner))))
        };
        cut_expecting(
            "a field name, NOT or '('",
            alt((not_unary, |i| self.primary(i, depth))),
        )
        .parse(i)
    }

    /// `primary := '(' expr ')' | predicate`
    fn primary(&self, i: &'a str, depth: usize) -> PResult<'a, Expr> {
        let parenthesised = |i: &'a str| {
            let (after, _) = ws(char('(')).parse(i)?;
            let depth = self.deeper(i, depth)?;
            let (rest, inner) = cut(|i| self.expr(i, depth)).parse(after)?;
            let (rest, _) = cut_expecting("AND, OR or ')'", ws(char(')'))).parse(rest)?;
            Ok((rest, inner))
        };
        alt((parenthesised, |i| self.predicate(i))).parse(i)
    }

    /// ```text
    /// predicate := field cmp literal
    ///            | field [NOT] IN '(' literal ( ',' literal )* ')'
    ///            | field [NOT] LIKE string
    ///            | field IS [NOT] NULL
    /// ```
    fn predicate(&self, i: &'a str) -> PResult<'a, Expr> {
        let (i, field) = self.field(i)?;
        let op_at = skip_ws(i);
        let (i, op) = cut_expecting(
            "an operator (=, !=, <>, <, <=, >, >=, [NOT] IN, [NOT] LIKE, IS [NOT] NULL)",
            alt((|i| self.comparison(i), |i| self.in_or_like(i), is_null)),
        )
        .parse(op_at)?;
        let predicate = Predicate {
            field,
            op,
            op_position: self.position(op_at),
        };
        Ok((i, Expr::Predicate(predicate)))
    }

    /// `cmp literal`, the first form of `predicate`.
    fn comparison(&self, i: &'a str) -> PResult<'a, Op> {
        let (i, cmp) = cmp(i)?;
        let (i, value) = cut(|i| self.literal(i)).parse(i)?;
        Ok((i, Op::Compare { cmp, value }))
    }

    /// `[NOT] IN '(' literal ( ',' literal )* ')' | [NOT] LIKE string`
    fn in_or_like(&self, i: &'a str) -> PResult<'a, Op> {
        let (i, not) = opt(keyword("NOT")).parse(i)?;
        let negated = not.is_some();
        let mut in_or_like = alt((|i| self.in_list(i, negated), |i| self.like(i, negated)));
        if negated {
            cut_expecting("IN or LIKE after NOT", in_or_like).parse(i)
        } else {
            in_or_like.parse(i)
        }
    }

    /// `IN '(' literal ( ',' literal )* ')'`
    fn in_list(&self, i: &'a str, negated: bool) -> PResult<'a, Op> {
        let (i, _) = keyword("IN").parse(i)?;
        let (mut i, _) = cut_expecting("'(' after IN", ws(char('('))).parse(i)?;
        let mut values = Vec::new();
        loop {
            // Counted as the list is read, so the error points at the
            // first value too many.
            if values.len() == MAX_IN_VALUES {
                return PError::new(skip_ws(i), ErrorKind::TooManyValues).fail();
            }
            let (rest, literal) = cut(|i| self.literal(i)).parse(i)?;
            values.push(literal);
            let (rest, separator) =
                cut_expecting("',' or ')'", ws(alt((char(','), char(')'))))).parse(rest)?;
            i = rest;
            if separator == ')' {
                return Ok((i, Op::In { negated, values }));
            }
        }
    }

    /// `LIKE string`
    fn like(&self, i: &'a str, negated: bool) -> PResult<'a, Op> {
        let (i, _) = keyword("LIKE").parse(i)?;
        let at = skip_ws(i);
        let (i, pattern) = cut_expecting("a quoted string after LIKE", string).parse(at)?;
        let op = Op::Like {
            negated,
            pattern,
            pattern_position: self.position(at),
        };
        Ok((i, op))
    }

    /// `literal := string | number | TRUE | FALSE`
    fn literal(&self, i: &'a str) -> PResult<'a, Literal> {
        let at = skip_ws(i);
        let (i, value) = cut_expecting(
            "a value",
            alt((
                map(string, Value::String),
                map(number, |n| Value::Number(n.to_owned())),
                value(Value::Bool(true), keyword("TRUE")),
                value(Value::Bool(false), keyword("FALSE")),
                null_as_value,
            )),
        )
        .parse(at)?;
        let literal = Literal {
            value,
            position: self.position(at),
        };
        Ok((i, literal))
    }

    /// `field := name | '`' ( any character but '`' )+ '`'`
    fn field(&self, i: &'a str) -> PResult<'a, Field> {
        let at = skip_ws(i);
        let (i, name) = alt((name, backticked)).parse(at)?;
        let field = Field {
            name: name.to_owned(),
            position: self.position(at),
        };
        Ok((i, field))
    }
}

/// One operand stays itself; more become an `Or`/`And` of all of them.
fn join(first: Expr, mut more: Vec<Expr>, list: fn(Vec<Expr>) -> Expr) -> Expr {
    if more.is_empty() {
        first
    } else {
        more.insert(0, first);
        list(more)
    }
}

/// `IS [NOT] NULL`
fn is_null(i: &str) -> PResult<'_, Op> {
    let (i, _) = keyword("IS").parse(i)?;
    let (i, not) = opt(keyword("NOT")).parse(i)?;
    let expected = if not.is_some() {
        "NULL after IS NOT"
    } else {
        "NULL or NOT NULL after IS"
    };
    let (i, _) = cut_expecting(expected, keyword("NULL")).parse(i)?;
    Ok((
        i,
        Op::IsNull {
            negated: not.is_some(),
        },
    ))
}

/// `cmp := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='`
fn cmp(i: &str) -> PResult<'_, Cmp> {
    // Two-character operators first, so `<=` is not read as `<` and `=`.
    ws(alt((
        value(Cmp::Le, tag("<=")),
        value(Cmp::Ne, tag("<>")),
        value(Cmp::Lt, tag("<")),
        value(Cmp::Ge, tag(">=")),
        value(Cmp::Gt, tag(">")),
        value(Cmp::Ne, tag("!=")),
        value(Cmp::Eq, tag("=")),
    )))
    .parse(i)
}

/// `string := "'" ( any character but "'" | "''" )* "'"`
fn string(i: &str) -> PResult<'_, String> {
    let open = skip_ws(i);
    let (mut rest, _) = char('\'').parse(open)?;
    let mut text = String::new();
    loop {
        let Some(quote) = rest.find('\'') else {
            return PError::new(open, ErrorKind::UnterminatedString).fail();
        };
        let (before, from_quote) = rest.split_at(quote);
        text.push_str(before);
        let after = &from_quote[1..];
        match after.strip_prefix('\'') {
            Some(after_doubled) => {
                text.push('\'');
                rest = after_doubled;
            }
            None => return Ok((after, text)),
        }
    }
}

/// `number := '-'? digit+ ( '.' digit+ )?`
fn number(i: &str) -> PResult<'_, &str> {
    let start = skip_ws(i);
    let (rest, text) =
        recognize((opt(char('-')), digit1, opt((char('.'), digit1)))).parse(start)?;
    // `12ab` or `1.2.3` is one bad token, better reported whole than as a
    // number followed by something unexpected.
    let is_tail = |c: char| is_name_char(c) || c == '.';
    if rest.starts_with(is_tail) {
        let tail = rest.find(|c: char| !is_tail(c)).unwrap_or(rest.len());
        let bad = start.get(..text.len() + tail).unwrap_or(start);
        return PError::new(
            start,
            ErrorKind::InvalidNumber {
                found: excerpt(bad),
            },
        )
        .fail();
    }
    Ok((rest, text))
}

/// `NULL` where a value should be: a likely mistake for `IS NULL`, worth
/// its own hint.
fn null_as_value(i: &str) -> PResult<'_, Value> {
    keyword("NULL").parse(i)?;
    PError::expected("a value (use IS NULL to test for a missing value)", i).fail()
}

/// `name := ( letter | '_' ) ( letter | digit | '_' )*`, not a keyword
fn name(i: &str) -> PResult<'_, &str> {
    let (rest, name) = recognize((
        satisfy(|c| c.is_ascii_alphabetic() || c == '_'),
        take_while(is_name_char),
    ))
    .parse(i)?;
    if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        return Err(nom::Err::Error(PError::from_error_kind(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((rest, name))
}

/// `'`' ( any character but '`' )+ '`'`
fn backticked(i: &str) -> PResult<'_, &str> {
    let (inside, _) = char('`').parse(i)?;
    match inside.find('`') {
        None => PError::new(i, ErrorKind::UnterminatedField).fail(),
        Some(0) => PError::new(i, ErrorKind::EmptyField).fail(),
        Some(end) => Ok((&inside[end + 1..], &inside[..end])),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A keyword in any case, as a whole word.
fn keyword<'a>(word: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = PError<'a>> {
    ws(terminated(tag_no_case(word), not(satisfy(is_name_char))))
}

/// `p` after optional whitespace.
fn ws<'a, O>(
    p: impl Parser<&'a str, Output = O, Error = PError<'a>>,
) -> impl Parser<&'a str, Output = O, Error = PError<'a>> {
    preceded(multispace0, p)
}

fn skip_ws(i: &str) -> &str {
    i.trim_start_matches([' ', '\t', '\r', '\n'])
}

/// nom's `cut` (the construct is committed: no other alternative is
/// tried), naming what was expected when the inner parser only said "no".
fn cut_expecting<'a, O>(
    expected: &'static str,
    mut p: impl Parser<&'a str, Output = O, Error = PError<'a>>,
) -> impl Parser<&'a str, Output = O, Error = PError<'a>> {
    move |i: &'a str| match p.parse(i) {
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(nom::Err::Failure(match e.kind {
            Some(_) => e,
            None => PError::expected(expected, i),
        })),
        other => other,
    }
}

/// The token at the start of `rest`, quoted for an error message.
fn found(rest: &str) -> String {
    let is_operator = |c: char| matches!(c, '<' | '>' | '=' | '!');
    let len = match rest.chars().next() {
        None => return "end of input".to_owned(),
        // Its own quotes would be lost among the message's.
        Some('\'') => {
            let text = rest[1..].split('\'').next().unwrap_or_default();
            return format!("the string {}", excerpt(text));
        }
        Some(c) if is_name_char(c) => rest.find(|c| !is_name_char(c)),
        Some(c) if is_operator(c) => rest.find(|c| !is_operator(c)),
        Some(c) => Some(c.len_utf8()),
    };
    excerpt(rest.get(..len.unwrap_or(rest.len())).unwrap_or(rest))
}
