"""The owner's settings for the pool: source channels, tag groups and tags."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.accounts.views import owner_required
from yutang.lib.ids import parse_id

from .forms import ChannelForm, TagForm, TagGroupForm
from .models import Channel, Tag, TagGroup


def channels(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    instance = None
    if pk := parse_id(request.POST.get("pk")):
        instance = get_object_or_404(Channel, pk=pk)
    form = ChannelForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("customers:channels")
    items = Channel.objects.annotate(n=Count("customers"))
    return render(request, "customers/channels.html", {"form": form, "channels": items})


def tags(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    group_form = TagGroupForm(prefix="group")
    tag_form = TagForm(prefix="tag")
    if request.method == "POST":
        if "group-name" in request.POST:
            pk = parse_id(request.POST.get("pk"))
            group = get_object_or_404(TagGroup, pk=pk) if pk else None
            group_form = TagGroupForm(request.POST, prefix="group", instance=group)
            form: TagGroupForm | TagForm = group_form
        else:
            pk = parse_id(request.POST.get("pk"))
            tag = get_object_or_404(Tag, pk=pk) if pk else None
            tag_form = TagForm(request.POST, prefix="tag", instance=tag)
            form = tag_form
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("customers:tags")
    groups = TagGroup.objects.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.annotate(n=Count("customers")).order_by("name"))
    )
    return render(
        request,
        "customers/tags.html",
        {"forms": [group_form, tag_form], "groups": groups},
    )


@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    owner_required(request)
    channel = get_object_or_404(Channel, pk=pk)
    if channel.customers.exists():
        messages.error(request, _("This channel is in use: switch it off instead."))
    else:
        channel.delete()
        messages.success(request, _("Deleted."))
    return redirect("customers:channels")


@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    owner_required(request)
    tag = get_object_or_404(Tag, pk=pk)
    tag.delete()
    messages.success(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})
    return redirect("customers:tags")
