-- What an organization was created with, so that `reset` can return it to
-- exactly that state: the same default account id, and the same org-admin
-- (id, email, password, secret). Organizations loaded from a fixture have
-- no org-admin of their own here; their reset leaves the default account.
CREATE TABLE organization_origins (
    organization_id     INTEGER PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- 'server': bootstrapped at start-up (what `/__admin/reset` keeps);
    -- 'tenant': made by `POST /__admin/organizations`; 'fixture': seeded.
    kind                TEXT    NOT NULL CHECK (kind IN ('server', 'tenant', 'fixture')),
    default_account_id  INTEGER NOT NULL,
    admin_user_id       INTEGER,
    admin_first_name    TEXT,
    admin_last_name     TEXT,
    admin_email         TEXT,
    admin_password_hash TEXT,
    admin_secret        TEXT,
    created_date        TEXT    NOT NULL
);
