"""Inserting many rows at once, for imports, without building a model instance per row.

`bulk_create` spends most of a large import preparing values: for each of a customer's thirty
columns it asks the field to prepare the value, row after row, although an imported row holds
plain strings, numbers and None that the database takes as they are. Here each column's default
is prepared once, only the columns whose values need converting (dates, times, JSON, decimals) go
through their field, and the rows are sent as multi-row INSERTs. What ends up in the tables is
what `bulk_create` would write (see the tests); like it, no `save()` runs and no signal is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models
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
        import sqlite3

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
    rows = list(rows)
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    spec = []
    for f in fields:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        default = f.get_db_prep_save(now if auto_now else f.get_default(), connection)
        spec.append((f.attname, f, f.get_internal_type() in PLAIN_TYPES, default))
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    per_insert = max(1, min(1000, _max_params() // len(fields)))
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_insert):
            batch = rows[start : start + per_insert]
            params: list[Any] = []
            for row in batch:
                for attname, f, plain, default in spec:
                    value = row.get(attname, _MISSING)
                    if value is _MISSING:
                        params.append(default)
                    elif plain and type(value) in PLAIN_VALUES:
                        params.append(value)
                    else:
                        # Dates, JSON, decimals; and choices, which are enums of their values.
                        params.append(f.get_db_prep_save(value, connection))
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join(
                [placeholders] * len(batch)
            )
            if return_ids:
                cursor.execute(sql + f" RETURNING {pk}", params)
                ids += [r[0] for r in cursor.fetchall()]
            else:
                cursor.execute(sql, params)
    return ids
