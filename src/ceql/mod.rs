//! CEQL, the `where=` language: parse, check against a field allow-list, compile to SQL.
//! TEMPORARY interface stub; replaced by the real module from branch `ceql`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Users,
    Accounts,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CeqlError {
    pub position: usize,
    message: String,
}

pub fn compile_where(_input: &str, _scope: Scope) -> Result<Sql, CeqlError> {
    Err(CeqlError {
        position: 1,
        message: "where is not supported yet".into(),
    })
}
