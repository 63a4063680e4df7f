from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yutang.lib.xlsx import Sheet, download_name, spooled

from .access import request_user
from .forms import TokenCreateForm, UserCreateForm
from .models import ApiToken, Role, User


def owner_required(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_owner:
        raise PermissionDenied
    return user


def sheet_response(sheet: Sheet, name: str) -> FileResponse:
    """The sheet as an xlsx download named after `name` and the time: the one response of
    every list export and analytics table, kept beside the other helpers the apps' pages share."""
    return FileResponse(
        spooled(sheet), as_attachment=True, filename=download_name(name, timezone.localtime())
    )


def account_settings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    new_key = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = ApiToken.issue(user, form.cleaned_data["name"])
        form = TokenCreateForm()
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "tokens": user.api_tokens.all(), "new_key": new_key},
    )


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request_user(request))
    token.delete()
    messages.success(request, _("Token revoked."))
    return redirect("accounts:settings")


def build_tree(users: list[User]) -> list[tuple[User, int]]:
    """Users in tree order with their depth, for an indented agent tree."""
    return [(u, u.tree_path.count("/") - 2) for u in sorted(users, key=lambda u: u.tree_path)]


def team(request: HttpRequest) -> HttpResponse:
    owner_required(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_user = form.save()
        messages.success(request, _("User “%(name)s” added.") % {"name": new_user.username})
        return redirect("accounts:team")
    users = list(User.objects.filter(is_active=True))
    q = request.GET.get("q", "").strip().lower()
    agents = [u for u in users if u.role == Role.AGENT]
    if q:
        matching = [u for u in agents if q in u.username.lower() or q in u.display_name.lower()]
        # Keep the uplines of every match so the tree still reads as a tree.
        ids = {int(i) for u in matching for i in u.tree_path.strip("/").split("/")}
        agents = [u for u in agents if u.pk in ids]
    return render(
        request,
        "accounts/team.html",
        {
            "form": form,
            "staff": [u for u in users if u.role != Role.AGENT],
            "tree": build_tree(agents),
            "q": q,
        },
    )
