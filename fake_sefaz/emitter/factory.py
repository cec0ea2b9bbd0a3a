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

# Tax profiles of build(tax=...): each makes a note every content rule accepts (rules/arithmetic.py, totals.py,
# payment.py). "normal": regime normal (CRT 3), ICMS CST 00; "simples": Simples Nacional (CRT 1), CSOSN 102, no
# PIS/COFINS; "st": ICMS with substitution (CST 10, MVA 40 %); "ipi": an industry's sale with IPI (CST 50, 10 %);
# "difal": interstate sale to a non-contributor consumer with ICMSUFDest (EC 87/2015); "import": an entry note
# (tpNF 0, idDest 3) of imported goods with DI, II and IPI; "services": an NF-e conjugada whose first item is a
# product (ICMS) and the others services (ISSQN, LC 116 item 01.01, indTot 0: their value enters vNF as vServ).
TAX_PROFILES = ("normal", "simples", "st", "ipi", "difal", "import", "services")
_CFOP_OF = {"normal": 5102, "simples": 5102, "st": 5401, "ipi": 5101, "difal": 6108, "import": 3102,
            "services": 5102}
P_ISS = Decimal("5.00")
P_MVA_ST = Decimal("40.00")
P_IPI = Decimal("10.00")
P_IPI_IMPORT = Decimal("5.00")
P_II = Decimal("10.00")
P_ICMS_DEST = Decimal("20.50")  # the destination UF's internal rate in the DIFAL profile
P_FCP_DEST = Decimal("2.00")  # its FCP (tabela-fcp-uf.csv: BA and PE, 2.00)
# Interstate rate (Senado 22/1989): 7 % from the South/Southeast but ES to the N/NE/CO regions and ES, else 12 %.
_SOUTH_SOUTHEAST = frozenset({"PR", "RS", "SC", "SP", "RJ", "MG"})


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
                 cnpj: str | None = None, razao: str | None = None, ie: str | None = None):
        self.rng = random.Random(seed)
        self.faker = Faker("pt_BR")
        self.faker.seed_instance(seed if seed is not None else self.rng.randrange(2**32))
        self.cUF = code_of(uf)
        self.tpAmb = tpAmb
        self.cnpj = cnpj or random_cnpj(self.rng)
        self.razao = clean_text(razao or self.faker.company().upper())
        # A valid IE of the emitter's UF (rule 209 checks the UF's check digits); one per UF the factory uses.
        self.ie = ie or (sp_ie(self.rng) if self.cUF == 35 else generate_ie(sigla_of(self.cUF), self.rng))
        self._ies = {self.cUF: self.ie}
        self._emit_street = self._street()
        self._fixed: tuple[Decimal | None, Decimal | None] = (None, None)
        self._cmun, self._day = capital_of(self.cUF)[0], ""

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
              resp_tec: bool = True, tax: str = "normal", installments: int = 0,
              price: str | Decimal | None = None, quantity: int | None = None) -> etree._Element:
        """An unsigned <NFe> with infNFe versao="4.00" Id="NFe"+key.

        uf / cUF (aliases) move the whole document to another UF: ide/cUF, cMunFG and both addresses.
        dest_doc: 14 digits -> CNPJ, 11 -> CPF, None -> no <dest>; default a random CNPJ.
        dest_name defaults to the homologation text when tpAmb=2 (rule 598), else a fake company.
        tax: one of TAX_PROFILES (regime, ICMS group, ST, IPI, DIFAL, import); installments: n > 0 bills the note
        in n monthly instalments (cobr: fat + dup, paid by boleto), model 55. price / quantity: every item's
        vUnCom and qCom (default random), for documents whose amounts a scenario must know.
        """
        if tax not in TAX_PROFILES:
            raise ValueError(f"tax must be one of {TAX_PROFILES}")
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
        # DIFAL: a consumer (CPF, indIEDest 9) in another UF; import: the foreign supplier, indFinal 0.
        dest_code = code
        if tax == "difal":
            dest_code = code_of("PE" if sigla_of(code) == "BA" else "BA")
            if dest_doc is None or len(dest_doc) != 11:
                dest_doc = random_cpf(rng)
        elif tax == "import":
            indFinal, indPres = 0, 0
        tpNF = 0 if tax == "import" else 1
        idDest = {"difal": 2, "import": 3}.get(tax, 1)

        nfe = etree.Element(_N + "NFe", nsmap={None: NFE_NS})
        inf = _sub(nfe, "infNFe", versao=VERSION, Id="NFe" + key)

        ide = _sub(inf, "ide")
        for tag, value in (
            ("cUF", code), ("cNF", cNF), ("natOp", natOp), ("mod", mod), ("serie", serie), ("nNF", nNF),
            ("dhEmi", dh), ("tpNF", tpNF), ("idDest", idDest), ("cMunFG", capital_of(code)[0]), ("tpImp", tpImp),
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
        if tax == "services":  # MOC U01-10 (530): a note with ISSQN carries the issuer's municipal registration
            _sub(emit, "IM", f"{self.rng.randrange(10**6, 10**7)}")
        _sub(emit, "CRT", 1 if tax == "simples" else 3)

        if tax == "import":
            self._foreign_dest(inf, tpAmb, dest_name)
        elif dest_doc is not None:
            self._dest(inf, dest_code, tpAmb, dest_doc, dest_name)

        self._cmun, self._day = capital_of(code)[0], dh[:10]
        self._fixed = (None if quantity is None else Decimal(quantity), None if price is None else Decimal(price))
        if tax == "normal":
            totals = self._items(inf, n_items, first_item_name)
        else:
            # the DIFAL recipient is in the Northeast (BA or PE): 7 % from the South/Southeast, else 12 %
            inter = Decimal(7) if sigla_of(code) in _SOUTH_SOUTHEAST else Decimal(12)
            totals = self._taxed_items(inf, n_items, first_item_name, tax, inter, dh[:10])
        self._total(inf, totals)

        transp = _sub(inf, "transp")
        _sub(transp, "modFrete", 9)

        if installments and mod == 55 and tax != "import":
            self._billing(inf, totals["vNF"], installments, dh[:10], nNF)
        pag = _sub(inf, "pag")
        det_pag = _sub(pag, "detPag")
        if tax == "import":  # an entry note pays nothing (MOC YA03-30: tPag 90 with vPag 0)
            _sub(det_pag, "tPag", "90")
            _sub(det_pag, "vPag", "0.00")
        elif installments and mod == 55:
            _sub(det_pag, "indPag", 1)
            _sub(det_pag, "tPag", "15")
            _sub(det_pag, "vPag", money(totals["vNF"]))
        else:
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
            qCom, vUnCom = self._fixed[0] or qCom, self._fixed[1] or vUnCom
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

    def _foreign_dest(self, inf: etree._Element, tpAmb: int, name: str | None) -> None:
        """The foreign supplier of an import (MOC E03a-10, E10-30, E12, E14: idEstrangeiro, UF EX, 9999999)."""
        dest = _sub(inf, "dest")
        _sub(dest, "idEstrangeiro", f"CN{self.rng.randrange(10**8, 10**9)}")
        if name is None:
            name = HOMOLOGATION_DEST_NAME if tpAmb == 2 else "SHENZHEN EXPORT TRADING CO LTD"
        _sub(dest, "xNome", clean_text(name))
        addr = _sub(dest, "enderDest")
        for tag, value in (("xLgr", "NANSHAN AVENUE"), ("nro", str(self.rng.randint(1, 999))),
                           ("xBairro", "NANSHAN DISTRICT"), ("cMun", "9999999"), ("xMun", "EXTERIOR"), ("UF", "EX"),
                           ("cPais", "1600"), ("xPais", "CHINA")):
            _sub(addr, tag, value)
        _sub(dest, "indIEDest", 9)

    def _taxed_items(self, inf: etree._Element, n_items: int, first_item_name: str | None, tax: str,
                     p_inter: Decimal, day: str) -> dict[str, Decimal]:
        """Items of the non-default tax profiles, with the totals the W rules demand (exact sums of items)."""
        keys = ("vBC", "vICMS", "vBCST", "vST", "vProd", "vII", "vIPI", "vPIS", "vCOFINS")
        totals = {k: ZERO for k in keys}
        if tax == "difal":
            totals.update(vFCPUFDest=ZERO, vICMSUFDest=ZERO, vICMSUFRemet=ZERO)
        if tax == "services":
            totals.update(vServ=ZERO, issBC=ZERO, vISS=ZERO, issPIS=ZERO, issCOFINS=ZERO)
        rate = p_inter if tax == "difal" else P_ICMS
        for n in range(1, n_items + 1):
            product = self.rng.choice(CATALOGUE)
            xProd = first_item_name if (n == 1 and first_item_name) else product.xProd
            qCom = Decimal(self.rng.randint(1, 20))
            vUnCom = Decimal(self.rng.randint(100, 50_000)) / 100
            qCom, vUnCom = self._fixed[0] or qCom, self._fixed[1] or vUnCom
            vProd = (qCom * vUnCom).quantize(CENT, rounding=ROUND_HALF_UP)
            det = _sub(inf, "det", nItem=str(n))
            prod = _sub(det, "prod")
            if tax == "services" and n > 1:
                self._service_item(det, prod, vUnCom, qCom, vProd, day, totals)
                continue
            fields: list[tuple[str, object]] = [
                ("cProd", f"{self.rng.randrange(10**5, 10**6)}"), ("cEAN", "SEM GTIN"), ("xProd", xProd),
                ("NCM", product.NCM)]
            if tax == "st":
                fields.append(("CEST", "2806300"))  # CEST is demanded with ST (Convênio ICMS 142/2018)
            fields += [("CFOP", _CFOP_OF[tax]), ("uCom", product.uCom), ("qCom", f"{qCom:.4f}"),
                       ("vUnCom", f"{vUnCom:.2f}"), ("vProd", money(vProd)), ("cEANTrib", "SEM GTIN"),
                       ("uTrib", product.uCom), ("qTrib", f"{qCom:.4f}"), ("vUnTrib", f"{vUnCom:.2f}"), ("indTot", 1)]
            for tag, value in fields:
                _sub(prod, tag, value)
            if tax == "import":
                self._import_declaration(prod, n, day)

            imposto = _sub(det, "imposto")
            icms = _sub(imposto, "ICMS")
            vII = (vProd * P_II / 100).quantize(CENT, rounding=ROUND_HALF_UP) if tax == "import" else ZERO
            if tax == "simples":
                sn = _sub(icms, "ICMSSN102")
                _sub(sn, "orig", 0)
                _sub(sn, "CSOSN", "102")
                vICMS = ZERO
            else:
                vICMS = (vProd * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                group = _sub(icms, "ICMS10" if tax == "st" else "ICMS00")
                orig = 1 if tax == "import" else 0  # 1: imported directly (MOC orig table)
                for tag, value in (("orig", orig), ("CST", "10" if tax == "st" else "00"), ("modBC", 3),
                                   ("vBC", money(vProd)), ("pICMS", f"{rate:.2f}"), ("vICMS", money(vICMS))):
                    _sub(group, tag, value)
                totals["vBC"] += vProd
                totals["vICMS"] += vICMS
            if tax == "st":
                vBCST = (vProd * (100 + P_MVA_ST) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                vICMSST = (vBCST * P_ICMS / 100).quantize(CENT, rounding=ROUND_HALF_UP) - vICMS
                for tag, value in (("modBCST", 4), ("pMVAST", f"{P_MVA_ST:.2f}"), ("vBCST", money(vBCST)),
                                   ("pICMSST", f"{P_ICMS:.2f}"), ("vICMSST", money(vICMSST))):
                    _sub(group, tag, value)
                totals["vBCST"] += vBCST
                totals["vST"] += vICMSST
            vIPI = ZERO
            if tax in ("ipi", "import"):
                ipi = _sub(imposto, "IPI")
                _sub(ipi, "cEnq", "999")
                trib = _sub(ipi, "IPITrib")
                base = vProd + vII
                p_ipi = P_IPI_IMPORT if tax == "import" else P_IPI
                vIPI = (base * p_ipi / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                for tag, value in (("CST", "00" if tax == "import" else "50"), ("vBC", money(base)),
                                   ("pIPI", f"{p_ipi:.2f}"), ("vIPI", money(vIPI))):
                    _sub(trib, tag, value)
            if tax == "import":
                ii = _sub(imposto, "II")
                for tag, value in (("vBC", money(vProd)), ("vDespAdu", "0.00"), ("vII", money(vII)),
                                   ("vIOF", "0.00")):
                    _sub(ii, tag, value)
            if tax == "simples":  # the Simples Nacional pays PIS/COFINS in its single collection (CST 49)
                for group, cst in (("PIS", "PISOutr"), ("COFINS", "COFINSOutr")):
                    g = _sub(_sub(imposto, group), cst)
                    for tag, value in (("CST", "49"), ("vBC", "0.00"), (f"p{group}", "0.00"),
                                       (f"v{group}", "0.00")):
                        _sub(g, tag, value)
            else:
                vPIS = (vProd * P_PIS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                vCOFINS = (vProd * P_COFINS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                for group, aliq, p, v in (("PIS", "PISAliq", P_PIS, vPIS), ("COFINS", "COFINSAliq", P_COFINS, vCOFINS)):
                    g = _sub(_sub(imposto, group), aliq)
                    for tag, value in (("CST", "01"), ("vBC", money(vProd)), (f"p{group}", f"{p:.2f}"),
                                       (f"v{group}", money(v))):
                        _sub(g, tag, value)
                totals["vPIS"] += vPIS
                totals["vCOFINS"] += vCOFINS
            if tax == "difal":  # EC 87/2015: the destination's share, 100 % since 2019 (MOC NA15-10, NA17-10)
                vFCPUFDest = (vProd * P_FCP_DEST / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                vICMSUFDest = ((vProd * P_ICMS_DEST - vProd * rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                dest_group = _sub(imposto, "ICMSUFDest")
                for tag, value in (("vBCUFDest", money(vProd)), ("vBCFCPUFDest", money(vProd)),
                                   ("pFCPUFDest", f"{P_FCP_DEST:.2f}"), ("pICMSUFDest", f"{P_ICMS_DEST:.2f}"),
                                   ("pICMSInter", f"{rate:.2f}"), ("pICMSInterPart", "100.00"),
                                   ("vFCPUFDest", money(vFCPUFDest)), ("vICMSUFDest", money(vICMSUFDest)),
                                   ("vICMSUFRemet", "0.00")):
                    _sub(dest_group, tag, value)
                totals["vFCPUFDest"] += vFCPUFDest
                totals["vICMSUFDest"] += vICMSUFDest
            totals["vProd"] += vProd
            totals["vII"] += vII
            totals["vIPI"] += vIPI
        # MOC W16-10: vNF = vProd + vST + vII + vIPI + vServ (no discount, freight, insurance or other expenses).
        totals["vNF"] = totals["vProd"] + totals["vST"] + totals["vII"] + totals["vIPI"] + totals.get("vServ", ZERO)
        return totals

    def _service_item(self, det: etree._Element, prod: etree._Element, vUnCom: Decimal, qCom: Decimal,
                      vProd: Decimal, day: str, totals: dict[str, Decimal]) -> None:
        """A service of an NF-e conjugada: CFOP 5933, NCM 00, indTot 0, ISSQN at 5 % (MOC U01-U12, LC 116
        item 01.01), PIS and COFINS; its sums go to ISSQNtot (W17-W22)."""
        for tag, value in (("cProd", f"S{self.rng.randrange(10**4, 10**5)}"), ("cEAN", "SEM GTIN"),
                           ("xProd", "DESENVOLVIMENTO DE SISTEMAS"), ("NCM", "00"), ("CFOP", 5933), ("uCom", "UN"),
                           ("qCom", f"{qCom:.4f}"), ("vUnCom", f"{vUnCom:.2f}"), ("vProd", money(vProd)),
                           ("cEANTrib", "SEM GTIN"), ("uTrib", "UN"), ("qTrib", f"{qCom:.4f}"),
                           ("vUnTrib", f"{vUnCom:.2f}"), ("indTot", 0)):
            _sub(prod, tag, value)
        imposto = _sub(det, "imposto")
        vISS = (vProd * P_ISS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        issqn = _sub(imposto, "ISSQN")
        for tag, value in (("vBC", money(vProd)), ("vAliq", f"{P_ISS:.2f}"), ("vISSQN", money(vISS)),
                           ("cMunFG", self._cmun), ("cListServ", "01.01"), ("indISS", 1), ("indIncentivo", 2)):
            _sub(issqn, tag, value)
        vPIS = (vProd * P_PIS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        vCOFINS = (vProd * P_COFINS / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        for group, aliq, p, v in (("PIS", "PISAliq", P_PIS, vPIS), ("COFINS", "COFINSAliq", P_COFINS, vCOFINS)):
            g = _sub(_sub(imposto, group), aliq)
            for tag, value in (("CST", "01"), ("vBC", money(vProd)), (f"p{group}", f"{p:.2f}"), (f"v{group}", money(v))):
                _sub(g, tag, value)
        totals["vServ"] += vProd
        totals["issBC"] += vProd
        totals["vISS"] += vISS
        totals["issPIS"] += vPIS
        totals["issCOFINS"] += vCOFINS

    def _import_declaration(self, prod: etree._Element, n: int, day: str) -> None:
        """prod/DI of an imported item (MOC I18-I25: a DI with one addition), cleared by air (no AFRMM)."""
        di = _sub(prod, "DI")
        for tag, value in (("nDI", f"26{self.rng.randrange(10**8, 10**9)}"), ("dDI", day),
                           ("xLocDesemb", "AEROPORTO DE VIRACOPOS"), ("UFDesemb", "SP"), ("dDesemb", day),
                           ("tpViaTransp", 4), ("tpIntermedio", 1), ("cExportador", "SHENZHEN01")):
            _sub(di, tag, value)
        adi = _sub(di, "adi")
        _sub(adi, "nAdicao", 1)
        _sub(adi, "nSeqAdic", n)
        _sub(adi, "cFabricante", "SHENZHEN01")

    def _billing(self, inf: etree._Element, vNF: Decimal, installments: int, day: str, nNF: int) -> None:
        """cobr: the invoice and its instalments, due 30, 60... days after issue (MOC Y01-Y10: numbered 001...,
        due dates in order and not before the issue, their sum = vLiq)."""
        from datetime import date, timedelta

        cobr = _sub(inf, "cobr")
        fat = _sub(cobr, "fat")
        for tag, value in (("nFat", str(nNF)), ("vOrig", money(vNF)), ("vDesc", "0.00"), ("vLiq", money(vNF))):
            _sub(fat, tag, value)
        part = (vNF / installments).quantize(CENT, rounding=ROUND_HALF_UP)
        issued = date.fromisoformat(day)
        for k in range(1, installments + 1):
            value = part if k < installments else vNF - part * (installments - 1)
            dup = _sub(cobr, "dup")
            _sub(dup, "nDup", f"{k:03d}")
            _sub(dup, "dVenc", (issued + timedelta(days=30 * k)).isoformat())
            _sub(dup, "vDup", money(value))

    def _total(self, inf: etree._Element, totals: dict[str, Decimal]) -> None:
        icms_tot = _sub(_sub(inf, "total"), "ICMSTot")
        # Schema order of ICMSTot; every field not computed from the items is zero.
        for tag in ("vBC", "vICMS", "vICMSDeson", "vFCPUFDest", "vICMSUFDest", "vICMSUFRemet", "vFCP", "vBCST",
                    "vST", "vFCPST", "vFCPSTRet", "vProd", "vFrete", "vSeg", "vDesc", "vII", "vIPI", "vIPIDevol",
                    "vPIS", "vCOFINS", "vOutro", "vNF"):
            if tag in ("vFCPUFDest", "vICMSUFDest", "vICMSUFRemet") and tag not in totals:
                continue  # optional: only notes with ICMSUFDest groups carry them
            _sub(icms_tot, tag, money(totals.get(tag, ZERO)))
        if totals.get("vServ"):  # NF-e conjugada: the services' totals (W17-W22); a one-item note has none
            iss_tot = _sub(icms_tot.getparent(), "ISSQNtot")
            for tag, key in (("vServ", "vServ"), ("vBC", "issBC"), ("vISS", "vISS"), ("vPIS", "issPIS"),
                             ("vCOFINS", "issCOFINS")):
                _sub(iss_tot, tag, money(totals[key]))
            _sub(iss_tot, "dCompet", self._day)


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
