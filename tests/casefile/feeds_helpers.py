"""Helpers for the feed tests: build a feed from rows, import it, and count every table."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from factories import NOW, POLICY, SYSTEM
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from casefile import directory
from casefile.importing import Feed, ImportResult, import_feed, parse_json
from casefile.models import Agency, Base, Person


def feed(kind: str, rows: list[Any], agency: str = "PS", **extra: Any) -> Feed:
    return parse_json(json.dumps({"feed": kind, "agency": agency, "rows": rows, **extra}), f"{kind}.json")


def run(engine: Engine, kind: str, rows: list[Any], *, agency: str = "PS", now: datetime = NOW,
        dry_run: bool = False, **extra: Any) -> ImportResult:
    return import_feed(engine, feed(kind, rows, agency, **extra), policy=POLICY, now=now, dry_run=dry_run)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def probation(session: Session) -> Agency:
    return directory.add_agency(session, SYSTEM, "Probation Service", "PS", now=NOW)


def people(session: Session, *refs: str) -> list[Person]:
    return [directory.add_person(session, SYSTEM, f"Person {ref}", ref=ref, now=NOW) for ref in refs]
