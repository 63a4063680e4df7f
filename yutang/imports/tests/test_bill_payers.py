"""A bill payer who fits several customers: the review asks which one paid, and nothing is
imported until each such payer has an answer, on the page, in the API and on the command line."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from yutang.customers.models import Customer
from yutang.orders.models import Payment
from yutang.test import BaseTestCase, make_customer

from .bills import SAMPLES, wechat_bill

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Five payments: two of 小美, one of each of three payers who are not in the pool.
BILL = wechat_bill(
    ("小美", "99.00", "05"),
    ("新客一", "1.00", "06"),
    ("小美", "10.00", "07"),
    ("新客二", "2.00", "08"),
    ("新客三", "3.00", "09"),
)


class BillPayersPageTests(BaseTestCase):
    def setUp(self) -> None:
        # Two customers of bob's branch share the payer's nickname; charlie's third one must
        # neither be offered nor count.
        self.mei_bob = make_customer(self.bob, "小美", phone="13800138001")
        self.mei_dave = make_customer(self.dave, "小美", wechat_id="mei_dave")
        self.mei_charlie = make_customer(self.charlie, "小美", phone="13900139999")
        self.login(self.bob)

    def upload(self, content: bytes = BILL) -> str:
        response = self.client.post(
            "/import/",
            {"kind": "bill", "rule": "fill", "file": SimpleUploadedFile("b.csv", content)},
        )
        return str(response["Location"])

    def commit(self, review: str, **answers: str) -> Any:
        """Post the review as the browser does: every payer's select with what the page
        proposes, but for `answers` (match_0="c12", other_1="13800138000")."""
        page = self.client.get(review)
        data = {f"match-{p['index']}": p["chosen"] for p in page.context["payers"]}
        data.update({name.replace("_", "-"): value for name, value in answers.items()})
        return self.client.post(review, {"commit": "1", **data}, follow=True)

    def test_it_asks_which_customer_paid_and_waits_for_the_answer(self) -> None:
        review = self.upload()
        with self.assertNumQueries(9):
            page = self.client.get(review)
        payers = page.context["payers"]
        assert [p["counterparty"] for p in payers] == ["小美", "新客一", "新客二", "新客三"]
        mei = payers[0]
        # "choose", not "new customer": both of bob's 小美, newest first, none preselected.
        assert mei["match"] is None and mei["chosen"] == ""
        assert mei["candidates"] == [self.mei_dave, self.mei_bob]
        assert [p["chosen"] for p in payers[1:]] == ["new"] * 3
        assert page.context["summary"]["to_choose"] == 1
        assert page.context["summary"]["new_customers"] == 3
        html = page.content.decode()
        assert "请选择：有 2 位客户符合" in html and "— 是哪位客户付的款？ —" in html
        assert f'value="c{self.mei_bob.pk}"' in html and "尾号8001" in html
        assert f'value="c{self.mei_dave.pk}"' in html and "mei_dave" in html
        assert f'value="c{self.mei_charlie.pk}"' not in html and "9999" not in html
        # The button to import sits under the payers it imports.
        assert html.index('name="commit"') > html.rindex('class="payer')

        # Committed without an answer, or with a customer bob may not see: refused, nothing
        # written, and the page says how many payers are waiting.
        for answer in ("", f"c{self.mei_charlie.pk}", "c999999", "cx"):
            page = self.commit(review, match_0=answer)
            assert page.status_code == 200, answer
            html = page.content.decode()
            assert "有 1 位付款人对应多位客户：请先选出是哪位客户付的款，再导入。" in html
            assert "请选择付款的客户：这位付款人对应多位客户。" in html
            assert page.context["payers"][0]["chosen"] == answer
            assert not Payment.objects.exists() and Customer.objects.count() == 3

        page = self.commit(review, match_0=f"c{self.mei_dave.pk}")
        assert page.redirect_chain == [("/customers/", 302)]
        assert "导入完成：5 笔付款，3 位新客户。" in page.content.decode()
        assert sorted(self.mei_dave.payments.values_list("amount", flat=True)) == [
            Decimal("10.00"),
            Decimal("99.00"),
        ]
        assert not self.mei_bob.payments.exists() and not self.mei_charlie.payments.exists()
        assert Customer.objects.filter(nickname="小美").count() == 3
        assert Customer.objects.count() == 6

    def test_the_next_bill_goes_to_the_customer_chosen_before(self) -> None:
        self.commit(self.upload(), match_0=f"c{self.mei_bob.pk}")
        # Importing the same bill again changes nothing.
        review = self.upload()
        page = self.client.get(review)
        assert page.context["payers"] == [] and page.context["summary"]["merged"] == 5
        # Next month's bill: 小美 is the customer her money went to, with nothing to choose,
        # though a third 小美 has joined the pool since; 新客一 is the customer made for her.
        make_customer(self.bob, "小美")
        review = self.upload(wechat_bill(("小美", "20.00", "20"), ("新客一", "5.00", "21")))
        page = self.client.get(review)
        mei, first = page.context["payers"]
        assert mei["match"] == self.mei_bob and mei["candidates"] == []
        assert first["match"] == Customer.objects.get(nickname="新客一")
        assert page.context["summary"]["to_choose"] == 0
        self.commit(review)
        assert self.mei_bob.payments.count() == 3
        assert Customer.objects.filter(nickname="新客一").count() == 1
        assert Customer.objects.count() == 7

    def test_a_namesake_in_another_branch_changes_nothing(self) -> None:
        self.mei_dave.delete()
        review = self.upload()
        page = self.client.get(review)
        mei = page.context["payers"][0]
        assert mei["match"] == self.mei_bob and mei["candidates"] == []
        assert page.context["summary"]["to_choose"] == 0
        assert "请选择：" not in page.content.decode()

    def test_the_answer_may_be_leave_out_another_customer_or_new(self) -> None:
        wang = make_customer(self.dave, "王姐", phone="13700137000")
        one = wechat_bill(("小美", "1.00", "11"))
        self.commit(self.upload(one), match_0="skip")
        assert not Payment.objects.exists()
        self.commit(self.upload(one), other_0="13700137000")
        assert wang.payments.count() == 1
        make_customer(self.bob, "小丽")
        make_customer(self.bob, "小丽")
        self.commit(self.upload(wechat_bill(("小丽", "2.00", "12"))), match_0="new")
        assert Customer.objects.filter(nickname="小丽").count() == 3
        made = Customer.objects.get(nickname="小丽", payments__isnull=False)
        assert made.channel is not None and made.channel.name == "微信转账"

    def test_it_speaks_english_when_asked(self) -> None:
        review = self.upload()
        self.client.cookies["django_language"] = "en"
        page = self.client.post(review, {"commit": "1"})
        html = page.content.decode()
        assert "1 payer fits several customers: choose who paid before importing." in html
        assert "Choose: 2 customers fit" in html
        page = self.commit(review, match_0=f"c{self.mei_bob.pk}")
        assert "Imported: 5 payments, 3 new customers." in page.content.decode()


class BillPayersElsewhereTests(BaseTestCase):
    def setUp(self) -> None:
        self.mei_bob = make_customer(self.bob, "小美")
        self.mei_dave = make_customer(self.dave, "小美")
        self.mei_charlie = make_customer(self.charlie, "小美")

    def test_the_api_lists_the_payers_to_choose_and_validates_each_answer(self) -> None:
        response = self.client.post(
            "/api/imports",
            {"kind": "bill", "file": SimpleUploadedFile("b.csv", BILL)},
            headers=self.bearer(self.bob),
        )
        job = response.json()
        assert job["result"]["to_choose"] == 1
        (mei,) = job["result"]["payers_to_choose"]
        assert (mei["key"], mei["payments"], mei["total"]) == ("小美|", 2, "109.00")
        assert [c["id"] for c in mei["candidates"]] == [self.mei_dave.pk, self.mei_bob.pk]
        url = f"/api/imports/{job['id']}/commit"
        for body, field in [
            ({"accept_all": True}, "payers"),
            ({"payers": {"小美|": self.mei_charlie.pk}}, "payers.小美|"),
            ({"payers": {"小美|": 999999}}, "payers.小美|"),
            ({"payers": {"小美|": "maybe"}}, "payers.小美|"),
            ({"payers": {"小美|": "0"}}, "payers.小美|"),
            ({"payers": {"nobody|": "new"}}, "payers.nobody|"),
        ]:
            response = self.api(self.bob, "post", url, body)
            assert response.status_code == 422, body
            assert field in response.json()["errors"], body
            assert not Payment.objects.exists() and Customer.objects.count() == 3
        response = self.api(self.bob, "post", url, {"payers": {"小美|": True}})
        assert response.status_code == 422 and not Payment.objects.exists()
        refused = self.api(self.bob, "post", url, {"accept_all": True})
        assert "有 1 位付款人对应多位客户" in refused.json()["detail"]
        response = self.api(
            self.bob, "post", url, {"accept_all": True, "payers": {"小美|": self.mei_bob.pk}}
        )
        assert response.status_code == 200 and response.json()["state"] == "committed"
        result = response.json()["result"]
        assert (result["created"], result["new_customers"]) == (5, 3)
        assert (result["to_choose"], result["payers_to_choose"]) == (0, [])
        assert self.mei_bob.payments.count() == 2
        # Charlie cannot commit bob's job, whatever he chooses.
        response = self.api(self.charlie, "post", url, {"payers": {"小美|": "new"}})
        assert response.status_code == 404

    def test_the_api_refuses_payers_for_a_customer_sheet(self) -> None:
        response = self.client.post(
            "/api/imports",
            {"kind": "customers", "file": SimpleUploadedFile("a.csv", "昵称\n阿强\n".encode())},
            headers=self.bearer(self.bob),
        )
        url = f"/api/imports/{response.json()['id']}/commit"
        response = self.api(self.bob, "post", url, {"payers": {"x|": "new"}})
        assert response.status_code == 422 and "payers" in response.json()["errors"]
        assert not Customer.objects.filter(nickname="阿强").exists()

    def test_the_command_imports_nothing_while_a_payer_is_to_choose(self) -> None:
        with TemporaryDirectory() as folder:
            path = Path(folder) / "bill.csv"
            path.write_bytes(BILL)
            out = io.StringIO()
            call_command("import", "bill", str(path), "--as", "bob", "--accept-all", stdout=out)
            assert "Nothing imported" in out.getvalue()
            out = io.StringIO()
            call_command("import", "bill", str(path), "--as", "bob", "--accept-all", "--json",
                         stdout=out)  # fmt: skip
        result = json.loads(out.getvalue())
        assert not result["committed"] and result["to_choose"] == 1
        assert not Payment.objects.exists() and Customer.objects.count() == 3

    def test_a_payer_who_paid_before_without_an_account_is_the_same_payer(self) -> None:
        # An earlier export left the account out; this one (Alipay's app) gives it. The payer
        # is still the customer she paid as, renamed since, and not a new 「*三」.
        zhang = make_customer(self.bob, "张三")
        Payment.objects.create(
            source="alipay", transaction_id="2021010122001", customer=zhang,
            occurred_at=datetime(2021, 1, 1, tzinfo=SHANGHAI), amount=Decimal("5"),
            counterparty="*三", counterparty_account="",
        )  # fmt: skip
        out = io.StringIO()
        path = SAMPLES / "alipay_app_v2021_gbk.csv"
        call_command("import", "bill", str(path), "--as", "bob", "--json", "--accept-all",
                     stdout=out)  # fmt: skip
        result = json.loads(out.getvalue())
        assert result["committed"] and result["new_customers"] == 0
        assert zhang.payments.count() == 2
        assert not Customer.objects.filter(nickname="*三").exists()

    def test_a_payer_who_paid_as_two_customers_is_asked_about(self) -> None:
        # The reviewer sent 小美's money to one customer, then to another: which one is it now?
        # A payment she made to charlie's customer neither counts nor shows.
        from yutang.imports.bill_file import plan_bill

        first, second = make_customer(self.bob, "美美"), make_customer(self.dave, "阿美")
        for number, customer in enumerate((first, second, self.mei_charlie)):
            Payment.objects.create(
                source="wechat", transaction_id=f"99{number}", customer=customer,
                occurred_at=datetime(2023, 12, 1 + number, tzinfo=SHANGHAI), amount=Decimal("1"),
                counterparty="小美",
            )  # fmt: skip
        with TemporaryDirectory() as folder:
            path = Path(folder) / "bill.csv"
            path.write_bytes(BILL)
            plan = plan_bill(path, user=self.bob)
            assert plan.candidates["小美|"] == [second, first]
            Payment.objects.filter(customer=second).delete()
            plan = plan_bill(path, user=self.bob)
        assert plan.matches["小美|"] == first and "小美|" not in plan.candidates
