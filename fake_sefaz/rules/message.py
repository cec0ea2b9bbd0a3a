"""Message-level rules every web service applies before its own (MOC 7.00 §4.1 groups B and D).

Order: B01 214 size, B02 243 malformed (both found by the codec), B05 410 UF, B06 239 version,
D01 schema (215, or 225 for the NF-e lot) refined by the specific codes 568/517 (no versao), 587
(foreign namespace) and 546 (Id without the literal NFe), D01e 588 edit characters, D02 404 prefix,
D03 402 encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.domain.xml import DS, NFE, N, ns_of
from fake_sefaz.rules import rule


@dataclass
class MessageContext:
    payload: etree._Element
    root: str  # local name of the payload root
    schema: str  # schema name in schemas.SCHEMA_FILES
    version: str  # versao the service accepts for this root
    is_lot: bool  # the NF-e lot (enviNFe) answers 225/568 where others answer 215/517
    acting_cUF: int
    schemas: Schemas
    data_encoding: str | None
    codec_error: Rejection | None


@rule("B01/B02/D03", 214, 243, 402)
def b01_codec_findings(ctx: MessageContext) -> None:
    """B01 (214) data area over 500 KB, B02 (243) malformed, D03 (402) not UTF-8: found by the codec."""
    if ctx.codec_error is not None:
        raise ctx.codec_error


@rule("B05", 410)
def b05_uf_served(ctx: MessageContext) -> None:
    """B05 (410): the cUF of a message that names one must be a UF this web service serves."""
    if ctx.root in ("consStatServ",):
        cuf = ctx.payload.findtext(N + "cUF")
        if cuf and cuf.isdigit() and int(cuf) != ctx.acting_cUF:
            raise Rejection(410)


@rule("B06", 239)
def b06_version(ctx: MessageContext) -> None:
    """B06 (239): the root's versao must be the version this service supports (missing versao: D01)."""
    v = ctx.payload.get("versao")
    if v is not None and v != ctx.version:
        raise Rejection(239, f"[versao:{v[:10]}]")


def _foreign_namespace(payload: etree._Element) -> bool:
    for el in payload.iter():
        if isinstance(el.tag, str) and ns_of(el.tag) not in (NFE, DS):
            return True
    return False


@rule("D01", 215, 225, 517, 568, 587, 546)
def d01_schema(ctx: MessageContext) -> None:
    """D01 (215 / 225 for the NF-e lot): the message must be valid against its XSD.

    The MOC refines a schema failure with a more specific code where the cause is one of its own
    rules: D01b (517 / 568) root without versao, D01d (587) a namespace other than the NF-e's, and
    the Id rule (546) when infNFe/@Id lacks the literal 'NFe'.
    """
    error = ctx.schemas.validate(ctx.schema, ctx.payload)
    if error is None:
        return
    if ctx.payload.get("versao") is None:
        raise Rejection(568 if ctx.is_lot else 517)
    if _foreign_namespace(ctx.payload):
        raise Rejection(587)
    if ctx.root == "enviNFe":
        for inf in ctx.payload.iter(N + "infNFe"):
            if not (inf.get("Id") or "").startswith("NFe"):
                raise Rejection(546)
    raise Rejection(225 if ctx.is_lot else 215, error.describe())


def _edit_chars(payload: etree._Element) -> bool:
    # The payload's own tail belongs to the envelope around it, so it is not looked at.
    # Hot path (every message): each property read once, the cheap tests first.
    for el in payload.iter():
        text = el.text
        if text is not None and len(el) and not text.strip():
            return True  # whitespace before the first child
        tail = el.tail
        if tail is not None and el is not payload and not tail.strip():
            return True  # whitespace between elements
    return False


def _has_prefix(payload: etree._Element) -> bool:
    # iter(etree.Element) skips comments and PIs in C; reading .tag to test for them cost 3x more.
    for el in payload.iter(etree.Element):
        if el.prefix is not None:
            return True
    return False


@rule("D01e", 588)
def d01e_edit_characters(ctx: MessageContext) -> None:
    """D01e (588): no line breaks, tabs or blanks between the tags of the data area."""
    if _edit_chars(ctx.payload):
        raise Rejection(588)


@rule("D02", 404)
def d02_no_prefix(ctx: MessageContext) -> None:
    """D02 (404): the data area uses default namespaces only (no 'nfe:' or 'ds:' prefixes)."""
    if _has_prefix(ctx.payload):
        raise Rejection(404)


@rule("D03", 402)
def d03_utf8(ctx: MessageContext) -> None:
    """D03 (402): the data area must be encoded in UTF-8."""
    if ctx.data_encoding and ctx.data_encoding.replace("-", "").lower() != "utf8":
        raise Rejection(402)


MESSAGE_RULES = (b01_codec_findings, b05_uf_served, b06_version, d01_schema, d01e_edit_characters, d02_no_prefix,
                 d03_utf8)
