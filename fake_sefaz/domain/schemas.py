"""The official XSDs (PL_010f, shipped in the nfelib wheel), compiled once per process.

Paths: reference/sefaz-contract.md §4. Compiling costs ~10 ms each, validation ~0.1 ms per 7 KB NF-e
(reference/perf-baseline.md §2-3), so each schema is compiled on first use and then kept.

Why every message is first validated against an ID-free twin of its schema (decision 0009): when libxml2
validates an xs:ID attribute it registers the value in the document's ID table, interned in the document's
string dictionary, and lxml gives every document parsed in a thread the same dictionary for the life of the
thread. Each distinct Id (NFe + 44 digits, ID + 52 digits...) therefore stayed in a worker's memory for good:
~80 bytes per authorized document, +3 MB per 30,000 documents, growing without end in a soak. The twin is the
official schema with xs:ID replaced by xs:NCName (the lexical space xs:ID restricts; every Id pattern of these
schemas is an NCName already), so it registers nothing; the one thing xs:ID adds, unique values within the
message, is checked here. Anything the twin or that check does not pass is judged and worded by the official
schema, so the answers are the official schema's, byte for byte.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
import re
from urllib.parse import unquote, urlsplit

from lxml import etree

from fake_sefaz.domain.xml import ALL_IDS

_NFE = "nfe/schemas/v4_0/"
_EVT = "nfe_evento_generico/schemas/v1_0/"
DATA = "@data/"  # prefix of schemas shipped in fake_sefaz/data/schemas (those nfelib lacks)

# name -> path inside the nfelib package (or inside fake_sefaz/data for schemas nfelib lacks)
SCHEMA_FILES: dict[str, str] = {
    "enviNFe": _NFE + "enviNFe_v4.00.xsd",
    "retEnviNFe": _NFE + "retEnviNFe_v4.00.xsd",
    "NFe": _NFE + "nfe_v4.00.xsd",
    "procNFe": _NFE + "procNFe_v4.00.xsd",
    # NFeDistribuicaoDFe (Ambiente Nacional, NT 2014.002)
    "distDFeInt": "nfe_dist_dfe/schemas/v1_0/distDFeInt_v1.01.xsd",
    "retDistDFeInt": "nfe_dist_dfe/schemas/v1_0/retDistDFeInt_v1.01.xsd",
    "resNFe": "nfe_dist_dfe/schemas/v1_0/resNFe_v1.01.xsd",
    "resEvento": "nfe_dist_dfe/schemas/v1_0/resEvento_v1.01.xsd",
    "consReciNFe": _NFE + "consReciNFe_v4.00.xsd",
    "retConsReciNFe": _NFE + "retConsReciNFe_v4.00.xsd",
    "consSitNFe": _NFE + "consSitNFe_v4.00.xsd",
    "retConsSitNFe": _NFE + "retConsSitNFe_v4.00.xsd",
    "consStatServ": _NFE + "consStatServ_v4.00.xsd",
    "retConsStatServ": _NFE + "retConsStatServ_v4.00.xsd",
    "inutNFe": _NFE + "inutNFe_v4.00.xsd",
    "retInutNFe": _NFE + "retInutNFe_v4.00.xsd",
    "procInutNFe": _NFE + "procInutNFe_v4.00.xsd",
    "envEvento": _EVT + "envEvento_v1.00.xsd",
    "retEnvEvento": _EVT + "retEnvEvento_v1.00.xsd",
    "procEventoNFe": _EVT + "procEventoNFe_v1.00.xsd",
    # specific parts (detEvento) of each event this server registers (MOC D06, cStat 493)
    "e110110": "nfe_evento_cce/schemas/v1_0/e110110_v1.00.xsd",
    "e110111": "nfe_evento_cancel/schemas/v1_0/e110111_v1.00.xsd",
    "e110112": DATA + "e110112_v1.00.xsd",  # not in nfelib: written from the published layout
    "e110150": "nfe_ator_interessado/schemas/v1_0/110150_v1.00.xsd",
    "e110140": "nfe_epec/schemas/v1_0/e110140_v1.00.xsd",
    "e110130": "nfe_entrega/schemas/v1_0/e110130_v1.00.xsd",
    "e110131": "nfe_entrega/schemas/v1_0/e110131_v1.00.xsd",
    "e210200": "nfe_evento_mde/schemas/v1_0/e210200_v1.00.xsd",
    "e210210": "nfe_evento_mde/schemas/v1_0/e210210_v1.00.xsd",
    "e210220": "nfe_evento_mde/schemas/v1_0/e210220_v1.00.xsd",
    "e210240": "nfe_evento_mde/schemas/v1_0/e210240_v1.00.xsd",
    # Consulta Cadastro 2.00: nfelib lacks it; written from the published layout (fake_sefaz/data/schemas).
    "ConsCad": DATA + "consCad_v2.00.xsd",
    "retConsCad": DATA + "retConsCad_v2.00.xsd",
}


def nfelib_path(relative: str) -> Path:
    """A schema file: inside the nfelib wheel, or (prefix DATA) shipped in fake_sefaz/data/schemas."""
    if relative.startswith(DATA):
        return Path(str(resources.files("fake_sefaz").joinpath("data/schemas", relative[len(DATA):])))
    return Path(str(resources.files("nfelib").joinpath(relative)))


@dataclass(frozen=True, slots=True)
class SchemaError:
    path: str
    message: str
    line: int

    def describe(self) -> str:
        return f"[{self.path}: {self.message}]"


# type="xs:ID", base="xs:ID" and, in the xmldsig schema (XML Schema as its default namespace), type="ID".
_ID_TYPE = re.compile(rb'((?:type|base)="(?:[A-Za-z_][\w.-]*:)?)ID"')


def without_id_type(xsd: bytes) -> bytes:
    """The schema text with every xs:ID made an xs:NCName (same lexical space, no ID registration)."""
    return _ID_TYPE.sub(rb'\1NCName"', xsd)


class _IdFreeResolver(etree.Resolver):
    """Serves the included and imported schema files with without_id_type() applied."""

    def resolve(self, system_url, public_id, context):  # noqa: ANN001 - lxml's signature
        path = Path(unquote(urlsplit(system_url).path) if system_url.startswith("file:") else system_url)
        if path.suffix != ".xsd" or not path.is_file():
            return None
        return self.resolve_string(without_id_type(path.read_bytes()), context, base_url=str(path))


def _duplicate_ids(element: etree._Element) -> bool:
    ids = ALL_IDS(element)
    return len(ids) != len(set(ids))


class Schemas:
    """Compiled schemas of one process. Not shared between threads (lxml keeps an error log per schema)."""

    def __init__(self, extra: dict[str, Path] | None = None) -> None:
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._twins: dict[str, etree.XMLSchema] = {}
        self._extra = dict(extra or {})

    def path(self, name: str) -> Path:
        if name in self._extra:
            return self._extra[name]
        return nfelib_path(SCHEMA_FILES[name])

    def get(self, name: str) -> etree.XMLSchema:
        schema = self._compiled.get(name)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(self.path(name))))
            self._compiled[name] = schema
        return schema

    def twin(self, name: str) -> etree.XMLSchema:
        """The schema with xs:ID as xs:NCName, compiled from the same files (see the module's docstring)."""
        schema = self._twins.get(name)
        if schema is None:
            path = self.path(name)
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            parser.resolvers.add(_IdFreeResolver())
            doc = etree.fromstring(without_id_type(path.read_bytes()), parser, base_url=str(path)).getroottree()
            schema = etree.XMLSchema(doc)
            self._twins[name] = schema
        return schema

    def validate(self, name: str, element: etree._Element) -> SchemaError | None:
        """None when valid; otherwise the first error with the XPath of the failing node."""
        if self.twin(name).validate(element) and not _duplicate_ids(element):
            return None  # what the official schema accepts, without interning the Id values
        schema = self.get(name)
        if schema.validate(element):
            return None
        if element.getparent() is not None:
            # Inside an envelope libxml2's paths start at the envelope; on this rare path, validate a
            # detached copy so the reported path starts at the message's own root.
            element = copy.deepcopy(element)
            schema.validate(element)
        err = schema.error_log[0] if schema.error_log else None
        if err is None:
            return SchemaError("/", "invalid", 0)
        message = err.message
        # libxml2 prefixes messages with "Element '{ns}x': "; the path already names the element.
        if message.startswith("Element '") and "': " in message:
            message = message.split("': ", 1)[1]
        message = message.replace("{http://www.portalfiscal.inf.br/nfe}", "")
        return SchemaError(readable_path(element, err.path or "/"), message, err.line)

    def preload(self, *names: str) -> None:
        # Only the twins: they validate every message. The official schemas are compiled on a message's first
        # failure (10-15 ms, once per schema), which keeps ~30 MB of compiled schemas out of each worker.
        for name in names or tuple(SCHEMA_FILES):
            self.twin(name)


_STEP = re.compile(r"^(?:\*|[^\[]*?)(?:\[(\d+)\])?$")


def readable_path(element: etree._Element, path: str) -> str:
    """Turn libxml2's '/*/*[3]/*' into '/consStatServ/xServ/...' by walking the validated document."""
    node = element.getroottree().getroot()
    names = [_local(node.tag)]
    for step in [s for s in path.split("/") if s][1:]:
        m = _STEP.match(step)
        index = int(m.group(1)) if m and m.group(1) else 1
        children = [c for c in node if isinstance(c.tag, str)]
        if not 0 < index <= len(children):
            names.append(step)
            break
        node = children[index - 1]
        name = _local(node.tag)
        if name in ("NFe", "det", "evento"):  # repeated elements: the position among those of the same name
            nth = sum(1 for c in children[:index] if c.tag == node.tag)
            name += f"[{nth}]"
        names.append(name)
    return "/" + "/".join(names)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
