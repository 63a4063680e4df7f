"""The migration to birthday parts keeps every existing birthday: a solar one as its year, month
and day, a lunar one as the lunar date of the solar date of birth, which comes back from it."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [("customers", "0008_customerstats_from_analytics")]
AFTER = [("customers", "0009_customer_birthday_parts")]


class BirthdayMigrationTests(TransactionTestCase):
    def migrate(self, targets: list[tuple[str, str]]) -> object:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    def test_it_converts_existing_birthdays_losslessly_and_back(self) -> None:
        apps = self.migrate(BEFORE)
        User = apps.get_model("accounts", "User")  # type: ignore[attr-defined]
        Customer = apps.get_model("customers", "Customer")  # type: ignore[attr-defined]
        owner = User.objects.create(username="owner", role="owner")
        born = {
            "solar": (date(1990, 5, 20), "solar"),
            "lunar": (date(1990, 2, 15), "lunar"),  # 正月二十 of lunar 1990
            "leap": (date(1998, 7, 8), "lunar"),  # 闰五月十五 of lunar 1998
            "winter": (date(1990, 1, 26), "lunar"),  # 腊月三十 of lunar 1989
            "old": (date(1880, 3, 1), "lunar"),  # before the supported lunar range
        }
        ids = {}
        for name, (day, calendar) in born.items():
            ids[name] = Customer.objects.create(
                nickname=name, owner=owner, birthday=day, birthday_calendar=calendar
            ).pk
        Customer.objects.create(nickname="none", owner=owner)

        apps = self.migrate(AFTER)
        Customer = apps.get_model("customers", "Customer")  # type: ignore[attr-defined]
        parts = {
            c.nickname: (
                c.birthday_calendar,
                c.birthday_year,
                c.birthday_month,
                c.birthday_day,
                c.birthday_leap,
            )
            for c in Customer.objects.all()
        }
        assert parts == {
            "solar": ("solar", 1990, 5, 20, False),
            "lunar": ("lunar", 1990, 1, 20, False),
            "leap": ("lunar", 1998, 5, 15, True),
            "winter": ("lunar", 1989, 12, 30, False),
            "old": ("solar", 1880, 3, 1, False),
            "none": ("solar", None, None, None, False),
        }

        apps = self.migrate(BEFORE)
        Customer = apps.get_model("customers", "Customer")  # type: ignore[attr-defined]
        back = {c.nickname: c.birthday for c in Customer.objects.all()}
        assert back == {name: day for name, (day, _c) in born.items()} | {"none": None}
