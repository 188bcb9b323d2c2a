from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main


def test_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys", "holidays", "2027"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2027:"
    assert "  Monday 27 December 2027  Christmas Day (substitute day)" in out
    assert len(out.splitlines()) == 9


def test_holidays_in_welsh(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys", "holidays", "2023", "--lang", "cy"]) == 0
    assert "Dydd Llun 8 Mai 2023  Coronation of King Charles III" in capsys.readouterr().out


def test_holidays_rejects_a_wrong_year(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["journeys", "holidays", "next"])
    assert exited.value.code == 2
    assert '"next" is not a year, like 2027' in capsys.readouterr().err


def test_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "journey.png"
    assert main(["journeys", "picture", "on_licence", "--lang", "pl", "--out", str(out)]) == 0
    assert f"Saved {out}" in capsys.readouterr().out
    with Image.open(io.BytesIO(out.read_bytes())) as image:
        assert image.format == "PNG" and image.width == 1000


def test_picture_of_an_unknown_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys", "picture", "on_holiday"]) == 2
    assert '"on_holiday" is not a stage. Use one of: in_court,' in capsys.readouterr().err


def test_picture_to_a_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys", "picture", "in_court", "--out", str(tmp_path / "no" / "such" / "x.png")]) == 1
    assert "Could not save the picture to" in capsys.readouterr().err
