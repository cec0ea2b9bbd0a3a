"""Asynchronous lots of 50 NF-e (indSinc=0 -> 103 and nRec) with receipt polling (consReciNFe -> 105 until 104,
then every protNFe must be 100).

    fake-sefaz corpus --count 20000 --out .fake-sefaz/corpus
    FAKE_SEFAZ_CORPUS=.fake-sefaz/corpus locust -f loadtests/async_lots.py --headless -u 4 -r 4 -t 60s

FAKE_SEFAZ_LOT_SIZE (default 50, the MOC maximum), FAKE_SEFAZ_POLL_S (seconds between polls, default 0.5).
"""

import time

from locust import between, task
from locust.exception import StopUser

from sefazload import CSTAT, NREC, SefazUser, cons_reci, corpus_for, env_float, env_int
from fake_sefaz.emitter.corpus import lot_payload


class AsyncLotUser(SefazUser):
    wait_time = between(0.5, 1.5)
    lot_size = env_int("FAKE_SEFAZ_LOT_SIZE", 50)
    poll_s = env_float("FAKE_SEFAZ_POLL_S", 0.5)

    def on_start(self) -> None:
        self.corpus = corpus_for(self.environment)
        self.tpAmb = int(self.corpus.manifest.get("tpAmb", 2))

    @task
    def lot_and_receipt(self) -> None:
        docs = self.corpus.take(self.lot_size)
        if len(docs) < self.lot_size:
            raise StopUser()
        answer = self.soap("enviNFe", lot_payload([d.xml for d in docs], 1, 0), name="enviNFe async lot of 50",
                           expect=("103",))
        if answer is None:
            return
        nRec = NREC.search(answer).group(1).decode()
        started = time.monotonic()
        while time.monotonic() - started < 60:
            time.sleep(self.poll_s)
            receipt = self.soap("consReciNFe", cons_reci(nRec, self.tpAmb), name="consReciNFe",
                                expect=("104", "105"))
            if receipt is None:
                return
            codes = [c.decode() for c in CSTAT.findall(receipt)]
            if codes and codes[0] == "104":
                ok = codes[1:].count("100") == len(docs)
                # A synthetic entry (no HTTP): time from sending the lot to reading 104, failed unless every
                # protNFe of the lot is 100.
                self.environment.events.request.fire(
                    request_type="LOT", name="lot of 50: submit to 104, all 100",
                    response_time=(time.monotonic() - started) * 1000, response_length=0,
                    exception=None if ok else AssertionError(f"protNFe cStats {sorted(set(codes[1:]))}"), context={})
                return
