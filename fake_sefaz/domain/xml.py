"""XML primitives shared by the codec and the rules: namespaces, a hardened parser, small helpers."""

from __future__ import annotations

import threading

from lxml import etree

NFE = "http://www.portalfiscal.inf.br/nfe"
DS = "http://www.w3.org/2000/09/xmldsig#"
N = "{" + NFE + "}"
D = "{" + DS + "}"


# Every Id attribute (no namespace, like el.get("Id")) of an element and its descendants, in one pass in C (~8 us
# for a 7 KB NF-e against ~150 us for a Python walk; a predicate such as [@Id=$id] is slower: libxml2 evaluates it
# node by node). Used for xs:ID uniqueness (schemas.py) and for signature wrapping (signature.py).
ALL_IDS = etree.XPath("descendant-or-self::*/@Id")


class Parsers(threading.local):
    """One hardened parser per thread (lxml parsers must not be shared between threads).

    No entity expansion, no DTD loading, no network, no huge trees: a SOAP body is untrusted input.
    """

    def __init__(self) -> None:
        self.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            remove_comments=False, collect_ids=False,
        )

    def parse(self, data: bytes) -> etree._Element:
        root = etree.fromstring(data, self.parser)
        # A DOCTYPE has no place in a SEFAZ message and is the door to entity tricks.
        if root.getroottree().docinfo.doctype:
            raise etree.XMLSyntaxError("DOCTYPE is not allowed", None, 0, 0)
        return root


def local(tag: object) -> str:
    """Local name of an element tag ('{ns}x' -> 'x'); comments and PIs give ''."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def ns_of(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def text(el: etree._Element | None, path: str) -> str | None:
    """Text of a child path written with 'n:' for the NF-e namespace, or None."""
    if el is None:
        return None
    return el.findtext(path.replace("n:", N).replace("ds:", D))


def sub(parent: etree._Element, tag: str, value: object | None = None, **attrs: str) -> etree._Element:
    """Append <tag> in the NF-e namespace with a text value."""
    el = etree.SubElement(parent, N + tag, attrs or None)
    if value is not None:
        el.text = str(value)
    return el
