//! The fixed role catalogue (docs/api.md#roles), by key. Each role's id,
//! name and description live in the database's `roles` table, the one
//! place both the stored user JSON and the role endpoints read them from
//! (`store::roles`). Who may hold or grant which is `domain::access`.

/// A role of the fixed catalogue, named by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
