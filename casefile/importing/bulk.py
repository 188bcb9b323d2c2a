"""Writing and looking up tens of thousands of rows at once, the fast way on each database.

A whole prison roll is 50,000 rows. Through SQLAlchemy's executemany that is mostly time spent
turning each row's values into parameters (SQLite), or one network round trip per row even in
pipeline mode (PostgreSQL). So: on PostgreSQL rows go in with COPY, an update goes through a
temporary table and one UPDATE ... FROM, and look-ups pass one array; on SQLite each column's
values are converted once per row with the column type's own bind processor and handed to the
driver's executemany. Both run on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import JSON, Column, Connection, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import psycopg

# Well under SQLite's limit of 32,766 bound values in one statement.
LOOKUP_CHUNK = 5000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def rows_where_in(connection: Connection, columns: Sequence[Any], key: QueryableAttribute[Any], values: Iterable[Any]
                  ) -> list[Any]:
    """SELECT `columns` for every row whose `key` is one of `values` (one array on PostgreSQL)."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    if is_postgresql(connection):
        array = bindparam("wanted", wanted, type_=ARRAY(key.type))
        return list(connection.execute(select(*columns).where(key == any_(array))))
    found: list[Any] = []
    for part in chunks(wanted):
        found.extend(connection.execute(select(*columns).where(key.in_(part))))
    return found


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT every row (all with the same keys)."""
    if not rows:
        return
    names = list(rows[0])
    if is_postgresql(connection):
        _copy(connection, table.name, [table.c[name] for name in names], rows)
        return
    converters = [_sqlite_converter(connection, table.c[name]) for name in names]
    # A value every row shares (the import's time, who made it, a default) is converted once, not per row:
    # the conversions are most of the time an insert holds SQLite's write lock.
    shared = {name: convert(rows[0][name]) for convert, name in zip(converters, names, strict=True)
              if _same_in_every_row(rows, name)}
    varying = [(convert, name) for convert, name in zip(converters, names, strict=True) if name not in shared]
    ordered = [*shared, *(name for _convert, name in varying)]
    fixed = tuple(shared.values())
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(_quoted(name) for name in ordered)}) VALUES ({placeholders})",
        [(*fixed, *(convert(row[name]) for convert, name in varying)) for row in rows],
    )


def update_versioned(
    connection: Connection, table: Table, key: str, changes: Sequence[Mapping[str, Any]], *,
    version: str = "version", extra: Mapping[str, Any] | None = None,
) -> int:
    """Set the given columns on each row whose `key` matches and whose `version` is still the one read.

    Each change holds the key, the version that was read and the new values (the same columns in
    every change); `extra` values are set on every row. The version goes up by one. Returns how many
    rows were updated: fewer than asked means someone else changed some of them first.
    """
    if not changes:
        return 0
    names = [name for name in changes[0] if name not in (key, version)]
    extra = dict(extra or {})
    if is_postgresql(connection):
        return _update_from_temp(connection, table, key, version, names, changes, extra)
    converters = {
        name: _sqlite_converter(connection, table.c[name]) for name in (*names, *extra, key, version)
    }
    assignments = ", ".join(f"{_quoted(name)} = ?" for name in (*names, *extra))
    statement = (f"UPDATE {table.name} SET {assignments}, {version} = {version} + 1 "
                 f"WHERE {_quoted(key)} = ? AND {version} = ?")
    fixed = tuple(converters[name](value) for name, value in extra.items())
    result = connection.exec_driver_sql(statement, [
        (*(converters[name](change[name]) for name in names), *fixed,
         converters[key](change[key]), converters[version](change[version]))
        for change in changes
    ])
    return int(result.rowcount)


def _update_from_temp(connection: Connection, table: Table, key: str, version: str, names: list[str],
                      changes: Sequence[Mapping[str, Any]], extra: dict[str, Any]) -> int:
    scratch = f"_import_{table.name}"
    columns = [table.c[key], table.c[version], *(table.c[name] for name in names)]
    # The scratch table takes its column types from the real one; ON COMMIT DROP tidies it away.
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "
        f"SELECT {', '.join(column.name for column in columns)} FROM {table.name} WITH NO DATA"
    )
    _copy(connection, scratch, columns, changes)
    assignments = [f"{name} = s.{name}" for name in names]
    assignments += [f"{name} = %({name})s" for name in extra]
    result = connection.exec_driver_sql(
        f"UPDATE {table.name} AS t SET {', '.join(assignments)}, {version} = t.{version} + 1 "
        f"FROM {scratch} AS s WHERE t.{key} = s.{key} AND t.{version} = s.{version}",
        {name: _postgres_value(connection, table.c[name], value) for name, value in extra.items()},
    )
    connection.exec_driver_sql(f"DROP TABLE {scratch}")
    return int(result.rowcount)


def _copy(connection: Connection, table_name: str, columns: Sequence[Column[Any]],
          rows: Sequence[Mapping[str, Any]]) -> None:
    # Only PostgreSQL comes here, and its driver is psycopg 3 (the engine's URL says postgresql+psycopg).
    raw = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
    names = [column.name for column in columns]
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {table_name} ({', '.join(_quoted(name) for name in names)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(tuple(_postgres_value(connection, column, row[column.name]) for column in columns))


def _postgres_value(connection: Connection, column: Column[Any], value: Any) -> Any:
    """What COPY needs: JSON as its text, our own column types (UTC times) as they would be bound."""
    if value is None:
        return None
    if isinstance(column.type, JSON):
        return json.dumps(value)
    if isinstance(column.type, TypeDecorator):
        return column.type.process_bind_param(value, connection.dialect)
    return value


def _same_in_every_row(rows: Sequence[Mapping[str, Any]], name: str) -> bool:
    first = rows[0][name]
    return all(row[name] is first or row[name] == first for row in rows)


def _sqlite_converter(connection: Connection, column: Column[Any]) -> Any:
    # The processor SQLAlchemy itself binds with: for our UTC times that is our type's conversion and
    # then SQLite's own text format, so these rows read back and compare exactly like any other.
    # (The type's own `bind_processor`, without `dialect_impl`, would leave the format to the driver.)
    processor = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return processor if processor is not None else _same


def _same(value: Any) -> Any:
    return value


def _quoted(name: str) -> str:
    return f'"{name}"'
