"""智能识别: split a pasted "name + phone + address" text into the fields of a customer form.

Regions come from the official division table vendored in data/ (china_divisions.json, plus
HK-MO-TW.json of the same package; see the README there); nothing here lists places by hand.
Only province, city and district (county level) are separate fields: street, town and everything
below stay in `detail`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

from yutang.lib.phones import find_phones, to_halfwidth

_DATA_FILE = "china_divisions.json"
_HK_MO_TW_FILE = "HK-MO-TW.json"

# Quality of a name match: the official name, the name without its administrative suffix
# (深圳 for 深圳市), or a leading part of an autonomous unit's name (黔南 for 黔南布依族苗族自治州).
_FULL, _SHORT, _PREFIX = 3, 2, 1

_PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
_AREA_SUFFIXES = ("自治县", "自治旗", "新区", "林区", "特区", "区", "县", "市", "旗")
_AUTONOMOUS_SUFFIXES = ("自治州", "自治县", "自治旗")
# Names of the city level of Beijing, Tianjin, Shanghai and Chongqing in the statistics table;
# such a city is shown under the municipality's own name, as every address form does.
_MUNICIPAL_CITY_NAMES = frozenset({"市辖区", "县"})
# County-level units governed by the province itself (仙桃市, 琼海市, 石河子市 ...).
_DIRECT_COUNTY_SUFFIX = "直辖县级行政区划"

# Between the parts of a joined run of tokens; never part of a name.
_SEP = "\x1f"
# Stands for a phone number (or a landline / ID number) cut out of the text.
_MARK = "\x00"

_SEPARATORS = re.compile(r"[\s,;|/、。:!?~\x1f]+")
# A dot separates parts of a text unless it is a decimal point ("3.5号").
_LONE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_LANDLINE = re.compile(r"(?<![\d+])\(?0\d{2,3}\)?[\s\-]?\d{7,8}(?:-\d{1,6})?(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
_POSTAL_CODE = re.compile(r"\d{6}")
_CJK = r"\u4e00-\u9fff"
# A name glued to the end of an address, after its last digit or letter ("…小吃A张三13144381379").
_GLUED_NAME = re.compile(rf"(?<=[0-9A-Za-z])[{_CJK}]{{2,4}}$")
_NAME_CHARS = re.compile(rf"[{_CJK}A-Za-z·.' ]+")

_PHONE_WORDS = ("电话", "手机", "手机号", "手机号码", "电话号码", "電話", "电話", "手機")
_LABELS: dict[str, str] = {
    **dict.fromkeys(
        ["收货人", "收件人", "联系人", "姓名", "名字", "收货人姓名", "收件人姓名", "联系人姓名"],
        "name",
    ),
    **dict.fromkeys(
        [who + what for who in ("", "收货人", "收件人", "联系人", "联系") for what in _PHONE_WORDS],
        "phone",
    ),
    "联系方式": "phone",
    **dict.fromkeys(["所在地区", "所在地", "地区", "省市区", "省市县", "收货地区"], "address"),
    **dict.fromkeys(
        ["详细地址", "收货地址", "收件地址", "联系地址", "地址", "住址", "街道地址", "详址"],
        "address",
    ),
    **dict.fromkeys(["邮编", "邮政编码", "身份证", "身份证号", "身份证号码", "备注"], "drop"),
}
_LABEL_RE = re.compile("|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True)))

# Words and last characters that make a token an address part rather than a person's name; the
# parser needs them only to tell "紫薇花园" from "何晓旭" when both stand next to an address.
_ADDRESS_END_CHARS = frozenset("省市区县旗镇乡村街路道巷弄号楼栋幢室层园苑厦场店院校站组")
_ADDRESS_WORDS = frozenset(
    ["小区", "花园", "大厦", "公寓", "广场", "中心", "公司", "大学", "学院", "医院", "单元"]
    + ["社区", "市场", "地址", "地区"]
)


@dataclass
class ParsedContact:
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class _Table:
    """The division table with every name a text may use for each division."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names: dict[str, str] = {}
        for code, name in names.items():
            if len(code) == 6 and (code[4] == "7" or name == names.get(code[:4])):
                # xxxx7x are statistics-only zones (开发区, 管理区), not divisions of GB/T 2260;
                # an area named like its city is the table's stand-in for a city without
                # districts (东莞市, 中山市, 儋州市, 嘉峪关市).
                continue
            self.names[code] = name
        self.municipalities = frozenset(
            code[:2]
            for code, name in self.names.items()
            if len(code) == 4 and name in _MUNICIPAL_CITY_NAMES
        )
        self.index: dict[str, list[tuple[str, int]]] = {}
        for code, name in self.names.items():
            for alias, quality in self._aliases(code, name):
                hits = self.index.setdefault(alias, [])
                if all(hit != code for hit, _ in hits):
                    hits.append((code, quality))
        # The lengths of the names starting with each character, longest first: matches_at
        # runs for every position of every address an import splits.
        lengths: dict[str, set[int]] = {}
        for alias in self.index:
            if len(alias) > 1:
                lengths.setdefault(alias[0], set()).add(len(alias))
        self.lengths = {ch: sorted(found, reverse=True) for ch, found in lengths.items()}

    def _aliases(self, code: str, name: str) -> list[tuple[str, int]]:
        if len(code) == 2:
            short = _strip(name, _PROVINCE_SUFFIXES)
            # 广西壮族 -> 广西, 新疆维吾尔 -> 新疆; 内蒙古 and 黑龙江 keep their three characters.
            return [(name, _FULL), (short if len(short) <= 3 else short[:2], _SHORT)]
        if len(code) == 4:
            if name in _MUNICIPAL_CITY_NAMES:
                province = self.names[code[:2]]
                return [(province, _FULL), (_strip(province, _PROVINCE_SUFFIXES), _SHORT)]
            if name.endswith(_DIRECT_COUNTY_SUFFIX):
                return []
            return [(name, _FULL), *_short_aliases(name, _CITY_SUFFIXES)]
        if "（" in name:
            # Macao's 嘉模堂区（氹仔）: people write either the parish or the island.
            base, _, island = name.partition("（")
            return [(base, _FULL), (island.rstrip("）"), _SHORT)]
        return [(name, _FULL), *_short_aliases(name, _AREA_SUFFIXES)]

    def matches_at(self, text: str, pos: int) -> list[tuple[str, int, int]]:
        """(code, end, quality) of every division named at text[pos:]."""
        found = []
        for length in self.lengths.get(text[pos : pos + 1], ()):
            if pos + length <= len(text):
                for code, quality in self.index.get(text[pos : pos + length], ()):
                    found.append((code, pos + length, quality))
        return found

    def is_direct_county(self, code: str) -> bool:
        return len(code) == 6 and self.names.get(code[:4], "").endswith(_DIRECT_COUNTY_SUFFIX)


def _strip(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _short_aliases(name: str, suffixes: tuple[str, ...]) -> list[tuple[str, int]]:
    short = _strip(name, suffixes)
    aliases = [(short, _SHORT)] if short != name else []
    if name.endswith(_AUTONOMOUS_SUFFIXES):
        # The place comes first and the peoples after it (恭城瑶族自治县), and no rule tells where
        # the place ends, so every leading part of two to four characters may name the unit.
        aliases += [(short[:n], _PREFIX) for n in range(2, min(4, len(short) - 1) + 1)]
    return aliases


def _outside_mainland(tree: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """Hong Kong, Macao and Taiwan, which the statistics table leaves out, under made-up codes
    of the same shape (9x, 9xyy, 9xyyzz) that never leave this module."""
    names: dict[str, str] = {}
    for i, (province, cities) in enumerate(tree.items(), start=1):
        province_code = f"9{i}"
        names[province_code] = province
        for j, (city, areas) in enumerate(cities.items(), start=1):
            names[f"{province_code}{j:02}"] = city
            for k, area in enumerate(areas, start=1):
                names[f"{province_code}{j:02}{k:02}"] = area
    return names


@cache
def _table() -> _Table:
    data = resources.files("yutang.lib").joinpath("data")
    names = json.loads(data.joinpath(_DATA_FILE).read_text(encoding="utf-8"))
    names |= _outside_mainland(json.loads(data.joinpath(_HK_MO_TW_FILE).read_text("utf-8")))
    return _Table(names)


@dataclass(frozen=True)
class _Chain:
    """Consecutive division names found in a text, from the widest division to the narrowest."""

    start: int
    end: int
    codes: tuple[str, ...]
    quality: int
    strong: bool

    def rank(self) -> tuple[int, int, int, int]:
        # More levels, then more text, then official names over short ones; on a tie the wider
        # division wins, so that 吉林 is the province and 湘潭 the city rather than 湘潭县.
        return (len(self.codes), self.end, self.quality, -len(self.codes[0]))


@dataclass(frozen=True)
class _Region:
    province: str = ""
    city: str = ""
    district: str = ""


def _chains_at(table: _Table, text: str, start: int) -> list[_Chain]:
    chains: list[_Chain] = []

    def walk(pos: int, codes: tuple[str, ...], quality: int, strong: bool) -> None:
        if codes:
            while pos < len(text) and text[pos] in (_SEP, " "):
                pos += 1
        for code, end, match_quality in table.matches_at(text, pos):
            # Each name must be a division inside the one before it.
            if codes and (len(code) <= len(codes[-1]) or not code.startswith(codes[-1])):
                continue
            if len(code) == 6 and match_quality == _SHORT and text[end : end + 1] == "县":
                # A county since turned into a district or city keeps its old name in people's
                # addresses: 新津县 is now 新津区.
                end += 1
            new = (*codes, code)
            # Two-character official names (城区, 东区, 北区) are common words in addresses.
            is_strong = strong or bool(codes) or (match_quality == _FULL and end - pos > 2)
            chains.append(_Chain(start, end, new, quality + match_quality, is_strong))
            walk(end, new, quality + match_quality, is_strong)

    walk(start, (), 0, False)
    return chains


def _best_chain(table: _Table, text: str) -> tuple[_Chain, list[_Chain]] | None:
    """The chain that most likely starts the address, and the equally good alternatives to it.

    A chain of two levels or with an official name is taken over a lone short name found earlier,
    which is as likely to be part of a person's or a shop's name; such a short name counts only
    at the start of a token.
    """
    weak: tuple[_Chain, list[_Chain]] | None = None
    for start in range(len(text)):
        if text[start] == _SEP:
            continue
        chains = _chains_at(table, text, start)
        if not chains:
            continue
        top = max(chain.rank() for chain in chains)
        best = [chain for chain in chains if chain.rank() == top]
        if best[0].strong:
            return best[0], best
        if weak is None and (start == 0 or text[start - 1] == _SEP):
            # A lone short name inside a word (太原 in 太原1路) is no address.
            weak = (best[0], best)
    return weak


def _resolve(table: _Table, chains: list[_Chain]) -> _Region:
    """Names for the fields, keeping of ambiguous matches (朝阳区: Beijing or Changchun?) only the
    parts on which all of them agree."""
    expanded = []
    for chain in chains:
        province = city = area = ""
        for code in chain.codes:
            province = code[:2]
            if len(code) >= 4:
                city = code[:4]
            if len(code) == 6:
                area = code
        expanded.append((province, city, area))
    province, city, area = (_single({parts[i] for parts in expanded}) for i in range(3))
    # Same-named districts of different cities keep their name, with the city left open.
    district = _single({table.names[parts[2]] if parts[2] else "" for parts in expanded})
    province_name = table.names[province] if province else ""
    if area and table.is_direct_county(area):
        # 仙桃市, 琼海市 ... have no city above them and no districts below: the unit itself
        # fills the city field, as in the address pickers of the large shops.
        return _Region(province_name, table.names[area], "")
    if province in table.municipalities:
        return _Region(province_name, province_name, district)
    city_name = table.names[city] if city else ""
    return _Region(province_name, city_name, district)


def _single(values: set[str]) -> str:
    return next(iter(values)) if len(values) == 1 else ""


def _tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(_LONE_DOT.sub(" ", text)) if token]


def _join(pieces: list[str]) -> str:
    """Address parts joined as Chinese addresses are written, without spaces, except where two
    Latin words or numbers would run together."""
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and piece[0].isascii():
            out += " "
        out += piece
    return out


def all_districts() -> list[tuple[str, str, str]]:
    """(province, city, district) of every county-level area, named as a parsed address is."""
    table = _table()
    out = []
    for code, name in table.names.items():
        if len(code) != 6 or table.is_direct_county(code):
            continue
        province = table.names[code[:2]]
        city = province if code[:2] in table.municipalities else table.names.get(code[:4], "")
        out.append((province, city, name))
    return out


def split_address(text: str) -> tuple[str, str, str, str]:
    """(province, city, district, detail) of an address, with official names."""
    table = _table()
    joined = _SEP.join(_tokens(to_halfwidth(text)))
    found = _best_chain(table, joined)
    if found is None:
        return "", "", "", _join(joined.split(_SEP))
    chain, alternatives = found
    region = _resolve(table, alternatives)
    rest = joined[chain.end :].lstrip(_SEP)
    # 湖南省郴州市桂东县桂东县清泉镇: the same name twice is a slip, not a place.
    repeated = sorted((table.names[c] for c in chain.codes), key=len, reverse=True)
    for name in repeated:
        if rest.startswith(name):
            rest = rest[len(name) :]
            break
    before = joined[: chain.start]
    pieces = [] if "地址" in before or "地区" in before else before.split(_SEP)
    pieces += rest.split(_SEP)
    return region.province, region.city, region.district, _join(pieces)


@dataclass(eq=False)
class _Token:
    text: str
    order: int
    forced: bool = False  # under an address label (地址:, 所在地区:)


def _is_name_like(token: str) -> bool:
    if len(token) < 2 or len(token) > (20 if token.isascii() else 6):
        return False
    if not _NAME_CHARS.fullmatch(token) or token[-1] in _ADDRESS_END_CHARS:
        return False
    if any(word in token for word in _ADDRESS_WORDS):
        return False
    # A token that is nothing but a place name (恭城, 深圳) is a place.
    return not any(end == len(token) for _, end, _ in _table().matches_at(token, 0))


def parse_contact(text: str) -> ParsedContact:
    """Name, mobile phone and address of a pasted shipping text (收货信息)."""
    plain = to_halfwidth(text or "")
    phones = find_phones(plain)
    result = ParsedContact(phone=phones[0][0] if phones else "")
    for _, start, end in reversed(phones):
        plain = plain[:start] + _MARK + plain[end:]
    plain = _ID_NUMBER.sub(_MARK, _LANDLINE.sub(_MARK, plain))

    runs, marks, name_token = _read_tokens(plain)
    if name_token is not None:
        result.name = name_token.text

    chain_start: _Token | None = None
    for candidates in ([run for run in runs if run[0].forced], runs):
        chain_start = _find_region_start(candidates)
        if chain_start is not None:
            break
    tokens = [token for run in runs for token in run]

    # The address runs from the region to the end, plus whatever stood under an address label;
    # what comes before the region and is not the name (我家的地址是, a phone extension) is noise.
    if chain_start is None:
        address = [t for t in tokens if t.forced or not _is_name_like(t.text)]
    else:
        address = [t for t in tokens if t.order >= chain_start.order or t.forced]

    if not result.name:
        name = _pick_name(tokens, address, marks, chain_start)
        if name is not None:
            result.name = name.text
        if chain_start is None:
            # Without a region nothing tells an address word from a name: keep all the rest.
            address = list(tokens)
        address = [t for t in address if t is not name]
    if not result.name and address:
        # Nothing stood apart as a name: maybe it was glued to the address before the phone.
        last = max(address, key=lambda t: t.order)
        glued = _GLUED_NAME.search(last.text)
        if glued and _is_name_like(glued.group()) and last.order + _STEP in marks:
            result.name = glued.group()
            last.text = last.text[: glued.start()]

    if chain_start is None:
        address.sort(key=lambda t: (not t.forced, t.order))
    else:
        # Text under an address label that came before the region ("详细地址" above "所在地区")
        # still belongs after it.
        address.sort(key=lambda t: (t.order < chain_start.order, t.order))
    address_text = " ".join(t.text for t in address if not _POSTAL_CODE.fullmatch(t.text))
    if chain_start is None:
        result.detail = _join(address_text.split(" "))
    else:
        region = split_address(address_text)
        result.province, result.city, result.district, result.detail = region
    result.name = result.name.strip(" .'·")
    return result


# Orders of tokens go in steps of two, so that the part of a token before the region (张三 in
# 张三广东省…) can be put between its neighbours.
_STEP = 2


def _read_tokens(plain: str) -> tuple[list[list[_Token]], set[int], _Token | None]:
    """Runs of tokens between line breaks, phone marks and labels; the orders at which phone
    marks stand (a phone label counts as part of its mark); the token of a labelled name."""
    runs: list[list[_Token]] = [[]]
    marks: set[int] = set()
    name_token: _Token | None = None
    order = 0
    mode = ""
    for part in re.split(f"({_MARK}|\n)", plain):
        if part in (_MARK, "\n"):
            if part == _MARK:
                marks.add(order)
                order += _STEP
            runs.append([])
            mode = ""
            continue
        for raw in _tokens(part):
            label = _LABEL_RE.match(raw)
            pieces = [raw]
            if label:
                pieces = [raw[label.end() :]] if label.end() < len(raw) else []
                mode = _LABELS[label.group()]
                runs.append([])
                if mode == "phone":
                    marks.add(order)
                    order += _STEP
            for piece in pieces:
                if mode == "name" and name_token is None:
                    name_token = _Token(piece, order)
                    mode = ""
                elif mode in ("drop", "phone", "name"):
                    mode = ""
                else:
                    runs[-1].append(_Token(piece, order, forced=mode == "address"))
                order += _STEP
    return [run for run in runs if run], marks, name_token


def _find_region_start(runs: list[list[_Token]]) -> _Token | None:
    """The token where the address starts; a name glued in front of the region (张三广东省…)
    is split off into a token of its own, left in its run."""
    table = _table()
    weak: tuple[list[_Token], int, int] | None = None
    for run in runs:
        joined = _SEP.join(t.text for t in run)
        found = _best_chain(table, joined)
        if found is None:
            continue
        chain = found[0]
        index = joined.count(_SEP, 0, chain.start)
        offset = chain.start - (joined.rfind(_SEP, 0, chain.start) + 1)
        if chain.strong:
            return _split_token(run, index, offset)
        if weak is None:
            weak = (run, index, offset)
    return _split_token(*weak) if weak else None


def _split_token(run: list[_Token], index: int, offset: int) -> _Token:
    token = run[index]
    if offset:
        run.insert(index, _Token(token.text[:offset], token.order - 1))
        token.text = token.text[offset:]
    return token


def _pick_name(
    tokens: list[_Token],
    address: list[_Token],
    marks: set[int],
    chain_start: _Token | None,
) -> _Token | None:
    """The name among the tokens that are not the start of the address: one standing next to
    the phone number if any, else the first one outside the address, else the last word of it."""
    last = max(address, key=lambda t: t.order) if address else None
    candidates = [
        t
        for t in sorted(tokens, key=lambda t: t.order)
        if t is not chain_start and _is_name_like(t.text)
    ]
    others = [t for t in candidates if t not in address]
    trailing = [t for t in candidates if t in address]
    for token in others + trailing:
        if token.order - _STEP in marks or token.order + _STEP in marks:
            return token
    if others:
        return others[0]
    if last is not None and last in trailing:
        return last
    return None
