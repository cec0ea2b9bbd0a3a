"""What the Ambiente Nacional distributes, and to whom (NT 2014.002 §3.3-§3.4, reference §3.4): pure functions
over the documents; the store keeps the NSUs (store/national.py), the services decide when (services/national.py).

Who receives an NF-e:
- the destinatário: its resNFe when the NF-e is authorized or denied, the full procNFe after Ciência,
  Confirmação or Operação não Realizada (never after Desconhecimento);
- the transportador of group X03 (and one named by event 110150), and every autXML CNPJ/CPF: the procNFe, unless
  it is also the destinatário (the AN then waits for the destinatário's manifestation);
- the emitente: never its own NF-e; the events others send about it (the manifestações).
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass, field

from lxml import etree

from fake_sefaz.domain.xml import N

RES_NFE = "resNFe_v1.01.xsd"
PROC_NFE = "procNFe_v4.00.xsd"
PROC_EVENTO = "procEventoNFe_v1.00.xsd"
RES_EVENTO = "resEvento_v1.01.xsd"

# cSitNFe of a resNFe
C_SIT = {"authorized": 1, "denied": 2, "cancelled": 3}


@dataclass(frozen=True)
class Parties:
    issuer: str
    recipient: str = ""
    carrier: str = ""
    authorized: tuple[str, ...] = field(default_factory=tuple)  # autXML

    def copies(self) -> tuple[str, ...]:
        """Who gets the procNFe at once: the carrier and autXML parties other than the destinatário and issuer."""
        seen, out = {self.issuer, self.recipient}, []
        for party in (self.carrier, *self.authorized):
            if party and party not in seen:
                seen.add(party)
                out.append(party)
        return tuple(out)

    def may_download(self, party: str) -> bool:
        """consChNFe: destinatário, transportador or autXML party (compared by CNPJ base or CPF; H16)."""
        def same(a: str, b: str) -> bool:
            return bool(a and b) and (a[:8] == b[:8] if len(a) == 14 and len(b) == 14 else a == b)
        return any(same(party, p) for p in (self.recipient, self.carrier, *self.authorized))


def _doc(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return el.findtext(N + "CNPJ") or el.findtext(N + "CPF") or ""


def parties_of(nfe: etree._Element) -> Parties:
    inf = nfe.find(N + "infNFe")
    return Parties(
        issuer=_doc(inf.find(N + "emit")),
        recipient=_doc(inf.find(N + "dest")),
        carrier=_doc(inf.find(f"{N}transp/{N}transporta")),
        authorized=tuple(d for d in (_doc(a) for a in inf.findall(N + "autXML")) if d),
    )


def res_nfe(nfe: etree._Element, *, dhRecbto: str, nProt: str, digVal: str, state: str) -> etree._Element:
    """The summary a destinatário gets before its manifestação (resNFe 1.01)."""
    inf = nfe.find(N + "infNFe")
    emit, ide = inf.find(N + "emit"), inf.find(N + "ide")
    el = etree.Element(N + "resNFe", versao="1.01", nsmap={None: N[1:-1]})

    def add(tag: str, value: str) -> None:
        etree.SubElement(el, N + tag).text = value

    add("chNFe", inf.get("Id")[3:])
    kind = "CNPJ" if emit.find(N + "CNPJ") is not None else "CPF"
    add(kind, emit.findtext(N + kind))
    add("xNome", emit.findtext(N + "xNome") or "")
    add("IE", emit.findtext(N + "IE") or "")
    add("dhEmi", ide.findtext(N + "dhEmi"))
    add("tpNF", ide.findtext(N + "tpNF"))
    add("vNF", inf.findtext(f"{N}total/{N}ICMSTot/{N}vNF"))
    if digVal:
        add("digVal", digVal)
    add("dhRecbto", dhRecbto)
    add("nProt", nProt)
    add("cSitNFe", str(C_SIT.get(state, 1)))
    return el


def doc_zip(xml: str | bytes) -> str:
    """docZip content: the document gzipped, then base64 (NT 2014.002 §3.2)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return base64.b64encode(gzip.compress(data, mtime=0)).decode("ascii")
