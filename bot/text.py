"""Reply wording: Jinja2 templates under content/templates, translated with the gettext catalogs.

Editors change wording in the templates and `.po` files; code only chooses which template to use.

Keep-last-good, like the glossary (glossary/live.py) and the catalogs (bot/i18n.py): a changed template
is compiled before it is used, and one that does not compile (or cannot be read) is logged as one line,
`file:line: what is wrong`, while the last good version goes on being used. A template that compiles but
then fails while it is filled in falls back to the last version that was filled in without trouble.
Every template is compiled when its folder is first used, so each has a last good version from the start.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bot import i18n
from glossary.findings import ContentError, Finding

log = logging.getLogger("signpost.content")
TEMPLATE_SUFFIX = ".j2"
# Names every template is given by `render`, whoever calls it.
RENDER_GLOBALS = frozenset({"gettext", "ngettext", "language"})
Stamp = tuple[int, int] | None


def make_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """The one way templates are compiled: the replies use it, and so does `signpost content check`."""
    env = jinja2.Environment(
        loader=loader,
        extensions=["jinja2.ext.i18n"],
        autoescape=False,  # replies are plain text; each channel escapes for its own markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=True,
    )
    env.filters["long_date"] = i18n.long_date
    env.filters["short_time"] = i18n.short_time
    env.filters["long_datetime"] = i18n.long_datetime
    return env


def template_finding(error: Exception, path: Path) -> Finding:
    """The editor's line for a template that cannot be compiled or read."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        said = (error.message or "").strip().rstrip(".")
        return Finding(path, error.lineno or 1, f"This template has a mistake: {said}",
                       "Check the {% %} and {{ }} on this line: each opened tag needs its closing tag, "
                       "and names are spelt as in the other templates")
    if isinstance(error, UnicodeDecodeError):
        data = bytes(error.object)  # the whole file, as read
        line = data.count(b"\n", 0, error.start) + 1
        return Finding(path, line, f"This line has a byte (0x{data[error.start:error.start + 1].hex()}) "
                                   "that is not UTF-8 text, so Signpost cannot read the template",
                       "Save the file as UTF-8 and check the letters on this line")
    if isinstance(error, jinja2.TemplateNotFound):
        return Finding(path, 1, "This template is gone", "Put the file back, or undo the rename")
    return Finding(path, 1, f"Signpost cannot read this template ({type(error).__name__}: {error})",
                   "Check that the file is there and can be read")


def _stamp(path: Path) -> Stamp:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


class CheckedLoader(jinja2.BaseLoader):
    """Templates from a folder, each handed to Jinja only once it compiles; else its last good source."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files = jinja2.FileSystemLoader(str(folder))
        self._good: dict[str, str] = {}  # template name -> the last source that compiled
        self._logged: dict[str, Stamp] = {}  # template name -> the broken file last logged: once per change

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder / template
        stamp = _stamp(path)
        try:
            source, filename, uptodate = self._files.get_source(environment, template)
            # Unknown filters and tags fail here too; raw, since Jinja compiles it for real when it loads it.
            environment.compile(source, template, filename, raw=True)
        except (jinja2.TemplateSyntaxError, jinja2.TemplateNotFound, UnicodeDecodeError, OSError) as error:
            good = self._good.get(template)
            if good is None and isinstance(error, jinja2.TemplateNotFound):
                raise  # a name no template ever had: a bug in the code, not an editor's change
            finding = template_finding(error, path)
            first_time = template not in self._logged or self._logged[template] != stamp
            self._logged[template] = stamp
            if good is None:
                if first_time:
                    log.error("%s (There is no earlier good version to use, so this wording cannot be shown.)",
                              finding.format(Path.cwd()))
                raise ContentError.from_finding(finding) from error
            if first_time:
                log.error("%s (The last good version is still used.)", finding.format(Path.cwd()))
            # Good until the file changes again: then it is read and checked afresh.
            return good, str(path), lambda: _stamp(path) == stamp
        self._good[template] = source
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return [name for name in self._files.list_templates() if name.endswith(TEMPLATE_SUFFIX)]


@lru_cache(maxsize=8)
def _environment(content_dir: Path) -> jinja2.Environment:
    env = make_environment(CheckedLoader(content_dir / "templates"))
    for name in env.list_templates():
        with contextlib.suppress(ContentError):  # logged by the loader; the other templates still load
            env.get_template(name)
    return env


def load_all(content_dir: Path) -> None:
    """Compile every template and read every catalog now (at start), so each has a last good version."""
    _environment(content_dir)
    i18n.translations(content_dir / "locale", i18n.DEFAULT_LANGUAGE)


# (content folder, template name) -> the compiled version last filled in without an error.
_filled: dict[tuple[Path, str], jinja2.Template] = {}
_reported: set[tuple[Path, str, int]] = set()


def has_template(content_dir: Path, template: str) -> bool:
    """Whether the editors wrote this template (for optional variants, such as a text message's)."""
    return (content_dir / "templates" / template).is_file()


def render(content_dir: Path, template: str, language: str, **context: Any) -> str:
    """Render `template` (a path under content/templates) in `language`, stripped of outer blank lines."""
    env = _environment(content_dir)
    translations = i18n.translations(content_dir / "locale", language)
    tmpl = env.get_template(template)
    # The i18n extension reads gettext from the template globals at render time.
    values = {"gettext": translations.gettext, "ngettext": translations.ngettext, "language": language, **context}
    key = (content_dir, template)
    try:
        text = tmpl.render(values)
    except Exception as error:
        good = _filled.get(key)
        if good is None or good is tmpl:
            raise
        if (content_dir, template, id(tmpl)) not in _reported:
            _reported.add((content_dir, template, id(tmpl)))
            log.error("%s (The last version that worked is still used.)", wording_problem(error))
        text = good.render(values)
    else:
        _filled[key] = tmpl
    return text.strip()


def wording_problem(error: BaseException) -> str:
    """One plain line for a log: `file:line: what is wrong` when a template is to blame, else the error."""
    if isinstance(error, ContentError):
        return error.finding.format(Path.cwd())
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return template_finding(error, Path(error.filename)).format(Path.cwd())
    # Jinja puts the template's own file and line into the traceback of an error while filling it in.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.endswith(TEMPLATE_SUFFIX)]
    cause = f"{type(error).__name__}: {error}".strip()
    if frames:
        return f"{_shown(Path(frames[-1].filename))}:{frames[-1].lineno}: {cause}"
    return cause


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
