"""Bill import: incoming payments of a WeChat Pay or Alipay bill become payments of customers
matched by counterparty; new customers for the rest when the user accepts them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.customers import actions
from yutang.customers.models import Channel, Customer
from yutang.lib.bills import SUCCESS_STATUSES, Bill, BillRow, parse_bill, summarize

from .models import Payment

CHANNEL_BY_SOURCE = {"wechat": "微信转账", "alipay": "支付宝"}


@dataclass
class BillPlan:
    bill: Bill
    incoming: list[BillRow] = field(default_factory=list)
    new: list[BillRow] = field(default_factory=list)  # not imported before
    matches: dict[str, Customer | None] = field(default_factory=dict)  # counterparty → customer
    refunds: list[BillRow] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        totals = summarize(self.bill)
        unmatched = {self.key(r) for r in self.new if self.matches.get(self.key(r)) is None}
        return {
            "rows": totals["rows"],
            "created": len(self.new),
            "updated": 0,
            "merged": len(self.incoming) - len(self.new),
            "rejected": self.rejected,
            "incoming_count": totals["incoming_count"],
            "incoming_total": str(totals["incoming_total"]),
            "refund_count": totals["refund_count"],
            "matched": sum(1 for r in self.new if self.matches.get(self.key(r)) is not None),
            "new_customers": len(unmatched),
        }

    @staticmethod
    def key(row: BillRow) -> str:
        return f"{row.counterparty}|{row.counterparty_account}"


def _match(user: User, source: str, row: BillRow) -> Customer | None:
    """The customer behind a counterparty: one paid this way before, or one whose nickname or
    name is the counterparty's, when exactly one such customer is visible."""
    visible = Customer.objects.visible_to(user)
    earlier = (
        Payment.objects.filter(
            source=source,
            counterparty=row.counterparty,
            counterparty_account=row.counterparty_account,
            customer__in=visible,
        )
        .select_related("customer")
        .first()
    )
    if earlier is not None:
        return earlier.customer
    if not row.counterparty or row.counterparty in ("/", "-"):
        return None
    candidates = list(visible.filter(nickname=row.counterparty)[:2]) or list(
        visible.filter(name=row.counterparty)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


def plan_bill(path: str | Path, *, user: User) -> BillPlan:
    data = Path(path).read_bytes()
    bill = parse_bill(data, filename=Path(path).name)
    plan = BillPlan(bill=bill)
    plan.incoming = [
        r
        for r in bill.rows
        if r.direction == "in" and not r.is_refund and r.status in SUCCESS_STATUSES
    ]
    known = set(
        Payment.objects.filter(
            source=bill.source, transaction_id__in=[r.transaction_id for r in plan.incoming]
        ).values_list("transaction_id", flat=True)
    )
    for row in plan.incoming:
        if row.transaction_id in known:
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
    for row in plan.new:
        key = plan.key(row)
        if key not in plan.matches:
            plan.matches[key] = _match(user, bill.source, row)
    plan.refunds = [r for r in bill.rows if r.is_refund and r.direction == "out"]
    return plan


@transaction.atomic
def commit_bill(plan: BillPlan, *, user: User, create_customers: bool) -> dict[str, Any]:
    source = plan.bill.source
    channel = Channel.objects.filter(name=CHANNEL_BY_SOURCE[source]).first()
    created: dict[str, Customer] = {}
    payments = []
    for row in plan.new:
        key = plan.key(row)
        customer = plan.matches.get(key) or created.get(key)
        if customer is None and not create_customers:
            continue  # left for the review: the next import with --accept-all picks it up
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
    # A refund the seller paid back reverses the payment it refunds.
    reversed_count = 0
    for row in plan.refunds:
        original = Payment.objects.filter(source=source, refunded_at__isnull=True)
        if row.refund_of:
            original = original.filter(transaction_id=row.refund_of)
        else:
            original = original.filter(counterparty=row.counterparty, amount=row.amount)
        latest = original.order_by("-occurred_at").values_list("pk", flat=True).first()
        if latest is not None:
            Payment.objects.filter(pk=latest).update(
                refunded_at=timezone.make_aware(row.occurred_at)
            )
            reversed_count += 1
    counts = Counter(p.customer_id for p in payments if p.customer_id)
    for customer_id, n in counts.items():
        actions.log_activity(
            Customer.objects.get(pk=customer_id),
            "imported",
            user,
            payments=n,
            source=source,
        )
    result = plan.summary()
    result["created"] = len(payments)
    result["new_customers"] = len(created)
    result["reversed"] = reversed_count
    return result
