"""NT 2024.001's date switch (rules/registry.py): model-55 denials become rejections from 16/09/2024 in produção and
01/07/2024 in homologação, read against the receipt instant; model 65 and the setting nfe_denial_removed=false keep
the denial. Called with no server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fake_sefaz.domain import codes
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.rules.registry import _denial_removed
from fake_sefaz.server.settings import Settings


def _ctx(now: datetime, tpAmb: int, mod: int = 55, **settings) -> NFeContext:
    nfe = NFeFactory(seed=9).build(mod=mod)
    return NFeContext(NFeView(nfe), now, 35, tpAmb, Settings(**settings), None)


@pytest.mark.parametrize("day, tpAmb, removed", [
    (datetime(2024, 6, 30, 12, tzinfo=timezone.utc), 2, False),
    (datetime(2024, 7, 1, 12, tzinfo=timezone.utc), 2, True),
    (datetime(2024, 9, 15, 12, tzinfo=timezone.utc), 1, False),
    (datetime(2024, 9, 16, 12, tzinfo=timezone.utc), 1, True),
])
def test_switch_by_environment_and_date(day, tpAmb, removed):
    assert _denial_removed(_ctx(day, tpAmb)) is removed


def test_nfce_and_the_setting_keep_the_denial():
    later = datetime(2026, 12, 3, tzinfo=timezone.utc)
    assert not _denial_removed(_ctx(later, 2, mod=65))
    assert not _denial_removed(_ctx(later, 2, nfe_denial_removed=False))


def test_reused_codes_answer_the_text_of_their_rule():
    """302/303 keep their numbers but NT 2024.001 gives them rejection texts; 781 of 1C17-38 names both models."""
    assert codes.motivo(302) == "Uso Denegado: Irregularidade fiscal do destinatário"
    assert codes.motivo(302, meaning="5E17-40") == "Rejeição: Irregularidade fiscal do destinatário"
    assert codes.motivo(303, meaning="5E17-60") == "Rejeição: Destinatário não habilitado a operar na UF"
    assert codes.motivo(781) == "Rejeição: Emissor não habilitado para emissão da NFC-e"
    assert codes.motivo(781, meaning="1C17-38") == "Rejeição: Emissor não habilitado para emissão da NF-e/NFC-e"
    with pytest.raises(KeyError):
        codes.Rejection(204, meaning="5E17-40")
