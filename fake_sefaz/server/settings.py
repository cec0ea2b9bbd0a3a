"""The one settings object: defaults, then an optional TOML file, then FAKE_SEFAZ_* environment variables.

Every field can be set as FAKE_SEFAZ_<FIELD IN UPPER CASE> (lists are comma-separated) or in the TOML file
named by FAKE_SEFAZ_CONFIG. The README's settings table lists them all.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from fake_sefaz.domain import ufs

ENV_PREFIX = "FAKE_SEFAZ_"


def setting(default: Any, doc: str) -> Any:
    """A settings field with its documentation (the README's settings table is generated from these)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    # --- identity of the authorizer
    uf: str = setting("SP", "the UF this server authorizes for, unless the URL path names another")
    tpAmb: int = setting(2, "1 produção, 2 homologação (252 when a message's tpAmb differs)")
    ver_aplic: str = setting("FAKESEFAZ_PL010F", "verAplic answered in every ret* (1-20 characters)")
    xmotivo_style: str = setting("accents", "xMotivo texts: \"accents\" (as SP answers) or \"ascii\" (as SVRS answers)")
    # --- server
    host: str = setting("127.0.0.1", "address `serve` listens on")
    port: int = setting(8080, "port `serve` listens on")
    workers: int = setting(1, "worker processes (state lives in the store, so any worker answers any request)")
    database_url: str = setting("sqlite:///.fake-sefaz/fake-sefaz.db", "sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host/db")
    data_dir: str = setting(".fake-sefaz", "directory for state: database and test PKI by default")
    sqlite_synchronous: str = setting("FULL", "FULL survives power loss; NORMAL survives process crashes only")
    # --- certificates
    certs_dir: str = setting("", "where `fake-sefaz certs` writes the test PKI; default <data_dir>/certs")
    trust_test_ca: bool = setting(True, "trust the test CA made by `fake-sefaz certs`")
    trust_anchors: tuple[str, ...] = setting((), "PEM files of further CAs (roots and intermediates) to trust")
    crl_files: tuple[str, ...] = setting((), "further CRLs (PEM or DER)")
    # --- message limits and timing rules
    max_message_bytes: int = setting(500 * 1024, "MOC B01: data area over 500 KB -> 214")
    max_http_bytes: int = setting(8 * 1024 * 1024, "above this the body is not read: SOAP fault")
    emission_future_tolerance_s: int = setting(300, "703: dhEmi later than receipt beyond this tolerance")
    emission_max_age_days: int = setting(30, "228: dhEmi older than this")
    async_delay_s: float = setting(0.0, "indSinc=0: the receipt answers 105 until this many seconds have passed")
    sync_enabled: bool = setting(True, "False: indSinc=1 answers 776 (UF without synchronous service)")
    tMed: int = setting(1, "average response time reported by the status and receipt answers (seconds)")
    # --- events and inutilização (issue 3: NFeRecepcaoEvento4, NFeInutilizacao4)
    event_future_tolerance_s: int = setting(300, "578: dhEvento later than the receipt beyond this tolerance (MOC: 5 minutes)")
    cancel_window_nfe_h: float = setting(24.0, "110111 on model 55: hours after the authorization's dhRecbto (501 past it; DF art. 15)")
    cancel_window_nfce_min: float = setting(30.0, "110111 on model 65: minutes after the authorization's dhRecbto (501 past it)")
    cancel_late_accept: bool = setting(False, "True: a late NF-e (55) cancellation is accepted with 155; never for NFC-e (MOC 5.9.4)")
    cancel_subst_window_h: float = setting(168.0, "110112 (NFC-e cancellation by substitution): hours after the authorization (501 past it)")
    cce_max_seq: int = setting(20, "110110 Carta de Correção: highest nSeqEvento (594 above it)")
    inut_max_range: int = setting(10000, "201: most numbers one inutNFe may void (nNFFin - nNFIni + 1)")
    # --- NFC-e (model 65): QR code, CSC tokens, offline contingency, consumer page (issue 5)
    nfce_qr_check: str = setting("warn", "QR code / CSC checks of NFC-e: off, warn (authorize, the would-be code in "
                                 "infProt cMsg/xMsg) or enforce (394-398, 462-464, 583, 796, 878, 903)")
    nfce_qr_versions: tuple[str, ...] = setting(("2", "3"), "QR code versions this UF accepts (398 for another)")
    nfce_local_urls: bool = setting(False, "also accept this server's own consumer pages as qrCode URL "
                                    "(/portal/nfce/qrcode) and urlChave (/portal/nfce/consulta), on any host (395/878)")
    nfce_refused_ufs: tuple[str, ...] = setting((), "UFs (siglas) that do not accept NFC-e: 702 (MOC B06-10)")
    nfce_emission_delay_s: int = setting(300, "704: dhEmi of an online NFC-e older than this (MOC B09-40: 5 minutes)")
    nfce_max_vnf: str = setting("200000.00", "780: NFC-e total above this UF limit (MOC W16-30)")
    nfce_offline_deadline_h: int = setting(24, "offline NFC-e (tpEmis 9) sent within this many hours of dhEmi: 100")
    nfce_offline_late: bool = setting(True, "past the offline deadline: True authorizes with 150, False rejects 704")
    csc_length: int = setting(36, "length of generated CSC tokens (national CSCs: up to 36 upper-case "
                              "alphanumerics; the 2013 SEFAZ-AM guide shows 8 digits)")
    csc_alphabet: str = setting("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "characters of generated CSC tokens")
    # --- faults, scenarios and clock control (issue 6)
    clock_control: bool = setting(False, "server mode: the clock's offset / frozen instant live in the store, so "
                                  "/admin/faults/clock moves every worker's time (re-read every 0.5 s)")
    clock_cache_s: float = setting(0.0, "clock_control: how long a worker may reuse the clock it read from the store "
                                   "(0 = read on every request, ~25 us on SQLite; >0 lets workers lag a clock change)")
    fault_headers: bool = setting(True, "honour the X-Fake-Sefaz-Status / -Delay-Ms / -Drop request headers")
    drop_hold_s: float = setting(60.0, "drop mode 'timeout': the answer is held this long (past the client's "
                                 "timeout) after the commit, then the connection is closed")
    consumption_limits: bool = setting(False, "656 Consumo Indevido (NT 2018.002): count uses per issuer and key, "
                                       "suspend, then block (also switchable by the admin API)")
    consumption_window_s: float = setting(3600.0, "656: the counting window")
    consumption_suspension_s: float = setting(3600.0, "656: how long a suspension lasts (NT 2018.002: 1 hour)")
    consumption_block_after: int = setting(3, "656: the n-th suspension within 24 h blocks until an admin release")
    consumption_nfe_rejections: int = setting(30, "656: the same NF-e rejected again with the same cStat, more than this")
    consumption_key_queries: int = setting(10, "656: consSitNFe of the same key, more than this per window")
    consumption_receipt_queries: int = setting(40, "656: consReciNFe of the same receipt, more than this per window")
    consumption_event_rejections: int = setting(20, "656: the same event rejected again, more than this")
    consumption_inut_rejections: int = setting(20, "656: the same inutilização rejected again, more than this")
    # --- responsável técnico and CSRT (NT 2018.005 v1.52; issue 17)
    resp_tec_ufs: tuple[str, ...] = setting(("AM", "MS", "PE", "PR", "SC", "TO"), "UFs that demand infRespTec (972) "
                                            "and check its CNPJ (973); NT 2018.005 names AM MS PE PR SC TO")
    csrt_ufs: tuple[str, ...] = setting(("PR",), "UFs that demand idCSRT/hashCSRT in model 55 (975; PR from hom "
                                        "19/01/2026, prod 23/02/2026) and check them against csrt_registry "
                                        "(974, 976-978)")
    csrt_registry: tuple[str, ...] = setting((), "the developers' CSRTs the UF issued, each CNPJ:idCSRT:CSRT or "
                                             "CNPJ:idCSRT:CSRT:revoked; empty = no registry (974, 976-978 not "
                                             "checked, 975 still is)")
    # --- taxpayer registry, denial, accreditation, CadConsultaCadastro4 (issue 4)
    registry_file: str = setting("", "YAML or JSON file of taxpayers loaded (upserted) at start; format in docs/readme/registry.md, example fixtures/taxpayers.yaml")
    unknown_issuer: str = setting("regular", "issuer (CNPJ/CPF + IE) not in the registry: \"regular\" auto-registers it as active and accredited; \"reject\" answers 230 (IE not registered) like a real authorizer")
    unknown_recipient_ie: str = setting("accept", "recipient IE of this UF (indIEDest=1) not in the registry: \"accept\" or \"reject\" (233)")
    recipient_denial: bool = setting(True, "302/303: deny for the recipient's irregularity (DF Portaria 403/2009 art. 10 II b); false as PI (recipient not a ground)")
    nfe_denial_removed: bool = setting(True, "NT 2024.001: from 16/09/2024 (homologação 01/07/2024) model 55 is "
                                       "no longer denied: an irregular issuer gets 781, an irregular or disabled "
                                       "recipient 302 / 303 as rejections (nothing stored, the number stays free); "
                                       "false keeps denying model 55 as DF Portaria 403/2009 does")
    suspension_days: int = setting(30, "301/302: a fisco suspension after notice makes the taxpayer irregular after more than this many days (DF art. 10 §9 II)")
    cons_cad_cpf: bool = setting(True, "CadConsultaCadastro4 answers queries by CPF; false -> 262")
    # --- content rules: totals limits per UF (issue 17, MOC W03-20, W04-20, W06-20, W16-20; "" = rule off)
    limit_total_vbc: str = setting("", "935: ICMSTot/vBC above this limit (e.g. 200000.00; the UF sets it, NT 2019.001)")
    limit_total_vicms: str = setting("", "417: ICMSTot/vICMS above this limit")
    limit_total_vst: str = setting("", "418: ICMSTot/vST above this limit")
    limit_total_vnf: str = setting("", "628: vNF above this limit (model 55; NFC-e: nfce_max_vnf, 780)")
    payment_sum_nfe: bool = setting(True, "865 (payments below vNF) also for NF-e, model 55: NT 2025.001 made the rule national but marks the NF-e part future")
    uf_optional_rules: tuple[str, ...] = setting((), "MOC rule ids of UF-option (\"Facul.\") content rules the default profile leaves off, switched on for this UF: N16-04 (663), N28-10 (625), N28-20 (626), N28-30 (627), YA04a-20 (737)")
    # --- performance (issue 7)
    signature_verifier: str = setting("fast", "rule F02 (297): \"fast\" accepts a valid signature of the profile's "
                                      "exact shape with lxml C14N + hashlib + cryptography (~2x faster, checked "
                                      "against xmlsec by a differential test) and leaves every rejection and "
                                      "every other shape to xmlsec; \"xmlsec\" verifies everything with xmlsec")
    soap_executor: str = setting("inline", "where a worker runs the SOAP handler: \"inline\" in the event loop "
                                 "(default, measured faster) or \"thread\" (one handler thread per worker)")

    @property
    def cUF(self) -> int:
        return ufs.code_of(self.uf)

    @property
    def certs_path(self) -> Path:
        return Path(self.certs_dir) if self.certs_dir else Path(self.data_dir) / "certs"

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _coerce(raw: Any, typ: Any) -> Any:
    if typ in ("bool", bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    if typ in ("int", int):
        return int(raw)
    if typ in ("float", float):
        return float(raw)
    if str(typ).startswith("tuple"):
        if isinstance(raw, (list, tuple)):
            return tuple(str(x) for x in raw)
        return tuple(x.strip() for x in str(raw).split(",") if x.strip())
    return str(raw)


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults < TOML file (FAKE_SEFAZ_CONFIG) < environment < explicit overrides (command line)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    config = env.get(ENV_PREFIX + "CONFIG")
    if config:
        with open(config, "rb") as fh:
            values.update(tomllib.load(fh))
    for f in fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in env:
            values[f.name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f.type for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = Settings(**{k: _coerce(v, known[k]) for k, v in values.items()})
    ufs.code_of(settings.uf)  # fail fast on a bad UF
    if settings.tpAmb not in (1, 2):
        raise ValueError("tpAmb must be 1 or 2")
    if settings.nfce_qr_check not in ("off", "warn", "enforce"):
        raise ValueError("nfce_qr_check must be off, warn or enforce")
    return settings


def as_env(settings: Settings) -> dict[str, str]:
    """The settings as FAKE_SEFAZ_* variables, to hand them to worker processes."""
    out = {}
    for f in fields(Settings):
        v = getattr(settings, f.name)
        if isinstance(v, tuple):
            v = ",".join(v)
        out[ENV_PREFIX + f.name.upper()] = str(v)
    return out
