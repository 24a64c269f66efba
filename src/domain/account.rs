//! Facts about accounts that do not depend on storage.

/// Every organization has exactly one default account, with this name…
pub const DEFAULT_ACCOUNT_NAME: &str = "Company Default Account";
/// …and this description (docs/api.md#accounts).
pub const DEFAULT_ACCOUNT_DESCRIPTION: &str = "Auto created default account for the entire company";
