-- The whole state of the stand-in: organizations (tenants), their accounts,
-- the users of those accounts and the roles each user holds.
-- Never edit a migration once it has been applied; add a new one.

CREATE TABLE organizations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    -- Kept as text because it is configuration the operator chose or was
    -- shown; looked up by digest so a request never scans for it.
    secret        TEXT    NOT NULL,
    secret_digest BLOB    NOT NULL UNIQUE,
    created_date  TEXT    NOT NULL
);

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    description     TEXT,
    external_id     TEXT,
    is_default      INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_date    TEXT    NOT NULL
);

-- Exactly one default account per organization.
CREATE UNIQUE INDEX accounts_one_default ON accounts (organization_id) WHERE is_default = 1;
CREATE UNIQUE INDEX accounts_external_id ON accounts (organization_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX accounts_organization ON accounts (organization_id, id);

CREATE TABLE users (
    -- AUTOINCREMENT: an id is never handed out twice, even after a delete,
    -- so a stale id in a client can never reach somebody else.
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    first_name      TEXT    NOT NULL,
    last_name       TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    -- Emails are unique and compared case-insensitively (Unicode-aware
    -- lowercasing done in Rust; SQLite's NOCASE folds ASCII only).
    email_lower     TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    secret_digest   BLOB    NOT NULL UNIQUE,
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_date    TEXT    NOT NULL,
    last_login_date TEXT    NOT NULL,
    city            TEXT,
    country         TEXT,
    phone           TEXT,
    postal_code     TEXT,
    state_province  TEXT,
    street1         TEXT,
    street2         TEXT
);

CREATE UNIQUE INDEX users_email_per_org ON users (organization_id, email_lower);
CREATE INDEX users_account ON users (account_id, id);
CREATE INDEX users_organization ON users (organization_id, id);
-- The filters clients use most in `where=` (CEQL).
CREATE INDEX users_account_active ON users (account_id, active, id);
CREATE INDEX users_account_created ON users (account_id, created_date);
CREATE INDEX users_account_last_name ON users (account_id, last_name);
CREATE INDEX users_account_email ON users (account_id, email_lower);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_key TEXT    NOT NULL,
    PRIMARY KEY (user_id, role_key)
) WITHOUT ROWID;

CREATE INDEX user_roles_by_key ON user_roles (role_key, user_id);
