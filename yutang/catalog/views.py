from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.views import owner_required

from .forms import ProductForm
from .models import Product


def product_list(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    products = Product.objects.annotate(lines=Count("order_lines"))
    return render(request, "catalog/list.html", {"products": products})


@require_POST
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    owner_required(request)
    product = get_object_or_404(Product, pk=pk)
    if product.order_lines.exists():
        messages.error(request, _("This product has been sold: take it off sale instead."))
        return redirect("catalog:edit", pk=pk)
    product.delete()
    messages.success(request, _("Deleted."))
    return redirect("catalog:list")


def product_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    owner_required(request)
    product = get_object_or_404(Product, pk=pk) if pk is not None else None
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Product “%(name)s” saved.") % {"name": saved.name})
        return redirect("catalog:list")
    return render(request, "catalog/form.html", {"form": form, "product": product})
