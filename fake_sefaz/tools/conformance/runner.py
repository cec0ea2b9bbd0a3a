"""The scenario player: plays one scenario of scenarios/*.yaml against a target (an in-process fake, a running
fake-sefaz, a real homologação). Collection, -k, progress, reports and JUnit XML are pytest's: the scenario files
are pytest items (tools/scenario_items.py) and `fake-sefaz conformance` is a thin wrapper over that collection.

Scenarios that need the fake's admin API (faults, clock, stored state, X-Fake-Sefaz-* headers) are skipped
against an endpoint without /admin/health; scenarios with their own `settings` are skipped against an endpoint
(in-process runs start one server per distinct settings).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import copy
import random
import re
import ssl
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import httpx
from lxml import etree

from fake_sefaz.emitter import builders

from fake_sefaz.domain import codes, protocol, ufs
from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.emitter.client import (
    dist_dfe_int,
    OPERATIONS,
    Reply,
    cons_cad,
    cons_reci_nfe,
    cons_sit_nfe,
    cons_stat_serv,
    envelope,
    headers_for,
    parse_reply,
)
from fake_sefaz.emitter.factory import NFeFactory, random_cnpj, random_cpf, wrap_lot
from fake_sefaz.domain.keys import mod11_dv
from fake_sefaz.domain.xml import DS, NFE, N
from fake_sefaz.tools.conformance.scenario import REQUEST_STEPS, Scenario

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
NSMAP = {"ds": DS, "n": NFE}
ALIASES = {"prot": "protNFe/infProt", "rec": "infRec", "ev": "retEvento/infEvento", "inut": "infInut",
           "cad": "infCons"}
# event type names a scenario may use instead of the tpEvento code
EVENT_TYPES = {"cce": "110110", "cancel": "110111", "subst": "110112", "confirmation": "210200",
               "awareness": "210210", "unknown": "210220", "not-performed": "210240", "actor": "110150",
               "delivery": "110130", "delivery-cancel": "110131", "epec": "110140"}
RECIPIENT_EVENTS = {"210200", "210210", "210220", "210240"}
EXPAND = re.compile(r"\$\{([\w-]+)\.(key|nProt|nNF|serie|cnpj|cpf|ie)\}")
ROOT_OF = {svc.lower(): root for root, (svc, _) in OPERATIONS.items()}


class StepFailure(AssertionError):
    pass


@dataclass
class Result:
    name: str
    status: str
    seconds: float
    codes: set[int] = field(default_factory=set)
    message: str = ""
    file: str = ""


@dataclass
class Target:
    """Where scenarios are sent, and with which certificates."""
    url: str
    pki: Any  # TestPKI
    uf: str = "SP"
    tpAmb: int = 2
    is_fake: bool = True
    certificate: Any = None  # an Identity made from --certificate, the default signer/issuer when given
    timeout: float = 30.0
    clock_control: bool = True  # the fake's clock can be moved (/admin/faults/clock)
    tls_url: str | None = None  # the HTTPS listener (mutual TLS), for steps with `tls:`; None: the target has none
    tls_client_errors: str = "refuse"  # how the target answers a bad transmitter certificate (403 or 280-286)

    @property
    def cUF(self) -> int:
        return ufs.code_of(self.uf)

    def identity(self, name: str | None):
        if name in (None, "default"):
            return self.certificate or self.pki.identity("emitente")
        if name == "certificate":
            if self.certificate is None:
                raise StepFailure("this scenario needs --certificate")
            return self.certificate
        return self.pki.identity(name)


# --- XML edits ------------------------------------------------------------------------------------------------

def _qname(part: str) -> str:
    if ":" in part:
        prefix, local = part.split(":", 1)
        return "{%s}%s" % (NSMAP[prefix], local)
    return N + part


def find(root: etree._Element, path: str) -> etree._Element:
    if path in (".", ""):
        return root
    el = root.find("/".join(_qname(p) for p in path.split("/")))
    if el is None:
        raise StepFailure(f"no element {path} to edit")
    return el



def _amount(root: etree._Element, value: object) -> Decimal:
    """A literal amount ("0.01") or the amount at a path of the document."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(find(root, str(value)).text or "0")


def _fold_item(det: etree._Element, into: etree._Element) -> None:
    """Fold item `det` into item `into`: every value (v*) of det's prod and imposto is added to the same element
    of `into`, whose quantities become 1 at the summed price, and det is removed. The note keeps its totals and
    stays valid under the item rules (qCom x vUnCom = vProd, vBC x aliquota = imposto, within ±0,01)."""
    tree = det.getroottree()
    base = tree.getelementpath(det)
    for el in det.iter():
        if el is det or not etree.QName(el).localname.startswith("v") or len(el) or not el.text:
            continue
        twin = into.find("." + tree.getelementpath(el)[len(base):])
        if twin is not None:
            twin.text = f"{Decimal(twin.text or '0') + Decimal(el.text):.2f}"
    prod = into.find(N + "prod")
    for qty, unit in (("qCom", "vUnCom"), ("qTrib", "vUnTrib")):
        prod.find(N + qty).text = "1.0000"
        prod.find(N + unit).text = prod.findtext(N + "vProd")
    det.getparent().remove(det)

def apply_edits(root: etree._Element, edits: Iterable[dict]) -> None:
    for e in edits or ():
        el = find(root, str(e.get("path", ".")))
        if "insert_xml" in e:  # a fragment in the NF-e namespace: {path, insert_xml: "<a><b>1</b></a>", where: after|into}
            new = etree.fromstring(f'<w xmlns="{NFE}">{e["insert_xml"]}</w>')[0]
            if e.get("where", "after") == "into":
                el.append(new)
            else:
                el.addnext(new)
            continue
        if "insert_after" in e:  # a new element after this one: {path, insert_after: IE, text: "..."}
            new = etree.Element(_qname(str(e["insert_after"])))
            new.text = None if e.get("text") is None else str(e["text"])
            el.addnext(new)
            continue
        if "append" in e:  # a new last child of this element: {path, append: card, text: "..."} (groups, too)
            new = etree.SubElement(el, _qname(str(e["append"])))
            new.text = None if e.get("text") is None else str(e["text"])
            continue
        if "text" in e:
            el.text = None if e["text"] is None else str(e["text"])
        if "copy" in e:  # the text of another element, optionally its first `chars` characters (a date of dhEmi)
            source = find(root, str(e["copy"])).text or ""
            el.text = source[: int(e["chars"])] if e.get("chars") else source
        if "attr" in e:
            el.set(e["attr"], str(e.get("value", "")))
        if "delattr" in e:
            el.attrib.pop(e["delattr"], None)
        if "add" in e:  # this element's amount plus a literal amount or the amount at another path (2 decimals)
            el.text = f"{Decimal(el.text or '0') + _amount(root, e['add']):.2f}"
        if "fold_into" in e:  # this item (det) folded into another: one item fewer, every total unchanged
            _fold_item(el, find(root, str(e["fold_into"])))
            continue
        if "tail" in e:
            el.tail = e["tail"]
        if "rename" in e:
            el.tag = _qname(e["rename"])
        if e.get("remove"):
            el.getparent().remove(el)


def rekey(nfe: etree._Element, at: int, text: str, dv: int | str | None = None) -> None:
    """Replace part of the access key (positions from 0), then give it a right (or the given) check digit."""
    inf = nfe.find(N + "infNFe")
    key = inf.get("Id")[3:]
    k43 = (key[:at] + text + key[at + len(text):])[:43]
    digit = mod11_dv(k43) if dv is None else (mod11_dv(k43) + 1) % 10 if dv == "wrong" else int(dv)
    inf.set("Id", f"NFe{k43}{digit}")
    inf.find(f"{N}ide/{N}cDV").text = str(digit)


# --- expectations ----------------------------------------------------------------------------------------------

def _fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii").lower()


def _value_at(reply: Reply | None, data: Any, path: str) -> Any:
    if isinstance(data, dict):  # JSON answers of admin / stored steps
        cur: Any = data
        for part in path.split("/"):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, list) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
                cur = cur[int(part)]
            else:
                return None
        return cur
    if reply is None or reply.result is None:
        return None
    path, _, attr = path.partition("@")  # ".../docZip[2]@schema": an attribute of the element
    head, _, rest = path.partition("/")
    full = ALIASES.get(head, head) + ("/" + rest if rest else "")
    el = reply.result.find("/".join(_qname(p) for p in full.split("/"))) if full else reply.result
    if el is None:
        return None
    return el.get(attr) if attr else (el.text or "")


def check(expect: dict, reply: Reply | None, data: Any = None, error: str = "", http: int | None = None) -> None:
    problems = []
    for path, want in (expect or {}).items():
        path = str(path)
        if path == "error":
            got: Any = error
        elif path == "http":
            got = http
        else:
            got = _value_at(reply, data, path)
        if isinstance(want, dict):
            if "catalogue" in want:
                cpath = path.rsplit("/", 1)[0] + "/cStat" if "/" in path else "cStat"
                code = want["catalogue"] if want["catalogue"] is not True else _value_at(reply, data, cpath)
                ok = got is not None and code is not None and str(code).isdigit() and int(code) in codes.CATALOGUE \
                    and _fold(got).startswith(_fold(codes.motivo(int(code))))
            elif "startswith" in want:
                ok = got is not None and str(got).startswith(str(want["startswith"]))
            elif "contains" in want:
                ok = got is not None and str(want["contains"]) in str(got)
            elif "regex" in want:
                ok = got is not None and re.fullmatch(str(want["regex"]), str(got)) is not None
            elif "present" in want:
                ok = (got not in (None, "")) == bool(want["present"])
            elif "in" in want:
                ok = str(got) in {str(v) for v in want["in"]}
            elif "gte" in want:
                ok = got is not None and float(got) >= float(want["gte"])
            else:
                raise StepFailure(f"unknown matcher {want}")
        else:
            ok = str(got) == (str(want).lower() if isinstance(want, bool) else str(want)) or got == want
        if not ok:
            problems.append(f"{path}: expected {want!r}, got {got!r}")
    if problems:
        where = ""
        if reply is not None and reply.result is not None:
            inner = reply.result.find(N + "infCons")  # retConsCad keeps cStat inside infCons
            src = reply.result if reply.cStat is not None or inner is None else inner
            where = " [cStat " + str(src.findtext(N + "cStat")) + ": " + str(src.findtext(N + "xMotivo")) + "]"
        raise StepFailure("; ".join(problems) + where)


# --- playing one scenario ----------------------------------------------------------------------------------------

class Play:
    def __init__(self, target: Target, http: httpx.Client) -> None:
        self.t = target
        self.http = http
        self.docs: dict[str, etree._Element] = {}
        self.replies: dict[str, Reply] = {}
        self.last: Reply | None = None
        self.seeds: dict[str, int] = {}  # the factory seed of each built document (twin_of)
        self.prots: dict[str, str] = {}  # chNFe -> nProt of every authorization answered
        self._tls_clients: dict[str, httpx.Client] = {}  # identity name -> HTTPS client presenting it
        self.cscs: dict[str, dict] = {}  # CSC tokens by name ({"id", "token"}), from csc steps
        self.offset = timedelta(0)  # the server clock minus real time, as the last clock call reported
        self.base = random.randint(1, 900_000_000)  # numbers of inutNFe steps without `of`
        self.parties: dict[str, dict[str, str]] = {}  # taxpayers of this scenario: cnpj, cpf, ie by name

    def now(self) -> datetime:
        """The server's instant as far as the scenario knows (real time plus the offset of its clock moves)."""
        return datetime.now(timezone.utc) + self.offset

    def party(self, name: str | None) -> dict[str, str]:
        """A taxpayer of this scenario, drawn once per scenario run: a PKI identity (its certificate's CNPJ, its
        e-CPF's CPF or a random one, and a random valid IE of the target's UF: the IE its NF-e carry in this scenario) or any other
        name, a made-up taxpayer (random valid CNPJ, CPF and IE). Fresh numbers per run keep scenarios from
        meeting each other's registrations on one persistent server."""
        if name in (None, "default"):
            name = "certificate" if self.t.certificate is not None else "emitente"
        if name not in self.parties:
            rng = random.Random()
            known = name == "certificate" or name in self.t.pki.names
            # an e-CPF identity's CPF is its certificate's (a CPF issuer signs with it, F03A)
            cpf = (self.t.identity(name).cpf if known else None) or random_cpf(rng)
            self.parties[name] = {"cnpj": self.t.identity(name).cnpj if known else random_cnpj(rng),
                                  "cpf": cpf, "ie": ie_rules.generate(self.t.uf, rng)}
        return self.parties[name]

    def expand(self, value: Any) -> Any:
        """${doc.key}, ${doc.nProt}, ${doc.nNF}, ${doc.serie} of a built document; ${party.cnpj}, ${party.cpf},
        ${party.ie} of an identity or made-up taxpayer (party()), in step specs, expectations and admin calls."""
        if isinstance(value, dict):
            return {k: self.expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        if not isinstance(value, str):
            return value

        def one(m: re.Match) -> str:
            name, what = m.group(1), m.group(2)
            if what in ("cnpj", "cpf", "ie"):
                return self.party(name)[what]
            if what == "key":
                return self.key(name)
            if what == "nProt":
                return self.nprot(name)
            return self.ide(name, what)
        return EXPAND.sub(one, value)

    # admin
    def admin(self, method: str, path: str, json: Any = None, ok: bool = True) -> httpx.Response:
        r = self.http.request(method.upper(), self.t.url + path, json=json)
        if ok and r.status_code >= 300:
            raise StepFailure(f"admin {method} {path}: HTTP {r.status_code} {r.text[:300]}")
        return r

    def setup(self, setup: dict) -> None:
        for rule in _as_list(setup.get("rules")):
            self.admin("POST", "/admin/faults/rules", rule)
        for st in _as_list(setup.get("services")):
            self.admin("PUT", "/admin/faults/services", st)
        if setup.get("consumption") is not None:
            self.admin("PUT", "/admin/faults/consumption", setup["consumption"])
        if setup.get("latency") is not None:
            self.admin("PUT", "/admin/faults/latency", setup["latency"])
        if setup.get("clock") is not None:
            self.clock(setup["clock"])
        for call in _as_list(setup.get("admin")):
            self.admin(call.get("method", "POST"), self.expand(call["path"]), self.expand(call.get("json")))

    def clock(self, spec: dict) -> dict:
        if "advance" in spec:
            state = self.admin("POST", "/admin/faults/clock/advance", spec["advance"]).json()
        elif "set" in spec:
            state = self.admin("POST", "/admin/faults/clock/set", {"instant": spec["set"], "frozen": spec.get("frozen")}).json()
        elif spec.get("freeze"):
            state = self.admin("POST", "/admin/faults/clock/freeze").json()
        else:
            state = self.admin("POST", "/admin/faults/clock/reset").json()
        if isinstance(state, dict) and "offset_s" in state:
            self.offset = timedelta(seconds=float(state["offset_s"]))
        return state

    def csc(self, spec: dict) -> dict:
        """CSC tokens through the admin API: {as: name} uses the issuer's active token (or requests one; a
        server keeps at most two active), {as: name, new: true} requests another, {revoke: name} revokes one."""
        cnpj = self.t.identity(spec.get("issuer")).cnpj
        if spec.get("revoke"):
            tok = self.cscs[spec["revoke"]]
            return self.admin("DELETE", f"/admin/taxpayers/{cnpj}/csc/{tok['id']}").json()
        tok = None
        if not spec.get("new"):
            listing = self.admin("GET", f"/admin/taxpayers/{cnpj}/csc").json()
            tok = next((t for t in listing.get("tokens", []) if t.get("active")), None)
        if tok is None:
            tok = self.admin("POST", f"/admin/taxpayers/{cnpj}/csc",
                             {"token": spec["token"]} if spec.get("token") else None).json()
        self.cscs[spec.get("as", "csc")] = tok
        return tok

    # documents
    def build(self, spec: dict) -> None:
        issuer = self.t.identity(spec.get("issuer"))
        name = spec.get("as", "nfe")
        kwargs = dict(spec.get("set") or {})
        seed = random.randrange(2**31)
        if spec.get("twin_of"):  # the same emitter, items and values as an earlier document, the next number
            seed = self.seeds[spec["twin_of"]]
            kwargs.setdefault("nNF", int(self.ide(spec["twin_of"], "nNF")) % 999_999_999 + 1)
        self.seeds[name] = seed
        factory = NFeFactory(seed=seed, uf=self.t.uf, tpAmb=self.t.tpAmb, cnpj=issuer.cnpj, razao=issuer.razao)
        tz = ufs.tz_of(self.t.cUF)
        base = self.now() if spec.get("server_time") else datetime.now(timezone.utc)
        if "dhEmi_offset" in kwargs:
            kwargs["dhEmi"] = (base + timedelta(**kwargs.pop("dhEmi_offset"))).astimezone(tz)
        elif spec.get("server_time"):
            kwargs["dhEmi"] = base.astimezone(tz)
        if spec.get("recipient"):  # an identity (it can then send 2102x0) or a made-up taxpayer (party())
            kwargs["dest_doc"] = self.party(spec["recipient"])["cnpj"]
            if spec.get("recipient_ie"):
                kwargs.setdefault("indFinal", 0)  # a taxpayer recipient (indIEDest=1) buys for resale/use
        if spec.get("same_number_as"):  # the same issuer, model, series and number as an earlier document
            ide = self.docs[spec["same_number_as"]].find(f"{N}infNFe/{N}ide")
            kwargs.update(serie=int(ide.findtext(N + "serie")), nNF=int(ide.findtext(N + "nNF")))
        # the number is always given, so that a twin's factory (same seed) draws the same items and values
        kwargs.setdefault("nNF", random.randint(1, 999_999_998))
        template = spec.get("template", "nfe")
        nfe = (factory.build_nfce if template == "nfce" else factory.build)(**kwargs)
        # the issuer's IE: its IE in this scenario (${issuer.ie}), or issuer_ie as given (null: no <IE>)
        ie_el = nfe.find(f"{N}infNFe/{N}emit/{N}IE")
        if "issuer_ie" not in spec:
            if nfe.findtext(f"{N}infNFe/{N}ide/{N}cUF") == str(self.t.cUF):  # another UF's note: that UF's IE
                ie_el.text = self.party(spec.get("issuer"))["ie"]
        elif spec["issuer_ie"] is None:
            ie_el.getparent().remove(ie_el)
        else:
            ie_el.text = str(spec["issuer_ie"])
        if spec.get("recipient_ie"):  # indIEDest=1 and the recipient's IE (true: its IE in this scenario)
            ind = nfe.find(f"{N}infNFe/{N}dest/{N}indIEDest")
            ind.text = "1"
            value = self.party(spec.get("recipient"))["ie"] if spec["recipient_ie"] is True else spec["recipient_ie"]
            apply_edits(nfe, [{"path": "infNFe/dest/indIEDest", "insert_after": "IE", "text": value}])
        if spec.get("delivery_days") is not None:  # ide/dPrevEntrega, days after dhEmi (B10a, NT 2025.002-RTC)
            dh = nfe.find(f"{N}infNFe/{N}ide/{N}dhEmi")
            day = datetime.fromisoformat(dh.text).date() + timedelta(days=int(spec["delivery_days"]))
            apply_edits(nfe, [{"path": "infNFe/ide/dhEmi", "insert_after": "dPrevEntrega", "text": day.isoformat()}])
        if spec.get("ibscbs") is not None:  # IBS/CBS groups of the tax reform (emitter/ibscbs.py), before edits
            from fake_sefaz.emitter.ibscbs import add_ibscbs

            add_ibscbs(nfe, **(spec["ibscbs"] or {}))
        apply_edits(nfe, spec.get("edit"))
        if spec.get("csrt"):  # infRespTec/idCSRT + hashCSRT for this note's key (NT 2018.005): {id: "01", csrt: ...}
            from fake_sefaz.emitter.csrt import add_csrt

            add_csrt(nfe, str(spec["csrt"]["id"]), str(spec["csrt"]["csrt"]))
        for rk in _as_list(spec.get("rekey")):
            rekey(nfe, int(rk["at"]), str(rk.get("text", "")), rk.get("dv"))
        sign = spec.get("sign", "default")
        if sign not in (False, None, "none"):
            from fake_sefaz.emitter.signer import Signer

            nfe = Signer(self.t.identity(None if sign is True else sign)).sign_nfe(nfe)
        if spec.get("qr"):
            self.qr(nfe, spec["qr"], spec.get("issuer"))
        apply_edits(nfe, spec.get("after_sign"))
        self.docs[name] = nfe

    def qr(self, nfe: etree._Element, spec: dict, issuer: str | None) -> None:
        """infNFeSupl of an NFC-e (builders.add_qr): version 2 (csc: a name from a csc step, or {id, token}) or 3
        (offline signed with `key`'s private key, default the issuer's); `of`: computed from another document;
        `text`: the qrCode written as given ({key}, {tpAmb}, {qr_url}, {qr}, {dhEmi_hex} are filled in); `replace`:
        [[old, new], ...] applied once each to the code."""
        version = str(spec.get("version", "2"))
        csc = spec.get("csc")
        tok = self.cscs[csc] if isinstance(csc, str) else (csc or {})
        if "csc_id" in spec:
            tok = {**tok, "id": spec["csc_id"]}
        if "token" in spec:
            tok = {**tok, "token": spec["token"]}
        builders.add_qr(nfe, version=version, cUF=self.t.cUF, tpAmb=self.t.tpAmb, csc_id=tok.get("id"),
                        csc=tok.get("token"), key_pem=self.t.identity(spec.get("key", issuer)).key_pem,
                        base_url=spec.get("base_url"), url_chave=spec.get("url_chave"),
                        source=self.docs[spec["of"]] if spec.get("of") else None)
        el = nfe.find(f"{N}infNFeSupl/{N}qrCode")
        if "text" in spec:
            from fake_sefaz.domain import nfce_urls

            el.text = str(spec["text"]).format(
                key=nfe.find(N + "infNFe").get("Id")[3:], tpAmb=self.t.tpAmb, qr=el.text,
                qr_url=nfce_urls.qr_url(self.t.cUF, self.t.tpAmb),
                dhEmi_hex=nfe.findtext(f"{N}infNFe/{N}ide/{N}dhEmi").encode().hex())
        for old, new in spec.get("replace") or ():
            el.text = el.text.replace(str(old), str(new), 1)

    def ide(self, ref: str, field: str) -> str:
        return self.docs[ref].findtext(f"{N}infNFe/{N}ide/{N}{field}")

    def nprot(self, ref: str) -> str:
        key = self.key(ref)
        if key not in self.prots:
            raise StepFailure(f"{ref}: no authorization protocol answered for {key}")
        return self.prots[key]

    def key(self, ref: str) -> str:
        if ref in self.docs:
            return self.docs[ref].find(N + "infNFe").get("Id")[3:]
        return str(ref)

    # requests
    def payload(self, kind: str, spec: dict) -> tuple[bytes, str]:
        if kind == "send":
            nfes = [copy.deepcopy(self.docs[d]) for d in _as_list(spec.get("documents", ["nfe"]))]
            el = wrap_lot(nfes, spec.get("idLote", 1), indSinc=1 if spec.get("sync", True) else 0)
        elif kind == "status":
            el = cons_stat_serv(int(spec.get("tpAmb", self.t.tpAmb)), int(spec.get("cUF", self.t.cUF)))
        elif kind == "query":
            el = cons_sit_nfe(int(spec.get("tpAmb", self.t.tpAmb)), self.key(str(spec.get("key", "nfe"))))
        elif kind == "receipt":
            if "from" in spec:
                src = self.replies.get(spec["from"])
                nRec = None if src is None or src.result is None else src.result.findtext(f"{N}infRec/{N}nRec")
                if not nRec:
                    raise StepFailure(f"reply {spec['from']!r} has no receipt")
            else:
                nRec = str(spec["nRec"])
            el = cons_reci_nfe(int(spec.get("tpAmb", self.t.tpAmb)), nRec)
        elif kind == "event":
            items = spec.get("events", [spec])
            el = builders.env_evento(*(self.evento(e) for e in items), idLote=spec.get("idLote", 1))
            apply_edits(el, spec.get("lot_edit"))
            return etree.tostring(el, encoding="utf-8"), "envEvento"
        elif kind == "inut":
            el = self.inut(spec)
            return etree.tostring(el, encoding="utf-8"), "inutNFe"
        elif kind == "distdfe":
            el = dist_dfe_int(int(spec.get("tpAmb", self.t.tpAmb)), self.interested(spec),
                              **({"chNFe": self.key(str(spec["key"]))} if "key" in spec else
                                 {"chNFe": str(spec["chNFe"])} if "chNFe" in spec else
                                 {"nsu": int(spec["nsu"])} if "nsu" in spec else {"ult_nsu": int(spec.get("ult", 0))}))
        elif kind == "conscad":
            uf = str(spec.get("uf", self.t.uf)).upper()
            if uf == "OTHER":  # a UF this authorizer does not answer for
                uf = "RJ" if self.t.uf != "RJ" else "SP"
            el = cons_cad(uf, **{k: str(spec[k]) for k in ("ie", "cnpj", "cpf") if k in spec})
        else:  # raw
            data = str(spec["payload"]).encode("utf-8")
            return data, ROOT_OF.get(str(spec.get("service", "")).lower(), str(spec.get("root", "consStatServ")))
        apply_edits(el, spec.get("edit"))
        data = etree.tostring(el, encoding="utf-8")
        return data, etree.QName(el).localname

    def replies_nprot(self, spec: dict) -> str:
        """110131: the protocol of the delivery receipt answered in the reply named by `receipt` (an `as:`)."""
        reply = self.replies.get(str(spec.get("receipt", "")))
        found = None if reply is None or reply.result is None else \
            reply.result.findtext(f"{N}retEvento/{N}infEvento/{N}nProt")
        if not found:
            raise StepFailure(f"delivery-cancel: no registered receipt in the reply {spec.get('receipt')!r}")
        return found

    def interested(self, spec: dict) -> str:
        """distdfe: the interested CNPJ/CPF: `doc` as given, or a party (an e-CPF identity gives its CPF)."""
        if "doc" in spec:
            return str(spec["doc"])
        name = spec.get("party", "default")
        if name in self.t.pki.names and self.t.identity(name).cpf:
            return self.t.identity(name).cpf
        return self.party(name)["cnpj"]

    def _author(self, ref: Any) -> tuple[str, str | None]:
        """(CNPJ/CPF, identity name or None) of an author given as an identity name or as digits."""
        if ref is None:
            return self.t.identity(None).cnpj, None
        ref = str(ref)
        if ref.isdigit():
            return ref, None
        return self.t.identity(ref).cnpj, ref

    def evento(self, spec: dict) -> etree._Element:
        """One signed <evento> (builders.evento) about document `of` (a name, or a 44-digit key)."""
        tp = str(spec.get("type", "cancel"))
        tp = EVENT_TYPES.get(tp, tp)
        key = self.key(str(spec.get("of", "nfe")))
        author, ident = self._author(spec.get("author"))
        if "nProt" in spec:
            nProt = str(spec["nProt"])
        elif tp in ("110111", "110112"):
            nProt = self.nprot(str(spec.get("of", "nfe")))
        else:
            nProt = ""
        if tp == "110111":
            det = builders.cancel_det(nProt, spec.get("xJust", builders.CANCEL_JUST))
        elif tp == "110110":
            det = builders.cce_det(spec.get("xCorrecao", "Correcao do endereco de entrega: Rua das Flores, 100"))
        elif tp == "110112":
            ref = self.key(str(spec.get("ref", "")))
            if spec.get("ref_dv") == "wrong":
                ref = ref[:43] + str((int(ref[43]) + 1) % 10)
            det = builders.subst_det(nProt, ref, int(spec.get("cOrgaoAutor", self.t.cUF)))
        elif tp == "110130":
            det = builders.delivery_det(key, dhEntrega=protocol.dh(self.now(), self.t.cUF),
                                        cOrgaoAutor=int(spec.get("cOrgaoAutor", self.t.cUF)))
        elif tp == "110131":
            det = builders.delivery_cancel_det(str(spec.get("nProtEvento") or self.replies_nprot(spec)),
                                               int(spec.get("cOrgaoAutor", self.t.cUF)))
        elif tp == "110150":  # Ator interessado: `party` is authorized; tpAutor 1 emitente, 2 destinatário, 3 carrier
            det = builders.actor_det(self.party(str(spec.get("party", "actor")))["cnpj"] if "doc" not in spec
                                     else str(spec["doc"]), tpAutor=int(spec.get("tpAutor", 1)),
                                     cOrgaoAutor=int(spec.get("cOrgaoAutor", self.t.cUF)))
        elif tp == "110140":  # EPEC: the detEvento declares what the built note `of` (tpEmis 4) carries
            det = builders.epec_det(self.docs[str(spec.get("of", "nfe"))],
                                    cOrgaoAutor=int(spec["cOrgaoAutor"]) if "cOrgaoAutor" in spec else None)
        elif tp in builders.DESC_MDE:
            det = builders.mde_det(tp)
            if "xJust" in spec:  # 210240's justification as given; null leaves it out (595)
                det = [d for d in det if d[0] != "xJust"] + ([("xJust", str(spec["xJust"]))] if spec["xJust"] else [])
        else:
            det = [("descEvento", str(spec.get("descEvento", "Evento desconhecido")))]
        when = self.now() + timedelta(**(spec.get("dhEvento_offset") or {}))
        ev = builders.evento(
            key, tp, det, author=author, nSeq=int(spec.get("nSeq", 1)),
            dhEvento=str(spec["dhEvento"]) if "dhEvento" in spec else protocol.dh(when, self.t.cUF),
            cOrgao=spec.get("cOrgao", self.t.cUF), tpAmb=int(spec.get("tpAmb", self.t.tpAmb)),
            verEvento=str(spec.get("verEvento", "1.00")), Id=spec.get("Id"))
        apply_edits(ev, spec.get("edit"))
        self._sign(ev, spec.get("sign", ident or "default"))
        apply_edits(ev, spec.get("after_sign"))
        return ev

    def inut(self, spec: dict) -> etree._Element:
        """A signed <inutNFe> (builders.inut_nfe). Numbers are offsets `first`/`last` (default 0) from the number
        of document `of` (its series and model too), or from a random number; `absolute: true` takes them as given."""
        if spec.get("of"):
            base, serie, mod = (int(self.ide(spec["of"], f)) for f in ("nNF", "serie", "mod"))
        else:
            base, serie, mod = self.base, 1, 55
        if spec.get("absolute"):
            base = 0
        cnpj, ident = self._author(spec.get("cnpj"))
        ano = spec.get("ano", self.now().astimezone(ufs.tz_of(self.t.cUF)).year % 100 + int(spec.get("ano_offset", 0)))
        el = builders.inut_nfe(cnpj, base + int(spec.get("first", 0)), base + int(spec.get("last", 0)), ano=int(ano),
                               mod=int(spec.get("mod", mod)), serie=int(spec.get("serie", serie)),
                               cUF=int(spec.get("cUF", self.t.cUF)), tpAmb=int(spec.get("tpAmb", self.t.tpAmb)),
                               xJust=str(spec.get("xJust", builders.VOID_JUST)), Id=spec.get("Id"))
        apply_edits(el, spec.get("edit"))
        self._sign(el, spec.get("sign", ident or "default"))
        apply_edits(el, spec.get("after_sign"))
        return el

    def _sign(self, el: etree._Element, who: Any) -> None:
        if who in (False, None, "none"):
            return
        from fake_sefaz.emitter.signer import Signer

        Signer(self.t.identity(None if who is True else who)).sign(el)

    def remember(self, reply: Reply) -> None:
        """Keep the protocol number of every NF-e an answer authorized (events quote it)."""
        if reply.result is None:
            return
        for inf in reply.result.iter(N + "infProt"):
            if inf.findtext(N + "cStat") in ("100", "150") and inf.findtext(N + "nProt"):
                self.prots[inf.findtext(N + "chNFe")] = inf.findtext(N + "nProt")

    def request(self, kind: str, spec: dict) -> tuple[Reply | None, str, int | None]:
        data, root = self.payload(kind, spec)
        for old, new in spec.get("replace") or ():
            data = data.replace(str(old).encode(), str(new).encode(), 1)
        version = int(spec.get("soap", 12))
        zipped = bool(spec.get("zip", False))
        body = envelope(data, root, version=version, zipped=zipped) if "body" not in spec else str(spec["body"]).encode()
        headers = headers_for(root, version, zipped and root == "enviNFe")
        headers.update({k: str(v) for k, v in (spec.get("headers") or {}).items()})
        http, base = self.http, self.t.url
        if "tls" in spec:
            http, base = self.tls_client(spec["tls"]), str(self.t.tls_url)
        extensions = {}
        if spec.get("host"):  # hosts mode: the real name in Host and in the TLS server name (SNI, certificate check)
            headers["Host"] = str(spec["host"])
            extensions["sni_hostname"] = str(spec["host"])
        default = "/" + OPERATIONS[root][0]
        if root == "distDFeInt" and self.t.is_fake:  # the fake's Ambiente Nacional (any other target: its own URL)
            default = ("/homologacao" if self.t.tpAmb == 2 else "/producao") + "/AN" + default
        url = base + (spec.get("path") or default)
        try:
            r = http.post(url, content=body, headers=headers, timeout=float(spec.get("timeout", self.t.timeout)),
                          extensions=extensions)
        except httpx.TimeoutException:
            return None, "timeout", None
        except httpx.TransportError:
            return None, "connection", None
        return parse_reply(r.status_code, r.content), "", r.status_code

    def tls_client(self, who: str | None) -> httpx.Client:
        """An HTTPS client that trusts the test CA and presents `who`'s certificate (none for "none")."""
        name = "none" if who in (None, "none", False) else str(who)
        if name not in self._tls_clients:
            ctx = ssl.create_default_context(cafile=str(self.t.pki.ca_bundle_file))
            if name != "none":
                ident = self.t.identity(name)
                ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
            self._tls_clients[name] = httpx.Client(verify=ctx, timeout=self.t.timeout)
        return self._tls_clients[name]

    def close(self) -> None:
        for c in self._tls_clients.values():
            c.close()

    def step(self, step: dict) -> None:
        kind = next(k for k in step if k not in ("expect", "name"))
        spec = step[kind] if isinstance(step[kind], dict) else {}
        if kind not in ("admin", "build"):  # admin expands path and body itself; build expands below
            spec = self.expand(spec)
        elif kind == "build":
            spec = {k: (v if k == "qr" else self.expand(v)) for k, v in spec.items()}
        expect = self.expand(step.get("expect") or {})
        if kind == "build":
            self.build(spec)
        elif kind == "sleep":
            time.sleep(float(step[kind]))
        elif kind == "clock":
            check(expect, None, self.clock(spec))
        elif kind == "csc":
            check(expect, None, self.csc(spec))
        elif kind == "admin":
            r = self.admin(spec.get("method", "POST"), self.expand(spec["path"]), self.expand(spec.get("json")), ok=False)
            check(expect or {"http": {"in": [200, 201]}}, None, _json(r), http=r.status_code)
        elif kind == "stored":
            r = self.admin("GET", f"/admin/documents/{self.key(str(spec.get('key', 'nfe')))}", ok=False)
            check(expect, None, _json(r) if r.status_code == 200 else {}, http=r.status_code)
        elif kind in REQUEST_STEPS:
            for _ in range(int(spec.get("repeat", 1))):
                reply, error, http = self.request(kind, spec)
                if error and "error" not in expect:
                    raise StepFailure(f"{kind}: transport error ({error})")
                if reply is not None:
                    self.last = reply
                    self.remember(reply)
                    if spec.get("as"):
                        self.replies[spec["as"]] = reply
                check(expect, reply, error=error, http=http)


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _json(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return {}


# --- running a suite ---------------------------------------------------------------------------------------------

def run_scenario(sc: Scenario, target: Target, http: httpx.Client) -> Result:
    start = time.monotonic()
    if sc.needs_fake and not target.is_fake:
        return Result(sc.name, SKIPPED, 0.0, sc.codes(), "needs the fake's admin API", sc.file)
    if sc.needs_clock and not target.clock_control:
        return Result(sc.name, SKIPPED, 0.0, sc.codes(), "needs a controllable clock (clock_control=true)", sc.file)
    if sc.needs_tls and not target.tls_url:
        return Result(sc.name, SKIPPED, 0.0, sc.codes(), "needs the target's HTTPS listener (tls_port)", sc.file)
    play = Play(target, http)
    try:
        if sc.setup:
            play.setup(sc.setup)
        for i, step in enumerate(sc.steps, 1):
            try:
                play.step(step)
            except StepFailure as exc:
                raise StepFailure(f"step {i} ({next(k for k in step if k != 'expect')}): {exc}") from None
        return Result(sc.name, PASSED, time.monotonic() - start, sc.codes(), "", sc.file)
    except StepFailure as exc:
        return Result(sc.name, FAILED, time.monotonic() - start, sc.codes(), str(exc), sc.file)
    except Exception as exc:  # noqa: BLE001 - a broken scenario is a failure with its traceback, not a crash
        return Result(sc.name, FAILED, time.monotonic() - start, sc.codes(),
                      f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}", sc.file)
    finally:
        play.close()
        for call in sc.teardown if target.is_fake else ():
            try:  # whatever happened: undo what the scenario registered (a persistent server stays usable)
                play.admin(call.get("method", "DELETE"), play.expand(call["path"]), play.expand(call.get("json")),
                           ok=False)
            except Exception:  # noqa: BLE001 - teardown is best effort
                pass
        if target.is_fake and sc.needs_fake:
            try:
                play.admin("POST", "/admin/faults/clear")
            except Exception:  # noqa: BLE001 - the next scenario reports a server that went away
                pass


def probe(url: str, http: httpx.Client) -> dict | None:
    """The fake's /admin/health, or None for an endpoint that is not a fake-sefaz."""
    try:
        r = http.get(url.rstrip("/") + "/admin/health", timeout=5)
        return r.json() if r.status_code == 200 and r.json().get("status") == "ok" else None
    except (httpx.HTTPError, ValueError):
        return None
