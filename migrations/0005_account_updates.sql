-- Accounts as the real service shows them: the day each was last changed
-- (`updatedDate`). Existing accounts were last changed when made, as far
-- as anyone can tell.
ALTER TABLE accounts ADD COLUMN updated_date TEXT NOT NULL DEFAULT '';
UPDATE accounts SET updated_date = created_date;
