//! No caller can hurt the others: each attack on the limits of
//! README.md#hard-to-break, repeated, leaves other tenants served, gives no
//! 500 and leaks nothing. Small bounds configured per test keep them fast.

mod admin;
mod connections;
mod leaks;
mod passwords;
mod races;
mod work;
