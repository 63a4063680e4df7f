from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from yutang.accounts.apikit import input_schema, validate
from yutang.accounts.models import User

from .forms import ProductForm
from .models import Product

router: Router = Router(tags=["products"])


class ProductOut(Schema):
    id: int
    name: str
    short_name: str
    sku: str
    price: Decimal
    cost: Decimal
    usage_cycle_days: int | None
    min_price: Decimal | None
    active: bool


# What the API writes: the page form's fields.
if TYPE_CHECKING:
    ProductIn = Schema
else:
    ProductIn = input_schema("ProductIn", ProductOut, ProductForm.Meta.fields)


def _owner(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_owner else None


def _save(product: Product | None, payload: dict[str, Any]) -> Any:
    saved = validate(ProductForm, payload, instance=product).save()
    # Read back, so that the answer is the same as a later GET (prices with two decimals).
    return Status(200 if product else 201, Product.objects.get(pk=saved.pk))


@router.get("/products", response=list[ProductOut], summary="Every product")
def list_products(request: HttpRequest) -> Any:
    return list(Product.objects.all())


@router.post("/products", response={201: ProductOut, 403: dict, 422: dict}, summary="Add a product")
def create_product(request: HttpRequest, payload: ProductIn) -> Any:
    if _owner(request) is None:
        raise PermissionDenied(_("Only the owner manages products."))
    return _save(None, payload.dict(exclude_unset=True))


@router.get("/products/{product_id}", response=ProductOut, summary="One product")
def get_product(request: HttpRequest, product_id: int) -> Any:
    return get_object_or_404(Product, pk=product_id)


@router.patch(
    "/products/{product_id}", response={200: ProductOut, 403: dict, 422: dict}, summary="Change"
)
def update_product(request: HttpRequest, product_id: int, payload: ProductIn) -> Any:
    if _owner(request) is None:
        raise PermissionDenied(_("Only the owner manages products."))
    return _save(get_object_or_404(Product, pk=product_id), payload.dict(exclude_unset=True))
