"""One way in for pages, API and shell: store the upload, check it, commit it.

A large file is checked and committed in a thread of the web process, since the embedded install
has no worker: the page polls the job. Its progress goes to a small file beside the upload and
not to the database: an all-or-nothing import writes in one transaction (on SQLite, one short one
at its end), and a progress row written inside it would be seen only when it ends.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from yutang.accounts.models import User
from yutang.lib.bills import BillError

from .bill_file import PayersToChoose, commit_bill, plan_bill
from .customer_sheet import Progress, import_customers, plan_import
from .models import ImportJob
from .order_sheet import commit_orders, plan_orders
from .readers import FileRejected, IsABill

# A job that has not reported progress for this long died with its process; its transaction
# was rolled back by the database.
STALE_SECONDS = 120
log = logging.getLogger(__name__)
# Jobs whose thread runs in this process: alive, however long a step takes without a report.
_running: set[str] = set()


def is_job_id(token: str) -> bool:
    try:
        uuid.UUID(token)
    except ValueError:
        return False
    return True


class ImportRefused(ValueError):
    """The file is rejected as a whole; `message` says why in the reader's language."""

    def __init__(self, message: str, *, bill: str = "") -> None:
        # A message may quote a cell; a NUL in it could not be stored with the job on PostgreSQL.
        message = message.replace("\x00", "")
        super().__init__(message)
        self.message = message
        self.bill = bill  # the source of a bill given as another kind of file


def _refused(exc: ImportRefused) -> dict[str, Any]:
    """A refused file's result: the message and, for a bill given as a sheet, its source."""
    return {"error": exc.message, **({"bill": exc.bill} if exc.bill else {})}


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except IsABill as exc:
        raise ImportRefused(str(exc.message), bill=exc.source) from exc
    except FileRejected as exc:
        raise ImportRefused(str(exc.message)) from exc
    except BillError as exc:
        chinese = (get_language() or "zh").startswith("zh")
        raise ImportRefused(exc.message_zh if chinese else exc.message) from exc


def too_large_message() -> str:
    return _("The file is larger than %(limit)s MB: split it into several files.") % {
        "limit": settings.YUTANG_IMPORT_MAX_BYTES // (1024 * 1024)
    }


def check_size(path: Path) -> None:
    """The one upload limit, for every way in: the page, the API and the command."""
    if path.stat().st_size > settings.YUTANG_IMPORT_MAX_BYTES:
        raise ImportRefused(too_large_message())


def _plan_customers(
    path: Path, *, user: User, rule: str, mapping: dict[str, int] | None, progress: Progress | None
) -> Any:
    return plan_import(path, user=user, rule=rule, mapping=mapping, progress=progress)


def _import_customers(
    path: Path, *, user: User, rule: str, mapping: dict[str, int] | None, accept_all: bool,
    progress: Progress | None, **choices: Any,
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    # The customer import checks every row again in its own pass, as it writes.
    plan, committed = import_customers(
        path, user=user, rule=rule, mapping=mapping, accept_all=accept_all, progress=progress
    )
    return plan.summary(), committed


def _plan_orders(path: Path, *, user: User, **options: Any) -> Any:
    return plan_orders(path, user=user)


def _import_orders(
    path: Path, *, user: User, accept_all: bool, progress: Progress | None, **options: Any
) -> tuple[dict[str, Any], bool]:
    plan = plan_orders(path, user=user)
    if plan.rejected and not accept_all:
        return plan.summary(), False
    return commit_orders(plan, user=user, progress=progress), True


def _plan_bill(path: Path, *, user: User, **options: Any) -> Any:
    return plan_bill(path, user=user)


def _import_bill(
    path: Path,
    *,
    user: User,
    accept_all: bool,
    choices: dict[str, Any] | None = None,
    product: Any = None,
    **options: Any,
) -> tuple[dict[str, Any], bool]:
    # A bill always goes in for the payers already in the pool; accept_all also creates
    # customers for the others. It waits while a payer fits several customers.
    plan = plan_bill(path, user=user)
    try:
        result = commit_bill(
            plan, user=user, create_customers=accept_all, choices=choices, product=product
        )
    except PayersToChoose as exc:
        return {**plan.summary(), "error": exc.message}, False
    return result, True


@dataclass(frozen=True)
class ImportKind:
    """Everything the app needs of one kind of import. Every other list of kinds (the upload
    form, the API, the command, the review pages) is derived from `KINDS`."""

    label: Any  # a lazy translation: what the upload form offers
    # The dry run: a plan with `summary()` (and `preview` rows when it has them); writes nothing.
    plan: Callable[..., Any]
    # The commit, all or nothing, checking every row again: the result and whether it went in.
    commit: Callable[..., tuple[dict[str, Any], bool]]
    target: str  # the page a committed import leaves the user on (a URL name)
    background: bool  # whether a large file is checked and committed in a thread
    mappable: bool  # whether the user may point out the columns of a file that was refused
    # Whether rejected rows stop the commit unless the user imports the others (accept_all).
    stops_on_rejected: bool


KINDS: dict[str, ImportKind] = {
    "customers": ImportKind(
        label=gettext_lazy("Customers (xlsx, xls, ods, csv)"),
        plan=_plan_customers,
        commit=_import_customers,
        target="customers:list",
        background=True,
        mappable=True,
        stops_on_rejected=True,
    ),
    "orders": ImportKind(
        label=gettext_lazy("Orders (xlsx, xls, ods, csv)"),
        plan=_plan_orders,
        commit=_import_orders,
        target="orders:list",
        background=True,
        mappable=False,
        stops_on_rejected=True,
    ),
    "bill": ImportKind(
        label=gettext_lazy("WeChat Pay or Alipay bill"),
        plan=_plan_bill,
        commit=_import_bill,
        target="customers:list",
        background=False,
        mappable=False,
        stops_on_rejected=False,
    ),
}


def plan_file(
    kind: str,
    path: Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    progress: Progress | None = None,
) -> Any:
    """The dry run of any kind of import: a plan with `summary()`; writes nothing."""
    check_size(path)
    with _refusals():
        return KINDS[kind].plan(path, user=user, rule=rule, mapping=mapping, progress=progress)


def import_file(
    kind: str,
    path: Path,
    *,
    user: User,
    rule: str = "fill",
    mapping: dict[str, int] | None = None,
    accept_all: bool = False,
    progress: Progress | None = None,
    **bill_choices: Any,
) -> tuple[dict[str, Any], bool]:
    """Import a file all or nothing: the result and whether it was committed. Rows that are
    rejected stop it unless `accept_all`; a bill always goes in for the payers already in the
    pool, and `accept_all` also creates customers for the others."""
    check_size(path)
    with _refusals():
        return KINDS[kind].commit(
            path, user=user, rule=rule, mapping=mapping, accept_all=accept_all,
            progress=progress, **bill_choices,
        )  # fmt: skip


# Jobs: an uploaded file that the pages and the API check and commit.


def start_job(*, user: User, kind: str, rule: str, filename: str, chunks: Any) -> ImportJob:
    job = ImportJob.objects.create(user=user, kind=kind, rule=rule, filename=filename[:200])
    size = 0
    with job.path.open("wb") as target:
        for chunk in chunks:
            size += len(chunk)
            if size > settings.YUTANG_IMPORT_MAX_BYTES:
                break
            target.write(chunk)
    if size > settings.YUTANG_IMPORT_MAX_BYTES:
        # Stop at the limit: the rest of the upload is neither stored nor read.
        job.path.unlink(missing_ok=True)
        job.state, job.result = ImportJob.State.REJECTED, {"error": too_large_message()}
        job.save(update_fields=["state", "result"])
        return job
    run(job, check)
    return job


def start_commit(
    job: ImportJob, *, accept_all: bool, as_checked: bool = True, **options: Any
) -> None:
    """Commit the job (see `run`), unless it is sure to be refused: the dry run rejected rows
    and the user did not choose to import the others. That is said at once, where a large file
    would otherwise go through a whole background run to the same answer. `as_checked` is
    False when the rule or the columns changed since the dry run, whose rejections then say
    nothing about the commit."""
    if as_checked and refuses_rejected(job, accept_all=accept_all):
        job.result = {**job.result, "committed": False}
        job.save(update_fields=["result"])
        return
    run(job, commit, accept_all=accept_all, **options)


def refuses_rejected(job: ImportJob, *, accept_all: bool) -> bool:
    """Whether a commit of the checked job stops on the rows its dry run rejected."""
    if accept_all or not KINDS[job.kind].stops_on_rejected:
        return False
    result = job.result
    return bool(result.get("rejected_count", len(result.get("rejected", []))))


def runs_in_background(job: ImportJob) -> bool:
    return (
        KINDS[job.kind].background
        and job.path.stat().st_size >= settings.YUTANG_IMPORT_BACKGROUND_BYTES
    )


def run(job: ImportJob, work: Callable[..., Any], **options: Any) -> None:
    """Run `check` or `commit` on the job: now, or in a thread when the file is large."""
    if not runs_in_background(job):
        work(job, **options)
        return
    job.state = ImportJob.State.CHECKING if work is check else ImportJob.State.IMPORTING
    job.save(update_fields=["state"])
    _write_progress(job, 0, None, start=True)
    language = get_language()

    def target() -> None:
        _running.add(str(job.pk))
        try:
            with translation.override(language):
                work(job, progress=lambda done, total: _write_progress(job, done, total), **options)
        except Exception:
            log.exception("import %s failed", job.pk)
            job.state, job.result = ImportJob.State.REJECTED, {"error": _failed_message(language)}
            job.save(update_fields=["state", "result"])
        finally:
            _running.discard(str(job.pk))
            job.progress_path.unlink(missing_ok=True)
            connection.close()

    threading.Thread(target=target, name=f"import-{job.pk}", daemon=True).start()


def _failed_message(language: str | None) -> str:
    with translation.override(language):
        return _("The import stopped on an unexpected error; nothing was saved. Try again.")


def _write_progress(job: ImportJob, done: int, total: int | None, *, start: bool = False) -> None:
    """Report how far the job is. The bar never goes back: a later phase or a second attempt
    of the same file (a staged import planned again) that counts from the start again keeps the
    bar where it was until it gets further. It says 100% only once the job has ended: after the
    last row the import still writes everything in one go."""
    percent = min(MAX_RUNNING_PERCENT, 100 * done // total) if total else None
    previous = None if start else _read_progress(job)
    best = previous.get("percent") if previous is not None else None
    if previous is not None and best is not None and (percent is None or percent < best):
        done, total, percent = previous["done"], previous["total"], best
    job.progress_path.write_text(
        json.dumps({"done": done, "total": total, "percent": percent, "at": time.time()})
    )


# What a running job's bar shows at most (see _write_progress).
MAX_RUNNING_PERCENT = 99


def _read_progress(job: ImportJob) -> dict[str, Any] | None:
    try:
        data = json.loads(job.progress_path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "done" in data and "at" in data else None


def progress(job: ImportJob) -> dict[str, Any]:
    """How far a running job is: rows done, rows in all (when known) and the percentage. A job
    whose process died is put back (its transaction was rolled back) with a message saying so."""
    data = _read_progress(job) or {"done": 0, "total": None, "at": job.created.timestamp()}
    stale = time.time() - data["at"] > STALE_SECONDS
    if job.is_running and stale and str(job.pk) not in _running:
        job.result = {"error": _("The import was interrupted; nothing was saved. Try again.")}
        job.state = ImportJob.State.REJECTED
        job.save(update_fields=["state", "result"])
        job.progress_path.unlink(missing_ok=True)
    if "percent" not in data:
        total = data["total"]
        data["percent"] = min(100, round(100 * data["done"] / total)) if total else None
    return data


def check(
    job: ImportJob, mapping: dict[str, int] | None = None, progress: Progress | None = None
) -> Any:
    """The dry run; its summary, the first rows and the mapping are kept on the job. Returns
    the plan, or None if the file is rejected."""
    if mapping is not None:
        job.mapping = mapping
    try:
        plan = plan_file(
            job.kind, job.path, user=job.user, rule=job.rule, mapping=job.mapping,
            progress=progress,
        )  # fmt: skip
    except ImportRefused as exc:
        job.state, job.result = ImportJob.State.REJECTED, _refused(exc)
        plan = None
    else:
        job.state, job.result = ImportJob.State.CHECKED, plan.summary()
        job.preview = [_preview_row(p) for p in getattr(plan, "preview", [])]
    job.save(update_fields=["state", "result", "preview", "mapping"])
    return plan


def _preview_row(planned: Any) -> dict[str, Any]:
    values = planned.values
    return {
        "row": planned.row,
        "nickname": values.get("nickname", ""),
        "phone": values.get("phone", ""),
        "wechat_id": values.get("wechat_id", ""),
        "region": f"{values.get('province', '')}{values.get('city', '')}",
        "update": planned.existing is not None,
        "by_name": getattr(planned, "by_name", False),
    }


def commit(
    job: ImportJob,
    *,
    accept_all: bool,
    progress: Progress | None = None,
    **bill_choices: Any,
) -> dict[str, Any]:
    """Import all or nothing, checking every row again (the pool may have changed since)."""
    try:
        result, committed = import_file(
            job.kind, job.path, user=job.user, rule=job.rule, mapping=job.mapping,
            accept_all=accept_all, progress=progress, **bill_choices,
        )  # fmt: skip
    except ImportRefused as exc:
        job.state, job.result = ImportJob.State.REJECTED, _refused(exc)
        job.save(update_fields=["state", "result"])
        return job.result
    if not committed:
        job.state, job.result = ImportJob.State.CHECKED, {**result, "committed": False}
        job.save(update_fields=["state", "result"])
        return job.result
    job.state, job.result, job.finished = ImportJob.State.COMMITTED, result, timezone.now()
    job.save(update_fields=["state", "result", "finished"])
    job.path.unlink(missing_ok=True)
    return {**result, "committed": True}
