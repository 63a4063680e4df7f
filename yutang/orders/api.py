from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema
from ninja.responses import Status

from yutang.accounts.access import request_user
from yutang.accounts.apikit import bind, field_errors, form_messages, merge, validate
from yutang.accounts.models import User
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.lib.ids import page_slice, parse_id

from . import actions
from .access import get_order_for
from .forms import LineForm, OrderForm, ShippingForm
from .models import Order, OrderQuerySet
from .models import Status as OrderStatus

router: Router = Router(tags=["orders"])


class LineIn(Schema):
    product: int | str
    quantity: int
    unit_price: Decimal | None = None


class OrderIn(Schema):
    customer: int
    lines: list[LineIn]
    status: str = OrderStatus.INTENT
    at: datetime | None = None
    discount: Decimal = Decimal(0)
    payment_method: str = ""
    courier: str = ""
    tracking_number: str = ""
    note: str = ""
    # Left blank: the customer's name, phone and address when the order is placed.
    recipient_name: str = ""
    recipient_phone: str = ""
    recipient_address: str = ""


class StatusIn(Schema):
    status: str
    at: datetime | None = None
    # Shipping takes both in the same step; left out, the order's own (a courier it was placed
    # with) stand, and are checked as the page checks them.
    courier: str | None = None
    tracking_number: str | None = None


class LineOut(Schema):
    product: int
    product_name: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal
    amount: Decimal

    @staticmethod
    def resolve_product(obj: Any) -> int:
        return int(obj.product_id)

    @staticmethod
    def resolve_product_name(obj: Any) -> str:
        return str(obj.product.name)


class OrderOut(Schema):
    id: int
    customer: int
    seller: str
    status: str
    lines: list[LineOut]
    discount: Decimal
    total: Decimal
    payment_method: str
    courier: str
    tracking_number: str
    note: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    created: datetime
    steps: dict[str, datetime]

    @staticmethod
    def resolve_customer(obj: Order) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_seller(obj: Order) -> str:
        return obj.seller.username

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return list(obj.lines.all())

    # Where the parcel goes; an order from before these fields answers the customer's.
    @staticmethod
    def resolve_recipient_name(obj: Order) -> str:
        return obj.delivery_name

    @staticmethod
    def resolve_recipient_phone(obj: Order) -> str:
        return obj.delivery_phone

    @staticmethod
    def resolve_recipient_address(obj: Order) -> str:
        return obj.delivery_address

    @staticmethod
    def resolve_total(obj: Order) -> Decimal:
        return obj.total()

    @staticmethod
    def resolve_steps(obj: Order) -> dict[str, datetime]:
        return {code: at for code, _label, at in obj.steps() if at}


class OrderPage(Schema):
    items: list[OrderOut]
    count: int


def _with_lines() -> OrderQuerySet:
    return Order.objects.prefetch_related("lines__product")


def _visible_orders(user: User) -> Any:
    return _with_lines().visible_to(user).select_related("seller")


@router.get("/orders", response={200: OrderPage, 422: dict}, summary="List orders")
def list_orders(
    request: HttpRequest,
    customer: int | None = None,
    status: str = "",
    page: int = 1,
    page_size: int = 20,
) -> Any:
    qs = _visible_orders(request_user(request))
    if status:
        if status not in OrderStatus.values:
            return field_errors({"status": [_("Unknown status.")]})
        qs = qs.filter(status=status)
    if customer is not None:
        customer_id = parse_id(customer)
        qs = qs.filter(customer_id=customer_id) if customer_id else qs.none()
    if page < 1 or not 1 <= page_size <= 200:
        return field_errors({"page": [_("page ≥ 1 and 1 ≤ page_size ≤ 200.")]})
    return {"items": list(qs[page_slice(page, page_size)]), "count": qs.count()}


class ProductField(forms.ModelChoiceField):
    """A product on sale, named by its id or its SKU."""

    def to_python(self, value: Any) -> Product | None:
        products: QuerySet[Product] = self.queryset  # type: ignore[assignment]
        if value is None:
            return None
        if isinstance(value, int) or str(value).isdigit():
            product_id = parse_id(value)
            found = products.filter(pk=product_id).first() if product_id else None
        else:
            found = products.filter(sku=str(value)).first()
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], "invalid_choice", {"value": value}
            )
        return found


class ApiLineForm(LineForm):
    """The page's line, with the product by id or SKU, as the API names it."""

    product = ProductField(
        queryset=Product.objects.filter(active=True),
        error_messages={"invalid_choice": gettext_lazy("Unknown product: %(value)s.")},
    )


@router.post("/orders", response={201: OrderOut, 422: dict}, summary="Place an order")
def create_order(request: HttpRequest, payload: OrderIn) -> Any:
    user = request_user(request)
    errors: dict[str, list[str]] = {}
    customer = Customer.objects.visible_to(user).filter(pk=payload.customer).first()
    if customer is None:
        errors["customer"] = [_("That customer does not exist.")]
    if not payload.lines:
        errors["lines"] = [_("An order needs at least one line.")]
    lines: list[actions.LineInput] = []
    for index, line in enumerate(payload.lines):
        form = bind(ApiLineForm, line.dict())
        if form.is_valid():
            lines.append(actions.LineInput(**form.cleaned_data))
        errors = merge(errors, form_messages(form, f"lines.{index}."))
    data = validate(OrderForm, payload.dict(exclude={"customer", "lines"}), errors).cleaned_data
    assert customer is not None
    try:
        order = actions.place_order(customer=customer, seller=user, actor=user, lines=lines, **data)
    except actions.OrderError as exc:
        return field_errors({"status": [str(exc)]})
    return Status(201, get_order_for(user, order.pk, queryset=_with_lines()))


@router.get("/orders/{order_id}", response=OrderOut, summary="One order")
def get_order(request: HttpRequest, order_id: int) -> Any:
    return get_order_for(request_user(request), order_id, queryset=_with_lines())


@router.post(
    "/orders/{order_id}/status", response={200: OrderOut, 422: dict}, summary="Move an order on"
)
def set_status(request: HttpRequest, order_id: int, payload: StatusIn) -> Any:
    user = request_user(request)
    order = get_order_for(user, order_id, queryset=_with_lines())
    if payload.status not in OrderStatus.values:
        return field_errors({"status": [_("Unknown status.")]})
    shipping: dict[str, str] = {}
    if payload.status == OrderStatus.SHIPPED and payload.status in order.allowed_next():
        given = payload.dict(include={"courier", "tracking_number"}, exclude_none=True)
        shipping = validate(
            ShippingForm,
            given,
            initial={"courier": order.courier, "tracking_number": order.tracking_number},
            current=order.courier,
        ).cleaned_data
    try:
        actions.change_order_status(
            order=order, status=payload.status, actor=user, at=payload.at, **shipping
        )
    except actions.OrderError as exc:
        return field_errors({"status": [str(exc)]})
    return get_order_for(user, order.pk, queryset=_with_lines())
