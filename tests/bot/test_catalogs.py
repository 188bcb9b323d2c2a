"""Languages: every fixed string in Welsh and Polish, placeholders kept, dates in the person's language,
and the translators' command `signpost content translations`."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from sqlalchemy.orm import Session, sessionmaker

from bot import catalogs, i18n
from bot.cli import main
from bot.replies.glossary import lookup_reply
from bot.settings import REPO_ROOT
from bot.text import render
from glossary.load import load_glossary
from glossary.model import Glossary
from glossary.search import GlossaryIndex

CONTENT = REPO_ROOT / "content"
TRANSLATED = ("cy", "pl")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
UPDATE_HINT = "Run: signpost content translations --update, then translate them (see content/locale/README.md)."


@pytest.fixture(scope="module")
def source() -> Catalog:
    return catalogs.source_catalog(CONTENT)


def _catalog(language: str) -> Catalog:
    with i18n.catalog_path(CONTENT / "locale", language).open("rb") as handle:
        return read_po(handle, locale=language)


# -- (a) nothing missing --------------------------------------------------------------------------
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_fixed_string_is_translated(language: str, source: Catalog) -> None:
    gaps = catalogs.missing_messages(CONTENT, language, source)
    listed = "\n".join(
        f"  {message.text!r} (used in {', '.join(f'{path}:{line}' for path, line in message.locations)})"
        for message in gaps
    )
    assert gaps == [], (
        f"{i18n.catalog_path(CONTENT / 'locale', language)} lacks {len(gaps)} string(s):\n{listed}\n{UPDATE_HINT}"
    )


def test_the_source_has_the_strings_of_code_and_templates(source: Catalog) -> None:
    assert source.get("Where am I?") is not None  # a button label in bot/conversation/core.py
    assert source.get("Hello. I am Signpost.") is not None  # chat/welcome.txt.j2
    # `{% trans count=... %}...{% pluralize %}` gives a msgid with a plural.
    assert source.get("I found %(count)s word in your text:").id == (
        "I found %(count)s word in your text:",
        "I found %(count)s words in your text:",
    )


# -- (b) placeholders kept --------------------------------------------------------------------------
# The rule is the bot's own (bot.i18n.placeholder_problems): a catalog that breaks it has those strings
# left out when it is read, and `signpost content check` names them.
@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    problems = []
    checked = 0
    for message in _catalog(language):
        if message.id and message.string:
            checked += 1
            problems += i18n.placeholder_problems(message.id, message.string)
    assert checked > 100
    assert problems == []


def test_the_placeholder_check_catches_lost_and_misspelt_names() -> None:
    assert i18n.placeholder_problems("Where: %(place)s", "Ble: %(place)s") == []
    assert i18n.placeholder_problems("Where: %(place)s", "Ble: %(lle)s") == [
        "The translation 'Ble: %(lle)s' has %(lle)s, which the English has not, and lost %(place)s",
    ]
    assert i18n.placeholder_problems("Where: %(place)s", "Gdzie: %(place)") == [
        "The translation 'Gdzie: %(place)' lost %(place)s, and cannot be filled in (incomplete format)",
    ]
    plural = ("%(count)s day ago", "%(count)s days ago")
    assert i18n.placeholder_problems(plural, ("wczoraj", "%(count)s dni temu")) == []


# -- plural forms ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "forms", "index_of"),
    [
        ("pl", 3, {1: 0, 2: 1, 4: 1, 5: 2, 12: 2, 22: 1, 25: 2}),
        ("cy", 6, {0: 0, 1: 1, 2: 2, 3: 3, 6: 4, 4: 5, 5: 5, 11: 5}),
    ],
)
def test_plural_forms_pick_the_right_translation(language: str, forms: int, index_of: dict[int, int]) -> None:
    catalog = _catalog(language)
    assert catalog.num_plurals == forms
    singular, plural = "in %(count)s day", "in %(count)s days"
    written = catalog.get(singular).string
    assert len(written) == forms and all(written)
    translations = i18n.translations(CONTENT / "locale", language)
    for number, index in index_of.items():
        assert translations.ngettext(singular, plural, number) == written[index], number


# -- (c) real templates in Welsh and Polish ----------------------------------------------------------
def _gettext(language: str, message: str) -> str:
    translated = i18n.translations(CONTENT / "locale", language).gettext(message)
    assert translated != message, f"{message!r} has no {language} translation"
    return translated


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_welcome_is_translated(language: str) -> None:
    text = render(CONTENT, "chat/welcome.txt.j2", language)
    assert text.startswith(_gettext(language, "Hello. I am Signpost."))
    assert _gettext(language, "Do you have a code from your release pack or your key worker? Type it here.") in text
    assert "Hello" not in text and "release pack" not in text


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_reminder_has_translated_words_date_and_london_time(language: str) -> None:
    starts = datetime(2027, 6, 2, 9, 30, tzinfo=UTC)  # 10:30 in London (summer time)
    appointment = SimpleNamespace(starts_at=starts, worker_name="Alex Morgan", agency_name="Probation Service",
                                  place="Lewisham office", address="", bring="")
    text = render(CONTENT, "reminders/appointment.txt.j2", language, a=appointment, when="later",
                  discreet=False, day=i18n.long_date(starts.date(), language))
    weekday_and_month = {"cy": ("Dydd Mercher", "Mehefin"), "pl": ("środa", "czerwca")}[language]
    first_line = text.splitlines()[0]
    assert all(word in first_line for word in weekday_and_month) and "10:30" in first_line
    assert _gettext(language, "With: %(name)s") % {"name": "Alex Morgan"} in text
    assert text.endswith(_gettext(language, "Can you come? Tap a button."))


@pytest.mark.parametrize(("language", "count", "form"), [("pl", 2, 1), ("pl", 5, 2), ("cy", 2, 2), ("cy", 4, 5)])
def test_a_pluralised_template_uses_the_form_for_the_number(language: str, count: int, form: int) -> None:
    entries = [
        SimpleNamespace(label=f"WORD{n}", shown=SimpleNamespace(explanation="..."), elsewhere=None)
        for n in range(count)
    ]
    text = render(CONTENT, "glossary/spotted.txt.j2", language, count=count, entries=entries, in_english=False)
    expected = _catalog(language).get("I found %(count)s word in your text:").string[form]
    assert text.startswith(expected % {"count": count})


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_menu_buttons_and_bot_commands_are_translated(language: str, session_factory: sessionmaker[Session]) -> None:
    from bot.channels.telegram import command_list
    from tests.bot.conversation_helpers import make_conversation

    conversation = make_conversation(session_factory)
    labels = [button.label for row in conversation.menu_buttons(language) for button in row]
    # Help now comes first; its words are the editors' (content/help-now), in every language.
    assert labels[0] == {"cy": "Help nawr", "pl": "Pomoc teraz"}[language]
    assert labels[1:] == [
        _gettext(language, english)
        for english in ("Where am I?", "My team", "My appointments", "Money", "Pharmacy",
                        "What does this mean?", "Language", "Help")
    ]
    descriptions = {command.command: command.description for command in command_list(conversation, language)}
    assert descriptions["stop"] == _gettext(language, "Pause my messages")


@pytest.mark.parametrize(("hint", "language"), [("pl-PL", "pl"), ("cy", "cy")])
def test_a_new_chat_is_greeted_in_the_telegram_language(
    hint: str, language: str, session_factory: sessionmaker[Session]
) -> None:
    from tests.bot.conversation_helpers import Chat, make_conversation

    chat = Chat(make_conversation(session_factory), chat_id="catalogs-1", language_hint=hint)
    chat.push("/start")
    assert _gettext(language, "Hello. I am Signpost.") in chat.text
    labels = [button.label for reply in chat.last for row in reply.buttons for button in row]
    assert _gettext(language, "I have a code") in labels


def test_a_glossary_entry_without_welsh_falls_back_to_english_and_says_so() -> None:
    # Every shipped entry has Welsh now, so one loses it here: a Welsh text an editor has not written yet.
    shipped = load_glossary(CONTENT)
    mappa = shipped.get("MAPPA")
    assert mappa is not None and not mappa.has_many_meanings
    untranslated = dataclasses.replace(mappa, meanings=(dataclasses.replace(mappa.meanings[0], translations={}),))
    glossary = Glossary([untranslated if entry is mappa else entry for entry in shipped])
    index = GlossaryIndex.build(glossary)
    result = index.lookup(untranslated.term)
    assert result.entry is untranslated
    text = lookup_reply(CONTENT, index, result, "cy")
    assert untranslated.meanings[0].explanation in text
    assert text.endswith(_gettext("cy", "(Not yet in Welsh: here it is in English.)"))


# -- (d) first guess from Telegram's language_code ---------------------------------------------------
@pytest.mark.parametrize(
    ("hint", "language"),
    [("cy", "cy"), ("pl-PL", "pl"), ("pl_PL", "pl"), ("en-GB", "en"), ("de", "en"), ("", "en"), (None, "en")],
)
def test_choose_language(hint: str | None, language: str) -> None:
    assert i18n.choose_language(hint) == language


# -- (e) dates by Babel, in Europe/London ------------------------------------------------------------
def test_long_dates_use_welsh_and_polish_names() -> None:
    assert i18n.long_date(date(2027, 3, 3), "en") == "Wednesday 3 March 2027"
    assert i18n.long_date(date(2027, 3, 3), "cy") == "Dydd Mercher 3 Mawrth 2027"
    assert i18n.long_date(date(2027, 3, 3), "pl") == "środa 3 marca 2027"


def test_times_are_on_the_london_clock() -> None:
    winter = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
    summer = datetime(2027, 7, 5, 9, 30, tzinfo=UTC)
    assert i18n.short_time(winter, "pl") == "09:30"
    assert i18n.short_time(summer, "cy") == "10:30"
    assert i18n.long_datetime(summer, "pl") == "poniedziałek 5 lipca 2027, 10:30"


# -- (f) signpost content translations ----------------------------------------------------------------
NEW_TEMPLATE = "chat/catalog_test_new.txt.j2"
HOW = "Translate them in the .po files, then run this again. How: content/locale/README.md"


@pytest.fixture
def content_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real templates and catalogs plus one template with a string no catalog has, run from above it."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT / "templates", content / "templates")
    shutil.copytree(CONTENT / "locale", content / "locale")
    (content / "templates" / NEW_TEMPLATE).write_text(
        "{% trans %}Your bus pass is ready.{% endtrans %}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return content


def _po(content: Path, language: str) -> Path:
    return content / "locale" / language / "LC_MESSAGES" / "signpost.po"


def _translate(content: Path, language: str, msgid: str, text: str) -> None:
    path = _po(content, language)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    catalog[msgid].string = text
    catalog[msgid].flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def _missing_block(language: str, msgid: str = "Your bus pass is ready.") -> list[str]:
    return [
        f"content/locale/{language}/LC_MESSAGES/signpost.po: 1 string not translated yet:",
        f'  "{msgid}"',
        f"    used in content/templates/{NEW_TEMPLATE}:1",
    ]


def test_translations_lists_the_missing_string_and_exits_1(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "translations", "content"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [*_missing_block("cy"), *_missing_block("pl"), HOW]
    assert captured.err == ""


def test_translations_for_one_language(content_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "translations", "content", "--lang", "pl"]) == 1
    assert capsys.readouterr().out.splitlines() == [*_missing_block("pl"), HOW]


def test_translations_reads_the_content_folder_setting(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNPOST_CONTENT_DIR", "content")
    assert main(["content", "translations", "--lang", "cy"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == _missing_block("cy")[0]


def test_update_adds_the_string_keeps_the_translations_and_all_done_exits_0(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {language: _po(content_copy, language).read_text(encoding="utf-8") for language in TRANSLATED}
    assert main(["content", "translations", "content", "--update"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "content/locale/cy/LC_MESSAGES/signpost.po: updated (1 string new, 0 strings taken out as no longer used)."
    assert out[1:4] == _missing_block("cy")
    for language in TRANSLATED:
        updated = _po(content_copy, language).read_text(encoding="utf-8")
        assert f'#: content/templates/{NEW_TEMPLATE}\nmsgid "Your bus pass is ready."\nmsgstr ""' in updated
        # Every translation that was there is still there, word for word.
        assert [m for m in _entries(updated) if m[0] != "Your bus pass is ready."] == _entries(before[language])

    _translate(content_copy, "cy", "Your bus pass is ready.", "Mae eich tocyn bws yn barod.")
    _translate(content_copy, "pl", "Your bus pass is ready.", "Twój bilet autobusowy jest gotowy.")
    assert main(["content", "translations", "content"]) == 0
    total = len([m for m in catalogs.source_catalog(content_copy) if m.id])
    assert capsys.readouterr().out.splitlines() == [
        f"content/locale/cy/LC_MESSAGES/signpost.po: all {total} strings translated.",
        f"content/locale/pl/LC_MESSAGES/signpost.po: all {total} strings translated.",
    ]
    assert render(content_copy, NEW_TEMPLATE, "cy") == "Mae eich tocyn bws yn barod."


def _entries(po_text: str) -> list[tuple[str, str]]:
    with_strings = read_po(iter(po_text.encode("utf-8").splitlines(keepends=True)))
    return [(str(m.id), str(m.string)) for m in with_strings if m.id]


def test_a_changed_string_keeps_its_old_translation_as_fuzzy_and_counts_as_missing(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = content_copy / "templates" / NEW_TEMPLATE
    main(["content", "translations", "content", "--update"])
    _translate(content_copy, "cy", "Your bus pass is ready.", "Mae eich tocyn bws yn barod.")
    template.write_text("{% trans %}Your bus pass is ready now.{% endtrans %}\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["content", "translations", "content", "--update", "--lang", "cy"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1:4] == [
        "content/locale/cy/LC_MESSAGES/signpost.po: 1 string not translated yet:",
        '  "Your bus pass is ready now." (an old translation is there, marked fuzzy: check it)',
        f"    used in content/templates/{NEW_TEMPLATE}:1",
    ]
    assert "#, fuzzy" in _po(content_copy, "cy").read_text(encoding="utf-8")
    # Until a translator checks it, the fuzzy translation is not shown: the person reads English.
    assert render(content_copy, NEW_TEMPLATE, "cy") == "Your bus pass is ready now."


def test_a_plural_translated_without_all_its_forms_is_missing(content_copy: Path) -> None:
    (content_copy / "templates" / NEW_TEMPLATE).write_text(
        "{% trans count=n %}{{ count }} bus pass{% pluralize %}{{ count }} bus passes{% endtrans %}\n",
        encoding="utf-8",
    )
    catalogs.update(content_copy, "pl")
    path = _po(content_copy, "pl")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    assert catalog["%(count)s bus pass"].id == ("%(count)s bus pass", "%(count)s bus passes")
    catalog["%(count)s bus pass"].string = ("%(count)s bilet", "%(count)s bilety", "")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    assert catalogs.missing(content_copy, "pl") == ["%(count)s bus pass"]


def test_update_leaves_no_temporary_files(content_copy: Path) -> None:
    catalogs.update(content_copy, "cy")
    assert sorted(p.name for p in _po(content_copy, "cy").parent.iterdir()) == ["signpost.po"]


def test_update_with_nothing_new_leaves_the_file_alone(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content_copy / "templates" / NEW_TEMPLATE).unlink()
    written = _po(content_copy, "cy").read_bytes()
    assert main(["content", "translations", "content", "--update", "--lang", "cy"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "content/locale/cy/LC_MESSAGES/signpost.po: no new strings to add."
    assert _po(content_copy, "cy").read_bytes() == written


def test_a_broken_template_is_named_without_a_traceback(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content_copy / "templates" / NEW_TEMPLATE).write_text("{% trans %}Unfinished\n", encoding="utf-8")
    assert main(["content", "translations", "content"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"content/templates/{NEW_TEMPLATE}:")
    assert "this template has a mistake" in captured.err and "Traceback" not in captured.err


def test_a_damaged_catalog_is_named_and_left_as_it_is(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = 'msgid "Only a msgid"\nmsgstr[0] "plural index without a plural"\n\x00\n'
    _po(content_copy, "pl").write_text(damaged, encoding="utf-8")
    assert main(["content", "translations", "content", "--update", "--lang", "pl"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "content/locale/pl/LC_MESSAGES/signpost.po:3: Signpost cannot read this line (Unknown or misformatted "
        "keyword: '\\x00'). Nothing was changed. Fix the line (see content/locale/README.md), then run this again."
    )
    assert _po(content_copy, "pl").read_text(encoding="utf-8") == damaged


def test_translations_of_a_missing_folder_says_so(content_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "translations", "contnet"]) == 1
    assert capsys.readouterr().err.strip() == (
        "There is no folder called contnet. Check the name, or leave it out to use the usual content folder."
    )
