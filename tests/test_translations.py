"""The Chinese catalogue says what each English string means: one translation never serves two
strings that mean different things ("No orders yet." once read 还没有令牌), unless the pair is
listed below with the reason it shares one.

Case and English number never count as a difference (Chinese has neither), nor does a Chinese
gloss in brackets: "customer", "Customers" and "potential A (潜力A)" may share a translation.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

CATALOG = Path(__file__).resolve().parent.parent / "yutang" / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = CATALOG / "django.po"

# Different English strings that rightly share one Chinese translation, with the reason.
INTENDED: dict[frozenset[str], str] = {
    frozenset({"Product", "item", "the product"}): (
        "what a bill calls the item bought is the product; 'the product' fills {商品} in a message"
    ),
    frozenset({"Add a user", "Add user"}): "the page title and its button",
    frozenset({"Cost", "Unit cost"}): "the catalogue's column of a product's unit cost",
    frozenset({"Minimum price", "min."}): "min. is the list cell's short form of the column",
    frozenset({"Unknown channel.", "Unknown source channel."}): "the only channel is the source",
    frozenset({"Sort", "position"}): "the position is where a channel or tag group sorts",
    frozenset({"Responsible", "owner"}): "the list header of the customer's owner field",
    frozenset({"bought (M)", "has bought (M)"}): "the filter's option and the flag it filters on",
    frozenset({"time", "when"}): "when a payment or a follow-up happened",
    frozenset({"Status", "state"}): "an order's status and a touchpoint's state are both 状态",
    frozenset({"Payment", "payment method"}): "the order page's label of the payment method",
    frozenset({"completed", "done"}): "an order completed and a touchpoint done both read 已完成",
    frozenset({"Updated", "update"}): "the import's count of updated people and a row's badge",
    frozenset({"Unknown state.", "Unknown status."}): "see Status and state",
    frozenset({"below min. price", "below the minimum retail price"}): "short and long form",
}


@dataclass
class Entry:
    msgid: str
    msgstr: list[str]
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text))


def parse_po(text: str) -> list[Entry]:
    """Every entry of a .po file: contexts, plural forms, strings over several lines, flags, and
    obsolete (#~) entries marked as such."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", text):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        obsolete = False
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].lstrip()
            elif line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
                continue
            elif line.startswith("#") or not line.strip():
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = _unquote(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += _unquote(line)
            else:
                raise ValueError(f"cannot read this line of the catalogue: {line!r}")
        if "msgid" not in fields:
            continue
        plural = sorted(k for k in fields if k.startswith("msgstr["))
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgstr=[fields[k] for k in plural] if plural else [fields.get("msgstr", "")],
                msgctxt=fields.get("msgctxt"),
                msgid_plural=fields.get("msgid_plural"),
                flags=flags,
                obsolete=obsolete,
            )
        )
    return entries


def live_entries() -> list[Entry]:
    """The entries gettext uses: translated, not fuzzy, not obsolete, not the header."""
    return [
        e
        for e in parse_po(PO.read_text("utf-8"))
        if e.msgid and e.msgstr[0] and "fuzzy" not in e.flags and not e.obsolete
    ]


def same_words(msgid: str) -> str:
    """The English string without what Chinese does not mark: case, number, a bracketed gloss."""
    text = re.sub(r"\s*\([^()]*[^\x00-\x7f][^()]*\)", "", msgid).lower().rstrip(".…:")
    words = []
    for word in re.findall(r"[\w%()]+|[^\w\s]", text):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 2:
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def shared_translations(entries: list[Entry]) -> dict[str, set[str]]:
    """msgstr → the msgids it serves that differ by more than case and number, less the pairs
    listed in INTENDED (a listed set covers its case and number variants too)."""
    by_msgstr: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        by_msgstr[entry.msgstr[0]].add(entry.msgid)
    intended = [{same_words(m) for m in group} for group in INTENDED]
    shared = {}
    for msgstr, msgids in by_msgstr.items():
        meanings = {same_words(m) for m in msgids}
        for group in intended:
            if group <= meanings:
                meanings -= group
                meanings.add(min(group))
        if len(meanings) > 1:
            shared[msgstr] = msgids
    return shared


PO_SAMPLE = r"""
#, fuzzy
msgid ""
msgstr ""
"Plural-Forms: nplurals=1; plural=0;\n"

msgctxt "grade"
msgid "May"
msgstr "五月"

#, python-format
msgid "%(n)s order"
msgid_plural "%(n)s orders"
msgstr[0] "%(n)s 个"
"订单"

#, fuzzy
msgid "No tokens yet."
msgstr "还没有订单。"

#~ msgid "No orders yet."
#~ msgstr "还没有订单。"

msgid ""
"A long "
"line"
msgstr "长"
"的一行"
"""


class TestTheParser:
    def test_it_reads_contexts_plurals_long_strings_fuzzy_and_obsolete_entries(self) -> None:
        header, may, orders, tokens, obsolete, long = parse_po(PO_SAMPLE)
        assert header.msgid == "" and "fuzzy" in header.flags
        assert (may.msgctxt, may.msgid, may.msgstr) == ("grade", "May", ["五月"])
        assert orders.msgid_plural == "%(n)s orders" and orders.msgstr == ["%(n)s 个订单"]
        assert "python-format" in orders.flags
        assert "fuzzy" in tokens.flags and not tokens.obsolete
        assert obsolete.obsolete and obsolete.msgid == "No orders yet."
        assert (long.msgid, long.msgstr) == ("A long line", ["长的一行"])

    def test_it_refuses_a_line_it_cannot_read(self) -> None:
        with pytest.raises(ValueError):
            parse_po('msgid "x"\nmsgstr "y"\nnonsense')

    def test_a_fuzzy_or_obsolete_entry_shares_nothing(self) -> None:
        live = [e for e in parse_po(PO_SAMPLE) if e.msgid and "fuzzy" not in e.flags]
        assert shared_translations([e for e in live if not e.obsolete]) == {}

    def test_case_number_and_a_gloss_are_no_difference_but_meaning_is(self) -> None:
        def entry(msgid: str, msgstr: str) -> Entry:
            return Entry(msgid=msgid, msgstr=[msgstr])

        same = [entry("Customer", "客户"), entry("customers", "客户"), entry("activities", "动态")]
        same += [entry("activity", "动态"), entry("potential A (潜力A)", "潜力A")]
        same += [entry("Potential A", "潜力A"), entry("Follow-ups", "跟进")]
        same += [entry("follow-up", "跟进"), entry("Categories", "分类")]
        same += [entry("category", "分类")]
        assert shared_translations(same) == {}
        wrong = [entry("No tokens yet.", "还没有令牌。"), entry("No orders yet.", "还没有令牌。")]
        assert shared_translations(wrong) == {"还没有令牌。": {"No tokens yet.", "No orders yet."}}


def test_no_translation_serves_two_different_strings() -> None:
    entries = live_entries()
    assert len(entries) > 200
    shared = shared_translations(entries)
    assert shared == {}, "translate them apart, or list the pair in INTENDED with its reason"


def test_every_intended_pair_still_shares_its_translation() -> None:
    by_msgid = {e.msgid: e.msgstr[0] for e in live_entries()}
    stale = [sorted(g) for g in INTENDED if len({by_msgid.get(m) for m in g}) != 1]
    assert stale == [], "the pair no longer shares a translation: remove it from INTENDED"


def test_the_framework_messages_users_meet_read_as_our_catalogue_says() -> None:
    """Our catalogue rewords some of Django's own messages; makemessages would mark them
    obsolete (they are not in our code), so they are checked here to be live and in use."""
    ours = {e.msgid: e.msgstr[0] for e in live_entries()}
    for msgid in (
        "Select a valid choice. %(value)s is not one of the available choices.",
        "Select a valid choice. That choice is not one of the available choices.",
        "%(model_name)s with this %(field_label)s already exists.",
    ):
        assert msgid in ours
        with translation.override("zh-hans"):
            assert translation.gettext(msgid) == ours[msgid]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt is not installed")
def test_the_compiled_catalogue_is_the_source_compiled(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True, capture_output=True
    )

    def catalogue(path: Path) -> dict[object, str]:
        with path.open("rb") as f:
            return dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]

    shipped, compiled = catalogue(CATALOG / "django.mo"), catalogue(fresh)
    stale = sorted(str(k) for k in shipped.keys() ^ compiled.keys())
    stale += sorted(str(k) for k in shipped.keys() & compiled.keys() if shipped[k] != compiled[k])
    assert stale == [], "run msgfmt (compilemessages): the .mo is older than the .po"
