"""Progress bars (issue 13): drawn on a terminal, silent in logs and pipes (no carriage-return floods in CI).
Conformance has no bar of its own any more: its scenarios are pytest items and pytest reports their progress."""

from __future__ import annotations

import io
import sys

from fake_sefaz.emitter.corpus import CorpusSpec, make_documents


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_corpus_progress_is_silent_off_a_terminal(pki, monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    docs = make_documents(CorpusSpec(3, certs_dir=str(pki.directory)).resolved(), jobs=1, progress=True)
    assert len(docs) == 3 and log.getvalue() == ""


def test_corpus_progress_draws_on_a_terminal(pki, monkeypatch):
    tty = Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    make_documents(CorpusSpec(3, certs_dir=str(pki.directory)).resolved(), jobs=1, progress=True)
    assert "signing:" in tty.getvalue() and "| 0/3 [" in tty.getvalue()  # leave=False clears it at the end
