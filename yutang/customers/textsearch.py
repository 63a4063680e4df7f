"""The customer search's text indexes, so that a search reads the rows that match rather than the
whole pool.

The search itself is `CustomerQuerySet.search`: its LIKE conditions (`search_q`) decide what
matches, on both databases; the indexes only find the rows to test.

- SQLite: an FTS5 table with the trigram tokenizer over the searched columns, its rowid the
  customer's id. SQL triggers on the customer table keep it in step with every write: the
  actions, `bulk_create`, the imports' multi-row INSERTs and INSERT … SELECT, raw SQL alike. A
  search of three characters or more asks it for the rows holding every trigram of the text (a
  superset of the rows the LIKE conditions accept: FTS5 folds the case of every alphabet, LIKE
  only of ASCII), then tests the LIKE conditions on those rows alone.
- PostgreSQL: GIN indexes of pg_trgm over exactly the expressions Django's lookups compare
  (`UPPER(nickname::text)` for icontains, the column itself for contains and startswith), so the
  same LIKE conditions are index scans. The search asks them for the matching ids first
  (`CustomerQuerySet.search` says why): up to `RARE_MATCHES` of them, the list's order, page and
  count work on those ids; more, and the conditions go to the list's query. No extension, no
  indexes: the search still works, by scanning.

Either way a search costs in proportion to the customers it matches, not to the pool: a search
that matches a few is as fast in a million as in ten thousand; one that matches a share of the
pool (the first three letters of a common surname, a phone's first three digits) sorts and
counts that share.

Text of one or two characters has no trigram: those searches scan, as before (see
`MIN_INDEXED_CHARS`). Django's SQLite schema editor rebuilds a table to alter it, which drops
its triggers: `ensure_text_index`, run after every migrate, puts them back and rebuilds the
index from the table.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

TABLE = "customers_customer"
FTS_TABLE = "customers_customer_text"
# What the search compares: nickname and name (contains, any case), the pinyin keys (contains),
# the WeChat ID (starts with) and the phone (starts or ends with).
COLUMNS = ("nickname", "name", "search_pinyin", "wechat_id", "phone")
TRIGGERS = {
    "customers_customer_text_insert": "AFTER INSERT ON customers_customer BEGIN {insert} END",
    "customers_customer_text_delete": "AFTER DELETE ON customers_customer BEGIN {delete} END",
    "customers_customer_text_update": (
        "AFTER UPDATE OF {columns} ON customers_customer BEGIN {delete} {insert} END"
    ),
}
# A trigram index finds text of three characters or more.
MIN_INDEXED_CHARS = 3


def _trigger_sql() -> list[str]:
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    insert = f"INSERT INTO {FTS_TABLE} (rowid, {columns}) VALUES (new.id, {new});"
    delete = (
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    )
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name} "
        + body.format(insert=insert, delete=delete, columns=columns)
        for name, body in TRIGGERS.items()
    ]


def _state(connection: BaseDatabaseWrapper) -> tuple[bool, set[str]]:
    """Whether the FTS table exists, and the names of the customer table's triggers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        has_table = cursor.fetchone() is not None
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
        )
        return has_table, {row[0] for row in cursor.fetchall()}


def ensure_text_index(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Put back the triggers of the FTS table where they are missing, and fill the table again
    when one was (the customers may have changed meanwhile). The migration that makes the FTS
    table decides whether there is one: without it (rolled back, or a SQLite without the trigram
    tokenizer) nothing is made. True when the index is in place."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    has_table, triggers = _state(connection)
    if not has_table:
        return False
    if set(TRIGGERS) <= triggers:
        return True
    with connection.cursor() as cursor:
        for sql in _trigger_sql():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    logger.warning("customer search: the text index's triggers were missing; index rebuilt")
    _available.pop(_key(connection), None)
    return True


_available: dict[tuple[str, str], bool] = {}


def _key(connection: BaseDatabaseWrapper) -> tuple[str, str]:
    return (connection.alias, str(connection.settings_dict.get("NAME")))


def fts_available(connection: BaseDatabaseWrapper) -> bool:
    """Whether this SQLite database has the FTS table and the triggers that keep it: looked up
    once per database; without them the search runs its LIKE conditions alone."""
    if connection.vendor != "sqlite":
        return False
    key = _key(connection)
    if key not in _available:
        has_table, triggers = _state(connection)
        _available[key] = has_table and set(TRIGGERS) <= triggers
    return _available[key]


def forget_availability() -> None:
    """For tests that drop the index: look it up again on the next search."""
    _available.clear()


def trigrams(text: str) -> list[str]:
    """The distinct trigrams of the text, by Unicode code point as the trigram tokenizer cuts."""
    return list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))


def indexable(*texts: str) -> bool:
    """Whether a trigram index can find every one of these texts."""
    return all(len(text) >= MIN_INDEXED_CHARS and "\x00" not in text for text in texts)


def match_expression(*texts: str) -> str:
    """The FTS5 query of the rows that hold every trigram of one of the (indexable) texts."""
    parts = []
    for text in dict.fromkeys(texts):
        grams = " AND ".join('"' + g.replace('"', '""') + '"' for g in trigrams(text))
        parts.append(f"({grams})")
    return " OR ".join(parts)


def fts_candidates_sql() -> str:
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"


def repair_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: the triggers back after a migration rebuilt the customer table."""
    try:
        ensure_text_index(using)
    except Exception:  # a database migrated half-way keeps its LIKE search
        logger.exception("customer search: the text index could not be checked")
