"""A mixed day at an authorizer, in rough real proportions per 100 requests: 50 authorizations (synchronous,
pre-signed), 20 protocol queries, 10 status checks, 8 CC-e (110110), 4 cancellations (110111), 2 inutilizações,
plus the rest spread by Locust's weighting. Events and inutilização are signed per request (they carry the
nProt / numbers the server just answered), with the issuer's own e-CNPJ.

    fake-sefaz corpus --count 20000 --out .fake-sefaz/corpus
    FAKE_SEFAZ_CORPUS=.fake-sefaz/corpus locust -f loadtests/mixed_day.py --headless -u 16 -r 16 -t 60s

Events (NFeRecepcaoEvento4: envEvento 1.00, answer 128 with retEvento 135) and inutilização (NFeInutilizacao4:
inutNFe 4.00, answer 102) are built to the wire contract (reference/sefaz-contract.md); they are answered once the
events/inutilização services are merged into the server. Until then those two task names fail (SOAP fault 400)
and the rest of the mix runs as usual.
"""

import random
import threading

from locust import between, task

from fake_sefaz.emitter.pki import ensure_test_pki
from fake_sefaz.emitter.signer import Signer
from sefazload import (NPROT, SefazUser, cancel, cce, cons_sit, cons_stat, corpus_for, inutilizacao, numbering_for,
                       sync_lot)


class Ledger:
    """What this process has authorized (key -> issuer, nProt, CC-e sequence), shared by its users."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[str, dict] = {}  # authorized, not cancelled

    def add(self, key: str, identity: str, nProt: str) -> None:
        with self.lock:
            self.open[key] = {"identity": identity, "nProt": nProt, "cce": 0}

    def pick(self, remove: bool = False):
        with self.lock:
            if not self.open:
                return None, None
            key = random.choice(list(self.open)) if len(self.open) < 5000 else next(iter(self.open))
            entry = self.open.pop(key) if remove else self.open[key]
            return key, entry


_ledger = Ledger()


class MixedDayUser(SefazUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.corpus = corpus_for(self.environment)
        manifest = self.corpus.manifest
        self.tpAmb = int(manifest.get("tpAmb", 2))
        self.pki = ensure_test_pki(manifest["certs_dir"])
        self.signers = {name: Signer(self.pki.identity(name)) for name in manifest["issuers"]}
        self.numbering = numbering_for(self.environment)
        self.cUF = 35 if manifest.get("uf", "SP") == "SP" else int(self.corpus.docs[0].key[:2])

    @task(50)
    def authorize(self) -> None:
        docs = self.corpus.take()
        if not docs:
            return self.status()
        answer = self.soap("enviNFe", sync_lot(docs[0], 1), name="enviNFe sync", expect=("100",))
        if answer is not None:
            _ledger.add(docs[0].key, docs[0].identity, NPROT.search(answer).group(1).decode())

    @task(20)
    def query(self) -> None:
        key, _ = _ledger.pick()
        if key is None:
            return self.status()
        self.soap("consSitNFe", cons_sit(key, self.tpAmb), name="consSitNFe", expect=("100", "101"))

    @task(10)
    def status(self) -> None:
        self.soap("consStatServ", cons_stat(self.cUF, self.tpAmb), name="consStatServ", expect=("107",))

    @task(8)
    def carta_de_correcao(self) -> None:
        key, entry = _ledger.pick()
        if key is None or entry["cce"] >= 20:
            return
        with _ledger.lock:
            entry["cce"] += 1
            seq = entry["cce"]
        ident = self.pki.identity(entry["identity"])
        self.soap("envEvento", cce(self.signers[entry["identity"]], key, ident.cnpj, seq, self.tpAmb, 1),
                  name="envEvento 110110 CC-e", expect=("135",))

    @task(4)
    def cancelamento(self) -> None:
        key, entry = _ledger.pick(remove=True)
        if key is None:
            return
        ident = self.pki.identity(entry["identity"])
        self.soap("envEvento", cancel(self.signers[entry["identity"]], key, ident.cnpj, entry["nProt"], self.tpAmb, 1),
                  name="envEvento 110111 cancelamento", expect=("135",))

    @task(2)
    def inutilizar(self) -> None:
        first = self.numbering.take(3)
        name = next(iter(self.signers))
        ident = self.pki.identity(name)
        self.soap("inutNFe", inutilizacao(self.signers[name], self.cUF, ident.cnpj, 55, self.numbering.serie, first,
                                          first + 2, self.tpAmb), name="inutNFe", expect=("102",))
