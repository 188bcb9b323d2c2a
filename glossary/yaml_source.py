"""Read an editor's YAML file and remember where everything is, so findings can name the exact line.

We compose ruamel.yaml nodes ourselves instead of loading: nodes keep line numbers and scalar styles,
and building the values by hand lets us report a repeated key on both of its lines (a loader would
either stop with jargon or silently keep one of them). Parser errors are turned into a plain hint
about the usual causes (tabs, a missing colon, a quote that is never closed) for non-programmers.

This is Signpost's one reader of editors' YAML (the glossary's checker and loader, the journeys' loaders
and checker), so a file reads the same and its problems are worded the same everywhere. The checker asks
`YamlSource` by key path; code handed only the data asks `line_of(mapping, key)`, which works because the
mappings and lists built here remember their own lines.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.compat import _DEFAULT_YAML_VERSION
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from glossary.findings import Finding

KeyPath = tuple[str | int, ...]

# Words YAML 1.1 tools (PyYAML, many editors' plugins) read as true/false when not in quotes.
BOOL_LIKE_WORDS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false"})

_TAG_PREFIX = "tag:yaml.org,2002:"
_LONGEST_BOOL_LIKE = max(len(word) for word in BOOL_LIKE_WORDS)
_WORDS_TO_MATCH = 4  # enough to tell one sentence from another


class LinedDict(dict[str, Any]):
    """A mapping from an editor's file that knows its own line and the line of each of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}


class LinedList(list[Any]):
    """A list from an editor's file that knows its own line and the line of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


def line_of(node: Any, key: str | int | None = None) -> int:
    """1-based line of a key of a mapping (or an item of a list), or of the node itself; 1 when unknown.

    A key the mapping does not have gives the mapping's own line, so a missing field points at its entry.
    """
    if isinstance(node, LinedDict):
        return node.key_lines.get(key, node.line) if isinstance(key, str) else node.line
    if isinstance(node, LinedList):
        if isinstance(key, int) and 0 <= key < len(node.item_lines):
            return node.item_lines[key]
        return node.line
    return 1


def _bare(word: str) -> str:
    """A word without the quotes and punctuation around it, case-folded."""
    return re.sub(r"^\W+|\W+$", "", word.casefold())


@dataclass
class YamlSource:
    """One YAML file: its plain Python values plus the line of every key and list item."""

    path: Path
    data: Any = None
    source_lines: list[str] = field(default_factory=list)
    # 1-based line of each mapping key (the line an editor sees `explanation:` on) or list item.
    lines: dict[KeyPath, int] = field(default_factory=dict)
    # First and last line a value's text covers: block scalars (`>-`) run over several lines.
    spans: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    # Plain (unquoted) scalars such as `no` that YAML 1.1 reads as true/false, with the text as written.
    bool_like: dict[KeyPath, str] = field(default_factory=dict)
    # Problems found while reading: syntax errors and repeated keys.
    findings: list[Finding] = field(default_factory=list)
    # The text is not YAML at all: the first finding says where and why, in plain words.
    syntax_error: bool = False
    # The file holds no YAML document at all (empty, or only comments).
    empty: bool = False

    @property
    def readable(self) -> bool:
        """False when the file could not be parsed at all, so there is nothing else to check."""
        return self.data is not None or not self.findings

    def line_of(self, keypath: KeyPath) -> int:
        """The line of the deepest part of `keypath` we know, so a missing field points at its parent."""
        for cut in range(len(keypath), 0, -1):
            line = self.lines.get(keypath[:cut])
            if line is not None:
                return line
        return 1

    def line_of_text(self, keypath: KeyPath, needle: str) -> int:
        """The line inside a (possibly multi-line) text value where `needle` starts.

        Compared word by word, so a phrase folded over two lines is still found, and the last word may
        have an ending ("obtain" finds "obtained,"). Falls back to the value's first line.
        """
        span = self.spans.get(keypath)
        if span is None:
            return self.line_of(keypath)
        wanted = [_bare(word) for word in needle.split()[:_WORDS_TO_MATCH]]
        words = [
            (_bare(word), number)
            for number in range(span[0], min(span[1], len(self.source_lines)) + 1)
            for word in self.source_lines[number - 1].split()
        ]
        for start in range(len(words) - len(wanted) + 1):
            window = [word for word, _ in words[start : start + len(wanted)]]
            if window[:-1] == wanted[:-1] and window and window[-1].startswith(wanted[-1]):
                return words[start][1]
        return span[0]


def read_yaml(path: Path, *, shared: bool = False) -> YamlSource:
    """Read and compose one file; problems become findings, never exceptions. `shared`: see
    `shared_yaml_text`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        return YamlSource(
            path=path,
            findings=[
                Finding(
                    path,
                    line,
                    "This line has a character that is not UTF-8 text",
                    "Save the file as UTF-8 in your editor, or retype the odd character (often a curly "
                    "quote or dash)",
                )
            ],
        )
    except OSError as error:
        return YamlSource(
            path=path,
            findings=[
                Finding(
                    path,
                    1,
                    f"The file cannot be opened ({error.strerror or error})",
                    "Check the file exists and you are allowed to read it",
                )
            ],
        )
    return shared_yaml_text(text, path) if shared else parse_yaml_text(text, path)


class _Resolver(VersionedResolver):
    """ruamel's resolver, without its look-up of the YAML version for every scalar.

    The C parser gives the resolver no scanner to ask, so ruamel falls through three failed attribute
    look-ups per node to its default, YAML 1.2: a third of the time spent reading a file. Editors' files
    carry no %YAML directive, so the answer is always that default.
    """

    @property
    def processing_version(self) -> Any:
        return self._loader_version or _DEFAULT_YAML_VERSION

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag of a node, as ruamel gives it; for plain values remembered by text, since keys such
        as `term:` and `explanation:` come back hundreds of times a file."""
        if kind is not ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_PLAIN_TAGS) < _MAX_REMEMBERED:
                _PLAIN_TAGS[value] = tag
        return tag


_PLAIN_TAGS: dict[str, Any] = {}  # plain scalar text -> its tag; the same for every file (YAML 1.2)
_TAG_KINDS: dict[int, str] = {}  # id of a tag -> "str", "int"... ("" for a tag of our own, like !x)
_TAGS_KEPT: list[Any] = []
_MAX_REMEMBERED = 50_000


def _c_yaml() -> YAML:
    reader = YAML(typ="safe")
    reader.Resolver = _Resolver
    return reader


# libyaml (YAML 1.1) refuses a ":" inside an unquoted value in a [list], as in `[https://...]`, which
# YAML 1.2 and the pure-Python parser accept. Such values: an item of a list written on one line.
_FLOW_PLAIN = re.compile(r"[^,\]}\"'\\#]*[^,\]}\"'\\#\s](?=[ \t]*[,\]}])")
_FLOW_URL = re.compile(r"(?<=[\[,])([ \t]*)(https?://[^\s,\]}\"'#]+)(?=[ \t]*[,\]}])")
_MAX_QUOTED = 50


@functools.lru_cache(maxsize=256)
def _compose(text: str) -> Node | None:
    """Compose with the C parser (about ten times faster); a file it refuses is composed again by the
    pure-Python parser, whose error marks and wording the editors' messages are written for.

    Where the C parser's objection is YAML 1.1's stricter rule for a ":" in a value inside [ ] (a URL
    in `sources: [https://...]`), such values are put in double quotes and the C parser tries again.
    Quoting keeps every line, and a URL reads the same quoted or not (never a yes/no word, a number or
    a date); the result is kept only if every quote landed on a value of a list, else the pure parser
    reads the file as written.

    Remembered by text (nodes are never changed once composed), so a file read twice in one run, as
    `signpost content check` reads the glossary for its own check and for the questions', is composed
    once; the values are still built afresh for each reader.
    """
    try:
        return _c_yaml().compose(text)
    except MarkedYAMLError as error:
        if not _flow_colon(error):
            return YAML(typ="safe", pure=True).compose(text)
    except YAMLError:
        return YAML(typ="safe", pure=True).compose(text)
    fixed, quoted = _quote_flow_urls(text)
    for _ in range(_MAX_QUOTED):
        try:
            root = _c_yaml().compose(fixed)
        except MarkedYAMLError as error:
            again = _quote_flow_value(fixed, error, quoted) if _flow_colon(error) else None
            if again is None:
                break
            fixed = again
            continue
        except YAMLError:
            break
        if root is not None and quoted <= _double_quoted_starts(root):
            return root
        break
    return YAML(typ="safe", pure=True).compose(text)


def _flow_colon(error: MarkedYAMLError) -> bool:
    return "plain scalar" in (error.context or "") and "unexpected ':'" in (error.problem or "")


def _quote_flow_urls(text: str) -> tuple[str, set[tuple[int, int]]]:
    """Every URL that is an item of a one-line [list], in double quotes; and where each quote now opens."""
    quoted: set[tuple[int, int]] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if "[" not in line or "://" not in line:
            continue
        shift = 0
        pieces: list[str] = []
        last = 0
        for match in _FLOW_URL.finditer(line):
            opening = match.start(2)
            pieces.append(line[last:opening])
            quoted.add((number, opening + shift))
            pieces.append(f'"{match.group(2)}"')
            shift += 2
            last = match.end(2)
        if pieces:
            lines[number] = "".join(pieces) + line[last:]
    return "\n".join(lines), quoted


def _quote_flow_value(text: str, error: MarkedYAMLError, quoted: set[tuple[int, int]]) -> str | None:
    """`text` with the one plain value the C parser stopped at in double quotes (noting where, in
    `quoted`), or None when it is not a value of a one-line list."""
    start, colon = error.context_mark, error.problem_mark
    if start is None or colon is None or start.line != colon.line:
        return None
    lines = text.split("\n")
    line = lines[start.line]
    value = _FLOW_PLAIN.match(line, start.column)
    if value is None or value.end() <= colon.column or not line[start.column:start.column + 1].strip():
        return None
    for place in [place for place in quoted if place[0] == start.line and place[1] > start.column]:
        quoted.discard(place)
        quoted.add((place[0], place[1] + 2))
    quoted.add((start.line, start.column))
    lines[start.line] = f'{line[:start.column]}"{value.group()}"{line[value.end():]}'
    return "\n".join(lines)


def _double_quoted_starts(root: Node) -> set[tuple[int, int]]:
    """(line, column) where each double-quoted value in the tree starts (0-based, as ruamel marks)."""
    starts: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            if node.style == '"':
                starts.add((node.start_mark.line, node.start_mark.column))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return starts


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file's values are built, then back as it was.

    Reading builds tens of thousands of small objects, none in a cycle; the collector, triggered by the
    count of new objects, would walk every live object again and again (a quarter of the time of
    `signpost content check`). If it was already off, it stays off.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def parse_yaml_text(text: str, path: Path) -> YamlSource:
    """Read `text` as the file at `path`."""
    with collector_paused():
        return _parse_yaml_text(text, path)


@functools.lru_cache(maxsize=64)
def shared_yaml_text(text: str, path: Path) -> YamlSource:
    """`parse_yaml_text`, remembered by path and text, for readers that only read what they are given:
    the glossary's loader and its checker. `signpost content check` runs both on the same files, so
    each glossary file's values and tables are built once, not twice. Changed text is a new key, so
    an edited file is always read afresh. The source and its values must not be changed."""
    return parse_yaml_text(text, path)


def _parse_yaml_text(text: str, path: Path) -> YamlSource:
    source = YamlSource(path=path, source_lines=text.splitlines())
    try:
        root = _compose(text)
    except MarkedYAMLError as error:
        source.syntax_error = True
        source.findings.append(_syntax_finding(error, source))
        return source
    except YAMLError as error:  # unmarked errors are rare; still give the editor a line and a way forward
        source.findings.append(
            Finding(
                path,
                1,
                f"The file cannot be read as YAML ({error})",
                "Compare it with content/glossary/SCHEMA.md and look for a missing colon, quote or space",
            )
        )
        return source
    if root is None:
        source.empty = True
        source.findings.append(
            Finding(
                path,
                1,
                "The file is empty",
                "Fill it in, or delete it if it is not needed",
            )
        )
        return source
    source.data = _build(root, (), source)
    return source


def _build(node: Node, keypath: KeyPath, source: YamlSource) -> Any:
    if isinstance(node, ScalarNode):
        return _build_scalar(node, keypath, source)
    lines = source.lines
    if isinstance(node, SequenceNode):
        items = LinedList(node.start_mark.line + 1)
        item_lines = items.item_lines
        for index, child in enumerate(node.value):
            line = child.start_mark.line + 1
            path = keypath + (index,)
            lines[path] = line
            item_lines.append(line)
            # Most values are scalars: built here, without a second call through _build.
            items.append(_build_scalar(child, path, source) if isinstance(child, ScalarNode)
                         else _build(child, path, source))
        return items
    if isinstance(node, MappingNode):
        mapping = LinedDict(node.start_mark.line + 1)
        key_lines = mapping.key_lines
        spans = source.spans
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "(complex key)"
            key_line = key_node.start_mark.line + 1
            if key in key_lines:
                source.findings.append(_repeated_key(source, keypath, key, key_lines[key], key_line))
                continue  # keep the first, so every line we report stays true
            path = keypath + (key,)
            lines[path] = key_line
            key_lines[key] = key_line
            mapping[key] = (_build_scalar(value_node, path, source) if isinstance(value_node, ScalarNode)
                            else _build(value_node, path, source))
            # A short value on the key's own line: its span starts at the key.
            span = spans.get(path)
            if span is not None and span[0] > key_line:
                spans[path] = (key_line, span[1])
        return mapping
    return None


def _build_scalar(node: ScalarNode, keypath: KeyPath, source: YamlSource) -> Any:
    first = node.start_mark.line + 1
    end_mark = node.end_mark
    last = end_mark.line + (0 if end_mark.column == 0 else 1)
    source.spans[keypath] = (first, last if last > first else first)
    value = str(node.value)
    # A plain scalar has no style: None from the pure parser, "" from the C one.
    if not node.style and len(value) <= _LONGEST_BOOL_LIKE and value.casefold() in BOOL_LIKE_WORDS:
        source.bool_like[keypath] = value
    return _scalar_value(node, value)


def _repeated_key(source: YamlSource, keypath: KeyPath, key: str, first: int, again: int) -> Finding:
    return Finding(
        source.path,
        again,
        f'"{key}" appears twice {_place(keypath)} (lines {first} and {again})',
        "Keep one of them and delete the other",
    )


def _place(keypath: KeyPath) -> str:
    """Where a repeated key is, in an editor's words: "in the same entry", "under cy:"."""
    if not keypath:
        return "at the top of the file"
    last = keypath[-1]
    if isinstance(last, str):
        return f"under {last}:"
    if len(keypath) >= 2 and keypath[-2] == "entries":
        return "in the same entry"
    if len(keypath) >= 2 and keypath[-2] == "meanings":
        return "in the same meaning"
    return "in the same list item"


def _scalar_value(node: ScalarNode, text: str) -> Any:
    tag = node.ctag
    kind = _TAG_KINDS.get(id(tag)) if tag is not None else None
    if kind == "str":  # nearly every value: answered before the other kinds are tried
        return text
    if kind is None:
        written = str(node.tag)
        kind = written[len(_TAG_PREFIX):] if written.startswith(_TAG_PREFIX) else ""
        if tag is not None and len(_TAG_KINDS) < _MAX_REMEMBERED:
            _TAG_KINDS[id(tag)] = kind
            _TAGS_KEPT.append(tag)  # keeps the id valid: a remembered tag is never freed and reused
    if kind == "str" or not kind:
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return text.casefold() == "true"
    if kind == "int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if kind == "float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def _syntax_finding(error: MarkedYAMLError, source: YamlSource) -> Finding:
    """Turn the parser's message into the usual cause, on the line the editor needs to change."""
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    problem_line = error.problem_mark.line + 1 if error.problem_mark is not None else 1
    context_line = error.context_mark.line + 1 if error.context_mark is not None else problem_line

    def text_of(line: int) -> str:
        return source.source_lines[line - 1] if 0 < line <= len(source.source_lines) else ""

    path = source.path
    for line in (problem_line, context_line):
        indent = text_of(line)[: len(text_of(line)) - len(text_of(line).lstrip())]
        if "\t" in indent or (line == problem_line and "'\\t'" in problem):
            return Finding(path, line, "This line is indented with a tab", "Use spaces to indent, never tabs")
    if "quoted scalar" in context:
        return Finding(
            path,
            context_line,
            "A quote mark is opened on this line but never closed",
            "Add the closing quote mark at the end of the text",
        )
    if "flow sequence" in context or "flow mapping" in context:
        return Finding(
            path,
            context_line,
            "A list in square brackets [ ] is not closed properly",
            "Check it ends with ] and that items are split by commas; put quotes around "
            "any item that has a comma or colon in it",
        )
    if "could not find expected ':'" in problem:
        return Finding(
            path,
            context_line,
            "This line has no colon (:) after the field name",
            "Write it as name: value, or join it to the text on the line above",
        )
    if "mapping values are not allowed" in problem:
        line_text = text_of(problem_line)
        if line_text.count(": ") + line_text.rstrip().endswith(":") >= 2:
            return Finding(
                path,
                problem_line,
                "This line has a colon (:) inside text that is not in quotes",
                'Put the text in double quotes, like explanation: "Time: 10am"',
            )
        return Finding(
            path,
            problem_line,
            "This line is indented more or less than the lines around it",
            "Line it up with the other fields of the same entry, using spaces",
        )
    if "cannot start any token" in problem:
        return Finding(
            path,
            problem_line,
            "This text starts with a character YAML does not allow there",
            'Put the whole text in double quotes, like "@home"',
        )
    if context.startswith("while parsing a block mapping") and "<scalar>" in problem:
        line_text = text_of(problem_line)
        if line_text.count("'") >= 3:
            return Finding(
                path,
                problem_line,
                "Text in single quotes has an apostrophe inside it",
                'Put the text in double quotes instead, like "it\'s"',
            )
        if line_text.count('"') >= 3:
            return Finding(
                path,
                problem_line,
                "Text in double quotes has another double quote inside it",
                'Put the text in single quotes instead, or write \\" for the inner quote',
            )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return Finding(
            path,
            problem_line,
            "This line is indented more or less than the lines around it",
            "Line it up with the other fields of the same entry, using spaces",
        )
    return Finding(
        path,
        problem_line,
        f"The file cannot be read here (the YAML reader says: {problem or error})",
        "Look for a missing colon, quote or space on this line or the one above",
    )


@dataclass(frozen=True)
class Locator:
    """Where one block (say a glossary entry) sits, so its findings can name lines.

    With no `source` (an entry saved from a form, not a file) every line is `fallback_line`.
    """

    path: Path
    source: YamlSource | None = None
    prefix: KeyPath = ()
    fallback_line: int = 1

    def line(self, *keys: str | int) -> int:
        if self.source is None:
            return self.fallback_line
        return self.source.line_of(self.prefix + keys)

    def text_line(self, keys: KeyPath, needle: str) -> int:
        if self.source is None:
            return self.fallback_line
        return self.source.line_of_text(self.prefix + keys, needle)

    def bool_like(self, *keys: str | int) -> str | None:
        """The text as written when this value is a bare yes/no/on/off/true/false, else None."""
        if self.source is None:
            return None
        return self.source.bool_like.get(self.prefix + keys)

    def inside(self, *keys: str | int) -> Locator:
        return Locator(self.path, self.source, self.prefix + keys, self.line(*keys))
