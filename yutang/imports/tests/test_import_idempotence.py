"""Importing the same file twice changes nothing, also for customers with neither phone nor
WeChat ID: they are found by nickname and name among the customers the importer may see."""

from __future__ import annotations

from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile

from yutang.customers.models import Activity, Customer
from yutang.imports import customer_sheet as customer_import
from yutang.imports.customer_sheet import import_customers, plan_import
from yutang.test import make_customer, make_tag

from .test_customer_sheet import ImportTestCase

FILE = "昵称,姓名,备注,标签\n阿强,,爱喝茶,茶友\n小美,王美,,\n老王,,,\n"


class IdempotenceTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        make_tag("茶友")  # agents import only the owner's tags

    def counts(self) -> tuple[int, int, list[tuple[str, str, str]]]:
        rows = list(Customer.objects.order_by("pk").values_list("nickname", "name", "notes"))
        return Customer.objects.count(), Activity.objects.count(), rows

    def test_it_changes_nothing_the_second_time(self) -> None:
        path = self.file("客户.csv", FILE)
        first = self.run_import(path)
        assert (first["created"], first["matched_by_name"]) == (3, 0)
        before = self.counts()
        dry = self.run_import(path, "--dry-run")
        again = self.run_import(path)
        for result in (dry, again):
            assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3)
            assert result["matched_by_name"] == 3 and result["rejected"] == []
        assert self.counts() == before

    def test_it_fills_a_customer_found_by_name_and_says_so(self) -> None:
        customer = make_customer(self.dave, "阿强")  # dave is bob's downline: bob sees it
        path = self.file("客户.csv", FILE)
        plan = plan_import(path, user=self.bob)
        assert (plan.created, plan.updated, plan.matched_by_name) == (2, 1, 1)
        preview = {p.values["nickname"]: p for p in plan.preview}
        assert preview["阿强"].by_name and preview["阿强"].existing == customer
        assert not preview["小美"].by_name
        _plan, committed = import_customers(path, user=self.bob)
        assert committed
        customer.refresh_from_db()
        assert customer.notes == "爱喝茶" and customer.owner == self.dave
        assert [t.name for t in customer.tags.all()] == ["茶友"]
        assert Customer.objects.filter(nickname="阿强").count() == 1

    def test_it_folds_the_same_person_twice_in_one_file(self) -> None:
        path = self.file("客户.csv", "昵称,姓名,备注\n阿强,,\n阿强,,补充\n阿强,强哥,\n")
        result = self.run_import(path)
        # 阿强 without a name and 阿强 named 强哥 are two people; the first two rows are one.
        assert (result["created"], result["merged"]) == (2, 1)
        assert Customer.objects.get(nickname="阿强", name="").notes == "补充"
        assert self.run_import(path)["created"] == 0
        assert Customer.objects.count() == 2

    def test_it_folds_across_chunks_in_the_dry_run_and_the_commit(self) -> None:
        path = self.file("客户.csv", "昵称\n阿强\n小美\n老王\n阿强\n小美\n")
        with mock.patch.object(customer_import, "CHUNK", 2):
            dry = plan_import(path, user=self.bob)
            plan, committed = import_customers(path, user=self.bob)
        assert committed
        assert (dry.created, dry.merged) == (plan.created, plan.merged) == (3, 2)
        assert Customer.objects.count() == 3

    def test_it_matches_a_row_without_identifiers_to_an_earlier_row_with_them(self) -> None:
        path = self.file("客户.csv", "昵称,手机\n阿强,13800138000\n阿强,\n")
        assert self.run_import(path)["created"] == 1
        again = self.run_import(path)
        assert (again["created"], again["unchanged"], again["rejected"]) == (0, 1, [])
        assert Customer.objects.count() == 1

    def test_it_refuses_to_guess_between_two_customers_of_the_same_name(self) -> None:
        make_customer(self.bob, "阿强", phone="13800138000")
        make_customer(self.dave, "阿强", wechat_id="aqiang_1")
        before = self.counts()
        path = self.file("客户.csv", FILE)
        result = self.run_import(path, "--dry-run")
        assert [(r["row"], r["column"]) for r in result["rejected"]] == [(2, "昵称")]
        assert result["rejected"][0]["reason"].startswith("有多位客户的昵称和姓名都相同")
        assert self.run_import(path)["committed"] is False
        assert self.counts() == before

    def test_it_never_matches_a_customer_of_another_branch(self) -> None:
        bobs = make_customer(self.bob, "阿强", notes="bob的备注")
        bobs_activities = list(bobs.activities.values_list("pk", flat=True))
        path = self.file("客户.csv", FILE)
        dry = self.run_import(path, "--dry-run", user="charlie")
        assert (dry["created"], dry["matched_by_name"], dry["rejected"]) == (3, 0, [])
        result = self.run_import(path, user="charlie")
        assert result["created"] == 3 and result["committed"]
        charlies = Customer.objects.get(nickname="阿强", owner=self.charlie)
        assert charlies.notes == "爱喝茶" and charlies != bobs
        bobs.refresh_from_db()
        assert (bobs.notes, bobs.owner, list(bobs.tags.all())) == ("bob的备注", self.bob, [])
        assert list(bobs.activities.values_list("pk", flat=True)) == bobs_activities
        # And charlie's second import finds charlie's own, not bob's.
        again = self.run_import(path, user="charlie")
        assert (again["created"], again["matched_by_name"]) == (0, 3)

    def test_it_shows_on_the_review_page_who_was_found_by_name(self) -> None:
        make_customer(self.bob, "阿强")
        self.login(self.bob)
        response = self.client.post(
            "/import/",
            {"kind": "customers", "rule": "fill",
             "file": SimpleUploadedFile("客户.csv", FILE.encode())},
        )  # fmt: skip
        page = self.client.get(response["Location"])
        assert page.context["summary"]["matched_by_name"] == 1
        assert [p["by_name"] for p in page.context["preview"]] == [True, False, False]
        content = page.content.decode()
        assert "按昵称和姓名匹配" in content
        assert Customer.objects.count() == 1
