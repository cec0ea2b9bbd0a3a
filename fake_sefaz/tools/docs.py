"""The README's reference tables, generated from the code so they cannot drift:
services (services/), settings (settings.py) and cStat codes (answers.py + codes.py).

`python -m fake_sefaz.tools.docs` rewrites the generated blocks of README.md; tests/test_docs.py fails when
README.md differs from what this module renders.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from fake_sefaz.domain import codes
from fake_sefaz.tools.answers import answerable
from fake_sefaz.services import all_services
from fake_sefaz.server.settings import ENV_PREFIX, Settings


def services_table() -> str:
    rows = ["| Service | URL with default settings | Operation | Payload root → answer | WSDL (`GET <url>?wsdl`) "
            "| Codes it answers itself |", "|---|---|---|---|---|---|"]
    for s in all_services():
        answer = "ret" + s.root[0].upper() + s.root[1:] if s.root != "ConsCad" else "retConsCad"
        rows.append(f"| `{s.name}` | `http://127.0.0.1:8080/{s.name}` | `{s.operation}` | `{s.root}` → `{answer}` | `{s.wsdl_file}` | "
                    f"{', '.join(str(c) for c in s.codes)} |")
    return "\n".join(rows)


def settings_table() -> str:
    rows = ["| Setting | Environment variable | Default | What it does |", "|---|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            default = ",".join(default) or "(empty)"
        doc = f.metadata.get("doc", "").replace("|", "\\|")
        rows.append(f"| `{f.name}` | `{ENV_PREFIX}{f.name.upper()}` | `{default}` | {doc} |")
    return "\n".join(rows)


def cstat_table() -> str:
    rows = ["| cStat | xMotivo (catalogue text) | Answered by (MOC rule id and module, or service) |", "|---|---|---|"]
    for code, where in answerable().items():
        text = codes.text(code).replace("|", "\\|")
        # a reused code answers another text under another rule (codes.MEANINGS)
        for (other, rule_id), meaning in codes.MEANINGS.items():
            if other == code:
                text += f"<br>{rule_id}: {meaning}".replace("|", "\\|")
        rows.append(f"| {code} | {text} | {'; '.join(where)} |")
    return "\n".join(rows)


def rules_table(rules) -> str:
    """One row per rule of a group (its MOC id, codes and the first sentence of its docstring), in pipeline order."""
    rows = ["| MOC rule | cStat | What it refuses |", "|---|---|---|"]
    for r in rules:
        doc = " ".join((r.__doc__ or "").split())
        first = re.split(r" \(AI |; AI |\. ", doc)[0].rstrip(".")
        first = re.sub(r"^\d{3}(?: \(UF option [^)]*\))?: ", lambda m: "UF option: " if "option" in m[0] else "", first)
        first = re.sub(rf"^{re.escape(r.rule_id)} \([\d/, ]+\): ", "", first)  # "H19 (654): ..." docstrings
        rows.append(f"| {r.rule_id} | {' '.join(str(c) for c in r.cstats)} | {first.replace('|', chr(92) + '|')} |")
    return "\n".join(rows)


def _rule_groups() -> dict[str, str]:
    from fake_sefaz.rules.cfop import CFOP_RULES
    from fake_sefaz.rules.gtin import GTIN_RULES
    from fake_sefaz.rules.identification import IDENTIFICATION_RULES

    from fake_sefaz.rules.contingency import CONTINGENCY_RULES
    from fake_sefaz.rules.distribution import DIST_RULES
    from fake_sefaz.rules.transmitter import TRANSMITTER_RULES

    from fake_sefaz.rules import epec
    from fake_sefaz.rules.contingency import CONTINGENCY_OUTCOME_RULES
    from fake_sefaz.rules.svc import SVC_RULES

    return {"identification": rules_table(IDENTIFICATION_RULES), "cfop": rules_table(CFOP_RULES),
            "gtin": rules_table(GTIN_RULES), "transmitter": rules_table(TRANSMITTER_RULES), "hosts": hosts_table(),
            "distribution": rules_table(DIST_RULES), "contingency": rules_table(CONTINGENCY_RULES),
            "svc": rules_table(SVC_RULES), "epec": rules_table(epec.EPEC_RULES + epec.EPEC_STATE_RULES),
            "epec-authorizer": rules_table(epec.AUTHORIZATION_RULES),
            "late": rules_table(CONTINGENCY_OUTCOME_RULES), "emission-types": emission_types_table(),
            "svc-map": svc_map_table()}


def emission_types_table() -> str:
    """tpEmis values and where each note goes (domain/contingency.py EMISSION_TYPES)."""
    from fake_sefaz.domain.contingency import EMISSION_TYPES

    rows = ["| tpEmis | Emission type | Authorized here by | Later |", "|---|---|---|---|"]
    rows += [f"| {tp} | {name} | {where} | {later} |" for tp, (name, where, later) in EMISSION_TYPES.items()]
    return "\n".join(rows)


def svc_map_table() -> str:
    """Which SVC each UF falls back to (domain/contingency.py SVC_OF, reference §2.1)."""
    from fake_sefaz.domain import contingency

    rows = ["| SVC | tpEmis | nRec/nProt authority digit | UFs |", "|---|---|---|---|"]
    for svc in (contingency.SVC_AN, contingency.SVC_RS):
        rows.append(f"| {svc} | {contingency.TP_EMIS[svc]} | {contingency.AUTHORITY[svc]} | "
                    f"{', '.join(contingency.ufs_of(svc))} |")
    return "\n".join(rows)


def hosts_table() -> str:
    """Hosts mode: every real hostname the fake answers for, with the authorizer and environment it acts as."""
    from fake_sefaz.domain import hosts

    rows = ["| Authorizer | Homologação (tpAmb 2) | Produção (tpAmb 1) | Acts as |", "|---|---|---|---|"]
    by: dict[str, dict[int, list[str]]] = {}
    for h in hosts.HOSTS.values():
        by.setdefault(h.authorizer, {1: [], 2: []})[h.tpAmb].append(f"`{h.name}`")
    for authorizer, envs in by.items():
        if authorizer in hosts.VIRTUAL_SERVES:
            acts = "the payload's UF when it serves it (" + ", ".join(hosts.VIRTUAL_SERVES[authorizer]) + "), else " \
                   + hosts.VIRTUAL_SERVES[authorizer][0]
        elif authorizer == "AN":
            acts = "the Ambiente Nacional (cOrgao 91): DF-e distribution, the recipient's manifestation"
        else:
            acts = authorizer
        rows.append(f"| {authorizer} | {' '.join(envs[2])} | {' '.join(envs[1])} | {acts} |")
    return "\n".join(rows)


FEATURE_ORDER = ("cli", "transport", "national", "contingency", "events", "registry", "nfce", "content", "tax-reform", "faults", "scenarios", "perf")


def features() -> str:
    """The feature sections, kept in docs/readme/<feature>.md beside the code they describe."""
    folder = Path(__file__).resolve().parents[2] / "docs" / "readme"
    parts = []
    tables = _rule_groups()
    for name in FEATURE_ORDER:
        path = folder / f"{name}.md"
        if path.exists():
            text = path.read_text(encoding="utf-8").strip()
            for group, table in tables.items():  # <!-- rules:cfop --> becomes that group's rule table
                text = text.replace(f"<!-- rules:{group} -->", table)
            parts.append("#" + text)  # '## X' becomes '### X'
    return "\n\n".join(parts)


BLOCKS = {"services": services_table, "settings": settings_table, "cstat": cstat_table, "features": features}


def render(readme: str) -> str:
    for name, fn in BLOCKS.items():
        pattern = re.compile(rf"(<!-- BEGIN generated:{name} -->\n)(?:.*?\n)?(<!-- END generated:{name} -->)", re.S)
        if not pattern.search(readme):
            raise ValueError(f"README lacks the generated:{name} block")
        readme = pattern.sub(lambda m: m.group(1) + fn() + "\n" + m.group(2), readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    path = Path(argv[0] if argv else "README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
