"""Coverage against public lists (issue 11): every person-facing term on the lists we used has an entry.

Each `tests/glossary/public_lists/*.yaml` names the public lists it went through (`lists`: name and url),
the terms from them a person meets (`terms`: each must be a glossary term or alias, any case), and the
terms deliberately left out (`left_out`: term and why). The format is in the content brief; a term that
does not resolve fails with its file and line, so whoever adds it knows where it came from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.load import load_glossary
from glossary.model import Glossary
from glossary.yaml_source import LinedDict, LinedList, line_of, read_yaml

PUBLIC_LISTS = Path(__file__).parent / "public_lists"
REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"
_KEYS = {"lists", "terms", "left_out"}


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def glossary_names(glossary: Glossary) -> dict[str, str]:
    """Every term and alias (case-folded, spaces tidied) -> the term of its entry."""
    names: dict[str, str] = {}
    for entry in glossary:
        for name in (entry.term, *entry.aliases):
            names.setdefault(_name_key(name), entry.term)
    return names


def _words(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def coverage_problems(path: Path, names: dict[str, str]) -> list[str]:
    """`file:line: problem` for every unresolved term and every malformed part of one public-list file."""
    source = read_yaml(path)
    if source.findings:
        return [finding.format() for finding in source.findings]
    data = source.data
    if not isinstance(data, LinedDict):
        return [f"{path}:1: the file should be a mapping with lists:, terms: and left_out:"]
    problems = [f"{path}:{line_of(data, key)}: unknown key {key!r}; use lists, terms and left_out"
                for key in data if key not in _KEYS]
    lists = data.get("lists")
    if not isinstance(lists, LinedList) or not lists:
        problems.append(f"{path}:{line_of(data, 'lists')}: `lists` should name each public list used (name, url)")
    else:
        for number, item in enumerate(lists):
            name = _words(item.get("name")) if isinstance(item, dict) else None
            url = _words(item.get("url")) if isinstance(item, dict) else None
            if name is None or url is None or not url.startswith("https://"):
                problems.append(f"{path}:{line_of(lists, number)}: each list needs a `name` and an https `url`")
    terms = data.get("terms")
    if not isinstance(terms, LinedList) or not terms:
        problems.append(f"{path}:{line_of(data, 'terms')}: `terms` should list the terms taken from the lists")
        terms = LinedList(1)
    left_out = data.get("left_out") or LinedList(1)
    left_terms: dict[str, int] = {}
    if not isinstance(left_out, LinedList):
        problems.append(f"{path}:{line_of(data, 'left_out')}: `left_out` should be a list of term and why")
    else:
        for number, item in enumerate(left_out):
            term = _words(item.get("term")) if isinstance(item, dict) else None
            if term is None or _words(item.get("why")) is None:
                problems.append(f"{path}:{line_of(left_out, number)}: each left-out term needs `term` and `why`")
            else:
                left_terms[_name_key(term)] = line_of(left_out, number)
    for number, term in enumerate(terms):
        line = line_of(terms, number)
        written = _words(term)
        if written is None:
            problems.append(f"{path}:{line}: {term!r} is not a term; write it as words (quote numbers and yes/no)")
        elif _name_key(written) in left_terms:
            problems.append(f"{path}:{line}: {written!r} is both a term and left out "
                            f"(line {left_terms[_name_key(written)]}); keep one")
        elif _name_key(written) not in names:
            problems.append(f"{path}:{line}: {written!r} is not a glossary term or alias; add the entry "
                            "(or the alias to the entry it belongs to), or move it to left_out with why")
    return problems


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    return glossary_names(load_glossary(REAL_CONTENT))


def test_there_are_public_list_files() -> None:
    assert sorted(PUBLIC_LISTS.glob("*.yaml")), f"no public-list files in {PUBLIC_LISTS}"


@pytest.mark.parametrize("path", sorted(PUBLIC_LISTS.glob("*.yaml")), ids=lambda path: path.name)
def test_every_listed_term_resolves_to_an_entry(path: Path, names: dict[str, str]) -> None:
    problems = coverage_problems(path, names)
    assert not problems, "\n".join(problems)


# -- the test's own reading, on a file made here ------------------------------------------------------


def test_unresolved_and_malformed_terms_are_named_with_file_and_line(tmp_path: Path, names: dict[str, str]) -> None:
    path = tmp_path / "trial.yaml"
    path.write_text(
        "lists:\n"
        "  - name: Ministry of Justice acronyms\n"
        "    url: http://example.org\n"
        "terms:\n"
        "  - hdc\n"               # any case: the entry HDC
        "  - zebra crossing\n"
        "  - NOT-A-TERM\n"
        "  - CSR\n"
        "left_out:\n"
        "  - term: CSR\n"
        "    why: staff rostering\n"
        "  - term: NDelius\n",
        encoding="utf-8",
    )
    assert coverage_problems(path, names) == [
        f"{path}:2: each list needs a `name` and an https `url`",
        f"{path}:12: each left-out term needs `term` and `why`",
        f"{path}:6: 'zebra crossing' is not a glossary term or alias; add the entry (or the alias to the entry "
        "it belongs to), or move it to left_out with why",
        f"{path}:7: 'NOT-A-TERM' is not a glossary term or alias; add the entry (or the alias to the entry "
        "it belongs to), or move it to left_out with why",
        f"{path}:8: 'CSR' is both a term and left out (line 10); keep one",
    ]


def test_terms_resolve_by_term_or_alias_in_any_case(names: dict[str, str]) -> None:
    assert names["hdc"] == "HDC"
    assert names["psr"] == "pre-sentence report"  # an alias
    assert names["oasys"] == "OASys"
