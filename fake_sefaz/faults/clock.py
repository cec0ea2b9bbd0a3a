"""The server-mode controllable clock: its offset / frozen instant live in the store (fault_kv 'clock'), so
`POST /admin/faults/clock/...` moves the time of every worker process at once.

Each worker re-reads the value when it is older than `ttl` seconds (setting clock_cache_s; 0 by default: one
indexed read per request, measured at ~25 us on SQLite against ~2 us cached), and at once after a change it made
itself. With ttl > 0 another worker may answer with the old time for up to ttl seconds after a change.
The in-process ControlledClock (fake_sefaz.domain.clock) stays the clock of tests and the pytest plugin;
both offer the same advance / set / freeze / unfreeze / state API to the admin endpoints.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from fake_sefaz.store import faults as fstore

if TYPE_CHECKING:
    from fake_sefaz.store import Store


class StoreClock:
    def __init__(self, store: "Store", ttl: float = 0.0) -> None:
        self.store = store
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, float, float | None] | None = None  # (read at, offset s, frozen ts)

    def _state(self) -> tuple[float, float | None]:
        with self._lock:
            mono = time.monotonic()
            if self._cached is None or mono - self._cached[0] >= self.ttl:
                value = self.store.read(lambda tx: fstore.kv_get(tx, "clock", None)) or {}
                self._cached = (mono, float(value.get("offset", 0.0)), value.get("frozen_at"))
            return self._cached[1], self._cached[2]

    def now(self) -> datetime:
        offset, frozen = self._state()
        if frozen is not None:
            return datetime.fromtimestamp(frozen, timezone.utc)
        return datetime.now(timezone.utc) + timedelta(seconds=offset)

    def _write(self, offset: float, frozen: float | None) -> None:
        def unit(tx):
            fstore.kv_put(tx, "clock", {"offset": offset, "frozen_at": frozen})
            fstore.bump(tx)
        self.store.run(unit)
        with self._lock:
            self._cached = None

    def _read_fresh(self) -> tuple[float, float | None]:
        with self._lock:
            self._cached = None
        return self._state()

    def advance(self, delta: timedelta) -> datetime:
        offset, frozen = self._read_fresh()
        if frozen is not None:
            self._write(offset, frozen + delta.total_seconds())
        else:
            self._write(offset + delta.total_seconds(), None)
        return self.now()

    def set(self, instant: datetime, frozen: bool | None = None) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        _, was_frozen = self._read_fresh()
        keep_frozen = was_frozen is not None if frozen is None else frozen
        if keep_frozen:
            self._write(0.0, instant.timestamp())
        else:
            self._write(instant.timestamp() - time.time(), None)

    def freeze(self) -> None:
        offset, frozen = self._read_fresh()
        if frozen is None:
            self._write(offset, time.time() + offset)

    def unfreeze(self) -> None:
        offset, frozen = self._read_fresh()
        if frozen is not None:
            self._write(frozen - time.time(), None)

    def reset(self) -> None:
        self._write(0.0, None)

    @property
    def frozen(self) -> bool:
        return self._state()[1] is not None


def clock_state(clock) -> dict:
    """What the admin API shows of any clock."""
    now = clock.now()
    frozen = getattr(clock, "frozen", None)
    if frozen is None and hasattr(clock, "_frozen_at"):
        frozen = clock._frozen_at is not None
    return {"now": now.isoformat(), "frozen": bool(frozen),
            "offset_s": round((now - datetime.now(timezone.utc)).total_seconds(), 3),
            "controllable": hasattr(clock, "advance")}
