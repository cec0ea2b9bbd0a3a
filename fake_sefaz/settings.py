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

from . import ufs

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
    # --- performance (issue 7)
    signature_verifier: str = setting("xmlsec", "rule F02 (297): \"xmlsec\", or \"fast\" (lxml C14N + hashlib + "
                                      "cryptography on the profile's exact shape, xmlsec for anything else; ~2x "
                                      "faster, checked against xmlsec by a differential test)")
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
