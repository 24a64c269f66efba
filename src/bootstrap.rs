//! First start: create the organization, its default account and its
//! org-admin (docs/api.md#bootstrap); later starts: find the credentials to print.

use crate::config::Config;
use crate::domain::password::Password;
use crate::domain::secret::Secret;
use crate::domain::user::Email;
use crate::service::organizations::NewOrganizationInput;
use crate::service::{self, fixtures, Services};
use crate::store::organizations::{self, OriginKind};
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
        crate::auth::authorization(self.user_secret.expose(), self.org_secret.expose())
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
    /// The fixture is wrong (its message names the place), or loading it
    /// failed for another reason.
    #[error("{}", seed_failure(.0))]
    Seed(#[from] fixtures::SeedError),
}

fn seed_failure(error: &fixtures::SeedError) -> String {
    match error {
        fixtures::SeedError::Invalid(_) => format!("invalid seed file: {error}"),
        _ => format!("cannot load the seed file: {error}"),
    }
}

/// Creates the first organization on an empty database; on a database that
/// already holds one, changes nothing and reads back what to print.
pub async fn ensure(services: &Services, config: &Config) -> Result<Credentials, BootstrapError> {
    let store = &services.store;
    if organizations::any_exists(store.reader()).await? {
        warn_seed_skipped(config);
        return existing(services).await;
    }
    let (admin_password, generated_password) = match &config.admin_password {
        Some(given) => (Password::new(given.clone()), None),
        None => {
            let generated = Password::new(Secret::generate().expose());
            (generated.clone(), Some(generated))
        }
    };
    let input = NewOrganizationInput {
        name: DEFAULT_ORGANIZATION_NAME.to_owned(),
        org_secret: chosen_secret("--org-secret", config.org_secret.as_deref())?,
        user_secret: chosen_secret("--user-secret", config.user_secret.as_deref())?,
        admin_email: Email::parse(&config.admin_email).map_err(BootstrapError::AdminEmail)?,
        admin_password,
    };
    let organization = service::organizations::prepare(services, input).await?;
    // Opened now, so that a missing file is said before anything is written.
    let fixture = match &config.seed {
        Some(path) => Some(
            fixtures::Source::file(path.clone())
                .map_err(|e| BootstrapError::SeedFile(path.clone(), e))?,
        ),
        None => None,
    };
    let today = services.clock.today();
    let mut tx = store.begin_write().await?;
    // Another process may have bootstrapped the same file meanwhile.
    if organizations::any_exists(&mut *tx).await? {
        drop(tx);
        warn_seed_skipped(config);
        return existing(services).await;
    }
    service::organizations::insert(&mut tx, OriginKind::Server, &organization, &today).await?;
    // The fixture goes in with the bootstrap in one transaction: a bad
    // fixture (or a load interrupted by a signal) leaves the database
    // empty, so the next start tries it again.
    match fixture {
        Some(source) => {
            let mut progress = fixtures::Progress::on_stderr(source.name());
            let loaded = fixtures::load(
                &mut tx,
                source,
                fixtures::Hashes::new(&services.hasher),
                &today,
                &mut progress,
                false,
            )
            .await?;
            tx.commit().await?;
            progress.finish(&loaded.summary);
        }
        None => tx.commit().await?,
    }
    let mut credentials = existing(services).await?;
    credentials.generated_password = generated_password;
    Ok(credentials)
}

/// A fixture only loads into a new database; one given for a database
/// with data is said to be skipped rather than ignored in silence.
fn warn_seed_skipped(config: &Config) {
    if let Some(seed) = &config.seed {
        tracing::warn!(
            "--seed {}: not loaded, because the database {} already holds data \
             (a fixture loads into a new database only)",
            seed.display(),
            config.database
        );
    }
}

async fn existing(services: &Services) -> Result<Credentials, BootstrapError> {
    let found = organizations::bootstrap_credentials(services.store.reader())
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
