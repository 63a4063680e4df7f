"""The import pages: upload, check (dry run) with the column mapping, then commit."""

from __future__ import annotations

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yutang.accounts.models import User
from yutang.lib.bills import BillError

from .bills import commit_bill, plan_bill
from .customers import FIELDS, RULES, commit_import, guess_mapping, plan_import
from .orders import commit_orders, plan_orders
from .readers import FileRejected, open_table

MAX_UPLOAD = 200 * 1024 * 1024
KINDS = [("customers", gettext_lazy("Customers (xlsx, xls, ods, csv)")),
         ("orders", gettext_lazy("Orders (xlsx, xls, ods, csv)")),
         ("bill", gettext_lazy("WeChat Pay or Alipay bill"))]  # fmt: skip


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What is in the file"), choices=KINDS)
    file = forms.FileField(label=gettext_lazy("File"))
    rule = forms.ChoiceField(
        label=gettext_lazy("A person already in the pool"),
        choices=[
            ("fill", gettext_lazy("fill their empty fields")),
            ("skip", gettext_lazy("leave them as they are")),
            ("overwrite", gettext_lazy("overwrite their fields")),
        ],
        initial="fill",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


def _uploads(user: User) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stored(user: User, token: str) -> Path:
    """An uploaded file of this user: a token never reaches another user's uploads."""
    try:
        name = str(uuid.UUID(token))
    except ValueError as exc:
        raise Http404 from exc
    path = _uploads(user) / name
    if not path.exists():
        raise Http404
    return path


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = str(uuid.uuid4())
        with (_uploads(user) / token).open("wb") as target:
            for chunk in form.cleaned_data["file"].chunks():
                target.write(chunk)
        kind, rule = form.cleaned_data["kind"], form.cleaned_data["rule"]
        return redirect(f"/import/{kind}/{token}/?rule={rule}")
    return render(request, "imports/upload.html", {"form": form})


def _mapping_from(request: HttpRequest, headers: list[str]) -> dict[str, int]:
    mapping = guess_mapping(headers)
    if request.method == "POST" or "map-nickname" in request.GET:
        data = request.POST if request.method == "POST" else request.GET
        mapping = {}
        for field_name in FIELDS:
            value = data.get(f"map-{field_name}", "")
            if value.isdigit() and int(value) < len(headers):
                mapping[field_name] = int(value)
    return mapping


def review_customers(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    path = _stored(user, token)
    rule = request.POST.get("rule") or request.GET.get("rule") or "fill"
    rule = rule if rule in RULES else "fill"
    try:
        headers = open_table(path).headers
    except FileRejected as exc:
        path.unlink(missing_ok=True)
        messages.error(request, str(exc.message))
        return redirect("imports:upload")
    mapping = _mapping_from(request, headers)
    plan = None
    try:
        plan = plan_import(path, user=user, rule=rule, mapping=mapping)
    except FileRejected as exc:
        # Usually a column the user must point out in the mapping below.
        messages.error(request, str(exc.message))
    if plan is not None and request.method == "POST" and request.POST.get("commit"):
        if plan.rejected and not request.POST.get("accept_all"):
            messages.error(
                request, _("Some rows are rejected: fix the file, or import the others.")
            )
        else:
            result = commit_import(plan, user=user)
            path.unlink(missing_ok=True)
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated.")
                % {"created": result["created"], "updated": result["updated"]},
            )
            return redirect("customers:list")
    labels = {
        "nickname": _("nickname"), "name": _("real name"), "wechat_id": _("WeChat ID"),
        "phone": _("mobile phone"), "address": _("street address"), "province": _("province"),
        "city": _("city"), "district": _("district"), "tags": _("tags"), "notes": _("notes"),
        "channel": _("source"), "birthday": _("birthday"), "gender": _("gender"),
        "added_on": _("friend since"),
    }  # fmt: skip
    return render(
        request,
        "imports/review_customers.html",
        {
            "token": token,
            "rule": rule,
            "headers": list(enumerate(headers)),
            "fields": [(f, labels[f], mapping.get(f)) for f in FIELDS],
            "summary": plan.summary() if plan else None,
            "preview": (plan.create + plan.update)[:20] if plan else [],
        },
    )


def review_orders(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    path = _stored(user, token)
    try:
        plan = plan_orders(path, user=user)
    except FileRejected as exc:
        path.unlink(missing_ok=True)
        messages.error(request, str(exc.message))
        return redirect("imports:upload")
    if request.method == "POST" and request.POST.get("commit"):
        if plan.rejected and not request.POST.get("accept_all"):
            messages.error(
                request, _("Some rows are rejected: fix the file, or import the others.")
            )
        else:
            result = commit_orders(plan, user=user)
            path.unlink(missing_ok=True)
            messages.success(request, _("Imported %(n)s orders.") % {"n": result["created"]})
            return redirect("orders:list")
    return render(
        request,
        "imports/review_orders.html",
        {"token": token, "summary": plan.summary(), "orders": plan.orders[:50]},
    )


def review_bill(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    path = _stored(user, token)
    try:
        plan = plan_bill(path, user=user)
    except BillError as exc:
        path.unlink(missing_ok=True)
        chinese = getattr(request, "LANGUAGE_CODE", "zh-hans").startswith("zh")
        messages.error(request, exc.message_zh if chinese else exc.message)
        return redirect("imports:upload")
    if request.method == "POST" and request.POST.get("commit"):
        result = commit_bill(plan, user=user, create_customers=bool(request.POST.get("accept_all")))
        path.unlink(missing_ok=True)
        messages.success(
            request,
            _("Imported %(created)s payments; %(new)s new customers.")
            % {"created": result["created"], "new": result["new_customers"]},
        )
        return redirect("customers:list")
    rows = [(row, plan.matches.get(plan.key(row))) for row in plan.new[:200]]
    return render(
        request,
        "imports/review_bill.html",
        {"token": token, "bill": plan.bill, "summary": plan.summary(), "rows": rows},
    )
