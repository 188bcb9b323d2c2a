"""Content editors: browse and search the glossary and journeys, edit an entry, start entries for gaps.

A save runs the same checker as `signpost content check`; an entry with errors is not written and
the errors are shown beside their fields. A good save rewrites the YAML file (order and comments
kept) and reloads the glossary here; a running bot's LiveGlossary sees the file change and reloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from casefile import audit
from casefile.gaps import top_unknown_terms
from console.accounts import Principal
from console.pages import context_of, not_found, page, read_form, redirect, render, text_field
from console.paging import paged
from glossary import edit as glossary_edit
from glossary.check import normalise
from glossary.edit import FORM_FIELDS, BreaksOtherEntries, EntryForm, EntryNotFound
from glossary.findings import Severity
from glossary.review import unreviewed_in
from glossary.schema import CATEGORIES, TRANSLATION_LANGUAGES
from journeys.check import check_journeys

SEARCH_LIMIT = 40
ENTRIES_PER_PAGE = 100
TRANSLATIONS_PER_PAGE = 50
GAPS_SHOWN = 30


def entry_url(category: str, term: str, suffix: str = "") -> str:
    return f"/content/entries/{quote(category, safe='')}/{quote(term, safe='')}{suffix}"


@page(roles=("editor",))
async def browse(request: Request) -> Response:
    ctx = context_of(request)
    query = request.query_params.get("q", "").strip()[:100]
    glossary, index = ctx.glossary.current()
    entries = list(glossary)
    best = None
    if query:
        result = index.lookup(query)
        best = result.entry
        wanted = normalise(query)
        matches = [e for e in entries if wanted in normalise(e.term)
                   or any(wanted in normalise(name) for name in (*e.aliases, *e.misspellings))]
        if best is not None and best not in matches:
            matches.insert(0, best)
        matches += [e for e in result.suggestions if e not in matches]
        shown = matches[:SEARCH_LIMIT]
        return render(request, "content/browse.html", title="Glossary", query=query, entries=shown, best=best,
                      total=len(entries), entry_url=entry_url, categories=CATEGORIES, listing=None)
    listing = paged(request, entries, ENTRIES_PER_PAGE, "Pages of glossary entries")
    return render(request, "content/browse.html", title="Glossary", query=query, entries=listing.items, best=None,
                  total=len(entries), entry_url=entry_url, categories=CATEGORIES, listing=listing)


def _load(ctx_dir: Path, category: str, term: str) -> tuple[dict[str, Any], int, Path]:
    path = glossary_edit.category_file(ctx_dir, category)
    data = glossary_edit.read_file(path)
    index, entry = glossary_edit.find_entry(data, term)
    return entry, glossary_edit.entry_line(data, index), path


@page(roles=("editor",))
async def entry_page(request: Request) -> Response:
    ctx = context_of(request)
    category, term = request.path_params["category"], request.path_params["term"]
    if category not in CATEGORIES:
        return not_found(request)

    def load() -> tuple[Any, list[Any], int, Path]:
        entry, line, path = _load(ctx.content_dir, category, term)
        findings = glossary_edit.findings_for(entry, content_dir=ctx.content_dir, category=category, path=path,
                                              line=line)
        return entry, findings, line, path

    try:
        entry, findings, line, path = await run_in_threadpool(load)
    except (EntryNotFound, FileNotFoundError):
        return not_found(request, "There is no glossary entry with that name in that file.")
    saved = request.query_params.get("saved") == "1"
    return render(request, "content/entry.html", title=str(entry.get("term", term)), entry=entry, category=category,
                  findings=findings, errors=[f for f in findings if f.severity is Severity.ERROR],
                  file=f"{path.name}, line {line}", saved=saved, entry_url=entry_url,
                  many="meanings" in entry)


def _form_page(request: Request, *, category: str, original: str | None, form: EntryForm,
               errors: dict[str, list[str]] | None = None, warnings: list[str] | None = None,
               status_code: int = 200) -> Response:
    errors = errors or {}
    error_list = [{"text": messages[0], "href": f"#{name}"} for name in FORM_FIELDS
                  for messages in [errors.get(name)] if messages]
    title = f"Edit {original}" if original else "Start a new entry"
    action = entry_url(category, original, "/edit") if original else "/content/new"
    return render(request, "content/edit.html", status_code=status_code, title=title, category=category,
                  original=original, values=form.values, core=form.core, errors=errors, warnings=warnings or [],
                  error_list=error_list or None, action=action, categories=CATEGORIES)


@page(roles=("editor",))
async def edit_form(request: Request) -> Response:
    ctx = context_of(request)
    category, term = request.path_params["category"], request.path_params["term"]
    if category not in CATEGORIES:
        return not_found(request)
    try:
        entry, _, _ = await run_in_threadpool(_load, ctx.content_dir, category, term)
    except (EntryNotFound, FileNotFoundError):
        return not_found(request, "There is no glossary entry with that name in that file.")
    if "meanings" in entry:
        return redirect(entry_url(category, term))  # shown read-only: see the note on the entry page
    return _form_page(request, category=category, original=str(entry.get("term", term)),
                      form=EntryForm.from_entry(entry))


def _read_entry_form(form: Any) -> EntryForm:
    values = {name: text_field(form, name)[:2000] for name in FORM_FIELDS if name not in ("core", "category")}
    return EntryForm(values, core=text_field(form, "core") == "yes")


async def _save(request: Request, *, category: str, original: str | None) -> Response:
    ctx = context_of(request)
    user: Principal = request.state.user
    entry_form = _read_entry_form(await read_form(request))

    def check_and_save() -> glossary_edit.CheckedEntry:
        # One save at a time: the check and the write must see the same files.
        with ctx.content_lock:
            checked = glossary_edit.check_form(entry_form, content_dir=ctx.content_dir, category=category,
                                               replacing=original)
            if checked.ok:
                try:
                    glossary_edit.save_entry(ctx.content_dir, category, checked.entry, original_term=original)
                except BreaksOtherEntries as broken:
                    return glossary_edit.CheckedEntry(checked.entry, {"term": broken.problems}, checked.warnings)
                with ctx.sessions() as session:
                    audit.record(session, user.actor, "write.glossary.entry", "glossary", now=ctx.now(),
                                 detail=f"{category}: {original or '(new)'} -> {checked.entry.get('term')}")
                    session.commit()
            return checked

    try:
        checked = await run_in_threadpool(check_and_save)
    except EntryNotFound:
        return not_found(request, "That entry was changed or removed by someone else. Please start again.")
    if not checked.ok:
        return _form_page(request, category=category, original=original, form=entry_form, errors=checked.errors,
                          warnings=checked.warnings, status_code=400)
    await run_in_threadpool(ctx.glossary.reload)
    return redirect(entry_url(category, str(checked.entry["term"]), "?saved=1"))


@page(roles=("editor",))
async def edit(request: Request) -> Response:
    category, term = request.path_params["category"], request.path_params["term"]
    if category not in CATEGORIES:
        return not_found(request)
    return await _save(request, category=category, original=term)


@page(roles=("editor",))
async def new_form(request: Request) -> Response:
    term = request.query_params.get("term", "")[:80]
    category = request.query_params.get("category", "general")
    if category not in CATEGORIES:
        category = "general"
    return _form_page(request, category=category, original=None, form=EntryForm({"term": term}))


@page(roles=("editor",))
async def new(request: Request) -> Response:
    form = await read_form(request)
    category = text_field(form, "category")
    if category not in CATEGORIES:
        entry_form = _read_entry_form(form)
        return _form_page(request, category="general", original=None, form=entry_form,
                          errors={"category": ["Choose the file (category) the entry goes in."]}, status_code=400)
    return await _save(request, category=category, original=None)


@page(roles=("editor",))
async def gaps(request: Request) -> Response:
    ctx = context_of(request)

    def load() -> list[tuple[str, int]]:
        with ctx.sessions() as session:
            return top_unknown_terms(session, limit=GAPS_SHOWN)

    terms = await run_in_threadpool(load)
    return render(request, "content/gaps.html", title="Words people asked about", terms=terms,
                  categories=CATEGORIES)


@page(roles=("editor",))
async def translations(request: Request) -> Response:
    """The Welsh and Polish texts no native speaker has checked yet, each beside its English: one language at
    a time, in pages, in file order."""
    ctx = context_of(request)
    waiting = await run_in_threadpool(unreviewed_in, ctx.content_dir)
    counts = {code: sum(1 for item in waiting if item.language == code) for code in TRANSLATION_LANGUAGES}
    language = request.query_params.get("language", "")
    if language not in TRANSLATION_LANGUAGES:
        language = next(iter(TRANSLATION_LANGUAGES))
    listing = paged(request, [item for item in waiting if item.language == language], TRANSLATIONS_PER_PAGE,
                    f"Pages of {TRANSLATION_LANGUAGES[language]} translations")
    return render(request, "content/translations.html", title="Translations to check", language=language,
                  name=TRANSLATION_LANGUAGES[language], languages=TRANSLATION_LANGUAGES, counts=counts,
                  listing=listing, entry_url=entry_url)


@page(roles=("editor",))
async def journeys_page(request: Request) -> Response:
    ctx = context_of(request)

    def load() -> tuple[list[Any], dict[str, Any]]:
        findings = check_journeys(ctx.content_dir)
        files = {}
        for path in sorted((ctx.content_dir / "journeys").glob("*.yaml")):
            files[path.name] = path.read_text(encoding="utf-8")
        return findings, files

    findings, files = await run_in_threadpool(load)
    return render(request, "content/journeys.html", title="Journeys", findings=findings, files=files,
                  content_dir=ctx.content_dir)


routes = [
    Route("/content", browse, methods=["GET"]),
    Route("/content/gaps", gaps, methods=["GET"]),
    Route("/content/translations", translations, methods=["GET"]),
    Route("/content/journeys", journeys_page, methods=["GET"]),
    Route("/content/new", new_form, methods=["GET"]),
    Route("/content/new", new, methods=["POST"]),
    Route("/content/entries/{category}/{term}", entry_page, methods=["GET"]),
    Route("/content/entries/{category}/{term}/edit", edit_form, methods=["GET"]),
    Route("/content/entries/{category}/{term}/edit", edit, methods=["POST"]),
]
