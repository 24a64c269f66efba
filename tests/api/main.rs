//! The integration tests, compiled as one binary (`cargo test --test api`):
//! one module per area, all sharing the harness in `common/`. One binary
//! links the library and the harness once instead of once per file.
//!
//! Run one area with `cargo test --test api users::` (the module path is the
//! test-name prefix), one test by its name as usual.

mod common;

mod accounts;
mod auth;
mod ceql_differential;
mod cli;
mod console;
mod container_healthcheck;
mod controls;
mod cors;
mod durability;
mod embedding;
mod group_commit;
mod hang_ups;
mod hardening;
mod leaks;
mod lifecycle;
mod list_cache;
mod openapi;
mod org_users;
mod organizations;
mod query_plans;
mod read_model;
mod seed;
mod sqlite_shell;
mod startup;
mod tenants;
mod user_counts;
mod users;
mod r#where;
