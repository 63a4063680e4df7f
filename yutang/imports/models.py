from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


class ImportJob(models.Model):
    """An uploaded file on its way in: checked (dry run), then committed, by its owner only."""

    class State(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        REJECTED = "rejected", _("file rejected")
        IMPORTING = "importing", _("importing")
        COMMITTED = "committed", _("imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    rule = models.CharField(max_length=10, default="fill")
    filename = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKED)
    result = models.JSONField(default=dict)
    mapping = models.JSONField(null=True, blank=True)  # field → column, when the user chose it
    preview = models.JSONField(default=list, blank=True)  # the first rows the import changes
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def path(self) -> Path:
        folder = Path(settings.MEDIA_ROOT) / "imports" / str(self.user_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / str(self.id)

    @property
    def progress_path(self) -> Path:
        return self.path.with_suffix(".progress")

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)
