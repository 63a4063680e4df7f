from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import connections


class Command(BaseCommand):
    help = "Serve yutang in production with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("YUTANG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("YUTANG_WORKERS", 2)))
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        serve(bind=options["bind"], workers=options["workers"])


def close_connections() -> None:
    """A worker must never inherit the master's database connection: two processes talking
    over one socket lose sessions and answer garbage. The master has one open after `migrate`
    (and after `demo` prepared its data), and kept it with CONN_MAX_AGE on PostgreSQL."""
    connections.close_all()


def serve(*, bind: str, workers: int) -> None:
    # Hashed names the browser may cache for years, and their gzip copies: before the
    # application loads, since whitenoise lists the files it serves when it starts.
    call_command("collectstatic", interactive=False, verbosity=0)
    # gunicorn is loaded by the process that serves, not by every other command.
    from gunicorn.app.base import BaseApplication

    # The assembled application of settings.WSGI_APPLICATION, found the way runserver finds it.
    application = get_internal_wsgi_application()
    close_connections()

    class App(BaseApplication):
        def load_config(self) -> None:
            assert self.cfg is not None
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            # Also before every fork of a worker the master restarts later.
            self.cfg.set("pre_fork", lambda _server, _worker: close_connections())

        def load(self) -> Any:
            return application

    App().run()
