from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yutang.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Manage API tokens: `yutang token create USERNAME` prints a new token."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new API token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        _token, key = ApiToken.issue(user, options["name"])
        self.stdout.write(key)
