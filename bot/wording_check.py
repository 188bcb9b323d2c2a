"""`signpost content check` for the wording files: every template under content/templates and every catalog
under content/locale.

The same checks the running bot makes before it uses a changed file (bot/text.py for templates,
bot/i18n.py for catalogs), so what passes here is what the bot will serve. Each problem is one
`file:line: what is wrong. How to fix it.` line.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from bot import i18n, text
from glossary.check import CheckReport
from glossary.findings import Finding

TEMPLATES_DIR = "templates"
LOCALE_DIR = "locale"


def check_templates(content_dir: Path) -> CheckReport:
    """Every template: UTF-8 text, and it compiles (tags closed, filters and tags that exist)."""
    report = CheckReport()
    folder = content_dir / TEMPLATES_DIR
    if not folder.is_dir():
        return report
    env = text.make_environment(jinja2.FileSystemLoader(str(folder)))
    # Jinja's optimiser folds constant expressions before the Python source is written; it never raises
    # (a fold that fails is skipped), so a check finds the same problems without it, in less time.
    env.optimized = False
    for path in sorted(folder.rglob(f"*{text.TEMPLATE_SUFFIX}")):
        report.file_count += 1
        name = path.relative_to(folder).as_posix()
        try:
            source = path.read_bytes().decode("utf-8")
            # raw: Jinja's own checks (syntax, unknown filters and tests) are all made while it writes the
            # Python source; turning that source into bytecode finds nothing more.
            env.compile(source, name, str(path), raw=True)
        except (jinja2.TemplateSyntaxError, UnicodeDecodeError, OSError) as error:
            report.findings.append(text.template_finding(error, path))
    return report


def check_catalogs(content_dir: Path) -> CheckReport:
    """Every Welsh and Polish catalog there is: UTF-8, every line understood, it compiles, and each
    translation keeps the English string's placeholders (%(name)s or {name})."""
    report = CheckReport()
    findings: list[Finding] = []
    for language in i18n.LANGUAGES:
        path = i18n.catalog_path(content_dir / LOCALE_DIR, language)
        if language == i18n.DEFAULT_LANGUAGE or not path.exists():
            continue  # English is the source; a missing catalog is `signpost content translations`' business
        report.file_count += 1
        _catalog, found = i18n.read_checked_catalog(path, language)
        findings += found
    report.add(findings)
    return report
