"""CSRT, the secret a UF issues to a software developer (responsável técnico), and hashCSRT (NT 2018.005 v1.52
§2.3-2.4): Base64 of the raw SHA-1 digest of the CSRT followed by the 44-digit access key (28 characters)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Mapping


def hash_csrt(csrt: str, key: str) -> str:
    """NT 2018.005's worked example: CSRT G8063VRTNDMO886SFNK5LDUDEI24XJ22YIPO and key
    41180678393592000146558900000006041028190697 give aWv6LeEM4X6u4+qBI2OYZ8grigw=."""
    return base64.b64encode(hashlib.sha1((csrt + key).encode("utf-8")).digest()).decode("ascii")


@dataclass(frozen=True)
class Csrt:
    cnpj: str  # the developer (infRespTec/CNPJ)
    id: str  # idCSRT, 2 digits
    csrt: str
    revoked: bool = False


@cache
def parse_registry(entries: tuple[str, ...]) -> Mapping[tuple[str, str], Csrt]:
    """settings.csrt_registry ("CNPJ:idCSRT:CSRT[:revoked]") -> {(CNPJ, idCSRT): Csrt}, parsed once per value."""
    out = {}
    for entry in entries:
        parts = [p.strip() for p in entry.split(":")]
        if len(parts) < 3:
            raise ValueError(f"csrt_registry entry {entry!r}: expected CNPJ:idCSRT:CSRT[:revoked]")
        c = Csrt(parts[0], parts[1].zfill(2), parts[2], len(parts) > 3 and parts[3].lower() == "revoked")
        out[(c.cnpj, c.id)] = c
    return MappingProxyType(out)
