from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yutang.accounts.models import User
from yutang.imports.exports import EXPORTS
from yutang.lib.xlsx import write


class Command(BaseCommand):
    help = "Export customers, orders, follow-ups or touchpoints to xlsx, as a user sees them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(EXPORTS))
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--as", dest="username", required=True, help="whose view to export")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        if not options["file"].lower().endswith(".xlsx"):
            raise CommandError("the file name must end in .xlsx")
        sheet = EXPORTS[options["what"]](user, {})
        try:
            count = write(sheet, options["file"])
        except OSError as exc:
            raise CommandError(f"cannot write {options['file']}: {exc.strerror}") from exc
        self.stdout.write(f"{count} rows written to {options['file']}")
