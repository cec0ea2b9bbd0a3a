"""Shared pieces of the Locust profiles: the SOAP calls, the answer checks, the corpus share of this process,
and message builders for events and inutilização written against the wire contract
(reference/sefaz-contract.md: envEvento 1.00 with 110111 / 110110, inutNFe 4.00).

Every profile runs against 127.0.0.1:8080 unless --host says otherwise. Keys never collide between Locust
processes: process k of P sends only the corpus lines i with i % P == k, and the documents it builds itself use a
series range of its own (k*100+1 .. k*100+99, a random one per run).
"""

from __future__ import annotations

import os
import random
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from locust import FastHttpUser, events
from locust.exception import StopUser
from lxml import etree

from fake_sefaz.emitter.client import OPERATIONS, envelope, headers_for
from fake_sefaz.emitter.corpus import Document, lot_payload, read_corpus

NFE_NS = "http://www.portalfiscal.inf.br/nfe"
N = "{%s}" % NFE_NS
DEFAULT_HOST = "http://127.0.0.1:8080"
CSTAT = re.compile(rb"<cStat>(\d{3})</cStat>")
NPROT = re.compile(rb"<nProt>(\d{15})</nProt>")
NREC = re.compile(rb"<nRec>(\d{15})</nRec>")
X_COND_USO = ("A Carta de Correcao e disciplinada pelo paragrafo 1o-A do art. 7o do Convenio S/N, de 15 de dezembro "
              "de 1970 e pode ser utilizada para regularizacao de erro ocorrido na emissao de documento fiscal, desde "
              "que o erro nao esteja relacionado com: I - as variaveis que determinam o valor do imposto tais como: "
              "base de calculo, aliquota, diferenca de preco, quantidade, valor da operacao ou da prestacao; II - a "
              "correcao de dados cadastrais que implique mudanca do remetente ou do destinatario; III - a data de "
              "emissao ou de saida.")


def partition(environment) -> tuple[int, int]:
    """(index of this Locust process, number of processes). Env FAKE_SEFAZ_LOAD_PART/PARTS override (for
    distributed runs started by hand: give every worker its own PART)."""
    if "FAKE_SEFAZ_LOAD_PARTS" in os.environ:
        parts = max(1, int(os.environ["FAKE_SEFAZ_LOAD_PARTS"]))
        return int(os.environ.get("FAKE_SEFAZ_LOAD_PART", "0")) % parts, parts
    runner = environment.runner
    processes = getattr(environment.parsed_options, "processes", None) or 0
    if processes and processes < 0:
        processes = os.cpu_count() or 1
    parts = max(1, processes)
    return getattr(runner, "worker_index", 0) % parts, parts


class Corpus:
    """This process's share of a pre-signed corpus, handed out once each (thread- and greenlet-safe)."""

    def __init__(self, directory: str, part: int, parts: int) -> None:
        self.manifest, self.docs = read_corpus(directory, part, parts)
        self._next = 0
        self._lock = threading.Lock()
        if not self.docs:
            raise RuntimeError(f"corpus {directory} has no documents for process {part} of {parts}")

    def take(self, n: int = 1) -> list[Document]:
        with self._lock:
            out = self.docs[self._next:self._next + n]
            self._next += len(out)
        return out

    @property
    def left(self) -> int:
        return len(self.docs) - self._next


_shared: dict[str, object] = {}
_shared_lock = threading.Lock()


def corpus_for(environment, env_var: str = "FAKE_SEFAZ_CORPUS") -> Corpus:
    """The corpus named by $FAKE_SEFAZ_CORPUS (made by `fake-sefaz corpus`), loaded once per process."""
    directory = os.environ.get(env_var)
    if not directory:
        raise RuntimeError(f"set {env_var} to a directory made by `fake-sefaz corpus --count N --out DIR`")
    with _shared_lock:
        if env_var not in _shared:
            part, parts = partition(environment)
            _shared[env_var] = Corpus(directory, part, parts)
        return _shared[env_var]  # type: ignore[return-value]


class Numbering:
    """Numbers this process issues itself (documents signed per request, inutilização ranges): a series of its
    own (k*100+1 .. k*100+99 for process k, random per run) and consecutive nNF from a random start."""

    def __init__(self, environment) -> None:
        part, _ = partition(environment)
        self.serie = (part % 9) * 100 + random.randint(1, 99)
        self._next = random.randint(1, 900_000_000)
        self._lock = threading.Lock()

    def take(self, n: int = 1) -> int:
        """The first of n consecutive fresh numbers."""
        with self._lock:
            first = self._next
            self._next += n
        return first


def numbering_for(environment) -> Numbering:
    with _shared_lock:
        if "numbering" not in _shared:
            _shared["numbering"] = Numbering(environment)
        return _shared["numbering"]  # type: ignore[return-value]


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--soap-version", type=int, choices=(11, 12), default=12, include_in_web_ui=False,
                        help="fake-sefaz: SOAP 1.1 or 1.2 envelopes")


class SefazUser(FastHttpUser):
    """A SEFAZ client: posts SOAP envelopes and checks the cStat of each answer."""

    abstract = True
    host = DEFAULT_HOST

    def soap(self, root: str, payload: bytes, *, name: str | None = None, expect: tuple[str, ...] = ()) -> bytes | None:
        version = getattr(self.environment.parsed_options, "soap_version", 12) or 12
        body = envelope(payload, root, version=version)
        with self.client.post("/" + OPERATIONS[root][0], data=body, headers=headers_for(root, version),
                              name=name or root, catch_response=True) as resp:
            content = resp.content or b""
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return None
            codes = [c.decode() for c in CSTAT.findall(content)]
            if expect and not any(c in expect for c in codes):
                hint = " - duplicate: this corpus was already sent to this database; make a fresh one with " \
                       "`fake-sefaz corpus`" if "204" in codes or "539" in codes else ""
                resp.failure(f"cStat {codes[:4]} (expected one of {expect}){hint}")
                return None
            resp.success()
            return content


class CorpusSyncUser(SefazUser):
    """Authorizes the corpus's documents one synchronous lot at a time; stops when its share runs out."""

    abstract = True
    label = "enviNFe sync"

    def on_start(self) -> None:
        self.corpus = corpus_for(self.environment)

    def authorize_next(self) -> None:
        docs = self.corpus.take()
        if not docs:
            raise StopUser()
        self.soap("enviNFe", sync_lot(docs[0], 1), name=self.label, expect=("100",))


# --- message builders (wire contract) --------------------------------------------------------------------------------

def sync_lot(doc: Document, idLote: int) -> bytes:
    return lot_payload([doc.xml], idLote, 1)


def _el(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, N + tag, attrs) if parent is not None else etree.Element(N + tag, attrs,
                                                                                              nsmap={None: NFE_NS})
    if text is not None:
        el.text = str(text)
    return el


def dh_now(offset_hours: int = -3) -> str:
    from datetime import timedelta

    tz = timezone(timedelta(hours=offset_hours))
    return datetime.now(tz).replace(microsecond=0).isoformat()


def evento(signer, chNFe: str, cnpj: str, tpEvento: str, seq: int, tpAmb: int, det: dict[str, str],
           idLote: int) -> bytes:
    """envEvento 1.00 with one signed evento (110111 cancelamento, 110110 carta de correção)."""
    env = _el(None, "envEvento", versao="1.00")
    _el(env, "idLote", idLote)
    ev = _el(env, "evento", versao="1.00")
    inf = _el(ev, "infEvento", Id=f"ID{tpEvento}{chNFe}{seq:02d}")
    _el(inf, "cOrgao", chNFe[:2])
    _el(inf, "tpAmb", tpAmb)
    _el(inf, "CNPJ", cnpj)
    _el(inf, "chNFe", chNFe)
    _el(inf, "dhEvento", dh_now())
    _el(inf, "tpEvento", tpEvento)
    _el(inf, "nSeqEvento", seq)
    _el(inf, "verEvento", "1.00")
    detail = _el(inf, "detEvento", versao="1.00")
    for k, v in det.items():
        _el(detail, k, v)
    signer.sign(ev)
    return etree.tostring(env, encoding="utf-8")


def cancel(signer, chNFe: str, cnpj: str, nProt: str, tpAmb: int, idLote: int) -> bytes:
    return evento(signer, chNFe, cnpj, "110111", 1, tpAmb,
                  {"descEvento": "Cancelamento", "nProt": nProt, "xJust": "Cancelamento de teste de carga"}, idLote)


def cce(signer, chNFe: str, cnpj: str, seq: int, tpAmb: int, idLote: int) -> bytes:
    return evento(signer, chNFe, cnpj, "110110", seq, tpAmb,
                  {"descEvento": "Carta de Correcao", "xCorrecao": f"Correcao de teste de carga numero {seq}",
                   "xCondUso": X_COND_USO}, idLote)


def inutilizacao(signer, cUF: int, cnpj: str, mod: int, serie: int, first: int, last: int, tpAmb: int) -> bytes:
    """inutNFe 4.00 for serie/nNFIni..nNFFin of this year."""
    ano = datetime.now(timezone.utc).strftime("%y")
    root = _el(None, "inutNFe", versao="4.00")
    inf = _el(root, "infInut", Id=f"ID{cUF:02d}{ano}{cnpj}{mod:02d}{serie:03d}{first:09d}{last:09d}")
    for tag, value in (("tpAmb", tpAmb), ("xServ", "INUTILIZAR"), ("cUF", f"{cUF:02d}"), ("ano", ano),
                       ("CNPJ", cnpj), ("mod", mod), ("serie", serie), ("nNFIni", first), ("nNFFin", last),
                       ("xJust", "Inutilizacao de teste de carga")):
        _el(inf, tag, value)
    signer.sign(root)
    return etree.tostring(root, encoding="utf-8")


def cons_sit(chNFe: str, tpAmb: int) -> bytes:
    return (f'<consSitNFe xmlns="{NFE_NS}" versao="4.00"><tpAmb>{tpAmb}</tpAmb><xServ>CONSULTAR</xServ>'
            f"<chNFe>{chNFe}</chNFe></consSitNFe>").encode()


def cons_reci(nRec: str, tpAmb: int) -> bytes:
    return f'<consReciNFe xmlns="{NFE_NS}" versao="4.00"><tpAmb>{tpAmb}</tpAmb><nRec>{nRec}</nRec></consReciNFe>'.encode()


def cons_stat(cUF: int, tpAmb: int) -> bytes:
    return (f'<consStatServ xmlns="{NFE_NS}" versao="4.00"><tpAmb>{tpAmb}</tpAmb><cUF>{cUF}</cUF>'
            f"<xServ>STATUS</xServ></consStatServ>").encode()


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def corpus_dir_hint() -> str:
    return str(Path(os.environ.get("FAKE_SEFAZ_CORPUS", ".fake-sefaz/corpus")))
