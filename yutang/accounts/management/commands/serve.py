from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


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


def serve(*, bind: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from yutang.wsgi import application

    class App(BaseApplication):
        def load_config(self) -> None:
            assert self.cfg is not None
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self) -> Any:
            return application

    App().run()
