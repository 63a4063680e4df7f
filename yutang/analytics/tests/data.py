"""A small pond whose figures are computed by hand in the tests (see each test's comments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.orders.actions import LineInput, add_cost, change_order_status, place_order
from yutang.orders.models import Order
from yutang.test import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


def paid_order(
    customer: Customer,
    seller: User,
    day: date,
    *lines: tuple[Product, int, str | None],
    discount: str = "0",
) -> Order:
    return place_order(
        customer=customer,
        seller=seller,
        actor=seller,
        status="paid",
        at=at(day),
        discount=Decimal(discount),
        lines=[
            LineInput(product=p, quantity=q, unit_price=None if price is None else Decimal(price))
            for p, q, price in lines
        ],
    )


@dataclass
class Pond:
    """Bob's branch (bob and his downline dave) and charlie's, with these buyers:

    c1 (bob)   2×mask 2024-01-10 + 1×cream 2024-02-09  revenue 250, cost 80,       profit 170
    c2 (dave)  1×mask 2024-01-15, discount 20; gift 10  revenue 80,  cost 40 + 10,  profit 30
    c3 (bob)   1×cream 2024-02-01; a refunded 5×mask    revenue 50,  cost 0,        profit 50
    c4 (bob)   no order; a gift of 30                   revenue 0,   cost 30,       profit -30
    c5 (bob)   1×mask at 30 on 2024-03-01 (cost 40)     revenue 30,  cost 40,       profit -10
    c6 (bob)   nothing at all
    c7 (charlie) 1×cream 2024-03-05                     revenue 50,  cost 0,        profit 50
    """

    mask: Product
    cream: Product
    c1: Customer
    c2: Customer
    c3: Customer
    c4: Customer
    c5: Customer
    c6: Customer
    c7: Customer


def make_pond(bob: User, dave: User, charlie: User) -> Pond:
    mask = Product.objects.create(
        name="面膜", sku="MASK", price=Decimal("100"), cost=Decimal("40"), usage_cycle_days=30
    )
    cream = Product.objects.create(name="面霜", sku="CREAM", price=Decimal("50"))  # costs nothing
    c1, c2, c3, c4, c5, c6 = (make_customer(dave if n == 2 else bob, f"c{n}") for n in range(1, 7))
    c7 = make_customer(charlie, "c7")
    paid_order(c1, bob, date(2024, 1, 10), (mask, 2, None))
    paid_order(c1, bob, date(2024, 2, 9), (cream, 1, None))
    paid_order(c2, dave, date(2024, 1, 15), (mask, 1, None), discount="20")
    add_cost(customer=c2, kind="gift", amount=Decimal("10"), on=date(2024, 1, 15), note="",
             actor=dave)  # fmt: skip
    paid_order(c3, bob, date(2024, 2, 1), (cream, 1, None))
    refunded = paid_order(c3, bob, date(2024, 2, 2), (mask, 5, None))
    change_order_status(order=refunded, status="refunded", actor=bob, at=at(date(2024, 2, 3)))
    add_cost(customer=c4, kind="gift", amount=Decimal("30"), on=date(2024, 2, 1), note="",
             actor=bob)  # fmt: skip
    paid_order(c5, bob, date(2024, 3, 1), (mask, 1, "30"))
    paid_order(c7, charlie, date(2024, 3, 5), (cream, 1, None))
    return Pond(mask, cream, c1, c2, c3, c4, c5, c6, c7)
