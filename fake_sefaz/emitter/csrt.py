"""idCSRT and hashCSRT in an NF-e's infRespTec (NT 2018.005), before signing: hashCSRT is bound to the access key."""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain.csrt import hash_csrt
from fake_sefaz.domain.xml import N


def add_csrt(nfe: etree._Element, idCSRT: str, csrt: str) -> etree._Element:
    inf = nfe.find(N + "infNFe")
    resp = inf.find(N + "infRespTec")
    for tag, text in (("idCSRT", f"{int(idCSRT):02d}"), ("hashCSRT", hash_csrt(csrt, inf.get("Id")[3:]))):
        el = etree.SubElement(resp, N + tag)
        el.text = text
    return nfe
