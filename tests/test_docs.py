"""The README's reference tables are generated from the code: this fails when they drift."""

from pathlib import Path

from fake_sefaz.tools.docs import render

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tables_match_the_code():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README tables are stale: run `python -m fake_sefaz.tools.docs`"


def test_every_answerable_code_is_in_the_readme():
    from fake_sefaz.tools.answers import answerable

    text = README.read_text(encoding="utf-8")
    for code in answerable():
        assert f"\n| {code} | " in text
