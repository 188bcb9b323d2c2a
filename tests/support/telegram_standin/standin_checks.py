"""The checks Telegram makes on what a bot sends, so our bugs fail here as they would for real.

Each check raises `ApiError` with the status and wording Telegram uses, which python-telegram-bot
turns into `BadRequest` and friends. The checks cover what Signpost can get wrong: empty or
too-long text, broken HTML or MarkdownV2, bad inline keyboards (callback data over 64 bytes is
a classic), and bad bot commands.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
})
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^([a-z]{2})?$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Characters MarkdownV2 reserves; they must be escaped with a backslash when meant literally.
_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_TEXT_BUTTON = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
_INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


class ApiError(Exception):
    """A refusal the stand-in sends back as `{"ok": false, "error_code": status, ...}`."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class _TelegramHtml(HTMLParser):
    """Collects the plain text of Telegram-flavoured HTML and rejects what Telegram rejects."""

    def __init__(self) -> None:
        # Entities come separately so an escaped &lt; is not mistaken for a stray "<".
        super().__init__(convert_charrefs=False)
        self.plain: list[str] = []
        self.open_tags: list[str] = []

    def _offset(self) -> int:
        return self.getpos()[1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset '
                              f"{self._offset()}")
        if tag == "a" and not dict(attrs).get("href"):
            raise bad_request("can't parse entities: Can't find href of a link")
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = f'"</{self.open_tags[-1]}>"' if self.open_tags else "no end tag"
            raise bad_request(f"can't parse entities: Unmatched end tag at byte offset {self._offset()}, "
                              f'expected {expected}, found "</{tag}>"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise bad_request("can't parse entities: Unexpected character \"<\"; "
                              "write &lt; for a literal less-than sign")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))


def _plain_from_html(text: str) -> str:
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag "
                          f'"{parser.open_tags[-1]}"')
    return "".join(parser.plain)


def _plain_from_markdown_v2(text: str) -> str:
    """A close approximation of Telegram's MarkdownV2 parser: enough to catch unescaped characters."""
    plain: list[str] = []
    i = 0
    in_link_label = False
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise bad_request("can't parse entities: Unexpected end of text after '\\'")
            plain.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise bad_request(f"can't parse entities: Can't find end of Code entity at byte offset {i}")
            body = text[i + len(fence):end]
            if fence == "```" and "\n" in body:
                body = body.split("\n", 1)[1]  # the first line names the language
            plain.append(body.replace("\\`", "`").replace("\\\\", "\\"))
            i = end + len(fence)
            continue
        if char == "[":
            in_link_label = True
        elif char == "]" and in_link_label:
            in_link_label = False
            if text.startswith("(", i + 1):
                end = text.find(")", i + 2)
                if end < 0:
                    raise bad_request("can't parse entities: Can't find end of a URL")
                i = end + 1
                continue
        elif char in "*_~|":
            pass  # formatting markers; Telegram would also check they pair up
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            pass  # a quotation line
        elif char in _MARKDOWN_V2_RESERVED:
            raise bad_request(f"can't parse entities: Character '{char}' is reserved and must be "
                              "escaped with the preceding '\\'")
        else:
            plain.append(char)
        i += 1
    return "".join(plain)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text as the person will see it; raises ApiError where Telegram could not parse it."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _plain_from_html(text)
    if mode == "markdownv2":
        return _plain_from_markdown_v2(text)
    if mode in ("", "markdown"):
        return text
    raise bad_request("unsupported parse_mode")


def check_text(text: Any, parse_mode: str | None, *, caption: bool = False) -> str:
    """Validates a message text or caption and returns its plain form."""
    if not caption and (not isinstance(text, str) or not text.strip()):
        raise bad_request("message text is empty")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise bad_request("caption must be a string")
    plain = plain_text(text, parse_mode)
    if not caption and not plain.strip():
        raise bad_request("message text is empty")
    limit = MAX_CAPTION if caption else MAX_TEXT
    # Telegram counts UTF-16 code units.
    if len(plain.encode("utf-16-le")) // 2 > limit:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise bad_request(_TEXT_BUTTON)
    actions = [name for name in _INLINE_BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        raise bad_request(_TEXT_BUTTON)
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (not isinstance(url, str) or not re.match(r"^(https?|tg)://", url)):
        raise bad_request("BUTTON_URL_INVALID")


def check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of '
                              "Arrays")
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not rows or not all(isinstance(row, list) for row in rows):
            raise bad_request("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
        for row in rows:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not isinstance(label, str) or not label:
                    raise bad_request("keyboard button text must be non-empty")
    elif not (markup.get("remove_keyboard") is True or markup.get("force_reply") is True):
        raise bad_request("can't parse reply keyboard markup JSON object")


def callback_data_of(markup: dict[str, Any] | None) -> list[str]:
    if not markup:
        return []
    return [button["callback_data"] for row in markup.get("inline_keyboard", [])
            for button in row if "callback_data" in button]


def check_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    checked: list[dict[str, str]] = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand")
        command, description = entry.get("command"), entry.get("description")
        if not isinstance(command, str) or not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command, "description": description})
    return checked


def check_language_code(language_code: Any) -> str:
    code = language_code or ""
    if not isinstance(code, str) or not _LANGUAGE_CODE.match(code):
        raise bad_request("invalid language code specified")
    return code


def check_secret_token(secret: Any) -> str | None:
    if secret in (None, ""):
        return None
    if not isinstance(secret, str) or not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    return secret
