"""The import page's form: what is in the file, the file, and what to do with a person already
in the pool."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from . import jobs


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What is in the file"),
        choices=[(kind, spec.label) for kind, spec in jobs.KINDS.items()],
    )
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
        if upload.size > settings.YUTANG_IMPORT_MAX_BYTES:
            raise forms.ValidationError(jobs.too_large_message())
        return upload
