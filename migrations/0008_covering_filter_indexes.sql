-- The filter indexes of 0006, each with what a default list also asks
-- (`active`, since inactive users are hidden unless asked for) and, for
-- text, the exact column beside the folded one: a filtered count is then
-- answered from the index alone. An equality searches the folded value and
-- compares the exact one, a LIKE reads the column it matches, and neither
-- reads a user's row for each candidate. At a million users in one account
-- a count of 25,000 matches read 25,000 rows (about 45 ms); from the index
-- it reads about a hundred pages (about 2 ms).
--
-- Same names, so that plans (`/__admin/explain`) name the same indexes.
-- SQLite 3.37 syntax only (see README.md in this folder).

DROP INDEX users_account_first_name_folded;
CREATE INDEX users_account_first_name_folded
    ON users (account_id, lower(first_name), first_name, active);
DROP INDEX users_account_last_name_folded;
CREATE INDEX users_account_last_name_folded
    ON users (account_id, lower(last_name), last_name, active);
DROP INDEX users_account_full_name_folded;
CREATE INDEX users_account_full_name_folded
    ON users (account_id, lower(first_name || ' ' || last_name), first_name, last_name, active);
DROP INDEX users_account_city_folded;
CREATE INDEX users_account_city_folded ON users (account_id, lower(city), city, active);
DROP INDEX users_account_country_folded;
CREATE INDEX users_account_country_folded ON users (account_id, lower(country), country, active);
DROP INDEX users_account_phone_folded;
CREATE INDEX users_account_phone_folded ON users (account_id, lower(phone), phone, active);
DROP INDEX users_account_postal_code_folded;
CREATE INDEX users_account_postal_code_folded
    ON users (account_id, lower(postal_code), postal_code, active);
DROP INDEX users_account_state_province_folded;
CREATE INDEX users_account_state_province_folded
    ON users (account_id, lower(state_province), state_province, active);
DROP INDEX users_account_street1_folded;
CREATE INDEX users_account_street1_folded
    ON users (account_id, lower(street1), street1, active);
DROP INDEX users_account_street2_folded;
CREATE INDEX users_account_street2_folded
    ON users (account_id, lower(street2), street2, active);
DROP INDEX users_account_last_login;
CREATE INDEX users_account_last_login ON users (account_id, last_login_date, active);
DROP INDEX users_account_created;
CREATE INDEX users_account_created ON users (account_id, created_date, active);
DROP INDEX users_account_email;
CREATE INDEX users_account_email ON users (account_id, email_lower, active);
