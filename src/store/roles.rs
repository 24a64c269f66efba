//! The role catalogue as the database holds it (migration 0003's `roles`
//! table): the one source of each role's id, name and description, which
//! the stored user JSON and the role endpoints both show.

use std::collections::HashMap;

use sqlx::FromRow;

use super::StoreError;
use crate::domain::role::Role;

/// One role of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RoleRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
}

/// Every role of `Role::ALL`, read once when the store opens.
#[derive(Debug, Clone)]
pub struct Catalogue(HashMap<Role, RoleRow>);

impl Catalogue {
    /// Reads the table; a role the code knows but the table lacks (or the
    /// other way round) is a schema error, found at start-up.
    pub(super) async fn load(pool: &sqlx::SqlitePool) -> Result<Self, StoreError> {
        let rows: Vec<RoleRow> = sqlx::query_as("SELECT id, key, name, description FROM roles")
            .fetch_all(pool)
            .await?;
        let mut roles = HashMap::new();
        for row in rows {
            let role = Role::from_key(&row.key).ok_or_else(|| {
                StoreError::Schema(format!("the roles table has an unknown role '{}'", row.key))
            })?;
            roles.insert(role, row);
        }
        if let Some(missing) = Role::ALL.into_iter().find(|role| !roles.contains_key(role)) {
            return Err(StoreError::Schema(format!(
                "the roles table lacks the role '{}'",
                missing.key()
            )));
        }
        Ok(Self(roles))
    }

    /// The row of a role (every role has one: `load` checked).
    pub fn get(&self, role: Role) -> Option<&RoleRow> {
        self.0.get(&role)
    }
}
