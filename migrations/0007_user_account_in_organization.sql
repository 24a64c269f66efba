-- A user's account is one of the user's own organization's accounts, as
-- the foreign keys alone do not say. A create reads the account before
-- its write transaction (the password is hashed in between) and relies on
-- the insert to refuse an account that has gone since: the foreign key
-- catches a deleted account, this catches an id that now names another
-- organization's account (a snapshot restore rewinds the id sequence, so
-- an id can come back). The store answers it as "no such account".
CREATE TRIGGER users_account_in_organization
BEFORE INSERT ON users
WHEN NOT EXISTS (
    SELECT 1 FROM accounts a
    WHERE a.id = NEW.account_id AND a.organization_id = NEW.organization_id
)
BEGIN
    SELECT RAISE(ABORT, 'account_not_in_organization');
END;
