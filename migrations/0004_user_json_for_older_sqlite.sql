-- The `user_json` view of 0003, rewritten so that the `sqlite3` shell of
-- common distributions (SQLite 3.37 and later: Debian 12, Ubuntu 22.04) can
-- read the database file. 0003 ordered the roles with an ORDER BY inside
-- the aggregate, `json_group_array(... ORDER BY r.id)`, which only SQLite
-- 3.44 and later parse; an older shell rejects the whole schema ("malformed
-- database schema (user_json)") and so every query on the file. 0003 stays
-- as it was applied (sqlx checks the checksums of applied migrations).
--
-- Same output, byte for byte: the roles are ordered in a subquery and the
-- aggregate reads them in that order (SQLite does not flatten a subquery
-- with ORDER BY into an aggregate query, so the rows reach
-- `json_group_array` sorted). `json_object` is called by the aggregate
-- itself, as before, so each role is added as JSON, not as a string.
-- `tests/api/read_model.rs` compares the stored JSON with the Rust
-- rendering after every kind of write, and `tests/api/sqlite_shell.rs`
-- reads a file the server wrote with the system's `sqlite3`.
--
-- The triggers of 0003 name the view only in their bodies, which SQLite
-- resolves when they run; they stay as they are and use this view.
--
-- Every statement here is SQLite 3.37 syntax: no `->`/`->>` or
-- `unixepoch()` (3.38), no RIGHT/FULL JOIN or IS DISTINCT FROM (3.39), no
-- ORDER BY inside an aggregate (3.44).

DROP VIEW user_json;

-- Key order as the published API page shows it; optional address fields only when
-- set (a JSON merge patch drops the nulls).
CREATE VIEW user_json (id, json) AS
SELECT u.id, json_patch(
    json_object(
        'id', u.id,
        'createdDate', u.created_date,
        'firstName', u.first_name,
        'lastName', u.last_name,
        'fullName', u.first_name || ' ' || u.last_name,
        'email', u.email,
        'password', 'secured',
        'active', json(CASE WHEN u.active THEN 'true' ELSE 'false' END),
        'enabled', json(CASE WHEN u.active THEN 'true' ELSE 'false' END),
        'roles', (
            SELECT json_group_array(
                json_object('id', ordered.id, 'key', ordered.key, 'name', ordered.name,
                            'description', ordered.description, 'active', json('true'),
                            'features', json('[]')))
            FROM (
                SELECT r.id, r.key, r.name, r.description
                FROM user_roles ur JOIN roles r ON r.key = ur.role_key
                WHERE ur.user_id = u.id
                ORDER BY r.id) AS ordered),
        'lastLoginDate', u.last_login_date,
        'accountExpired', json('false'),
        'accountLocked', json('false'),
        'credentialsExpired', json('false'),
        'accountNonExpired', json('true'),
        'accountNonLocked', json('true'),
        'credentialsNonExpired', json('true'),
        'emailValid', json('true')),
    json_object(
        'city', u.city,
        'country', u.country,
        'phone', u.phone,
        'postalCode', u.postal_code,
        'stateProvince', u.state_province,
        'street1', u.street1,
        'street2', u.street2))
FROM users u;
