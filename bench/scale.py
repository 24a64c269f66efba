"""Fills the default account of a database localelements made (schema,
organization, org-admin) with N more users, by SQL, for the scale section
of bench/run.sh. This is not the server's fixture loader: it writes rows
the way the server's own schema keeps them (the triggers of migration 0003
render each user's JSON) and times that; the indexes are dropped first and
built again after, as a bulk load would. Every user gets the role `org`,
as in a default account; secrets and password hashes are placeholders
(these users never sign in).

Value spread, per n in 0..N: firstName one of 5,000; lastName `L<n>`
(unique); email `u<n>@scale.test`; city one of 1,000 (`Oslo` among them);
country one of 200; stateProvince one of 500; postalCode one of 10,000;
phone unique; street1 unique; street2 on one user in ten; createdDate and
lastLoginDate over 3,000 days; a fifth inactive.

Usage: scale.py DB N; prints "<seconds> <users/s>".
"""
import sqlite3
import sys
import time

path, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("PRAGMA cache_size=-262144")
org, account = db.execute(
    "SELECT organization_id, id FROM accounts WHERE is_default = 1 ORDER BY id LIMIT 1").fetchone()
first = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM users").fetchone()[0]
indexes = db.execute(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' "
    "AND sql IS NOT NULL").fetchall()
start = time.perf_counter()
db.execute("BEGIN")
for name, _ in indexes:
    db.execute(f'DROP INDEX "{name}"')
# Roles first: their trigger finds no user yet, and the user's own insert
# trigger then renders the JSON with the role in it.
db.execute(
    """WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?)
       INSERT INTO user_roles (user_id, role_key) SELECT ? + i, 'org' FROM k""",
    (n, first))
db.execute(
    """WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?)
       INSERT INTO users (id, organization_id, account_id, first_name, last_name, email,
           email_lower, password_hash, secret, secret_digest, active, created_date,
           last_login_date, city, country, phone, postal_code, state_province, street1, street2)
       SELECT ? + i, ?, ?, 'First' || ((i * 7919) % 5000), 'L' || i,
           'u' || i || '@scale.test', 'u' || i || '@scale.test', 'placeholder',
           'scale-' || i, CAST('scale-' || i AS BLOB), (i % 5) <> 4,
           date('2015-01-01', '+' || (i % 3000) || ' days'),
           date('2016-01-01', '+' || ((i * 13) % 3000) || ' days'),
           CASE WHEN i % 1000 = 0 THEN 'Oslo' ELSE 'City' || (i % 1000) END,
           'Country' || (i % 200), '+47 ' || (10000000 + i), printf('%05d', (i * 31) % 10000),
           'State' || (i % 500), i || ' Main Street',
           CASE WHEN i % 10 = 0 THEN 'Floor ' || (i % 40) END
       FROM k""",
    (n, first, org, account))
for _, sql in indexes:
    db.execute(sql)
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
elapsed = time.perf_counter() - start
print(f"{elapsed:.1f} {n / elapsed:.0f}")
