"""Pre-signed NF-e / NFC-e corpora for load generation and the bench (signing is ~1-2 ms a document, so a
load generator that signed per request would measure itself, not the authorizer).

A corpus is a directory:
- manifest.json: what was generated (model, items, issuers, serie, nNF range, UF, tpAmb, when);
- documents.tsv: one document per line, `chNFe <TAB> identity <TAB> signed <NFe> XML` (the XML has no line
  breaks: SEFAZ rejects formatting characters, 588).

Every line has its own access key: documents differ in nNF (a contiguous range from a random start) and come
from several issuers (the valid identities of the test PKI). A load generator with W processes gives process
k the lines i with i % W == k (`partition`), so two processes never send the same key.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from lxml import etree

from fake_sefaz.emitter.client import envelope, headers_for
from fake_sefaz.emitter.factory import TAX_PROFILES, NFeFactory, wrap_lot
from fake_sefaz.emitter.pki import TestPKI, ensure_test_pki
from fake_sefaz.emitter.signer import Signer

# The test PKI's identities that sign valid documents: two establishments of company A and company B.
ISSUERS: tuple[str, ...] = ("emitente", "emitente-filial", "outro")
NFCE_TAXES = ("normal", "simples")
DOCUMENTS = "documents.tsv"
MANIFEST = "manifest.json"
NFE_NS = "{http://www.portalfiscal.inf.br/nfe}"


@dataclass(frozen=True)
class CorpusSpec:
    count: int
    model: int = 55
    items: int = 3
    uf: str = "SP"
    tpAmb: int = 2
    serie: int = 0  # 0: random in 1..899 (a fresh series per corpus keeps reruns from colliding)
    first_nnf: int = 0  # 0: random start
    issuers: tuple[str, ...] = ISSUERS
    certs_dir: str = ""
    # factory tax profiles, round robin (NFeFactory TAX_PROFILES; an NFC-e takes normal or simples only)
    taxes: tuple[str, ...] = ("normal",)

    def __post_init__(self) -> None:
        allowed = NFCE_TAXES if self.model == 65 else TAX_PROFILES
        unknown = [t for t in self.taxes if t not in allowed]
        if unknown or not self.taxes:
            raise ValueError(f"taxes for model {self.model} must be among {allowed}, got {list(self.taxes)}")

    def resolved(self) -> "CorpusSpec":
        rng = random.SystemRandom()
        serie = self.serie or rng.randint(1, 899)
        first = self.first_nnf or rng.randint(1, 999_999_999 - max(self.count, 1) - 1)
        if first + self.count - 1 > 999_999_999:
            raise ValueError("nNF range exceeds 999999999")
        return CorpusSpec(self.count, self.model, self.items, self.uf, self.tpAmb, serie, first, tuple(self.issuers),
                          self.certs_dir, tuple(self.taxes))


@dataclass
class Document:
    key: str
    identity: str
    xml: bytes  # the signed <NFe>


class DocumentMaker:
    """Builds and signs distinct documents, one factory and one loaded key per issuer."""

    def __init__(self, pki: TestPKI, uf: str = "SP", tpAmb: int = 2, issuers: tuple[str, ...] = ISSUERS,
                 seed: int | None = None) -> None:
        self.issuers = tuple(issuers)
        self._parts = {}
        for i, name in enumerate(self.issuers):
            ident = pki.identity(name)
            factory = NFeFactory(seed=None if seed is None else seed + i, uf=uf, tpAmb=tpAmb, cnpj=ident.cnpj,
                                 razao=ident.razao)
            self._parts[name] = (factory, Signer(ident))

    def signer(self, identity: str) -> Signer:
        return self._parts[identity][1]

    def make(self, index: int, *, serie: int, nNF: int, model: int = 55, items: int = 3,
             taxes: tuple[str, ...] = ("normal",)) -> Document:
        identity = self.issuers[index % len(self.issuers)]
        factory, signer = self._parts[identity]
        build = factory.build_nfce if model == 65 else factory.build
        nfe = signer.sign_nfe(build(serie=serie, nNF=nNF, n_items=items, tax=taxes[index % len(taxes)]))
        key = nfe.find(NFE_NS + "infNFe").get("Id")[3:]
        return Document(key, identity, etree.tostring(nfe, encoding="utf-8"))


def _make_range(args: tuple) -> list[tuple[str, str, bytes]]:
    spec_dict, start, stop = args
    spec = CorpusSpec(**{**spec_dict, "issuers": tuple(spec_dict["issuers"]), "taxes": tuple(spec_dict["taxes"])})
    pki = ensure_test_pki(spec.certs_dir)
    maker = DocumentMaker(pki, spec.uf, spec.tpAmb, spec.issuers)
    out = []
    for i in range(start, stop):
        d = maker.make(i, serie=spec.serie, nNF=spec.first_nnf + i, model=spec.model, items=spec.items,
                       taxes=spec.taxes)
        out.append((d.key, d.identity, d.xml))
    return out


def make_documents(spec: CorpusSpec, jobs: int | None = None, progress: bool = False) -> list[Document]:
    """`spec.count` distinct signed documents (spec must be resolved), built by `jobs` processes; progress draws a
    bar on a terminal (tqdm stays silent elsewhere)."""
    from tqdm import tqdm

    if not spec.certs_dir:
        raise ValueError("CorpusSpec.certs_dir is required")
    ensure_test_pki(spec.certs_dir)  # once, here: worker processes must not race to create it
    jobs = max(1, min(jobs or os.cpu_count() or 1, 8, max(1, spec.count // 200)))
    # chunks of at most 500 documents, so the bar moves while the processes work
    parts = max(jobs, -(-spec.count // 500))
    bounds = [(spec.count * j // parts, spec.count * (j + 1) // parts) for j in range(parts)]
    tasks = [(asdict(spec), a, b) for a, b in bounds if b > a]
    chunks = []
    with tqdm(total=spec.count, unit="doc", desc="signing", disable=None if progress else True, leave=False) as bar:
        if jobs == 1:
            for t in tasks:
                chunks.append(_make_range(t))
                bar.update(len(chunks[-1]))
        else:
            with multiprocessing.get_context("spawn").Pool(jobs) as pool:
                for chunk in pool.imap(_make_range, tasks):
                    chunks.append(chunk)
                    bar.update(len(chunk))
    return [Document(k, ident, xml) for chunk in chunks for k, ident, xml in chunk]


def write_corpus(out: str | os.PathLike, spec: CorpusSpec, jobs: int | None = None, progress: bool = False) -> dict:
    """Generate a corpus directory; returns its manifest."""
    spec = spec.resolved()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    docs = make_documents(spec, jobs, progress=progress)
    with open(out / DOCUMENTS, "wb") as fh:
        for d in docs:
            fh.write(d.key.encode() + b"\t" + d.identity.encode() + b"\t" + d.xml + b"\n")
    manifest = {**asdict(spec), "issuers": list(spec.issuers), "taxes": list(spec.taxes), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "seconds": round(time.perf_counter() - started, 2), "documents": DOCUMENTS,
                "keys_distinct": len({d.key for d in docs}) == len(docs)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def read_corpus(directory: str | os.PathLike, part: int = 0, parts: int = 1) -> tuple[dict, list[Document]]:
    """The manifest and this process's share of the documents: lines i with i % parts == part."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text())
    docs = []
    with open(directory / DOCUMENTS, "rb") as fh:
        for i, line in enumerate(fh):
            if i % parts != part:
                continue
            key, ident, xml = line.rstrip(b"\n").split(b"\t", 2)
            docs.append(Document(key.decode(), ident.decode(), xml))
    return manifest, docs


def partition() -> tuple[int, int]:
    """(this process's index, number of load processes), from LOCUST/FAKE_SEFAZ variables (see loadtests/)."""
    parts = int(os.environ.get("FAKE_SEFAZ_LOAD_PARTS", "1") or 1)
    part = int(os.environ.get("FAKE_SEFAZ_LOAD_PART", "0") or 0)
    return part % max(parts, 1), max(parts, 1)


# --- SOAP requests made of corpus documents -----------------------------------------------------------------

def lot_payload(docs: list[bytes], idLote: int, indSinc: int) -> bytes:
    """enviNFe bytes around already serialized <NFe> elements (no re-parse, the signatures stay intact)."""
    inner = b"".join(docs)
    return (b'<enviNFe xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><idLote>%d</idLote>'
            b"<indSinc>%d</indSinc>" % (idLote, indSinc)) + inner + b"</enviNFe>"


def soap_request(payload: bytes, root: str = "enviNFe", version: int = 12) -> tuple[bytes, dict[str, str]]:
    return envelope(payload, root, version=version), headers_for(root, version)


def iter_sync_requests(docs: list[Document], version: int = 12) -> Iterator[bytes]:
    for i, d in enumerate(docs):
        yield envelope(lot_payload([d.xml], i + 1, 1), "enviNFe", version=version)


__all__ = ["CorpusSpec", "Document", "DocumentMaker", "ISSUERS", "make_documents", "write_corpus", "read_corpus",
           "lot_payload", "soap_request", "partition", "wrap_lot"]
