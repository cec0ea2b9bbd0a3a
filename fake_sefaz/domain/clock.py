"""The one injected clock. Every deadline reads it, so tests and scenarios move time instead of sleeping.

One arithmetic for a movable clock (`MovableClock`: an offset over real time, or frozen at an instant), kept
in two places: in memory (`ControlledClock`, the clock of tests and the pytest plugin) or in the store
(`store.clock.StoreClock`, so `POST /admin/faults/clock/...` moves every worker process at once). Both offer
the same advance / set / freeze / unfreeze / reset / state API to the admin endpoints.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class MovableClock:
    """A clock that can be moved. Subclasses keep its state: (offset in seconds, frozen POSIX time or None)."""

    def _load(self) -> tuple[float, float | None]:
        raise NotImplementedError

    def _save(self, offset: float, frozen: float | None) -> None:
        raise NotImplementedError

    def _load_fresh(self) -> tuple[float, float | None]:
        """The state before a change: where it is cached, read it anew."""
        return self._load()

    def now(self) -> datetime:
        offset, frozen = self._load()
        if frozen is not None:
            return datetime.fromtimestamp(frozen, timezone.utc)
        return datetime.fromtimestamp(time.time() + offset, timezone.utc)

    @property
    def frozen(self) -> bool:
        return self._load()[1] is not None

    def advance(self, delta: timedelta) -> datetime:
        offset, frozen = self._load_fresh()
        if frozen is not None:
            self._save(offset, frozen + delta.total_seconds())
        else:
            self._save(offset + delta.total_seconds(), None)
        return self.now()

    def set(self, instant: datetime, frozen: bool | None = None) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        _, was_frozen = self._load_fresh()
        keep_frozen = was_frozen is not None if frozen is None else frozen
        if keep_frozen:
            self._save(0.0, instant.timestamp())
        else:
            self._save(instant.timestamp() - time.time(), None)

    def freeze(self) -> None:
        offset, frozen = self._load_fresh()
        if frozen is None:
            self._save(offset, time.time() + offset)

    def unfreeze(self) -> None:
        offset, frozen = self._load_fresh()
        if frozen is not None:
            self._save(frozen - time.time(), None)

    def reset(self) -> None:
        self._save(0.0, None)


class ControlledClock(MovableClock):
    """A movable clock held in memory: the pytest plugin's, the tests' and the scenarios' in-process clock."""

    def __init__(self, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._state: tuple[float, float | None] = (0.0, None)
        if start is not None:
            self.set(start, frozen=frozen)
        elif frozen:
            self.freeze()

    def _load(self) -> tuple[float, float | None]:
        with self._lock:
            return self._state

    def _save(self, offset: float, frozen: float | None) -> None:
        with self._lock:
            self._state = (offset, frozen)


def clock_state(clock: Clock) -> dict:
    """What the admin API shows of any clock."""
    now = clock.now()
    return {"now": now.isoformat(), "frozen": bool(getattr(clock, "frozen", False)),
            "offset_s": round((now - datetime.now(timezone.utc)).total_seconds(), 3),
            "controllable": isinstance(clock, MovableClock)}
