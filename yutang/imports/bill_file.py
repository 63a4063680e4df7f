"""Bill import: incoming payments of a WeChat Pay or Alipay bill become payments of customers
matched by counterparty; new customers for the rest when the user accepts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers import actions
from yutang.customers.models import Channel, Customer
from yutang.lib.bills import (
    Bill,
    BillRow,
    check_size,
    column_header,
    parse_bill,
    summarize,
)
from yutang.lib.ids import parse_id
from yutang.orders.models import Payment
from yutang.orders.payments import log_payment, order_from_payment, refund_payment

from .bounds import decimal_error, model_field, text_error
from .customer_sheet import Rejections
from .readers import FileRejected

# The fields of a bill row that are stored on a payment (or looked up by), and checked against it.
STORED_TEXT = ("transaction_id", "counterparty", "counterparty_account", "product")

CHANNEL_BY_SOURCE = {"wechat": "微信转账", "alipay": "支付宝"}
# The customers a payer who fits several is offered to be one of; the review's search box
# reaches any other.
MAX_CANDIDATES = 20


class PayersToChoose(ValueError):
    """Some payers fit several customers and nobody said which one paid: nothing is imported,
    for a guess would put the money on the wrong person and a new customer would be a twin."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count

    @property
    def message(self) -> str:
        return payers_to_choose_message(self.count)


def payers_to_choose_message(count: int) -> str:
    return ngettext(
        "%(count)s payer fits several customers: choose who paid before importing.",
        "%(count)s payers fit several customers: choose who paid for each before importing.",
        count,
    ) % {"count": count}


@dataclass
class BillPlan:
    bill: Bill
    incoming: list[BillRow] = field(default_factory=list)
    new: list[BillRow] = field(default_factory=list)  # not imported before
    matches: dict[str, Customer | None] = field(default_factory=dict)  # counterparty → customer
    # The payers who fit several visible customers (by `key`): the reviewer says which one paid.
    candidates: dict[str, list[Customer]] = field(default_factory=dict)
    refunds: list[BillRow] = field(default_factory=list)
    known: int = 0  # incoming payments imported before
    rejected: list[dict[str, Any]] = field(default_factory=Rejections)

    def summary(self) -> dict[str, Any]:
        totals = summarize(self.bill)
        unmatched = {
            self.key(r)
            for r in self.new
            if self.matches.get(self.key(r)) is None and self.key(r) not in self.candidates
        }
        return {
            "rows": totals["rows"],
            "created": len(self.new),
            "updated": 0,
            "merged": self.known,
            "rejected": list(self.rejected),
            "rejected_count": getattr(self.rejected, "total", len(self.rejected)),
            "incoming_count": totals["incoming_count"],
            "incoming_total": str(totals["incoming_total"]),
            "refund_count": totals["refund_count"],
            "matched": sum(1 for r in self.new if self.matches.get(self.key(r)) is not None),
            "new_customers": len(unmatched),
            "to_choose": len(self.to_choose()),
            "payers_to_choose": [
                {
                    "key": payer["key"],
                    "counterparty": payer["counterparty"],
                    "account": payer["account"],
                    "payments": payer["count"],
                    "total": str(payer["total"]),
                    "candidates": [
                        {"id": c.pk, "nickname": c.nickname, "name": c.name}
                        for c in payer["candidates"]
                    ],
                }
                for payer in self.payers()
                if payer["candidates"]
            ],
        }

    def to_choose(self, choices: dict[str, Customer | str] | None = None) -> list[str]:
        """The payers who fit several customers and have no choice among `choices`."""
        choices = choices or {}
        keys = dict.fromkeys(self.key(r) for r in self.new)
        return [k for k in keys if k in self.candidates and k not in choices]

    def payers(self) -> list[dict[str, Any]]:
        """The new payments grouped by payer, in the bill's order, with the proposed match."""
        payers: dict[str, dict[str, Any]] = {}
        for row in self.new:
            key = self.key(row)
            payer = payers.setdefault(key, {
                "key": key, "counterparty": row.counterparty, "account": row.counterparty_account,
                "count": 0, "total": Decimal(0), "match": self.matches.get(key), "rows": [],
                "candidates": self.candidates.get(key, []),
            })  # fmt: skip
            payer["count"] += 1
            payer["total"] += row.amount
            payer["rows"].append(row)
        return list(payers.values())

    @staticmethod
    def key(row: BillRow) -> str:
        return f"{row.counterparty}|{row.counterparty_account}"


def _matches(user: User, source: str, rows: list[BillRow]) -> dict[str, Customer | None]:
    """The customer behind each counterparty, when exactly one fits (see `_candidates`)."""
    return {key: found[0] if len(found) == 1 else None
            for key, found in _candidates(user, source, rows).items()}  # fmt: skip


def _candidates(user: User, source: str, rows: list[BillRow]) -> dict[str, list[Customer]]:
    """The visible customers each counterparty may be: those it paid before, else those whose
    nickname (else name) is the counterparty's. A customer of another branch is never one of
    them, nor does it make a payer fit several: the importer may not learn it exists."""
    visible = Customer.objects.visible_to(user)
    names = {r.counterparty for r in rows if r.counterparty and r.counterparty not in ("/", "-")}
    earlier: dict[str, list[tuple[str, Customer]]] = {}  # counterparty → (account, customer)
    for payment in (
        Payment.objects.filter(
            source=source, counterparty__in={r.counterparty for r in rows}, customer__in=visible
        )
        .select_related("customer__owner")
        .order_by("-occurred_at", "-pk")
    ):
        assert payment.customer is not None
        earlier.setdefault(payment.counterparty, []).append(
            (payment.counterparty_account, payment.customer)
        )
    by_field: dict[str, dict[str, list[Customer]]] = {"nickname": {}, "name": {}}
    for field_name, found in by_field.items():
        for customer in (
            visible.filter(**{f"{field_name}__in": names})
            .select_related("owner")
            .order_by("-created", "-pk")
        ):
            found.setdefault(getattr(customer, field_name), []).append(customer)
    candidates: dict[str, list[Customer]] = {}
    for row in rows:
        key = BillPlan.key(row)
        # The same payer paid before: the same account, or one of the two exports left it out.
        paid_before = [
            customer
            for account, customer in earlier.get(row.counterparty, [])
            if account == row.counterparty_account or not account or not row.counterparty_account
        ]
        fitting = paid_before or (
            by_field["nickname"].get(row.counterparty) or by_field["name"].get(row.counterparty, [])
        )
        candidates[key] = list(dict.fromkeys(fitting))[:MAX_CANDIDATES]
    return candidates


def plan_bill(path: str | Path, *, user: User) -> BillPlan:
    check_size(Path(path).stat().st_size)
    data = Path(path).read_bytes()
    bill = parse_bill(data, filename=Path(path).name)
    plan = BillPlan(bill=bill)
    plan.incoming = [r for r in bill.rows if r.is_incoming]
    plan.refunds = [r for r in bill.rows if r.is_refund and r.direction == "out"]
    for row in plan.incoming + plan.refunds:
        _check_fits(bill, row)
    known = set(
        Payment.objects.imported_for(user)
        .filter(source=bill.source, transaction_id__in=[r.transaction_id for r in plan.incoming])
        .values_list("transaction_id", flat=True)
    )
    for row in plan.incoming:
        if row.transaction_id in known:
            plan.known += 1
            continue
        if any(r.transaction_id == row.transaction_id for r in plan.new):
            # Ids are unique in real bills; a repeated one cannot be told apart from a twin.
            plan.rejected.append(
                {
                    "row": row.row_number,
                    "column": "transaction_id",
                    "reason": _("This transaction ID appears twice in the file."),
                }
            )
            continue
        plan.new.append(row)
    found = _candidates(user, bill.source, plan.new)
    plan.matches = {key: c[0] if len(c) == 1 else None for key, c in found.items()}
    plan.candidates = {key: c for key, c in found.items() if len(c) > 1}
    return plan


def _check_fits(bill: Bill, row: BillRow) -> None:
    """Refuse the bill when a row it would import holds what no payment can: a bill is the
    payment app's own export, so an amount of a hundred billion or a 65-character transaction
    ID means the file was altered, and a cut ID could make two payments one."""
    problems = [("amount", decimal_error(model_field(Payment, "amount"), row.amount))]
    problems += [
        (name, text_error(model_field(Payment, name), getattr(row, name))) for name in STORED_TEXT
    ]
    for name, reason in problems:
        if reason:
            raise FileRejected(
                _("Row %(row)s, column %(column)s: %(reason)s")
                % {"row": row.row_number, "column": column_header(bill.layout, name),
                   "reason": reason}
            )  # fmt: skip


NEW, SKIP = "new", "skip"


def read_choices(
    plan: BillPlan, raw: dict[str, int | str], *, user: User
) -> tuple[dict[str, Customer | str], dict[str, list[str]]]:
    """The choices of `commit_bill` from what an API client sent: per payer key, a customer's
    id (any customer the user may see), NEW or SKIP; and the messages per payer it refused."""
    keys = {plan.key(r) for r in plan.new}
    choices: dict[str, Customer | str] = {}
    errors: dict[str, list[str]] = {}
    ids: dict[str, int] = {}
    for key, value in raw.items():
        if key not in keys:
            errors[f"payers.{key}"] = [_("No new payment of this bill comes from this payer.")]
        elif value in (NEW, SKIP):
            choices[key] = str(value)
        elif (pk := parse_id(value)) is not None:
            ids[key] = pk
        else:
            errors[f"payers.{key}"] = [_("Give a customer's id, “new” or “skip”.")]
    found = Customer.objects.visible_to(user).in_bulk(set(ids.values()))
    for key, pk in ids.items():
        if pk in found:
            choices[key] = found[pk]
        else:
            errors[f"payers.{key}"] = [_("No such customer.")]
    return choices, errors


@transaction.atomic
def commit_bill(
    plan: BillPlan,
    *,
    user: User,
    create_customers: bool,
    choices: dict[str, Customer | str] | None = None,
    product: Product | None = None,
) -> dict[str, Any]:
    """Import the new incoming payments. `choices` overrides the proposed match of a payer (by
    `BillPlan.key`): another visible customer, NEW (a customer made from the payer) or SKIP (left
    out); payers without a choice follow the match, or become customers when
    `create_customers`. A payer who fits several customers needs a choice: without one,
    PayersToChoose is raised and nothing is written. With a `product`, every payment also
    becomes a paid order of it."""
    waiting = plan.to_choose(choices)
    if waiting:
        raise PayersToChoose(len(waiting))
    source = plan.bill.source
    channel = Channel.objects.filter(name=CHANNEL_BY_SOURCE[source]).first()
    choices = choices or {}
    started = timezone.now()
    created: dict[str, Customer] = {}
    payments = []
    for row in plan.new:
        key = plan.key(row)
        choice = choices.get(key)
        if choice == SKIP:
            continue
        customer = choice if isinstance(choice, Customer) else None
        if choice is None:
            customer = plan.matches.get(key)
            if customer is None and not create_customers:
                continue  # left for the review: the next import with --accept-all picks it up
        customer = customer or created.get(key)
        if customer is None:
            nickname = (row.counterparty or row.counterparty_account or source)[:64]
            customer = actions.create_customer(
                customer=Customer(owner=user, nickname=nickname, channel=channel),
                actor=user,
                source="bill",
            )
            created[key] = customer
        payments.append(
            Payment(
                source=source,
                transaction_id=row.transaction_id,
                customer=customer,
                occurred_at=timezone.make_aware(row.occurred_at),
                amount=row.amount,
                counterparty=row.counterparty[:100],
                counterparty_account=row.counterparty_account[:100],
                product=row.product[:200],
                imported_by=user,
            )
        )
    Payment.objects.bulk_create(payments, ignore_conflicts=True)
    inserted = list(
        Payment.objects.filter(
            source=source,
            transaction_id__in=[p.transaction_id for p in payments],
            imported_by=user,
            created__gte=started,
        ).select_related("customer")
    )
    for payment in inserted:
        log_payment(payment, user)
        if product is not None:
            order_from_payment(payment=payment, product=product, actor=user)
    # A refund the seller paid back reverses the payment it refunds: one the importer may see.
    reversed_count = 0
    for row in plan.refunds:
        original = Payment.objects.visible_to(user).filter(source=source, refunded_at__isnull=True)
        if row.refund_of:
            original = original.filter(transaction_id=row.refund_of)
        else:
            original = original.filter(counterparty=row.counterparty, amount=row.amount)
        latest = original.order_by("-occurred_at").select_related("order").first()
        if latest is not None:
            refund_payment(payment=latest, at=timezone.make_aware(row.occurred_at), actor=user)
            reversed_count += 1
    result = plan.summary()
    # Every payer who fitted several customers was answered: none is left to choose.
    result["to_choose"], result["payers_to_choose"] = 0, []
    result["created"] = len(inserted)
    result["new_customers"] = len(created)
    result["reversed"] = reversed_count
    return result
