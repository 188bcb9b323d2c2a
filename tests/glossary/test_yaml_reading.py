"""The YAML reader's fast path (the C parser) reads every file exactly as the pure-Python parser does.

libyaml follows YAML 1.1 and refuses a URL inside a one-line list (`sources: [https://...]`), which the
editors' files are full of; the reader quotes such values and tries the C parser again, and keeps the
result only when every quote landed on a list value. These cases pin that it changes nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from glossary import yaml_source
from glossary.yaml_source import parse_yaml_text

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _read_purely(text: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> yaml_source.YamlSource:
    with monkeypatch.context() as patch:
        patch.setattr(yaml_source, "_compose", lambda text: YAML(typ="safe", pure=True).compose(text))
        return parse_yaml_text(text, path)


def _same(text: str, monkeypatch: pytest.MonkeyPatch) -> yaml_source.YamlSource:
    path = Path("trial.yaml")
    yaml_source._compose.cache_clear()
    fast = parse_yaml_text(text, path)
    pure = _read_purely(text, path, monkeypatch)
    assert (fast.data, fast.lines, fast.spans, fast.bool_like) == (pure.data, pure.lines, pure.spans, pure.bool_like)
    assert [finding.format() for finding in fast.findings] == [finding.format() for finding in pure.findings]
    return fast


def test_urls_in_one_line_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _same(
        "entries:\n"
        "  - term: HDC\n"
        "    sources: [https://www.gov.uk/a, https://www.gov.uk/b?x=1:2 , http://x.org/c]\n"
        "    related: [curfew, 'tag', no]\n"
        "    when: [10:30, 2026-12-07T10:00:00]\n",
        monkeypatch,
    )
    entry = source.data["entries"][0]
    assert entry["sources"] == ["https://www.gov.uk/a", "https://www.gov.uk/b?x=1:2", "http://x.org/c"]
    assert source.bool_like == {("entries", 0, "related", 2): "no"}
    assert source.lines[("entries", 0, "sources")] == 3


def test_a_list_written_inside_a_text_is_left_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _same(
        "explanation: >-\n"
        "  See [https://www.gov.uk/a, https://www.gov.uk/b] for more.\n"
        "sources: [https://www.gov.uk/a]\n",
        monkeypatch,
    )
    assert source.data["explanation"] == "See [https://www.gov.uk/a, https://www.gov.uk/b] for more."


def test_a_broken_file_with_urls_gets_the_same_message(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _same("sources: [https://www.gov.uk/a\nterm: HDC\n", monkeypatch)
    assert source.syntax_error


@pytest.mark.parametrize("path", sorted(CONTENT.rglob("*.yaml")), ids=lambda path: str(path.relative_to(CONTENT)))
def test_every_content_file_reads_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(path.read_text(encoding="utf-8"), monkeypatch)
