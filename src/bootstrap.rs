//! First start: create the organization, its default account and its
//! org-admin (SPEC §2); later starts: find the credentials to print.

use crate::config::Config;
use crate::domain::password::Password;
use crate::domain::secret::Secret;
use crate::domain::user::{Email, NewUser};
use crate::state::AppState;
use crate::store::organizations::{self, NewOrganization, OriginKind};
use crate::store::StoreError;

pub const DEFAULT_ORGANIZATION_NAME: &str = "localelements";

/// What start-up prints: the ready `Authorization` header, and the
/// org-admin's password when this start generated it.
#[derive(Clone)]
pub struct Credentials {
    pub organization_id: i64,
    pub default_account_id: i64,
    pub admin_user_id: i64,
    pub admin_email: String,
    pub org_secret: Secret,
    pub user_secret: Secret,
    pub generated_password: Option<Password>,
}

impl Credentials {
    pub fn authorization(&self) -> String {
        format!(
            "User {}, Organization {}",
            self.user_secret.expose(),
            self.org_secret.expose()
        )
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("organization_id", &self.organization_id)
            .field("default_account_id", &self.default_account_id)
            .field("admin_user_id", &self.admin_user_id)
            .field("admin_email", &self.admin_email)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("invalid {0}: {1}")]
    Secret(&'static str, &'static str),
    #[error("invalid --admin-email: {0}")]
    AdminEmail(crate::domain::user::Invalid),
    #[error("{0}")]
    Hash(#[from] crate::domain::password::HashError),
    #[error("the database has organizations but no active org-admin to print credentials for")]
    NoAdmin,
    #[error("cannot read the seed file {0}: {1}")]
    SeedFile(std::path::PathBuf, std::io::Error),
    #[error("invalid seed file: {0}")]
    Seed(#[from] crate::seed::SeedError),
}

/// Creates the first organization on an empty database; on a database that
/// already holds one, changes nothing and reads back what to print.
pub async fn ensure(state: &AppState, config: &Config) -> Result<Credentials, BootstrapError> {
    if organizations::any_exists(state.store.reader()).await? {
        return existing(state).await;
    }
    let org_secret = chosen_secret("--org-secret", config.org_secret.as_deref())?;
    let user_secret = chosen_secret("--user-secret", config.user_secret.as_deref())?;
    let (password, generated_password) = match &config.admin_password {
        Some(given) => (Password::new(given.clone()), None),
        None => {
            let generated = Password::new(Secret::generate().expose());
            (generated.clone(), Some(generated))
        }
    };
    let admin =
        NewUser::org_admin(Email::parse(&config.admin_email).map_err(BootstrapError::AdminEmail)?);
    let hash = state.hasher.hash(password).await?;
    // The fixture is read, checked and hashed before anything is written, and
    // then goes in with the bootstrap in one transaction: a bad fixture
    // leaves the database empty, so the next start tries it again.
    let fixture = match &config.seed {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| BootstrapError::SeedFile(path.clone(), e))?;
            Some(crate::seed::prepare(&bytes, &state.hasher).await?)
        }
        None => None,
    };
    let today = state.clock.today();
    let mut tx = state.store.begin_write().await?;
    // Another process may have bootstrapped the same file meanwhile.
    if organizations::any_exists(&mut *tx).await? {
        drop(tx);
        return existing(state).await;
    }
    organizations::create(
        &mut tx,
        NewOrganization {
            kind: OriginKind::Server,
            name: DEFAULT_ORGANIZATION_NAME,
            secret: &org_secret,
            admin: &admin,
            admin_password_hash: &hash,
            admin_secret: &user_secret,
            today: &today,
        },
    )
    .await?;
    if let Some(fixture) = &fixture {
        crate::seed::insert(&mut tx, fixture, &today).await?;
    }
    tx.commit().await?;
    let mut credentials = existing(state).await?;
    credentials.generated_password = generated_password;
    Ok(credentials)
}

async fn existing(state: &AppState) -> Result<Credentials, BootstrapError> {
    let found = organizations::bootstrap_credentials(state.store.reader())
        .await?
        .ok_or(BootstrapError::NoAdmin)?;
    Ok(Credentials {
        organization_id: found.organization_id,
        default_account_id: found.default_account_id,
        admin_user_id: found.user_id,
        admin_email: found.user_email,
        org_secret: Secret::new(found.organization_secret),
        user_secret: Secret::new(found.user_secret),
        generated_password: None,
    })
}

/// A configured secret, checked, or a generated one.
fn chosen_secret(flag: &'static str, given: Option<&str>) -> Result<Secret, BootstrapError> {
    Secret::chosen_or_generated(given).map_err(|problem| BootstrapError::Secret(flag, problem))
}
