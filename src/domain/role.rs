//! The fixed role catalogue of SPEC §1.

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Type};
use utoipa::ToSchema;

/// A role of the fixed catalogue (SPEC §1), named by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ToSchema)]
#[schema(rename_all = "kebab-case", as = RoleKey)]
pub enum Role {
    SysAdmin,
    OrgAdmin,
    Admin,
    Org,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::SysAdmin, Role::OrgAdmin, Role::Admin, Role::Org];

    pub fn from_key(key: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|role| role.key() == key)
    }

    pub fn key(self) -> &'static str {
        match self {
            Role::SysAdmin => "sys-admin",
            Role::OrgAdmin => "org-admin",
            Role::Admin => "admin",
            Role::Org => "org",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Role::SysAdmin => 1,
            Role::OrgAdmin => 2,
            Role::Admin => 3,
            Role::Org => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::SysAdmin => "System Administrator",
            Role::OrgAdmin => "Organization Administrator",
            Role::Admin => "Administrator",
            Role::Org => "Organization User",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::SysAdmin => "Administers the whole platform",
            Role::OrgAdmin => "Manages every account and user of the organization",
            Role::Admin => "Manages the users of one account",
            Role::Org => "A user of the organization's default account",
        }
    }

    /// The JSON object of SPEC §1.
    pub fn to_json(self) -> RoleJson {
        RoleJson {
            id: self.id(),
            key: self.key(),
            name: self.name(),
            description: self.description(),
            active: true,
            features: [],
        }
    }
}

// `schema_with` drops a field's doc comment: these carry their own.

fn always_true() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some("Always `true`."))
        .build()
}

fn no_features() -> utoipa::openapi::schema::Array {
    ArrayBuilder::new()
        .items(ObjectBuilder::new())
        .max_items(Some(0))
        .description(Some("Always empty."))
        .build()
}

/// A role of the fixed catalogue (SPEC §1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Role)]
pub struct RoleJson {
    /// 1 `sys-admin`, 2 `org-admin`, 3 `admin`, 4 `org`.
    #[schema(minimum = 1, maximum = 4)]
    pub id: i64,
    #[schema(value_type = Role)]
    pub key: &'static str,
    /// E.g. `Administrator`.
    #[schema(value_type = String)]
    pub name: &'static str,
    #[schema(value_type = String)]
    pub description: &'static str,
    #[schema(schema_with = always_true)]
    pub active: bool,
    #[schema(schema_with = no_features)]
    pub features: [(); 0],
}

/// A user's roles, kept in catalogue order so responses are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSet(Vec<Role>);

impl RoleSet {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        Self(roles)
    }

    /// From the comma-separated keys the store aggregates; unknown keys
    /// (which the store never writes) are skipped.
    pub fn from_keys(keys: Option<&str>) -> Self {
        Self::new(keys.unwrap_or("").split(',').filter_map(Role::from_key))
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn insert(&mut self, role: Role) {
        if !self.contains(role) {
            self.0.push(role);
            self.0.sort();
        }
    }

    pub fn remove(&mut self, role: Role) {
        self.0.retain(|held| *held != role);
    }
}
