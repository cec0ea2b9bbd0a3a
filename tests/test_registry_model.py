"""The registry model without a server: IE check digits, irregularity at its edges (DF Portaria 403/2009
art. 10 § 9-10), the file format, loading once, the generator at scale, and is_irregular for rule 240."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import keys
from fake_sefaz.domain.taxpayers import RegistryError, Taxpayer, dump_file, irregular_among, local_today, parse_file
from fake_sefaz.store.reads import TxReads
from fake_sefaz.store.registry import load_file
from fake_sefaz.emitter.registry_gen import generate
from fake_sefaz.store.registry import load_taxpayers
from fake_sefaz.store import open_store
from fake_sefaz.store import registry as sql

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "taxpayers.yaml"
TODAY = date(2026, 3, 15)


# --- IE check digits -----------------------------------------------------------------------------------------------

# Examples published with each UF's algorithm (SINTEGRA "Conferência de Inscrições Estaduais").
PUBLISHED = [("SP", "110042490114"), ("RJ", "99999993"), ("MG", "0623079040081"), ("RS", "2243658792"),
             ("PR", "1234567850"), ("SC", "251040852"), ("BA", "12345663"), ("BA", "61234557"),
             ("BA", "100000306"), ("DF", "0730000100109")]


@pytest.mark.parametrize("uf, ie", PUBLISHED)
def test_published_examples_are_valid(uf, ie):
    assert ie_rules.valid(uf, ie)


@pytest.mark.parametrize("uf, ie", PUBLISHED)
def test_any_changed_digit_is_caught(uf, ie):
    # changing the last check digit always breaks it
    bad = ie[:-1] + str((int(ie[-1]) + 1) % 10)
    assert not ie_rules.valid(uf, bad)


@pytest.mark.parametrize("uf", ie_rules.EXACT_UFS + ("AM", "MT", "GO"))
def test_generated_ies_validate(uf):
    rng = random.Random(uf)
    for _ in range(500):
        value = ie_rules.generate(uf, rng)
        assert ie_rules.valid(uf, value), value


def test_wrong_length_and_simplified_ufs():
    assert not ie_rules.valid("SP", "11004249011")
    assert not ie_rules.valid("RJ", "999999930")
    assert not ie_rules.valid("SP", "")
    assert not ie_rules.valid("SP", "ISENTO")
    assert ie_rules.valid("MT", "00130000019")  # simplified UF: format only, a real IE is never refused
    assert not ie_rules.valid("MT", "1")


# --- Irregularity --------------------------------------------------------------------------------------------------

def tp(**kw) -> Taxpayer:
    return Taxpayer(doc="43506397000109", ie="950247285862", uf="SP", xNome="X", **kw)


def since(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


@pytest.mark.parametrize("kw, expected", [
    ({}, None),
    ({"situation": "suspended", "since": since(30), "susp_by": "fisco", "susp_notified": 1}, None),
    ({"situation": "suspended", "since": since(31), "susp_by": "fisco", "susp_notified": 1}, "art. 10 § 9 II"),
    ({"situation": "suspended", "since": since(31), "susp_by": "fisco", "susp_notified": 0}, None),
    ({"situation": "suspended", "since": since(31), "susp_by": "taxpayer", "susp_notified": 1}, None),
    ({"situation": "suspended", "since": since(0), "susp_ban": 1}, "art. 10 § 9 III"),
    ({"situation": "suspended", "since": since(-1), "susp_ban": 1}, None),
    ({"situation": "closed", "since": since(1)}, "art. 10 § 9 I"),
    ({"situation": "closure_requested", "since": since(1)}, "art. 10 § 9 I"),
    ({"situation": "closure_refused", "since": since(1)}, None),
    ({"situation": "paused", "since": since(1)}, "art. 10 § 9 IV"),
    ({"situation": "cancelled", "since": since(1)}, "art. 10 § 9 V"),
    ({"situation": "not_enabled"}, None),
])
def test_irregularity(kw, expected):
    assert tp(**kw).irregularity(TODAY) == expected


def test_suspension_days_setting():
    t = tp(situation="suspended", since=since(20), susp_by="fisco", susp_notified=1)
    assert t.irregularity(TODAY, suspension_days=19) == "art. 10 § 9 II"
    assert t.irregularity(TODAY, suspension_days=20) is None


def test_deaccreditation_counts_for_the_issuer_of_that_model_only():
    t = tp(nfe_cred="voluntary", nfe_from=since(100), nfe_revoked=since(0))
    assert t.irregularity(TODAY, issuer_model=55) == "art. 10 § 10"
    assert t.irregularity(TODAY, issuer_model=65) is None
    assert t.irregularity(TODAY) is None  # as a recipient, accreditation does not matter
    assert t.accredited(55, TODAY)  # it was accredited: not a 203 case
    assert t.indCred(55, TODAY) == 0


def test_accreditation_dates():
    assert not tp(nfe_cred="none").accredited(55, TODAY)
    assert not tp(nfe_cred="voluntary", nfe_from=since(-1)).accredited(55, TODAY)
    assert tp(nfe_cred="voluntary", nfe_from=since(0)).accredited(55, TODAY)
    assert tp(nfe_cred="voluntary").indCred(55, TODAY) == 1
    assert tp(nfe_cred="ex_officio").indCred(55, TODAY) == 2


def test_csit():
    assert tp().cSit(TODAY) == 1
    assert tp(situation="not_enabled").cSit(TODAY) == 0
    assert tp(situation="cancelled", since=since(1)).cSit(TODAY) == 0
    assert tp(situation="closure_refused", since=since(1)).cSit(TODAY) == 1


# --- The file format --------------------------------------------------------------------------------------------

def test_fixtures_file_parses_and_round_trips(tmp_path):
    taxpayers = parse_file(FIXTURES)
    assert len(taxpayers) == 10 and all(t.source == "file" for t in taxpayers)
    assert all(keys.valid_cnpj(t.doc) or keys.valid_cpf(t.doc) for t in taxpayers)
    assert all(ie_rules.valid("SP", t.ie) for t in taxpayers)
    for suffix in (".json", ".yaml"):
        out = tmp_path / f"copy{suffix}"
        dump_file(taxpayers, out)
        assert parse_file(out) == taxpayers


def test_bad_file_names_the_entry(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps([{"cnpj": "43506397000109", "uf": "SP", "name": "OK"},
                             {"cnpj": "43506397000109", "uf": "SP", "name": "X", "ie": "1"}]))
    with pytest.raises(RegistryError, match="#2: ie 1"):
        parse_file(f)
    f.write_text(json.dumps({"nope": []}))
    with pytest.raises(RegistryError, match="expected a list"):
        parse_file(f)


def test_load_once_per_content_and_force(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/r.db", sqlite_synchronous="OFF")
    try:
        assert load_file(store, FIXTURES) == 10
        store.run(lambda tx: sql.delete(tx, "43506397000109"))  # an admin edit since the load
        assert load_file(store, FIXTURES) == 0  # same content: skipped, the edit survives
        assert store.read(lambda tx: sql.by_doc(tx, "43506397000109")) == []
        assert load_file(store, FIXTURES, force=True) == 10
        assert store.read(sql.count) == 10
    finally:
        store.close()


# --- irregular_among: what rule 240 judges, over the rows the read-only port gives it ---------------------------

class _Auth:
    def __init__(self, store, settings):
        self.store, self.settings = store, settings


def is_irregular(auth, doc, at, *, uf=None, model=None):
    uf = uf or auth.settings.uf
    found = auth.store.read(lambda tx: TxReads(tx).taxpayers(doc, uf))
    return irregular_among(found, local_today(at, uf), suspension_days=auth.settings.suspension_days, model=model)


def test_is_irregular(tmp_path):
    from fake_sefaz.server.settings import load_settings

    store = open_store(f"sqlite:///{tmp_path}/r.db", sqlite_synchronous="OFF")
    try:
        load_file(store, FIXTURES)
        auth = _Auth(store, load_settings(env={}, uf="SP"))
        at = datetime(2026, 3, 15, 12, tzinfo=timezone.utc)
        assert is_irregular(auth, "37031443000150", at)  # closed
        assert not is_irregular(auth, "79348138000136", at)  # closure refused
        assert not is_irregular(auth, "43506397000109", at)  # active
        assert not is_irregular(auth, "11222333000181", at)  # unknown: not irregular
        assert is_irregular(auth, "31015578000145", at)  # suspended 2024-01-10 after notice
        assert not is_irregular(auth, "31015578000145", datetime(2024, 2, 9, 12, tzinfo=timezone.utc))  # day 30
        assert is_irregular(auth, "31015578000145", datetime(2024, 2, 10, 12, tzinfo=timezone.utc))  # day 31
        assert is_irregular(auth, "92023241000174", at, model=55)  # de-accredited issuer
        assert not is_irregular(auth, "92023241000174", at)
        assert not is_irregular(auth, "43506397000109", at, uf="RJ")  # not a taxpayer of RJ
    finally:
        store.close()


# --- Scale ---------------------------------------------------------------------------------------------------------

def test_generator_is_valid_and_unique():
    rows = list(generate(3000, "MG", seed=5, today=TODAY))
    assert len({r.doc for r in rows}) == 3000 and len({r.ie for r in rows}) == 3000
    for t in rows:
        assert keys.valid_cpf(t.doc) if t.is_cpf else keys.valid_cnpj(t.doc)
        assert ie_rules.valid("MG", t.ie)
        assert Taxpayer.from_json(t.to_json(), source="generated") == t  # passes the admin API's checks
    assert {t.situation for t in rows} >= {"active", "closed", "suspended", "paused", "cancelled", "not_enabled"}
    assert list(generate(50, "MG", seed=5, today=TODAY)) == rows[:50]  # seeded


def test_load_100k_generated_taxpayers(tmp_path):
    """The issue's scale: 100 000 generated taxpayers load (time reported in docs, not asserted here)."""
    store = open_store(f"sqlite:///{tmp_path}/big.db", sqlite_synchronous="NORMAL")
    try:
        assert load_taxpayers(store, generate(100_000, "SP", seed=1, today=TODAY)) == 100_000
        assert store.read(sql.count) == 100_000
        total, page = store.read(lambda tx: sql.page(tx, 50_000, 5, uf="SP"))
        assert total == 100_000 and len(page) == 5
        for row in page:
            t = Taxpayer.from_row(row)
            assert ie_rules.valid("SP", t.ie) and (keys.valid_cnpj(t.doc) or keys.valid_cpf(t.doc))
            assert store.read(lambda tx: sql.by_ie(tx, t.ie, "SP"))[0][0] == t.doc
    finally:
        store.close()


def test_lookups_use_their_index(tmp_path):
    """The by-IE lookup must search its index, not scan the UF (a scan made 100k rows cost 170 ms a NF-e)."""
    store = open_store(f"sqlite:///{tmp_path}/plan.db", sqlite_synchronous="OFF")
    try:
        for query, params in (("SELECT doc FROM taxpayers WHERE ie = ? AND uf = ? ORDER BY doc", ("1", "SP")),
                              ("SELECT doc FROM taxpayers WHERE doc = ? AND uf = ? ORDER BY ie", ("1", "SP"))):
            plan = " ".join(str(r) for r in store.read(lambda tx: tx.execute("EXPLAIN QUERY PLAN " + query, params)))
            assert "SEARCH" in plan and ("taxpayers_ie_uf" in plan or "autoindex" in plan), plan
            assert "(uf=?)" not in plan, plan
    finally:
        store.close()
