-- Accounts as the real service shows them: the day each was last changed
-- (`updatedDate`). Existing accounts were last changed when made, as far
-- as anyone can tell.
ALTER TABLE accounts ADD COLUMN updated_date TEXT NOT NULL DEFAULT '';
UPDATE accounts SET updated_date = created_date;

-- The roles of an account: every user created in it afterwards starts
-- with them, beside any the create asks for.
CREATE TABLE account_roles (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role_key   TEXT    NOT NULL,
    PRIMARY KEY (account_id, role_key)
) WITHOUT ROWID;
