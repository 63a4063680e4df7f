"""One way in for pages, API and shell: store the upload, check it, commit it."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from yutang.accounts.models import User
from yutang.lib.bills import BillError

from .bills import commit_bill, plan_bill
from .customers import commit_import, plan_import
from .models import ImportJob
from .orders import commit_orders, plan_orders
from .readers import FileRejected

KINDS = ("customers", "orders", "bill")


def is_job_id(token: str) -> bool:
    try:
        uuid.UUID(token)
    except ValueError:
        return False
    return True


def start_job(*, user: User, kind: str, rule: str, filename: str, chunks: Any) -> ImportJob:
    job = ImportJob.objects.create(user=user, kind=kind, rule=rule, filename=filename[:200])
    with job.path.open("wb") as target:
        for chunk in chunks:
            target.write(chunk)
    check(job)
    return job


def _plan(job: ImportJob, mapping: dict[str, int] | None = None) -> Any:
    if job.kind == "customers":
        return plan_import(job.path, user=job.user, rule=job.rule, mapping=mapping)
    if job.kind == "orders":
        return plan_orders(job.path, user=job.user)
    return plan_bill(job.path, user=job.user)


def check(job: ImportJob, mapping: dict[str, int] | None = None) -> Any:
    """The dry run; its summary is kept on the job. Returns the plan, or None if rejected."""
    try:
        plan = _plan(job, mapping)
    except FileRejected as exc:
        job.state, job.result = ImportJob.State.REJECTED, {"error": str(exc.message)}
        plan = None
    except BillError as exc:
        message = exc.message_zh if (get_language() or "zh").startswith("zh") else exc.message
        job.state, job.result = ImportJob.State.REJECTED, {"error": message}
        plan = None
    else:
        job.result = plan.summary()
    job.save(update_fields=["state", "result"])
    return plan


def commit(
    job: ImportJob, *, accept_all: bool, mapping: dict[str, int] | None = None
) -> dict[str, Any]:
    """Check again (the pool may have changed since) and import all or nothing."""
    plan = check(job, mapping)
    if plan is None:
        return job.result
    if job.kind == "bill":
        result = commit_bill(plan, user=job.user, create_customers=accept_all)
    elif plan.rejected and not accept_all:
        return {**job.result, "committed": False}
    elif job.kind == "customers":
        result = commit_import(plan, user=job.user)
    else:
        result = commit_orders(plan, user=job.user)
    job.state, job.result, job.finished = ImportJob.State.COMMITTED, result, timezone.now()
    job.save(update_fields=["state", "result", "finished"])
    job.path.unlink(missing_ok=True)
    return {**result, "committed": True}
