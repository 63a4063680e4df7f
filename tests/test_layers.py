"""The layering of docs/architecture.md, checked on the source: an app imports only from the
layers below it, lib stays free of Django, and an import inside a function says why.

Today's exceptions are listed one by one below, each with its reason. The lists only shrink: a
new exception fails the test, and so does an entry whose import has gone.
Run `python tests/test_layers.py` to print the app import graph."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase
from django.utils.module_loading import import_string

PACKAGE = Path(__file__).resolve().parent.parent / "yutang"
DOC = PACKAGE.parent / "docs" / "architecture.md"

# Layer of each app, as the table of docs/architecture.md says. An app imports only from lower
# layers, never from an app beside it in its own layer.
LAYERS = {
    "lib": 0,
    "accounts": 1,
    "rules": 1,
    "customers": 2,
    "catalog": 2,
    "followups": 3,
    "orders": 3,
    "touchpoints": 4,
    "analytics": 5,
    "imports": 6,
    "overview": 6,
    "demo": 7,
    "ops": 7,
}
# The assembly: the modules directly in yutang/. They may import every app; no app imports them.
ASSEMBLY = "assembly"
LAYERS[ASSEMBLY] = max(LAYERS.values()) + 1


# (importing module, imported app): an import that goes up or sideways, allowed for now. None
# today: an entry needs its reason and the step that removes it.
UPWARD_ALLOWLIST: dict[tuple[str, str], str] = {}

# (importing module, imported module): an import inside a function without a comment saying why.
# None today.
UNEXPLAINED_ALLOWLIST: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    module: str  # the importing file, relative to yutang/
    line: int
    target: str  # the imported module, absolute
    in_function: bool
    explained: bool  # a comment at the end of the statement or on the line just above it

    @property
    def app(self) -> str:
        return app_of(self.module)

    @property
    def target_app(self) -> str | None:
        """The yutang app imported, None for anything outside yutang."""
        parts = self.target.split(".")
        if parts[0] != "yutang":
            return None
        if len(parts) > 1 and parts[1] in LAYERS:
            return parts[1]
        return ASSEMBLY


def app_of(module: str) -> str:
    first = module.split("/")[0]
    return first if "/" in module else ASSEMBLY


def source_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(PACKAGE).parts)
        and not path.name.startswith("test_")
    )


@cache
def all_imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for path in source_modules():
        found += imports_in(path)
    return tuple(found)


def imports_in(path: Path) -> list[Import]:
    return imports_in_source(path.relative_to(PACKAGE).as_posix(), path.read_text("utf-8"))


def imports_in_source(relative: str, source: str) -> list[Import]:
    lines = source.splitlines()
    comments = {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    package = ["yutang", *relative.removesuffix(".py").split("/")][:-1]
    if relative.endswith("__init__.py"):
        package = ["yutang", *relative.split("/")[:-1]]
    found: list[Import] = []
    # An import in a block of imports is explained by a comment above the block.
    explained_until = 0

    def visit(node: ast.AST, in_function: bool) -> None:
        nonlocal explained_until
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                end = child.end_lineno or child.lineno
                above = child.lineno - 1
                explained = (
                    any(line in comments for line in range(child.lineno, end + 1))
                    or (above in comments and lines[above - 1].strip().startswith("#"))
                    or explained_until == above
                )
                if explained:
                    explained_until = end
                for target in targets(child, package):
                    found.append(Import(relative, child.lineno, target, in_function, explained))
            inner = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, in_function or inner)

    visit(ast.parse(source, filename=relative), False)
    return found


def targets(node: ast.Import | ast.ImportFrom, package: list[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        stem = ".".join(package[: len(package) - node.level + 1])
        base = f"{stem}.{base}" if base else stem
    result = []
    for alias in node.names:
        # `from yutang import api` imports the module yutang.api.
        submodule = f"{base}.{alias.name}"
        is_module = submodule.startswith("yutang.") and (
            PACKAGE.parent.joinpath(*submodule.split(".")).with_suffix(".py").exists()
            or PACKAGE.parent.joinpath(*submodule.split("."), "__init__.py").exists()
        )
        result.append(submodule if is_module else base)
    return list(dict.fromkeys(result))  # one statement imports a module once


def upward(imp: Import) -> bool:
    target = imp.target_app
    if target is None or target == imp.app or imp.app == ASSEMBLY:
        return False
    return LAYERS[target] >= LAYERS[imp.app]


def app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in all_imports():
        target = imp.target_app
        if target is not None and target != imp.app:
            graph[imp.app].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


class LayerTests(SimpleTestCase):
    def test_it_places_every_app_in_a_layer(self) -> None:
        packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
        assert packages == set(LAYERS) - {ASSEMBLY}
        installed = {a.removeprefix("yutang.") for a in settings.INSTALLED_APPS if "yutang." in a}
        assert installed == set(LAYERS) - {ASSEMBLY, "lib"}

    def test_it_has_the_layers_of_the_architecture_document(self) -> None:
        table = DOC.read_text("utf-8").split("```")[1]
        documented = {}
        for line in table.strip().splitlines():
            layer, *cells = re.split(r"\s{2,}", line.strip())
            documented.update({c: int(layer) for c in cells if re.fullmatch(r"[a-z]+", c)})
        assert documented == {a: n for a, n in LAYERS.items() if a != ASSEMBLY}

    def test_it_reads_imports_the_way_python_does(self) -> None:
        source = """
from . import views
from .models import Order
from yutang import api
from yutang.touchpoints.derive import derive_touchpoints


def f():
    # Why: an explanation above a block covers the block.
    import yutang.analytics.actions
    from yutang.touchpoints import derive

    import sqlite3
    from yutang.api import (  # why, at the end of the statement
        field_errors,
    )
    from yutang.api import (
        form_errors,  # why, at the end of one of its lines
    )
    x = 1  # a comment on a line that is no import
    import csv
"""
        found = [
            (i.target, i.target_app, i.in_function, i.explained)
            for i in imports_in_source("orders/actions.py", source)
        ]
        assert found == [
            ("yutang.orders.views", "orders", False, False),
            ("yutang.orders.models", "orders", False, False),
            ("yutang.api", ASSEMBLY, False, False),
            ("yutang.touchpoints.derive", "touchpoints", False, False),
            ("yutang.analytics.actions", "analytics", True, True),
            ("yutang.touchpoints.derive", "touchpoints", True, True),
            ("sqlite3", None, True, False),
            ("yutang.api", ASSEMBLY, True, True),
            ("yutang.api", ASSEMBLY, True, True),
            ("csv", None, True, False),
        ]
        assert [upward(i) for i in imports_in_source("orders/actions.py", source)] == [
            False,
            False,
            True,
            True,
            True,
            True,
            False,
            True,
            True,
            False,
        ]
        sideways = imports_in_source("customers/views.py", "from yutang.catalog import models")
        assert sideways[0].target == "yutang.catalog.models" and upward(sideways[0])
        assert not upward(imports_in_source("urls.py", "import yutang.demo")[0])
        init = imports_in_source("orders/__init__.py", "from .models import Order")
        assert init[0].target == "yutang.orders.models"

    def test_it_imports_only_from_lower_layers(self) -> None:
        found = {(i.module, i.target_app) for i in all_imports() if upward(i)}
        new = sorted(
            f"{i.module}:{i.line} imports {i.target} (layer {LAYERS[i.target_app or '']}) "
            f"from layer {LAYERS[i.app]}"
            for i in all_imports()
            if upward(i) and (i.module, i.target_app) not in UPWARD_ALLOWLIST
        )
        assert not new, "An app imports only from the layers below it:\n" + "\n".join(new)
        gone = sorted(f"{m} -> {a}" for m, a in set(UPWARD_ALLOWLIST) - found)
        assert not gone, "No longer imported: remove from UPWARD_ALLOWLIST:\n" + "\n".join(gone)

    def test_it_says_why_an_import_is_inside_a_function(self) -> None:
        found = {(i.module, i.target) for i in all_imports() if i.in_function and not i.explained}
        new = sorted(
            f"{i.module}:{i.line} imports {i.target} inside a function without a comment why"
            for i in all_imports()
            if i.in_function
            and not i.explained
            and (i.module, i.target) not in UNEXPLAINED_ALLOWLIST
        )
        assert not new, "\n".join(new)
        gone = sorted(f"{m}: {t}" for m, t in set(UNEXPLAINED_ALLOWLIST) - found)
        assert not gone, "Fixed: remove from UNEXPLAINED_ALLOWLIST:\n" + "\n".join(gone)

    def test_it_refreshes_customers_by_steps_above_customers_in_the_layers_order(self) -> None:
        """The assembly names the steps of refresh_customers (the base app's hook) in
        settings.CUSTOMER_REFRESH: each comes from an app above customers, and a step never runs
        before one of a lower layer, whose result it may read."""
        layers = []
        for path in settings.CUSTOMER_REFRESH:
            assert callable(import_string(path)), path
            app = path.split(".")[1]
            assert app in LAYERS and LAYERS[app] > LAYERS["customers"], path
            layers.append(LAYERS[app])
        assert layers, "refresh_customers has no step"
        assert layers == sorted(layers), list(settings.CUSTOMER_REFRESH)

    def test_the_apps_import_one_another_without_a_cycle(self) -> None:
        graph = app_graph()
        apps = {a: {t for t in ts if t != ASSEMBLY} for a, ts in graph.items() if a != ASSEMBLY}
        assert cycles(apps) == []
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
        assert not [a for a in apps if ASSEMBLY in graph[a]], "no app imports the assembly"

    def test_it_keeps_lib_free_of_django_and_the_apps(self) -> None:
        found = [
            f"{i.module}:{i.line} imports {i.target}"
            for i in all_imports()
            if i.app == "lib"
            and (i.target.split(".")[0] == "django" or i.target_app not in (None, "lib"))
        ]
        assert not found, "\n".join(found)
        assert any(i.app == "lib" for i in all_imports())


if __name__ == "__main__":
    # The graph as it stands: each edge with its count of imports (inside functions).
    counts: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in all_imports():
        if imp.target_app is not None and imp.target_app != imp.app:
            counts[imp.app, imp.target_app].append(imp)
    for (app, target), imps in sorted(counts.items(), key=lambda e: (-LAYERS[e[0][0]], e[0])):
        inside = sum(i.in_function for i in imps)
        wrong = " UP" if LAYERS[target] > LAYERS[app] else " SIDEWAYS" if upward(imps[0]) else ""
        print(
            f"{app} ({LAYERS[app]}) -> {target} ({LAYERS[target]}): {len(imps)} ({inside}){wrong}"
        )
    graph = app_graph()
    apps = {a: {t for t in ts if t != ASSEMBLY} for a, ts in graph.items() if a != ASSEMBLY}
    print(
        "two-way:",
        sorted(f"{a}<->{b}" for a in apps for b in apps[a] if a < b and a in apps.get(b, ())),
    )
    print("cycles between apps:", cycles(apps) or "none")
    print("apps importing the assembly:", sorted(a for a in apps if ASSEMBLY in graph[a]))
