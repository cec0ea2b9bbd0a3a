"""110112 Cancelamento por substituição (NFC-e) over real HTTP: window (168 h) and substitute rules 910-921."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from support.events import Issuer, Note, ev_stat, subst_det
from fake_sefaz.emitter.client import cons_sit_nfe
from fake_sefaz.tools.conformance.runner import apply_edits
from fake_sefaz.emitter.factory import NFeFactory, access_key, wrap_lot
from fake_sefaz.domain.keys import build_key
from fake_sefaz.domain.xml import N

BRT = timezone(timedelta(hours=-3))


@pytest.fixture
def issuer(pki, signer, soap12, clock):
    return Issuer(pki, signer, soap12, clock)


def twin_factories(issuer):
    """Two factories with one seed: the same emitter, items and values, document after document."""
    seed = random.randrange(2**31)
    ident = issuer.pki.identity("emitente")
    return [NFeFactory(seed=seed, uf="SP", tpAmb=2, cnpj=ident.cnpj, razao=ident.razao) for _ in range(2)]


def send(issuer, nfe, expect="100") -> Note:
    nfe = issuer.signer.sign_nfe(nfe)
    r = issuer.client.call(wrap_lot([nfe], idLote=1, indSinc=1))
    inf = r.result.find(f"{N}protNFe/{N}infProt")
    assert inf is not None and inf.findtext(N + "cStat") == expect, r.body
    return Note(access_key(nfe), inf.findtext(N + "nProt"), nfe)


def pair(issuer, orig_kw=None, sub_kw=None, edit=None):
    fa, fb = twin_factories(issuer)
    now = issuer.now()
    base = random.randint(1, 900_000_000)
    kw = dict(dhEmi=(now - timedelta(minutes=1)).astimezone(BRT))  # an online NFC-e is sent within 5 min (704)
    orig = send(issuer, fa.build_nfce(**{"nNF": base, "tpEmis": 1, **kw, **(orig_kw or {})}))
    sub_doc = fb.build_nfce(**{"nNF": base + 1, "tpEmis": 9, **kw, **(sub_kw or {})})
    if edit:
        edit(sub_doc)
    sub = send(issuer, sub_doc)
    return orig, sub


def subst(issuer, orig: Note, ref: str, **kw):
    return issuer.send(issuer.event(orig.key, "110112", subst_det(orig.nProt, ref), **kw))


def test_135_cancelled_by_substitution_then_101(issuer):
    orig, sub = pair(issuer)
    r = subst(issuer, orig, sub.key)
    assert ev_stat(r)[0] == "135", r.body
    q = issuer.client.call(cons_sit_nfe(2, orig.key))
    assert q.cStat == "101" and q.result.find(N + "procEventoNFe") is not None
    other, sub2 = pair(issuer)
    assert ev_stat(subst(issuer, other, sub.key))[0] == "573"  # a substitute replaces one NFC-e only


def test_window_168h_edges(issuer, clock):
    t = datetime.now(timezone.utc).replace(microsecond=0)
    clock.set(t, frozen=True)
    a, sa = pair(issuer)
    b, sb = pair(issuer)
    clock.set(t + timedelta(hours=167, minutes=59, seconds=59), frozen=True)
    assert ev_stat(subst(issuer, a, sa.key))[0] == "135"
    clock.set(t + timedelta(hours=168, seconds=1), frozen=True)
    assert ev_stat(subst(issuer, b, sb.key))[0] == "501"


def test_910_911_912_substitute_key(issuer):
    orig, sub = pair(issuer)
    bad_dv = sub.key[:43] + str((int(sub.key[43]) + 1) % 10)
    # MOC 7.00 §5.9: one text per P31 row, naming the failing condition
    assert ev_stat(subst(issuer, orig, bad_dv)) == ("910", "Rejeição: Chave de Acesso NFe Substituta inválida (Dígito)")
    assert ev_stat(subst(issuer, orig, orig.key)) == (
        "911", "Rejeição: Chave de Acesso NFe Substituta incorreta (mesma Chave de Acesso)")
    ym = datetime.now().strftime("%y%m")
    other_model = build_key(35, ym, issuer.cnpj, 55, 1, 123, 9, "13572468")
    assert ev_stat(subst(issuer, orig, other_model)) == ("911", "Rejeição: Chave de Acesso NFe Substituta incorreta (Modelo)")
    other_uf = build_key(33, ym, issuer.cnpj, 65, 1, 123, 9, "13572468")
    assert ev_stat(subst(issuer, orig, other_uf)) == ("911", "Rejeição: Chave de Acesso NFe Substituta incorreta (Código da UF)")
    two_months_before = (datetime.now().replace(day=1) - timedelta(days=40)).strftime("%y%m")
    too_old = build_key(35, two_months_before, issuer.cnpj, 65, 1, 123, 9, "13572468")
    assert ev_stat(subst(issuer, orig, too_old)) == ("911", "Rejeição: Chave de Acesso NFe Substituta incorreta (Ano-Mes)")
    bad_model = build_key(35, ym, issuer.cnpj, 57, 1, 123, 9, "13572468")
    assert ev_stat(subst(issuer, orig, bad_model)) == ("910", "Rejeição: Chave de Acesso NFe Substituta inválida (Modelo)")
    missing = build_key(35, ym, issuer.cnpj, 65, 1, 999_999_998, 9, "13572468")
    assert ev_stat(subst(issuer, orig, missing))[0] == "912"


def test_913_cancelled_substitute_and_920_original_in_contingency(issuer):
    orig, sub = pair(issuer)
    r = issuer.send(issuer.event(sub.key, "110111", [("descEvento", "Cancelamento"), ("nProt", sub.nProt),
                                                    ("xJust", "Cancelamento da substituta para teste")]))
    assert ev_stat(r)[0] == "135", r.body
    assert ev_stat(subst(issuer, orig, sub.key))[0] == "913"
    cont, sub2 = pair(issuer, orig_kw={"tpEmis": 9})
    assert ev_stat(subst(issuer, cont, sub2.key))[0] == "920"


def test_921_substitute_not_in_contingency_and_914_two_hours(issuer):
    orig, normal = pair(issuer, sub_kw={"tpEmis": 1})
    assert ev_stat(subst(issuer, orig, normal.key))[0] == "921"
    # 914: the substitute issued more than 2 h after the original. An online NFC-e is sent within 5 minutes
    # of its dhEmi (704), so the clock moves between the two notes instead of back-dating the original.
    fa, fb = twin_factories(issuer)
    base = random.randint(1, 900_000_000)
    orig2 = send(issuer, fa.build_nfce(nNF=base, tpEmis=1, dhEmi=(issuer.now() - timedelta(minutes=1)).astimezone(BRT)))
    issuer.clock.advance(timedelta(hours=2, minutes=5))
    sub2 = send(issuer, fb.build_nfce(nNF=base + 1, tpEmis=9, dhEmi=(issuer.now() - timedelta(minutes=1)).astimezone(BRT)))
    assert ev_stat(subst(issuer, orig2, sub2.key))[0] == "914"


def _set(path, value):
    def edit(nfe):
        nfe.find(path).text = value
    return edit


def test_915_to_919_substitute_content(issuer):
    tot = f"{N}infNFe/{N}total/{N}ICMSTot/"
    # 915: another total (the substitute from another seed has other items)
    orig, _ = pair(issuer)
    fb = twin_factories(issuer)[0]
    other = send(issuer, fb.build_nfce(nNF=random.randint(1, 900_000_000), tpEmis=9,
                                        dhEmi=(issuer.now() - timedelta(minutes=5)).astimezone(BRT)))
    assert ev_stat(subst(issuer, orig, other.key))[0] == "915"
    # 916: same vNF, other vICMS (one cent more on the first item and in the total: still a valid note, as
    # the item arithmetic (N17, ±0,01) and the totals (W04) rules demand)
    orig, sub = pair(issuer, edit=lambda nfe: apply_edits(nfe, [
        {"path": "infNFe/det/imposto/ICMS/ICMS00/vICMS", "add": "0.01"},
        {"path": "infNFe/total/ICMSTot/vICMS", "add": "0.01"}]))
    assert ev_stat(subst(issuer, orig, sub.key))[0] == "916"
    # 917: another recipient
    orig, sub = pair(issuer, orig_kw={"dest_doc": "52998224725"}, sub_kw={"dest_doc": "11144477735"})
    assert ev_stat(subst(issuer, orig, sub.key))[0] == "917"
    # 918: one item fewer, same total: the last item folded into the first
    orig, sub = pair(issuer, edit=lambda nfe: apply_edits(nfe, [{"path": "infNFe/det[3]", "fold_into": "infNFe/det[1]"}]))
    assert ev_stat(subst(issuer, orig, sub.key))[0] == "918"
    # 919: an item with another product code
    orig, sub = pair(issuer, edit=_set(f"{N}infNFe/{N}det/{N}prod/{N}cProd", "999999"))
    r = subst(issuer, orig, sub.key)
    assert ev_stat(r) == ("919", "Rejeição: Item da NF-e Substituta difere do mesmo item da NF-e a ser cancelada. [nItem:1]")
