"""Generated registries for load tests: valid CNPJ/CPF and IE check digits per UF, realistic pt_BR names.

Faker is slow per call (tens of microseconds), so names, streets and districts are drawn from pools built
once with faker and combined at random: 100 000 taxpayers generate in a few seconds. Seeded: the same seed
gives the same registry. About 90 % are active and accredited; the rest cover every situation of
registry.SITUATIONS, so a load test also exercises denials.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Iterator

from faker import Faker

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain.keys import cnpj_dvs, cpf_dvs
from fake_sefaz.domain.municipalities import capital_of
from fake_sefaz.domain.taxpayers import (ACTIVE, CANCELLED, CLOSED, CLOSURE_REFUSED, CLOSURE_REQUESTED, EX_OFFICIO, NONE,
                       NOT_ENABLED, PAUSED, SUSPENDED, VOLUNTARY, Taxpayer)
from fake_sefaz.domain.ufs import code_of

_REGIMES = ("NORMAL", "SIMPLES NACIONAL", "SIMPLES NACIONAL - MEI")
_CNAES = ("4711302", "4751201", "4781400", "4930202", "1091101", "4639701", "6201501", "4120400", "4530703")
_OTHER = (CLOSED, CLOSURE_REQUESTED, CLOSURE_REFUSED, SUSPENDED, PAUSED, CANCELLED, NOT_ENABLED)


def _clean(s: str) -> str:
    return " ".join(s.upper().split())[:60]


def generate(count: int, uf: str = "SP", *, seed: int | None = 0, today: date | None = None,
             cpf_share: float = 0.05, irregular_share: float = 0.10) -> Iterator[Taxpayer]:
    """`count` distinct registrations of `uf` (unique CNPJ/CPF and IE)."""
    rng = random.Random(seed)
    faker = Faker("pt_BR")
    faker.seed_instance(rng.randrange(2**32))
    today = today or date.today()
    uf = uf.upper()
    cmun, xmun = capital_of(code_of(uf))
    cmun = f"{int(cmun):07d}"
    companies = [_clean(faker.company()) for _ in range(500)]
    people = [_clean(faker.name()) for _ in range(500)]
    streets = [_clean(faker.street_name()) for _ in range(500)]
    districts = [_clean(faker.bairro()) for _ in range(200)]
    seen_docs: set[str] = set()
    seen_ies: set[str] = set()
    n = 0
    while n < count:
        if rng.random() < cpf_share:
            base = f"{rng.randrange(10**8, 10**9)}"
            doc = base + cpf_dvs(base)
            name = people[rng.randrange(len(people))]
        else:
            base = f"{rng.randrange(10**7, 10**8)}{rng.randint(1, 9):04d}"
            doc = base + cnpj_dvs(base)
            name = f"{companies[rng.randrange(len(companies))]} {n}"[:60]
        ie = ie_rules.generate(uf, rng)
        if doc in seen_docs or ie in seen_ies:
            continue
        seen_docs.add(doc)
        seen_ies.add(ie)
        start = today - timedelta(days=rng.randint(400, 9000))
        situation, since, by, notified, ban, closed = ACTIVE, None, None, 0, 0, None
        if rng.random() < irregular_share:
            situation = rng.choice(_OTHER)
            since = today - timedelta(days=rng.randint(0, 120))
            if situation == SUSPENDED:
                by = "fisco" if rng.random() < 0.8 else "taxpayer"
                notified, ban = int(rng.random() < 0.7), int(rng.random() < 0.2)
            if situation == CLOSED:
                closed = since
        nfce = rng.choice((EX_OFFICIO, VOLUNTARY, NONE))
        yield Taxpayer(
            doc=doc, ie=ie, uf=uf, xNome=name, xFant=None if rng.random() < 0.5 else name.split(" ")[0],
            CNAE=rng.choice(_CNAES), xRegApur=rng.choice(_REGIMES),
            xLgr=streets[rng.randrange(len(streets))], nro=str(rng.randint(1, 9999)), xCpl=None,
            xBairro=districts[rng.randrange(len(districts))], cMun=cmun, xMun=_clean(xmun),
            CEP=f"{rng.randrange(10**7, 10**8):08d}", dIniAtiv=start.isoformat(),
            situation=situation, since=since.isoformat() if since else None, susp_by=by, susp_notified=notified,
            susp_ban=ban, dBaixa=closed.isoformat() if closed else None,
            nfe_cred=rng.choice((EX_OFFICIO, VOLUNTARY)), nfe_from=start.isoformat(), nfe_revoked=None,
            nfce_cred=nfce, nfce_from=None if nfce == NONE else start.isoformat(), nfce_revoked=None,
            source="generated",
        )
        n += 1
