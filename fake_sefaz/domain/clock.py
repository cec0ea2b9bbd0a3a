"""The one injected clock. Every deadline reads it, so tests and scenarios move time instead of sleeping."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ControlledClock:
    """A clock that can be moved: an offset over real time, or frozen at an instant.

    Used by the pytest plugin, scenarios and the admin clock API (issue 6) to run deadline rules
    (24 h cancellation, 168 h contingency, ...) in seconds.
    """

    def __init__(self, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if start is not None:
            self.set(start, frozen=frozen)
        elif frozen:
            self._frozen_at = datetime.now(timezone.utc)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(timezone.utc) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
                return self._frozen_at
            self._offset += delta
            return datetime.now(timezone.utc) + self._offset

    def set(self, instant: datetime, frozen: bool | None = None) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        with self._lock:
            keep_frozen = self._frozen_at is not None if frozen is None else frozen
            if keep_frozen:
                self._frozen_at = instant.astimezone(timezone.utc)
            else:
                self._frozen_at = None
                self._offset = instant - datetime.now(timezone.utc)

    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = datetime.now(timezone.utc) + self._offset

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(timezone.utc)
                self._frozen_at = None
