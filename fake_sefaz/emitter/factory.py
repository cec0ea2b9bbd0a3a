"""Schema-valid NF-e / NFC-e 4.00 documents for tests and load generation (PL_010f, nfelib's nfe_v4.00.xsd).

Documents are lxml trees in the NF-e namespace with no whitespace between tags, since SEFAZ rejects formatting
characters (cStat 588) and a signature over a pretty-printed tree would not survive re-serialization.
Business-rule defaults (not just schema validity) are chosen so that an unmodified document is authorizable:
homologation recipient name (598), non-contributor recipient implies final consumer (696), cNF rule (897)...
Tests break one rule at a time by editing the returned tree.
"""

from __future__ import annotations

import copy
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from faker import Faker
from lxml import etree

from fake_sefaz import __version__
from fake_sefaz.domain.ie import generate as generate_ie
from fake_sefaz.domain.keys import FORBIDDEN_CNF, build_key, cnpj_dvs, cpf_dvs
from fake_sefaz.domain.municipalities import capital_of
from fake_sefaz.domain.ufs import code_of, sigla_of, tz_of

NFE_NS = "http://www.portalfiscal.inf.br/nfe"
_N = "{%s}" % NFE_NS
VERSION = "4.00"

# Rule 598 (NF-e) / 373 (first NFC-e item): the fixed texts homologation documents must carry.
HOMOLOGATION_DEST_NAME = "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"
HOMOLOGATION_ITEM_NAME = "NOTA FISCAL EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"

# A made-up software house for infRespTec (optional in the XSD, demanded by several UFs since NT 2018.005).
RESP_TEC_CNPJ = "112223330001" + cnpj_dvs("112223330001")

P_ICMS = Decimal("18.00")
P_PIS = Decimal("1.65")
P_COFINS = Decimal("7.60")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Product:
    xProd: str
    NCM: str
    uCom: str


# Real NCM codes, so a future NCM check does not reject the defaults.
CATALOGUE: tuple[Product, ...] = (
    Product("NOTEBOOK 14 POLEGADAS 8GB", "84713012", "UN"),
    Product("AGUA MINERAL SEM GAS 500ML", "22011000", "UN"),
    Product("CAMISETA DE ALGODAO", "61091000", "UN"),
    Product("CAFE TORRADO E MOIDO 500G", "09012100", "PCT"),
    Product("BISCOITO DOCE 200G", "19053100", "PCT"),
    Product("CADERNO ESPIRAL 96 FOLHAS", "48202000", "UN"),
    Product("CADEIRA DE ESCRITORIO", "94013000", "UN"),
    Product("SABONETE EM BARRA 90G", "34011190", "UN"),
    Product("PARAFUSO SEXTAVADO ACO", "73181500", "CX"),
    Product("TELEFONE CELULAR", "85171300", "UN"),
)


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def format_dh(dt: datetime) -> str:
    """TDateTimeUTC: AAAA-MM-DDThh:mm:ss±hh:mm (seconds, offset, no fraction)."""
    return dt.replace(microsecond=0).isoformat()


def clean_text(text: str, max_len: int = 60) -> str:
    """Fit free text to TString: Latin-1 only, single spaces, no edge spaces, at most max_len characters."""
    text = "".join(c if ord(c) < 256 else unicodedata.normalize("NFKD", c)[0] for c in text)
    text = "".join(c for c in text if ord(c) < 256)
    return re.sub(r"\s+", " ", text).strip()[:max_len].strip()


def sp_ie(rng: random.Random) -> str:
    """A 12-digit São Paulo IE with both check digits right (the IE rules are per UF)."""
    base = [rng.randrange(10) for _ in range(8)]
    dv1 = sum(d * w for d, w in zip(base, (1, 3, 4, 5, 6, 7, 8, 10))) % 11 % 10
    mid = base + [dv1, rng.randrange(10), rng.randrange(10)]
    dv2 = sum(d * w for d, w in zip(mid, (3, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2))) % 11 % 10
    return "".join(map(str, mid + [dv2]))


def random_cnpj(rng: random.Random, branch: str = "0001") -> str:
    base12 = f"{rng.randrange(10**7, 10**8)}{branch}"
    return base12 + cnpj_dvs(base12)


def random_cpf(rng: random.Random) -> str:
    base9 = f"{rng.randrange(10**8, 10**9)}"
    return base9 + cpf_dvs(base9)


def _sub(parent: etree._Element, tag: str, text: object | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _N + tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


class _Unset:
    """Marks an override the caller did not give (None is a meaningful value for some of them)."""


UNSET = _Unset()


class NFeFactory:
    """Builds NF-e (55) and NFC-e (65) documents for one emitter; seedable for reproducible fixtures.

    The emitter (CNPJ, razão social, address, IE) is chosen once per factory, like a real company issuing
    many documents; pass cnpj/razao (e.g. from a pki Identity) to match a certificate.
    """

    def __init__(self, seed: int | None = None, uf: str | int = "SP", tpAmb: int = 2, *,
                 cnpj: str | None = None, razao: str | None = None):
        self.rng = random.Random(seed)
        self.faker = Faker("pt_BR")
        self.faker.seed_instance(seed if seed is not None else self.rng.randrange(2**32))
        self.cUF = code_of(uf)
        self.tpAmb = tpAmb
        self.cnpj = cnpj or random_cnpj(self.rng)
        self.razao = clean_text(razao or self.faker.company().upper())
        # A valid IE of the emitter's UF (rule 209 checks the UF's check digits); one per UF the factory uses.
        self.ie = sp_ie(self.rng) if self.cUF == 35 else generate_ie(sigla_of(self.cUF), self.rng)
        self._ies = {self.cUF: self.ie}
        self._emit_street = self._street()

    # ----------------------------------------------------------------------------------------------------------
    def random_cnf(self, nNF: int) -> str:
        """8 random digits obeying NT 2019.001: not a forbidden pattern and not nNF itself."""
        while True:
            cnf = f"{self.rng.randrange(10**8):08d}"
            if cnf not in FORBIDDEN_CNF and cnf != f"{nNF:08d}":
                return cnf

    def _street(self) -> dict[str, str]:
        return {
            "xLgr": clean_text(self.faker.street_name()),
            "nro": str(self.rng.randint(1, 9999)),
            "xBairro": clean_text(self.faker.bairro()),
            "CEP": f"{self.rng.randrange(10**7, 10**8):08d}",
            "fone": f"{self.rng.randint(11, 99)}{self.rng.randrange(10**8):08d}",
        }

    def _address(self, parent: etree._Element, tag: str, cUF: int, street: dict[str, str]) -> None:
        cMun, xMun = capital_of(cUF)
        addr = _sub(parent, tag)
        _sub(addr, "xLgr", street["xLgr"])
        _sub(addr, "nro", street["nro"])
        _sub(addr, "xBairro", street["xBairro"])
        _sub(addr, "cMun", cMun)
        _sub(addr, "xMun", xMun)
        _sub(addr, "UF", sigla_of(cUF))
        _sub(addr, "CEP", street["CEP"])
        _sub(addr, "cPais", "1058")
        _sub(addr, "xPais", "BRASIL")
        _sub(addr, "fone", street["fone"])

    # ----------------------------------------------------------------------------------------------------------
    def build(self, *, cnpj: str | None = None, razao: str | None = None, uf: str | int | None = None,
              cUF: int | None = None, mod: int = 55, serie: int = 1, nNF: int | None = None,
              cNF: str | int | None = None, dhEmi: datetime | str | None = None, tpEmis: int = 1,
              tpAmb: int | None = None, natOp: str = "VENDA DE MERCADORIA", n_items: int = 3,
              dest_doc: str | None | _Unset = UNSET, dest_name: str | None = None,
              indFinal: int = 1, indPres: int = 1, tpImp: int = 1, first_item_name: str | None = None,
              resp_tec: bool = True) -> etree._Element:
        """An unsigned <NFe> with infNFe versao="4.00" Id="NFe"+key.

        uf / cUF (aliases) move the whole document to another UF: ide/cUF, cMunFG and both addresses.
        dest_doc: 14 digits -> CNPJ, 11 -> CPF, None -> no <dest>; default a random CNPJ.
        dest_name defaults to the homologation text when tpAmb=2 (rule 598), else a fake company.
        """
        rng = self.rng
        code = code_of(uf if uf is not None else cUF if cUF is not None else self.cUF)
        tpAmb = self.tpAmb if tpAmb is None else tpAmb
        cnpj = cnpj or self.cnpj
        razao = clean_text(razao or self.razao)
        nNF = rng.randint(1, 999_999_999) if nNF is None else nNF
        cNF = self.random_cnf(nNF) if cNF is None else (f"{cNF:08d}" if isinstance(cNF, int) else cNF)
        if dhEmi is None:
            dhEmi = datetime.now(tz_of(code))
        elif isinstance(dhEmi, datetime) and dhEmi.tzinfo is None:
            dhEmi = dhEmi.replace(tzinfo=tz_of(code))
        dh = dhEmi if isinstance(dhEmi, str) else format_dh(dhEmi)
        aamm = dh[2:4] + dh[5:7]
        key = build_key(code, aamm, cnpj, mod, serie, nNF, tpEmis, cNF)
        if dest_doc is UNSET:
            dest_doc = random_cnpj(rng)

        nfe = etree.Element(_N + "NFe", nsmap={None: NFE_NS})
        inf = _sub(nfe, "infNFe", versao=VERSION, Id="NFe" + key)

        ide = _sub(inf, "ide")
        for tag, value in (
            ("cUF", code), ("cNF", cNF), ("natOp", natOp), ("mod", mod), ("serie", serie), ("nNF", nNF),
            ("dhEmi", dh), ("tpNF", 1), ("idDest", 1), ("cMunFG", capital_of(code)[0]), ("tpImp", tpImp),
            ("tpEmis", tpEmis), ("cDV", key[-1]), ("tpAmb", tpAmb), ("finNFe", 1), ("indFinal", indFinal),
            ("indPres", indPres), ("procEmi", 0), ("verProc", f"fake-sefaz {__version__}"),
        ):
            _sub(ide, tag, value)
        if tpEmis != 1:
            # Contingency documents must say when and why they left normal emission (rules 556/557).
            _sub(ide, "dhCont", dh)
            _sub(ide, "xJust", "Contingencia por falha de comunicacao com a SEFAZ autorizadora")

        emit = _sub(inf, "emit")
        _sub(emit, "CNPJ", cnpj)
        _sub(emit, "xNome", razao)
        self._address(emit, "enderEmit", code, self._emit_street)
        if code not in self._ies:
            self._ies[code] = generate_ie(sigla_of(code), random.Random(f"{self.cnpj}:{code}"))
        _sub(emit, "IE", self._ies[code])
        _sub(emit, "CRT", 3)

        if dest_doc is not None:
            self._dest(inf, code, tpAmb, dest_doc, dest_name)

        totals = self._items(inf, n_items, first_item_name)
        self._total(inf, totals)

        transp = _sub(inf, "transp")
        _sub(transp, "modFrete", 9)

        pag = _sub(inf, "pag")
        det_pag = _sub(pag, "detPag")
        _sub(det_pag, "tPag", "01")
        _sub(det_pag, "vPag", money(totals["vNF"]))

        if resp_tec:
            resp = _sub(inf, "infRespTec")
            _sub(resp, "CNPJ", RESP_TEC_CNPJ)
            _sub(resp, "xContato", "Equipe Fake-SEFAZ")
            _sub(resp, "email", "suporte@fake-sefaz.invalid")
            _sub(resp, "fone", "11999999999")
        return nfe

    def build_nfce(self, **overrides) -> etree._Element:
        """An unsigned NFC-e (mod 65): DANFE NFC-e (tpImp 4), face-to-face sale to a final consumer, no <dest>
        unless dest_doc (a CPF) is given. infNFeSupl (QR code) is not generated.
        """
        tpAmb = overrides.get("tpAmb", self.tpAmb)
        defaults: dict = {"mod": 65, "tpImp": 4, "indFinal": 1, "indPres": 1, "dest_doc": None}
        if tpAmb == 2:
            defaults["first_item_name"] = HOMOLOGATION_ITEM_NAME
        return self.build(**{**defaults, **overrides})

    # ----------------------------------------------------------------------------------------------------------
    def _dest(self, inf: etree._Element, code: int, tpAmb: int, doc: str, name: str | None) -> None:
        dest = _sub(inf, "dest")
        if len(doc) == 11:
            _sub(dest, "CPF", doc)
        else:
            _sub(dest, "CNPJ", doc)
        if name is None:
            name = HOMOLOGATION_DEST_NAME if tpAmb == 2 else self.faker.company().upper()
        _sub(dest, "xNome", clean_text(name))
        self._address(dest, "enderDest", code, self._street())
        # 9 = non-contributor: no IE to invent, and it pairs with indFinal=1 (rule 696).
        _sub(dest, "indIEDest", 9)

    def _items(self, inf: etree._Element, n_items: int, first_item_name: str | None) -> dict[str, Decimal]:
        totals = {k: ZERO for k in ("vBC", "vICMS", "vProd", "vPIS", "vCOFINS")}
        for n in range(1, n_items + 1):
            product = self.rng.choice(CATALOGUE)
            xProd = first_item_name if (n == 1 and first_item_name) else product.xProd
            qCom = Decimal(self.rng.randint(1, 20))
            vUnCom = Decimal(self.rng.randint(100, 50_000)) / 100
            vProd = (qCom * vUnCom).quantize(CENT, rounding=ROUND_HALF_UP)
            vICMS = (vProd * P_ICMS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            vPIS = (vProd * P_PIS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            vCOFINS = (vProd * P_COFINS / 100).quantize(CENT, rounding=ROUND_HALF_UP)

            det = _sub(inf, "det", nItem=str(n))
            prod = _sub(det, "prod")
            for tag, value in (
                ("cProd", f"{self.rng.randrange(10**5, 10**6)}"), ("cEAN", "SEM GTIN"), ("xProd", xProd),
                ("NCM", product.NCM), ("CFOP", 5102), ("uCom", product.uCom), ("qCom", f"{qCom:.4f}"),
                ("vUnCom", f"{vUnCom:.2f}"), ("vProd", money(vProd)), ("cEANTrib", "SEM GTIN"),
                ("uTrib", product.uCom), ("qTrib", f"{qCom:.4f}"), ("vUnTrib", f"{vUnCom:.2f}"), ("indTot", 1),
            ):
                _sub(prod, tag, value)

            imposto = _sub(det, "imposto")
            icms00 = _sub(_sub(imposto, "ICMS"), "ICMS00")
            for tag, value in (("orig", 0), ("CST", "00"), ("modBC", 3), ("vBC", money(vProd)),
                               ("pICMS", f"{P_ICMS:.2f}"), ("vICMS", money(vICMS))):
                _sub(icms00, tag, value)
            pis = _sub(_sub(imposto, "PIS"), "PISAliq")
            for tag, value in (("CST", "01"), ("vBC", money(vProd)), ("pPIS", f"{P_PIS:.2f}"),
                               ("vPIS", money(vPIS))):
                _sub(pis, tag, value)
            cofins = _sub(_sub(imposto, "COFINS"), "COFINSAliq")
            for tag, value in (("CST", "01"), ("vBC", money(vProd)), ("pCOFINS", f"{P_COFINS:.2f}"),
                               ("vCOFINS", money(vCOFINS))):
                _sub(cofins, tag, value)

            totals["vBC"] += vProd
            totals["vICMS"] += vICMS
            totals["vProd"] += vProd
            totals["vPIS"] += vPIS
            totals["vCOFINS"] += vCOFINS
        # No discounts, freight, insurance, ST, IPI or II are generated, so vNF is just the products.
        totals["vNF"] = totals["vProd"]
        return totals

    def _total(self, inf: etree._Element, totals: dict[str, Decimal]) -> None:
        icms_tot = _sub(_sub(inf, "total"), "ICMSTot")
        # Schema order of ICMSTot; every field not computed from the items is zero.
        for tag in ("vBC", "vICMS", "vICMSDeson", "vFCP", "vBCST", "vST", "vFCPST", "vFCPSTRet", "vProd",
                    "vFrete", "vSeg", "vDesc", "vII", "vIPI", "vIPIDevol", "vPIS", "vCOFINS", "vOutro", "vNF"):
            _sub(icms_tot, tag, money(totals.get(tag, ZERO)))


# --------------------------------------------------------------------------------------------------------------

def wrap_lot(nfes: Iterable[etree._Element], idLote: int | str, indSinc: int = 0) -> etree._Element:
    """<enviNFe versao="4.00"> with idLote, indSinc and deep copies of the given NFe (the originals stay put)."""
    lot = etree.Element(_N + "enviNFe", {"versao": VERSION}, nsmap={None: NFE_NS})
    _sub(lot, "idLote", idLote)
    _sub(lot, "indSinc", indSinc)
    for nfe in nfes:
        lot.append(copy.deepcopy(nfe))
    return lot


def signed_nfe(factory: NFeFactory, signer, **overrides) -> etree._Element:
    """factory.build(**overrides) signed by signer (a fake_sefaz.emitter.signer.Signer)."""
    return signer.sign_nfe(factory.build(**overrides))


def access_key(nfe: etree._Element) -> str:
    """The 44-digit key of an NFe element (its infNFe Id without the 'NFe' prefix)."""
    return nfe.find(_N + "infNFe").get("Id")[3:]
