//! Who may do what: every access rule of the product, in one place, as pure
//! functions of the caller and what they touch. The service layer asks
//! these for the API, and the fixtures ask the same ones.
//!
//! The rules (docs/api.md#who-may-do-what):
//! - an **org-admin** manages every account of their organization;
//! - an **admin** manages their own account;
//! - anyone else may only read their own record;
//! - roles: `sys-admin` nobody holds; `org-admin` only users of the default
//!   account hold, and only an org-admin grants it; `admin` an org-admin or
//!   an admin of that account grants; `org` is automatic for the default
//!   account's users and never granted by hand;
//! - nobody changes their own roles, and an admin cannot change a user who
//!   holds a role the admin could not grant.

use super::role::{Role, RoleSet};

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub organization_id: i64,
    pub account_id: i64,
    pub roles: RoleSet,
}

/// The facts about an account that the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRef {
    pub id: i64,
    pub organization_id: i64,
    pub is_default: bool,
}

/// Why a role cannot be held by a user of some account at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotHoldable {
    /// `sys-admin`: nobody.
    Never,
    /// `org-admin` and `org` outside the default account.
    DefaultAccountOnly,
}

/// Whether a user of an account (the default one or not) may hold `role`.
pub fn holdable(role: Role, in_default_account: bool) -> Result<(), NotHoldable> {
    match role {
        Role::SysAdmin => Err(NotHoldable::Never),
        Role::OrgAdmin | Role::Org if !in_default_account => Err(NotHoldable::DefaultAccountOnly),
        _ => Ok(()),
    }
}

/// The roles a user of an account holds, given the ones asked for: the
/// default account's users always hold `org` as well.
pub fn with_automatic_roles(
    requested: impl IntoIterator<Item = Role>,
    in_default_account: bool,
) -> RoleSet {
    let mut roles = RoleSet::new(requested);
    if in_default_account {
        roles.insert(Role::Org);
    }
    roles
}

/// Whose users an organization-wide list shows a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedUsers {
    Organization(i64),
    Account(i64),
}

impl Caller {
    pub fn is_org_admin(&self) -> bool {
        self.roles.contains(Role::OrgAdmin)
    }

    /// An admin of the given account (org-admins are handled separately).
    pub fn is_admin_of(&self, account_id: i64) -> bool {
        self.account_id == account_id && self.roles.contains(Role::Admin)
    }

    /// Manages the users of this account: an org-admin of its organization,
    /// or an admin of the account itself.
    pub fn manages(&self, account: AccountRef) -> bool {
        self.organization_id == account.organization_id
            && (self.is_org_admin() || self.is_admin_of(account.id))
    }

    /// Uses the account endpoints at all (everyone else gets 401, as on
    /// the real service).
    pub fn manages_accounts(&self) -> bool {
        self.is_org_admin()
    }

    /// The users `GET /users` lists for the caller: an org-admin's whole
    /// organization, an admin's own account; nobody else may list.
    pub fn listed_users(&self) -> Option<ListedUsers> {
        if self.is_org_admin() {
            Some(ListedUsers::Organization(self.organization_id))
        } else if self.is_admin_of(self.account_id) {
            Some(ListedUsers::Account(self.account_id))
        } else {
            None
        }
    }

    /// May learn that a user does not exist: only an org-admin, who may
    /// see every user of the organization anyway. To anyone else a missing
    /// user looks like one they may not see, so that answers cannot be
    /// used to find out which emails or ids exist.
    pub fn may_learn_absence(&self) -> bool {
        self.is_org_admin()
    }

    /// May see this user: a manager of their account sees anyone in it,
    /// anyone else only themselves.
    pub fn may_see(&self, account: AccountRef, user_id: i64) -> bool {
        self.manages(account)
            || (user_id == self.user_id && account.organization_id == self.organization_id)
    }

    /// May give `role` to (or take it from) a user of `account`: the role
    /// must be holdable there, `org-admin` is granted by org-admins only,
    /// the others by whoever manages the account.
    pub fn may_grant(&self, role: Role, account: AccountRef) -> bool {
        holdable(role, account.is_default).is_ok()
            && match role {
                Role::OrgAdmin => {
                    self.is_org_admin() && self.organization_id == account.organization_id
                }
                _ => self.manages(account),
            }
    }

    /// May change a grant by hand: as `may_grant`, except that `org` is
    /// automatic and never changed by hand.
    pub fn may_change_grant(&self, role: Role, account: AccountRef) -> bool {
        role != Role::Org && self.may_grant(role, account)
    }

    /// The first role that `target` (a user of `account`) holds which the
    /// caller could not grant: while there is one, the caller may not
    /// change that user (their password, their roles, their existence),
    /// since that would hand the caller powers the grant rules keep from
    /// them. Org-admins outrank everyone, and everyone may change
    /// themselves.
    pub fn outranked_by(
        &self,
        account: AccountRef,
        target_id: i64,
        target_roles: &RoleSet,
    ) -> Option<Role> {
        if self.is_org_admin() || target_id == self.user_id {
            return None;
        }
        target_roles
            .iter()
            .find(|role| *role != Role::Org && !self.may_grant(*role, account))
    }

    /// The first role whose grant would change from `before` to `after`
    /// that the caller may not change (`org`, automatic, is not counted).
    pub fn first_ungrantable_change(
        &self,
        account: AccountRef,
        before: &RoleSet,
        after: &RoleSet,
    ) -> Option<Role> {
        let added = after.iter().filter(|role| !before.contains(*role));
        let removed = before.iter().filter(|role| !after.contains(*role));
        added
            .chain(removed)
            .find(|role| *role != Role::Org && !self.may_grant(*role, account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(account_id: i64, roles: &[Role]) -> Caller {
        Caller {
            user_id: 100,
            organization_id: 1,
            account_id,
            roles: RoleSet::new(roles.iter().copied()),
        }
    }

    const DEFAULT: AccountRef = AccountRef {
        id: 10,
        organization_id: 1,
        is_default: true,
    };
    const CUSTOMER: AccountRef = AccountRef {
        id: 11,
        organization_id: 1,
        is_default: false,
    };
    const FOREIGN: AccountRef = AccountRef {
        id: 20,
        organization_id: 2,
        is_default: true,
    };

    #[test]
    fn the_grant_table() {
        let org_admin = caller(10, &[Role::OrgAdmin, Role::Org]);
        let admin = caller(11, &[Role::Admin]);
        let plain = caller(11, &[]);
        assert!(org_admin.may_grant(Role::OrgAdmin, DEFAULT));
        assert!(!org_admin.may_grant(Role::OrgAdmin, CUSTOMER));
        assert!(!org_admin.may_grant(Role::SysAdmin, DEFAULT));
        assert!(org_admin.may_grant(Role::Admin, CUSTOMER));
        assert!(!org_admin.may_grant(Role::Admin, FOREIGN));
        assert!(admin.may_grant(Role::Admin, CUSTOMER));
        assert!(!admin.may_grant(Role::Admin, DEFAULT));
        assert!(!admin.may_grant(Role::OrgAdmin, DEFAULT));
        assert!(!plain.may_grant(Role::Admin, CUSTOMER));
        assert!(!org_admin.may_change_grant(Role::Org, DEFAULT));
    }

    #[test]
    fn admins_do_not_change_users_above_them() {
        let admin = caller(10, &[Role::Admin, Role::Org]);
        let above = RoleSet::new([Role::OrgAdmin, Role::Org]);
        assert_eq!(admin.outranked_by(DEFAULT, 5, &above), Some(Role::OrgAdmin));
        assert_eq!(admin.outranked_by(DEFAULT, 100, &above), None);
        let peer = RoleSet::new([Role::Admin, Role::Org]);
        assert_eq!(admin.outranked_by(DEFAULT, 5, &peer), None);
    }

    #[test]
    fn roles_held_by_account_kind() {
        assert_eq!(holdable(Role::SysAdmin, true), Err(NotHoldable::Never));
        assert_eq!(
            holdable(Role::OrgAdmin, false),
            Err(NotHoldable::DefaultAccountOnly)
        );
        assert_eq!(
            holdable(Role::Org, false),
            Err(NotHoldable::DefaultAccountOnly)
        );
        assert_eq!(holdable(Role::Admin, false), Ok(()));
        assert!(with_automatic_roles([Role::Admin], true).contains(Role::Org));
        assert!(!with_automatic_roles([Role::Admin], false).contains(Role::Org));
    }
}
