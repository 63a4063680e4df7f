from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.actions import apply_automatic_grade, log_activity
from yutang.customers.derived import refresh_customers
from yutang.customers.models import ActivityKind, Customer, GradeReason

from .models import START_STATUSES, TRANSITIONS, CustomerCost, Order, OrderLine
from .models import Status as OrderStatus


class OrderError(ValueError):
    """A refused order operation; the message is for the user."""


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None


def _aware(at: datetime | None) -> datetime | None:
    """A time given without an offset is the shop's local time."""
    if at is not None and timezone.is_naive(at):
        return timezone.make_aware(at)
    return at


def status_label(status: str) -> str:
    return str(dict(OrderStatus.choices).get(status, status))


@transaction.atomic
def place_order(
    *,
    customer: Customer,
    seller: User,
    lines: list[LineInput],
    actor: User | None,
    status: str = OrderStatus.INTENT,
    discount: Decimal = Decimal(0),
    payment_method: str = "",
    courier: str = "",
    tracking_number: str = "",
    note: str = "",
    at: datetime | None = None,
    recipient_name: str = "",
    recipient_phone: str = "",
    recipient_address: str = "",
) -> Order:
    """A new order. The delivery details left blank are the customer's at this moment."""
    if status not in START_STATUSES:
        raise OrderError(
            _("A new order cannot start as “%(status)s”.") % {"status": status_label(status)}
        )
    if not lines:
        raise OrderError(_("An order needs at least one line."))
    at = _aware(at) or timezone.now()
    order = Order(
        customer=customer,
        seller=seller,
        status=status,
        discount=discount,
        payment_method=payment_method,
        courier=courier,
        tracking_number=tracking_number,
        note=note,
        created=at,
        recipient_name=recipient_name or customer.name or customer.nickname,
        recipient_phone=recipient_phone or customer.phone,
        recipient_address=recipient_address or customer.full_address,
    )
    setattr(order, f"{status}_at", at)
    if order.is_paid:
        # An order entered after the fact at a later step was paid by then.
        order.paid_at = at
    order.save()
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.product.price if line.unit_price is None else line.unit_price,
                unit_cost=line.product.cost if line.unit_cost is None else line.unit_cost,
            )
            for line in lines
        ]
    )
    log_activity(
        customer,
        ActivityKind.ORDER,
        actor,
        order=order.pk,
        status=status,
        total=str(order.total()),
        products=[f"{line.product.name}×{line.quantity}" for line in lines],
    )
    after_order_change(order, actor)
    return order


@transaction.atomic
def change_order_status(
    *,
    order: Order,
    status: str,
    actor: User | None,
    at: datetime | None = None,
    courier: str | None = None,
    tracking_number: str | None = None,
) -> Order:
    """Move the order on. Shipping takes the courier and the tracking number in the same step
    (None keeps what the order has), so the shipping notice has them from the start."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if status not in TRANSITIONS.get(order.status, set()):
        allowed = "、".join(status_label(s) for s in order.allowed_next()) or _("none")
        raise OrderError(
            _("An order that is “%(old)s” cannot become “%(new)s” (possible: %(allowed)s).")
            % {"old": status_label(order.status), "new": status_label(status), "allowed": allowed}
        )
    at = _aware(at) or timezone.now()
    previous = order.step_at(order.status) or order.created
    if at < previous:
        raise OrderError(_("A step cannot happen before the step before it."))
    old = order.status
    order.status = status
    setattr(order, f"{status}_at", at)
    fields = ["status", f"{status}_at"]
    shipping: dict[str, str] = {}
    if status == OrderStatus.SHIPPED:
        if courier is not None:
            order.courier = courier
        if tracking_number is not None:
            order.tracking_number = tracking_number
        fields += ["courier", "tracking_number"]
        shipping = {"courier": order.courier, "tracking_number": order.tracking_number}
    order.save(update_fields=fields)
    log_activity(
        order.customer,
        ActivityKind.ORDER_STATUS,
        actor,
        order=order.pk,
        old=old,
        new=status,
        **shipping,
    )
    after_order_change(order, actor)
    return order


@transaction.atomic
def update_shipping(
    *, order: Order, courier: str, tracking_number: str, actor: User | None
) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if (order.courier, order.tracking_number) == (courier, tracking_number):
        return order
    order.courier, order.tracking_number = courier, tracking_number
    order.save(update_fields=["courier", "tracking_number"])
    log_activity(
        order.customer,
        ActivityKind.SHIPPING,
        actor,
        order=order.pk,
        courier=courier,
        tracking_number=tracking_number,
    )
    # The shipping notice tells the tracking number.
    refresh_customers([order.customer_id])
    return order


def after_order_change(order: Order, actor: User | None) -> None:
    """What an order's step changes about its customer, in the same transaction."""
    if order.is_paid:
        customer = Customer.objects.get(pk=order.customer_id)
        apply_automatic_grade(
            customer=customer, has_paid_order=True, actor=actor, reason=GradeReason.PAID_ORDER
        )
    refresh_customers([order.customer_id])


@transaction.atomic
def add_cost(
    *, customer: Customer, kind: str, amount: Decimal, on: date, note: str, actor: User | None
) -> CustomerCost:
    cost = CustomerCost.objects.create(
        customer=customer, kind=kind, amount=amount, on=on, note=note, author=actor
    )
    log_activity(
        customer, ActivityKind.COST, actor, cost_kind=kind, amount=str(amount), on=on.isoformat()
    )
    refresh_customers([customer.pk])
    return cost
