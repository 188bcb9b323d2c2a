"""Reply wording: Jinja2 templates under content/templates, translated with the gettext catalogs.

Editors change wording in the templates and `.po` files; code only chooses which template to use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bot import i18n


@lru_cache(maxsize=8)
def _environment(content_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(content_dir / "templates")),
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


def render(content_dir: Path, template: str, language: str, **context: Any) -> str:
    """Render `template` (a path under content/templates) in `language`, stripped of outer blank lines."""
    env = _environment(content_dir)
    translations = i18n.translations(content_dir / "locale", language)
    tmpl = env.get_template(template)
    # The i18n extension reads gettext from the template globals at render time.
    text = tmpl.render(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        language=language,
        **context,
    )
    return text.strip()
