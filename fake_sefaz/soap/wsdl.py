"""The official WSDLs (shipped by nfelib) served with their address rewritten to this server.

zeep-based clients (erpbrasil.edoc, pytrustnfe) GET <url>?wsdl and then POST to the address written in
it, not to the URL they fetched (reference/sefaz-contract.md §2.2), so the address must be ours.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from fake_sefaz.domain.schemas import nfelib_path

_ADDRESS = re.compile(r'(<(?:soap|soap12):address\s+location=)"[^"]*"')
DATA_WSDL = Path(__file__).resolve().parent.parent / "data" / "wsdl"


@lru_cache(maxsize=32)
def _template(file_name: str) -> str:
    local = DATA_WSDL / file_name
    path = local if local.exists() else nfelib_path("nfe/wsdl/v4_0/" + file_name)
    return path.read_text(encoding="utf-8")


def render(file_name: str, address: str) -> bytes:
    return _ADDRESS.sub(lambda m: m.group(1) + quoteattr(address), _template(file_name)).encode("utf-8")
