"""NFC-e retail burst: many small notes (model 65, 1 item), synchronous, no think time, in bursts.

    fake-sefaz corpus --model 65 --items 1 --count 30000 --out .fake-sefaz/corpus-nfce
    FAKE_SEFAZ_CORPUS=.fake-sefaz/corpus-nfce locust -f loadtests/nfce_burst.py --headless -t 60s

The shape alternates FAKE_SEFAZ_BURST_USERS users (default 32) for FAKE_SEFAZ_BURST_S seconds (default 10) with
FAKE_SEFAZ_CALM_USERS (default 2) for FAKE_SEFAZ_CALM_S (default 10): checkout rush, then quiet, until -t.
"""

from locust import LoadTestShape, constant, task

from sefazload import CorpusSyncUser, env_int


class NFCeBurstUser(CorpusSyncUser):
    wait_time = constant(0)

    label = "enviNFe NFC-e sync"

    @task
    def authorize(self) -> None:
        self.authorize_next()


class Bursts(LoadTestShape):
    burst_users = env_int("FAKE_SEFAZ_BURST_USERS", 32)
    calm_users = env_int("FAKE_SEFAZ_CALM_USERS", 2)
    burst_s = env_int("FAKE_SEFAZ_BURST_S", 10)
    calm_s = env_int("FAKE_SEFAZ_CALM_S", 10)

    def tick(self):
        run_time = self.get_run_time()
        limit = getattr(self.runner.environment.parsed_options, "run_time", None)
        if limit and run_time >= limit:
            return None
        in_burst = (run_time % (self.burst_s + self.calm_s)) < self.burst_s
        users = self.burst_users if in_burst else self.calm_users
        return users, users  # spawn at once: a burst
