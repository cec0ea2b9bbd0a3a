"""Upgrades keep data (issue 13): the store carries a schema version; a database written before versioning (the
fixture store-v1.sqlite, built by commit e1e4fdf's code with tests/fixtures/make_store_v1.py) opens with every
document, event, taxpayer and sequence intact; a database newer than the code is refused in one line."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support import server_settings
from support.db import fresh_postgres
from fake_sefaz.emitter.client import SoapClient, cons_sit_nfe
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.store import open_store
from fake_sefaz.store.migrations import LATEST, SchemaTooNew

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1.sqlite"
N = "{http://www.portalfiscal.inf.br/nfe}"
KEYS = {"35261280705473000123550050000001011582029380": ("135260000000001", 101),
        "35261280705473000123550050000001021062522216": ("135260000000002", 100),  # with a CC-e
        "35261280705473000123550050000001031735170177": ("135260000000003", 100)}


def _copy(tmp_path) -> Path:
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    return db


def _version(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT version FROM schema_version").fetchone()[0]


def test_new_database_gets_the_latest_version(tmp_path):
    open_store(f"sqlite:///{tmp_path}/new.db").close()
    assert _version(tmp_path / "new.db") == LATEST


def test_database_of_the_previous_release_opens_intact(tmp_path, pki):
    db = _copy(tmp_path)
    with sqlite3.connect(db) as c:
        assert not c.execute("SELECT name FROM sqlite_master WHERE name = 'schema_version'").fetchall()
        before = {t: c.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                  for t in ("documents", "events", "taxpayers", "sequences", "inutilizations", "csc_tokens")}
    store = open_store(f"sqlite:///{db}")
    store.close()
    assert _version(db) == LATEST
    with sqlite3.connect(db) as c:
        after = {t: c.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in before}
        assert after == before
        assert (len(after["documents"]), len(after["events"]), len(after["inutilizations"])) == (3, 2, 1)
        assert c.execute("SELECT value FROM sequences WHERE name = 'nProt:35'").fetchone() == (6,)
        assert c.execute("SELECT xNome FROM taxpayers WHERE doc = '11222333000181'").fetchone() == ("LOJA DA MIGRACAO",)

    # the upgraded database serves its documents: consSitNFe answers the stored situation and protocol
    settings = server_settings(pki, tmp_path, database_url=f"sqlite:///{db}")
    with ThreadedServer(settings=settings) as srv:
        client = SoapClient(srv.url)
        for key, (nprot, cstat) in KEYS.items():
            r = client.call(cons_sit_nfe(2, key))
            assert r.cStat == str(cstat), r.body
            assert r.result.findtext(f"{N}protNFe/{N}infProt/{N}nProt") == nprot
        client.close()


def _too_new(db: Path) -> None:
    with sqlite3.connect(db) as c:
        c.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))


def test_newer_database_is_refused(tmp_path):
    db = _copy(tmp_path)
    open_store(f"sqlite:///{db}").close()
    _too_new(db)
    with pytest.raises(SchemaTooNew) as err:
        open_store(f"sqlite:///{db}")
    assert str(err.value) == (f"database {db} is at schema version {LATEST + 1}; this fake-sefaz knows up to "
                              f"{LATEST}: upgrade fake-sefaz")


def test_serve_refuses_a_newer_database_in_one_line(tmp_path):
    db = tmp_path / "fake-sefaz.db"  # the database under --data-dir
    open_store(f"sqlite:///{db}").close()
    _too_new(db)
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "serve", "--data-dir", str(tmp_path), "--port", "8"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr.strip().splitlines()[-1] == (
        f"fake-sefaz serve: database: database {db} is at schema version {LATEST + 1}; this fake-sefaz knows up "
        f"to {LATEST}: upgrade fake-sefaz")


def test_postgres_versioned_and_newer_refused():
    with fresh_postgres() as url:
        open_store(url).close()
        import psycopg

        with psycopg.connect(url, autocommit=True) as c:
            assert c.execute("SELECT version FROM schema_version").fetchone() == (LATEST,)
            c.execute("UPDATE schema_version SET version = %s", (LATEST + 1,))
        with pytest.raises(SchemaTooNew, match=rf"is at schema version {LATEST + 1}; this fake-sefaz knows up to"):
            open_store(url)
