"""The migration to the search's text index fills it with the customers already in the pool,
and going back removes it; the search works either way."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from yutang.customers import textsearch
from yutang.customers.models import Customer as Current

BEFORE = [("customers", "0011_customer_salutation")]
AFTER = [("customers", "0012_customer_text_search")]


class TextSearchMigrationTests(TransactionTestCase):
    """The searches read ids only: the table is as these migrations leave it, without the
    columns that later ones add to the model."""

    def migrate(self, targets: list[tuple[str, str]]) -> object:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        textsearch.forget_availability()
        return executor.loader.project_state(targets).apps

    def tearDown(self) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        textsearch.forget_availability()

    def indexes(self) -> set[str]:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'customers_customer_text%'"
                )
            else:
                cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
            return {row[0] for row in cursor.fetchall()}

    def test_it_indexes_the_customers_already_there_and_goes_back(self) -> None:
        apps = self.migrate(BEFORE)
        assert not self.indexes()
        User = apps.get_model("accounts", "User")  # type: ignore[attr-defined]
        Customer = apps.get_model("customers", "Customer")  # type: ignore[attr-defined]
        owner = User.objects.create(username="owner", role="owner")
        old = Customer.objects.create(
            nickname="老客户张三", owner=owner, search_pinyin="laokehuzhangsan lkhzs",
            phone="13800138000",
        )  # fmt: skip

        self.migrate(AFTER)
        assert self.indexes()
        assert textsearch.fts_available(connection) is (connection.vendor == "sqlite")
        for text in ("老客户", "zhangsan", "38000", "+8613800138000"):
            assert list(Current.objects.search(text).values_list("pk", flat=True)) == [old.pk], text
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(
                    textsearch.fts_candidates_sql(), [textsearch.match_expression("老客户")]
                )
                assert cursor.fetchall() == [(old.pk,)]

        self.migrate(BEFORE)
        assert not self.indexes()
        assert list(Current.objects.search("老客户").values_list("pk", flat=True)) == [old.pk]
