"""IBS / CBS groups of the tax reform (NT 2025.002-RTC, PL_010f) added to a factory NF-e, with the values the RTC
rules demand (rates of the year of dhEmi, reductions of the cClassTrib, deferral, regular taxation, presumed credit,
government purchase), and the `total/IBSCBSTot` of the items. Tests and scenarios then break one field.

    nfe = factory.build(); add_ibscbs(nfe, cst="200", cClassTrib="200047")   # bars and restaurants: 40 % reduction

The values are computed as the rules of rules/ibscbs.py recompute them (domain/ibscbs.py rates, 4-decimal pAliqEfet,
amounts rounded half-up to cents).
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from fake_sefaz.domain import ibscbs as rtc
from fake_sefaz.domain import tables
from fake_sefaz.domain.ibscbs import ZERO, money, rate4
from fake_sefaz.domain.xml import N


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, N + tag)
    if text is not None:
        el.text = str(text)
    return el


def _amount(v: Decimal) -> str:
    return f"{money(v) + 0:.2f}"  # + 0: no "-0.00" (TDec1302RTC has no sign)


def _rate(v: Decimal) -> str:
    return f"{v:.4f}"


def add_ibscbs(nfe: etree._Element, cst: str = "000", cClassTrib: str = "000001", *, pDif: str | int = 100,
               cCredPres: str | None = None, compra_gov: dict | None = None, estorno: bool = False,
               competApur: str | None = None, tpCredPresIBSZFM: str = "1", totals: bool = True,
               items: int | None = None) -> etree._Element:
    """Add imposto/IBSCBS to the first `items` items (all by default) and total/IBSCBSTot (unless totals=False).

    cst / cClassTrib: the pair (the cClassTrib table gives reductions and indicators). pDif: deferral % for CSTs
    with ind_gDif. cCredPres: a presumed credit (gCredPresOper, 2 digits). compra_gov: {tpEnteGov, pRedutor,
    tpOperGov} adds ide/gCompraGov and each item's gTribCompraGov. estorno: gEstornoCred with the item's values.
    competApur (AAAA-MM): the period of gAjusteCompet (CST 811) and gCredPresIBSZFM (CST 810)."""
    inf = nfe.find(N + "infNFe")
    dh = inf.findtext(f"{N}ide/{N}dhEmi") or ""
    year = int(dh[:4])
    cst_row = tables.ibscbs_cst()[cst]
    klass = tables.cclasstrib().get(cClassTrib)
    regular = klass is not None and klass.ind_gTribRegular
    rates = rtc.RATES.get(year, (ZERO, ZERO, ZERO))
    nominal = (ZERO, ZERO, ZERO) if regular else tuple(r if r is not None else ZERO for r in rates)
    reductor = Decimal(str(compra_gov.get("pRedutor", 0))) if compra_gov else ZERO
    period = competApur or dh[:7]
    if compra_gov:
        _compra_gov(inf, compra_gov)

    sums: dict[str, Decimal] = {}
    any_values = False
    for n, det in enumerate(inf.iterchildren(N + "det"), start=1):
        if items is not None and n > items:
            break
        vProd = Decimal(det.findtext(f"{N}prod/{N}vProd") or "0")
        imposto = det.find(N + "imposto")
        group = _sub(imposto, "IBSCBS")
        _sub(group, "CST", cst)
        _sub(group, "cClassTrib", cClassTrib)
        v_ibs = v_cbs = ZERO
        ibs_credit = _credit_value(vProd)
        if cst_row.ind_gIBSCBS:
            any_values = True
            g = _sub(group, "gIBSCBS")
            _sub(g, "vBC", _amount(vProd))
            sums["vBC"] = sums.get("vBC", ZERO) + vProd
            values = []
            for i, (name, p_name, v_name, red_col) in enumerate((
                    ("gIBSUF", "pIBSUF", "vIBSUF", "pRedIBS"), ("gIBSMun", "pIBSMun", "vIBSMun", "pRedIBS"),
                    ("gCBS", "pCBS", "vCBS", "pRedCBS"))):
                if i == 2:
                    v_ibs_sum = values[0] + values[1]
                    if _deducts(cCredPres):  # half the IBS, so vIBS stays positive (TDec1302RTC has no sign)
                        ibs_credit = money(v_ibs_sum / 2)
                        v_ibs = money(v_ibs_sum - ibs_credit)
                    else:
                        v_ibs = v_ibs_sum
                    _sub(g, "vIBS", _amount(v_ibs))
                    sums["vIBS"] = sums.get("vIBS", ZERO) + v_ibs
                p = nominal[i]
                sphere = _sub(g, name)
                _sub(sphere, p_name, _rate(p))
                red = p > 0 and (cst_row.ind_gRed or bool(compra_gov))
                p_red = getattr(klass, red_col) if (klass is not None and cst_row.ind_gRed) else ZERO
                p_eff = rate4(p * (1 - p_red / 100) * (1 - reductor / 100)) if red else p
                v_dif = ZERO
                if cst_row.ind_gDif:
                    v_dif = money(vProd * p_eff / 100 * Decimal(str(pDif)) / 100)
                    dif = _sub(sphere, "gDif")
                    _sub(dif, "pDif", _rate(Decimal(str(pDif))))
                    _sub(dif, "vDif", _amount(v_dif))
                if red:
                    gred = _sub(sphere, "gRed")
                    _sub(gred, "pRedAliq", _rate(p_red))
                    _sub(gred, "pAliqEfet", _rate(p_eff))
                # rounded first, then less the rounded deferral: money(x - money(x)) could round to -0.01
                value = money(vProd * p_eff / 100) - v_dif
                _sub(sphere, v_name, _amount(value))
                values.append(value)
                key = ("UF", "Mun", "CBS")[i]
                sums[f"vDif{key}"] = sums.get(f"vDif{key}", ZERO) + v_dif
                sums[f"v{key}"] = sums.get(f"v{key}", ZERO) + value
            v_cbs = values[2]
            if regular:
                _regular(g, vProd, rates)
            if compra_gov:
                gov = _sub(g, "gTribCompraGov")
                for p_name, v_name, p, v in (("pAliqIBSUF", "vTribIBSUF", nominal[0], values[0]),
                                             ("pAliqIBSMun", "vTribIBSMun", nominal[1], values[1]),
                                             ("pAliqCBS", "vTribCBS", nominal[2], values[2])):
                    _sub(gov, p_name, _rate(p))
                    _sub(gov, v_name, _amount(v))
        elif cst_row.ind_gTransfCred:
            any_values = True
            v_ibs, v_cbs = money(vProd * nominal[0] / 100), money(vProd * nominal[2] / 100)
            t = _sub(group, "gTransfCred")
            _sub(t, "vIBS", _amount(v_ibs))
            _sub(t, "vCBS", _amount(v_cbs))
        elif cst_row.ind_gAjusteCompet:
            any_values = True
            v_ibs, v_cbs = money(vProd * nominal[0] / 100), money(vProd * nominal[2] / 100)
            a = _sub(group, "gAjusteCompet")
            _sub(a, "competApur", period)
            _sub(a, "vIBS", _amount(v_ibs))
            _sub(a, "vCBS", _amount(v_cbs))
        if estorno or (klass is not None and klass.ind_gEstornoCred):
            any_values = True
            if not (v_ibs or v_cbs):  # no value group of its own: reverse the credit the year's rates gave
                v_ibs, v_cbs = money(vProd * nominal[0] / 100), money(vProd * nominal[2] / 100)
            e = _sub(group, "gEstornoCred")
            _sub(e, "vIBSEstCred", _amount(v_ibs))
            _sub(e, "vCBSEstCred", _amount(v_cbs))
            sums["vIBSEst"] = sums.get("vIBSEst", ZERO) + v_ibs
            sums["vCBSEst"] = sums.get("vCBSEst", ZERO) + v_cbs
        if cCredPres is not None:
            any_values = True
            _presumed_credit(group, cCredPres, vProd, ibs_credit, sums)
        elif cst_row.ind_gCredPresIBSZFM:
            z = _sub(group, "gCredPresIBSZFM")
            _sub(z, "competApur", period)
            _sub(z, "tpCredPresIBSZFM", tpCredPresIBSZFM)
            _sub(z, "vCredPresIBSZFM", _amount(money(vProd * Decimal("0.01"))))
    if totals and any_values:
        _totals(inf, sums, cst_row.ind_gIBSCBS)
    return nfe


def _deducts(cCredPres: str | None) -> bool:
    """UB54a-10: the IBS presumed credit of a cCredPres with ind_DeduzCredPres=1 is deducted from vIBS."""
    cred = tables.ccredpres().get(cCredPres or "")
    return cred is not None and cred.ind_DeduzCredPres and cred.ind_gIBSCredPres


def _credit_value(vProd: Decimal) -> Decimal:
    # 1 % of the base: a made-up presumed-credit rate (the table's rates are formulas of the law).
    return money(vProd * Decimal("0.01"))


def _presumed_credit(group: etree._Element, cCredPres: str, vProd: Decimal, ibs_credit: Decimal,
                     sums: dict[str, Decimal]) -> None:
    cred = tables.ccredpres().get(cCredPres)
    g = _sub(group, "gCredPresOper")
    _sub(g, "vBCCredPres", _amount(vProd))
    _sub(g, "cCredPres", cCredPres)
    for sub, flag, key, value in (
            ("gIBSCredPres", cred is not None and cred.ind_gIBSCredPres, "vCredPresIBS", ibs_credit),
            ("gCBSCredPres", cred is not None and cred.ind_gCBSCredPres, "vCredPresCBS", _credit_value(vProd))):
        if flag:
            c = _sub(g, sub)
            _sub(c, "pCredPres", _rate(Decimal("1")))
            _sub(c, "vCredPres", _amount(value))
            sums[key] = sums.get(key, ZERO) + value


def _regular(g: etree._Element, vProd: Decimal, rates) -> None:
    """gTribRegular: what the operation would pay under regular taxation (CST 000 / 000001 at the year's rates)."""
    reg = _sub(g, "gTribRegular")
    _sub(reg, "CSTReg", "000")
    _sub(reg, "cClassTribReg", "000001")
    for p_name, v_name, p in (("pAliqEfetRegIBSUF", "vTribRegIBSUF", rates[0]),
                              ("pAliqEfetRegIBSMun", "vTribRegIBSMun", rates[1]),
                              ("pAliqEfetRegCBS", "vTribRegCBS", rates[2] or ZERO)):
        _sub(reg, p_name, _rate(p))
        _sub(reg, v_name, _amount(vProd * p / 100))


def _compra_gov(inf: etree._Element, spec: dict) -> None:
    ide = inf.find(N + "ide")
    gov = etree.Element(N + "gCompraGov")
    _sub(gov, "tpEnteGov", spec.get("tpEnteGov", 1))
    _sub(gov, "pRedutor", _rate(Decimal(str(spec.get("pRedutor", 0)))))
    _sub(gov, "tpOperGov", spec.get("tpOperGov", 1))
    # ide's sequence: ... xJust, NFref*, gCompraGov, gPagAntecipado
    after = None
    for child in ide:
        if child.tag in (N + "verProc", N + "dhCont", N + "xJust", N + "NFref"):
            after = child
    after.addnext(gov)


def _totals(inf: etree._Element, sums: dict[str, Decimal], with_values: bool) -> None:
    total = inf.find(N + "total")
    tot = etree.Element(N + "IBSCBSTot")
    # total's sequence: ICMSTot, ISSQNtot, retTrib, ISTot, IBSCBSTot, vNFTot
    after = None
    for child in total:
        if child.tag in (N + "ICMSTot", N + "ISSQNtot", N + "retTrib", N + "ISTot"):
            after = child
    after.addnext(tot)
    s = lambda k: _amount(sums.get(k, ZERO))  # noqa: E731
    _sub(tot, "vBCIBSCBS", s("vBC"))
    if with_values:
        g = _sub(tot, "gIBS")
        for name, key in (("gIBSUF", "UF"), ("gIBSMun", "Mun")):
            sphere = _sub(g, name)
            _sub(sphere, "vDif", s(f"vDif{key}"))
            _sub(sphere, "vDevTrib", "0.00")
            _sub(sphere, "vIBS" + key, s(f"v{key}"))
        _sub(g, "vIBS", s("vIBS"))
        _sub(g, "vCredPres", s("vCredPresIBS"))
        _sub(g, "vCredPresCondSus", "0.00")
        c = _sub(tot, "gCBS")
        _sub(c, "vDif", s("vDifCBS"))
        _sub(c, "vDevTrib", "0.00")
        _sub(c, "vCBS", s("vCBS"))
        _sub(c, "vCredPres", s("vCredPresCBS"))
        _sub(c, "vCredPresCondSus", "0.00")
    if "vIBSEst" in sums:
        e = _sub(tot, "gEstornoCred")
        _sub(e, "vIBSEstCred", s("vIBSEst"))
        _sub(e, "vCBSEstCred", s("vCBSEst"))
