"""The taxpayer registry of the UF: who may issue NF-e / NFC-e, and who is irregular.

A registration is a CNPJ or CPF with its IE in one UF, with a situation (and the date it began) and an
accreditation for NF-e and for NFC-e. Two questions drive the authorizer:

* accreditation (DF Portaria SEF 403/2009 art. 2 and art. 9 II): never accredited -> *rejection* 203 / 781
  (art. 10 I c); de-accredited ("descredenciado") -> *irregular*, hence denial (art. 10 § 10);
* regularity (art. 9 I, art. 10 II, § 9): the taxpayer, issuer or recipient, is irregular when its
  registration is  I closed ("baixada") or with closure requested, II suspended for more than 30 days on the
  fisco's initiative after notice, III suspended with an explicit ban on issuing from day one, IV paused by
  the taxpayer's declaration, V cancelled. A refused closure ("baixa indeferida") is no longer a ground
  (it was until Portaria SEF 152/2013).

Every date is a calendar date of the UF; "now" is the receipt instant read from the injected clock.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import keys, ufs


# Situations (what the fisco's cadastro says of the registration)
ACTIVE = "active"
CLOSED = "closed"  # baixada
CLOSURE_REQUESTED = "closure_requested"  # com pedido de baixa
CLOSURE_REFUSED = "closure_refused"  # baixa indeferida: regular since Portaria SEF 152/2013
SUSPENDED = "suspended"
PAUSED = "paused"  # atividade paralisada temporariamente, por declaração do contribuinte
CANCELLED = "cancelled"
NOT_ENABLED = "not_enabled"  # registration exists but is not enabled to operate (não habilitado)
SITUATIONS = (ACTIVE, CLOSED, CLOSURE_REQUESTED, CLOSURE_REFUSED, SUSPENDED, PAUSED, CANCELLED, NOT_ENABLED)

# Accreditation (art. 2 § 2: voluntary or ex officio)
VOLUNTARY = "voluntary"
EX_OFFICIO = "ex_officio"
NONE = "none"
ACCREDITATIONS = (VOLUNTARY, EX_OFFICIO, NONE)

# Where a row came from: loaded file, admin API, generator, or learned from an NF-e (unknown_issuer=regular).
SOURCES = ("file", "admin", "generated", "auto")


class RegistryError(ValueError):
    """A taxpayer record that cannot be registered (answered 422 by the admin API, fatal at load).

    field: the key at fault (dotted for nested ones), read from the message's first word unless given."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        head = re.match(r"[a-z_]+(?:\.[a-z_]+)?", message)
        self.field = field or (head.group(0) if head else "body")


def _date(value: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise RegistryError(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _text(value: Any, name: str, max_len: int = 60, required: bool = False) -> str | None:
    if value in (None, ""):
        if required:
            raise RegistryError(f"{name} is required")
        return None
    s = " ".join(str(value).split())
    if len(s) > max_len:
        raise RegistryError(f"{name}: at most {max_len} characters")
    return s


@dataclass(frozen=True)
class Taxpayer:
    """One registration. Field order = store/registry.py COLUMNS."""

    doc: str  # CNPJ (14) or CPF (11)
    ie: str  # IE digits; '' for a registration without IE
    uf: str
    xNome: str
    xFant: str | None = None
    CNAE: str | None = None
    xRegApur: str | None = None  # tax regime (regime de apuração do ICMS)
    xLgr: str | None = None
    nro: str | None = None
    xCpl: str | None = None
    xBairro: str | None = None
    cMun: str | None = None
    xMun: str | None = None
    CEP: str | None = None
    dIniAtiv: str | None = None
    situation: str = ACTIVE
    since: str | None = None  # the date the situation began (dUltSit)
    susp_by: str | None = None  # suspension: "fisco" or "taxpayer"
    susp_notified: int = 0  # suspension after regular notice to comply (art. 10 § 9 II)
    susp_ban: int = 0  # the suspension act explicitly forbids issuing / receiving (art. 10 § 9 III)
    dBaixa: str | None = None
    nfe_cred: str = EX_OFFICIO
    nfe_from: str | None = None
    nfe_revoked: str | None = None
    nfce_cred: str = EX_OFFICIO
    nfce_from: str | None = None
    nfce_revoked: str | None = None
    source: str = "admin"

    # --- persistence
    def row(self) -> tuple:
        return dataclasses.astuple(self)

    @classmethod
    def from_row(cls, row: Iterable) -> "Taxpayer":
        return cls(*row)

    @property
    def is_cpf(self) -> bool:
        return len(self.doc) == 11

    # --- JSON / YAML (the admin API and the fixtures file share this shape)
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cpf" if self.is_cpf else "cnpj": self.doc, "ie": self.ie, "uf": self.uf,
                               "name": self.xNome}
        for key, value in (("trade_name", self.xFant), ("cnae", self.CNAE), ("tax_regime", self.xRegApur),
                           ("activity_start", self.dIniAtiv)):
            if value is not None:
                out[key] = value
        address = {k: getattr(self, k) for k in ("xLgr", "nro", "xCpl", "xBairro", "cMun", "xMun", "CEP")
                   if getattr(self, k) is not None}
        if address:
            out["address"] = address
        out["situation"] = self.situation
        if self.since:
            out["situation_since"] = self.since
        if self.situation == SUSPENDED:
            out["suspension"] = {"by": self.susp_by or "fisco", "notified": bool(self.susp_notified),
                                 "ban": bool(self.susp_ban)}
        if self.dBaixa:
            out["closed_on"] = self.dBaixa
        for model, cred, since, revoked in (("nfe", self.nfe_cred, self.nfe_from, self.nfe_revoked),
                                            ("nfce", self.nfce_cred, self.nfce_from, self.nfce_revoked)):
            acc: dict[str, Any] = {"accreditation": cred}
            if since:
                acc["since"] = since
            if revoked:
                acc["revoked"] = revoked
            out[model] = acc
        out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str = "admin", doc: str | None = None) -> "Taxpayer":
        if not isinstance(data, dict):
            raise RegistryError("a taxpayer is a JSON/YAML object", "body")
        given = data.get("cnpj") or data.get("cpf")
        given = None if given is None else "".join(c for c in str(given) if c.isalnum()).upper()
        if doc is not None and given is not None and given != doc:
            raise RegistryError(f"the body names {given}, the path {doc}", "cnpj")
        doc = doc or given
        if not doc:
            raise RegistryError("cnpj or cpf is required", "cnpj")
        if len(doc) == 14:
            if not keys.valid_cnpj(doc):
                raise RegistryError(f"CNPJ {doc}: invalid check digits", "cnpj")
        elif len(doc) == 11:
            if not keys.valid_cpf(doc):
                raise RegistryError(f"CPF {doc}: invalid check digits", "cpf")
        else:
            raise RegistryError(f"{doc}: a CNPJ has 14 characters, a CPF 11 digits", "cnpj")
        uf = str(data.get("uf") or "").upper()
        if uf not in ufs.SIGLAS:
            raise RegistryError(f"uf: unknown UF {data.get('uf')!r}")
        ie = "" if data.get("ie") in (None, "") else "".join(c for c in str(data["ie"]) if c.isdigit())
        if ie and not ie_rules.valid(uf, ie):
            raise RegistryError(f"ie {data['ie']}: not a valid IE of {uf}")
        situation = str(data.get("situation") or ACTIVE)
        if situation not in SITUATIONS:
            raise RegistryError(f"situation must be one of {', '.join(SITUATIONS)}")
        susp = data.get("suspension") or {}
        if not isinstance(susp, dict):
            raise RegistryError("suspension is an object {by, notified, ban}")
        by = susp.get("by", "fisco") if situation == SUSPENDED else None
        if by not in (None, "fisco", "taxpayer"):
            raise RegistryError("suspension.by is 'fisco' or 'taxpayer'")
        address = data.get("address") or {}
        if not isinstance(address, dict):
            raise RegistryError("address is an object")
        cnae = data.get("cnae")
        if cnae not in (None, "") and not (str(cnae).isdigit() and 6 <= len(str(cnae)) <= 7):
            raise RegistryError("cnae has 6 or 7 digits")

        def accreditation(model: str) -> tuple[str, str | None, str | None]:
            acc = data.get(model)
            if acc is None:
                return EX_OFFICIO, None, None
            if isinstance(acc, str):
                acc = {"accreditation": acc}
            if not isinstance(acc, dict):
                raise RegistryError(f"{model} is an object {{accreditation, since, revoked}}")
            cred = str(acc.get("accreditation") or EX_OFFICIO)
            if cred not in ACCREDITATIONS:
                raise RegistryError(f"{model}.accreditation must be one of {', '.join(ACCREDITATIONS)}")
            return cred, _date(acc.get("since"), f"{model}.since"), _date(acc.get("revoked"), f"{model}.revoked")

        nfe = accreditation("nfe")
        nfce = accreditation("nfce")
        cep = address.get("CEP")
        cmun = address.get("cMun")
        return cls(
            doc=doc, ie=ie, uf=uf,
            xNome=_text(data.get("name"), "name", required=True),  # type: ignore[arg-type]
            xFant=_text(data.get("trade_name"), "trade_name"),
            CNAE=None if cnae in (None, "") else str(cnae),
            xRegApur=_text(data.get("tax_regime"), "tax_regime"),
            xLgr=_text(address.get("xLgr"), "address.xLgr"), nro=_text(address.get("nro"), "address.nro"),
            xCpl=_text(address.get("xCpl"), "address.xCpl"), xBairro=_text(address.get("xBairro"), "address.xBairro"),
            cMun=None if cmun in (None, "") else f"{int(cmun):07d}",
            xMun=_text(address.get("xMun"), "address.xMun"),
            CEP=None if cep in (None, "") else "".join(c for c in str(cep) if c.isdigit()).zfill(8),
            dIniAtiv=_date(data.get("activity_start"), "activity_start"),
            situation=situation, since=_date(data.get("situation_since"), "situation_since"),
            susp_by=by, susp_notified=int(bool(susp.get("notified", True))) if situation == SUSPENDED else 0,
            susp_ban=int(bool(susp.get("ban", False))) if situation == SUSPENDED else 0,
            dBaixa=_date(data.get("closed_on"), "closed_on"),
            nfe_cred=nfe[0], nfe_from=nfe[1], nfe_revoked=nfe[2],
            nfce_cred=nfce[0], nfce_from=nfce[1], nfce_revoked=nfce[2],
            source=source,
        )

    # --- what the rules ask --------------------------------------------------------------------------------
    def situation_on(self, today: date) -> str:
        """The situation in force: a change dated in the future has not happened yet (registration active)."""
        if self.since and date.fromisoformat(self.since) > today:
            return ACTIVE
        return self.situation

    def accreditation(self, mod: int) -> tuple[str, str | None, str | None]:
        return (self.nfce_cred, self.nfce_from, self.nfce_revoked) if mod == 65 else \
            (self.nfe_cred, self.nfe_from, self.nfe_revoked)

    def accredited(self, mod: int, today: date) -> bool:
        """Accredited for the model at some date up to today (revoked or not: revocation is irregularity)."""
        cred, since, _ = self.accreditation(mod)
        return cred != NONE and (since is None or date.fromisoformat(since) <= today)

    def deaccredited(self, mod: int, today: date) -> bool:
        _, _, revoked = self.accreditation(mod)
        return revoked is not None and date.fromisoformat(revoked) <= today

    def irregularity(self, today: date, *, suspension_days: int = 30, issuer_model: int | None = None) -> str | None:
        """Why the taxpayer is irregular on `today` (DF Portaria 403/2009 art. 10 § 9-10), or None.

        issuer_model: when asked about an issuer, the model it issues (de-accreditation, § 10, counts).
        """
        situation = self.situation_on(today)
        if situation in (CLOSED, CLOSURE_REQUESTED):
            return "art. 10 § 9 I"  # baixada ou com pedido de baixa
        if situation == SUSPENDED:
            if self.susp_ban:
                return "art. 10 § 9 III"  # explicit ban: irregular from the first day
            if self.susp_by == "fisco" and self.susp_notified and self.since:
                if (today - date.fromisoformat(self.since)).days > suspension_days:
                    return "art. 10 § 9 II"  # suspended for MORE than 30 days
        if situation == PAUSED:
            return "art. 10 § 9 IV"
        if situation == CANCELLED:
            return "art. 10 § 9 V"
        if issuer_model is not None and self.deaccredited(issuer_model, today):
            return "art. 10 § 10"
        return None

    def cSit(self, today: date, suspension_days: int = 30) -> int:
        """ConsCad cSit: 1 habilitado, 0 não habilitado (not enabled, or irregular today)."""
        if self.situation_on(today) == NOT_ENABLED or self.irregularity(today, suspension_days=suspension_days):
            return 0
        return 1

    def indCred(self, mod: int, today: date) -> int:
        """ConsCad indCredNFe: 0 not accredited, 1 accredited (voluntary), 2 accredited with obligation (ex officio)."""
        cred, _, _ = self.accreditation(mod)
        if not self.accredited(mod, today) or self.deaccredited(mod, today):
            return 0
        return 2 if cred == EX_OFFICIO else 1


# --- Judging registrations (pure: the rows come from the store through rules/ports.py) ------------------------

def local_today(at: datetime, uf: str | int) -> date:
    return at.astimezone(ufs.tz_of(ufs.code_of(uf))).date()


def irregular_among(found: list["Taxpayer"], today: date, *, suspension_days: int, ie: str | None = None,
                    model: int | None = None) -> bool:
    """Whether a taxpayer with these registrations (of one UF) is irregular on `today` (DF Portaria 403/2009
    art. 10 § 9-10). ie narrows to one registration; model (55/65), when given, makes the de-accreditation for
    that model count (§ 10, issuer only). An unknown taxpayer is not irregular. With several registrations and
    no ie, the taxpayer is irregular only if every one of them is."""
    if ie:
        found = [t for t in found if t.ie == ie]
    if not found:
        return False
    return all(t.irregularity(today, suspension_days=suspension_days, issuer_model=model) for t in found)


# --- Loading a file --------------------------------------------------------------------------------------------

def parse_file(path: str | Path) -> list[Taxpayer]:
    """A YAML or JSON file: either a list of taxpayers or {"taxpayers": [...]}. Raises RegistryError."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when present
    if isinstance(data, dict):
        data = data.get("taxpayers")
    if not isinstance(data, list):
        raise RegistryError(f"{path}: expected a list of taxpayers (or a 'taxpayers' key holding one)")
    out = []
    for i, item in enumerate(data):
        try:
            out.append(Taxpayer.from_json(item, source="file"))
        except RegistryError as exc:
            raise RegistryError(f"{path}: taxpayer #{i + 1}: {exc}") from None
    return out


def dump_file(taxpayers: Iterable[Taxpayer], path: str | Path) -> int:
    """Write taxpayers in the fixtures format: JSON for *.json, YAML otherwise. Returns how many."""
    path = Path(path)
    items = [t.to_json() for t in taxpayers]
    for item in items:
        item.pop("source", None)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps({"taxpayers": items}, ensure_ascii=False), encoding="utf-8")
    else:
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        path.write_text(yaml.dump({"taxpayers": items}, Dumper=dumper, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return len(items)
