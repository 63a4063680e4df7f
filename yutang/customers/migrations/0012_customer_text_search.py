"""Text indexes for the customer search: an FTS5 trigram table kept by triggers on SQLite,
pg_trgm GIN indexes on PostgreSQL. Without the trigram tokenizer (SQLite before 3.34, or built
without FTS5) or without the right to create pg_trgm, nothing is made and the search scans."""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

COLUMNS = ("nickname", "name", "search_pinyin", "wechat_id", "phone")
FTS = "customers_customer_text"
TRIGGERS = ("customers_customer_text_insert", "customers_customer_text_delete",
            "customers_customer_text_update")  # fmt: skip
# The expressions Django's lookups compare: icontains is UPPER(column::text) LIKE UPPER(%s),
# contains and startswith compare the column itself.
PG_INDEXES = {
    "customer_nickname_trgm": "UPPER(nickname::text) gin_trgm_ops",
    "customer_name_trgm": "UPPER(name::text) gin_trgm_ops",
    "customer_search_pinyin_trgm": "search_pinyin gin_trgm_ops",
    "customer_wechat_id_trgm": "wechat_id gin_trgm_ops",
    "customer_phone_trgm": "phone gin_trgm_ops",
}


def sqlite_sql() -> list[str]:
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    insert = f"INSERT INTO {FTS} (rowid, {columns}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {FTS} ({FTS}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    on = "ON customers_customer BEGIN"
    return [
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, content='customers_customer', "
        "content_rowid='id', tokenize='trigram', detail=none)",
        f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT {on} {insert} END",
        f"CREATE TRIGGER {TRIGGERS[1]} AFTER DELETE {on} {delete} END",
        f"CREATE TRIGGER {TRIGGERS[2]} AFTER UPDATE OF {columns} {on} {delete} {insert} END",
        f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')",
    ]


def has_trigram(cursor: Any) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')")
    except Exception:
        return False
    cursor.execute("DROP TABLE temp.trigram_probe")
    return True


def create(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not has_trigram(cursor):
                print("\n  SQLite without the FTS5 trigram tokenizer: the customer search scans.")
                return
            for sql in sqlite_sql():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            try:
                # A savepoint: the migration goes on without the extension.
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception as error:
                print(f"\n  pg_trgm not available ({error}): the customer search scans.")
                return
            for name, expression in PG_INDEXES.items():
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer "
                    f"USING gin ({expression})"
                )


def drop(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for trigger in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        elif connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_customer_salutation")]

    operations = [migrations.RunPython(create, drop)]
