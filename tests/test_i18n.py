"""The UI is Simplified Chinese by default: every string the code marks must be translated."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "yutang"
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
TEMPLATE_STRING = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")


def read_po(path: Path) -> dict[str, str]:
    """msgid → msgstr (the first form for plurals); fuzzy entries count as untranslated."""
    entries: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
            continue
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1).replace("[0]", "")
                fields[key] = ast.literal_eval(f'"{match.group(2)}"')
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields.get("msgstr", "")
    return entries


def marked_strings() -> set[str]:
    found: set[str] = set()
    for template in ROOT.rglob("*.html"):
        found |= {m.group(2) for m in TEMPLATE_STRING.finditer(template.read_text("utf-8"))}
    for source in ROOT.rglob("*.py"):
        if "tests" in source.parts or "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"_", "gettext_lazy"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def test_it_translates_every_catalog_entry() -> None:
    po = read_po(CATALOG / "django.po")
    assert len(po) > 200
    assert [msgid for msgid, msgstr in po.items() if not msgstr] == []


def test_it_ships_a_compiled_catalog_that_matches_the_source() -> None:
    po = read_po(CATALOG / "django.po")
    with (CATALOG / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = [m for m, s in po.items() if mo.gettext(m) != s and mo.ngettext(m, m, 1) != s]
    assert stale == [], "run compilemessages"


@pytest.mark.parametrize("text", sorted(marked_strings()))
def test_it_has_a_translation_for_every_marked_string(text: str) -> None:
    assert text in read_po(CATALOG / "django.po"), "run makemessages and translate"
