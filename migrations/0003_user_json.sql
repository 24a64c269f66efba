-- A read model: each user's JSON (SPEC §4.7, without `secret`) kept ready
-- in `users.json`, so that lists and lookups send stored text instead of
-- decoding columns and encoding JSON on every read. Triggers keep it in
-- step with every write, whatever code path makes it (API, fixtures,
-- resets, snapshot restores); `tests/read_model.rs` checks it against the
-- Rust rendering (`api::wire::UserJson`).

-- The role catalogue of SPEC §1, as `domain::role::Role` has it.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL
);
INSERT INTO roles (id, key, name, description) VALUES
    (1, 'sys-admin', 'System Administrator', 'Administers the whole platform'),
    (2, 'org-admin', 'Organization Administrator', 'Manages every account and user of the organization'),
    (3, 'admin', 'Administrator', 'Manages the users of one account'),
    (4, 'org', 'Organization User', 'A user of the organization''s default account');

ALTER TABLE users ADD COLUMN json TEXT NOT NULL DEFAULT '{}';

-- Key order as the seed page shows it; optional address fields only when
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
                json_object('id', r.id, 'key', r.key, 'name', r.name,
                            'description', r.description, 'active', json('true'),
                            'features', json('[]'))
                ORDER BY r.id)
            FROM user_roles ur JOIN roles r ON r.key = ur.role_key
            WHERE ur.user_id = u.id),
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

CREATE TRIGGER users_json_after_insert AFTER INSERT ON users
BEGIN
    UPDATE users SET json = (SELECT json FROM user_json WHERE id = NEW.id) WHERE id = NEW.id;
END;

-- Every column the JSON shows; not `json` itself, so it cannot loop.
CREATE TRIGGER users_json_after_update
AFTER UPDATE OF first_name, last_name, email, active, created_date, last_login_date,
                city, country, phone, postal_code, state_province, street1, street2
ON users
BEGIN
    UPDATE users SET json = (SELECT json FROM user_json WHERE id = NEW.id) WHERE id = NEW.id;
END;

CREATE TRIGGER user_roles_json_after_insert AFTER INSERT ON user_roles
BEGIN
    UPDATE users SET json = (SELECT json FROM user_json WHERE id = NEW.user_id) WHERE id = NEW.user_id;
END;

CREATE TRIGGER user_roles_json_after_delete AFTER DELETE ON user_roles
BEGIN
    UPDATE users SET json = (SELECT json FROM user_json WHERE id = OLD.user_id) WHERE id = OLD.user_id;
END;

-- Users that exist already (databases made before this migration).
UPDATE users SET json = (SELECT json FROM user_json WHERE user_json.id = users.id);
