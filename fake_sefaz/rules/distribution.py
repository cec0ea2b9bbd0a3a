"""Rules of NFeDistribuicaoDFe at the Ambiente Nacional (NT 2014.002 v1.30 §3.8-§3.11; reference §3.5-§3.6), one
function per row, in the NT's order: the data area's size, the interested party against the TLS certificate, the
consumption rules ("uso indevido", 656), the NSU, and the key of consChNFe.

The context is one snapshot read inside the service's unit of work (services/distribution.py): the party's
distribution state and highest NSU, and for consChNFe the stored NF-e and who may download it. The rules never
write; the service records what the decision means (the block, the hour to wait, the count of key queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from fake_sefaz.domain import keys, ufs
from fake_sefaz.domain.certificates import SignerInfo
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.national import Parties
from fake_sefaz.domain.records import CANCELLED, DENIED, DocumentRecord
from fake_sefaz.rules import rule

DIST, NSU, KEY = "distNSU", "consNSU", "consChNFe"

# The texts the AN puts after "Consumo Indevido" (wire texts of reference §3.6)
WAIT_HOUR = ("(Deve ser aguardado 1 hora para efetuar nova solicitacao caso nao existam mais documentos a serem "
             "pesquisados. Tente apos 1 hora)")
USE_ULT_NSU = "(Deve ser utilizado o ultNSU nas solicitacoes subsequentes. Tente apos 1 hora)"
KEY_LIMIT = "(Ultrapassou o limite de {n} consultas por hora)"


@dataclass(frozen=True)
class DistContext:
    now: datetime
    acting_tpAmb: int
    tpAmb: int
    kind: str  # CNPJ or CPF of the interested party
    party: str
    mode: str  # DIST, NSU or KEY
    number: int  # ultNSU (DIST) or NSU (NSU)
    key: str  # chNFe (KEY)
    caller: SignerInfo | None  # the TLS client certificate (None over plain HTTP: nothing to compare)
    data_size: int
    max_bytes: int
    # the party's distribution state (store/national.PartyState) and its highest NSU
    blocked_until: float | None
    block_reason: str
    empty_ts: float | None
    last_ult_nsu: int | None
    key_queries: int  # consChNFe + consNSU already made in the current hour
    wait_s: float
    key_query_limit: int
    max_nsu: int
    # consChNFe: the stored NF-e, who may download it, and the retention
    doc: DocumentRecord | None = None
    parties: Parties | None = None
    retention_s: float = 90 * 86400.0

    @property
    def now_ts(self) -> float:
        return self.now.timestamp()


@rule("B01", 214)
def b01_size(ctx: DistContext) -> None:
    """B01 (214): the data area of a distDFeInt is at most 10 KB."""
    if ctx.data_size > ctx.max_bytes:
        raise Rejection(214)


@rule("H01", 252)
def h01_environment(ctx: DistContext) -> None:
    """H01 (252): tpAmb is the environment of the web service."""
    if ctx.tpAmb != ctx.acting_tpAmb:
        raise Rejection(252)


@rule("H02", 489)
def h02_cnpj(ctx: DistContext) -> None:
    """H02 (489): the interested CNPJ has valid check digits and is not zeros."""
    if ctx.kind == "CNPJ" and (not keys.valid_cnpj(ctx.party) or set(ctx.party) == {"0"}):
        raise Rejection(489)


@rule("H03", 490)
def h03_cpf(ctx: DistContext) -> None:
    """H03 (490): the interested CPF has valid check digits and is not zeros."""
    if ctx.kind == "CPF" and not keys.valid_cpf(ctx.party):
        raise Rejection(490)


@rule("H04", 593)
def h04_cnpj_of_certificate(ctx: DistContext) -> None:
    """H04 (593): the CNPJ base asked about is the CNPJ base of the transmitter's certificate."""
    if ctx.caller is not None and ctx.kind == "CNPJ" and (ctx.caller.cnpj or "")[:8] != ctx.party[:8]:
        raise Rejection(593)


@rule("H05", 472)
def h05_cpf_of_certificate(ctx: DistContext) -> None:
    """H05 (472): the CPF asked about is the CPF of the transmitter's certificate."""
    if ctx.caller is not None and ctx.kind == "CPF" and ctx.caller.cpf != ctx.party:
        raise Rejection(472)


@rule("DIST-656a", 656)
def c01_blocked(ctx: DistContext) -> None:
    """656: the party is blocked for misuse; a call during the block starts it again (NT §3.11.4.2)."""
    if ctx.blocked_until is not None and ctx.now_ts < ctx.blocked_until:
        raise Rejection(656, ctx.block_reason or WAIT_HOUR)


@rule("DIST-656b", 656)
def c02_hour_after_nothing(ctx: DistContext) -> None:
    """656: a new distNSU within the hour after an answer with nothing left (137, or ultNSU = maxNSU)."""
    if ctx.mode == DIST and ctx.empty_ts is not None and ctx.now_ts - ctx.empty_ts < ctx.wait_s:
        raise Rejection(656, WAIT_HOUR)


@rule("DIST-656c", 656)
def c03_continue_from_ult_nsu(ctx: DistContext) -> None:
    """656: a distNSU that does not continue from the ultNSU of the party's previous answer."""
    if ctx.mode == DIST and ctx.last_ult_nsu is not None and ctx.number != ctx.last_ult_nsu:
        raise Rejection(656, USE_ULT_NSU)


@rule("DIST-656d", 656)
def c04_key_queries_per_hour(ctx: DistContext) -> None:
    """656: more than 20 consChNFe / consNSU in an hour (this one included)."""
    if ctx.mode in (NSU, KEY) and ctx.key_queries + 1 > ctx.key_query_limit:
        raise Rejection(656, KEY_LIMIT.format(n=ctx.key_query_limit))


@rule("H06", 589)
def h06_nsu_above_max(ctx: DistContext) -> None:
    """H06 (589): the NSU asked for (distNSU, consNSU) is above the party's highest NSU."""
    if ctx.mode in (DIST, NSU) and ctx.number > ctx.max_nsu:
        raise Rejection(589, meaning="H06")


def _key(ctx: DistContext) -> str:
    return ctx.key if ctx.mode == KEY else ""


@rule("H07", 236)
def h07_key_dv(ctx: DistContext) -> None:
    """H07 (236): the key's check digit."""
    if _key(ctx) and not keys.AccessKey(ctx.key).dv_ok():
        raise Rejection(236)


@rule("H08", 614)
def h08_key_uf(ctx: DistContext) -> None:
    """H08 (614): the key's cUF is a UF."""
    if _key(ctx) and (not ctx.key[:2].isdigit() or int(ctx.key[:2]) not in ufs.CODES):
        raise Rejection(614)


@rule("H09", 615)
def h09_key_year(ctx: DistContext) -> None:
    """H09 (615): the key's year is between 06 and this year."""
    if _key(ctx) and not 6 <= int(ctx.key[2:4]) <= ctx.now.year % 100:
        raise Rejection(615)


@rule("H10", 616)
def h10_key_month(ctx: DistContext) -> None:
    """H10 (616): the key's month is 01 to 12."""
    if _key(ctx) and not 1 <= int(ctx.key[4:6]) <= 12:
        raise Rejection(616)


@rule("H11", 617)
def h11_key_issuer(ctx: DistContext) -> None:
    """H11 (617): the key's CNPJ (or zero-padded CPF) has valid check digits."""
    if not _key(ctx):
        return
    ident = ctx.key[6:20]
    if not (keys.valid_cnpj(ident) or (ident.startswith("000") and keys.valid_cpf(ident[3:]))):
        raise Rejection(617)


@rule("H12", 618)
def h12_key_model(ctx: DistContext) -> None:
    """H12 (618): DF-e distribution carries NF-e, model 55."""
    if _key(ctx) and ctx.key[20:22] != "55":
        raise Rejection(618, meaning="H12")


@rule("H13", 619)
def h13_key_number(ctx: DistContext) -> None:
    """H13 (619): the key's nNF is not zero."""
    if _key(ctx) and int(ctx.key[25:34]) == 0:
        raise Rejection(619)


@rule("H14", 217)
def h14_key_exists(ctx: DistContext) -> None:
    """H14 (217): the NF-e of the key is in the Ambiente Nacional."""
    if _key(ctx) and ctx.doc is None:
        raise Rejection(217, meaning="H14")


@rule("H15", 632)
def h15_retention(ctx: DistContext) -> None:
    """H15 (632): more than 90 days since the AN received the NF-e."""
    if _key(ctx) and ctx.doc is not None and ctx.now_ts - ctx.doc.received_ts > ctx.retention_s:
        raise Rejection(632)


@rule("H17", 641)
def h17_not_the_issuer(ctx: DistContext) -> None:
    """H17 (641): the issuer does not download its own NF-e here."""
    if _key(ctx) and ctx.doc is not None and ctx.parties is not None and ctx.parties.issuer[:8] == ctx.party[:8] \
            and not ctx.parties.may_download(ctx.party):
        raise Rejection(641)


@rule("H16", 640)
def h16_may_download(ctx: DistContext) -> None:
    """H16 (640): the party is the NF-e's destinatário, transportador or an autXML party."""
    if _key(ctx) and ctx.doc is not None and ctx.parties is not None and not ctx.parties.may_download(ctx.party):
        raise Rejection(640)


@rule("H18", 653)
def h18_cancelled(ctx: DistContext) -> None:
    """H18 (653): a cancelled NF-e is not downloaded."""
    if _key(ctx) and ctx.doc is not None and ctx.doc.state == CANCELLED:
        raise Rejection(653)


@rule("H19", 654)
def h19_denied(ctx: DistContext) -> None:
    """H19 (654): a denied NF-e is not downloaded."""
    if _key(ctx) and ctx.doc is not None and ctx.doc.state == DENIED:
        raise Rejection(654)


DIST_RULES: tuple[Callable[[DistContext], None], ...] = (
    b01_size, h01_environment, h02_cnpj, h03_cpf, h04_cnpj_of_certificate, h05_cpf_of_certificate,
    c01_blocked, c02_hour_after_nothing, c03_continue_from_ult_nsu, c04_key_queries_per_hour, h06_nsu_above_max,
    h07_key_dv, h08_key_uf, h09_key_year, h10_key_month, h11_key_issuer, h12_key_model, h13_key_number,
    h14_key_exists, h15_retention, h17_not_the_issuer, h16_may_download, h18_cancelled, h19_denied,
)
