"""What every benchmark does first: a fresh data directory and database, Django set up."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django(*, postgres: bool, database: str) -> None:
    """Migrate a new, empty database: SQLite in a temporary folder, or PostgreSQL (DATABASE_URL,
    default a local database named `database`, dropped and created again)."""
    os.environ["YUTANG_DATA_DIR"] = tempfile.mkdtemp(prefix="yutang-bench-")
    if postgres:
        url = os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
        os.environ["DATABASE_URL"] = url
        import psycopg

        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yutang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
