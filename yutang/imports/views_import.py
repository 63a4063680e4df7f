"""The import pages: upload, check (dry run) with the column mapping, then commit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yutang.accounts.access import request_user
from yutang.accounts.models import User

from . import jobs
from .customers import FIELDS, RULES, guess_mapping
from .models import ImportJob
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


def get_job_for(user: User, token: str) -> ImportJob:
    """A job of this user; anybody else's is a 404, like a job that does not exist."""
    job = ImportJob.objects.filter(user=user, pk=token).first() if jobs.is_job_id(token) else None
    if job is None or job.state != ImportJob.State.CHECKED or not job.path.exists():
        raise Http404
    return job


def upload(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        job = jobs.start_job(
            user=user,
            kind=form.cleaned_data["kind"],
            rule=form.cleaned_data["rule"],
            filename=upload_file.name,
            chunks=upload_file.chunks(),
        )
        if job.state == ImportJob.State.REJECTED and "error" in job.result:
            # A customer sheet may only lack a column the user can point out: show the mapping.
            if job.kind != "customers" or not _headers(job):
                job.path.unlink(missing_ok=True)
                messages.error(request, job.result["error"])
                return redirect("imports:upload")
            job.state = ImportJob.State.CHECKED
            job.save(update_fields=["state"])
        return redirect(f"/import/{job.kind}/{job.pk}/")
    return render(request, "imports/upload.html", {"form": form})


def _headers(job: ImportJob) -> list[str]:
    try:
        return open_table(job.path).headers
    except (FileRejected, OSError):
        return []


def _mapping_from(request: HttpRequest, headers: list[str]) -> dict[str, int]:
    mapping = guess_mapping(headers)
    if request.method == "POST":
        mapping = {}
        for field_name in FIELDS:
            value = request.POST.get(f"map-{field_name}", "")
            if value.isdigit() and int(value) < len(headers):
                mapping[field_name] = int(value)
    return mapping


def _done(request: HttpRequest, result: dict[str, object], target: str) -> HttpResponse | None:
    if result.get("committed"):
        messages.success(
            request,
            _("Imported: %(created)s new, %(updated)s updated.")
            % {"created": result.get("created", 0), "updated": result.get("updated", 0)},
        )
        return redirect(target)
    if "error" in result:
        messages.error(request, str(result["error"]))
    else:
        messages.error(request, _("Some rows are rejected: fix the file, or import the others."))
    return None


def review_customers(request: HttpRequest, token: str) -> HttpResponse:
    user = request_user(request)
    job = get_job_for(user, token)
    if job.kind != "customers":
        raise Http404
    rule = request.POST.get("rule", job.rule)
    if rule in RULES and rule != job.rule:
        job.rule = rule
        job.save(update_fields=["rule"])
    headers = _headers(job)
    mapping = _mapping_from(request, headers)
    if request.method == "POST" and request.POST.get("commit"):
        result = jobs.commit(job, accept_all=bool(request.POST.get("accept_all")), mapping=mapping)
        done = _done(request, result, "customers:list")
        if done:
            return done
        job.state = ImportJob.State.CHECKED
        job.save(update_fields=["state"])
    plan = jobs.check(job, mapping)
    if plan is None:
        messages.error(request, job.result.get("error", ""))
        job.state = ImportJob.State.CHECKED
        job.save(update_fields=["state"])
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
            "rule": job.rule,
            "headers": list(enumerate(headers)),
            "fields": [(f, labels[f], mapping.get(f)) for f in FIELDS],
            "summary": plan.summary() if plan else None,
            "preview": (plan.create + plan.update)[:20] if plan else [],
        },
    )


def _commit_or_check(
    request: HttpRequest, job: ImportJob, target: str
) -> tuple[HttpResponse | None, Any]:
    """On "import", commit and leave for `target`; otherwise, or when that was refused, the
    check again (a page to leave for when the file itself is refused)."""
    if request.method == "POST" and request.POST.get("commit"):
        result = jobs.commit(job, accept_all=bool(request.POST.get("accept_all")))
        done = _done(request, result, target)
        if done:
            return done, None
    plan = jobs.check(job)
    if plan is None:
        messages.error(request, job.result.get("error", ""))
        return redirect("imports:upload"), None
    return None, plan


def review_orders(request: HttpRequest, token: str) -> HttpResponse:
    job = get_job_for(request_user(request), token)
    if job.kind != "orders":
        raise Http404
    leave, plan = _commit_or_check(request, job, "orders:list")
    if leave:
        return leave
    return render(
        request,
        "imports/review_orders.html",
        {"token": token, "summary": plan.summary(), "orders": plan.orders[:50]},
    )


def review_bill(request: HttpRequest, token: str) -> HttpResponse:
    job = get_job_for(request_user(request), token)
    if job.kind != "bill":
        raise Http404
    leave, plan = _commit_or_check(request, job, "customers:list")
    if leave:
        return leave
    rows = [(row, plan.matches.get(plan.key(row))) for row in plan.new[:200]]
    return render(
        request,
        "imports/review_bill.html",
        {"token": token, "bill": plan.bill, "summary": plan.summary(), "rows": rows},
    )
