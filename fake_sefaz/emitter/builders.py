"""Payload builders shared by the tests and the conformance runner: evento / envEvento (NFeRecepcaoEvento4),
inutNFe (NFeInutilizacao4) and the NFC-e's infNFeSupl (QR code v2/v3 via qrcode.py). Unsigned: sign with
Signer(identity).sign(element) (the first child carrying an Id) or sign_nfe for an NF-e.

Layouts: leiauteEvento_v1.00 and the specific e110110/e110111/e110112/e2102x0 schemas; leiauteInutNFe_v4.00
(Id = "ID" + cUF + ano + CNPJ + mod + serie + nNFIni + nNFFin).
"""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain import nfce_urls, qrcode
from fake_sefaz.domain.xml import NFE, N

CANCEL_JUST = "Cancelamento por erro de digitacao do pedido"
COND_USO = ("A Carta de Correcao e disciplinada pelo paragrafo 1o-A do art. 7o do Convenio S/N, de 15 de dezembro de "
            "1970 e pode ser utilizada para regularizacao de erro ocorrido na emissao de documento fiscal, desde que o "
            "erro nao esteja relacionado com: I - as variaveis que determinam o valor do imposto tais como: base de "
            "calculo, aliquota, diferenca de preco, quantidade, valor da operacao ou da prestacao; II - a correcao de "
            "dados cadastrais que implique mudanca do remetente ou do destinatario; III - a data de emissao ou de saida.")
DESC_MDE = {"210200": "Confirmacao da Operacao", "210210": "Ciencia da Operacao",
            "210220": "Desconhecimento da Operacao", "210240": "Operacao nao Realizada"}
VOID_JUST = "Quebra de sequencia na numeracao"


def _el(tag: str, **attrs) -> etree._Element:
    return etree.Element(N + tag, attrs, nsmap={None: NFE})


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, N + tag, attrs or None)
    if text is not None:
        el.text = str(text)
    return el


# --- events -------------------------------------------------------------------------------------------------

def evento(chNFe: str, tpEvento: str, det: list[tuple[str, str]], *, author: str, dhEvento: str, nSeq: int = 1,
           cOrgao: int | str = 35, tpAmb: int = 2, verEvento: str = "1.00", Id: str | None = None,
           det_versao: str = "1.00") -> etree._Element:
    """One unsigned <evento>; author is a CNPJ (14) or CPF (11)."""
    ev = _el("evento", versao="1.00")
    inf = _sub(ev, "infEvento", Id=Id or f"ID{tpEvento}{chNFe}{nSeq:02d}")
    _sub(inf, "cOrgao", cOrgao)
    _sub(inf, "tpAmb", tpAmb)
    _sub(inf, "CPF" if len(author) == 11 else "CNPJ", author)
    _sub(inf, "chNFe", chNFe)
    _sub(inf, "dhEvento", dhEvento)
    _sub(inf, "tpEvento", tpEvento)
    _sub(inf, "nSeqEvento", nSeq)
    _sub(inf, "verEvento", verEvento)
    d = _sub(inf, "detEvento", versao=det_versao)
    for tag, value in det:
        if isinstance(value, list):  # a group: [(child, text), ...]
            group = _sub(d, tag)
            for child, text in value:
                _sub(group, child, text)
        else:
            _sub(d, tag, value)
    return ev


def actor_det(party: str, *, tpAutor: int = 1, cOrgaoAutor: int = 35, tpAutorizacao: int = 0) -> list:
    """110150 Ator interessado na NF-e (NT 2020.007): `party` (CNPJ or CPF) may download the NF-e."""
    det: list = [("descEvento", "Ator interessado na NF-e"), ("cOrgaoAutor", cOrgaoAutor), ("tpAutor", tpAutor),
                 ("verAplic", "FAKESEFAZ-1.0"), ("autXML", [("CNPJ" if len(party) == 14 else "CPF", party)]),
                 ("tpAutorizacao", tpAutorizacao)]
    if tpAutorizacao == 1:
        det.append(("xCondUso", ACTOR_COND_USO))
    return det


def epec_det(nfe: etree._Element, *, cOrgaoAutor: int | None = None) -> list:
    """110140 EPEC (NT 2014.001; e110140_v1.00.xsd) declaring what the NF-e `nfe` (built with tpEmis 4) will carry:
    dhEmi, tpNF, the issuer's IE, the recipient (UF "EX" abroad, its document and IE) and vNF, vICMS, vST."""
    n = "{http://www.portalfiscal.inf.br/nfe}"
    inf = nfe.find(n + "infNFe")

    def f(path: str) -> str | None:
        return inf.findtext("/".join(n + p for p in path.split("/")))

    dest: list = [("UF", f("dest/enderDest/UF") or "EX")]
    for tag in ("CNPJ", "CPF", "idEstrangeiro"):
        if f(f"dest/{tag}") is not None:
            dest.append((tag, f(f"dest/{tag}")))
            break
    else:
        dest.append(("idEstrangeiro", ""))
    if f("dest/IE"):
        dest.append(("IE", f("dest/IE")))
    dest += [("vNF", f("total/ICMSTot/vNF")), ("vICMS", f("total/ICMSTot/vICMS")), ("vST", f("total/ICMSTot/vST"))]
    return [("descEvento", "EPEC"), ("cOrgaoAutor", cOrgaoAutor or int(f("ide/cUF") or 35)), ("tpAutor", 1),
            ("verAplic", "FAKESEFAZ-1.0"), ("dhEmi", f("ide/dhEmi")), ("tpNF", f("ide/tpNF")), ("IE", f("emit/IE")),
            ("dest", dest)]


ACTOR_COND_USO = ("O emitente ou destinatário da NF-e, declara que permite o transportador declarado no campo CNPJ/CPF "
                  "deste evento a autorizar os transportadores subcontratados ou redespachados a terem acesso ao "
                  "download da NF-e")


def delivery_det(chNFe: str, *, dhEntrega: str, nDoc: str = "12345678900", xNome: str = "RECEBEDOR TESTE",
                 image: bytes = b"comprovante", cOrgaoAutor: int = 35) -> list:
    """110130 Comprovante de Entrega da NF-e: hashComprovante = base64(SHA-1(chNFe + image)), as sped-nfe does."""
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha1(chNFe.encode() + image).digest()).decode()
    return [("descEvento", "Comprovante de Entrega da NF-e"), ("cOrgaoAutor", cOrgaoAutor), ("tpAutor", 1),
            ("verAplic", "FAKESEFAZ-1.0"), ("dhEntrega", dhEntrega), ("nDoc", nDoc), ("xNome", xNome),
            ("hashComprovante", digest)]


def delivery_cancel_det(nProtEvento: str, cOrgaoAutor: int = 35) -> list:
    """110131: cancels the delivery receipt registered under nProtEvento."""
    return [("descEvento", "Cancelamento Comprovante de Entrega da NF-e"), ("cOrgaoAutor", cOrgaoAutor),
            ("tpAutor", 1), ("verAplic", "FAKESEFAZ-1.0"), ("nProtEvento", nProtEvento)]


def cancel_det(nProt: str, xJust: str = CANCEL_JUST) -> list:
    return [("descEvento", "Cancelamento"), ("nProt", nProt), ("xJust", xJust)]


def cce_det(text: str) -> list:
    return [("descEvento", "Carta de Correcao"), ("xCorrecao", text), ("xCondUso", COND_USO)]


def subst_det(nProt: str, chNFeRef: str, cOrgaoAutor: int = 35) -> list:
    return [("descEvento", "Cancelamento por substituicao"), ("cOrgaoAutor", cOrgaoAutor), ("tpAutor", "1"),
            ("verAplic", "PDV-1.0"), ("nProt", nProt), ("xJust", CANCEL_JUST), ("chNFeRef", chNFeRef)]


def mde_det(tpEvento: str) -> list:
    det = [("descEvento", DESC_MDE[tpEvento])]
    if tpEvento == "210240":
        det.append(("xJust", "Operacao nao realizada por desistencia"))
    return det


def env_evento(*eventos: etree._Element, idLote: int = 1) -> etree._Element:
    env = _el("envEvento", versao="1.00")
    _sub(env, "idLote", idLote)
    for ev in eventos:
        env.append(ev)
    return env


# --- inutilização -------------------------------------------------------------------------------------------

def inut_nfe(cnpj: str, first: int, last: int, *, ano: int, mod: int = 55, serie: int = 1, cUF: int = 35,
             tpAmb: int = 2, xJust: str = VOID_JUST, Id: str | None = None) -> etree._Element:
    """An unsigned <inutNFe> voiding nNFIni..nNFFin of one series."""
    el = _el("inutNFe", versao="4.00")
    inf = _sub(el, "infInut", Id=Id or f"ID{cUF:02d}{ano:02d}{cnpj}{mod:02d}{serie:03d}{first:09d}{last:09d}")
    for tag, value in (("tpAmb", tpAmb), ("xServ", "INUTILIZAR"), ("cUF", cUF), ("ano", f"{ano:02d}"), ("CNPJ", cnpj),
                       ("mod", mod), ("serie", serie), ("nNFIni", first), ("nNFFin", last), ("xJust", xJust)):
        _sub(inf, tag, value)
    return el


# --- NFC-e QR code --------------------------------------------------------------------------------------------

def add_qr(nfe: etree._Element, *, version: str = "2", cUF: int = 35, tpAmb: int = 2, csc_id: str | int | None = None,
           csc: str | None = None, key_pem: bytes | None = None, base_url: str | None = None,
           url_chave: str | None = None, source: etree._Element | None = None) -> etree._Element:
    """Insert infNFeSupl into a signed NFC-e: v2 needs the CSC (csc_id, csc), v3 offline the issuer's key_pem.
    `source` computes the code from another signed note (a QR code that does not belong to this one)."""
    base = base_url or nfce_urls.qr_url(cUF, tpAmb)
    src = nfe if source is None else source
    if str(version) == "2":
        if csc_id is None or csc is None:
            raise ValueError("a v2 QR code needs a CSC (id and token)")
        code = qrcode.build_v2(src, csc_id, csc, base)
    else:
        code = qrcode.build_v3(src, base, key_pem)
    return qrcode.add_supl(nfe, code, url_chave or nfce_urls.url_chave(cUF, tpAmb))
