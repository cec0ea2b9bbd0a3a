"""Rules of the NFC-e (model 65), MOC 7.00 §4.1 rows whose "Modelo" column says 65, plus the QR code group ZX
and the offline contingency outcome. Every rule returns at once for a model 55 document unless it says otherwise.

Conditions are those of the MOC 7.00 tables (rule ids in the tags) and NT 2015.002 / NT 2025.001 for the QR code.
Stateless except the QR group, which reads the CSC table (store/csc.py) read-only.

The QR group honours settings.nfce_qr_check: "off" skips it, "enforce" rejects with the first failing rule,
"warn" authorizes and hands the would-be code to infProt/cMsg + xMsg (TProtNFe allows 5 such pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from fake_sefaz.domain import codes, nfce_urls, qrcode, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import first_failure, rule
from fake_sefaz.rules.nfe import NFeContext

if TYPE_CHECKING:
    from fake_sefaz.store.csc import CscToken

HOMOLOGATION_ITEM = "NOTA FISCAL EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"

# I08-150: the only CFOP an NFC-e item may carry (NT 2013/005 v1.20, NT 2015.002).
NFCE_CFOP = frozenset({"5101", "5102", "5103", "5104", "5115", "5405", "5656", "5667", "5933"})

# ZX02-15: QR code version 100 is not valid for NFC-e issued after 30/09/2018.
QR_V1_LAST_DAY = datetime(2018, 9, 30, 23, 59, 59, tzinfo=timezone(timedelta(hours=-3)))

# URL path words naming the old SCAN contingency authorizer, which never authorized an NFC-e.
SCAN_WORDS = frozenset({"scan"})
NFCE_WORDS = frozenset({"nfce", "nfc-e"})


def _nfce(ctx: NFeContext) -> bool:
    return ctx.doc.mod == "65"


def _path_words(ctx: NFeContext) -> set[str]:
    return {w.lower() for w in ctx.path.split("/") if w}


def _ide(ctx: NFeContext, name: str) -> str:
    return ctx.doc.ide_(name)


# --- Group B: identification ----------------------------------------------------------------------------

@rule("B06-10", 702)
def b06_10_uf_accepts_nfce(ctx: NFeContext) -> None:
    """702: the UF of the issuer does not take NFC-e (settings.nfce_refused_ufs)."""
    if _nfce(ctx) and ufs.sigla_of(ctx.acting_cUF) in {u.upper() for u in ctx.settings.nfce_refused_ufs}:
        raise Rejection(702)


@rule("B06-40", 775)
def b06_40_nfce_service_model(ctx: NFeContext) -> None:
    """775: an NF-e (55) sent to the NFC-e authorization service. UFs that separate the services give the NFC-e
    its own address (nfce.fazenda.sp.gov.br, nfce.svrs.rs.gov.br); here a path word 'nfce' names that service."""
    if ctx.doc.mod != "65" and _path_words(ctx) & NFCE_WORDS:
        raise Rejection(775)


@rule("B09-40", 704)
def b09_40_issued_late(ctx: NFeContext) -> None:
    """704: an online NFC-e (tpEmis 1, 6, 7) is issued in real time: dhEmi more than nfce_emission_delay_s
    (5 minutes) before the receipt is rejected. Contingency (4 EPEC, 9 offline) has its own deadline below."""
    if _nfce(ctx) and ctx.doc.tpEmis in ("1", "6", "7"):
        if parse_dh(ctx.doc.dhEmi) < ctx.now - timedelta(seconds=ctx.settings.nfce_emission_delay_s):
            raise Rejection(704)


def _offline_late(ctx: NFeContext) -> bool:
    deadline = timedelta(hours=ctx.settings.nfce_offline_deadline_h)
    return _nfce(ctx) and ctx.doc.tpEmis == "9" and parse_dh(ctx.doc.dhEmi) < ctx.now - deadline


@rule("B09-40-exc1", 704)
def b09_40_offline_refused_late(ctx: NFeContext) -> None:
    """704: an offline NFC-e sent after the deadline (nfce_offline_deadline_h, 24 h) where the UF does not take
    late contingency notes (nfce_offline_late=false): B09-40 Exceção 1 applies the rejection to any tpEmis."""
    if _offline_late(ctx) and not ctx.settings.nfce_offline_late:
        raise Rejection(704)


@rule("B11a-10", 707)
def b11a_10_internal_only(ctx: NFeContext) -> None:
    """707: an NFC-e is an internal operation (idDest=1), never interstate nor foreign."""
    if _nfce(ctx) and _ide(ctx, "idDest") != "1":
        raise Rejection(707)


@rule("B22-old", 782)
def b22_scan(ctx: NFeContext) -> None:
    """782: the SCAN contingency authorizer (path word 'scan', replaced by SVC in 2014) never took NFC-e."""
    if _nfce(ctx) and _path_words(ctx) & SCAN_WORDS:
        raise Rejection(782)


@rule("B25-20", 715)
def b25_20_purpose(ctx: NFeContext) -> None:
    """715: an NFC-e is a normal note (finNFe=1): no complementary, adjustment or return NFC-e."""
    if _nfce(ctx) and _ide(ctx, "finNFe") != "1":
        raise Rejection(715)


@rule("B25a-10", 716)
def b25a_10_final_consumer(ctx: NFeContext) -> None:
    """716: an NFC-e is a sale to the final consumer (indFinal=1)."""
    if _nfce(ctx) and _ide(ctx, "indFinal") == "0":
        raise Rejection(716)


@rule("B25b-20", 717)
def b25b_20_presence(ctx: NFeContext) -> None:
    """717: an NFC-e is face to face (indPres=1) or a home delivery (indPres=4)."""
    if _nfce(ctx) and _ide(ctx, "indPres") not in ("1", "4"):
        raise Rejection(717)


# --- Group E: recipient -----------------------------------------------------------------------------------

@rule("E16a-10", 789)
def e16a_10_non_contributor(ctx: NFeContext) -> None:
    """789: an NFC-e recipient is not an ICMS contributor (indIEDest=9)."""
    if _nfce(ctx) and ctx.doc.dest is not None and ctx.doc.dest.findtext(N + "indIEDest") != "9":
        raise Rejection(789)


# --- Group I: items ---------------------------------------------------------------------------------------

@rule("I04-10", 373)
def i04_10_homologation_item(ctx: NFeContext) -> None:
    """373: in homologação the first item of an NFC-e is described as the fixed homologation text."""
    if _nfce(ctx) and ctx.doc.tpAmb == "2":
        first = next(ctx.doc.items(), None)
        if first is not None and first.findtext(f"{N}prod/{N}xProd") != HOMOLOGATION_ITEM:
            raise Rejection(373, "[nItem:1]")


@rule("I08-150", 725)
def i08_150_cfop(ctx: NFeContext) -> None:
    """725: an NFC-e item carries one of the retail sale CFOP (5101-5104, 5115, 5405, 5656, 5667, 5933)."""
    if not _nfce(ctx):
        return
    for det in ctx.doc.items():
        if det.findtext(f"{N}prod/{N}CFOP") not in NFCE_CFOP:
            raise Rejection(725, f"[nItem:{det.get('nItem')}]")


# --- Group W: totals --------------------------------------------------------------------------------------

@rule("W16-30", 780)
def w16_30_limit(ctx: NFeContext) -> None:
    """780: the NFC-e total may not exceed the UF limit (settings.nfce_max_vnf)."""
    if _nfce(ctx) and ctx.doc.total("vNF") > Decimal(ctx.settings.nfce_max_vnf):
        raise Rejection(780, f"[Limite:{ctx.settings.nfce_max_vnf}]")


NFCE_RULES = (
    b06_10_uf_accepts_nfce, b06_40_nfce_service_model, b09_40_issued_late, b09_40_offline_refused_late,
    b11a_10_internal_only, b22_scan, b25_20_purpose, b25a_10_final_consumer, b25b_20_presence,
    e16a_10_non_contributor, i04_10_homologation_item, i08_150_cfop, w16_30_limit,
)


# --- Group ZX: the QR code (infNFeSupl) -------------------------------------------------------------------

@dataclass
class QrContext:
    nfe: NFeContext
    qr: qrcode.QrCode | None = None
    url_chave: str = ""
    _tokens: list | None = field(default=None, repr=False)

    @property
    def doc(self):
        return self.nfe.doc

    @property
    def offline(self) -> bool:
        return self.doc.tpEmis == "9"

    def tokens(self) -> list[CscToken]:
        """The taxpayer's CSCs in this UF and environment (keyed by CNPJ base: every establishment, CSC-07)."""
        if self._tokens is None:
            base = (self.doc.issuer_cnpj or self.doc.issuer)[:8]
            cUF, tpAmb = self.nfe.acting_cUF, int(self.doc.tpAmb)
            self._tokens = self.nfe.reads.csc_tokens(base, cUF, tpAmb) if self.nfe.reads is not None else []
        return self._tokens

    def token(self) -> CscToken | None:
        tid = self.v2_token_id()
        return next((t for t in self.tokens() if tid is not None and t.id == tid), None)

    def v2_token_id(self) -> int | None:
        raw = self.qr.params[6 if self.offline else 3]
        return int(raw) if raw.isdigit() else None


def _url_ok(url: str, expected: str, local_path: str, settings) -> bool:
    if settings.nfce_local_urls and nfce_urls.is_local(url, local_path):
        return True
    return nfce_urls.normalize(url) == nfce_urls.normalize(expected)


@rule("ZX02-10", 394)
def zx02_10_qr_present(q: QrContext) -> None:
    """394: an NFC-e carries its QR code (infNFeSupl/qrCode); without it no other ZX rule applies."""
    if q.qr is None:
        raise Rejection(394)


@rule("ZX02-15", 903)
def zx02_15_v1_expired(q: QrContext) -> None:
    """903: QR code version 100 (v1) is not valid for a note issued after 30/09/2018."""
    if q.qr.version == "100" and parse_dh(q.doc.dhEmi) > QR_V1_LAST_DAY:
        raise Rejection(903)


@rule("ZX02-20", 395)
def zx02_20_qr_url(q: QrContext) -> None:
    """395: the address before '?' is the UF's QR consultation page (case ignored, nfce_urls table)."""
    expected = nfce_urls.qr_url(q.nfe.acting_cUF, int(q.doc.tpAmb))
    if not _url_ok(q.qr.base_url, expected, nfce_urls.LOCAL_QR_PATH, q.nfe.settings):
        raise Rejection(395)


@rule("ZX02-236", 398)
def zx02_236_version(q: QrContext) -> None:
    """398: the version parameter is one this UF takes (settings.nfce_qr_versions: 2 and/or 3)."""
    if q.qr.version not in q.nfe.settings.nfce_qr_versions:
        raise Rejection(398)


_PARAM_COUNT = {("2", False): 5, ("2", True): 8, ("3", False): 3, ("3", True): 8}


@rule("ZX02-224/324/326", 396)
def zx02_224_parameters(q: QrContext) -> None:
    """396: every parameter of the version and emission type is present: v2 online 5, v2 offline 8, v3 online 3,
    v3 offline 8, and in v3 offline the recipient type and its identification come together (ZX02-324/326)."""
    p = q.qr.params
    if len(p) != _PARAM_COUNT.get((q.qr.version, q.offline), len(p)) or any(x == "" for x in p[:3]):
        raise Rejection(396)
    if q.qr.version == "3" and q.offline and p[5] in ("1", "2") and not p[6]:
        raise Rejection(396)
    if q.qr.version == "3" and q.offline and p[6] and not p[5]:
        raise Rejection(396)


@rule("ZX02-228", 397)
def zx02_228_key(q: QrContext) -> None:
    """397: the first parameter is the access key of this note."""
    if q.qr.key != q.doc.key:
        raise Rejection(397)


@rule("ZX02-244", 397)
def zx02_244_environment(q: QrContext) -> None:
    """397: the environment parameter is ide/tpAmb."""
    if q.qr.tpAmb != q.doc.tpAmb:
        raise Rejection(397)


@rule("ZX02-268", 397)
def zx02_268_day(q: QrContext) -> None:
    """397: offline, the 4th parameter is the day of dhEmi."""
    if q.offline and q.qr.params[3] != q.doc.dhEmi[8:10]:
        raise Rejection(397)


@rule("ZX02-276", 397)
def zx02_276_total(q: QrContext) -> None:
    """397: offline, the 5th parameter is the note's vNF."""
    if q.offline and not qrcode.same_money(q.qr.params[4], q.doc.vNF):
        raise Rejection(397)


@rule("ZX02-296", 397)
def zx02_296_digest(q: QrContext) -> None:
    """397: offline v2, the 6th parameter is the hexadecimal of the signature's DigestValue."""
    if q.offline and q.qr.version == "2" and q.qr.params[5].lower() != qrcode.digval_hex(q.doc.digest_value):
        raise Rejection(397)


@rule("ZX02-328", 397)
def zx02_328_recipient(q: QrContext) -> None:
    """397: offline v3, the recipient parameters name the note's recipient (none when it has none)."""
    if not (q.offline and q.qr.version == "3"):
        return
    dest = q.doc.dest
    expected = ("", "")
    if dest is not None:
        for tag, tp in (("CNPJ", "1"), ("CPF", "2"), ("idEstrangeiro", "3")):
            if dest.findtext(N + tag) is not None:
                expected = (tp, dest.findtext(N + tag) if tp != "3" else "")
                break
    if (q.qr.params[5], q.qr.params[6]) != expected:
        raise Rejection(397)


@rule("6C02-10", 796)
def c6_02_10_taxpayer_has_csc(q: QrContext) -> None:
    """796: a v2 QR code (which needs a CSC) from a taxpayer that never registered one in this UF. The MOC
    dropped this database rule when the QR code entered the layout; kept here as the issue asks, for v2 only."""
    if q.qr.version == "2" and not q.tokens():
        raise Rejection(796)


@rule("ZX02-304", 462)
def zx02_304_token_registered(q: QrContext) -> None:
    """462: the CSC id of the QR code (cIdToken, without leading zeros) is one of the taxpayer's tokens."""
    if q.qr.version == "2" and q.token() is None:
        raise Rejection(462)


@rule("ZX02-308", 463)
def zx02_308_token_revoked(q: QrContext) -> None:
    """463: the token was revoked BEFORE dhEmi. Revoked after the issue (an offline note sent later) still holds."""
    if q.qr.version == "2":
        token = q.token()
        if token.end_ts is not None and token.end_ts < parse_dh(q.doc.dhEmi).timestamp():
            raise Rejection(463)


@rule("ZX02-320", 464)
def zx02_320_hash(q: QrContext) -> None:
    """464: the hash is SHA-1 of the parameters before it followed by the CSC, exactly as registered."""
    if q.qr.version == "2":
        if q.qr.params[-1].upper() != qrcode.v2_hash(q.qr.signed_data, q.token().token):
            raise Rejection(464)


@rule("ZX02-338", 583)
def zx02_338_signature(q: QrContext) -> None:
    """583: offline v3, assinatura is the issuer certificate's signature of the parameters before it."""
    if q.qr.version == "3" and q.offline:
        cert = q.nfe.sig.cert_der if q.nfe.sig is not None else b""
        if not qrcode.verify_v3_signature(q.qr.signed_data, q.qr.params[-1], cert):
            raise Rejection(583)


@rule("ZX03-20", 878)
def zx03_20_url_chave(q: QrContext) -> None:
    """878: urlChave is the UF's 'consulta por chave de acesso' page (nfce_urls table)."""
    expected = nfce_urls.url_chave(q.nfe.acting_cUF, int(q.doc.tpAmb))
    if not _url_ok(q.url_chave, expected, nfce_urls.LOCAL_CHAVE_PATH, q.nfe.settings):
        raise Rejection(878)


QR_RULES = (
    zx02_10_qr_present, zx02_15_v1_expired, zx02_20_qr_url, zx02_236_version, zx02_224_parameters,
    zx02_228_key, zx02_244_environment, zx02_268_day, zx02_276_total, zx02_296_digest, zx02_328_recipient,
    c6_02_10_taxpayer_has_csc, zx02_304_token_registered, zx02_308_token_revoked, zx02_320_hash,
    zx02_338_signature, zx03_20_url_chave,
)
QR_CODES = tuple(sorted({c for r in QR_RULES for c in r.cstats}))  # type: ignore[attr-defined]


def qr_context(ctx: NFeContext) -> QrContext:
    supl = ctx.doc.element.find(N + "infNFeSupl")
    if supl is None:
        return QrContext(ctx)
    return QrContext(ctx, qrcode.parse(supl.findtext(N + "qrCode") or ""), (supl.findtext(N + "urlChave") or ""))


@rule("ZX", *QR_CODES)
def zx_qr_code(ctx: NFeContext) -> None:
    """The QR code group, applied as settings.nfce_qr_check says (off / warn / enforce)."""
    mode = ctx.settings.nfce_qr_check
    if not _nfce(ctx) or mode == "off":
        return
    rejection = first_failure(QR_RULES, qr_context(ctx))
    if rejection is None:
        return
    if mode == "enforce":
        raise rejection
    text = codes.motivo(rejection.cstat, rejection.suffix, ctx.settings.xmotivo_style)  # type: ignore[arg-type]
    ctx.notes.setdefault("messages", []).append((rejection.cstat, text))


# --- The outcome of a late offline note: must stay LAST in the pipeline (150 is an authorization) ----------

@rule("B09-40-exc2", 150)
def b09_40_offline_late_authorized(ctx: NFeContext) -> None:
    """150: an offline NFC-e (tpEmis 9) sent after the deadline, where the UF takes late contingency notes, is
    authorized "fora de prazo" (B09-40 Exceção 2). Raised last, once every rejection rule has passed."""
    if _offline_late(ctx) and ctx.settings.nfce_offline_late:
        raise Rejection(150)


NFCE_OUTCOME_RULES = (b09_40_offline_late_authorized,)
