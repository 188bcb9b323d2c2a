"""load_glossary shares a glossary built from the same file texts, and never serves one for changed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glossary.findings import ContentError
from glossary.load import load_glossary

FIXTURES = Path(__file__).parent / "fixtures_engine"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "content")
    return tmp_path / "content"


def test_unchanged_files_give_the_same_glossary(content: Path) -> None:
    assert load_glossary(content) is load_glossary(content)


def test_a_changed_file_is_read_again(content: Path) -> None:
    first = load_glossary(content)
    path = sorted((content / "glossary").glob("*.yaml"))[0]
    term = next(iter(first)).term
    path.write_text(path.read_text(encoding="utf-8").replace(f"term: {term}\n", f"term: {term}X\n", 1),
                    encoding="utf-8")
    second = load_glossary(content)
    assert second is not first
    assert f"{term}X" in second and term not in second


def test_an_unreadable_file_still_fails_every_time(content: Path) -> None:
    path = sorted((content / "glossary").glob("*.yaml"))[0]
    path.write_bytes(b"category: x\n\xff\xfe\n")
    for _ in range(2):
        with pytest.raises(ContentError, match="cannot be read"):
            load_glossary(content)
