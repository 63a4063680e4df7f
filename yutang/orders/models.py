from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yutang.catalog.models import Product
from yutang.customers.models import Customer, OfCustomerQuerySet

if TYPE_CHECKING:
    from yutang.accounts.models import User


class Status(models.TextChoices):
    INTENT = "intent", _("agreed (意向)")
    UNPAID = "unpaid", _("awaiting payment")
    PAID = "paid", _("paid")
    SHIPPED = "shipped", _("shipped")
    SIGNED = "signed", _("signed for")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


# Which step may follow which. A counter sale may go straight from agreed to paid, a pickup from
# paid to completed; a refund can come after any step once money was received.
TRANSITIONS: dict[str, set[str]] = {
    Status.INTENT: {Status.UNPAID, Status.PAID, Status.CANCELLED},
    Status.UNPAID: {Status.PAID, Status.CANCELLED},
    Status.PAID: {Status.SHIPPED, Status.SIGNED, Status.COMPLETED, Status.REFUNDED},
    Status.SHIPPED: {Status.SIGNED, Status.REFUNDED},
    Status.SIGNED: {Status.COMPLETED, Status.REFUNDED},
    Status.COMPLETED: {Status.REFUNDED},
    Status.CANCELLED: set(),
    Status.REFUNDED: set(),
}
# Statuses in which the customer has paid and keeps the goods.
PAID_STATUSES = [Status.PAID, Status.SHIPPED, Status.SIGNED, Status.COMPLETED]
# The order a new order may start in: anything but the two dead ends.
START_STATUSES = [s for s in Status.values if s not in (Status.CANCELLED, Status.REFUNDED)]
FLOW = [Status.INTENT, Status.UNPAID, Status.PAID, Status.SHIPPED, Status.SIGNED, Status.COMPLETED]


class PaymentMethod(models.TextChoices):
    WECHAT = "wechat", _("WeChat transfer")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("cash")
    CARD = "card", _("bank card")
    OTHER = "other", _("other")


class Courier(models.TextChoices):
    """The couriers a seller picks from when shipping. A value is the name the customer reads in
    the shipping notice; an order keeps any courier it was given before the list existed."""

    SF = "顺丰", "顺丰"
    ZTO = "中通", "中通"
    YTO = "圆通", "圆通"
    YUNDA = "韵达", "韵达"
    STO = "申通", "申通"
    JT = "极兔", "极兔"
    EMS = "邮政EMS", "邮政EMS"
    JD = "京东", "京东"
    # A hand delivery, a local runner: the only one that may ship without a tracking number.
    OTHER = "其他", _("other (no tracking number needed)")


class OrderQuerySet(OfCustomerQuerySet["Order"]):
    def imported_for(self, user: User) -> OrderQuerySet:
        """The orders that count as already imported when `user` imports a file: those they may
        see, and those they sold themselves. One of another branch is neither confirmed nor
        touched: the importer's row becomes an order of their own."""
        return self.filter(Q(customer__in=Customer.objects.visible_to(user)) | Q(seller=user))

    def paid(self) -> OrderQuerySet:
        return self.filter(status__in=PAID_STATUSES)

    def last_paid_of(self, customer: Any) -> OrderQuerySet:
        """The customer's last paid order (`customer` is an OuterRef in a subquery): the one
        whose goods they are using now, for a later order supersedes it."""
        return self.paid().filter(customer=customer).order_by("-paid_at", "-id")[:1]

    def with_totals(self) -> OrderQuerySet:
        """Each order's `goods_amount` (its lines; named so as not to hide `Order.subtotal()`
        on the annotated orders), `total_amount` (the goods less the discount, never below
        zero: a discount larger than the goods makes the order free) and `goods_cost`, computed
        in the database; `Order.total()` is the same rule in memory. Subqueries rather than a
        join, so that the amounts can be summed again over orders and no other join multiplies
        them."""
        return self.annotate(
            goods_amount=_line_sum(F("quantity") * F("unit_price")),
            goods_cost=_line_sum(F("quantity") * F("unit_cost")),
        ).annotate(total_amount=Greatest(F("goods_amount") - F("discount"), NO_MONEY))


MONEY = DecimalField(max_digits=14, decimal_places=2)
NO_MONEY = Value(Decimal(0), output_field=MONEY)


def _line_sum(expression: Any) -> Coalesce:
    lines = OrderLine.objects.filter(order=OuterRef("pk")).values("order")
    total = lines.annotate(total=Sum(expression, output_field=MONEY)).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), NO_MONEY)


def lasting_days(order: Any = None) -> Subquery:
    """How many days an order's goods last (`order` an OuterRef, the outer order by default):
    its longest line, quantity × the product's usage cycle; None when no product has one."""
    longest = (
        OrderLine.objects.filter(order=OuterRef("pk") if order is None else order)
        .values("order")
        .annotate(days=Max(F("product__usage_cycle_days") * F("quantity")))
        .values("days")
    )
    return Subquery(longest)


class Order(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="orders_sold",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    discount = models.DecimalField(
        _("discount"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        max_digits=12,
        decimal_places=2,
    )
    payment_method = models.CharField(
        _("payment method"), max_length=8, choices=PaymentMethod.choices, blank=True
    )
    courier = models.CharField(_("courier"), max_length=32, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Where the parcel goes, copied from the customer when the order is placed: a customer who
    # moves later must not move the parcels already sent. Blank on orders from before these
    # fields, which then show the customer's (`delivery_name` …).
    recipient_name = models.CharField(_("recipient"), max_length=64, blank=True)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=20, blank=True)
    recipient_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    # Where an imported order came from (its order number, or a digest of its row), so that
    # importing the same file again creates no twin.
    import_ref = models.CharField(max_length=64, blank=True, editable=False)
    # The time of every step, so that touchpoints and repurchase intervals read real dates.
    intent_at = models.DateTimeField(null=True, blank=True)
    unpaid_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="order_customer_status_idx"),
            models.Index(fields=["status"], name="order_status_idx"),
            # The last paid order of each customer, which derivation and lifecycles look up.
            models.Index(fields=["customer", "-paid_at"], name="order_customer_paid_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(discount__gte=0), name="order_discount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="order_status_valid"
            ),
            # Per seller (an imported order's seller is its importer), so that an order number
            # another branch imported neither blocks nor reveals theirs.
            models.UniqueConstraint(
                fields=["import_ref", "seller"],
                condition=~Q(import_ref=""),
                name="order_unique_import_ref_per_seller",
            ),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.pk])

    def step_at(self, status: str) -> datetime | None:
        value: datetime | None = getattr(self, f"{status}_at")
        return value

    def allowed_next(self) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[self.status]]

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), Decimal(0))

    def total(self) -> Decimal:
        """The rule of `OrderQuerySet.with_totals`, for one order and its lines in memory."""
        return max(self.subtotal() - self.discount, Decimal(0))

    def cost(self) -> Decimal:
        return sum((line.quantity * line.unit_cost for line in self.lines.all()), Decimal(0))

    @property
    def delivery_name(self) -> str:
        return self.recipient_name or self.customer.name or self.customer.nickname

    @property
    def delivery_phone(self) -> str:
        return self.recipient_phone or self.customer.phone

    @property
    def delivery_address(self) -> str:
        return self.recipient_address or self.customer.full_address

    def delivery_text(self) -> str:
        """Name, phone and address in one line, as a courier's form (寄件) takes them pasted."""
        parts = (self.delivery_name, self.delivery_phone, self.delivery_address)
        return " ".join(p for p in parts if p)

    def steps(self) -> list[tuple[str, str, datetime | None]]:
        """Every step reached, with its time, in flow order, for the order page."""
        labels = dict(Status.choices)
        return [
            (s, str(labels[s]), self.step_at(s))
            for s in [*FLOW, Status.CANCELLED, Status.REFUNDED]
            if self.step_at(s)
        ]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"), validators=[MinValueValidator(Decimal(0))], max_digits=12, decimal_places=2
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        max_digits=12,
        decimal_places=2,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="line_cost_positive"),
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def below_min_price(self) -> bool:
        return self.product.min_price is not None and self.unit_price < self.product.min_price


class CostKind(models.TextChoices):
    GIFT = "gift", _("gift")
    COUPON = "coupon", _("coupon")
    REFERRAL = "referral", _("referral reward")
    SHIPPING = "shipping", _("shipping subsidy")
    OTHER = "other", _("other")


class CustomerCost(models.Model):
    """What keeping a customer costs (维护费用, seed 004)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("kind"), max_length=10, choices=CostKind.choices)
    amount = models.DecimalField(
        _("amount"),
        validators=[MinValueValidator(Decimal("0.01"))],
        max_digits=12,
        decimal_places=2,
    )
    on = models.DateField(_("date"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cost_amount_positive")
        ]
        verbose_name = _("cost of keeping")
        verbose_name_plural = _("costs of keeping")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class PaymentSource(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class PaymentQuerySet(OfCustomerQuerySet["Payment"]):
    def imported_for(self, user: User) -> PaymentQuerySet:
        """The payments that count as already imported when `user` imports a bill: those they may
        see, and those they imported themselves. One of another branch is neither confirmed nor
        touched: the importer's row becomes a payment of their own."""
        return self.filter(Q(customer__in=Customer.objects.visible_to(user)) | Q(imported_by=user))


class Payment(models.Model):
    """Money a customer sent, read from a WeChat Pay or Alipay bill."""

    source = models.CharField(_("source"), max_length=8, choices=PaymentSource.choices)
    transaction_id = models.CharField(_("transaction ID"), max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, related_name="payments", null=True, blank=True
    )
    occurred_at = models.DateTimeField(_("time"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=100, blank=True)
    product = models.CharField(_("item"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # Importing the same bill twice, or an overlapping one, creates no twin. Per importer,
            # so that an id another branch imported neither blocks nor reveals theirs.
            models.UniqueConstraint(
                fields=["source", "transaction_id", "imported_by"],
                name="payment_unique_transaction_per_importer",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        # The table of the imports app, where payments were first kept.
        db_table = "imports_payment"
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.source}:{self.transaction_id}"
