"""The physical reference for bench/run.sh: how many single-row write
transactions a second SQLite itself commits on this machine, from Python's
sqlite3 module, in WAL mode with synchronous=NORMAL (the server's own
settings). Each transaction inserts one row of about a user's size into a
table with a unique index, and commits.

Usage: raw_sqlite.py DB_PATH SECONDS; prints "<transactions/s> <seconds of CPU>".
"""
import sys
import time

from fresh_sqlite import connect_fresh, use_server_settings

path, seconds = sys.argv[1], float(sys.argv[2])
db = connect_fresh(path)
use_server_settings(db)
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL)")
body = "x" * 600
n = 0
cpu0 = time.process_time()
start = time.perf_counter()
deadline = start + seconds
while True:
    for _ in range(100):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (email, body) VALUES (?, ?)", (f"user{n}@raw.test", body))
        db.execute("COMMIT")
        n += 1
    if time.perf_counter() >= deadline:
        break
elapsed = time.perf_counter() - start
print(f"{n / elapsed:.0f} {time.process_time() - cpu0:.2f}")
