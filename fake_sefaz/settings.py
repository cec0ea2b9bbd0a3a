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


@dataclass(frozen=True)
class Settings:
    # --- identity of the authorizer
    uf: str = "SP"  # the UF this server authorizes for, unless the URL path names another
    tpAmb: int = 2  # 1 produção, 2 homologação (252 when a message's tpAmb differs)
    ver_aplic: str = "FAKESEFAZ_PL010F"
    xmotivo_style: str = "accents"  # "accents" (SP) or "ascii" (SVRS)
    # --- server
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    database_url: str = "sqlite:///.fake-sefaz/fake-sefaz.db"
    data_dir: str = ".fake-sefaz"
    sqlite_synchronous: str = "FULL"  # FULL survives power loss; NORMAL survives process crashes only
    # --- certificates
    certs_dir: str = ""  # where `fake-sefaz certs` writes the test PKI; default <data_dir>/certs
    trust_test_ca: bool = True  # trust the test CA made by `fake-sefaz certs`
    trust_anchors: tuple[str, ...] = ()  # PEM files of further CAs (roots and intermediates) to trust
    crl_files: tuple[str, ...] = ()  # further CRLs (PEM or DER)
    # --- message limits and timing rules
    max_message_bytes: int = 500 * 1024  # MOC B01: data area over 500 KB -> 214
    max_http_bytes: int = 8 * 1024 * 1024  # above this the body is not read: SOAP fault
    emission_future_tolerance_s: int = 300  # 703: dhEmi later than receipt beyond this tolerance
    emission_max_age_days: int = 30  # 228: dhEmi older than this
    async_delay_s: float = 0.0  # indSinc=0: the receipt answers 105 until this many seconds have passed
    sync_enabled: bool = True  # False: indSinc=1 answers 776 (UF without synchronous service)
    tMed: int = 1  # average response time reported by the status and receipt answers (seconds)

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
