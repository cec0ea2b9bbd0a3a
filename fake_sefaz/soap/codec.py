"""SOAP 1.1 / 1.2 envelope codec. Knows envelopes and wrappers; decides no cStat beyond the data-area
transport checks the MOC puts before everything else (B01 214 size, B02 243 malformed, D03 402 encoding).

Real clients disagree on dialects (reference/sefaz-contract.md §2.2): SOAP 1.1 with SOAPAction (nfelib),
SOAP 1.2 with or without action= (sped-nfe, PyNFe), zeep's prefixed wrappers, gzip+base64 in
nfeDadosMsgZip, and wrapped variants (nfeDistDFeInteresse/nfeDadosMsg, consultaCadastro). So the codec
unwraps whatever wrapper it finds and hands on the payload element; dispatch is on the payload's root.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass, field

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import Parsers, local, ns_of

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
ENVELOPES = {SOAP11: 11, SOAP12: 12}
CONTENT_TYPES = {11: "text/xml; charset=utf-8", 12: "application/soap+xml; charset=utf-8"}

# Every root element a SEFAZ NF-e web service receives: dispatch happens on these.
PAYLOAD_ROOTS = frozenset({
    "enviNFe", "consReciNFe", "consSitNFe", "consStatServ", "inutNFe", "envEvento", "ConsCad", "distDFeInt",
})

_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


@dataclass
class SoapFault(Exception):
    """A broken envelope: answered as a SOAP fault, never as a stack trace."""

    reason: str
    version: int = 12
    sender: bool = True  # client's fault (Sender / Client) vs ours (Receiver / Server)
    http_status: int = 400

    def __str__(self) -> str:
        return self.reason


@dataclass
class SoapRequest:
    version: int
    payload: etree._Element | None  # the data area's root element, when it could be read
    payload_error: Rejection | None = None  # 214 / 243 / 402 found while reading the data area
    wrapper_ns: str | None = None  # namespace of nfeDadosMsg: names the service when the payload is unreadable
    zipped: bool = False
    data_encoding: str | None = None  # encoding declared for the data area, when one was
    data_size: int = 0  # bytes of the data area (estimated from the body when inline and small)
    hints: list[str] = field(default_factory=list)  # SOAPAction / action= / wrapper names, lowest priority


def content_type_version(content_type: str | None) -> int | None:
    ct = (content_type or "").lower()
    if "application/soap+xml" in ct:
        return 12
    if "text/xml" in ct:
        return 11
    return None


def action_of(content_type: str | None, soapaction: str | None) -> str | None:
    if soapaction:
        return soapaction.strip().strip('"') or None
    m = re.search(r'action\s*=\s*"?([^";]+)"?', content_type or "", re.I)
    return m.group(1) if m else None


def _declared_encoding(data: bytes) -> str | None:
    m = _ENCODING_DECL.match(data[:200])
    return m.group(1).decode("ascii").lower() if m else None


def _gunzip_limited(raw: bytes, limit: int) -> bytes:
    """Inflate gzip (or zlib) data, stopping at limit+1 bytes so a zip bomb cannot exhaust memory."""
    d = zlib.decompressobj(47)  # 32 + 15: auto-detect gzip or zlib header
    out = d.decompress(raw, limit + 1)
    return out


def decode(body: bytes, *, content_type: str | None, soapaction: str | None, parsers: Parsers,
           max_data_bytes: int) -> SoapRequest:
    guessed = content_type_version(content_type) or 12
    try:
        root = parsers.parse(body)
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"XML mal formado no envelope SOAP: {exc}", guessed) from None
    version = ENVELOPES.get(root.tag.partition("}")[0][1:] if root.tag.startswith("{") else "")
    if local(root.tag) != "Envelope" or version is None:
        raise SoapFault("O elemento raiz deve ser um Envelope SOAP 1.1 ou 1.2", guessed)
    env_ns = ns_of(root.tag)
    body_el = root.find("{%s}Body" % env_ns)
    if body_el is None:
        raise SoapFault("Envelope SOAP sem Body", version)
    first = next((c for c in body_el if isinstance(c.tag, str)), None)
    if first is None:
        raise SoapFault("Body SOAP vazio", version)

    req = SoapRequest(version=version, payload=None)
    action = action_of(content_type, soapaction)
    if action:
        req.hints.append(action)
    env_encoding = (root.getroottree().docinfo.encoding or "utf-8").lower()

    # Descend through wrappers (nfeDadosMsg, nfeDadosMsgZip, nfeDistDFeInteresse, consultaCadastro, ...)
    # until an element named like a payload root, or a wrapper whose content is text (escaped or zipped).
    node = first
    for _ in range(4):
        if local(node.tag) in PAYLOAD_ROOTS:
            break
        if ns_of(node.tag).startswith("http://www.portalfiscal.inf.br/nfe/wsdl/"):
            req.wrapper_ns = ns_of(node.tag)
        req.hints.append(local(node.tag))
        child = next((c for c in node if isinstance(c.tag, str)), None)
        if child is None:
            return _decode_text_payload(req, node, parsers, max_data_bytes)
        node = child
    req.payload = node
    req.data_encoding = env_encoding
    # Measure the data area only when the body is large enough to possibly exceed the limit.
    if len(body) > max_data_bytes:
        req.data_size = len(etree.tostring(node))
        if req.data_size > max_data_bytes:
            req.payload_error = Rejection(214)
    else:
        req.data_size = len(body)
    return req


def _decode_text_payload(req: SoapRequest, wrapper: etree._Element, parsers: Parsers, limit: int) -> SoapRequest:
    content = (wrapper.text or "").strip()
    if not content:
        req.payload_error = Rejection(243, "[Mensagem vazia]")
        return req
    if "zip" in local(wrapper.tag).lower():
        req.zipped = True
        try:
            raw = base64.b64decode("".join(content.split()), validate=True)
            data = _gunzip_limited(raw, limit)
        except (binascii.Error, ValueError, zlib.error):
            req.payload_error = Rejection(243, "[nfeDadosMsgZip nao contem gzip em base64]")
            return req
    else:
        data = content.encode("utf-8")
    req.data_size = len(data)
    if len(data) > limit:
        req.payload_error = Rejection(214)
        return req
    declared = _declared_encoding(data)
    req.data_encoding = declared
    if declared and declared not in ("utf-8", "utf8"):
        req.payload_error = Rejection(402)
        return req
    try:
        req.payload = parsers.parse(data)
    except (etree.XMLSyntaxError, ValueError) as exc:
        req.payload_error = Rejection(243, f"[{str(exc)[:120]}]")
    return req


def _envelope_open(version: int) -> bytes:
    ns = SOAP12 if version == 12 else SOAP11
    return (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<soap:Envelope xmlns:soap="' + ns.encode() + b'" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        b' xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
    )


_CLOSE = b"</soap:Body></soap:Envelope>"


def encode(version: int, wsdl_ns: str, result: etree._Element | bytes, wrappers: tuple[str, ...] = ("nfeResultMsg",)) -> bytes:
    """Wrap a ret* element as the service answers it: Body first child of Envelope, no Header."""
    inner = result if isinstance(result, bytes) else etree.tostring(result, encoding="utf-8")
    opening = b"".join(
        (f'<{w} xmlns="{wsdl_ns}">' if i == 0 else f"<{w}>").encode() for i, w in enumerate(wrappers)
    )
    closing = b"".join(f"</{w}>".encode() for w in reversed(wrappers))
    return _envelope_open(version) + opening + inner + closing + _CLOSE


def fault(f: SoapFault) -> bytes:
    reason = (f.reason or "Erro").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if f.version == 12:
        code = "soap:Sender" if f.sender else "soap:Receiver"
        body = (f"<soap:Fault><soap:Code><soap:Value>{code}</soap:Value></soap:Code>"
                f'<soap:Reason><soap:Text xml:lang="pt-BR">{reason}</soap:Text></soap:Reason></soap:Fault>')
    else:
        code = "soap:Client" if f.sender else "soap:Server"
        body = f"<soap:Fault><faultcode>{code}</faultcode><faultstring>{reason}</faultstring></soap:Fault>"
    return _envelope_open(f.version) + body.encode("utf-8") + _CLOSE
