"""Responsável técnico and CSRT (NT 2018.005, rules/techresp.py) called with no server and no database: a factory
NF-e, settings naming this UF among those that demand them, and the exact code and text of each rule."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fake_sefaz.domain import codes
from fake_sefaz.domain.csrt import hash_csrt, parse_registry
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.csrt import add_csrt
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import techresp as R
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.server.settings import Settings
from fake_sefaz.tools.conformance.runner import apply_edits

CSRT = "G8063VRTNDMO886SFNK5LDUDEI24XJ22YIPO"
SETTINGS = Settings(resp_tec_ufs=("SP",), csrt_ufs=("SP",), csrt_registry=(
    f"11222333000181:01:{CSRT}", "11222333000181:02:REVOKEDCSRT0000000000000000000000000:revoked"))
NOW = datetime(2026, 12, 3, 12, tzinfo=timezone.utc)


def _ctx(edit=(), csrt: tuple[str, str] | None = ("01", CSRT), settings=SETTINGS, tpAmb=2, now=NOW, **build):
    nfe = NFeFactory(seed=5, uf="SP").build(dhEmi=now, **build)
    apply_edits(nfe, list(edit))
    if csrt is not None:
        add_csrt(nfe, *csrt)
    return NFeContext(NFeView(nfe), now, 35, tpAmb, settings, None)


def test_nt_worked_example_hash():
    """NT 2018.005 §2.3-2.4: Base64 of the raw SHA-1 digest (not of its hex text)."""
    assert hash_csrt(CSRT, "41180678393592000146558900000006041028190697") == "aWv6LeEM4X6u4+qBI2OYZ8grigw="


def test_right_csrt_passes():
    assert first_failure(R.TECHRESP_RULES, _ctx()) is None


CASES = [
    (972, R.zd01_10_resp_tec_required, dict(edit=[{"path": "infNFe/infRespTec", "remove": True}], csrt=None)),
    (973, R.zd02_10_resp_tec_cnpj, dict(edit=[{"path": "infNFe/infRespTec/CNPJ", "text": "11222333000180"}])),
    (975, R.zd07_10_csrt_required, dict(csrt=None)),
    (974, R.zd7_02_10_developer_registered, dict(edit=[{"path": "infNFe/infRespTec/CNPJ", "text": "11444777000161"}])),
    (976, R.zd7_08_10_csrt_registered, dict(csrt=("07", CSRT))),
    (977, R.zd7_08_20_csrt_revoked, dict(csrt=("02", "REVOKEDCSRT0000000000000000000000000"))),
    (978, R.zd7_09_10_csrt_hash, dict(csrt=("01", "ANOTHERCSRT00000000000000000000000000"))),
]


@pytest.mark.parametrize("code, rule_fn, kw", CASES, ids=[str(c[0]) for c in CASES])
def test_rule_answers_its_code(code, rule_fn, kw):
    ctx = _ctx(**kw)
    rej = first_failure(R.TECHRESP_RULES, ctx)
    assert (rej.cstat, codes.motivo(rej.cstat, rej.suffix)) == (code, codes.CATALOGUE[code])
    with pytest.raises(codes.Rejection) as raised:
        rule_fn(ctx)
    assert raised.value.cstat == code


def test_obligations_are_per_uf():
    """The default profile: infRespTec in AM MS PE PR SC TO, CSRT in PR; this UF (SP) demands neither."""
    defaults = Settings()
    assert first_failure(R.TECHRESP_RULES, _ctx(edit=[{"path": "infNFe/infRespTec", "remove": True}], csrt=None,
                                                 settings=defaults)) is None
    assert "PR" in defaults.csrt_ufs and "PR" in defaults.resp_tec_ufs


def test_csrt_dates_follow_the_environment():
    """975 (PR, model 55): homologação from 19/01/2026, produção from 23/02/2026."""
    feb = datetime(2026, 2, 1, 12, tzinfo=timezone.utc)
    assert first_failure(R.TECHRESP_RULES, _ctx(csrt=None, now=feb, tpAmb=2)).cstat == 975
    assert first_failure(R.TECHRESP_RULES, _ctx(csrt=None, now=feb, tpAmb=1)) is None


def test_nff_and_svc_need_no_csrt():
    assert first_failure(R.TECHRESP_RULES, _ctx(csrt=None, tpEmis=6)) is None


def test_registry_setting_parsed_once():
    reg = parse_registry(SETTINGS.csrt_registry)
    assert reg is parse_registry(SETTINGS.csrt_registry)
    assert reg[("11222333000181", "02")].revoked and not reg[("11222333000181", "01")].revoked
