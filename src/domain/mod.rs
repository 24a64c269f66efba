//! Types with invariants: secrets, password hashing, the role catalogue,
//! the access rules, validated user input, and the clock. Nothing here knows about HTTP or SQL.

pub mod access;
pub mod account;
pub mod clock;
pub mod password;
pub mod role;
pub mod secret;
pub mod user;
