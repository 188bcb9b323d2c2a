"""bot/settings.py: one table, each default written once, every field read from it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import REPO_ROOT, SETTINGS, SettingError, Settings, TelegramLimits, default_of
from casefile.reminder_rules import QuietHours


def test_each_row_fills_one_field_in_order_and_every_field_has_a_row() -> None:
    assert [setting.field for setting in SETTINGS] == [field.name for field in dataclasses.fields(Settings)]
    assert len({setting.name for setting in SETTINGS}) == len(SETTINGS)


def test_no_default_is_written_a_second_time_on_the_dataclass() -> None:
    with_default = [field.name for field in dataclasses.fields(Settings)
                    if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING]
    assert with_default == []


def test_the_readme_shows_the_real_default_unless_it_is_worked_out_at_start_up() -> None:
    for setting in SETTINGS:
        if setting.default is not None:
            assert setting.shown is None, setting.name
            assert setting.readme_default == (setting.default or "(none)")
        if setting.computed is not None:
            assert setting.default is None and setting.shown, setting.name


def test_the_built_in_settings_are_the_table_defaults() -> None:
    built_in = Settings.built_in()
    assert built_in.voice_timeout_seconds == 10.0
    assert built_in.link_code_days == 14
    assert built_in.link_code_pepper == ""
    assert built_in.telegram_token is None
    assert built_in.webhook_listen == "127.0.0.1:8443"
    assert built_in.telegram_rate == 30.0
    assert built_in.telegram_send_timeout == 20.0  # above the 7 s Telegram can take under load
    assert built_in.reminder_max_attempts == 5
    assert built_in.reminder_lease_seconds == 60.0
    assert built_in.send_per_second == 29.5
    assert built_in.bot_username == "signpost_bot"
    assert built_in.content_dir == REPO_ROOT / "content"
    assert built_in.voice_cache_dir == built_in.data_dir / "voice-cache"
    assert built_in.database_url == f"sqlite:///{built_in.data_dir / 'signpost.db'}"
    assert built_in.web_workers >= 1
    assert default_of("send_per_second") == 29.5


def test_computed_defaults_follow_the_settings_they_are_worked_out_from(tmp_path: Path) -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / "signpost"
    assert settings.voice_cache_dir == tmp_path / "signpost" / "voice-cache"
    chosen = Settings.from_env({"SIGNPOST_DATA_DIR": str(tmp_path / "mine"), "SIGNPOST_WEB_WORKERS": "3"})
    assert chosen.database_url == f"sqlite:///{tmp_path / 'mine' / 'signpost.db'}"
    assert chosen.web_workers == 3


@pytest.mark.parametrize("raw", ["", "  ", "soon", "0", "-4", "nan"])
def test_a_blank_or_wrong_number_keeps_the_default(raw: str) -> None:
    settings = Settings.from_env({
        "SIGNPOST_VOICE_TIMEOUT": raw, "SIGNPOST_LINK_CODE_DAYS": raw, "SIGNPOST_TELEGRAM_RATE": raw,
        "SIGNPOST_REMINDER_MAX_ATTEMPTS": raw, "SIGNPOST_REMINDER_LEASE_SECONDS": raw,
        "SIGNPOST_SEND_PER_SECOND": raw, "SIGNPOST_WEB_WORKERS": "2",
    })
    built_in = Settings.built_in()
    for name in ("voice_timeout_seconds", "link_code_days", "telegram_rate", "reminder_max_attempts",
                 "reminder_lease_seconds", "send_per_second"):
        assert getattr(settings, name) == getattr(built_in, name), name


def test_numbers_are_read_and_the_send_rate_is_held_to_telegrams_limit() -> None:
    settings = Settings.from_env({"SIGNPOST_SEND_PER_SECOND": "80", "SIGNPOST_LINK_CODE_DAYS": "3",
                                  "SIGNPOST_REMINDER_MAX_ATTEMPTS": "2.7", "SIGNPOST_VOICE_TIMEOUT": "2.5"})
    assert settings.send_per_second == 30.0
    assert settings.link_code_days == 3
    assert settings.reminder_max_attempts == 2
    assert settings.voice_timeout_seconds == 2.5
    assert Settings.from_env({"SIGNPOST_SEND_PER_SECOND": "12"}).send_per_second == 12.0


def test_the_bot_username_loses_its_at_sign() -> None:
    assert Settings.from_env({"SIGNPOST_BOT_USERNAME": "@my_bot"}).bot_username == "my_bot"


def test_the_reminder_policy_comes_from_the_four_reminder_settings() -> None:
    policy = Settings.from_env({
        "SIGNPOST_REMINDER_OFFSETS": "3h", "SIGNPOST_REMINDER_KIND_OFFSETS": "health=1d",
        "SIGNPOST_QUIET_HOURS": "22:00-07:30", "SIGNPOST_MISSED_FOLLOW_UP": "1h",
    }).reminder_policy
    assert policy.offsets == (timedelta(hours=3),)
    assert policy.offsets_for("Health") == (timedelta(days=1),)
    assert policy.quiet == QuietHours(time(22, 0), time(7, 30))
    assert policy.missed_follow_up == timedelta(hours=1)
    built_in = Settings.built_in().reminder_policy
    assert built_in.offsets == (timedelta(hours=24), timedelta(hours=2))
    assert dict(built_in.kind_offsets) == {}
    assert built_in.quiet == QuietHours(time(21, 0), time(8, 0))
    assert built_in.missed_follow_up == timedelta(minutes=30)


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("SIGNPOST_REMINDER_OFFSETS", "soon", "Write it like 24h"),
    ("SIGNPOST_REMINDER_OFFSETS", "30d", "at most 14 days"),
    ("SIGNPOST_REMINDER_KIND_OFFSETS", "health", "kind=24h,2h"),
    ("SIGNPOST_QUIET_HOURS", "late", "21:00-08:00"),
    ("SIGNPOST_QUIET_HOURS", "25:00-08:00", "Write it like 21:00"),
    ("SIGNPOST_MISSED_FOLLOW_UP", "a while", "Write it like 24h"),
])
def test_a_bad_reminder_setting_stops_start_up_naming_it(name: str, raw: str, says: str) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({name: raw})
    assert str(caught.value).startswith(f"{name}={raw!r} cannot be used:")
    assert says in str(caught.value)


def test_every_command_refuses_to_start_on_a_bad_reminder_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIGNPOST_QUIET_HOURS", "after tea")
    assert main(["content", "check"]) == 2
    err = capsys.readouterr().err
    assert "SIGNPOST_QUIET_HOURS='after tea' cannot be used" in err
    assert "Signpost did not start" in err


def test_the_command_line_says_which_setting_is_wrong() -> None:
    env = {"PATH": "/usr/bin:/bin", "SIGNPOST_REMINDER_OFFSETS": "24h,fortnight"}
    result = subprocess.run([sys.executable, "-m", "bot", "reminders", "list"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "SIGNPOST_REMINDER_OFFSETS='24h,fortnight' cannot be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_link_code_hasher_carries_the_pepper() -> None:
    assert Settings.from_env({"SIGNPOST_LINK_CODE_PEPPER": "kept elsewhere"}).link_hasher.pepper == "kept elsewhere"
    assert Settings.built_in().link_hasher.pepper == ""
    peppered = dataclasses.replace(Settings.from_env({"SIGNPOST_LINK_CODE_PEPPER": "p"}).link_hasher, n=2, r=1)
    plain = dataclasses.replace(Settings.built_in().link_hasher, n=2, r=1)
    assert peppered.hash("ABCD2345") != plain.hash("ABCD2345")


def test_the_text_message_rate_is_held_to_notifys_limit_and_the_day_limit_is_read() -> None:
    settings = Settings.from_env({"SIGNPOST_SMS_PER_MINUTE": "9000", "SIGNPOST_SMS_PER_DAY": "1000"})
    assert settings.sms_per_minute == 3000.0
    assert settings.sms_per_day == 1000
    built_in = Settings.built_in()
    assert built_in.sms_per_minute < 3000.0
    assert built_in.notify_base_url == "https://api.notifications.service.gov.uk"
    assert built_in.notify_api_key is None


def test_a_notify_api_key_is_read_whole_and_a_broken_one_stops_start_up() -> None:
    key = "signpost_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
    assert Settings.from_env({"SIGNPOST_NOTIFY_API_KEY": f" {key} "}).notify_api_key == key
    with pytest.raises(SettingError, match="SIGNPOST_NOTIFY_API_KEY"):
        Settings.from_env({"SIGNPOST_NOTIFY_API_KEY": "3d844edf-8d35-48ac-975b-e847b4f122b0"})


def test_the_send_rate_is_held_to_the_telegram_limits_set_and_the_send_budget_is_checked() -> None:
    assert Settings.built_in().telegram_limits == TelegramLimits(30.0, 1.0)
    assert Settings.built_in().send_budget == "database"
    faster = Settings.from_env({"SIGNPOST_TELEGRAM_LIMITS": "300, 10", "SIGNPOST_SEND_PER_SECOND": "295"})
    assert faster.telegram_limits == TelegramLimits(300.0, 10.0) and faster.send_per_second == 295.0
    assert Settings.from_env({"SIGNPOST_TELEGRAM_LIMITS": "20,1"}).send_per_second == 20.0
    for name, bad in (("SIGNPOST_TELEGRAM_LIMITS", "30"), ("SIGNPOST_TELEGRAM_LIMITS", "0,1"),
                      ("SIGNPOST_SEND_BUDGET", "redis")):
        with pytest.raises(SettingError, match=name):
            Settings.from_env({name: bad})
