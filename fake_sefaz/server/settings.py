"""The one settings object: defaults, then an optional TOML file, then FAKE_SEFAZ_* environment variables, then
the command line.

Every field can be set as FAKE_SEFAZ_<FIELD IN UPPER CASE> (lists are comma-separated) or in the TOML file
named by FAKE_SEFAZ_CONFIG. The README's settings table lists them all. Values are typed (pydantic validates the
dataclass's annotations: ranges, choices, UFs, existing files); load_settings and Settings.replace are the one way
to build settings from outside values, and a bad value is one SettingsError line naming where it came from
(decision 0014).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError

from fake_sefaz.domain import ufs

ENV_PREFIX = "FAKE_SEFAZ_"


class SettingsError(ValueError):
    """A bad setting: one line naming the variable, option or file key, the value and what is allowed."""


def _comma_list(value: Any) -> Any:
    # the environment and the command line give lists as "a,b"; TOML gives arrays
    if isinstance(value, str):
        return tuple(x.strip() for x in value.split(",") if x.strip())
    return value


def _uf(value: str) -> str:
    try:
        ufs.code_of(value)
    except (KeyError, ValueError):
        raise ValueError("not a UF: give a sigla (SP) or an IBGE code (35)") from None
    return value.upper() if not value.isdigit() else value


def _ufs(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_uf(v) for v in values)


def _files(values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if not Path(v).is_file():
            raise ValueError(f"no such file: {v}")
    return values


def _file_or_empty(value: str) -> str:
    if value and not Path(value).is_file():
        raise ValueError(f"no such file: {value}")
    return value


def _amount_or_empty(value: str) -> str:
    if value:
        try:
            if not Decimal(value).is_finite() or Decimal(value) < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError("not an amount: give a decimal such as 200000.00, or nothing") from None
    return value


def _database_url(value: str) -> str:
    if value and not value.startswith(("sqlite:", "postgresql:", "postgres:")):
        raise ValueError("give sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host/db")
    return value


CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_list)]
UfList = Annotated[tuple[str, ...], BeforeValidator(_comma_list), AfterValidator(_ufs)]
FileList = Annotated[tuple[str, ...], BeforeValidator(_comma_list), AfterValidator(_files)]
Uf = Annotated[str, AfterValidator(_uf)]
Port = Annotated[int, Field(ge=1, le=65535)]
Count = Annotated[int, Field(ge=1)]
NonNegative = Annotated[int, Field(ge=0)]
Seconds = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Amount = Annotated[str, AfterValidator(_amount_or_empty)]
SyncMode = Annotated[Literal["OFF", "NORMAL", "FULL", "EXTRA"], BeforeValidator(lambda v: str(v).upper())]


def setting(default: Any, doc: str) -> Any:
    """A settings field with its documentation (the README's settings table is generated from these)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    # --- identity of the authorizer
    uf: Uf = setting("SP", "the UF this server authorizes for, unless the URL path names another")
    tpAmb: Annotated[int, Field(ge=1, le=2)] = setting(2, "1 produção, 2 homologação (252 when a message's tpAmb differs)")
    ver_aplic: Annotated[str, Field(min_length=1, max_length=20)] = setting("FAKESEFAZ_PL010F", "verAplic answered in every ret* (1-20 characters)")
    xmotivo_style: Literal["accents", "ascii"] = setting("accents", "xMotivo texts: \"accents\" (as SP answers) or \"ascii\" (as SVRS answers)")
    # --- server
    host: str = setting("127.0.0.1", "address `serve` listens on")
    port: Port = setting(8080, "port `serve` listens on")
    workers: Count = setting(1, "worker processes (state lives in the store, so any worker answers any request)")
    database_url: Annotated[str, AfterValidator(_database_url)] = setting("", "sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host/db; empty: sqlite:///<data_dir>/fake-sefaz.db")
    data_dir: str = setting(".fake-sefaz", "directory for state: database and test PKI by default")
    request_log: Literal["off", "text", "json"] = setting("off", "one log line per SOAP request on stderr (service, "
                                                          "UF, model, cStat, milliseconds, caller): off, text or "
                                                          "json (JSON lines)")
    sqlite_synchronous: SyncMode = setting("FULL", "FULL survives power loss; NORMAL survives process crashes only")
    # --- HTTPS with mutual TLS, hosts mode, the admin API's door (issue 14)
    tls_port: Annotated[int, Field(ge=0, le=65535)] = setting(0, "HTTPS port `serve` also listens on, with the "
                                                              "emitter's certificate as TLS client certificate "
                                                              "(0: no HTTPS)")
    proxy_port: Annotated[int, Field(ge=0, le=65535)] = setting(0, "proxy mode: an HTTPS proxy (CONNECT) on this "
                                                                "port tunnels the real SEFAZ hostnames to the HTTPS "
                                                                "listener (set HTTPS_PROXY in the emitter); 0: none")
    http_enabled: bool = setting(True, "also serve plain HTTP on `port` (false: HTTPS only, on tls_port)")
    tls_cert_file: Annotated[str, AfterValidator(_file_or_empty)] = setting("", "PEM server certificate chain for "
                                                                           "HTTPS; empty: the test PKI's server.pem "
                                                                           "(SANs: localhost and every real SEFAZ host)")
    tls_key_file: Annotated[str, AfterValidator(_file_or_empty)] = setting("", "PEM private key of tls_cert_file")
    tls_client_errors: Literal["refuse", "cstat"] = setting("refuse", "a transmitter certificate that fails group A "
                                                            "(missing, expired, revoked, no CNPJ/CPF, not ICP-Brasil): "
                                                            "\"refuse\" answers HTTP 403 as the IIS hosts do (an "
                                                            "untrusted chain is refused in the handshake); \"cstat\" "
                                                            "answers 280-286 inside the service's own response")
    admin_token: str = setting("", "the admin API (/admin) answers loopback clients only; with a token it also "
                               "answers others that send Authorization: Bearer <token>")
    # --- the taxpayer portal, "Atendimento On-line" (issue 14; seeds 000 and 001)
    portal_session_minutes: Positive = setting(30.0, "a portal session ends this many minutes after its login")
    portal_password_login: bool = setting(False, "also offer login with IE or CPF and password (seed 000); NF-e "
                                          "issuers are refused it, as seed 001 item 2 says (certificate only)")
    portal_passwords: CommaList = setting((), "portal_password_login: the accepted credentials, each IE:senha or "
                                          "CPF:senha")
    # --- certificates
    certs_dir: str = setting("", "where `fake-sefaz certs` writes the test PKI; default <data_dir>/certs")
    trust_test_ca: bool = setting(True, "trust the test CA made by `fake-sefaz certs`")
    trust_anchors: FileList = setting((), "PEM files of further CAs (roots and intermediates) to trust")
    crl_files: FileList = setting((), "further CRLs (PEM or DER)")
    # --- message limits and timing rules
    max_message_bytes: Count = setting(500 * 1024, "MOC B01: data area over 500 KB -> 214")
    max_http_bytes: Count = setting(8 * 1024 * 1024, "above this the body is not read: SOAP fault")
    emission_future_tolerance_s: NonNegative = setting(300, "703: dhEmi later than receipt beyond this tolerance")
    emission_max_age_days: Count = setting(30, "228: dhEmi older than this")
    async_delay_s: Seconds = setting(0.0, "indSinc=0: the receipt answers 105 until this many seconds have passed")
    sync_enabled: bool = setting(True, "False: indSinc=1 answers 776 (UF without synchronous service)")
    tMed: NonNegative = setting(1, "average response time reported by the status and receipt answers (seconds)")
    # --- events and inutilização (issue 3: NFeRecepcaoEvento4, NFeInutilizacao4)
    event_future_tolerance_s: NonNegative = setting(300, "578: dhEvento later than the receipt beyond this tolerance (MOC: 5 minutes)")
    cancel_window_nfe_h: Positive = setting(24.0, "110111 on model 55: hours after the authorization's dhRecbto (501 past it; DF art. 15)")
    cancel_window_nfce_min: Positive = setting(30.0, "110111 on model 65: minutes after the authorization's dhRecbto (501 past it)")
    cancel_late_accept: bool = setting(False, "True: a late NF-e (55) cancellation is accepted with 155; never for NFC-e (MOC 5.9.4)")
    cancel_subst_window_h: Positive = setting(168.0, "110112 (NFC-e cancellation by substitution): hours after the authorization (501 past it)")
    cce_max_seq: Annotated[int, Field(ge=1, le=20)] = setting(20, "110110 Carta de Correção: highest nSeqEvento (594 above it)")
    inut_max_range: Count = setting(10000, "201: most numbers one inutNFe may void (nNFFin - nNFIni + 1)")
    # --- NFC-e (model 65): QR code, CSC tokens, offline contingency, consumer page (issue 5)
    nfce_qr_check: Literal["off", "warn", "enforce"] = setting("warn", "QR code / CSC checks of NFC-e: off, warn (authorize, the would-be code in "
                                 "infProt cMsg/xMsg) or enforce (394-398, 462-464, 583, 796, 878, 903)")
    nfce_qr_versions: CommaList = setting(("2", "3"), "QR code versions this UF accepts (398 for another)")
    nfce_local_urls: bool = setting(False, "also accept this server's own consumer pages as qrCode URL "
                                    "(/portal/nfce/qrcode) and urlChave (/portal/nfce/consulta), on any host (395/878)")
    nfce_refused_ufs: UfList = setting((), "UFs (siglas) that do not accept NFC-e: 702 (MOC B06-10)")
    nfce_emission_delay_s: NonNegative = setting(300, "704: dhEmi of an online NFC-e older than this (MOC B09-40: 5 minutes)")
    nfce_max_vnf: Amount = setting("200000.00", "780: NFC-e total above this UF limit (MOC W16-30)")
    nfce_offline_deadline_h: Count = setting(24, "offline NFC-e (tpEmis 9) sent within this many hours of dhEmi: 100")
    nfce_offline_late: bool = setting(True, "past the offline deadline: True authorizes with 150, False rejects 704")
    csc_length: Annotated[int, Field(ge=1, le=36)] = setting(36, "length of generated CSC tokens (national CSCs: up to 36 upper-case "
                              "alphanumerics; the 2013 SEFAZ-AM guide shows 8 digits)")
    csc_alphabet: Annotated[str, Field(min_length=2)] = setting("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "characters of generated CSC tokens")
    # --- faults, scenarios and clock control (issue 6)
    clock_control: bool = setting(False, "server mode: the clock's offset / frozen instant live in the store, so "
                                  "/admin/faults/clock moves every worker's time (re-read every 0.5 s)")
    clock_cache_s: Seconds = setting(0.0, "clock_control: how long a worker may reuse the clock it read from the store "
                                   "(0 = read on every request, ~25 us on SQLite; >0 lets workers lag a clock change)")
    fault_headers: bool = setting(True, "honour the X-Fake-Sefaz-Status / -Delay-Ms / -Drop request headers")
    drop_hold_s: Seconds = setting(60.0, "drop mode 'timeout': the answer is held this long (past the client's "
                                 "timeout) after the commit, then the connection is closed")
    consumption_limits: bool = setting(False, "656 Consumo Indevido (NT 2018.002): count uses per issuer and key, "
                                       "suspend, then block (also switchable by the admin API)")
    consumption_window_s: Positive = setting(3600.0, "656: the counting window")
    consumption_suspension_s: Positive = setting(3600.0, "656: how long a suspension lasts (NT 2018.002: 1 hour)")
    consumption_block_after: Count = setting(3, "656: the n-th suspension within 24 h blocks until an admin release")
    consumption_nfe_rejections: Count = setting(30, "656: the same NF-e rejected again with the same cStat, more than this")
    consumption_key_queries: Count = setting(10, "656: consSitNFe of the same key, more than this per window")
    consumption_receipt_queries: Count = setting(40, "656: consReciNFe of the same receipt, more than this per window")
    consumption_event_rejections: Count = setting(20, "656: the same event rejected again, more than this")
    consumption_inut_rejections: Count = setting(20, "656: the same inutilização rejected again, more than this")
    # --- responsável técnico and CSRT (NT 2018.005 v1.52; issue 17)
    resp_tec_ufs: UfList = setting(("AM", "MS", "PE", "PR", "SC", "TO"), "UFs that demand infRespTec (972) "
                                            "and check its CNPJ (973); NT 2018.005 names AM MS PE PR SC TO")
    csrt_ufs: UfList = setting(("PR",), "UFs that demand idCSRT/hashCSRT in model 55 (975; PR from hom "
                                        "19/01/2026, prod 23/02/2026) and check them against csrt_registry "
                                        "(974, 976-978)")
    csrt_registry: CommaList = setting((), "the developers' CSRTs the UF issued, each CNPJ:idCSRT:CSRT or "
                                             "CNPJ:idCSRT:CSRT:revoked; empty = no registry (974, 976-978 not "
                                             "checked, 975 still is)")
    # --- taxpayer registry, denial, accreditation, CadConsultaCadastro4 (issue 4)
    registry_file: Annotated[str, AfterValidator(_file_or_empty)] = setting("", "YAML or JSON file of taxpayers loaded (upserted) at start; format in docs/readme/registry.md, example fixtures/taxpayers.yaml")
    unknown_issuer: Literal["regular", "reject"] = setting("regular", "issuer (CNPJ/CPF + IE) not in the registry: \"regular\" auto-registers it as active and accredited; \"reject\" answers 230 (IE not registered) like a real authorizer")
    unknown_recipient_ie: Literal["accept", "reject"] = setting("accept", "recipient IE of this UF (indIEDest=1) not in the registry: \"accept\" or \"reject\" (233)")
    recipient_denial: bool = setting(True, "302/303: deny for the recipient's irregularity (DF Portaria 403/2009 art. 10 II b); false as PI (recipient not a ground)")
    nfe_denial_removed: bool = setting(True, "NT 2024.001: from 16/09/2024 (homologação 01/07/2024) model 55 is "
                                       "no longer denied: an irregular issuer gets 781, an irregular or disabled "
                                       "recipient 302 / 303 as rejections (nothing stored, the number stays free); "
                                       "false keeps denying model 55 as DF Portaria 403/2009 does")
    suspension_days: NonNegative = setting(30, "301/302: a fisco suspension after notice makes the taxpayer irregular after more than this many days (DF art. 10 §9 II)")
    cons_cad_cpf: bool = setting(True, "CadConsultaCadastro4 answers queries by CPF; false -> 262")
    # --- content rules: totals limits per UF (issue 17, MOC W03-20, W04-20, W06-20, W16-20; "" = rule off)
    limit_total_vbc: Amount = setting("", "935: ICMSTot/vBC above this limit (e.g. 200000.00; the UF sets it, NT 2019.001)")
    limit_total_vicms: Amount = setting("", "417: ICMSTot/vICMS above this limit")
    limit_total_vst: Amount = setting("", "418: ICMSTot/vST above this limit")
    limit_total_vnf: Amount = setting("", "628: vNF above this limit (model 55; NFC-e: nfce_max_vnf, 780)")
    payment_sum_nfe: bool = setting(True, "865 (payments below vNF) also for NF-e, model 55: NT 2025.001 made the rule national but marks the NF-e part future")
    uf_optional_rules: CommaList = setting((), "MOC rule ids of UF-option (\"Facul.\") content rules the default profile leaves off, switched on for this UF: N16-04 (663), N28-10 (625), N28-20 (626), N28-30 (627), YA04a-20 (737), F02-10 (512), F02a-10 (540), G02-10 (514), G02a-10 (541), I08-10 (518), I08-20 (519), I08-60 (520), B28-30 (558), B28-40 (569), B22-20 (712), B22-34 (714)")
    # --- the Ambiente Nacional: NFeDistribuicaoDFe (issue 15; NT 2014.002 §3)
    dist_max_docs: Annotated[int, Field(ge=1, le=50)] = setting(50, "docZip per distribution answer (NT: at most 50)")
    dist_retention_days: Positive = setting(90.0, "documents stay distributable this many days after the AN got them (632 past it)")
    dist_idle_days: Positive = setting(60.0, "NSUs are generated only for parties that called distNSU within this many days (new or idle: 137 first)")
    dist_wait_s: Positive = setting(3600.0, "656: wait after a distNSU found nothing, and how long a block lasts (NT: 1 hour)")
    dist_key_queries: Count = setting(20, "656: consChNFe + consNSU per hour per party, more than this blocks")
    dist_max_bytes: Count = setting(10240, "214: distDFeInt data area above this (NT 2014.002 B01: 10 KB)")
    # --- contingency (issue 16; reference national-services-and-transport.md §5)
    svc_homologacao: Literal["always", "scheduled"] = setting("always", "SVC-AN/SVC-RS in homologação: \"always\" active for every UF, as NT 2013.007 §03 runs it; \"scheduled\" follows the activation windows like produção (to rehearse 113/114)")
    late_contingency_authorize: bool = setting(True, "NF-e issued in contingency (tpEmis 2, 4, 5) older than emission_max_age_days: True authorizes with 150 (B09-20 exceção 2), False rejects 228")
    epec_refused_ufs: UfList = setting(("PR", "PB"), "UFs whose SEFAZ does not take EPEC: 121 (2P10-20)")
    epec_max_age_h: Positive = setting(24.0, "228 at the EPEC: dhEmi older than this many hours (P23-20: 1 day)")
    epec_block_hours: Positive = setting(168.0, "142: the issuer's EPEC environment is blocked while an EPEC has been pending its NF-e longer than this (MOC-VG §3.3.12: 168 h)")
    epec_limit_vnf: Amount = setting("500000000.00", "628 at the EPEC: vNF above this (P32-10: R$ 500 million)")
    epec_limit_vicms: Amount = setting("500000000.00", "417 at the EPEC: vICMS above this (P33-10)")
    epec_limit_vst: Amount = setting("500000000.00", "418 at the EPEC: vST above this (P34-10)")
    # --- performance (issue 7)
    signature_verifier: Literal["fast", "xmlsec"] = setting("fast", "rule F02 (297): \"fast\" accepts a valid signature of the profile's "
                                      "exact shape with lxml C14N + hashlib + cryptography (~2x faster, checked "
                                      "against xmlsec by a differential test) and leaves every rejection and "
                                      "every other shape to xmlsec; \"xmlsec\" verifies everything with xmlsec")
    group_commit: bool = setting(True, "authorizations that arrive together share one durable commit (one fsync), none answered before it (issue 18); with one worker on SQLite and soap_executor=inline (several workers would queue behind a group's write lock; PostgreSQL groups its WAL flushes itself)")
    group_commit_wait_ms: Seconds = setting(2.0, "the longest a commit group waits for requests still on their way (milliseconds)")
    soap_executor: Literal["inline", "thread"] = setting("inline", "where a worker runs the SOAP handler: \"inline\" in the event loop "
                                 "(default, measured faster) or \"thread\" (one handler thread per worker)")

    def __post_init__(self) -> None:
        # the database lives under the data directory unless a URL says otherwise (issue 13)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{Path(self.data_dir) / 'fake-sefaz.db'}")

    @property
    def cUF(self) -> int:
        return ufs.code_of(self.uf)

    @property
    def certs_path(self) -> Path:
        return Path(self.certs_dir) if self.certs_dir else Path(self.data_dir) / "certs"

    def replace(self, **changes: Any) -> "Settings":
        """These settings with some changed, validated and converted like any outside value (a scenario's
        `settings: {nfce_refused_ufs: SP}` becomes ('SP',))."""
        values = {f.name: getattr(self, f.name) for f in fields(Settings)}
        if "data_dir" in changes and "database_url" not in changes and self._derived_database():
            values["database_url"] = ""  # follow the new data directory
        return validate({**values, **changes}, {k: f"{k}" for k in changes})

    def _derived_database(self) -> bool:
        return self.database_url == f"sqlite:///{Path(self.data_dir) / 'fake-sefaz.db'}"


@cache
def _adapter() -> TypeAdapter:
    return TypeAdapter(Settings)


def validate(values: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> Settings:
    """Settings from outside values; a bad one raises SettingsError naming its source (sources: field -> label)."""
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        label = (sources or {}).get(unknown[0], unknown[0])
        raise SettingsError(f"{label}: unknown setting (see the settings table of the README)")
    try:
        return _adapter().validate_python(dict(values))
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        label = (sources or {}).get(name, name)
        value = first.get("input")
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{label}={value!r}: {message}") from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults < TOML file (FAKE_SEFAZ_CONFIG) < environment < explicit overrides (command line)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    config = env.get(ENV_PREFIX + "CONFIG")
    if config:
        try:
            with open(config, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as err:
            raise SettingsError(f"{ENV_PREFIX}CONFIG={config!r}: cannot read it ({err.strerror})") from None
        except tomllib.TOMLDecodeError as err:
            raise SettingsError(f"{ENV_PREFIX}CONFIG={config!r}: not TOML ({err})") from None
        values.update(data)
        sources.update({k: f"{config}: {k}" for k in data})
    for f in fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in env:
            values[f.name] = env[key]
            sources[f.name] = key
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(given)
    sources.update({k: "--" + k.replace("_", "-") for k in given})
    return validate(values, sources)


def as_env(settings: Settings) -> dict[str, str]:
    """The settings as FAKE_SEFAZ_* variables, to hand them to worker processes."""
    out = {}
    for f in fields(Settings):
        v = getattr(settings, f.name)
        if isinstance(v, tuple):
            v = ",".join(v)
        out[ENV_PREFIX + f.name.upper()] = str(v)
    return out
