"""The real SEFAZ web-service hostnames, as data: who answers at each and in which environment.

Hosts mode (issue 14): with these names resolved to the fake (an /etc/hosts line, a client-side resolver) and
the test CA trusted, an emitter keeps its own URL table. The request is then answered for the authorizer its
hostname names: a UF's own host acts as that UF; a virtual authorizer's host (SVRS, SVAN, shared with SVC-RS and
SVC-AN) acts for the UF of the payload when it serves that UF; the national hosts act as the Ambiente Nacional.

Source: reference/national-services-and-transport.md §2.1 (which authorizer serves which UF), §2.2 and §2.5
(hosts per environment) and §2.6 (the SAN list, legacy aliases included). Paths are not needed here: the
service is found by the payload's root, and by the last word of the path for ?wsdl (services.by_path).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

HOMOLOGACAO, PRODUCAO = 2, 1


@dataclass(frozen=True, slots=True)
class Host:
    name: str
    authorizer: str  # a UF sigla ("SP"), a virtual authorizer ("SVRS", "SVAN") or "AN"
    tpAmb: int


# authorizer -> ((homologação hosts), (produção hosts)), NF-e and NFC-e together (§2.2, §2.5)
_BY_AUTHORIZER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AM": (("homnfe.sefaz.am.gov.br", "homnfce.sefaz.am.gov.br"), ("nfe.sefaz.am.gov.br", "nfce.sefaz.am.gov.br")),
    "BA": (("hnfe.sefaz.ba.gov.br",), ("nfe.sefaz.ba.gov.br",)),
    "GO": (("homolog.sefaz.go.gov.br",), ("nfe.sefaz.go.gov.br",)),
    "MG": (("hnfe.fazenda.mg.gov.br", "hnfce.fazenda.mg.gov.br"), ("nfe.fazenda.mg.gov.br", "nfce.fazenda.mg.gov.br")),
    "MS": (("hom.nfe.sefaz.ms.gov.br", "hom.nfce.sefaz.ms.gov.br"), ("nfe.sefaz.ms.gov.br", "nfce.sefaz.ms.gov.br")),
    # MT homologação serves NF-e and NFC-e on one host (§2.6)
    "MT": (("homologacao.sefaz.mt.gov.br",), ("nfe.sefaz.mt.gov.br", "nfce.sefaz.mt.gov.br")),
    "PE": (("nfehomolog.sefaz.pe.gov.br",), ("nfe.sefaz.pe.gov.br",)),
    "PR": (("homologacao.nfe.sefa.pr.gov.br", "homologacao.nfce.sefa.pr.gov.br"),
           ("nfe.sefa.pr.gov.br", "nfce.sefa.pr.gov.br")),
    "RS": (("nfe-homologacao.sefazrs.rs.gov.br", "nfce-homologacao.sefazrs.rs.gov.br"),
           ("nfe.sefazrs.rs.gov.br", "nfce.sefazrs.rs.gov.br")),
    "SP": (("homologacao.nfe.fazenda.sp.gov.br", "homologacao.nfce.fazenda.sp.gov.br",
            "homologacao.nfce.epec.fazenda.sp.gov.br"),
           ("nfe.fazenda.sp.gov.br", "nfce.fazenda.sp.gov.br", "nfce.epec.fazenda.sp.gov.br")),
    # SVRS also hosts SVC-RS; its cad-* hosts answer CadConsultaCadastro4 (RS's included, §2.2)
    "SVRS": (("nfe-homologacao.svrs.rs.gov.br", "nfce-homologacao.svrs.rs.gov.br", "cad-homologacao.svrs.rs.gov.br"),
             ("nfe.svrs.rs.gov.br", "nfce.svrs.rs.gov.br", "cad.svrs.rs.gov.br")),
    # SVAN also hosts SVC-AN since 2024; *.svc.fazenda.gov.br are the legacy SVC-AN names (§2.2, §2.6)
    "SVAN": (("hom.sefazvirtual.fazenda.gov.br", "hom.svc.fazenda.gov.br"),
             ("www.sefazvirtual.fazenda.gov.br", "www.svc.fazenda.gov.br")),
    # events and DF-e distribution; hom.nfe.fazenda.gov.br is the pre-2022 homologação name (§2.4)
    "AN": (("hom1.nfe.fazenda.gov.br", "hom.nfe.fazenda.gov.br"), ("www.nfe.fazenda.gov.br", "www1.nfe.fazenda.gov.br")),
    # CE moved to SVRS in 2022/2025; its old names still sit in client tables (§2.6)
    "CE": (("nfeh.sefaz.ce.gov.br", "nfceh.sefaz.ce.gov.br"), ("nfe.sefaz.ce.gov.br", "nfce.sefaz.ce.gov.br")),
}

# The UFs a virtual authorizer serves for NF-e or NFC-e (§2.1), in table order: the first one is the UF the host
# acts as when the payload names a UF it does not serve (the message rules then answer 226, as SVRS would).
VIRTUAL_SERVES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "SVRS": ("AC", "AL", "AP", "BA", "CE", "DF", "ES", "MA", "PA", "PB", "PE", "PI", "RJ", "RN", "RO", "RR", "SC",
             "SE", "TO", "RS"),
    "SVAN": ("MA",),
})


# The SVC that shares a virtual authorizer's hosts (reference §2.2: SVC-AN moved to the SVAN hosts in 2024; SVC-RS
# always ran on SVRS's), and the legacy names that were SVC-AN's alone (§2.6).
SVC_SHARING: Mapping[str, str] = MappingProxyType({"SVAN": "SVC-AN", "SVRS": "SVC-RS"})
LEGACY_SVC_AN: frozenset[str] = frozenset({"hom.svc.fazenda.gov.br", "www.svc.fazenda.gov.br"})


def _table() -> Mapping[str, Host]:
    out: dict[str, Host] = {}
    for authorizer, (hom, prod) in _BY_AUTHORIZER.items():
        for tpAmb, names in ((HOMOLOGACAO, hom), (PRODUCAO, prod)):
            for name in names:
                out[name] = Host(name, authorizer, tpAmb)
    return MappingProxyType(out)


HOSTS: Mapping[str, Host] = _table()

# Names a client may use for the fake itself (the server certificate carries them besides the real hosts).
LOCAL_NAMES: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")


def host_of(header: str | None) -> Host | None:
    """The real host a Host header (or SNI name) names, port and trailing dot dropped; None for any other."""
    if not header:
        return None
    name = header.strip().lower()
    if name.startswith("["):  # [::1]:8443
        return None
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    return HOSTS.get(name.rstrip("."))


def looks_like_sefaz(header: str | None) -> bool:
    """A *.gov.br name that is not in the table: a real IIS answers such a Host with 400 Invalid Hostname."""
    if not header:
        return False
    name = header.strip().lower().rsplit(":", 1)[0].rstrip(".")
    return name.endswith(".gov.br") and name not in HOSTS


def san_names() -> tuple[str, ...]:
    """Every DNS name the test server certificate carries: the local names and every real host (§2.6)."""
    return ("localhost", *sorted(HOSTS))


def hosts_file_lines(address: str = "127.0.0.1") -> list[str]:
    """/etc/hosts lines mapping every real host to `address`, grouped by authorizer and environment."""
    lines = []
    for authorizer, (hom, prod) in _BY_AUTHORIZER.items():
        for env, names in (("homologação", hom), ("produção", prod)):
            lines.append(f"{address} {' '.join(names)}  # {authorizer} {env}")
    return lines
