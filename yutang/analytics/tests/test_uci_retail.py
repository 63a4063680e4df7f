"""Pareto and repurchase on real data: the invoices of the UCI "Online Retail" data set (see
`fixtures/README.md`), against the same figures computed here in plain Python.

Every invoice is a paid order of alice's with one line of one unit, priced at the invoice total
rounded to cents, at no cost, paid (and created) at noon, Asia/Shanghai, on the invoice day; every
CustomerID is one customer. No total in the file is zero or negative (the smallest is 0.38; UCI's
cancellations, whose invoice numbers start with C, are not in it), so every invoice is loaded and
none is dropped or changed. Should the file change, it fails loudly instead of skewing the
figures: a negative total cannot be loaded (order lines forbid negative prices), and
`test_it_loads_every_invoice` refuses a total that rounds to zero (an order without a sale)."""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from yutang.analytics import queries
from yutang.analytics.actions import refresh_all_stats
from yutang.analytics.queries import Period, in_scope
from yutang.catalog.models import Product
from yutang.customers.models import Customer, CustomerStats
from yutang.orders.models import Order, OrderLine, Status
from yutang.test import BaseTestCase

FIXTURE = Path(__file__).parent / "fixtures" / "uci_online_retail_invoice_totals.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
ALL = Period()


@dataclass(frozen=True)
class Invoice:
    number: str
    day: date
    customer: str
    amount: Decimal  # the total rounded to cents


@cache
def invoices() -> tuple[Invoice, ...]:
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        return tuple(
            Invoice(
                number=row["InvoiceNo"],
                day=date.fromisoformat(row["InvoiceDate"]),
                customer=row["CustomerID"],
                # From the text, not the float: 22.200000000000003 is 22.20.
                amount=Decimal(row["TotalPrice"]).quantize(CENT),
            )
            for row in csv.DictReader(f)
        )


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SHANGHAI)


def revenue_by_customer() -> dict[str, Decimal]:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices():
        revenue[invoice.customer] += invoice.amount
    return revenue


def top_share(tenths: int) -> tuple[int, int, float]:
    """Customers, how many the top `tenths`/10 of them are (rounded up, in integers) and the
    share of revenue those with the most revenue bring."""
    revenue = sorted(revenue_by_customer().values(), reverse=True)
    n = len(revenue)
    k = -(-n * tenths // 10)
    return n, k, float(sum(revenue[:k]) / sum(revenue))


class UciOnlineRetailTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        product = Product.objects.create(
            name="UCI invoice", sku="UCI-INVOICE", price=Decimal(0), cost=Decimal(0)
        )
        people = [
            Customer(owner=cls.alice, nickname=number)
            for number in dict.fromkeys(invoice.customer for invoice in invoices())
        ]
        for person in people:
            person.set_search_keys()
        customers = {c.nickname: c for c in Customer.objects.bulk_create(people)}
        orders = Order.objects.bulk_create(
            Order(
                customer=customers[invoice.customer],
                seller=cls.alice,
                status=Status.PAID,
                paid_at=noon(invoice.day),
                created=noon(invoice.day),
            )
            for invoice in invoices()
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=product,
                quantity=1,
                unit_price=invoice.amount,
                unit_cost=Decimal(0),
            )
            for order, invoice in zip(orders, invoices(), strict=True)
        )
        refresh_all_stats()

    def test_it_loads_every_invoice(self) -> None:
        assert len(invoices()) == len({i.number for i in invoices()}) == 18532
        assert min(i.amount for i in invoices()) > 0
        assert Order.objects.count() == 18532 and Customer.objects.count() == 4338
        total = sum(i.amount for i in invoices())
        assert CustomerStats.objects.filter(orders__gt=0).count() == 4338
        rows = CustomerStats.objects.values_list("customer__nickname", "revenue")
        stats = dict(rows)
        assert stats == revenue_by_customer()
        assert sum(stats.values()) == total

    def test_it_gives_the_share_of_the_top_fifth_and_half(self) -> None:
        total = sum(revenue_by_customer().values())
        for tenths in (2, 5):
            n, k, share = top_share(tenths)
            result = queries.pareto(in_scope(self.alice), ALL, tenths / 10)
            assert (result["customers"], result["top"]) == (n, k)
            assert result["revenue"] == result["profit"] == total  # nothing costs anything
            # Both divide the same sums of cents as decimals: the very same float.
            assert result["revenue_share"] == result["profit_share"] == share
        assert top_share(2)[:2] == (4338, 868) and top_share(5)[:2] == (4338, 2169)

    def test_it_measures_repurchase_and_order_value(self) -> None:
        orders: dict[str, int] = defaultdict(int)
        for invoice in invoices():
            orders[invoice.customer] += 1
        buyers, n_orders = len(orders), sum(orders.values())
        repeat = sum(1 for n in orders.values() if n >= 2)
        revenue = sum((i.amount for i in invoices()), Decimal(0))
        result = queries.repurchase(in_scope(self.alice), ALL)
        assert (result["buyers"], result["repeat_buyers"], result["orders"]) == (
            buyers, repeat, n_orders
        )  # fmt: skip
        assert result["repurchase_rate"] == repeat / buyers
        assert result["revenue"] == revenue
        assert result["aov"] == (revenue / n_orders).quantize(CENT)
        assert result["frequency"] == round(n_orders / buyers, 2)

    def test_it_finds_the_median_days_between_purchases(self) -> None:
        # Purchases are distinct payment times: two invoices of one day are one purchase.
        days: dict[str, set[date]] = defaultdict(set)
        for invoice in invoices():
            days[invoice.customer].add(invoice.day)
        gaps = []
        for bought in days.values():
            ordered = sorted(bought)
            gaps += [(later - earlier).days for earlier, later in pairwise(ordered)]
        expected = round(float(statistics.median(gaps)), 1)
        # 2,845 customers bought twice or more, but 55 of them only ever on one day: 12,425 gaps
        # of 2,790 customers, four weeks in the middle.
        assert (len(gaps), expected) == (12425, 28.0)
        result = queries.repurchase(in_scope(self.alice), ALL)
        assert result["median_interval_days"] == expected
