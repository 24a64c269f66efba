//! Compiler: a parsed [`Expr`] to a parameterised SQL boolean expression.
//!
//! Here the tree meets the data model: each field name is looked up in the
//! allow-list of a [`Scope`], each operator is checked against the field's
//! type, and each literal is converted to the value the column stores.
//!
//! What it must never do: put input text into SQL. [`Sql`] is written only
//! through [`Sql::push`], which takes `&'static str` pieces (column names
//! come from the allow-list tables below), and [`Sql::push_bind`], which
//! adds a `?` and the value beside it. The shape of the SQL therefore
//! depends only on the shape of the tree, never on a value (but for
//! whether a `LIKE` pattern starts with a literal prefix, which adds a
//! range of placeholders before it; see `prefix_range`).

use serde::Serialize;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::ast::{Cmp, Expr, Field, Literal, Op, Predicate, Value};
use super::error::{
    excerpt, shorten, CeqlError, ErrorKind, MAX_DEPTH, MAX_LIKE_CHARS, MAX_LIKE_WILDCARDS,
};
use super::parser::parse;
use crate::domain::clock;
use crate::domain::role::Role;

/// What a `where=` filters: a name (for messages) and the fields it may
/// name, each with the SQL it compiles to. The store that owns the columns
/// defines each scope (`store::users::FILTER`, `store::accounts::FILTER`):
/// a field outside its table never reaches SQL.
#[derive(Clone, Copy)]
pub struct Scope {
    name: &'static str,
    fields: &'static [FieldDef],
    /// Each field has an index that searches it (see `Sql::searchable`).
    indexed: bool,
    /// The roles many of the scope's rows hold (see `Compiler::roles`).
    common_roles: CommonRoles,
}

impl Scope {
    pub const fn new(name: &'static str, fields: &'static [FieldDef]) -> Self {
        Self {
            name,
            fields,
            indexed: false,
            common_roles: CommonRoles::NONE,
        }
    }

    /// This scope, where `roles` are held by many of its rows.
    pub const fn with_common_roles(self, roles: CommonRoles) -> Self {
        Self {
            common_roles: roles,
            ..self
        }
    }

    /// This scope, where each field has an index: of the exact value, or
    /// for a field with a folded form (`FieldDef::folded`) of that form.
    pub const fn indexed(self) -> Self {
        Self {
            indexed: true,
            ..self
        }
    }
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A boolean SQL expression with `?` placeholders and their values, in
/// order; self-contained, so it can be put in parentheses after a `WHERE`.
/// Only the compiler writes one (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sql {
    text: String,
    params: Vec<SqlValue>,
    /// Whether an index narrows what it matches (see `searchable`).
    #[serde(skip)]
    searchable: bool,
}

/// A value bound to one `?`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SqlValue {
    Int(i64),
    Text(String),
}

impl Sql {
    /// The SQL text: fixed pieces and `?` placeholders only.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The values of the placeholders, in order.
    pub fn params(&self) -> &[SqlValue] {
        &self.params
    }

    /// Whether an index searches for what it matches, rather than each row
    /// in scope being tested: true of an equality, a range, an `IN` list of
    /// exact values or a `LIKE` with a literal prefix on a field other than
    /// a boolean, of a role held, of an `AND` with such a term and of an
    /// `OR` of them only. Never of a negation (`<>`, `NOT …`), `IS NULL`,
    /// or a pattern that starts with a wildcard.
    pub fn searchable(&self) -> bool {
        self.searchable
    }

    /// Both conditions: `(self) AND (other)`, values in order.
    pub fn and(mut self, other: Sql) -> Sql {
        let mut text = String::with_capacity(self.text.len() + other.text.len() + 11);
        text.push('(');
        text.push_str(&self.text);
        text.push_str(") AND (");
        text.push_str(&other.text);
        text.push(')');
        self.text = text;
        self.params.extend(other.params);
        self.searchable |= other.searchable;
        self
    }

    /// Appends a fixed piece of SQL. `'static` keeps input text out.
    fn push(&mut self, sql: &'static str) {
        self.text.push_str(sql);
    }

    /// Appends a placeholder for `value`.
    fn push_bind(&mut self, value: SqlValue) {
        self.text.push('?');
        self.params.push(value);
    }
}

/// Parses and compiles a `where=` text in one step.
pub fn compile_where(input: &str, scope: Scope) -> Result<Sql, CeqlError> {
    compile(&parse(input)?, scope)
}

/// Compiles a tree for `scope`: resolves its fields, checks its types, and
/// writes the SQL.
pub fn compile(expr: &Expr, scope: Scope) -> Result<Sql, CeqlError> {
    let mut compiler = Compiler {
        scope,
        sql: Sql::default(),
    };
    compiler.sql.searchable = compiler.expr(expr, 0)?;
    Ok(compiler.sql)
}

/// The deepest tree the parser can build within [`MAX_DEPTH`] (an `OR`
/// and an `AND` inside each pair of parentheses); a tree built by hand that
/// is deeper is refused rather than recursed into.
const MAX_TREE_DEPTH: usize = 2 * (MAX_DEPTH + 1);

struct Compiler {
    scope: Scope,
    sql: Sql,
}

/// Each step writes its SQL and says whether it is searchable (see
/// `Sql::searchable`).
impl Compiler {
    fn expr(&mut self, expr: &Expr, depth: usize) -> Result<bool, CeqlError> {
        if depth > MAX_TREE_DEPTH {
            return Err(CeqlError::new(expr.position(), ErrorKind::TooDeep));
        }
        match expr {
            // An empty list cannot be parsed, only built; it gets the value
            // that leaves the list's operator neutral.
            Expr::Or(items) => self.list(items, " OR ", "0", depth),
            Expr::And(items) => self.list(items, " AND ", "1", depth),
            Expr::Not(inner) => {
                self.sql.push("NOT ");
                // A list brings its own parentheses; anything else gets
                // them, rather than relying on NOT binding more loosely
                // than IS, IN, LIKE and the comparisons.
                let parens = !matches!(**inner, Expr::Or(_) | Expr::And(_));
                if parens {
                    self.sql.push("(");
                }
                self.expr(inner, depth + 1)?;
                if parens {
                    self.sql.push(")");
                }
                Ok(false)
            }
            Expr::Predicate(predicate) => self.predicate(predicate),
        }
    }

    fn list(
        &mut self,
        items: &[Expr],
        separator: &'static str,
        empty: &'static str,
        depth: usize,
    ) -> Result<bool, CeqlError> {
        if items.is_empty() {
            self.sql.push(empty);
            return Ok(false);
        }
        // An AND is searched through any of its terms; an OR only when
        // each of its terms is.
        let any = separator == " AND ";
        let mut searchable = !any;
        self.sql.push("(");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push(separator);
            }
            let item = self.expr(item, depth + 1)?;
            searchable = if any {
                searchable | item
            } else {
                searchable & item
            };
        }
        self.sql.push(")");
        Ok(searchable)
    }

    fn predicate(&mut self, predicate: &Predicate) -> Result<bool, CeqlError> {
        let field = self.scope.resolve(&predicate.field)?;
        let test = Test::from(&predicate.op);
        if let FieldType::Roles(rows) = field.ty {
            self.roles(field, rows, test, predicate.op_position)
        } else {
            self.test(field, test, predicate.op_position)
        }
    }

    /// `roles` is the set of a user's rows in `user_roles`. A test of it
    /// means "holds a role that passes"; its negated forms (`!=`, `NOT IN`,
    /// `NOT LIKE`) mean "holds no role that passes", so `roles != 'admin'`
    /// also matches a user with no role at all. `IS NULL` means "holds no
    /// role".
    ///
    /// A role few hold is asked as "among the holders of a role that
    /// passes" (`RoleRows::holders`), which an index of roles by key finds
    /// without testing every user. A role many hold (`Scope::common_roles`)
    /// is asked of each user (`EXISTS`): SQLite would first gather every
    /// holder's id (800,000 of them for `roles = 'org'` in an account of a
    /// million, about 300 ms) where a page is found after a few hundred
    /// users, and another term of an `AND` finds the candidates better.
    fn roles(
        &mut self,
        field: &FieldDef,
        rows: RoleRows,
        test: Test<'_>,
        at: usize,
    ) -> Result<bool, CeqlError> {
        let (holds, role_test) = match test {
            Test::Compare(Cmp::Eq, value) => (true, Some(Test::Compare(Cmp::Eq, value))),
            Test::Compare(Cmp::Ne, value) => (false, Some(Test::Compare(Cmp::Eq, value))),
            Test::Compare(cmp, _) => return Err(not_allowed(cmp.as_str(), field, at)),
            Test::In(negated, values) => (!negated, Some(Test::In(false, values))),
            Test::Like(negated, pattern, pattern_at) => {
                (!negated, Some(Test::Like(false, pattern, pattern_at)))
            }
            Test::IsNull(negated) => (negated, None),
        };
        let common = match role_test {
            Some(Test::Compare(_, value)) => self.scope.common_roles.has(value),
            Some(Test::In(_, values)) => values
                .iter()
                .any(|value| self.scope.common_roles.has(value)),
            // Which keys a pattern matches is not worked out here.
            Some(Test::Like(..)) => !self.scope.common_roles.is_empty(),
            Some(Test::IsNull(_)) | None => false,
        };
        if let (true, false, Some(role_test)) = (holds, common, role_test) {
            self.sql.push(rows.holders);
            self.test(field, role_test, at)?;
            self.sql.push(")");
            return Ok(self.scope.indexed);
        }
        self.sql
            .push(if holds { "EXISTS (" } else { "NOT EXISTS (" });
        self.sql.push(rows.of_row);
        if let Some(role_test) = role_test {
            self.sql.push(" AND ");
            self.test(field, role_test, at)?;
        }
        self.sql.push(")");
        Ok(false)
    }

    /// `<column> <operator> <placeholders>` for one field.
    fn test(&mut self, field: &FieldDef, test: Test<'_>, at: usize) -> Result<bool, CeqlError> {
        // A boolean has an index too, but two values narrow nothing.
        let indexed = self.scope.indexed && field.ty != FieldType::Boolean;
        // An index of the value as it is, not folded: for ranges and lists.
        let exact = indexed && field.folded.is_none_or(|folded| folded == field.sql);
        match test {
            Test::Compare(cmp, literal) => {
                if cmp.is_ordering() && !field.ty.is_ordered() {
                    return Err(not_allowed(cmp.as_str(), field, at));
                }
                let value = bind_value(field, literal)?;
                let folded = field.folded.filter(|folded| *folded != field.sql);
                if let (Cmp::Eq, Some(folded), SqlValue::Text(text)) = (cmp, folded, &value) {
                    // Also compared folded, so that the index on the
                    // folded column finds the candidates. The exact test
                    // is written `+column`: SQLite would otherwise use
                    // `column = ?` to rewrite the folded term into a
                    // constant (constant propagation), and the index
                    // would go unused.
                    self.sql.push("(");
                    self.sql.push(folded);
                    self.sql.push(" = ");
                    self.sql
                        .push_bind(SqlValue::Text(text.to_ascii_lowercase()));
                    self.sql.push(" AND +");
                    self.sql.push(field.sql);
                    self.sql.push(" = ");
                    self.sql.push_bind(value);
                    self.sql.push(")");
                    return Ok(indexed);
                }
                self.sql.push(field.sql);
                self.sql.push(match cmp {
                    Cmp::Eq => " = ",
                    Cmp::Ne => " <> ",
                    Cmp::Lt => " < ",
                    Cmp::Le => " <= ",
                    Cmp::Gt => " > ",
                    Cmp::Ge => " >= ",
                });
                self.sql.push_bind(value);
                Ok(exact && cmp != Cmp::Ne)
            }
            Test::In(negated, literals) => {
                self.sql.push(field.sql);
                self.sql.push(if negated { " NOT IN (" } else { " IN (" });
                for (i, literal) in literals.iter().enumerate() {
                    if i > 0 {
                        self.sql.push(", ");
                    }
                    let value = bind_value(field, literal)?;
                    self.sql.push_bind(value);
                }
                self.sql.push(")");
                Ok(exact && !negated)
            }
            Test::Like(negated, pattern, pattern_at) => {
                if !field.ty.is_text() {
                    return Err(not_allowed(
                        if negated { "NOT LIKE" } else { "LIKE" },
                        field,
                        at,
                    ));
                }
                if has_dangling_escape(pattern) {
                    return Err(CeqlError::new(pattern_at, ErrorKind::DanglingEscape));
                }
                check_like_work(pattern, pattern_at)?;
                let pattern = field.ty.normalise_text(pattern);
                // A literal prefix bounds the folded column, which an index
                // can search; the LIKE itself still decides.
                let range = match (negated, field.folded) {
                    (false, Some(folded)) => prefix_range(&pattern).map(|range| (folded, range)),
                    _ => None,
                };
                let ranged = range.is_some();
                if let Some((folded, (low, high))) = range {
                    self.sql.push("(");
                    self.sql.push(folded);
                    self.sql.push(" >= ");
                    self.sql.push_bind(SqlValue::Text(low));
                    if let Some(high) = high {
                        self.sql.push(" AND ");
                        self.sql.push(folded);
                        self.sql.push(" < ");
                        self.sql.push_bind(SqlValue::Text(high));
                    }
                    self.sql.push(" AND ");
                }
                // Matched against the folded column when there is one: the
                // same answer (LIKE and `lower()` both fold ASCII letters
                // only), and the index on it holds that value, so SQLite
                // can test the pattern there before it reads a user row.
                self.sql.push(field.folded.unwrap_or(field.sql));
                self.sql.push(if negated { " NOT LIKE " } else { " LIKE " });
                self.sql.push_bind(SqlValue::Text(pattern));
                // SQLite has no LIKE escape character unless one is named.
                self.sql.push(" ESCAPE '\\'");
                if ranged {
                    self.sql.push(")");
                }
                Ok(indexed && ranged)
            }
            Test::IsNull(negated) => {
                self.sql.push(field.sql);
                self.sql
                    .push(if negated { " IS NOT NULL" } else { " IS NULL" });
                Ok(false)
            }
        }
    }
}

/// A predicate's operation borrowed from the tree, in a form that the
/// `roles` rewrite can build new ones of without cloning values.
#[derive(Clone, Copy)]
enum Test<'e> {
    Compare(Cmp, &'e Literal),
    /// `negated`, values
    In(bool, &'e [Literal]),
    /// `negated`, pattern, pattern position
    Like(bool, &'e str, usize),
    /// `negated`
    IsNull(bool),
}

impl<'e> From<&'e Op> for Test<'e> {
    fn from(op: &'e Op) -> Self {
        match op {
            Op::Compare { cmp, value } => Test::Compare(*cmp, value),
            Op::In { negated, values } => Test::In(*negated, values),
            Op::Like {
                negated,
                pattern,
                pattern_position,
            } => Test::Like(*negated, pattern, *pattern_position),
            Op::IsNull { negated } => Test::IsNull(*negated),
        }
    }
}

fn not_allowed(operator: &'static str, field: &FieldDef, at: usize) -> CeqlError {
    CeqlError::new(
        at,
        ErrorKind::OperatorNotAllowed {
            operator,
            field: field.name,
            field_type: field.ty.name(),
        },
    )
}

/// The range of folded values every match of a `LIKE` pattern lies in,
/// from its literal prefix (up to the first unescaped `%` or `_`): at least
/// the prefix, and below the prefix with its last character moved one up
/// (`None`: no such bound). SQLite's `LIKE` folds ASCII letters only, as
/// its `lower()` does, so a value that matches has its folded form start
/// with the prefix folded the same way. `None` for a pattern that starts
/// with a wildcard.
fn prefix_range(pattern: &str) -> Option<(String, Option<String>)> {
    let mut prefix = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' | '_' => break,
            '\\' => prefix.extend(chars.next()),
            c => prefix.push(c),
        }
    }
    if prefix.is_empty() {
        return None;
    }
    let low = prefix.to_ascii_lowercase();
    let mut high = low.clone();
    // UTF-8 sorts as the code points do, so the next code point after
    // the last one bounds every text that starts with the prefix.
    let high = loop {
        let Some(last) = high.pop() else {
            break None;
        };
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            high.push(next);
            break Some(high);
        }
    };
    Some((low, high))
}

/// A pattern ending in an odd number of `\` escapes nothing; SQLite would
/// quietly match no row, so it is refused instead.
fn has_dangling_escape(pattern: &str) -> bool {
    let trailing = pattern.len() - pattern.trim_end_matches('\\').len();
    trailing % 2 == 1
}

/// Bounds what matching a `LIKE` pattern can cost: at most
/// [`MAX_LIKE_CHARS`] characters and [`MAX_LIKE_WILDCARDS`] unescaped `%`
/// and `_`. `pattern_at` is the position of the pattern's opening quote;
/// an error points at the first character past a bound, counting a quote
/// as the two characters (`''`) it was written with.
fn check_like_work(pattern: &str, pattern_at: usize) -> Result<(), CeqlError> {
    let mut position = pattern_at.saturating_add(1);
    let mut wildcards = 0;
    let mut escaped = false;
    for (index, c) in pattern.chars().enumerate() {
        if index == MAX_LIKE_CHARS {
            let chars = pattern.chars().count();
            return Err(CeqlError::new(
                position,
                ErrorKind::LikePatternTooLong { chars },
            ));
        }
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '%' || c == '_' {
            wildcards += 1;
            if wildcards > MAX_LIKE_WILDCARDS {
                return Err(CeqlError::new(position, ErrorKind::TooManyWildcards));
            }
        }
        position = position.saturating_add(if c == '\'' { 2 } else { 1 });
    }
    Ok(())
}

/// A field a scope lets `where=` name.
#[derive(Debug)]
pub struct FieldDef {
    /// The documented (camelCase) name; matched case-insensitively.
    name: &'static str,
    /// The SQL the field compiles to: a column, or an expression over the
    /// row that needs no parameters.
    sql: &'static str,
    ty: FieldType,
    /// For text: the field folded as SQLite's `lower()` folds it (ASCII
    /// letters only), an expression an index covers. Equality and a `LIKE`
    /// with a literal prefix are then also written over it, so that the
    /// index finds the candidates.
    folded: Option<&'static str>,
}

/// A field of a scope: its documented name, its SQL and its type.
pub const fn field(name: &'static str, sql: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        sql,
        ty,
        folded: None,
    }
}

impl FieldDef {
    /// The field with its folded form (see `FieldDef::folded`): the SQL of
    /// an indexed expression equal to `lower(<the field's SQL>)`.
    pub const fn folded(self, folded: &'static str) -> FieldDef {
        FieldDef {
            folded: Some(folded),
            ..self
        }
    }
}

impl Scope {
    fn fields(self) -> &'static [FieldDef] {
        self.fields
    }

    /// The field names a `where=` may use in this scope.
    pub fn field_names(self) -> impl Iterator<Item = &'static str> {
        self.fields().iter().map(|f| f.name)
    }

    /// The allow-list: a name not found here never reaches SQL.
    fn resolve(self, field: &Field) -> Result<&'static FieldDef, CeqlError> {
        self.fields()
            .iter()
            .find(|def| def.name.eq_ignore_ascii_case(&field.name))
            .ok_or_else(|| {
                CeqlError::new(
                    field.position,
                    ErrorKind::UnknownField {
                        name: field.name.clone(),
                        scope: self,
                    },
                )
            })
    }
}

/// What a field holds, which decides its operators and literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Text,
    /// Text compared case-insensitively: the column holds the address
    /// lowercased by Rust, and so is every value compared with it.
    Email,
    /// Stored 0/1.
    Boolean,
    /// Stored as `YYYY-MM-DD` text, which orders like the dates.
    Date,
    /// A set of role keys (see `Compiler::roles`): the field's SQL is the
    /// key column of the role rows `RoleRows` selects.
    Roles(RoleRows),
}

/// Roles that many rows of a scope hold, of the catalogue
/// (`domain::role::Role`): a role test compiles by them (see
/// `Compiler::roles`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommonRoles(u8);

impl CommonRoles {
    pub const NONE: Self = Self(0);

    /// These roles and `role`.
    pub fn with(self, role: Role) -> Self {
        Self(self.0 | Self::bit(role))
    }

    fn bit(role: Role) -> u8 {
        1 << role as u8
    }

    /// Whether `value` names one of these roles.
    fn has(self, value: &Literal) -> bool {
        match &value.value {
            Value::String(key) => {
                Role::from_key(key).is_some_and(|role| self.0 & Self::bit(role) != 0)
            }
            _ => false,
        }
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Where a row's roles are, for `FieldType::Roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleRows {
    /// The row is among those holding a role that passes the test written
    /// after it, then `)`: `u.id IN (SELECT … WHERE `.
    pub holders: &'static str,
    /// The row's own roles, which a test may follow after ` AND `:
    /// `SELECT 1 FROM … WHERE <of this row>`.
    pub of_row: &'static str,
}

impl FieldType {
    fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Text | FieldType::Email => "text",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Roles(_) => "set of roles",
        }
    }

    /// Takes `<`, `<=`, `>`, `>=`.
    fn is_ordered(self) -> bool {
        !matches!(self, FieldType::Boolean | FieldType::Roles(_))
    }

    /// Takes `LIKE`.
    fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::Text | FieldType::Email | FieldType::Roles(_)
        )
    }

    fn expected_value(self) -> &'static str {
        match self {
            FieldType::Integer => "an integer",
            FieldType::Text | FieldType::Email | FieldType::Roles(_) => "a quoted string",
            FieldType::Boolean => "true or false",
            FieldType::Date => "a date 'YYYY-MM-DD' or an ISO 8601 timestamp",
        }
    }

    fn normalise_text(self, text: &str) -> String {
        match self {
            FieldType::Email => text.to_lowercase(),
            _ => text.to_owned(),
        }
    }
}

/// The value a literal stands for in a field's column, if it fits the type.
fn bind_value(field: &FieldDef, literal: &Literal) -> Result<SqlValue, CeqlError> {
    let value = match (field.ty, &literal.value) {
        (FieldType::Integer, Value::Number(text) | Value::String(text)) => {
            parse_integer(text).map(SqlValue::Int)
        }
        (FieldType::Text | FieldType::Email | FieldType::Roles(_), Value::String(text)) => {
            Some(SqlValue::Text(field.ty.normalise_text(text)))
        }
        (FieldType::Boolean, Value::Bool(b)) => Some(SqlValue::Int(i64::from(*b))),
        (FieldType::Boolean, Value::String(text)) => {
            parse_bool(text).map(|b| SqlValue::Int(i64::from(b)))
        }
        (FieldType::Date, Value::String(text)) => parse_date(text).map(SqlValue::Text),
        _ => None,
    };
    value.ok_or_else(|| {
        CeqlError::new(
            literal.position,
            ErrorKind::InvalidValue {
                field: field.name,
                expected: field.ty.expected_value(),
                found: match &literal.value {
                    Value::String(text) => excerpt(text),
                    Value::Number(text) => shorten(text),
                    Value::Bool(b) => b.to_string(),
                },
            },
        )
    })
}

/// `-?[0-9]+` within `i64`; stricter than `str::parse`, which takes `+1`.
fn parse_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `YYYY-MM-DD`, or a timestamp reduced to its UTC date, as `YYYY-MM-DD`
/// (the stored form, whose text order is date order).
fn parse_date(text: &str) -> Option<String> {
    let date = clock::parse_date(text).or_else(|| timestamp_date(text))?;
    // Outside 0000-9999 the text would not sort among the stored dates.
    if !(0..=9999).contains(&date.year()) {
        return None;
    }
    Some(clock::format_date(date))
}

/// An RFC 3339 or ISO 8601 date-time; one without an offset is taken as UTC.
fn timestamp_date(text: &str) -> Option<Date> {
    let with_offset = OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT));
    match with_offset {
        Ok(moment) => moment
            .checked_to_offset(UtcOffset::UTC)
            .map(|utc| utc.date()),
        Err(_) => PrimitiveDateTime::parse(text, &Iso8601::DEFAULT)
            .ok()
            .map(|local| local.date()),
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_range;

    fn range(pattern: &str) -> Option<(String, Option<String>)> {
        prefix_range(pattern)
    }

    #[test]
    fn a_prefix_range_is_the_folded_literal_prefix_and_its_successor() {
        let some = |low: &str, high: &str| Some((low.to_owned(), Some(high.to_owned())));
        assert_eq!(range("L99%"), some("l99", "l9:"));
        assert_eq!(range("Ab_c%"), some("ab", "ac"));
        // Escaped wildcards are part of the prefix; only ASCII is folded.
        assert_eq!(range("a\\%b%"), some("a%b", "a%c"));
        assert_eq!(range("a\\\\%"), some("a\\", "a]"));
        assert_eq!(range("Éa"), some("Éa", "Éb"));
        // Past the last code point, the one before it moves up.
        assert_eq!(range("a\u{10FFFF}%"), some("a\u{10FFFF}", "b"));
        assert_eq!(range("\u{10FFFF}"), Some(("\u{10FFFF}".to_owned(), None)));
        // Before the surrogates' gap comes the first code point after it.
        assert_eq!(range("\u{D7FF}"), some("\u{D7FF}", "\u{E000}"));
        assert_eq!(range("%a"), None);
        assert_eq!(range("_a"), None);
        assert_eq!(range(""), None);
    }
}
