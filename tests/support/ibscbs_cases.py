"""One broken NF-e per IBS/CBS rule (NT 2025.002-RTC): the factory note, the IBS/CBS groups of emitter/ibscbs.py, and
the edits (tools/conformance/runner.apply_edits, the scenario format) that break exactly that rule.
tests/test_rules_ibscbs.py calls the rules on them with no server; scenarios/ibscbs.yaml sends the same notes."""

from __future__ import annotations

from dataclasses import dataclass, field

IDE = "infNFe/ide"
DET = "infNFe/det"
IB = "infNFe/det/imposto/IBSCBS"
G = IB + "/gIBSCBS"
UF, MUN, CBS = G + "/gIBSUF", G + "/gIBSMun", G + "/gCBS"
TOT = "infNFe/total/IBSCBSTot"
REF65 = "35261211222333000181650010000000011000000010"  # an access key of model 65 (positions 21-22)


def strip(det: str = DET) -> list[dict]:
    """No ICMS, PIS, COFINS: what a crédito/débito note (finNFe 5, 6) carries (B25-80)."""
    return [{"path": f"{det}/imposto/{t}", "remove": True} for t in ("ICMS", "PIS", "COFINS")]


def ide(after: str, tag: str, text: str) -> dict:
    return {"path": f"{IDE}/{after}", "insert_after": tag, "text": text}


def put(path: str, text: str) -> dict:
    return {"path": path, "text": text}


def drop(path: str) -> dict:
    return {"path": path, "remove": True}


def xml(path: str, fragment: str, where: str = "after") -> dict:
    return {"path": path, "insert_xml": fragment, "where": where}


def debit(kind: str = "01") -> list[dict]:
    return [put(f"{IDE}/finNFe", "6"), ide("finNFe", "tpNFDebito", kind), *strip()]


def credit(kind: str = "01") -> list[dict]:
    return [put(f"{IDE}/finNFe", "5"), put(f"{IDE}/tpNF", "0"), ide("finNFe", "tpNFCredito", kind), *strip()]


GOV = {"tpEnteGov": 1, "pRedutor": 10, "tpOperGov": 1}
DIF = "<gDif><pDif>100.0000</pDif><vDif>0.00</vDif></gDif>"
RED = "<gRed><pRedAliq>0.0000</pRedAliq><pAliqEfet>0.1000</pAliqEfet></gRed>"
ZFM = "<gCredPresIBSZFM><competApur>2026-01</competApur><tpCredPresIBSZFM>1</tpCredPresIBSZFM>" \
      "<vCredPresIBSZFM>1.00</vCredPresIBSZFM></gCredPresIBSZFM>"
REGULAR = "<gTribRegular><CSTReg>000</CSTReg><cClassTribReg>000001</cClassTribReg><pAliqEfetRegIBSUF>0.1000" \
          "</pAliqEfetRegIBSUF><vTribRegIBSUF>0.00</vTribRegIBSUF><pAliqEfetRegIBSMun>0</pAliqEfetRegIBSMun>" \
          "<vTribRegIBSMun>0.00</vTribRegIBSMun><pAliqEfetRegCBS>0.9000</pAliqEfetRegCBS><vTribRegCBS>0.00" \
          "</vTribRegCBS></gTribRegular>"
GOV_VALUES = "<gTribCompraGov><pAliqIBSUF>0.1000</pAliqIBSUF><vTribIBSUF>0.00</vTribIBSUF><pAliqIBSMun>0" \
             "</pAliqIBSMun><vTribIBSMun>0.00</vTribIBSMun><pAliqCBS>0.9000</pAliqCBS><vTribCBS>0.00</vTribCBS>" \
             "</gTribCompraGov>"


@dataclass(frozen=True)
class Case:
    code: int
    rule: str  # MOC / NT rule id
    what: str  # the scenario's description
    ibscbs: dict | None = field(default_factory=dict)  # add_ibscbs kwargs (None: no IBS/CBS groups)
    edit: tuple = ()
    build: dict = field(default_factory=dict)  # factory kwargs
    template: str = "nfe"
    item: bool = True  # the answer names the item: "[nItem: 1]"
    days: int = 0  # receipt (and dhEmi) this many days after today: the 2027 rates, the 2029 ZFM credit
    delivery: int | None = None  # ide/dPrevEntrega this many days after dhEmi

    @property
    def name(self) -> str:
        return f"ibscbs-{self.code}-{self.rule.lower().replace('.', '-')}"


ONE = {"n_items": 1}
CASES: tuple[Case, ...] = (
    # --- group B: identification
    Case(1153, "B10a-10", "an NFC-e with dPrevEntrega", template="nfce", item=False, ibscbs=None, delivery=1),
    Case(1154, "B10a-20", "dPrevEntrega more than 3 months after dhEmi", item=False, ibscbs=None, delivery=100,
         edit=(put("infNFe/transp/modFrete", "0"),)),
    Case(1155, "B10a-30", "dPrevEntrega before dhEmi", item=False, ibscbs=None, delivery=-1,
         edit=(put("infNFe/transp/modFrete", "0"),)),
    Case(1156, "B10a-40", "dPrevEntrega in a débito note (finNFe 6)", item=False, build=ONE, delivery=10,
         edit=(put("infNFe/transp/modFrete", "0"), *debit())),
    Case(1157, "B10a-50", "dPrevEntrega with modFrete 9 (no transport)", item=False, ibscbs=None, delivery=10),
    Case(1027, "B25-65", "a crédito of type 02 (ZFM) referencing a document", item=False, build=ONE,
         edit=(*credit("02"), xml(f"{IDE}/verProc", f"<NFref><refNFe>{REF65}</refNFe></NFref>"))),
    Case(1001, "B25-80", "a débito note whose item carries ICMS", item=False,
         edit=(put(f"{IDE}/finNFe", "6"), ide("finNFe", "tpNFDebito", "01"))),
    Case(1002, "B25-90", "an item with neither ICMS nor ISSQN", item=False, ibscbs=None,
         edit=(drop(f"{DET}/imposto/ICMS"),)),
    Case(1003, "B25-100", "a crédito note referencing an NFC-e (model 65)", item=False, build=ONE,
         edit=(*credit("01"), xml(f"{IDE}/verProc", f"<NFref><refNFe>{REF65}</refNFe></NFref>"))),
    Case(1161, "B25-110", "a crédito note that is an exit (tpNF 1)", item=False, build=ONE,
         edit=(*credit("01"), put(f"{IDE}/tpNF", "1"))),
    Case(1162, "B25-120", "a débito note that is an entry (tpNF 0)", item=False, build=ONE,
         edit=(*debit(), put(f"{IDE}/tpNF", "0"))),
    Case(1139, "B25.1-10", "tpNFDebito in a normal note", item=False, edit=(ide("finNFe", "tpNFDebito", "01"),)),
    Case(1009, "B25.1-20", "a débito note without tpNFDebito", item=False, build=ONE,
         edit=(put(f"{IDE}/finNFe", "6"), *strip())),
    Case(1163, "B25.2-10", "tpNFCredito in a normal note", item=False, edit=(ide("finNFe", "tpNFCredito", "01"),)),
    Case(1164, "B25.2-20", "a crédito note without tpNFCredito", item=False, build=ONE,
         edit=(put(f"{IDE}/finNFe", "5"), put(f"{IDE}/tpNF", "0"), *strip())),
    Case(1145, "B25.2-30", "a crédito of type 02 (ZFM presumed credit) before 2029", item=False, build=ONE,
         edit=credit("02")),
    Case(1000, "B25b-60", "an NFC-e with cMunFGIBS sold in the shop (indPres 1)", template="nfce", item=False,
         ibscbs=None, edit=(ide("cMunFG", "cMunFGIBS", "3550308"),)),
    Case(1006, "B31-10", "an NFC-e with gCompraGov", template="nfce", item=False, ibscbs=None,
         edit=(xml(f"{IDE}/verProc", "<gCompraGov><tpEnteGov>1</tpEnteGov><pRedutor>0</pRedutor>"
                                     "<tpOperGov>1</tpOperGov></gCompraGov>"),)),
    Case(1140, "B34-10", "a receipt of government payment (tpOperGov 2) without refNFe", item=False, build=ONE,
         ibscbs={"compra_gov": {**GOV, "tpOperGov": 2}}, edit=tuple(strip())),
    # --- group I: product
    Case(1165, "I05k-10", "an NFC-e item with tpCredPresIBSZFM", template="nfce", ibscbs=None,
         edit=({"path": f"{DET}/prod/NCM", "insert_after": "tpCredPresIBSZFM", "text": "1"},)),
    Case(1166, "I05k-20", "tpCredPresIBSZFM from an emitter in SP", ibscbs=None,
         edit=({"path": f"{DET}/prod/NCM", "insert_after": "tpCredPresIBSZFM", "text": "1"},)),
    Case(1106, "LA01-30", "cClassTrib 410013 (fuel) without prod/comb", ibscbs={"cst": "410", "cClassTrib": "410013"}),
    # --- group UB: CST, cClassTrib and groups
    Case(1020, "UB13-10", "CST 999", edit=(put(f"{IB}/CST", "999"),)),
    Case(1021, "UB13-20", "CST 410 with gIBSCBS", edit=(put(f"{IB}/CST", "410"), put(f"{IB}/cClassTrib", "410999"))),
    Case(1022, "UB13-30", "CST 000 without gIBSCBS", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(put(f"{IB}/CST", "000"), put(f"{IB}/cClassTrib", "000001"))),
    Case(1151, "UB13-39", "CST 410 with gIBSCBSMono", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(xml(f"{IB}/cClassTrib", "<gIBSCBSMono><vTotIBSMonoItem>0.00</vTotIBSMonoItem>"
                                       "<vTotCBSMonoItem>0.00</vTotCBSMonoItem></gIBSCBSMono>"),)),
    Case(1131, "UB13-44", "CST 410 with gTransfCred", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(xml(f"{IB}/cClassTrib", "<gTransfCred><vIBS>1.00</vIBS><vCBS>1.00</vCBS></gTransfCred>"),)),
    Case(1132, "UB13-45", "CST 800 without gTransfCred", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(put(f"{IB}/CST", "800"), put(f"{IB}/cClassTrib", "800001"))),
    Case(1023, "UB14-10", "cClassTrib 000999", edit=(put(f"{IB}/cClassTrib", "000999"),)),
    Case(1024, "UB14-20", "cClassTrib 200047 under CST 000", edit=(put(f"{IB}/cClassTrib", "200047"),)),
    Case(1025, "UB14-25", "cClassTrib 010001 (not for NF-e)", ibscbs={"cst": "010", "cClassTrib": "010001"}),
    # --- rates, deferral, reduction
    Case(1026, "UB18-10", "pIBSUF 0.2000 in 2026", edit=(put(f"{UF}/pIBSUF", "0.2000"),)),
    Case(1029, "UB22-10", "gIBSUF/gDif under CST 000", edit=(xml(f"{UF}/pIBSUF", DIF),)),
    Case(1030, "UB22-20", "CST 510 without gIBSUF/gDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(drop(f"{UF}/gDif"),)),
    Case(1031, "UB23-10", "a wrong gIBSUF/gDif/vDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(put(f"{UF}/gDif/vDif", "999.99"),)),
    Case(1032, "UB26-10", "gIBSUF/gRed under CST 000", edit=(xml(f"{UF}/pIBSUF", RED),)),
    Case(1033, "UB26-20", "CST 200 / 200047 without gIBSUF/gRed (sped-nfe#1296)",
         ibscbs={"cst": "200", "cClassTrib": "200047"}, edit=(drop(f"{UF}/gRed"),)),
    Case(1034, "UB27-10", "pRedAliq 50 for 200047 (40 %)", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(put(f"{UF}/gRed/pRedAliq", "50.0000"),)),
    Case(1035, "UB28-10", "a wrong gIBSUF/gRed/pAliqEfet", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(put(f"{UF}/gRed/pAliqEfet", "0.0700"),)),
    Case(1041, "UB35-10", "a wrong vIBSUF", edit=(put(f"{UF}/vIBSUF", "999.99"),)),
    Case(1036, "UB37-10", "pIBSMun 0.1000 in 2026", edit=(put(f"{MUN}/pIBSMun", "0.1000"),)),
    Case(1044, "UB40-10", "CST 510 without gIBSMun/gDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(drop(f"{MUN}/gDif"),)),
    Case(1083, "UB40-20", "gIBSMun/gDif under CST 000", edit=(xml(f"{MUN}/pIBSMun", DIF),)),
    Case(1045, "UB42-10", "a wrong gIBSMun/gDif/vDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(put(f"{MUN}/gDif/vDif", "1.00"),)),
    Case(1007, "UB45-10", "gIBSMun/gRed under CST 000", edit=(xml(f"{MUN}/pIBSMun", RED),)),
    Case(1074, "UB45-20", "CST 200 / 200047 in 2027 (pIBSMun 0.05) without gIBSMun/gRed", days=35,
         ibscbs={"cst": "200", "cClassTrib": "200047"}, edit=(drop(f"{MUN}/gRed"),)),
    Case(1046, "UB46-10", "gIBSMun/gRed with pRedAliq 10 for 200047 (40 %)",
         ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(xml(f"{MUN}/pIBSMun", "<gRed><pRedAliq>10.0000</pRedAliq><pAliqEfet>0</pAliqEfet></gRed>"),)),
    Case(1047, "UB47-10", "a wrong gIBSMun/gRed/pAliqEfet", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(xml(f"{MUN}/pIBSMun", "<gRed><pRedAliq>40.0000</pRedAliq><pAliqEfet>0.0100</pAliqEfet></gRed>"),)),
    Case(1052, "UB54-10", "a wrong vIBSMun", edit=(put(f"{MUN}/vIBSMun", "1.00"),)),
    Case(1150, "UB54a-10", "a wrong gIBSCBS/vIBS", edit=(put(f"{G}/vIBS", "999.99"),)),
    Case(1037, "UB56-10", "pCBS 0.5000 in 2026", edit=(put(f"{CBS}/pCBS", "0.5000"),)),
    Case(1061, "UB59-10", "CST 510 without gCBS/gDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(drop(f"{CBS}/gDif"),)),
    Case(1090, "UB59-20", "gCBS/gDif under CST 000", edit=(xml(f"{CBS}/pCBS", DIF),)),
    Case(1062, "UB61-10", "a wrong gCBS/gDif/vDif", ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(put(f"{CBS}/gDif/vDif", "999.99"),)),
    Case(1028, "UB64-10", "gCBS/gRed under CST 000", edit=(xml(f"{CBS}/pCBS", RED),)),
    Case(1079, "UB64-20", "CST 200 / 200047 without gCBS/gRed", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(drop(f"{CBS}/gRed"),)),
    Case(1063, "UB65-10", "gCBS/gRed/pRedAliq 50 for 200047 (40 %)", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(put(f"{CBS}/gRed/pRedAliq", "50.0000"),)),
    Case(1064, "UB66-10", "a wrong gCBS/gRed/pAliqEfet", ibscbs={"cst": "200", "cClassTrib": "200047"},
         edit=(put(f"{CBS}/gRed/pAliqEfet", "0.5000"),)),
    Case(1069, "UB67-10", "a wrong vCBS", edit=(put(f"{CBS}/vCBS", "999.99"),)),
    # --- regular taxation, government purchase
    Case(1065, "UB68-10", "cClassTrib 550001 (export) without gTribRegular",
         ibscbs={"cst": "550", "cClassTrib": "550001"}, edit=(drop(f"{G}/gTribRegular"),)),
    Case(1114, "UB68-11", "gTribRegular under cClassTrib 000001", edit=(xml(f"{CBS}", REGULAR),)),
    Case(1066, "UB69-10", "gTribRegular/CSTReg 999", ibscbs={"cst": "550", "cClassTrib": "550001"},
         edit=(put(f"{G}/gTribRegular/CSTReg", "999"),)),
    Case(1067, "UB70-10", "gTribRegular/cClassTribReg 000999", ibscbs={"cst": "550", "cClassTrib": "550001"},
         edit=(put(f"{G}/gTribRegular/cClassTribReg", "000999"),)),
    Case(1040, "UB72-10", "a wrong vTribRegIBSUF", ibscbs={"cst": "550", "cClassTrib": "550001"},
         edit=(put(f"{G}/gTribRegular/vTribRegIBSUF", "999.99"),)),
    Case(1051, "UB72b-10", "a wrong vTribRegIBSMun", ibscbs={"cst": "550", "cClassTrib": "550001"},
         edit=(put(f"{G}/gTribRegular/vTribRegIBSMun", "1.00"),)),
    Case(1068, "UB72d-10", "a wrong vTribRegCBS", ibscbs={"cst": "550", "cClassTrib": "550001"},
         edit=(put(f"{G}/gTribRegular/vTribRegCBS", "999.99"),)),
    Case(1141, "UB82a-10", "a government purchase without gTribCompraGov", ibscbs={"compra_gov": GOV},
         edit=(drop(f"{G}/gTribCompraGov"),)),
    Case(1142, "UB82a-20", "gTribCompraGov values far from the item's", ibscbs={"compra_gov": GOV},
         edit=(put(f"{G}/gTribCompraGov/vTribIBSUF", "999.99"),)),
    Case(1144, "UB82a-30", "gTribCompraGov outside a government purchase", edit=(xml(f"{CBS}", GOV_VALUES),)),
    # --- credit transfer, competence adjustment, credit reversal
    Case(1133, "UB106-30", "CST 800 (credit transfer) in a normal note", ibscbs={"cst": "800", "cClassTrib": "800001"}),
    Case(1168, "UB106-31", "a credit transfer in a débito of type 02", build=ONE,
         ibscbs={"cst": "800", "cClassTrib": "800001"}, edit=tuple(debit("02"))),
    Case(1129, "UB106-40", "a credit transfer of zero", build=ONE, ibscbs={"cst": "800", "cClassTrib": "800001"},
         edit=(*debit("01"), put(f"{IB}/gTransfCred/vIBS", "0.00"), put(f"{IB}/gTransfCred/vCBS", "0.00"))),
    Case(1169, "UB112-10", "gAjusteCompet under CST 410", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(xml(f"{IB}/cClassTrib", "<gAjusteCompet><competApur>2026-01</competApur><vIBS>1.00</vIBS>"
                                       "<vCBS>1.00</vCBS></gAjusteCompet>"),)),
    Case(1170, "UB112-20", "CST 811 without gAjusteCompet", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(put(f"{IB}/CST", "811"), put(f"{IB}/cClassTrib", "811001"))),
    Case(1171, "UB112-30", "a competence adjustment of zero", ibscbs={"cst": "811", "cClassTrib": "811001"},
         edit=(put(f"{IB}/gAjusteCompet/vIBS", "0.00"), put(f"{IB}/gAjusteCompet/vCBS", "0.00"))),
    Case(1172, "UB116-10", "gEstornoCred under cClassTrib 000001", ibscbs={"estorno": True}),
    Case(1173, "UB116-20", "a débito of type 07 (credit reversal) without gEstornoCred", build=ONE,
         edit=tuple(debit("07"))),
    Case(1174, "UB116-30", "a credit reversal of zero", ibscbs={"cst": "410", "cClassTrib": "410026"},
         edit=(put(f"{IB}/gEstornoCred/vIBSEstCred", "0.00"), put(f"{IB}/gEstornoCred/vCBSEstCred", "0.00"))),
    # --- presumed credit
    Case(1049, "UB120-10", "an NFC-e item with gCredPresOper", template="nfce", ibscbs={"cCredPres": "01"}),
    Case(1175, "UB120-20", "gCredPresOper under cClassTrib 000001", ibscbs={"cCredPres": "01"}),
    Case(1055, "UB122-10", "cCredPres 99", ibscbs={"cClassTrib": "000003", "cCredPres": "99"}),
    Case(1053, "UB123-10", "gIBSCredPres for cCredPres 05 (CBS only)", ibscbs={"cClassTrib": "000003", "cCredPres": "05"},
         edit=(xml(f"{IB}/gCredPresOper/cCredPres",
                   "<gIBSCredPres><pCredPres>1.0000</pCredPres><vCredPres>0.00</vCredPres></gIBSCredPres>"),)),
    Case(1054, "UB123-20", "cCredPres 01 without gIBSCredPres", ibscbs={"cClassTrib": "000003", "cCredPres": "01"},
         edit=(drop(f"{IB}/gCredPresOper/gIBSCredPres"),)),
    Case(1056, "UB126-10", "an IBS presumed credit under suspensive condition before 2033",
         ibscbs={"cClassTrib": "000003", "cCredPres": "01"},
         edit=({"path": f"{IB}/gCredPresOper/gIBSCredPres/vCredPres", "rename": "vCredPresCondSus"},)),
    Case(1050, "UB127-10", "gCBSCredPres for cCredPres 08 (IBS only)", ibscbs={"cClassTrib": "000003", "cCredPres": "08"},
         edit=(xml(f"{IB}/gCredPresOper/gIBSCredPres",
                   "<gCBSCredPres><pCredPres>1.0000</pCredPres><vCredPres>0.00</vCredPres></gCBSCredPres>"),)),
    Case(1058, "UB127-20", "cCredPres 05 without gCBSCredPres", ibscbs={"cClassTrib": "000003", "cCredPres": "05"},
         edit=(drop(f"{IB}/gCredPresOper/gCBSCredPres"),)),
    Case(1124, "UB129-10", "a CBS presumed credit of used goods (cCredPres 04) above vProd",
         ibscbs={"cClassTrib": "000003", "cCredPres": "04"},
         edit=(put(f"{IB}/gCredPresOper/gCBSCredPres/vCredPres", "999999.99"),)),
    Case(1060, "UB130-10", "a CBS presumed credit under suspensive condition before 2033",
         ibscbs={"cClassTrib": "000003", "cCredPres": "01"},
         edit=({"path": f"{IB}/gCredPresOper/gCBSCredPres/vCredPres", "rename": "vCredPresCondSus"},)),
    # --- ZFM presumed credit (crédito notes of type 02 exist from 2029: B25.2-30)
    Case(1138, "UB131-10", "an NFC-e item with gCredPresIBSZFM", template="nfce",
         ibscbs={"cst": "410", "cClassTrib": "410999"}, edit=(xml(f"{IB}/cClassTrib", ZFM),)),
    Case(1134, "UB131-20", "gCredPresIBSZFM under CST 410", ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(xml(f"{IB}/cClassTrib", ZFM),)),
    Case(1135, "UB131-30", "CST 810 without gCredPresIBSZFM", ibscbs={"cst": "810", "cClassTrib": "810001"},
         edit=(drop(f"{IB}/gCredPresIBSZFM"),)),
    Case(1158, "UB131-40", "gCredPresIBSZFM outside a crédito of type 02", ibscbs={"cst": "810", "cClassTrib": "810001"}),
    # --- totals
    Case(1073, "W31-10", "ISTot without an item with IS", item=False, ibscbs=None,
         edit=(xml("infNFe/total/ICMSTot", "<ISTot><vIS>0.00</vIS></ISTot>"),)),
    Case(1117, "W31-20", "an item with IS and no ISTot", item=False, ibscbs=None,
         edit=(xml(f"{DET}/imposto/COFINS", "<IS><CSTIS>000</CSTIS><cClassTribIS>000001</cClassTribIS></IS>"),)),
    Case(1118, "W34-10", "IBSCBSTot when no item has IBS/CBS values", item=False,
         ibscbs={"cst": "410", "cClassTrib": "410999"},
         edit=(xml("infNFe/total/ICMSTot", "<IBSCBSTot><vBCIBSCBS>0.00</vBCIBSCBS></IBSCBSTot>"),)),
    Case(1119, "W34-20", "items with gIBSCBS and no IBSCBSTot", item=False, ibscbs={"totals": False}),
    Case(1076, "W35-10", "a wrong vBCIBSCBS", item=False,
         edit=(put(f"{TOT}/vBCIBSCBS", "0.01"),)),
    Case(1077, "W38-10", "a wrong total gIBSUF/vDif", item=False, ibscbs={"cst": "510", "cClassTrib": "510001"},
         edit=(put(f"{TOT}/gIBS/gIBSUF/vDif", "999.99"),)),
    Case(1078, "W39-10", "a total gIBSUF/vDevTrib without items", item=False,
         edit=(put(f"{TOT}/gIBS/gIBSUF/vDevTrib", "1.00"),)),
    Case(1080, "W41-10", "a wrong total vIBSUF", item=False, edit=(put(f"{TOT}/gIBS/gIBSUF/vIBSUF", "999.99"),)),
    Case(1081, "W43-10", "a wrong total gIBSMun/vDif", item=False, edit=(put(f"{TOT}/gIBS/gIBSMun/vDif", "1.00"),)),
    Case(1082, "W44-10", "a total gIBSMun/vDevTrib without items", item=False,
         edit=(put(f"{TOT}/gIBS/gIBSMun/vDevTrib", "1.00"),)),
    Case(1084, "W46-10", "a wrong total vIBSMun", item=False, edit=(put(f"{TOT}/gIBS/gIBSMun/vIBSMun", "1.00"),)),
    Case(1085, "W47-10", "a wrong total gIBS/vIBS", item=False, edit=(put(f"{TOT}/gIBS/vIBS", "999.99"),)),
    Case(1086, "W48-10", "a total IBS presumed credit without items", item=False,
         edit=(put(f"{TOT}/gIBS/vCredPres", "1.00"),)),
    Case(1088, "W53-10", "a wrong total gCBS/vDif", item=False, edit=(put(f"{TOT}/gCBS/vDif", "1.00"),)),
    Case(1089, "W54-10", "a total gCBS/vDevTrib without items", item=False, edit=(put(f"{TOT}/gCBS/vDevTrib", "1.00"),)),
    Case(1091, "W56-10", "a wrong total vCBS", item=False, edit=(put(f"{TOT}/gCBS/vCBS", "999.99"),)),
    Case(1087, "W56a-10", "a total CBS presumed credit without items", item=False,
         edit=(put(f"{TOT}/gCBS/vCredPres", "1.00"),)),
    Case(1176, "W59f-10", "a wrong total vIBSEstCred", item=False, ibscbs={"cst": "410", "cClassTrib": "410026"},
         edit=(put(f"{TOT}/gEstornoCred/vIBSEstCred", "999.99"),)),
    Case(1177, "W59g-10", "a wrong total vCBSEstCred", item=False, ibscbs={"cst": "410", "cClassTrib": "410026"},
         edit=(put(f"{TOT}/gEstornoCred/vCBSEstCred", "999.99"),)),
)

# Notes every RTC rule accepts (several CSTs, reductions, deferral, regular taxation, presumed credit, government
# purchase, credit reversal): (ibscbs kwargs, edits, factory kwargs).
VALID: tuple[tuple[dict, tuple, dict], ...] = (
    ({}, (), {}),
    ({"cst": "200", "cClassTrib": "200047"}, (), {}),
    ({"cst": "200", "cClassTrib": "200003"}, (), {}),
    ({"cst": "510", "cClassTrib": "510001"}, (), {}),
    ({"cst": "515", "cClassTrib": "515001"}, (), {}),
    ({"cst": "550", "cClassTrib": "550001"}, (), {}),
    ({"cst": "410", "cClassTrib": "410999"}, (), {}),
    ({"cst": "410", "cClassTrib": "410026"}, (), {}),
    ({"cst": "811", "cClassTrib": "811001"}, (), {}),
    ({"cClassTrib": "000003", "cCredPres": "05"}, (), {}),
    ({"cClassTrib": "000003", "cCredPres": "01"}, (), {}),
    ({"cClassTrib": "000003", "cCredPres": "04"}, (), {}),
    ({"compra_gov": GOV}, (), {}),
    ({"cst": "800", "cClassTrib": "800001"}, tuple(debit("01")), ONE),
    ({}, tuple(credit("01")), ONE),
    ({"estorno": True}, tuple(debit("07")), ONE),
)
