from __future__ import annotations

import io
from unittest import mock

from django.core.management import CommandError, call_command

from yutang.accounts.models import ApiToken, Role, User
from yutang.test import BaseTestCase


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)):
        call_command(*args, stdout=out)
    return out.getvalue()


class AddUserTests(BaseTestCase):
    def test_it_creates_an_agent_below_an_upline(self) -> None:
        run(
            "adduser",
            "erin",
            "--role",
            "agent",
            "--upline",
            "bob",
            "--password-stdin",
            stdin="a-long-pass-phrase\n",
        )
        erin = User.objects.get(username="erin")
        assert erin.role == Role.AGENT
        assert erin.upline == self.bob
        assert erin.check_password("a-long-pass-phrase")
        assert erin in self.bob.branch()

    def test_it_makes_the_owner_an_admin(self) -> None:
        run("adduser", "olga", "--role", "owner", "--password-stdin", stdin="a-long-pass-phrase\n")
        olga = User.objects.get(username="olga")
        assert olga.is_superuser and olga.is_staff

    def test_it_refuses_bad_input(self) -> None:
        cases = [
            (["adduser", "alice", "--role", "staff", "--password-stdin"], "already exists"),
            (
                ["adduser", "x", "--role", "agent", "--upline", "nobody", "--password-stdin"],
                "no user",
            ),
            (["adduser", "x", "--role", "staff", "--upline", "bob", "--password-stdin"], "上级"),
        ]
        for args, message in cases:
            with self.assertRaisesMessage(CommandError, message):
                run(*args, stdin="a-long-pass-phrase\n")
        with self.assertRaises(CommandError):
            run("adduser", "y", "--role", "staff", "--password-stdin", stdin="123\n")
        assert not User.objects.filter(username__in=["x", "y"]).exists()

    def test_it_generates_a_password_without_a_terminal(self) -> None:
        out = run("adduser", "zoe", "--role", "staff")
        password = out.split("password: ")[1].strip()
        assert User.objects.get(username="zoe").check_password(password)


class TokenCommandTests(BaseTestCase):
    def test_it_prints_a_token_that_opens_the_api(self) -> None:
        key = run("token", "create", "bob").strip()
        assert ApiToken.objects.filter(user=self.bob).count() == 1
        response = self.client.get("/api/customers", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200

    def test_it_refuses_an_unknown_user(self) -> None:
        with self.assertRaises(CommandError):
            run("token", "create", "nobody")
