"""Scenario files (scenarios/*.yaml): loading and the codes they demonstrate.

A file holds one scenario (a mapping with `name`) or several (`scenarios: [...]`). A scenario:

    name: authorization-302-denied          # unique, used by -k and in JUnit
    description: what it shows and why (MOC rule, NT)
    target: any | fake                      # fake: needs the fake's admin API (derived when omitted)
    settings: {sync_enabled: false}         # server settings (in-process runs start a server with them)
    setup:                                  # admin calls before the steps (fake only)
      rules: [{operation: enviNFe, cstat: 302, remaining: 1}]
      services: [{service: NFeAutorizacao4, cstat: 108}]
      consumption: {enabled: true, thresholds: {consSitNFe: 2}}
      latency: {ms: 100}
      clock: {advance: {days: 31}}         # or {set: "2026-01-31T23:59:00-03:00", frozen: true}
      admin: [{method: POST, path: /admin/..., json: {...}}]   # any other admin endpoint (registry, ...)
    teardown:                               # admin calls after the steps, whatever happened (fake only;
      - {method: DELETE, path: "/admin/taxpayers/${buyer.cnpj}"}   # statuses ignored; default method DELETE)
    steps:
      - build: {as: nfe, template: nfe, sign: emitente, set: {serie: 7}, edit: [...], rekey: {at: 2, text: "05"}}
      - send: {documents: [nfe], sync: true}
        expect: {cStat: 104, prot/cStat: 302, prot/xMotivo: {catalogue: true}}
      - query: {key: nfe}
        expect: {cStat: 110}

Step kinds: build, send, status, query, receipt, raw, event, inut, conscad, admin, csc, clock, stored, sleep. Request steps
take `headers`, `path`, `soap` (11/12), `zip`, `edit` (payload edits), `replace` ([[old, new], ...] on the serialized
payload), `repeat` (n times, each checked), `as` (name the reply), `tls` (send over the target's HTTPS listener
with that PKI identity as TLS client certificate, `none` for no certificate; skipped where the target has no
HTTPS), `host` (the Host header and TLS server name, e.g. a real SEFAZ hostname for hosts mode). Expectation paths are element paths from the
ret* element (`prot` is short for protNFe/infProt, `ev` for retEvento/infEvento, `inut` for infInut, `rec` for
infRec, `cad` for infCons of retConsCad; "retEvento[2]/infEvento/cStat" reaches the 2nd event of a lot; `http` is the HTTP status; `error` the
transport error: timeout or connection). Matchers: a scalar (equal), {catalogue: true}, {startswith|contains|regex: s},
{present: bool}, {in: [...]}, {gte: n}.

build (beyond the above): `template: nfce`; `issuer`/`sign` (identity names); `recipient: outro` (dest = that
identity's CNPJ, so it can manifest); `twin_of: doc` (same factory seed: same items and values, the next number;
for cancellation by substitution); `server_time: true` (dhEmi and dhEmi_offset from the server clock as moved by
clock steps); edits `{path, add: other/path}` (sum of two amounts), paths may index (`infNFe/det[3]`);
`issuer_ie` (the emit/IE as given, null removes it; default: the issuer's IE in this scenario, ${issuer.ie});
`recipient` may also name a made-up party (dest = its CNPJ); `recipient_ie: true` (indIEDest=1, the recipient's
IE ${recipient.ie} inserted after it, indFinal=0) or an IE as given; edit `{path, insert_after: TAG, text: t}`
inserts a new element TAG (text t) right after the element at path; `{path, append: TAG, text: t}` appends a
new last child (a group: append its children next, with path pointing at it); `{path, copy: other/path, chars: n}`
sets the text to another element's (its first n characters: `chars: 10` takes the date of a dhEmi);
edit `{path, insert_xml: "<a><b>1</b></a>",
where: after|into}` inserts a fragment in the NF-e namespace after (or as the last child of) the element at path;
`ibscbs: {cst, cClassTrib, ...}` adds IBS/CBS groups and IBSCBSTot (emitter/ibscbs.py) before the edits;
`csrt: {id, csrt}` adds infRespTec/idCSRT and hashCSRT for the note's key; `delivery_days: n` adds ide/dPrevEntrega
n days after dhEmi;
`qr: {version: 2|3, csc: <csc name>|{id, token}, csc_id, token, key: identity (v3 offline), base_url, url_chave,
of: doc (another note's code), text: "{qr_url}?p={key}|...", replace: [[old, new]]}` inserts infNFeSupl after signing.
Every authorization answered (100/150) is remembered: events quote it.

    - event: {of: nfe, type: cancel}                # envEvento with one evento, signed by its author
      expect: {cStat: 128, ev/cStat: 135}
    - event: {events: [{of: nfe, type: cce, nSeq: 1}, {of: nfe, type: cce, nSeq: 2}], idLote: 7}
    - event: {of: orig, type: subst, ref: sub}      # 110112: chNFeRef = sub's key (ref_dv: wrong breaks its DV)
    - event: {of: nfe, type: awareness, author: outro, cOrgao: 91}

  type: cancel 110111, cce 110110, subst 110112, confirmation 210200, awareness 210210, unknown 210220,
  not-performed 210240, actor 110150, delivery 110130, delivery-cancel 110131, epec 110140 (its detEvento declares
  what the built note `of`, tpEmis 4, carries; cOrgaoAutor overrides), or any tpEvento code. Overrides: author (identity name or digits), sign (identity, false),
  nSeq, cOrgao, tpAmb, verEvento, Id, nProt (default: the remembered protocol of `of`), xJust, xCorrecao,
  dhEvento (literal) or dhEvento_offset (from the server clock), edit/after_sign (paths from <evento>).

    - inut: {of: nfe, first: 0, last: 4}            # inutNFe of nNF(nfe)+0 .. nNF(nfe)+4, nfe's series and model
      expect: {inut/cStat: 102}

  Without `of` the numbers are offsets from a random number of series 1 (`absolute: true`: as given).
  Overrides: cnpj (identity or digits), ano or ano_offset, mod, serie, cUF, tpAmb, xJust, Id, sign, edit/after_sign.

    - csc: {as: csc}                                 # the issuer's active CSC (requested when it has none)
    - csc: {as: old, new: true}                      # request another (the fake keeps two active at most)
    - csc: {revoke: old}

    - conscad: {cnpj: "${shop.cnpj}"}                # ConsCad 2.00 (CadConsultaCadastro4): one of ie, cnpj, cpf
      expect: {cad/cStat: 111, cad/infCad/IE: "${shop.ie}"}
    - conscad: {uf: other, ie: "${nobody.ie}"}      # uf: a sigla, default the target's; other: a UF not its own

    - distdfe: {party: outro, ult: 0}               # NFeDistribuicaoDFe at the AN: distNSU from ultNSU,
      expect: {cStat: 138, "loteDistDFeInt/docZip@schema": resNFe_v1.01.xsd}
    - distdfe: {party: outro, nsu: 1}               # consNSU; or key: nfe (consChNFe of a built note), chNFe: "..."
                                                    # party: an identity (an e-CPF gives its CPF), a made-up party,
                                                    # or doc: literal digits

Expansions, in every step spec (qr excepted), expectation, admin call, setup.admin and teardown:
${doc.key}, ${doc.nProt}, ${doc.nNF}, ${doc.serie} of a built document; ${party.cnpj}, ${party.cpf}, ${party.ie}
of a party. A party is a PKI identity (its certificate's CNPJ) or any other name (a made-up taxpayer with a
random valid CNPJ), with a random CPF and a random valid IE of the target's UF; all drawn once per scenario run,
so runs never share registrations on one persistent server. A build's issuer carries its party IE, so
`PUT /admin/taxpayers/${emitente.cnpj}` with `ie: "${emitente.ie}"` in setup registers the issuer of the
scenario's notes before they are built (scenarios/registry.yaml).
Fake-only steps (admin, csc, clock, stored, and request headers) and a teardown skip the scenario against
another authorizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

REQUEST_STEPS = {"send", "status", "query", "receipt", "raw", "event", "inut", "conscad", "distdfe"}
FAKE_ONLY_STEPS = {"admin", "clock", "stored", "csc"}
STEP_KINDS = REQUEST_STEPS | FAKE_ONLY_STEPS | {"build", "sleep"}
SETUP_KINDS = {"rules", "services", "consumption", "latency", "clock", "admin"}
SCENARIO_KEYS = {"name", "description", "steps", "setup", "settings", "target", "teardown"}
FILE_KEYS = {"scenarios", "settings", "target"}
TARGETS = {"any", "fake"}
# The build step's vocabulary (runner.Run.build): a misspelt key (`recipent:`) is an error, not a silent default.
BUILD_KEYS = {"as", "issuer", "set", "edit", "template", "twin_of", "recipient", "recipient_ie", "same_number_as",
              "issuer_ie", "delivery_days", "ibscbs", "csrt", "rekey", "sign", "qr", "after_sign", "server_time"}
# Expectation leaves that are near misses of the ones every answer carries.
_LEAVES = ("cStat", "xMotivo", "nProt", "chNFe")


@dataclass
class Scenario:
    name: str
    description: str
    steps: list[dict]
    setup: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    target: str = "any"
    file: str = ""
    teardown: list[dict] = field(default_factory=list)

    @property
    def needs_fake(self) -> bool:
        if self.target == "fake" or self.setup or self.teardown:
            return True
        return any(k in FAKE_ONLY_STEPS or (isinstance(s.get(k), dict) and s[k].get("headers"))
                   for s in self.steps for k in s)

    @property
    def needs_tls(self) -> bool:
        return any(isinstance(s.get(k), dict) and "tls" in s[k] for s in self.steps for k in s)

    @property
    def needs_clock(self) -> bool:
        return "clock" in self.setup or any("clock" in s for s in self.steps)

    def codes(self) -> set[int]:
        """The cStat values this scenario expects the server to answer (any expectation on a cStat)."""
        found: set[int] = set()
        for step in self.steps:
            for path, value in (step.get("expect") or {}).items():
                if str(path).split("/")[-1] == "cStat":
                    values = value.get("in", []) if isinstance(value, dict) else [value]
                    found |= {int(v) for v in values if str(v).isdigit()}
        return found


class ScenarioError(ValueError):
    pass


def _near_miss(leaf: str) -> str | None:
    """The expected leaf a misspelt one stands for (cStatt, cstat, xmotivo), or None."""
    low = leaf.lower()
    for good in _LEAVES:
        if leaf != good and (low == good.lower() or (low.startswith(good.lower()) and len(low) - len(good) <= 2)):
            return good
    return None


def _check_settings(sc: Scenario) -> None:
    from fake_sefaz.server.settings import Settings, SettingsError

    try:
        Settings().replace(**sc.settings)
    except SettingsError as err:
        raise ScenarioError(f"{sc.file}: {sc.name}: settings: {err}") from None


def _check(sc: Scenario, keys: set[str] | None = None) -> None:
    where = f"{sc.file}: {sc.name or '(no name)'}"
    unknown = sorted((keys or set()) - SCENARIO_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {unknown} (a scenario has {sorted(SCENARIO_KEYS)})")
    if not sc.name or not sc.description:
        raise ScenarioError(f"{where}: every scenario needs a name and a description")
    if sc.target not in TARGETS:
        raise ScenarioError(f"{where}: target {sc.target!r}: one of {sorted(TARGETS)}")
    unknown = sorted(set(sc.setup) - SETUP_KINDS)
    if unknown:
        raise ScenarioError(f"{where}: unknown setup entries {unknown}")
    if sc.settings:
        _check_settings(sc)
    for i, step in enumerate(sc.steps):
        at = f"{where} step {i + 1}"
        if not isinstance(step, dict):
            raise ScenarioError(f"{at}: a step is a mapping such as {{send: ..., expect: ...}}")
        kinds = [k for k in step if k in STEP_KINDS]
        extra = set(step) - STEP_KINDS - {"expect", "name"}
        if len(kinds) != 1 or extra:
            raise ScenarioError(f"{at}: one of {sorted(STEP_KINDS)} (+ expect), got {sorted(step)}")
        if kinds[0] == "build" and isinstance(step["build"], dict):
            unknown = sorted(set(step["build"]) - BUILD_KEYS)
            if unknown:
                raise ScenarioError(f"{at}: build: unknown keys {unknown} (one of {sorted(BUILD_KEYS)})")
        for path in step.get("expect") or {}:
            good = _near_miss(str(path).rsplit("/", 1)[-1])
            if good:
                raise ScenarioError(f"{at}: expect: {path!r}: did you mean {good}?")


def load_file(path: str | Path) -> list[Scenario]:
    """The scenarios of one file, checked (ScenarioError names the file, the scenario and the step)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ScenarioError(f"{path.name}: not YAML: {' '.join(str(err).split())}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path.name}: a scenario file is a mapping (scenarios: [...] or one scenario)")
    if "scenario" in data and "scenarios" not in data:
        raise ScenarioError(f"{path.name}: 'scenario:' found; the list of scenarios is 'scenarios:'")
    if "scenarios" in data:
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise ScenarioError(f"{path.name}: unknown keys {unknown} (a file has {sorted(FILE_KEYS)})")
    items = data.get("scenarios") if "scenarios" in data else [data]
    defaults = {k: v for k, v in data.items() if k in ("settings", "target")} if "scenarios" in data else {}
    out: list[Scenario] = []
    names: set[str] = set()
    for item in items or ():
        if not isinstance(item, dict):
            raise ScenarioError(f"{path.name}: every entry of scenarios: is a mapping with name, description, steps")
        item = {**defaults, **item}
        sc = Scenario(name=str(item.get("name", "")), description=str(item.get("description", "")).strip(),
                      steps=list(item.get("steps") or []), setup=dict(item.get("setup") or {}),
                      settings=dict(item.get("settings") or {}), target=str(item.get("target", "any")),
                      file=path.name, teardown=list(item.get("teardown") or []))
        _check(sc, set(item))
        if sc.name in names:
            raise ScenarioError(f"{path.name}: duplicate scenario name {sc.name}")
        names.add(sc.name)
        out.append(sc)
    return out


def load(directory: str | Path) -> list[Scenario]:
    if not Path(directory).is_dir():
        raise ScenarioError(f"{directory}: no such directory of scenario files")
    out: list[Scenario] = []
    names: set[str] = set()
    for path in sorted(Path(directory).glob("*.y*ml")):
        for sc in load_file(path):
            if sc.name in names:
                raise ScenarioError(f"{path.name}: duplicate scenario name {sc.name}")
            names.add(sc.name)
            out.append(sc)
    return out


def default_directory() -> Path:
    here = Path(__file__).resolve().parents[3] / "scenarios"
    return here if here.is_dir() else Path.cwd() / "scenarios"
