"""Permission-checked reads: what the user may not see is a 404, never a 403."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from yutang.accounts.models import User

from . import jobs
from .models import ImportJob


def get_job_for(user: User, job_id: str) -> ImportJob:
    """An import is its uploader's alone, whatever their role: the file is theirs and not yet
    anybody's data. Anybody else's job is a 404, like a job that does not exist."""
    if not jobs.is_job_id(job_id):
        raise Http404
    return get_object_or_404(ImportJob.objects.select_related("user"), pk=job_id, user=user)
