"""What bench/raw_sqlite.py and bench/create_floor.py share: a database
file made afresh, in the server's own settings."""
import os
import sqlite3


def connect_fresh(path):
    """Removes `path` and its WAL files if there, and opens it anew in
    autocommit mode (each script writes its own BEGIN and COMMIT)."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    return sqlite3.connect(path, isolation_level=None)


def use_server_settings(db):
    """WAL with synchronous=NORMAL, as the server opens its database."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
