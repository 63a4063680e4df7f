from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command

from yutang.customers.models import Customer
from yutang.orders.models import Payment
from yutang.test import BaseTestCase, make_customer

SAMPLES = Path(__file__).resolve().parents[2] / "lib" / "tests" / "fixtures" / "payments"
# Counted by hand in each file (the parser's own tests recount them with the csv module).
EXPECTED = {
    "wechat_csv_v2019-2025_utf8.csv": (27, 5, "28.49", 0),
    "wechat_xlsx_v2025-07.xlsx": (27, 5, "28.49", 0),
    "wechat_xlsx_v2026-03.xlsx": (27, 5, "28.49", 0),
    "alipay_app_v2023_gbk.csv": (10, 1, "222228.50", 2),
    "alipay_app_v2021_gbk.csv": (16, 2, "52.00", 2),
    "alipay_web_v2019_gbk.csv": (7, 1, "0.01", 2),
    "alipay_app_v2020_daoru_gbk.csv": (24, 1, "88.88", 3),
}


class BillImportTests(BaseTestCase):
    def run_import(self, path: Path | str, *args: str) -> dict[str, Any]:
        out = io.StringIO()
        call_command("import", "bill", str(path), "--as", "bob", "--json", *args, stdout=out)
        return json.loads(out.getvalue())

    def test_it_counts_every_sample_exactly(self) -> None:
        for name, (rows, count, total, refunds) in EXPECTED.items():
            result = self.run_import(SAMPLES / name, "--dry-run")
            assert (
                result["rows"],
                result["incoming_count"],
                result["incoming_total"],
                result["refund_count"],
            ) == (rows, count, total, refunds), name
            assert not result["committed"]
        assert not Payment.objects.exists() and not Customer.objects.exists()

    def test_it_creates_customers_for_unmatched_payers_once(self) -> None:
        path = SAMPLES / "wechat_csv_v2019-2025_utf8.csv"
        dry = self.run_import(path, "--dry-run")
        assert dry["matched"] == 0 and dry["new_customers"] >= 1
        result = self.run_import(path, "--accept-all")
        # The anonymised sample gives two payments the id 3985734: the second is refused.
        assert result["rejected"][0]["column"] == "transaction_id"
        assert result["created"] == 4 and result["committed"]
        assert Payment.objects.count() == 4
        assert Customer.objects.filter(channel__name="微信转账").count() == dry["new_customers"]
        again = self.run_import(path, "--accept-all")
        assert (again["created"], again["new_customers"]) == (0, 0)
        assert Payment.objects.count() == 4
        # The xlsx export of the same bill overlaps completely: nothing new either.
        assert (
            self.run_import(SAMPLES / "wechat_xlsx_v2026-03.xlsx", "--accept-all")["created"] == 0
        )

    def test_it_matches_a_known_customer_by_counterparty(self) -> None:
        path = SAMPLES / "alipay_app_v2023_gbk.csv"
        dry = self.run_import(path, "--dry-run")
        row_counterparty = self.first_incoming_counterparty(path)
        make_customer(self.dave, row_counterparty)
        result = self.run_import(path)
        assert result["matched"] == 1 and result["new_customers"] == 0
        payment = Payment.objects.get()
        assert payment.customer is not None and payment.customer.owner == self.dave
        assert dry["created"] == 1

    def first_incoming_counterparty(self, path: Path) -> str:
        from yutang.lib.bills import SUCCESS_STATUSES, parse_bill

        bill = parse_bill(path.read_bytes())
        return next(
            r.counterparty
            for r in bill.rows
            if r.direction == "in" and not r.is_refund and r.status in SUCCESS_STATUSES
        )

    def test_it_never_matches_a_customer_of_another_branch(self) -> None:
        path = SAMPLES / "alipay_app_v2023_gbk.csv"
        make_customer(self.charlie, self.first_incoming_counterparty(path))
        assert self.run_import(path, "--dry-run")["matched"] == 0

    def test_it_rejects_a_file_that_is_not_a_bill(self) -> None:
        for content in (b"", b"\x89PNG\r\n\x1a\n" + bytes(64), "昵称,手机\n小美,1\n".encode()):
            path = SAMPLES.parent / "not_a_bill.csv"
            path.write_bytes(content)
            try:
                with self.assertRaises(CommandError):
                    self.run_import(path)
            finally:
                path.unlink()
        assert not Payment.objects.exists()
