"""The consumer-facing addresses of each UF for the NFC-e: the QR code consultation page (the URL before '?p='
in infNFeSupl/qrCode, MOC rule ZX02-20, 395) and the "consulta por chave de acesso" page (infNFeSupl/urlChave,
ZX03-20, 878), for produção (1) and homologação (2).

Facts of the spec, as published per UF by ENCAT (http://nfce.encat.org/desenvolvedor/qrcode/ and
/consumidor/consulte-nota/) and transcribed by emitter libraries (sped-nfe storage/wsnfe_4.00_mod65.xml and
storage/uri_consulta_nfce.json). The rules compare without case (ZX02-20 note) and without the scheme,
since the UFs publish some of them with http and some with https, and several without any.
UFs change these pages from time to time (e.g. GO in 2025): the table is data, replace it when a UF moves.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fake_sefaz.domain import ufs

# (QR code page, urlChave page) per UF sigla, for produção and homologação.
_PROD: dict[str, tuple[str, str]] = {
    "AC": ("http://www.sefaznet.ac.gov.br/nfce/qrcode", "www.sefaznet.ac.gov.br/nfce/consulta"),
    "AL": ("http://nfce.sefaz.al.gov.br/QRCode/consultarNFCe.jsp", "www.sefaz.al.gov.br/nfce/consulta"),
    "AM": ("https://sistemas.sefaz.am.gov.br/nfceweb/consultarNFCe.jsp", "www.sefaz.am.gov.br/nfce/consulta"),
    "AP": ("https://www.sefaz.ap.gov.br/nfce/nfcep.php", "www.sefaz.ap.gov.br/nfce/consulta"),
    "BA": ("http://nfe.sefaz.ba.gov.br/servicos/nfce/qrcode.aspx", "http://www.sefaz.ba.gov.br/nfce/consulta"),
    "CE": ("http://nfce.sefaz.ce.gov.br/pages/ShowNFCe.html", "www.sefaz.ce.gov.br/nfce/consulta"),
    "DF": ("http://www.fazenda.df.gov.br/nfce/qrcode", "www.fazenda.df.gov.br/nfce/consulta"),
    "ES": ("http://app.sefaz.es.gov.br/ConsultaNFCe/qrcode.aspx", "www.sefaz.es.gov.br/nfce/consulta"),
    "GO": ("http://nfe.sefaz.go.gov.br/nfeweb/sites/nfce/danfeNFCe", "www.sefaz.go.gov.br/nfce/consulta"),
    "MA": ("https://nfce.sefaz.ma.gov.br/portal/consultarNFCe.jsp", "www.sefaz.ma.gov.br/nfce/consulta"),
    "MG": ("https://nfce.fazenda.mg.gov.br/portalnfce/sistema/qrcode.xhtml", "https://portalsped.fazenda.mg.gov.br/portalnfce"),
    "MS": ("http://www.dfe.ms.gov.br/nfce/qrcode", "http://www.dfe.ms.gov.br/nfce/consulta"),
    "MT": ("http://www.sefaz.mt.gov.br/nfce/consultanfce", "http://www.sefaz.mt.gov.br/nfce/consultanfce"),
    "PA": ("https://appnfc.sefa.pa.gov.br/portal/view/consultas/nfce/nfceForm.seam", "www.sefa.pa.gov.br/nfce/consulta"),
    "PB": ("http://www.receita.pb.gov.br/nfce", "www.receita.pb.gov.br/nfce/consulta"),
    "PE": ("http://nfce.sefaz.pe.gov.br/nfce/consulta", "nfce.sefaz.pe.gov.br/nfce/consulta"),
    "PI": ("http://www.sefaz.pi.gov.br/nfce/qrcode", "www.sefaz.pi.gov.br/nfce/consulta"),
    "PR": ("http://www.fazenda.pr.gov.br/nfce/qrcode", "http://www.fazenda.pr.gov.br/nfce/consulta"),
    "RJ": ("http://www4.fazenda.rj.gov.br/consultaNFCe/QRCode", "www.fazenda.rj.gov.br/nfce/consulta"),
    "RN": ("http://nfce.set.rn.gov.br/consultarNFCe.aspx", "www.set.rn.gov.br/nfce/consulta"),
    "RO": ("http://www.nfce.sefin.ro.gov.br/consultanfce/consulta.jsp", "www.sefin.ro.gov.br/nfce/consulta"),
    "RR": ("https://www.sefaz.rr.gov.br/servlet/qrcode", "www.sefaz.rr.gov.br/nfce/consulta"),
    "RS": ("https://www.sefaz.rs.gov.br/NFCE/NFCE-COM.aspx", "www.sefaz.rs.gov.br/nfce/consulta"),
    "SC": ("https://sat.sef.sc.gov.br/nfce/consulta", "https://sat.sef.sc.gov.br/nfce/consulta"),
    "SE": ("http://www.nfce.se.gov.br/nfce/qrcode", "http://www.nfce.se.gov.br/nfce/consulta"),
    "SP": ("https://www.nfce.fazenda.sp.gov.br/qrcode", "https://www.nfce.fazenda.sp.gov.br/NFCeConsultaPublica"),
    "TO": ("http://www.sefaz.to.gov.br/nfce/qrcode", "www.sefaz.to.gov.br/nfce/consulta"),
}

_HOM: dict[str, tuple[str, str]] = {
    **_PROD,
    "AC": ("http://www.hml.sefaznet.ac.gov.br/nfce/qrcode", "www.sefaznet.ac.gov.br/nfce/consulta"),
    "AM": ("https://sistemas.sefaz.am.gov.br/nfceweb-hom/consultarNFCe.jsp", "www.sefaz.am.gov.br/nfce/consulta"),
    "AP": ("https://www.sefaz.ap.gov.br/nfcehml/nfce.php", "www.sefaz.ap.gov.br/nfce/consulta"),
    "BA": ("http://hnfe.sefaz.ba.gov.br/servicos/nfce/qrcode.aspx", "http://hinternet.sefaz.ba.gov.br/nfce/consulta"),
    "CE": ("http://nfceh.sefaz.ce.gov.br/pages/ShowNFCe.html", "www.sefaz.ce.gov.br/nfce/consulta"),
    "ES": ("http://homologacao.sefaz.es.gov.br/ConsultaNFCe/qrcode.aspx", "www.sefaz.es.gov.br/nfce/consulta"),
    "GO": ("http://homolog.sefaz.go.gov.br/nfeweb/sites/nfce/danfeNFCe",
           "www.nfce.go.gov.br/post/ver/214413/consulta-nfc-e-homologacao"),
    "MA": ("http://www.hom.nfce.sefaz.ma.gov.br/portal/consultarNFCe.jsp", "www.sefaz.ma.gov.br/nfce/consulta"),
    "MG": ("https://nfce.fazenda.mg.gov.br/portalnfce/sistema/qrcode.xhtml", "https://hportalsped.fazenda.mg.gov.br/portalnfce"),
    "MT": ("http://homologacao.sefaz.mt.gov.br/nfce/consultanfce", "http://homologacao.sefaz.mt.gov.br/nfce/consultanfce"),
    "PA": ("https://appnfc.sefa.pa.gov.br/portal-homologacao/view/consultas/nfce/nfceForm.seam",
           "www.sefa.pa.gov.br/nfce/consulta"),
    "PB": ("http://www.receita.pb.gov.br/nfcehom", "www.receita.pb.gov.br/nfcehom"),
    "PE": ("http://nfcehomolog.sefaz.pe.gov.br/nfce/consulta", "nfce.sefaz.pe.gov.br/nfce/consulta"),
    "RN": ("http://hom.nfce.set.rn.gov.br/consultarNFCe.aspx", "www.set.rn.gov.br/nfce/consulta"),
    "RR": ("http://200.174.88.103:8080/nfce/servlet/qrcode", "www.sefaz.rr.gov.br/nfce/consulta"),
    "SC": ("https://hom.sat.sef.sc.gov.br/nfce/consulta", "https://hom.sat.sef.sc.gov.br/nfce/consulta"),
    "SE": ("http://www.hom.nfe.se.gov.br/nfce/qrcode", "http://www.hom.nfe.se.gov.br/nfce/consulta"),
    "SP": ("https://www.homologacao.nfce.fazenda.sp.gov.br/qrcode",
           "https://www.homologacao.nfce.fazenda.sp.gov.br/NFCeConsultaPublica"),
    "TO": ("http://homologacao.sefaz.to.gov.br/nfce/qrcode", "http://homologacao.sefaz.to.gov.br/nfce/consulta.jsf"),
}

TABLE: dict[int, dict[str, tuple[str, str]]] = {1: _PROD, 2: _HOM}

# This server's own consumer pages (web/portal_nfce.py), accepted when settings.nfce_local_urls is on.
LOCAL_QR_PATH = "/portal/nfce/qrcode"
LOCAL_CHAVE_PATH = "/portal/nfce/consulta"


def qr_url(cUF: int, tpAmb: int) -> str:
    """The UF's QR code consultation page (what precedes '?p=')."""
    return TABLE[tpAmb][ufs.sigla_of(cUF)][0]


def url_chave(cUF: int, tpAmb: int) -> str:
    """The UF's 'consulta por chave de acesso' page (infNFeSupl/urlChave)."""
    return TABLE[tpAmb][ufs.sigla_of(cUF)][1]


def normalize(url: str) -> str:
    """host + path, lower case, without scheme, query and trailing slash: what ZX02-20/ZX03-20 compare."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/").lower()


def is_local(url: str, path: str) -> bool:
    """Whether url points at this server's page `path`, whatever the host it was reached by."""
    if "://" not in url:
        url = "http://" + url
    return urlsplit(url).path.rstrip("/").lower() == path
