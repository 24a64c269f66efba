//! Types with invariants: secrets, password hashing, the role catalogue,
//! validated user input and fixtures, and the clock. Nothing here knows about HTTP or SQL.

pub mod account;
pub mod clock;
pub mod fixture;
pub mod password;
pub mod role;
pub mod secret;
pub mod user;
