"""The sign-and-validate path with the client signing per request: each request builds a fresh NF-e, signs it
with the issuer's e-CNPJ (xmlsec, key loaded once per user) and sends it synchronously. The load generator's own
cost is part of the loop here (~1-2 ms a document), as it is for a real emitter.

    fake-sefaz certs --certs-dir .fake-sefaz/certs          # the server must trust the same test PKI
    locust -f loadtests/sign_and_validate.py --headless -u 8 -r 8 -t 60s

FAKE_SEFAZ_CERTS_DIR (default .fake-sefaz/certs), FAKE_SEFAZ_ITEMS (default 3), FAKE_SEFAZ_MODEL (55 or 65).
"""

import itertools
import os

from locust import constant, task

from fake_sefaz.emitter.corpus import ISSUERS, DocumentMaker
from fake_sefaz.emitter.pki import ensure_test_pki
from sefazload import SefazUser, env_int, numbering_for, sync_lot


class SignPerRequestUser(SefazUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        pki = ensure_test_pki(os.environ.get("FAKE_SEFAZ_CERTS_DIR", ".fake-sefaz/certs"))
        self.maker = DocumentMaker(pki, issuers=ISSUERS)
        # Each process numbers its own documents: its own series, consecutive nNF shared by its users.
        self.numbering = numbering_for(self.environment)
        self.items = env_int("FAKE_SEFAZ_ITEMS", 3)
        self.model = env_int("FAKE_SEFAZ_MODEL", 55)
        self.index = itertools.count()

    @task
    def sign_and_send(self) -> None:
        doc = self.maker.make(next(self.index), serie=self.numbering.serie, nNF=self.numbering.take(), model=self.model,
                              items=self.items)
        self.soap("enviNFe", sync_lot(doc, 1), name="enviNFe signed per request", expect=("100",))
