"""`signpost serve` end to end: a real process, real HTTP, a local stand-in for the Telegram Bot API."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.services_yaml import read_services_yaml
from bot.voice_ogg import read_opus_info
from casefile import db, services, urgent
from casefile import linking as link_codes
from casefile.actors import SystemActor
from casefile.models import ChatLink
from tests.bot.conversation_helpers import CONTENT, SETTINGS, Case, make_case, shared_journeys
from tests.support.telegram_standin.standin_objects import SentMessage
from tests.support.telegram_standin.telegram_standin import TelegramStandIn

STARTUP_SECONDS = 60.0
DEMO_SERVICES = CONTENT / "services" / "lewisham-demo.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Case, Case]:
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'signpost.db'}"
    db.upgrade(url)
    engine, sessions = db.open_database(url)
    with sessions() as session:
        first = make_case(session, name="Sam")
        second = make_case(session, name="Ola", language="pl")
    engine.dispose()
    return url, first, second


def _serve(standin: TelegramStandIn, url: str, data_dir: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SIGNPOST_DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": standin.token,
        "SIGNPOST_TELEGRAM_API_URL": standin.base_url.removesuffix("/bot"),
        **extra,
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output.decode(errors="replace")


@pytest.fixture(scope="module")
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def spare_code(database: tuple[str, Case, Case]) -> str:
    """A third person's link code, made before `signpost serve` starts writing to the same SQLite file."""
    engine, sessions = db.open_database(database[0])
    try:
        with sessions() as session:
            return make_case(session, name="Gia", language="pl").code
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def polling_bot(standin: TelegramStandIn, database: tuple[str, Case, Case], spare_code: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramStandIn]:
    process = _serve(standin, database[0], tmp_path_factory.mktemp("data"))
    try:
        standin.wait_for("getUpdates", timeout=STARTUP_SECONDS)
    except AssertionError:
        pytest.fail("signpost serve did not start polling:\n" + _stop(process))
    yield standin
    output = _stop(process)
    assert "Traceback" not in output, output


def _say(bot: TelegramStandIn, chat: int, text: str, language: str = "en") -> SentMessage:
    bot.push_message(chat, text, language_code=language)
    return bot.pop(chat, timeout=15)


def _pop_until(bot: TelegramStandIn, chat: int, wanted, most: int = 3) -> SentMessage:
    """The first reply that is `wanted`: what changed in the file comes first, once, on whichever test
    first opens a linked menu on this worker."""
    for _ in range(most):
        message = bot.pop(chat, timeout=15)
        if wanted(message):
            return message
    raise AssertionError(f"no wanted reply in {most} messages to chat {chat}")


def _press(bot: TelegramStandIn, message: SentMessage, label: str) -> SentMessage:
    bot.press_button(message, label)
    return bot.pop(message.chat_id, timeout=15)


def test_commands_are_set_for_each_language(polling_bot: TelegramStandIn) -> None:
    english = [command["command"] for command in polling_bot.commands()]
    assert {"start", "stop", "forget", "language", "help"} <= set(english)
    welsh = polling_bot.commands("cy")
    polish = polling_bot.commands("pl")
    assert len(welsh) == len(polish) == len(english)


@pytest.fixture(scope="module")
def linking(polling_bot: TelegramStandIn, database) -> dict[str, SentMessage]:
    """Chat 501 links with Sam's code (after a wrong one), and chat 502 tries the used code: once per
    worker, so every test that needs a linked chat has one, whichever worker runs it."""
    _url, case, _other = database
    replies = {
        "welcome": _say(polling_bot, 501, "/start"),
        "wrong": _say(polling_bot, 501, "ZZZZ-ZZZZ"),
        "linked": _say(polling_bot, 501, case.code),
        "used": _say(polling_bot, 502, case.code),
    }
    # What changed in the file comes once, before the first answer that shows the file: take it here, so
    # each test's replies are its own.
    polling_bot.push_message(501, "my team", language_code="en")
    _pop_until(polling_bot, 501, lambda message: "These people work with you" in message.plain_text)
    return replies


def test_start_with_wrong_good_and_used_codes(linking: dict[str, SentMessage]) -> None:
    assert "I am Signpost" in linking["welcome"].plain_text
    assert "did not work" in linking["wrong"].plain_text
    assert "Your chat is now linked" in linking["linked"].plain_text
    used = linking["used"]
    assert "did not work" in used.plain_text or "used already" in used.plain_text


def test_every_menu_answers_over_telegram(polling_bot: TelegramStandIn, database, linking) -> None:
    chat = 501  # linked by the `linking` fixture
    menu = _say(polling_bot, chat, "/menu")
    assert menu.button_labels[:3] == ["Help now", "Where am I?", "My team"]

    polling_bot.press_button(menu, "Where am I?")
    picture = polling_bot.pop(chat, timeout=15)
    if picture.kind == "message":  # what changed in the file comes first, once
        assert "What is new in your file" in picture.plain_text
        picture = polling_bot.pop(chat, timeout=15)
    assert picture.kind == "photo"
    image = Image.open(io.BytesIO(picture.upload.data))
    assert image.format == "PNG" and image.width >= 400
    where = polling_bot.pop(chat, timeout=15)
    assert "licence ends on" in where.plain_text

    team = _press(polling_bot, menu, "My team")
    assert "lead professional" in team.plain_text
    appointments = _press(polling_bot, menu, "My appointments")
    assert "Lewisham probation office" in appointments.plain_text
    confirmed = _press(polling_bot, appointments, "I'll be there")
    assert "you will be there" in confirmed.plain_text
    assert polling_bot.calls_to("editMessageReplyMarkup"), "an answered appointment loses its buttons"
    assert polling_bot.calls_to("answerCallbackQuery")
    money = _press(polling_bot, menu, "Money")
    assert "money plan" in money.plain_text.lower()
    pharmacy = _press(polling_bot, menu, "Pharmacy")
    assert "High Street Pharmacy" in pharmacy.plain_text
    meaning = _press(polling_bot, menu, "What does this mean?")
    assert "Type the word" in meaning.plain_text
    answer = _say(polling_bot, chat, "rotl")
    assert "ROTL" in answer.plain_text


def test_listen_sends_a_real_voice_note(polling_bot: TelegramStandIn) -> None:
    chat = 501
    answer = _say(polling_bot, chat, "what is a licence")
    polling_bot.press_button(answer, "Listen")
    voice = polling_bot.pop(chat, timeout=30)
    assert voice.kind == "voice"
    info = read_opus_info(voice.upload.data, check_crc=True)
    assert info.channels == 1 and info.duration_seconds > 1.0
    # The second time, Telegram's file id is reused instead of uploading again.
    polling_bot.press_button(answer, "Listen")
    again = polling_bot.pop(chat, timeout=30)
    assert again.kind == "voice"
    assert isinstance(again.params["voice"], str), "sent by file id, not uploaded again"


def test_welsh_and_polish(polling_bot: TelegramStandIn, database, linking) -> None:
    chat = 501
    choice = _say(polling_bot, chat, "/language")
    welsh = _press(polling_bot, choice, "Cymraeg")
    assert "Gymraeg" in welsh.plain_text
    menu = _say(polling_bot, chat, "/menu")
    assert "Ble ydw i?" in menu.button_labels
    _press(polling_bot, menu, "Fy nhîm")
    choice = _say(polling_bot, chat, "/language")
    _press(polling_bot, choice, "English")

    _url, _case, polish_case = database
    _say(polling_bot, 601, "/start", language="pl")
    linked = _say(polling_bot, 601, polish_case.code, language="pl")
    assert "Dziękuję" in linked.plain_text
    assert "Gdzie jestem?" in linked.button_labels


def test_person_a_never_sees_person_b(polling_bot: TelegramStandIn, database, linking) -> None:
    _url, first, second = database
    menu = _say(polling_bot, 501, "/menu")
    # Forged callback data on a real message: a client can send any data it likes.
    polling_bot.push_update({"callback_query": {
        "id": "forged-1", "from": {"id": 501, "is_bot": False, "first_name": "Test", "language_code": "en"},
        "chat_instance": "501", "data": f"appt:yes:{second.appointment_id}:1", "message": menu.message,
    }})
    reply = polling_bot.pop(501, timeout=15)
    assert "that button is old" in reply.plain_text
    team = _say(polling_bot, 501, "my team")
    assert "Ola" not in team.plain_text and first.lead.name in team.plain_text


def test_webhook_checks_the_secret(database, tmp_path: Path) -> None:
    port = _free_port()
    webhook_url = f"http://127.0.0.1:{port}/telegram"
    with TelegramStandIn() as standin:  # its own server: the polling bot above must not see the webhook
        process = _serve(standin, database[0], tmp_path, SIGNPOST_WEBHOOK_URL=webhook_url,
                         SIGNPOST_WEBHOOK_SECRET="right-secret", SIGNPOST_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
        try:
            standin.wait_for("setWebhook", timeout=STARTUP_SECONDS)
            assert _deliver_when_listening(standin, webhook_url, "wrong-secret") == 403
            assert _deliver_when_listening(standin, webhook_url, "right-secret") == 200
            assert "I am Signpost" in standin.pop(777, timeout=15).plain_text
        finally:
            output = _stop(process)
    assert "Traceback" not in output, output


def _deliver_when_listening(standin: TelegramStandIn, url: str, secret: str) -> int | None:
    deadline = time.monotonic() + 20
    while True:
        try:
            return standin.deliver_webhook(url, standin.message_update(777, "/start"), secret_token=secret)
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_bot_token_never_reaches_the_log(database, tmp_path: Path) -> None:
    with TelegramStandIn() as standin:  # its own server: one poller per Bot API server
        process = _serve(standin, database[0], tmp_path)
        try:
            standin.wait_for("getUpdates", count=2, timeout=STARTUP_SECONDS)
        finally:
            output = _stop(process)
    assert "Application started" in output
    assert standin.token.split(":")[1] not in output


def test_help_now_places_open_now_and_tell_my_worker_now_over_telegram(polling_bot: TelegramStandIn, database,
                                                                       linking) -> None:
    url, case, _other = database
    engine, sessions = db.open_database(url)
    try:
        with sessions() as session:
            services.replace_directory(session, SystemActor("tests"), read_services_yaml(DEMO_SERVICES))
            staff_code = link_codes.issue_link_code(session, SystemActor("tests"), worker_id=case.lead.id,
                                                    now=datetime.now(UTC), hasher=SETTINGS.link_hasher)
            session.commit()
        assert "linked" in _say(polling_bot, 900, staff_code).plain_text  # the lead's own Telegram chat

        crisis = _say(polling_bot, 501, "ive got nowhere to sleep tonight")
        help_now = shared_journeys().current().help_now
        assert crisis.plain_text.startswith(help_now.kinds["no_bed"].say["en"])
        assert {"Places open now", "Tell my worker now", "Menu"} <= set(crisis.button_labels)

        places = _press(polling_bot, crisis, "Places open now")
        with sessions() as session:  # what the directory says is open at this very moment, on the London clock
            now_open = services.open_now(session, datetime.now(UTC), shared_journeys().current().holidays.is_holiday,
                                         category="housing")
        if now_open.open:
            assert f"{now_open.open[0].service.name}: {now_open.open[0].text()}." in places.plain_text
        else:
            assert help_now.word("nothing_open", "en") in places.plain_text

        ask = _press(polling_bot, crisis, "Tell my worker now")
        assert case.lead.name in ask.plain_text and "999" in ask.plain_text
        told = _press(polling_bot, ask, "Yes, tell them")
        assert f"I have told {case.lead.name}" in told.plain_text
        # The dispatcher in `signpost serve` sends it at once (after any notice from an earlier test).
        notice = _pop_until(polling_bot, 900, lambda message: message.plain_text.startswith("URGENT"), most=5)
        assert notice.plain_text.startswith("URGENT: Sam") and "nowhere to sleep tonight" in notice.plain_text
        assert "ive got" not in notice.plain_text  # the label, never the person's own words
        with sessions() as session:  # and it heads the team's caseload in the console until seen
            assert [request.kind for request in urgent.open_urgent(session, case.lead.id)] == ["no_bed"]
    finally:
        engine.dispose()


def test_a_code_typed_in_a_group_links_nothing(polling_bot: TelegramStandIn, database, spare_code: str) -> None:
    url, _case, _other = database
    group = {"id": -4242, "type": "group", "title": "Family"}
    for number, text in enumerate((spare_code, "/start", "my team")):
        polling_bot.push_update({"message": {
            "message_id": 9000 + number, "date": int(time.time()), "chat": group, "text": text,
            "from": {"id": 777001, "is_bot": False, "first_name": "Aunt", "language_code": "en"},
            **({"entities": [{"type": "bot_command", "offset": 0, "length": 6}]} if text == "/start" else {}),
        }})
    told = polling_bot.pop(-4242, timeout=15)
    assert "I only work in a private chat" in told.plain_text
    polling_bot.assert_nothing_sent(-4242, within=2.0)  # said once; the code and "my team" get nothing
    engine, sessions = db.open_database(url)
    try:
        with sessions() as session:
            assert session.scalars(select(ChatLink).where(ChatLink.chat_id == "-4242")).first() is None
    finally:
        engine.dispose()
    # The code was not used up: it still links Gia's own private chat.
    assert "Dziękuję" in _say(polling_bot, 602, spare_code, language="pl").plain_text
