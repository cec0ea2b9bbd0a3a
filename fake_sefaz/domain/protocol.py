"""Formats of what the authorizer issues: nProt, nRec and the date-times it answers with.

nProt (TProt, 15 digits): authority type(1: SEFAZ estadual) + cUF(2) + year(2) + sequence in the year(10)
(leiauteNFe_v4.00.xsd documentation). nRec (TRec, 15 digits): cUF(2) + sequence(13), whose first digit is the
authority type: 0 at a UF's own authorizer, 6 at SVC-AN, 7 at SVC-RS (NT 2013.007 §91-92; 8 is the AN's EPEC).
"""

from __future__ import annotations

from datetime import datetime

from fake_sefaz.domain import ufs

AUTHORITY_SEFAZ = 1


def n_prot(cUF: int, year: int, seq: int, authority: int = AUTHORITY_SEFAZ) -> str:
    if not 0 < seq < 10**10:
        raise ValueError("protocol sequence exhausted for the year")
    return f"{authority}{cUF:02d}{year % 100:02d}{seq:010d}"


def n_rec(cUF: int, seq: int, authority: int = 0) -> str:
    if authority:
        return f"{cUF:02d}{authority}{seq:012d}"
    return f"{cUF:02d}{seq:013d}"


def dh(instant: datetime, cUF: int) -> str:
    """TDateTimeUTC as the UF answers it: local time with its offset, whole seconds (2026-11-21T10:00:00-03:00)."""
    return instant.astimezone(ufs.tz_of(cUF)).replace(microsecond=0).isoformat()


def parse_dh(value: str) -> datetime:
    """Parse a TDateTimeUTC value (always carries its offset after schema validation)."""
    return datetime.fromisoformat(value)


def proc_nfe(nfe_xml: str, prot_xml: str) -> bytes:
    """The distribution file of an authorized NF-e (procNFe 4.00): the NFe exactly as signed and its protNFe, inside
    nfeProc. Both are kept verbatim, so the signature still verifies."""
    nfe = nfe_xml.split("?>", 1)[1] if nfe_xml.lstrip().startswith("<?xml") else nfe_xml
    return ('<?xml version="1.0" encoding="UTF-8"?><nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00">'
            f"{nfe.strip()}{prot_xml.strip()}</nfeProc>").encode("utf-8")
