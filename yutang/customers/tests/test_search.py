"""The customer search through the databases' text indexes: the same customers as the LIKE
conditions it had before for every text, an index kept in step by every way a customer is
written, scoped to what the user sees, and query plans that read the index, not the pool."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from yutang.customers import models, textsearch
from yutang.customers.actions import merge_customers
from yutang.customers.filters import CustomerFilters, filter_customers
from yutang.customers.models import Customer
from yutang.imports.bulk import Staging, insert_rows
from yutang.test import BaseTestCase, make_customer


def old_search(qs: Any, text: str) -> Any:
    """The search as it was, one LIKE per column over every row: the reference."""
    text = "".join(text.split()).lower()
    if not text:
        return qs
    digits = text.removeprefix("+86")
    q = (
        Q(nickname__icontains=text)
        | Q(name__icontains=text)
        | Q(wechat_id__startswith=text)
        | Q(search_pinyin__contains=text)
    )
    if digits.isdigit():
        q |= Q(phone__startswith=digits) | Q(phone__endswith=digits)
    return qs.filter(q)


# Chinese, pinyin, mixed-case WeChat IDs, phones sharing starts and ends, emoji, LIKE's own
# wildcards and escape, Latin letters outside ASCII, spaces inside names.
POND = [
    ("张三", "张三", "ZhangSan_88", "13800138000"),
    ("小张🌸", "", "zhang3", "13800001234"),
    ("张三丰 店", "张三丰", "Wang-Fang", "13912341380"),
    ("王芳", "王芳", "wangfang", "18612345678"),
    ("汪放", "", "WF_2024", "15678901380"),
    ("🌸🌸花店🌸", "", "", "13000005678"),
    ("100%纯棉", "", "pct_100", ""),
    ("a_b_c", "", "a_b", "17700000000"),
    ("50\\50", "", "", "17711112222"),
    ("Zoë Ärger", "Émile", "zoe", "+85291234567"),
    ("ÄBC", "", "", "13322223333"),
    ("曾小贤", "曾小贤", "", "13344445555"),
    ("单田芳", "", "shan_tf", ""),
    ("mary 玛丽", "Mary", "MaryShop", "15011112222"),
    ("阿强", "李强", "aqiang88", "13912345678"),
]
QUERIES = [
    "", "   ", "zs", "z", "张", "张三", "张三丰", "zhangsan", "ZhangSan", "zhang", "ZHANG_", "zsf",
    "wangfang", "WANG-F", "wf", "wf_", "王芳", "汪放", "wangf", "🌸", "🌸🌸", "🌸🌸花", "花店🌸",
    "%", "%%", "100%", "0%纯", "_", "a_b", "a_b_c", "_b_", "\\", "50\\5", "\\50", "1380",
    "13800138000", "+8613800138000", "+86 138 0013", "+86", "5678", "45678", "1234", "001",
    "8522", "+852", "852912", "zoë", "ZOË", "äbc", "ÄBC", "abc", "émile", "ÉMILE", "mary",
    "MARY玛丽", "mary玛丽", "ry玛", "zengxiaoxian", "cengxiaoxian", "zxx", "shantianfang",
    "dantianfang", "aqiang", "AQIANG88", "liqiang", "nobody", "\"", "a\"b\"c", "*", "NEAR",
    "zhang AND san", "a OR b", "(", "三丰店", "丰 店", "s" * 200,
]  # fmt: skip


class SearchTestCase(BaseTestCase):
    def setUp(self) -> None:
        owners = [self.bob, self.dave, self.charlie]
        self.pond = [
            make_customer(owners[i % 3], nick, name=name, wechat_id=wechat, phone=phone)
            for i, (nick, name, wechat, phone) in enumerate(POND)
        ]

    def uses_index(self) -> bool:
        return connection.vendor == "sqlite" and textsearch.fts_available(connection)

    def assert_index_matches_table(self) -> None:
        """FTS5 checks its index against the customer table (external content), row by row."""
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            table = textsearch.FTS_TABLE
            cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")

    def indexed(self, text: str) -> set[int]:
        """The customers the FTS table itself holds for the text (no LIKE afterwards)."""
        assert textsearch.indexable(text)
        with connection.cursor() as cursor:
            cursor.execute(textsearch.fts_candidates_sql(), [textsearch.match_expression(text)])
            return {row[0] for row in cursor.fetchall()}


class SameResultsTests(SearchTestCase):
    def test_it_finds_what_the_like_search_found_for_every_text(self) -> None:
        if connection.vendor == "sqlite":
            assert textsearch.fts_available(connection)
        # On PostgreSQL, RARE_MATCHES 0 takes the way of a text that matches many.
        for rare in (models.RARE_MATCHES, 0):
            with mock.patch.object(models, "RARE_MATCHES", rare):
                for user in (self.alice, self.bob, self.charlie):
                    visible = Customer.objects.visible_to(user)
                    for text in QUERIES:
                        ours = sorted(visible.search(text).values_list("pk", flat=True))
                        before = sorted(old_search(visible, text).values_list("pk", flat=True))
                        assert ours == before, (user.username, text)
                        like = visible.search_like(text).values_list("pk", flat=True)
                        assert ours == sorted(like)

    def test_it_finds_the_varied_pond_as_sellers_search_it(self) -> None:
        def found(text: str) -> list[str]:
            return sorted(c.nickname for c in Customer.objects.search(text))

        assert found("zhangsan") == ["张三", "张三丰 店"]
        assert found("🌸🌸花") == ["🌸🌸花店🌸"]
        assert found("100%") == ["100%纯棉"]
        assert found("a_b") == ["a_b_c"]  # the WeChat ID a_b starts with it too
        assert found("_b_") == ["a_b_c"]
        assert found("+86 138 0013 8000") == ["张三"]
        assert found("45678") == ["王芳", "阿强"]  # 尾号: both phones end with it
        # A mixed-case WeChat ID by its start: LIKE ignores ASCII case on SQLite, not on
        # PostgreSQL, as before.
        assert found("wang-f") == (["张三丰 店"] if connection.vendor == "sqlite" else [])
        assert found("cengxiaoxian") == found("zengxiaoxian") == ["曾小贤"]
        assert found("三丰店") == []  # the space inside the nickname is kept, as before

    def test_it_asks_the_index_from_three_characters_on(self) -> None:
        # SQLite: the FTS table's candidates; PostgreSQL: the ids of the matches first, through
        # its trigram indexes, then the list's order, page and count over them.
        marker = "MATCH" if connection.vendor == "sqlite" else "AS MATERIALIZED"
        for text, indexed in [("zs", False), ("张三", False), ("zsf", True), ("+86138", True)]:
            with CaptureQueriesContext(connection) as queries:
                list(Customer.objects.search(text))
            assert any(marker in q["sql"] for q in queries) is indexed, text
        with CaptureQueriesContext(connection) as queries:
            list(Customer.objects.search("+8613"))  # the phone's part is too short
        assert not any(marker in q["sql"] for q in queries)

    def test_it_runs_a_common_text_by_its_conditions_on_postgresql(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("SQLite reads the FTS table's candidates whatever their number")
        with (
            mock.patch.object(models, "RARE_MATCHES", 1),
            CaptureQueriesContext(connection) as queries,
        ):
            found = sorted(c.nickname for c in Customer.objects.search("zhangsan"))
        assert found == ["张三", "张三丰 店"]
        assert "LIKE" in queries[-1]["sql"]
        with CaptureQueriesContext(connection) as queries:
            found = sorted(c.nickname for c in Customer.objects.search("zhangsan"))
        assert found == ["张三", "张三丰 店"]
        assert "LIKE" not in queries[-1]["sql"]  # two ids
        # A text too short for the trigrams compares an expression the indexes do not have,
        # so that PostgreSQL estimates it as before them (see search_q).
        with CaptureQueriesContext(connection) as queries:
            assert sorted(c.nickname for c in Customer.objects.search("zs")) == [
                "张三",
                "张三丰 店",
            ]
        assert 'UPPER(("customers_customer"."nickname"::text)' not in queries[-1]["sql"]
        assert "COALESCE" in queries[-1]["sql"]

    def test_it_falls_back_to_like_without_the_index(self) -> None:
        textsearch._available[textsearch._key(connection)] = False
        try:
            with CaptureQueriesContext(connection) as queries:
                found = sorted(c.nickname for c in Customer.objects.search("zhangsan"))
            assert found == ["张三", "张三丰 店"]
            assert "MATCH" not in queries[-1]["sql"]
        finally:
            textsearch.forget_availability()


class IndexInStepTests(SearchTestCase):
    def setUp(self) -> None:
        super().setUp()
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL keeps its own indexes")

    def test_it_follows_create_update_and_delete(self) -> None:
        customer = make_customer(self.bob, "新客户甲", wechat_id="NewOne")
        assert customer.pk in self.indexed("新客户") and customer.pk in self.indexed("newone")
        customer.nickname = "改名乙丙"
        customer.save(update_fields=["nickname"])
        assert customer.pk not in self.indexed("新客户")
        assert customer.pk in self.indexed("改名乙") and customer.pk in self.indexed("gaiming")
        Customer.objects.filter(pk=customer.pk).update(phone="19900001111")
        assert [c.pk for c in Customer.objects.search("0001111")] == [customer.pk]
        Customer.objects.filter(pk=customer.pk).update(vip=True)  # not a searched column
        self.assert_index_matches_table()
        customer.delete()
        assert customer.pk not in self.indexed("改名乙")
        self.assert_index_matches_table()

    def test_it_follows_bulk_writes_and_the_imports(self) -> None:
        made = Customer.objects.bulk_create(
            [Customer(owner=self.bob, nickname="批量丁", search_pinyin="piliangding pld")]
        )
        ids = insert_rows(
            Customer,
            [{"nickname": "导入戊", "owner_id": self.bob.pk, "search_pinyin": "daoruwu drw"}],
            return_ids=True,
        )
        staging = Staging()
        staged = staging.add(
            Customer,
            [{"nickname": "暂存己", "owner_id": self.bob.pk, "phone": "16612349876"}],
            return_ids=True,
        )
        staging.move_in()
        staging.discard()
        assert [c.pk for c in Customer.objects.search("批量丁")] == [made[0].pk]
        assert [c.pk for c in Customer.objects.search("daoru")] == ids
        assert [c.pk for c in Customer.objects.search("9876")] == staged
        Customer.objects.bulk_update(
            [Customer(pk=ids[0], nickname="改了庚", search_pinyin="")], ["nickname"]
        )
        assert [c.pk for c in Customer.objects.search("改了庚")] == ids
        self.assert_index_matches_table()

    def test_it_follows_a_merge(self) -> None:
        keep, remove = self.pond[0], self.pond[1]
        merge_customers(keep=keep, remove=remove, actor=self.alice)
        assert remove.pk not in self.indexed("小张🌸")
        assert [c.pk for c in Customer.objects.search("小张🌸")] == []
        assert keep.pk in self.indexed("zhangsan")
        self.assert_index_matches_table()

    def test_it_puts_back_triggers_a_rebuilt_table_lost(self) -> None:
        with connection.cursor() as cursor:
            for trigger in textsearch.TRIGGERS:
                cursor.execute(f"DROP TRIGGER {trigger}")
        textsearch.forget_availability()
        try:
            # Without its triggers the index would fall behind: the search does not use it.
            assert not textsearch.fts_available(connection)
            lost = make_customer(self.bob, "无触发器")
            assert [c.pk for c in Customer.objects.search("无触发器")] == [lost.pk]
            assert textsearch.ensure_text_index()
            assert textsearch.fts_available(connection)
            assert lost.pk in self.indexed("无触发器")
            self.assert_index_matches_table()
        finally:
            textsearch.ensure_text_index()
            textsearch.forget_availability()

    def test_it_repairs_after_every_migrate(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER customers_customer_text_update")
        textsearch.forget_availability()
        config = apps.get_app_config("customers")
        post_migrate.send(
            sender=config, app_config=config, verbosity=0, interactive=False, using="default",
            apps=apps, plan=[],
        )  # fmt: skip
        assert textsearch.fts_available(connection)
        self.assert_index_matches_table()


class ScopeTests(SearchTestCase):
    def test_it_never_widens_what_the_user_sees(self) -> None:
        secret = make_customer(self.charlie, "秘密张三丰", phone="13511112222")
        for text in ("秘密张", "zhangsanfeng", "13511112222", "2222"):
            assert secret not in Customer.objects.visible_to(self.bob).search(text)
            assert secret in Customer.objects.visible_to(self.charlie).search(text)
        self.login(self.bob)
        response = self.client.get("/customers/", {"q": "秘密张三丰"})
        assert response.status_code == 200 and list(response.context["page"]) == []
        self.login(self.charlie)
        response = self.client.get("/customers/", {"q": "秘密张三丰"})
        assert [c.pk for c in response.context["page"]] == [secret.pk]

    def test_it_survives_any_text_on_the_page_and_the_api(self) -> None:
        self.login(self.alice)
        for text in ['"', 'a"b', "*", "NEAR(", "^", "a:b", "\x00abc", "🌸" * 300, "-zs"]:
            response = self.client.get("/customers/", {"q": text})
            assert response.status_code in (200, 400), text
            response = self.client.get("/api/customers", {"q": text})
            assert response.status_code in (200, 400, 422), text

    def test_a_nul_in_the_text_is_dropped_not_sent_to_the_database(self) -> None:
        found = set(Customer.objects.search("张三").values_list("pk", flat=True))
        assert (
            found and set(Customer.objects.search("张\x00三").values_list("pk", flat=True)) == found
        )
        assert set(Customer.objects.search("\x00zs").values_list("pk", flat=True)) == set(
            Customer.objects.search("zs").values_list("pk", flat=True)
        )
        self.login(self.alice)
        assert self.client.get("/customers/pick/", {"q": "张\x00三"}).status_code == 200


class PlanTests(SearchTestCase):
    """The search's queries read the text index: no plan scans the customer table, whose size
    grows with the pond. PostgreSQL is asked without sequential scans and index walks, since it
    rightly reads every row of a table this small."""

    TEXTS = ("zhangsan", "张三丰", "wang-f", "13800", "5678", "+8613800138000", "🌸🌸花")

    def plan(self, sql: str, params: Any) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                return " / ".join(str(row[-1]) for row in cursor.fetchall())
            # Neither a sequential scan nor a walk of another index (the order's) that reads
            # every row: what is left is an index that serves the LIKE conditions, or the scan.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_it_reads_the_index_for_the_list_its_count_and_an_agents_branch(self) -> None:
        for user in (self.alice, self.bob):
            for text in self.TEXTS:
                with CaptureQueriesContext(connection) as made:
                    qs = Customer.objects.visible_to(user).search(text)
                listed = filter_customers(qs, CustomerFilters(), user=user)
                for query in (listed[:20], listed.order_by().values("pk")):
                    try:
                        plan = self.plan(*query.query.sql_with_params())
                    except EmptyResultSet:  # no ids: Django asks the database nothing
                        continue
                    if connection.vendor == "sqlite":
                        assert "SCAN customers_customer " not in plan + " ", (text, plan)
                        assert "customers_customer_text VIRTUAL TABLE INDEX" in plan, plan
                    else:
                        assert "Seq Scan on customers_customer" not in plan, (text, plan)
                if connection.vendor == "postgresql":
                    # The ids came from the trigram indexes.
                    (probe,) = [q["sql"] for q in made if "AS MATERIALIZED" in q["sql"]]
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL enable_seqscan = off")
                        cursor.execute("EXPLAIN " + probe)
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    assert "_trgm" in plan and "Seq Scan" not in plan, (text, plan)
