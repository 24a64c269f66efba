-- How many users of each account hold each role, and how many of those are
-- active, kept by triggers as 0009 keeps the users: a list whose `where`
-- is only `roles = '<key>'` answers its Elements-Total-Count from here (a
-- role held by 800,000 users of one account took about 730 ms to count).
-- `tests/api/user_counts.rs` checks it against the users after every
-- kind of write.
--
-- A user's delete takes their roles with it by the foreign key's cascade,
-- which SQLite runs after the user's row is gone: the user's own trigger
-- counts their roles out, and a role's trigger only counts out a role
-- taken from a user who is still there.
--
-- SQLite 3.37 syntax only (see README.md in this folder).

CREATE TABLE account_role_counts (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role_key   TEXT    NOT NULL,
    users      INTEGER NOT NULL,
    active     INTEGER NOT NULL,
    PRIMARY KEY (account_id, role_key)
) WITHOUT ROWID;

INSERT INTO account_role_counts (account_id, role_key, users, active)
SELECT u.account_id, r.role_key, count(*), sum(u.active)
FROM user_roles r JOIN users u ON u.id = r.user_id
GROUP BY u.account_id, r.role_key;

CREATE TRIGGER account_role_counts_after_grant AFTER INSERT ON user_roles
BEGIN
    INSERT INTO account_role_counts (account_id, role_key, users, active)
    SELECT u.account_id, NEW.role_key, 1, u.active FROM users u WHERE u.id = NEW.user_id
    ON CONFLICT (account_id, role_key) DO UPDATE
        SET users = users + 1, active = active + excluded.active;
END;

CREATE TRIGGER account_role_counts_after_revoke AFTER DELETE ON user_roles
BEGIN
    UPDATE account_role_counts
    SET users = users - 1,
        active = active - (SELECT u.active FROM users u WHERE u.id = OLD.user_id)
    WHERE role_key = OLD.role_key
      AND account_id = (SELECT u.account_id FROM users u WHERE u.id = OLD.user_id);
END;

CREATE TRIGGER account_role_counts_before_user_delete BEFORE DELETE ON users
BEGIN
    UPDATE account_role_counts SET users = users - 1, active = active - OLD.active
    WHERE account_id = OLD.account_id
      AND role_key IN (SELECT r.role_key FROM user_roles r WHERE r.user_id = OLD.id);
END;

CREATE TRIGGER account_role_counts_after_user_update
AFTER UPDATE OF account_id, active ON users
WHEN OLD.account_id <> NEW.account_id OR OLD.active <> NEW.active
BEGIN
    UPDATE account_role_counts SET users = users - 1, active = active - OLD.active
    WHERE account_id = OLD.account_id
      AND role_key IN (SELECT r.role_key FROM user_roles r WHERE r.user_id = NEW.id);
    INSERT INTO account_role_counts (account_id, role_key, users, active)
    SELECT NEW.account_id, r.role_key, 1, NEW.active FROM user_roles r WHERE r.user_id = NEW.id
    ON CONFLICT (account_id, role_key) DO UPDATE
        SET users = users + 1, active = active + excluded.active;
END;
