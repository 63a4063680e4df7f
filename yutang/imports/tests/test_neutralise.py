"""Every export neutralises every kind of spreadsheet formula payload, read back from the xlsx
it produces: the lists' pages, the command line and the analytics tables. They all write text
cells through one function, `yutang.lib.xlsx.neutralise`."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.followups.models import FollowUp
from yutang.imports.bill_file import commit_bill, plan_bill
from yutang.lib.xlsx import is_formula, neutralise
from yutang.orders.actions import LineInput, place_order
from yutang.test import BaseTestCase, make_customer
from yutang.touchpoints.models import Touchpoint

from .corpus.values import _bill, _bill_row

# The twelve kinds of payload: what a spreadsheet evaluates when a cell starts with it.
PAYLOADS = [
    "=1+1",  # 1. the formula sign
    "+1+1",  # 2. plus: Excel and LibreOffice take it for a formula
    "-1+1",  # 3. minus
    "@SUM(1+1)",  # 4. at: Lotus-style function call, still honoured by Excel
    "＝1+1",  # 5. full-width equals: WPS and Excel's Chinese input read it as "="
    "＋1+1",  # 6. full-width plus
    "－1+1",  # 7. full-width minus
    "＠SUM(1+1)",  # 8. full-width at
    "\t=1+1",  # 9. tab first: stripped by programs reading the text back
    "\r=1+1",  # 10. carriage return first: the same
    " =1+1",  # 11. a leading space (here a plain one) before the formula sign
    "=cmd|' /C calc'!A0",  # 12. DDE: runs a program when the sheet is opened
]
# Not payloads: a spreadsheet shows these as they are.
HARMLESS = ["张三=好", "小美", "138 0013 8000", "1+1"]


def _cells(data: bytes) -> list[Any]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return [cell for row in sheet[1:] for cell in row]


def _body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


class NeutraliseTests(BaseTestCase):
    def test_it_neutralises_the_twelve_kinds(self) -> None:
        for payload in PAYLOADS:
            assert neutralise(payload) == "'" + payload, repr(payload)
        for text in HARMLESS:
            assert neutralise(text) == text
        # Other invisible marks before a payload do not disarm it either.
        for prefix in ("\u3000", "\n", "\u200b", "\ufeff", "\x00"):
            assert neutralise(prefix + "=1+1") == "'" + prefix + "=1+1"

    def test_it_tells_an_imported_formula_from_a_value(self) -> None:
        # One rule on the way in: a formula is refused, a phone or a note with a dash is not.
        for text in ["=1+1", "＝1+1", " =1", '-HYPERLINK("x")', "+SUM(1)", "＠SUM(1)",
                     "-2+3+cmd|' /C calc'!A0", "@cmd|x"]:  # fmt: skip
            assert is_formula(text), text
        for text in ["+86 139-1234-5678", "-5", "- 下周回访 (周二)", "@小美", "小美=好"]:
            assert not is_formula(text), text


class ExportTests(BaseTestCase):
    """Each export holds the twelve payloads in its text columns; each must come back quoted."""

    def setUp(self) -> None:
        self.product = Product.objects.create(
            name="玫瑰面膜", sku="MASK-01", price=Decimal("98.00"), cost=Decimal("30.00")
        )
        self.customers = []
        for payload in PAYLOADS:
            customer = make_customer(self.bob, payload, notes=payload)
            self.customers.append(customer)
            place_order(
                customer=customer, seller=self.bob, actor=self.bob, status="paid",
                # Sold below its cost of 30: a loss, a negative number in the analytics.
                lines=[LineInput(product=self.product, quantity=1, unit_price=Decimal(20))],
                note=payload,
            )  # fmt: skip
            FollowUp.objects.create(
                customer=customer, author=self.bob, summary=payload, amount=Decimal("5.50")
            )
            Touchpoint.objects.create(
                customer=customer,
                kind="repurchase",
                key=f"x:{customer.pk}",
                due_on=timezone.localdate(),
            )

    def check(self, cells: Iterable[Any], what: str) -> None:
        texts = [c for c in cells if isinstance(c, str)]
        for payload in PAYLOADS:
            assert "'" + payload in texts, (what, payload)
        for text in texts:
            assert not is_formula(text) and neutralise(text).startswith(text), (what, text)
            assert text == neutralise(text.removeprefix("'")), (what, text)

    def test_it_neutralises_every_list_export(self) -> None:
        self.login(self.bob)
        for what in ("customers", "orders", "followups", "touchpoints"):
            self.check(_cells(_body(self.client.get(f"/export/{what}.xlsx"))), what)

    def test_it_keeps_real_numbers_numbers(self) -> None:
        self.login(self.bob)
        cells = _cells(_body(self.client.get("/export/followups.xlsx")))
        assert cells.count(5.5) == len(PAYLOADS)
        self.login(self.alice)
        response = self.client.get("/analytics/pareto/", {"format": "xlsx", "share": "1"})
        # Each payload buyer's profit: 20 - 30, a negative number, not a neutralised text.
        assert _cells(_body(response)).count(-10.0) == len(PAYLOADS)

    def test_it_neutralises_the_command_line_export(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            for what in ("customers", "orders", "followups", "touchpoints"):
                path = Path(folder) / f"{what}.xlsx"
                call_command("export", what, str(path), "--as", "bob", stdout=io.StringIO())
                self.check(_cells(path.read_bytes()), f"cli {what}")

    def test_it_neutralises_the_analytics_tables(self) -> None:
        # As many small buyers as payload buyers: the top half are the payloads.
        for number in range(len(PAYLOADS)):
            place_order(
                customer=make_customer(self.bob, f"小客户{number}"), seller=self.bob,
                actor=self.bob, status="paid",
                lines=[LineInput(product=self.product, quantity=1, unit_price=Decimal(1))],
            )  # fmt: skip
        self.login(self.alice)
        response = self.client.get("/analytics/pareto/", {"format": "xlsx", "share": "0.5"})
        self.check(_cells(_body(response)), "pareto")

    def test_it_neutralises_a_payer_who_named_themselves_a_formula(self) -> None:
        # A bill's counterparty becomes a nickname as the payer wrote it (so that the next
        # bill still finds them); the export is where it is disarmed.
        payload = '=HYPERLINK("http://x","点我")'
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bill.csv"
            path.write_bytes(_bill(_bill_row(counterparty=payload, transaction_id="4200009")))
            commit_bill(
                plan_bill(path, user=self.charlie), user=self.charlie, create_customers=True
            )
            again = Path(folder) / "again.csv"
            again.write_bytes(_bill(_bill_row(counterparty=payload, transaction_id="4200010")))
            plan = plan_bill(again, user=self.charlie)
        customer = Customer.objects.get(nickname=payload)
        assert plan.matches[f"{payload}|"] == customer
        self.login(self.charlie)
        assert "'" + payload in _cells(_body(self.client.get("/export/customers.xlsx")))
