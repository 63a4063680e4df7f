"""What analytics keeps of its own: when the value classes were last computed."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ValueClassRun(models.Model):
    """A single row (pk 1): the end of the last ranking of the pool into value classes, by
    the nightly run, "Recompute now" or a change of the rules. The classes are a ranking of
    everyone, so an order does not move them; the ABC page says how old they are."""

    finished_at = models.DateTimeField(_("value classes computed at"))

    def __str__(self) -> str:
        return self.finished_at.isoformat()

    @classmethod
    def record(cls) -> None:
        cls.objects.update_or_create(pk=1, defaults={"finished_at": timezone.now()})

    @classmethod
    def last(cls) -> datetime | None:
        return cls.objects.filter(pk=1).values_list("finished_at", flat=True).first()
