"""Inserting many rows at once, for imports, without building a model instance per row.

`bulk_create` spends most of a large import preparing values: for each of a customer's thirty
columns it asks the field to prepare the value, row after row, although an imported row holds
plain strings, numbers and None that the database takes as they are. Here each column's default
is prepared once, only the columns whose values need converting (dates, times, JSON, decimals) go
through their field, and the rows go to PostgreSQL by COPY and to SQLite as multi-row INSERTs.
What ends up in the tables is what `bulk_create` would write (see the tests); like it, no
`save()` runs and no signal is sent.

`Staging` holds such rows back in temporary tables and moves them in at the end, so that a long
import on SQLite does not hold the database's only write lock while it prepares them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

# Column types whose Python values (str, int, bool, None) the database drivers take unchanged.
PLAIN_TYPES = frozenset({"AutoField", "BigAutoField", "BigIntegerField", "BooleanField",
                         "CharField", "ForeignKey", "IntegerField", "OneToOneField",
                         "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
                         "TextField"})  # fmt: skip
PLAIN_VALUES = frozenset({str, int, bool, type(None)})
_MISSING = object()


def _max_params() -> int:
    if connection.vendor == "sqlite":
        # Django assumes 999, the limit of SQLite before 3.32; the library at hand says its own.
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return connection.features.max_query_params or 65535


def insert_rows(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, return_ids: bool = False
) -> list[int]:
    """Insert one row per mapping (field attname → value; missing fields take their default,
    `auto_now` fields the present time) and return the new primary keys, in order, when asked.
    """
    rows = _derived(model, rows, update=False)
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = _values(fields, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [connection.ops.quote_name(str(f.column)) for f in fields]
    pk_column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk load: several times faster than INSERTs of many rows.
            # Its rows return nothing, so the keys are drawn from the sequence first.
            ids: list[int] = []
            if return_ids:
                ids = reserve_ids(model, len(rows))
                columns.insert(0, connection.ops.quote_name(pk_column))
                values = ([pk, *row] for pk, row in zip(ids, values, strict=True))
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return ids
        return _insert_many(cursor, table, columns, pk_column, values, return_ids)


def _derived(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, update: bool
) -> list[Mapping[str, Any]]:
    """The rows with the columns the model's `save` would derive, when the model says how
    (`bulk_rows`): no `save()` runs here."""
    rows = list(rows)
    derive = getattr(model, "bulk_rows", None)
    return derive([dict(r) for r in rows], update=update) if derive and rows else rows


def _values(fields: list[models.Field], rows: list[Mapping[str, Any]]) -> Iterator[list[Any]]:
    """Each row's values for the database, column by column."""
    now = timezone.now()
    spec = []
    for f in fields:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        default = f.get_db_prep_save(now if auto_now else f.get_default(), connection)
        spec.append((f.attname, f, f.get_internal_type() in PLAIN_TYPES, default))
    for row in rows:
        params = []
        for attname, f, plain, default in spec:
            value = row.get(attname, _MISSING)
            if value is _MISSING:
                params.append(default)
            elif plain and type(value) in PLAIN_VALUES:
                params.append(value)
            else:
                # Dates, JSON, decimals; and choices, which are enums of their values.
                params.append(f.get_db_prep_save(value, connection))
        yield params


def _insert_many(
    cursor: Any,
    table: str,
    columns: list[str],
    pk_column: str,
    values: Iterator[list[Any]],
    return_ids: bool,
) -> list[int]:
    """Multi-row INSERTs, as many rows to each as the database takes parameters."""
    # SQLite before 3.35 has no RETURNING: then one row at a time, each telling its key.
    one_by_one = return_ids and not connection.features.can_return_rows_from_bulk_insert
    per_insert = 1 if one_by_one else max(1, min(1000, _max_params() // len(columns)))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    returning = ""
    if return_ids and not one_by_one:
        returning = f" RETURNING {connection.ops.quote_name(pk_column)}"
    ids: list[int] = []
    while batch := list(islice(values, per_insert)):
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        sql += ", ".join([placeholders] * len(batch)) + returning
        cursor.execute(sql, [value for row in batch for value in row])
        if one_by_one:
            ids.append(cursor.lastrowid)
        elif return_ids:
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for rows of `model` inserted later, which no other row takes in the
    meantime. A key reserved and never used stays a gap, as a PostgreSQL sequence leaves one."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk_column = str(model._meta.pk.column)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
    # Django declares SQLite keys AUTOINCREMENT: a new row's key comes after the largest one
    # recorded in sqlite_sequence. Raising that record, in a transaction of its own (a moment of
    # the write lock), keeps the keys below it for us.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        recorded = cursor.fetchone()
        cursor.execute(
            f"SELECT max({connection.ops.quote_name(pk_column)}) "
            f"FROM {connection.ops.quote_name(table)}"
        )
        last = max(recorded[0] if recorded else 0, cursor.fetchone()[0] or 0)
        if recorded:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table]
            )
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count]
            )
    return list(range(last + 1, last + count + 1))


class StaleRows(Exception):
    """Rows staged as updates have changed, or are gone, since they were read."""


class Staging:
    """Rows for several tables, prepared one batch at a time and moved into their tables at the
    end, all at once, by `move_in` inside the caller's transaction. SQLite only.

    The rows wait in temporary tables of this connection, which live outside the database file:
    writing them takes no lock that another connection waits for, and they vanish with the
    connection, so an import that dies before it moves its rows in leaves nothing behind. Rows
    that other rows refer to get their keys at once (`return_ids`, from `reserve_ids`); the others
    get theirs as they move in. Moving in is one INSERT … SELECT per table, inside SQLite: about a
    second for 100,000 customers with their timeline entries and tags, against the tens of
    seconds that reading and checking them takes. The tables' constraints apply as they move in.
    """

    def __init__(self) -> None:
        self._staged: dict[str, str] = {}  # table → its temporary twin, in the order first used
        # table → the temporary table of its updates, their columns and the column checked
        self._updates: dict[str, tuple[str, list[str], str]] = {}

    def add(
        self, model: type[models.Model], rows: Iterable[Mapping[str, Any]], *,
        return_ids: bool = False, ids: list[int] | None = None,
    ) -> list[int]:  # fmt: skip
        """Stage one row per mapping, as `insert_rows` would insert it, and return the keys the
        rows will have when asked; `ids` gives keys reserved before."""
        rows = _derived(model, rows, update=False)
        if not rows:
            return []
        staged = self._table(model)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        values = _values(fields, rows)
        columns = [connection.ops.quote_name(str(f.column)) for f in fields]
        pk_column = str(model._meta.pk.column)
        if ids is None:
            ids = reserve_ids(model, len(rows)) if return_ids else []
        if ids:
            columns.insert(0, connection.ops.quote_name(pk_column))
            values = ([pk, *row] for pk, row in zip(ids, values, strict=True))
        with connection.cursor() as cursor:
            _insert_many(cursor, staged, columns, pk_column, values, return_ids=False)
        return ids

    def _table(self, model: type[models.Model]) -> str:
        table = model._meta.db_table
        if table not in self._staged:
            staged = "temp." + connection.ops.quote_name(f"staged_{table}")
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {staged}")
                # The same columns in the same order, without constraints or indexes.
                cursor.execute(
                    f"CREATE TEMP TABLE {connection.ops.quote_name(f'staged_{table}')} AS "
                    f"SELECT * FROM main.{connection.ops.quote_name(table)} LIMIT 0"
                )
            self._staged[table] = staged
        return self._staged[table]

    def update(
        self, model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, check: str
    ) -> None:
        """Stage changes to existing rows. Each mapping holds the row's key, the new values of
        the same columns (attnames) and, under "expected", the value that the column `check`
        had when the row was read: `move_in` writes none of them unless every row still has it.
        """
        rows = _derived(model, rows, update=True)
        if not rows:
            return
        meta = model._meta
        quote = connection.ops.quote_name
        table, pk = meta.db_table, meta.pk
        by_attname = {f.attname: f for f in meta.concrete_fields}
        fields = [pk, *(by_attname[n] for n in rows[0] if n not in (pk.attname, "expected"))]
        columns = [quote(str(f.column)) for f in fields]
        checked = by_attname[check]
        if table not in self._updates:
            staged = "temp." + quote(f"staged_update_{table}")
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {staged}")
                # The key as the rowid: moving in looks each row up by it.
                cursor.execute(
                    f"CREATE TEMP TABLE {quote(f'staged_update_{table}')} "
                    f"({columns[0]} INTEGER PRIMARY KEY, {', '.join(columns[1:])}, expected)"
                )
            self._updates[table] = (staged, columns, quote(str(checked.column)))
        staged = self._updates[table][0]
        values = (
            [f.get_db_prep_save(row[f.attname], connection) for f in fields]
            + [checked.get_db_prep_save(row["expected"], connection)]
            for row in rows
        )
        with connection.cursor() as cursor:
            _insert_many(cursor, staged, [*columns, "expected"], columns[0], values, False)

    def move_in(self) -> None:
        """Every staged row into its table, in the order staged, and the staged updates; or,
        if a row to update has changed since it was read, StaleRows and nothing. Call it in a
        transaction."""
        with connection.cursor() as cursor:
            # Other writers wait while this runs: keep the index pages it touches in memory,
            # where SQLite's default cache of 2 MB rereads them for every random key.
            cursor.execute("PRAGMA cache_size = -262144")
            try:
                self._move_in(cursor)
            finally:
                cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default

    def _move_in(self, cursor: Any) -> None:
        quote = connection.ops.quote_name
        for table, (staged, columns, checked) in self._updates.items():
            cursor.execute(
                f"SELECT count(*) FROM {staged} LEFT JOIN main.{quote(table)} AS now "
                f"ON now.{columns[0]} = {staged}.{columns[0]} "
                f"WHERE now.{columns[0]} IS NULL OR now.{checked} IS NOT {staged}.expected"
            )
            if cursor.fetchone()[0]:
                raise StaleRows
        for table, staged in self._staged.items():
            cursor.execute(f"INSERT INTO main.{quote(table)} SELECT * FROM {staged} ORDER BY rowid")
        for table, (staged, columns, _checked) in self._updates.items():
            key, changed = columns[0], ", ".join(columns[1:])
            cursor.execute(
                f"UPDATE main.{quote(table)} SET ({changed}) = "
                f"(SELECT {changed} FROM {staged} WHERE {staged}.{key} = {quote(table)}.{key}) "
                f"WHERE {key} IN (SELECT {key} FROM {staged})"
            )

    def discard(self) -> None:
        """Drop the staged rows (after they moved in, or when the import stops)."""
        with connection.cursor() as cursor:
            for staged in [*self._staged.values(), *(u[0] for u in self._updates.values())]:
                cursor.execute(f"DROP TABLE IF EXISTS {staged}")
        self._staged.clear()
        self._updates.clear()
