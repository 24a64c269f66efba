//! CEQL, the `where=` language: parse, check against a field allow-list,
//! compile to SQL.
//!
//! A `where=` text is a SQL `WHERE` clause without the keyword, over the
//! fields of a user (or an account), e.g.
//! `active = true AND createdDate >= '2014-01-15' AND email LIKE '%@acme.test'`.
//!
//! - [`parse`] (in `parser`) turns text into an [`Expr`] (in [`ast`]),
//!   checking syntax and the size bounds only.
//! - [`compile`] (in `compile`) resolves the fields of a [`Scope`], checks
//!   operators and values against the field types, and writes a [`Sql`]: a
//!   boolean SQL expression with `?` placeholders and their values.
//! - [`compile_where`] does both.
//!
//! This module knows nothing of HTTP; a [`CeqlError`]'s `Display` is the
//! whole message meant for the client (a 400). No user text ever becomes
//! SQL text, and no input makes it panic or recurse without bound.

pub mod ast;
mod compile;
mod error;
mod parser;

pub use ast::Expr;
pub use compile::{
    compile, compile_where, field, CommonRoles, FieldDef, FieldType, RoleRows, Scope, Sql, SqlValue,
};
pub use error::{
    CeqlError, ErrorKind, MAX_DEPTH, MAX_INPUT_BYTES, MAX_IN_VALUES, MAX_LIKE_CHARS,
    MAX_LIKE_WILDCARDS,
};
pub use parser::parse;

#[cfg(test)]
mod tests;
