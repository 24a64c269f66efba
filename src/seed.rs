//! Loading fixtures (SPEC §7): `--seed FILE` on a new database and
//! `POST /__admin/seed`. A fixture is validated whole, its passwords hashed
//! in parallel on every core, then inserted in one transaction: a fixture
//! that is invalid anywhere changes nothing.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::SqliteConnection;
use tokio::task::JoinSet;
use utoipa::ToSchema;

use crate::domain::fixture::{self, FixtureError, PlannedOrganization};
use crate::domain::password::{HashError, Password, PasswordHasher};
use crate::domain::secret::Secret;
use crate::store::accounts::{self, NewAccount};
use crate::store::users::{self, UserRecord};
use crate::store::{organizations, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The fixture is wrong; the message names the path.
    #[error("{0}")]
    Invalid(#[from] FixtureError),
    #[error("{0}")]
    Hash(#[from] HashError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// A validated fixture whose passwords are hashed: ready to insert.
#[derive(Debug)]
pub struct Prepared {
    organizations: Vec<PlannedOrganization>,
    /// One Argon2id hash per user, in the order `insert` walks them.
    hashes: Vec<String>,
}

/// Parses, validates and hashes. Slow (Argon2id), so done before any write
/// lock is taken, in parallel on every core, and once per distinct
/// password: fixtures tend to give thousands of users the same one, and
/// those users then share its hash. Users given no password share the hash
/// of one random password that nobody knows.
pub async fn prepare(bytes: &[u8], hasher: &PasswordHasher) -> Result<Prepared, SeedError> {
    let organizations = fixture::plan(bytes)?;
    let users = organizations
        .iter()
        .flat_map(|organization| &organization.accounts)
        .flat_map(|account| &account.users);
    let mut distinct: HashMap<String, usize> = HashMap::new();
    let mut passwords = Vec::new();
    let unknowable = Password::new(Secret::generate().expose());
    let slots: Vec<usize> = users
        .map(|user| {
            let password = user.password.as_ref().unwrap_or(&unknowable);
            *distinct
                .entry(password.expose().to_owned())
                .or_insert_with(|| {
                    passwords.push(password.clone());
                    passwords.len() - 1
                })
        })
        .collect();
    // One hash in flight per core: enough to use them all, and never more
    // than the hasher's queue accepts.
    let mut hashes = vec![String::new(); passwords.len()];
    let mut pending = passwords.into_iter().enumerate();
    let mut tasks = JoinSet::new();
    loop {
        while tasks.len() < hasher.parallelism() {
            let Some((index, password)) = pending.next() else {
                break;
            };
            let hasher = hasher.clone();
            tasks.spawn(async move { (index, hasher.hash(password).await) });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (index, hash) = joined.map_err(HashError::from)?;
        hashes[index] = hash?;
    }
    Ok(Prepared {
        organizations,
        hashes: slots.into_iter().map(|slot| hashes[slot].clone()).collect(),
    })
}

/// What was created: every id and secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedReport {
    pub organizations: Vec<SeededOrganization>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeededOrganization {
    pub id: i64,
    pub name: String,
    pub secret: String,
    pub accounts: Vec<SeededAccount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeededAccount {
    pub id: i64,
    pub name: String,
    pub default_account: bool,
    pub users: Vec<SeededUser>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeededUser {
    pub id: i64,
    pub email: String,
    pub secret: String,
    /// The ready `Authorization` header value for this user.
    pub authorization: String,
}

/// Inserts a prepared fixture inside the caller's write transaction.
pub async fn insert(
    conn: &mut SqliteConnection,
    prepared: &Prepared,
    today: &str,
) -> Result<SeedReport, SeedError> {
    let mut hashes = prepared.hashes.iter();
    let mut report = SeedReport {
        organizations: Vec::with_capacity(prepared.organizations.len()),
    };
    for organization in &prepared.organizations {
        let organization_id =
            organizations::insert(conn, &organization.name, &organization.secret, today)
                .await
                .map_err(|error| at(error, format!("{}.secret", organization.path)))?;
        let mut seeded_accounts = Vec::with_capacity(organization.accounts.len());
        for account in &organization.accounts {
            let account_id = accounts::insert(
                conn,
                NewAccount {
                    organization_id,
                    name: &account.name,
                    description: account.description.as_deref(),
                    external_id: account.external_id.as_deref(),
                    is_default: account.is_default,
                    created_date: today,
                },
            )
            .await
            .map_err(|error| at(error, format!("{}.externalId", account.path)))?;
            if account.is_default {
                organizations::record_fixture_origin(conn, organization_id, account_id, today)
                    .await?;
            }
            let mut seeded_users = Vec::with_capacity(account.users.len());
            for user in &account.users {
                let hash = hashes.next().ok_or_else(|| {
                    HashError::Argon2("fixture hashes out of step with its users".into())
                })?;
                let created_date = user.created_date.as_deref().unwrap_or(today);
                let id = users::insert(
                    conn,
                    UserRecord {
                        organization_id,
                        account_id,
                        user: &user.user,
                        password_hash: hash,
                        secret: &user.secret,
                        active: user.active,
                        created_date,
                    },
                )
                .await
                .map_err(|error| at(error, format!("{}.secret", user.path)))?;
                seeded_users.push(SeededUser {
                    id,
                    email: user.user.email.as_str().to_owned(),
                    secret: user.secret.expose().to_owned(),
                    authorization: format!(
                        "User {}, Organization {}",
                        user.secret.expose(),
                        organization.secret.expose()
                    ),
                });
            }
            seeded_accounts.push(SeededAccount {
                id: account_id,
                name: account.name.clone(),
                default_account: account.is_default,
                users: seeded_users,
            });
        }
        report.organizations.push(SeededOrganization {
            id: organization_id,
            name: organization.name.clone(),
            secret: organization.secret.expose().to_owned(),
            accounts: seeded_accounts,
        });
    }
    Ok(report)
}

/// Within a fixture, emails and external ids were already checked for
/// duplicates, so the only clash left is with secrets already in the
/// database; it is reported at the path of the value that clashed.
fn at(error: StoreError, path: String) -> SeedError {
    match error {
        StoreError::Conflict(_) => SeedError::Invalid(FixtureError::at(path, "already in use")),
        other => SeedError::Store(other),
    }
}
