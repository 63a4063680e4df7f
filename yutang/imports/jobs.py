"""One way in for pages, API and shell: store the upload, check it, commit it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
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


class ImportRefused(ValueError):
    """The file is rejected as a whole; `message` says why in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plan_file(
    kind: str,
    path: Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Any:
    """The dry run of any kind of import: a plan with `summary()`; writes nothing."""
    try:
        if kind == "customers":
            return plan_import(path, user=user, rule=rule, mapping=mapping, progress=progress)
        if kind == "orders":
            return plan_orders(path, user=user)
        return plan_bill(path, user=user)
    except FileRejected as exc:
        raise ImportRefused(str(exc.message)) from exc
    except BillError as exc:
        chinese = (get_language() or "zh").startswith("zh")
        raise ImportRefused(exc.message_zh if chinese else exc.message) from exc


def commit_plan(kind: str, plan: Any, *, user: User, accept_all: bool) -> dict[str, Any] | None:
    """Import a plan all or nothing; None when rejected rows stop it (without accept_all).

    A bill always goes in for the payers already in the pool; accept_all also creates customers
    for the others."""
    if kind == "bill":
        return commit_bill(plan, user=user, create_customers=accept_all)
    if plan.rejected and not accept_all:
        return None
    if kind == "customers":
        return commit_import(plan, user=user)
    return commit_orders(plan, user=user)


def check(job: ImportJob, mapping: dict[str, int] | None = None) -> Any:
    """The dry run; its summary is kept on the job. Returns the plan, or None if rejected."""
    try:
        plan = plan_file(job.kind, job.path, user=job.user, rule=job.rule, mapping=mapping)
    except ImportRefused as exc:
        job.state, job.result = ImportJob.State.REJECTED, {"error": exc.message}
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
    result = commit_plan(job.kind, plan, user=job.user, accept_all=accept_all)
    if result is None:
        return {**job.result, "committed": False}
    job.state, job.result, job.finished = ImportJob.State.COMMITTED, result, timezone.now()
    job.save(update_fields=["state", "result", "finished"])
    job.path.unlink(missing_ok=True)
    return {**result, "committed": True}
