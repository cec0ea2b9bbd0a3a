"""PostgreSQL for the tests: a fresh database per use on the local server (127.0.0.1:5432, trust auth).

Where no PostgreSQL answers, the tests that need it are skipped locally but fail under CI (CI=true),
so a CI machine without the database never passes silently.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager


ADMIN_URL = os.environ.get("FAKE_SEFAZ_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no database here"
        return str(exc)


@contextmanager
def fresh_postgres():
    problem = _available()
    if problem:
        from support import missing_service

        missing_service("PostgreSQL", f"{ADMIN_URL}: {problem}", "it runs on 127.0.0.1:5432 on these machines")
    import psycopg

    name = "fake_sefaz_test_" + uuid.uuid4().hex[:10]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
