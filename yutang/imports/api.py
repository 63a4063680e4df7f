from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import StrictInt, StrictStr

from yutang.accounts.access import request_user
from yutang.accounts.apikit import api_error, field_errors

from . import jobs
from .access import get_job_for
from .bill_file import read_choices
from .customer_sheet import RULES
from .models import ImportJob

router: Router = Router(tags=["imports"])


class JobOut(Schema):
    id: str
    kind: str
    rule: str
    filename: str
    state: str
    result: dict[str, Any]
    progress: dict[str, Any] | None = None


class CommitIn(Schema):
    accept_all: bool = False
    payers: dict[str, StrictInt | StrictStr] = Field(
        default_factory=dict,
        description="A bill only: what to do with a payer, by the `key` of "
        "`result.payers_to_choose` (or of any payer of the bill): the id of a customer who paid, "
        '"new" or "skip". A bill is not imported while a payer who fits several customers has '
        "no answer (422, `errors.payers`).",
    )


def _out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "rule": job.rule,
        "filename": job.filename,
        "state": job.state,
        "result": job.result,
        # While a large file is checked or imported in the background: rows done, rows in all.
        "progress": jobs.progress(job) if job.is_running else None,
    }


@router.post("/imports", response={201: JobOut, 422: dict}, summary="Upload a file: dry run")
def upload(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    rule: Form[str] = "fill",
) -> Any:
    """`kind` is customers, orders or bill. The answer is the check of every row; nothing is
    written until `POST /api/imports/{id}/commit`. A large file is checked in the background:
    its state is `checking` until `GET /api/imports/{id}` says `checked`."""
    errors: dict[str, list[str]] = {}
    if kind not in jobs.KINDS:
        errors["kind"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(jobs.KINDS)}]
    if rule not in RULES:
        errors["rule"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(RULES)}]
    if errors:
        return field_errors(errors)
    job = jobs.start_job(
        user=request_user(request),
        kind=kind,
        rule=rule,
        filename=file.name or "",
        chunks=file.chunks(),
    )
    return Status(201, _out(job))


@router.get("/imports/{job_id}", response=JobOut, summary="An import's state and result")
def job_status(request: HttpRequest, job_id: str) -> Any:
    return _out(_get(request, job_id))


@router.post(
    "/imports/{job_id}/commit", response={200: JobOut, 422: dict}, summary="Import all or nothing"
)
def commit(request: HttpRequest, job_id: str, payload: CommitIn | None = None) -> Any:
    job = _get(request, job_id)
    if job.state != ImportJob.State.CHECKED:
        return field_errors({"state": [_("This import cannot be committed (%(state)s).")
                                       % {"state": job.get_state_display()}]})  # fmt: skip
    accept_all = bool(payload and payload.accept_all)
    if job.kind != "bill":
        if payload and payload.payers:
            return field_errors({"payers": [_("Only a bill has payers to choose.")]})
        jobs.start_commit(job, accept_all=accept_all)
        return _out(job)
    plan = jobs.check(job)
    if plan is None:
        return field_errors({"state": [str(job.result.get("error", ""))]})
    choices, errors = read_choices(plan, payload.payers if payload else {}, user=job.user)
    if errors:
        return field_errors(errors)
    jobs.start_commit(job, accept_all=accept_all, choices=choices)
    if job.result.get("committed") is False and "error" in job.result:
        message = str(job.result.get("error", ""))
        return api_error(422, message, {"payers": [message]}, result=job.result)
    return _out(job)


def _get(request: HttpRequest, job_id: str) -> ImportJob:
    return get_job_for(request_user(request), job_id)
