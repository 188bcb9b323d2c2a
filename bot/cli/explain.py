"""`signpost explain`: what the bot would answer about a word or a letter, from the shell.

    signpost explain whats a mapa          # one word or question (the words are joined)
    signpost explain --text letter.txt     # every known word in a text; `-` reads standard input
    signpost explain --json --text -       # the same as JSON, for scripts
    signpost explain                       # type words or paste lines until an empty line

Exit status: 0 when at least one glossary word was found, 1 when nothing matched (there may still
be "did you mean" suggestions), 2 when it could not run: bad usage, a file that cannot be read, or
glossary content that cannot be loaded. A try-out from the shell records nothing in the gaps log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import jinja2

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.replies.glossary import GlossaryAnswer, answer_text, meaning_views, spotted_reply
from bot.settings import Settings
from glossary.findings import ContentError
from glossary.load import load_glossary
from glossary.model import NATIONS, Entry
from glossary.search import GlossaryIndex

FOUND, NOTHING, CANNOT_RUN = 0, 1, 2
PROMPT = "Type a word or paste a letter. Empty line to stop."


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="Explain a word, or every known word in a letter, as the bot would answer.",
        description="Explain a glossary word, or every glossary word in a text, exactly as the bot would. "
        "Exit status: 0 found, 1 nothing matched, 2 could not run.",
    )
    parser.add_argument("terms", nargs="*", metavar="TERM", help="a word or a question, like: whats a mapa")
    parser.add_argument("--text", metavar="FILE", help="explain every known word in FILE (- for standard input)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of the reply")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="reply language")
    parser.add_argument("--content", type=Path, metavar="DIR", help="content folder (default: SIGNPOST_CONTENT_DIR)")
    parser.add_argument("--nation", choices=NATIONS, default=None,
                        help="answer as for a person whose case file is in this nation (default: not linked)")
    parser.set_defaults(func=_explain)


def _content_dir(chosen: Path | None) -> Path:
    return chosen if chosen is not None else Settings.from_env().content_dir


def _load_index(content_dir: Path, err: TextIO) -> GlossaryIndex | None:
    try:
        return GlossaryIndex.build(load_glossary(content_dir))
    except ContentError as error:
        print(f"The glossary cannot be loaded: {error}", file=err)
        print("Run `signpost content check` to see every problem.", file=err)
        return None


def _read_text(source: str, err: TextIO) -> str | None:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"There is no file called {source}. Check the name and the folder.", file=err)
    except IsADirectoryError:
        print(f"{source} is a folder. Give the name of a text file.", file=err)
    except UnicodeDecodeError:
        print(f"{source} is not plain text. Save the letter as a .txt file and try again.", file=err)
    except OSError as error:
        print(f"{source} cannot be read: {error.strerror or error}.", file=err)
    return None


def _explain(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _run(args, out, err)
    except (jinja2.TemplateError, ContentError) as error:  # ContentError: a template that was never good (bot/text.py)
        print(f"The reply wording in {_content_dir(args.content)}/templates cannot be used: {error}", file=err)
        return CANNOT_RUN


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.text is not None and args.terms:
        print("Give either words or --text FILE, not both.", file=err)
        return CANNOT_RUN
    if args.text is None and not args.terms:
        if args.json:
            print("--json needs words or --text FILE.", file=err)
            return CANNOT_RUN
        return interactive(args.content, args.lang, nation=args.nation)
    content_dir = _content_dir(args.content)
    if args.text is not None:
        text = _read_text(args.text, err)
        if text is None:
            return CANNOT_RUN
    else:
        text = " ".join(args.terms)
    index = _load_index(content_dir, err)
    if index is None:
        return CANNOT_RUN
    if args.text is not None:
        # A file is always read as a text, however short: that is what --text asks for.
        spotted = tuple(index.spot(text))
        reply = spotted_reply(content_dir, index, spotted, args.lang, nation=args.nation)
        answer = GlossaryAnswer(reply, bool(spotted), tuple(s.entry for s in spotted), spotted=spotted)
    else:
        answer = answer_text(content_dir, index, text, args.lang, noting=False, nation=args.nation)
    if args.json:
        json.dump(answer_json(text, answer, args.lang, args.nation), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print(answer.text, file=out)
    return FOUND if answer.found else NOTHING


def _entry_json(entry: Entry, language: str, meaning: int | None, nation: str | None) -> dict[str, Any]:
    views = meaning_views(entry, language, nation)
    # With several meanings and none picked out by the match, the top level stays empty: see "meanings".
    main = views[meaning] if meaning is not None and 0 <= meaning < len(views) else views[0]
    chosen = len(views) == 1 or (meaning is not None and 0 <= meaning < len(views))
    return {
        "term": entry.term,
        "full_form": main.full_form if chosen else None,
        "meanings": [
            {"full_form": v.full_form, "explanation": v.explanation, "for_you": v.for_you,
             "used_by": v.used_by, "in_english": v.in_english}
            for v in views
        ],
        "explanation": main.explanation if chosen else None,
        "for_you": main.for_you if chosen else None,
        "in_english": any(v.in_english for v in views),
    }


def answer_json(query: str, answer: GlossaryAnswer, language: str, nation: str | None = None) -> dict[str, Any]:
    """The JSON `signpost explain --json` prints: each match with where it is, or the suggestions."""
    matches: list[dict[str, Any]] = []
    suggestions: list[dict[str, Any]] = []
    result = answer.lookup
    if result is not None and result.entry is not None:
        matches.append({**_entry_json(result.entry, language, result.meaning, nation), "confidence": result.confidence,
                        "how": result.how, "start": result.start, "end": result.end, "matched": result.matched})
    for item in answer.spotted:
        matches.append({**_entry_json(item.entry, language, item.meaning, nation), "confidence": 1.0, "how": item.how,
                        "start": item.start, "end": item.end, "matched": item.matched})
    if not matches and result is not None:
        suggestions = [{"term": entry.term, "full_form": entry.full_form} for entry in result.suggestions]
    return {
        "query": query,
        "language": language,
        "matches": matches,
        "suggestions": suggestions,
        "unknown_term": None if matches else answer.unknown_term,
        "reply": answer.text,
    }


def interactive(content: Path | None = None, language: str = DEFAULT_LANGUAGE,
                stdin: TextIO | None = None, out: TextIO | None = None, *, nation: str | None = None) -> int:
    """Read lines and answer each as the bot would, until an empty line or end of input.

    Each line is answered on its own: a short one is looked up, a longer one read as a text.
    Returns 0, or 2 when the content cannot be loaded.
    """
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    content_dir = _content_dir(content)
    index = _load_index(content_dir, out)
    if index is None:
        return CANNOT_RUN
    show_prompt = stdin.isatty()
    print(PROMPT, file=out)
    while True:
        if show_prompt:
            out.write("> ")
            out.flush()
        line = stdin.readline()
        if not line.strip():
            return FOUND
        answer = answer_text(content_dir, index, line.strip(), language, noting=False, nation=nation)
        print(answer.text, file=out)
        print(file=out)
