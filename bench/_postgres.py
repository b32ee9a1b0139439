"""The benchmarks' PostgreSQL databases: created on first use, so a fresh machine needs no setup."""

from __future__ import annotations


def ensure_database(url: str, *, fresh: bool = False) -> bool:
    """Create the database named in `url` if it is missing (or drop and recreate it when `fresh`).

    Returns False, after saying why, when PostgreSQL cannot be reached.
    """
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            if fresh:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"skipped: PostgreSQL is not reachable ({error})")
        return False
    return True
