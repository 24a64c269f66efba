-- An index for every field `where=` filters users by, so that a filtered
-- page and its count stay fast as an account grows (a million users):
-- without one, SQLite walks the account's users in id order to fill a
-- page, and all of them to count.
--
-- Text fields are indexed folded, `lower(column)`: CEQL's LIKE ignores the
-- case of ASCII letters, as SQLite's `lower()` folds them, and the compiler
-- (`ceql::compile`) writes a LIKE with a literal prefix as a range over the
-- folded column beside the LIKE itself, and an equality as an equality of
-- the folded column beside the exact one. Within one folded value the
-- entries are in rowid (user id) order, the order of a page.
-- `tests/api/query_plans.rs` checks that each field's filters search
-- these indexes.
--
-- SQLite 3.37 syntax only (see README.md in this folder): expression
-- indexes date from 3.9.

CREATE INDEX users_account_first_name_folded ON users (account_id, lower(first_name));
CREATE INDEX users_account_last_name_folded ON users (account_id, lower(last_name));
CREATE INDEX users_account_full_name_folded
    ON users (account_id, lower(first_name || ' ' || last_name));
CREATE INDEX users_account_last_login ON users (account_id, last_login_date);
CREATE INDEX users_account_city_folded ON users (account_id, lower(city));
CREATE INDEX users_account_country_folded ON users (account_id, lower(country));
CREATE INDEX users_account_phone_folded ON users (account_id, lower(phone));
CREATE INDEX users_account_postal_code_folded ON users (account_id, lower(postal_code));
CREATE INDEX users_account_state_province_folded ON users (account_id, lower(state_province));
CREATE INDEX users_account_street1_folded ON users (account_id, lower(street1));
CREATE INDEX users_account_street2_folded ON users (account_id, lower(street2));

-- The exact last name: the folded index serves its equality and prefix
-- filters now, and one index less is one less to keep on every write.
DROP INDEX users_account_last_name;
