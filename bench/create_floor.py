"""The second reference of bench/run.sh: how many users a second SQLite
itself creates on this machine with the server's own schema (its indexes,
the triggers that render each user's JSON and keep the counts), without
HTTP, threads or the server. A copy of the server's database (SQLite's
backup API, so the server may keep running) gets the statements of a
create (store::users::CREATE_SCRIPT: the row, its roles, the user read
back), 8 creates to a transaction, each in its own savepoint, as the
server's group commit runs them. The statements are copied here from the
server's source: keep them in step with it.

Usage: create_floor.py SOURCE_DB COPY_DB SECONDS
prints "<creates/s> <microseconds of CPU per create>".
"""
import hashlib
import secrets
import sqlite3
import sys
import time

from fresh_sqlite import connect_fresh, use_server_settings

source, copy, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
db = connect_fresh(copy)
with sqlite3.connect(source) as original:
    original.backup(db)
use_server_settings(db)
db.execute("PRAGMA foreign_keys=ON")
db.execute("PRAGMA temp_store=MEMORY")
# The account with the most users, as the bench's writes create in it: a
# user's index entries go among those of the users already there.
account_id, organization_id = db.execute(
    "SELECT account_id, organization_id FROM users "
    "GROUP BY account_id ORDER BY count(*) DESC LIMIT 1"
).fetchone()

INSERT = (
    "INSERT INTO users (organization_id, account_id, first_name, last_name, email, "
    "email_lower, password_hash, secret, secret_digest, active, created_date, "
    "last_login_date, city, country, phone, postal_code, state_province, street1, street2) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ROLES = (
    "INSERT INTO user_roles (user_id, role_key) "
    "SELECT last_insert_rowid(), r.key FROM roles r WHERE r.key IN (?, ?, ?, ?) "
    "UNION SELECT last_insert_rowid(), a.role_key FROM account_roles a WHERE a.account_id = ?"
)
READ = (
    "SELECT u.id, u.organization_id, u.account_id, u.email, u.secret, u.active, u.json, "
    "(SELECT group_concat(r.role_key) FROM user_roles r WHERE r.user_id = u.id) AS roles "
    "FROM users u WHERE u.id = last_insert_rowid()"
)
# The shape of a hash under --fast-password-hashing.
PASSWORD_HASH = "$argon2id$v=19$m=8,t=1,p=1$" + "s" * 22 + "$" + "h" * 43
PER_TRANSACTION = 8

n = 0
cpu0 = time.process_time()
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    db.execute("BEGIN IMMEDIATE")
    for _ in range(PER_TRANSACTION):
        db.execute("SAVEPOINT job")
        secret = secrets.token_urlsafe(32)
        email = f"floor{n}@floor.test"
        db.execute(INSERT, (
            organization_id, account_id, "Floor", f"User{n}", email, email, PASSWORD_HASH,
            secret, hashlib.sha256(secret.encode()).digest(), 1, "2026-01-01", "2026-01-01",
            "Oslo", "Norway", "+47 12345678", "0150", "Oslo", f"{n} Main Street", None,
        ))
        db.execute(ROLES, ("org", None, None, None, account_id))
        db.execute(READ).fetchall()
        db.execute("RELEASE job")
        n += 1
    db.execute("COMMIT")
elapsed = time.perf_counter() - start
print(f"{n / elapsed:.0f} {(time.process_time() - cpu0) / n * 1e6:.0f}")
