//! `sqlx::migrate!` embeds `migrations/` at compile time, but on stable Rust
//! it cannot tell Cargo to watch the folder: without this, a new migration
//! file is missed until something else makes the library recompile.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
