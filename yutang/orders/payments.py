"""What becomes of an imported payment: a line on the customer's timeline, an order of its own,
or the payment of an order already there."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.actions import log_activity
from yutang.customers.models import Activity, ActivityKind

from . import actions as order_actions
from .models import PAID_STATUSES, TRANSITIONS, Order, Payment, PaymentMethod, Status


def log_payment(payment: Payment, actor: User | None) -> Activity | None:
    if payment.customer is None:
        return None
    entry = log_activity(
        payment.customer,
        ActivityKind.PAYMENT,
        actor,
        payment=payment.pk,
        source=payment.source,
        amount=str(payment.amount),
        item=payment.product,
    )
    # The timeline shows the payment when it was made, not when the bill was imported.
    Activity.objects.filter(pk=entry.pk).update(created=payment.occurred_at)
    return entry


@transaction.atomic
def order_from_payment(
    *, payment: Payment, product: Product, actor: User, quantity: int = 1
) -> Order:
    """A paid order of `product` for what the payment brought, at the time it was paid."""
    if payment.order_id is not None:
        raise order_actions.OrderError(_("This payment already belongs to an order."))
    assert payment.customer is not None
    order = order_actions.place_order(
        customer=payment.customer,
        seller=actor,
        actor=actor,
        lines=[
            order_actions.LineInput(
                product=product, quantity=quantity, unit_price=payment.amount / quantity
            )
        ],
        status=Status.PAID,
        payment_method=PaymentMethod(payment.source),
        note=_("Payment %(id)s") % {"id": payment.transaction_id},
        at=payment.occurred_at,
    )
    payment.order = order
    payment.save(update_fields=["order"])
    return order


@transaction.atomic
def attach_payment(*, payment: Payment, order: Order, actor: User) -> Order:
    """The payment pays an order of the same customer; one still awaiting it becomes paid."""
    if payment.order_id is not None:
        raise order_actions.OrderError(_("This payment already belongs to an order."))
    if order.customer_id != payment.customer_id:
        raise order_actions.OrderError(_("The order belongs to another customer."))
    payment.order = order
    payment.save(update_fields=["order"])
    if order.status not in PAID_STATUSES and Status.PAID in TRANSITIONS.get(order.status, set()):
        order = order_actions.change_order_status(
            order=order, status=Status.PAID, actor=actor, at=_not_before(order, payment.occurred_at)
        )
    return order


def _not_before(order: Order, at: datetime) -> datetime | None:
    """`at`, unless the order's last step came later (then now): steps keep their order."""
    return at if at >= (order.step_at(order.status) or order.created) else None


def refund_payment(*, payment: Payment, at: datetime, actor: User | None) -> None:
    """A refund in the bill reverses its payment, and the order it paid when that can be."""
    payment.refunded_at = at
    payment.save(update_fields=["refunded_at"])
    order = payment.order
    if order is not None and Status.REFUNDED in TRANSITIONS.get(order.status, set()):
        order_actions.change_order_status(
            order=order, status=Status.REFUNDED, actor=actor, at=_not_before(order, at)
        )
