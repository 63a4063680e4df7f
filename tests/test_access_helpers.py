"""Every page and API call fetches one owned object by id through its app's access helper
(`get_customer_for`, `get_order_for`, `get_touchpoint_for`, `get_payment_for`, `get_job_for`),
so that the rule of who may see it, and its 404, live in one place. Checked on the source: a view
or API module that calls `get_object_or_404(...)` or `<queryset>.get(pk=...)` on anything but
the pond's own models (products, channels, tags) fails the test, unless the allowlist below
names it with its reason. The allowlist only shrinks: an entry whose call has gone fails too."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from django.apps import apps
from django.db import models
from django.test import SimpleTestCase

from yutang.accounts.models import User
from yutang.customers.models import Customer

PACKAGE = Path(__file__).resolve().parent.parent / "yutang"

# (module, model): the fetch is right where it is.
ALLOWED = {
    # An API token is its user's alone and only the page that revokes it fetches one.
    ("accounts/views.py", "ApiToken"),
}


def owned_models() -> set[str]:
    """The models a user sees only some rows of: the customer and what belongs to a customer
    (scoped by the branch), and what belongs to one user (an import, an API token)."""
    names = set()
    for model in apps.get_models():
        if not model.__module__.startswith("yutang."):
            continue
        keys = [f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey)]
        if (
            model is Customer
            or hasattr(model._default_manager, "visible_to")
            or any(f.related_model is Customer for f in keys)
            or any(f.name == "user" and f.related_model is User for f in keys)
        ):
            names.add(model.__name__)
    return names


def interface_modules(root: Path) -> list[Path]:
    names = ("views.py", "api.py")
    return sorted(
        p
        for p in root.rglob("*.py")
        if "tests" not in p.parts
        and (p.name in names or p.name.startswith("views_") or p.name.endswith("_views.py"))
    )


def _root_name(node: ast.expr) -> str | None:
    """`Order` for `Order.objects.visible_to(user).select_related(...)`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def direct_fetches(root: Path) -> set[tuple[str, str, int]]:
    """(module, what, line) of every fetch of one object by hand in a view or API module:
    `get_object_or_404(...)` and `<queryset>.get(pk=...)`, with the model (or the function
    building the queryset) they start from."""
    found = set()
    for path in interface_modules(root):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            start = None
            if name == "get_object_or_404" and node.args:
                start = _root_name(node.args[0])
            # A queryset's get takes lookups; a dict's or a QueryDict's takes a key, a router's
            # a path.
            elif (
                name == "get"
                and isinstance(func, ast.Attribute)
                and node.keywords
                and not any(isinstance(arg, ast.Constant) for arg in node.args)
            ):
                start = _root_name(func.value)
            if start is not None:
                found.add((path.relative_to(root).as_posix(), start, node.lineno))
    return found


def pond_models() -> set[str]:
    """The pond's own objects, everybody's alike: products, channels, tags."""
    return {
        model.__name__ for model in apps.get_models() if model.__module__.startswith("yutang.")
    } - owned_models()


class AccessHelpersTests(SimpleTestCase):
    def test_it_knows_the_owned_models(self) -> None:
        owned = owned_models()
        for name in ("Customer", "Order", "Touchpoint", "Payment", "FollowUp", "ImportJob"):
            assert name in owned, name
        assert "ApiToken" in owned
        assert not owned & {"Product", "Channel", "Tag", "TagGroup", "User"}

    def test_it_finds_every_kind_of_direct_fetch(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            module = Path(tmp) / "orders" / "views.py"
            module.parent.mkdir()
            module.write_text(
                "a = get_object_or_404(Order, pk=1)\n"
                "b = get_object_or_404(Order.objects.visible_to(u).select_related('x'), pk=1)\n"
                "c = shortcuts.get_object_or_404(Payment, pk=1)\n"
                "d = Customer.objects.select_related('owner').get(pk=1)\n"
                "e = request.GET.get('q')\n"
                "f = Customer.objects.visible_to(u).filter(pk=1).first()\n"
                "g = get_object_or_404(_visible(user), pk=1)\n"
                "h = _visible(user).get(pk=1)\n"
                "i = payload.dict().get('x', None)\n"
                "@router.get('/orders/{order_id}', response=OrderOut)\n"
                "def j(): pass\n"
            )
            found = {(model, line) for _module, model, line in direct_fetches(Path(tmp))}
        assert found == {
            ("Order", 1),
            ("Order", 2),
            ("Payment", 3),
            ("Customer", 4),
            ("_visible", 7),
            ("_visible", 8),
        }

    def test_it_fetches_owned_objects_only_through_the_access_helpers(self) -> None:
        pond = pond_models()
        fetches = {f for f in direct_fetches(PACKAGE) if f[1] not in pond}
        unexplained = sorted(f for f in fetches if f[:2] not in ALLOWED)
        assert not unexplained, f"fetch through the app's access.py: {unexplained}"
        stale = ALLOWED - {f[:2] for f in fetches}
        assert not stale, f"gone, remove from ALLOWED: {stale}"
