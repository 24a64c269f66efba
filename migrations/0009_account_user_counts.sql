-- How many users each account has, and how many of them are active, kept
-- by triggers whatever path writes (API, fixtures, resets, snapshot
-- restores, cascades from a deleted account or organization): a list with
-- no `where` answers its Elements-Total-Count from here instead of
-- counting its users (at a million users in one account, 25-30 ms a
-- count). `tests/api/user_counts.rs` checks it against the users after
-- every kind of write.
--
-- SQLite 3.37 syntax only (see README.md in this folder): the upsert
-- dates from 3.24.

CREATE TABLE account_user_counts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    users      INTEGER NOT NULL,
    active     INTEGER NOT NULL
);

INSERT INTO account_user_counts (account_id, users, active)
SELECT account_id, count(*), sum(active) FROM users GROUP BY account_id;

CREATE TRIGGER account_user_counts_after_insert AFTER INSERT ON users
BEGIN
    INSERT INTO account_user_counts (account_id, users, active)
    VALUES (NEW.account_id, 1, NEW.active)
    ON CONFLICT (account_id) DO UPDATE SET users = users + 1, active = active + excluded.active;
END;

CREATE TRIGGER account_user_counts_after_delete AFTER DELETE ON users
BEGIN
    UPDATE account_user_counts SET users = users - 1, active = active - OLD.active
    WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER account_user_counts_after_update AFTER UPDATE OF account_id, active ON users
WHEN OLD.account_id <> NEW.account_id OR OLD.active <> NEW.active
BEGIN
    UPDATE account_user_counts SET users = users - 1, active = active - OLD.active
    WHERE account_id = OLD.account_id;
    INSERT INTO account_user_counts (account_id, users, active)
    VALUES (NEW.account_id, 1, NEW.active)
    ON CONFLICT (account_id) DO UPDATE SET users = users + 1, active = active + excluded.active;
END;
