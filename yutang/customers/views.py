"""The customer's own pages: adding, editing, merging, deleting, the grade and the tags.
The list and the customer's page show other apps too (orders, follow-ups, statistics): they are
in `yutang.overview`, under the same URL names."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.access import request_user
from yutang.lib.ids import parse_id

from . import actions
from .access import get_customer_for
from .forms import CustomerForm
from .models import Customer, Grade, Tag, tag_groups_with_tags


def _save_form(request: HttpRequest, form: CustomerForm, before: dict | None) -> Customer | None:
    user = request_user(request)
    try:
        with transaction.atomic():
            customer = form.save(commit=False)
            if before is None:
                return actions.create_customer(
                    customer=customer, tags=form.cleaned_data["tags"], actor=user, source="form"
                )
            return actions.update_customer(
                customer=customer, before=before, tags=form.cleaned_data["tags"], actor=user
            )
    except IntegrityError:
        # Someone else saved the same phone or WeChat ID between our check and our write.
        form.add_error(None, _("Another customer with this phone or WeChat ID was just saved."))
        return None


def customer_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = CustomerForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        customer = _save_form(request, form, None)
        if customer:
            messages.success(request, _("Customer “%(name)s” added.") % {"name": customer.nickname})
            return redirect(customer)
    return render(
        request,
        "customers/form.html",
        {"form": form, "tag_groups": tag_groups_with_tags(), "creating": True},
    )


def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, pk)
    before = {**actions.snapshot(customer), "grade": customer.grade}
    form = CustomerForm(request.POST or None, instance=customer, user=user)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, before)
        if saved:
            messages.success(request, _("Changes saved."))
            return redirect(saved)
    return render(
        request,
        "customers/form.html",
        {"form": form, "tag_groups": tag_groups_with_tags(), "customer": customer},
    )


@require_POST
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request_user(request), pk)
    name = customer.nickname
    try:
        actions.delete_customer(customer=customer)
    except actions.CustomerInUse as exc:
        messages.error(request, str(exc))
        return redirect(customer)
    messages.success(request, _("Customer “%(name)s” deleted.") % {"name": name})
    return redirect("customers:list")


@require_POST
def customer_grade(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, pk)
    grade = request.POST.get("grade", "")
    if grade not in ["", *Grade.values]:
        messages.error(request, _("The grade must be one of AA, A, B, C, D, F."))
    elif actions.set_grade(customer=customer, grade=grade, actor=user):
        messages.success(request, _("Grade set to %(grade)s.") % {"grade": grade or _("none")})
    return redirect(customer)


@require_POST
def customer_tag(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, pk)
    tag_id = parse_id(request.POST.get("tag"))
    tag = Tag.objects.filter(pk=tag_id).first() if tag_id else None
    if tag is None:
        messages.error(request, _("Unknown tag."))
    else:
        actions.toggle_tag(customer=customer, tag=tag, actor=user)
    return redirect(customer)


def customer_pick(request: HttpRequest) -> HttpResponse:
    """Search results for choosing a referrer or a customer to merge with (htmx fragment)."""
    user = request_user(request)
    q = request.GET.get("q", "")[:64]
    exclude = parse_id(request.GET.get("exclude"))
    mode = "merge" if request.GET.get("mode") == "merge" and exclude else "referrer"
    qs = Customer.objects.visible_to(user).search(q).order_by("search_pinyin")
    if exclude:
        qs = qs.exclude(pk=exclude)
    results = list(qs[:8]) if q.strip() else []
    return render(
        request,
        "customers/pick.html",
        {"results": results, "mode": mode, "exclude": exclude},
    )


def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    customer = get_customer_for(user, pk)
    other_id = parse_id(request.POST.get("other") or request.GET.get("other"))
    other = get_customer_for(user, other_id) if other_id else None
    if other is not None and other.pk == customer.pk:
        other = None
    if request.method == "POST" and other is not None:
        keep, remove = (
            (other, customer)
            if request.POST.get("keep") == str(other.pk)
            else (
                customer,
                other,
            )
        )
        with transaction.atomic():
            merged = actions.merge_customers(keep=keep, remove=remove, actor=user)
        messages.success(request, _("Merged into “%(name)s”.") % {"name": merged.nickname})
        return redirect(merged)
    rows = []
    if other is not None:
        a_tags = ", ".join(t.name for t in customer.tags.all())
        b_tags = ", ".join(t.name for t in other.tags.all())
        for field in ["nickname", "name", "phone", "wechat_id", "grade", "channel", "owner"]:
            label = Customer._meta.get_field(field).verbose_name  # type: ignore[union-attr]
            rows.append((label, getattr(customer, field) or "", getattr(other, field) or ""))
        rows.append((_("tags"), a_tags, b_tags))
        rows.append((_("timeline entries"), customer.activities.count(), other.activities.count()))
    return render(
        request, "customers/merge.html", {"customer": customer, "other": other, "rows": rows}
    )
