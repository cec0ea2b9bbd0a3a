"""NF-e synchronous authorization at a steady rate (indSinc=1, one pre-signed NF-e per lot, answer 104/100).

    fake-sefaz corpus --count 20000 --out .fake-sefaz/corpus
    FAKE_SEFAZ_CORPUS=.fake-sefaz/corpus locust -f loadtests/nfe_sync.py --headless -u 20 -r 20 -t 60s

Rate: each user sends FAKE_SEFAZ_RATE_PER_USER requests/s (default 10), so -u 20 asks for 200/s. The corpus must
hold rate x seconds documents; a user whose share runs out stops (the run then ends by -t).
"""

from locust import constant_throughput, task

from sefazload import CorpusSyncUser, env_float


class NFeSyncUser(CorpusSyncUser):
    wait_time = constant_throughput(env_float("FAKE_SEFAZ_RATE_PER_USER", 10))

    label = "enviNFe sync"

    @task
    def authorize(self) -> None:
        self.authorize_next()
