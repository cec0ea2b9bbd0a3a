"""Progress bars (issue 13): drawn on a terminal, silent in logs and pipes (no carriage-return floods in CI)."""

from __future__ import annotations

import io

from fake_sefaz.tools.conformance.runner import PASSED, FAILED, Progress, Result


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _results():
    return [Result("a", PASSED, 0.1, set(), ""), Result("b", FAILED, 0.1, set(), "x"), Result("c", PASSED, 0.1, set(), "")]


def test_progress_is_silent_off_a_terminal():
    log = io.StringIO()
    bar = Progress(3, stream=log)
    for r in _results():
        bar.update(r)
    assert log.getvalue() == "" and bar.failed == 1


def test_progress_draws_on_a_terminal():
    tty = Terminal()
    bar = Progress(3, stream=tty)
    for r in _results():
        bar.update(r)
    assert "3/3" in tty.getvalue() and "failed 1" in tty.getvalue()
