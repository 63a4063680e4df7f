from __future__ import annotations

import getpass
import secrets
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yutang.accounts.actions import create_user
from yutang.accounts.models import Role, User


class Command(BaseCommand):
    help = "Create a yutang user: owner, staff or agent (with an upline agent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--upline", help="username of the upline agent (agents only)")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        upline = None
        if options["upline"]:
            upline = User.objects.filter(username=options["upline"]).first()
            if upline is None:
                raise CommandError(f"no user {options['upline']!r}")
        generated = False
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        else:
            password, generated = secrets.token_urlsafe(12), True
        if not password:
            raise CommandError("empty password")
        try:
            validate_password(password)
            user = create_user(
                username=username,
                role=options["role"],
                password=password,
                upline=upline,
                display_name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"created {user.role} {user.username}")
        if generated:
            self.stdout.write(f"password: {password}")
