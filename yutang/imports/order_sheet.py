"""Order import: one row per order line; rows sharing an order number make one order."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.forms import clean_phone_value, clean_wechat_id_value
from yutang.customers.models import Customer
from yutang.orders import actions
from yutang.orders.models import START_STATUSES, Order, OrderLine, Status

from .bounds import BadValue, cell_error, model_field, parse_decimal, parse_int
from .customer_sheet import Rejection, Rejections, Who, parse_date
from .readers import MAX_CELL, FileRejected, map_headers, open_table, unreadable_cells

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "order_no": ("订单号", "订单编号", "单号", "order", "order no", "order number"),
    "phone": ("手机", "手机号", "电话", "phone", "mobile"),
    "wechat_id": ("微信号", "wechat", "wechat id"),
    "customer": ("客户", "昵称", "客户昵称", "姓名", "customer", "nickname", "name"),
    "product": ("商品", "商品名称", "产品", "货号", "sku", "product"),
    "quantity": ("数量", "quantity", "qty"),
    "price": ("单价", "价格", "售价", "unit price", "price"),
    "date": ("日期", "下单日期", "下单时间", "时间", "date"),
    "status": ("状态", "订单状态", "status"),
}
STATUS_WORDS = {str(label).split(" ")[0]: value for value, label in Status.choices}
STATUS_WORDS.update({"意向": "intent", "待付款": "unpaid", "已付款": "paid", "已发货": "shipped",
                     "已签收": "signed", "已完成": "completed"})  # fmt: skip
NUMBER_PREFIX = "no:"


def order_number_room() -> int:
    """The longest order number the import reference holds whole: a longer one cut to fit
    would make two orders one."""
    return (model_field(Order, "import_ref").max_length or 0) - len(NUMBER_PREFIX)


@dataclass
class PlannedOrder:
    ref: str
    row: int
    customer: Customer
    status: str
    at: datetime
    lines: list[actions.LineInput] = field(default_factory=list)


@dataclass
class OrderPlan:
    rows: int = 0
    orders: list[PlannedOrder] = field(default_factory=list)
    merged: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=Rejections)

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": len(self.orders),
            "updated": 0,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "rejected": [r.as_dict() for r in self.rejected],
            "rejected_count": getattr(self.rejected, "total", len(self.rejected)),
        }


def plan_orders(path: str | Path, *, user: User) -> OrderPlan:
    table = open_table(path, HEADER_NAMES)
    mapping = map_headers(table.headers, HEADER_NAMES)
    if "product" not in mapping or not {"phone", "wechat_id", "customer"} & set(mapping):
        raise FileRejected(
            _("An order file needs a product column and a customer column (phone, WeChat ID "
              "or nickname).")
        )  # fmt: skip
    visible = Customer.objects.visible_to(user)
    products = {p.sku: p for p in Product.objects.all()}
    products.update({p.name: p for p in Product.objects.all() if p.name not in products})
    plan = OrderPlan()
    by_ref: dict[str, PlannedOrder] = {}
    imported_before: set[str] = set()
    for number, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        plan.rows += 1
        row = _OrderRow(number, cells, table.headers, mapping)
        line = row.clean(products, lambda who: _find(visible, who))
        if line is None:
            plan.rejected.extend(row.errors)
            continue
        ref = line.ref()
        if ref in by_ref or ref in imported_before:
            if ref in by_ref:
                by_ref[ref].lines.append(line.line)
            plan.merged += 1
            continue
        # The `exclude` names the unique index's condition, without which SQLite scans the table.
        if Order.objects.imported_for(user).filter(import_ref=ref).exclude(import_ref="").exists():
            imported_before.add(ref)
            plan.unchanged += 1
            continue
        planned = PlannedOrder(
            ref=ref, row=number, customer=line.customer, status=line.status, at=line.at
        )
        planned.lines.append(line.line)
        by_ref[ref] = planned
        plan.orders.append(planned)
    return plan


def _find(visible: QuerySet[Customer], who: Who) -> Customer | None:
    """The customer an order row names: by phone, else by WeChat ID, else by its nickname when
    exactly one customer the importer may see has it."""
    if who.phone:
        return visible.filter(phone=who.phone).first()
    if who.wechat_id:
        return visible.filter(wechat_id=who.wechat_id).first()
    if who.nickname:
        found = list(visible.filter(nickname=who.nickname)[:2])
        return found[0] if len(found) == 1 else None
    return None


@dataclass
class _Line:
    """An order row that passed every check: one line of an order."""

    customer: Customer
    line: actions.LineInput
    status: str
    at: datetime
    order_no: str

    def ref(self) -> str:
        """The order's import reference: its number, or a digest of what the row says (the same
        row imported twice is one order)."""
        if self.order_no:
            return NUMBER_PREFIX + self.order_no
        digest = "|".join(str(v) for v in (
            self.customer.pk, self.at.date(), self.line.product.pk, self.line.quantity,
            self.line.unit_price, self.status,
        ))  # fmt: skip
        return "row:" + hashlib.sha1(digest.encode()).hexdigest()[:40]


class _OrderRow:
    """One row of an order file, cleaned cell by cell; `errors` holds its rejections."""

    def __init__(
        self, number: int, cells: list[str], headers: list[str], mapping: dict[str, int]
    ) -> None:
        self.number, self.cells, self.headers, self.mapping = number, cells, headers, mapping
        self.raw = {f: (cells[i] if i < len(cells) else "").strip() for f, i in mapping.items()}
        self.errors: list[Rejection] = []

    def reject(self, name: str, reason: str) -> None:
        self.errors.append(Rejection(self.number, self.headers[self.mapping[name]], reason))

    def clean(
        self, products: dict[str, Product], find: Callable[[Who], Customer | None]
    ) -> _Line | None:
        """The row's order line, or None when it is rejected (see `errors`)."""
        raw = self.raw
        for name, reason in unreadable_cells(self.cells, self.mapping):
            self.reject(name, reason)
            raw[name] = ""
        for name, text in list(raw.items()):
            if error := cell_error(text, MAX_CELL):
                self.reject(name, error)
                raw[name] = ""
        if self.errors:
            # A bad cell is not looked up: a NUL in a query is an error on PostgreSQL.
            return None
        if len(raw.get("order_no", "")) > order_number_room():
            self.reject(
                "order_no",
                _("Order number too long: at most %(n)s characters.") % {"n": order_number_room()},
            )
        customer = self.customer(find)
        product = products.get(raw.get("product", ""))
        if product is None:
            self.reject(
                "product", _("Unknown product: %(value)s.") % {"value": raw.get("product", "")}
            )
        quantity, price, status, at = self.quantity(), self.price(), self.status(), self.at()
        if self.errors:
            return None
        assert customer is not None and product is not None
        line = actions.LineInput(product=product, quantity=quantity, unit_price=price)
        return _Line(customer, line, status, at, raw.get("order_no", ""))

    def who(self) -> Who:
        """Who the row names: the first of its phone, WeChat ID and nickname (only that one is
        cleaned, and raises ValidationError when it is no phone or WeChat ID)."""
        raw = self.raw
        if raw.get("phone"):
            return Who(phone=clean_phone_value(raw["phone"]))
        if raw.get("wechat_id"):
            return Who(wechat_id=clean_wechat_id_value(raw["wechat_id"]))
        return Who(nickname=raw.get("customer", ""))

    def customer(self, find: Callable[[Who], Customer | None]) -> Customer | None:
        raw, customer = self.raw, None
        try:
            customer = find(self.who())
        except forms.ValidationError as exc:
            self.reject("phone" if raw.get("phone") else "wechat_id", " ".join(exc.messages))
        if customer is None and not self.errors:
            column = next(
                c for c in ("phone", "wechat_id", "customer") if raw.get(c) or c in self.mapping
            )
            self.reject(column, _("No such customer in your pool: import the customers first."))
        return customer

    def quantity(self) -> int:
        if self.raw.get("quantity"):
            try:
                field = model_field(OrderLine, "quantity")
                return parse_int(field, self.raw["quantity"], minimum=1)
            except BadValue as exc:
                self.reject("quantity", exc.message)
        return 1

    def price(self) -> Decimal | None:
        if self.raw.get("price"):
            try:
                field = model_field(OrderLine, "unit_price")
                return parse_decimal(field, self.raw["price"], minimum=Decimal(0))
            except BadValue as exc:
                self.reject("price", exc.message)
        return None

    def status(self) -> str:
        text = self.raw.get("status")
        if not text:
            return Status.COMPLETED
        status = STATUS_WORDS.get(text, text)
        if status not in START_STATUSES:
            self.reject("status", _("Unknown or final status: %(value)s.") % {"value": text})
        return status

    def at(self) -> datetime:
        text = self.raw.get("date")
        if text:
            try:
                return timezone.make_aware(datetime.combine(parse_date(text), time(12)))
            except ValueError:
                self.reject("date", _("“%(value)s” is not a date: write it as 2024-05-20.")
                            % {"value": text[:20]})  # fmt: skip
        return timezone.now()


@transaction.atomic
def commit_orders(
    plan: OrderPlan, *, user: User, progress: Callable[[int, int | None], None] | None = None
) -> dict[str, Any]:
    for number, planned in enumerate(plan.orders, start=1):
        if progress and number % 100 == 0:
            progress(number, len(plan.orders))
        order = actions.place_order(
            customer=planned.customer,
            seller=user,
            actor=user,
            lines=planned.lines,
            status=planned.status,
            at=planned.at,
        )
        Order.objects.filter(pk=order.pk).update(import_ref=planned.ref)
    return plan.summary()
