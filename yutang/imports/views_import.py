"""The import pages: upload, check (dry run) with the column mapping, review, then commit.

A large file is checked and committed in the background: its page shows a progress bar that
polls the job until it is done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from yutang.accounts.access import request_user
from yutang.accounts.models import User
from yutang.accounts.views import sheet_response
from yutang.catalog.models import Product
from yutang.customers.models import Customer
from yutang.lib.ids import parse_id
from yutang.orders.models import PaymentSource

from . import jobs
from .access import get_job_for
from .bill_file import NEW, SKIP, payers_to_choose_message
from .customer_sheet import FIELDS, HEADER_NAMES, RULES, guess_mapping, rejected_rows
from .forms import UploadForm
from .models import ImportJob
from .readers import FileRejected, open_table


def _open_job(user: User, token: str, kind: str) -> ImportJob:
    """A job of this user of this kind that is not finished: a review page has nothing to show
    for any other, and answers as for a job that does not exist."""
    job = get_job_for(user, token)
    if job.kind != kind or job.state == ImportJob.State.COMMITTED or not job.path.exists():
        raise Http404
    return job


def _review_url(job: ImportJob) -> str:
    """The review page of the job's kind (see REVIEWS)."""
    return reverse(f"imports:{job.kind}", args=[job.pk])


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
        if job.state == ImportJob.State.REJECTED and not _mappable(job) and not _bill(job):
            job.path.unlink(missing_ok=True)
            messages.error(request, job.result["error"])
            return redirect("imports:upload")
        return redirect(_review_url(job))
    return render(request, "imports/upload.html", {"form": form})


def _mappable(job: ImportJob) -> bool:
    """A customer sheet that was refused may only lack a column the user can point out."""
    return jobs.KINDS[job.kind].mappable and bool(_headers(job))


def _bill(job: ImportJob) -> str:
    """The source of the bill a customer sheet turned out to be ("" when it is none): its
    page offers to import it as a bill."""
    return str(job.result.get("bill", "")) if job.kind == "customers" else ""


def _as_bill(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The same uploaded file, checked as a bill: nothing to upload again."""
    job.kind, job.mapping = "bill", None
    job.save(update_fields=["kind", "mapping"])
    jobs.run(job, jobs.check)
    return redirect(_review_url(job))


def _headers(job: ImportJob) -> list[str]:
    try:
        return open_table(job.path, HEADER_NAMES).headers
    except (FileRejected, OSError):
        return []


def _running(request: HttpRequest, job: ImportJob) -> HttpResponse:
    return render(request, "imports/progress.html", {"job": job, "progress": jobs.progress(job)})


def job_progress(request: HttpRequest, token: str) -> HttpResponse:
    """The progress bar, polled by the page; when the job is done, where to go next."""
    job = get_job_for(request_user(request), token)
    progress = jobs.progress(job) if job.is_running else {}
    if job.is_running:
        return render(request, "imports/progress.html#bar", {"job": job, "progress": progress})
    if job.state == ImportJob.State.COMMITTED:
        _say_done(request, job.result)
        return HttpResponseClientRedirect(reverse(jobs.KINDS[job.kind].target))
    if job.result.get("committed") is False:
        _say_refused(request, job.result)
    return HttpResponseClientRedirect(_review_url(job))


def _say_done(request: HttpRequest, result: dict[str, Any]) -> None:
    messages.success(
        request,
        _("Imported: %(created)s new, %(updated)s updated.")
        % {"created": result.get("created", 0), "updated": result.get("updated", 0)},
    )


def _say_refused(request: HttpRequest, result: dict[str, Any]) -> None:
    if "error" in result:
        messages.error(request, str(result["error"]))
    else:
        messages.error(request, _("Some rows are rejected: fix the file, or import the others."))


def _commit(
    request: HttpRequest, job: ImportJob, *, as_checked: bool = True, **options: Any
) -> HttpResponse:
    """Commit now, or start it in the background; then where the user goes."""
    accept_all = bool(request.POST.get("accept_all"))
    jobs.start_commit(job, accept_all=accept_all, as_checked=as_checked, **options)
    if job.is_running:
        return redirect(_review_url(job))
    if job.state == ImportJob.State.COMMITTED:
        _say_done(request, job.result)
        return redirect(jobs.KINDS[job.kind].target)
    _say_refused(request, job.result)
    return redirect(_review_url(job) if job.state == ImportJob.State.CHECKED else "imports:upload")


def _mapping_from(request: HttpRequest, headers: list[str]) -> dict[str, int]:
    mapping = {}
    for field_name in FIELDS:
        value = request.POST.get(f"map-{field_name}", "")
        index = 0 if value == "0" else parse_id(value)
        if index is not None and index < len(headers):
            mapping[field_name] = index
    return mapping


def _effective_mapping(job: ImportJob, headers: list[str]) -> dict[str, int]:
    return job.mapping if job.mapping is not None else guess_mapping(headers)


def review_customers(request: HttpRequest, token: str) -> HttpResponse:
    job = _open_job(request_user(request), token, "customers")
    if job.is_running:
        return _running(request, job)
    if _bill(job):
        if request.method == "POST" and request.POST.get("as_bill"):
            return _as_bill(request, job)
        source_label = PaymentSource(_bill(job)).label
        context = {"job": job, "bill": _bill(job), "source_label": source_label}
        return render(request, "imports/review_customers.html", context)
    headers = _headers(job)
    if request.method == "POST":
        checked_with = (job.rule, _effective_mapping(job, headers))
        rule = request.POST.get("rule", job.rule)
        if rule in RULES:
            job.rule = rule
        if any(name.startswith("map-") for name in request.POST):
            job.mapping = _mapping_from(request, headers)
        job.save(update_fields=["rule", "mapping"])
        if request.POST.get("commit") and job.state == ImportJob.State.CHECKED:
            as_checked = checked_with == (job.rule, _effective_mapping(job, headers))
            return _commit(request, job, as_checked=as_checked)
        jobs.run(job, jobs.check)
        return redirect(_review_url(job))
    checked = job.state == ImportJob.State.CHECKED
    if not checked:
        messages.error(request, job.result.get("error", ""))
    mapping = _effective_mapping(job, headers)
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
            "job": job,
            "rule": job.rule,
            "headers": list(enumerate(headers)),
            "fields": [(f, labels[f], mapping.get(f)) for f in FIELDS],
            "summary": job.result if checked else None,
            "preview": job.preview if checked else [],
        },
    )


def rejected_customer_rows(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    """The rows a customer import's dry run rejected, with the reason, as an xlsx download."""
    job = _open_job(request_user(request), token, "customers")
    rejected = job.result.get("rejected") if job.state == ImportJob.State.CHECKED else None
    if not rejected:
        raise Http404
    try:
        sheet = rejected_rows(job.path, rejected)
    except FileRejected as exc:
        messages.error(request, str(exc.message))
        return redirect(_review_url(job))
    return sheet_response(sheet, "rejected-rows")


def review_orders(request: HttpRequest, token: str) -> HttpResponse:
    job = _open_job(request_user(request), token, "orders")
    if job.is_running:
        return _running(request, job)
    if request.method == "POST" and request.POST.get("commit"):
        return _commit(request, job)
    plan = jobs.check(job)
    if plan is None:
        messages.error(request, job.result.get("error", ""))
        return redirect("imports:upload")
    return render(
        request,
        "imports/review_orders.html",
        {"job": job, "summary": plan.summary(), "orders": plan.orders[:50]},
    )


def _payer_choices(
    request: HttpRequest, user: User, payers: list[dict[str, Any]]
) -> tuple[dict[str, Customer | str], dict[str, str]]:
    """What the user chose for each payer: a customer, NEW or SKIP; and errors by field."""
    visible = Customer.objects.visible_to(user)
    choices: dict[str, Customer | str] = {}
    errors: dict[str, str] = {}
    chosen_ids = {}
    for index, payer in enumerate(payers):
        other = request.POST.get(f"other-{index}", "").strip()[:64]
        if other:
            found = list(visible.search(other)[:2])
            if len(found) == 1:
                choices[payer["key"]] = found[0]
            else:
                errors[f"other-{index}"] = (
                    _("No customer matches “%(text)s”.")
                    if not found
                    else _("Several customers match “%(text)s”: give the phone or WeChat ID.")
                ) % {"text": other}
            continue
        value = request.POST.get(f"match-{index}", "")
        if value in (NEW, SKIP):
            choices[payer["key"]] = value
        elif value.startswith("c") and (customer_id := parse_id(value[1:])):
            chosen_ids[payer["key"]] = customer_id
    found_by_id = visible.in_bulk(set(chosen_ids.values()))
    for key, pk in chosen_ids.items():
        if pk in found_by_id:
            choices[key] = found_by_id[pk]
    return choices, errors


def review_bill(request: HttpRequest, token: str) -> HttpResponse:
    user = request_user(request)
    job = _open_job(user, token, "bill")
    plan = jobs.check(job)
    if plan is None:
        messages.error(request, job.result.get("error", ""))
        return redirect("imports:upload")
    payers = plan.payers()
    products = list(Product.objects.filter(active=True).order_by("name"))
    errors: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("commit"):
        choices, errors = _payer_choices(request, user, payers)
        product_id = request.POST.get("product", "")
        product = next((p for p in products if str(p.pk) == product_id), None)
        if product_id and product is None:
            errors["product"] = _("Choose a product from the list.")
        waiting = [
            index
            for index, payer in enumerate(payers)
            if payer["candidates"] and payer["key"] not in choices
            and f"other-{index}" not in errors
        ]  # fmt: skip
        for index in waiting:
            errors[f"match-{index}"] = _("Choose who paid: several customers fit this payer.")
        if not errors:
            return _commit_bill(request, job, choices=choices, product=product)
        if waiting:
            messages.error(request, payers_to_choose_message(len(waiting)))
        else:
            messages.error(request, _("Some choices need a second look: see below."))
    for index, payer in enumerate(payers):
        payer["index"] = index
        payer["error"] = errors.get(f"other-{index}", "")
        payer["match_error"] = errors.get(f"match-{index}", "")
        payer["other"] = request.POST.get(f"other-{index}", "")
        payer["match_value"] = f"c{payer['match'].pk}" if payer["match"] else ""
        payer["options"] = [(f"c{c.pk}", _candidate_label(c, user)) for c in payer["candidates"]]
        default = payer["match_value"] or ("" if payer["candidates"] else NEW)
        payer["chosen"] = request.POST.get(f"match-{index}", default)
    return render(
        request,
        "imports/review_bill.html",
        {
            "job": job,
            "source_label": PaymentSource(plan.bill.source).label,
            "summary": plan.summary(),
            "payers": payers,
            "products": products,
            "product_error": errors.get("product", ""),
            "chosen_product": request.POST.get("product", ""),
        },
    )


def _candidate_label(customer: Customer, user: User) -> str:
    """One of several customers a payer fits, told apart from the others by what the seller
    knows of them: the name, the phone's last digits, the WeChat ID, whose customer it is."""
    parts = [_("Customer “%(name)s”") % {"name": customer.display_name}]
    if customer.phone:
        parts.append(_("phone …%(digits)s") % {"digits": customer.phone[-4:]})
    if customer.wechat_id:
        parts.append(customer.wechat_id)
    if customer.owner_id != user.pk:
        parts.append(customer.owner.display_name)
    parts.append(_("added %(date)s") % {"date": customer.created.date().isoformat()})
    return " · ".join(parts)


def _commit_bill(
    request: HttpRequest, job: ImportJob, *, choices: dict[str, Customer | str], product: Any
) -> HttpResponse:
    """Commit the bill; the message says how many payments went in and to how many new
    customers (5 笔付款，3 位新客户)."""
    jobs.run(job, jobs.commit, accept_all=bool(request.POST.get("accept_all")), choices=choices,
             product=product)  # fmt: skip
    if job.state != ImportJob.State.COMMITTED:
        _say_refused(request, job.result)
        checked = job.state == ImportJob.State.CHECKED
        return redirect(_review_url(job) if checked else "imports:upload")
    result = job.result
    payments, customers = result.get("created", 0), result.get("new_customers", 0)
    text = _("Imported: %(payments)s, %(customers)s.") % {
        "payments": ngettext("%(n)s payment", "%(n)s payments", payments) % {"n": payments},
        "customers": ngettext("%(n)s new customer", "%(n)s new customers", customers)
        % {"n": customers},
    }
    if result.get("reversed"):
        text += " " + ngettext(
            "%(n)s refund reversed its payment.", "%(n)s refunds reversed their payments.",
            result["reversed"],
        ) % {"n": result["reversed"]}  # fmt: skip
    messages.success(request, text)
    return redirect(jobs.KINDS[job.kind].target)


# The review page of each kind of `jobs.KINDS`, at import/<kind>/<job>/ (named imports:<kind>).
REVIEWS = {"customers": review_customers, "orders": review_orders, "bill": review_bill}
