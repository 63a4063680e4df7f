"""How messages name customers and products, from the names sellers actually type."""

from __future__ import annotations

import pytest

from yutang.lib.names import default_salutation, default_short_name

NICKNAMES = {
    # WeChat sort prefixes: capitals, repeated capitals, digits, a letter and a separator.
    "A姜娜洋": "姜娜洋",
    "AAA小美🌸": "小美",
    "01 王姐": "王姐",
    "A01 张阿姨": "张阿姨",
    "520小美": "小美",
    "a-小美": "小美",
    "ZZ-陈晨": "陈晨",
    "AA·黄蓉": "黄蓉",
    "Ａ李娜": "李娜",
    "A_Tina": "Tina",
    # Shop words, before or after, with or without a separator.
    "微商-丽丽": "丽丽",
    "丽丽美妆店": "丽丽",
    "王姐的店": "王姐",
    "小美工作室": "小美",
    "Coco代购": "Coco",
    "【代购】小雨": "小雨",
    "团购群-阿珍": "阿珍",
    "VIP王姐": "王姐",
    "晓晓🍀代购": "晓晓",
    # Emoji, notes in brackets, phone numbers and places after the name.
    "🌸花花🌸": "花花",
    "❤️美美❤️": "美美",
    "★Vivian★": "Vivian",
    "小美(面膜)": "小美",
    "莉莉（宝妈）": "莉莉",
    "王姐 13812345678": "王姐",
    "A 刘洋-杭州": "刘洋",
    "阿花 ~": "阿花",
    # Real names stay whole.
    "Amy": "Amy",
    "Lily王": "Lily王",
    "ABC": "ABC",
    "张三": "张三",
    "王大美": "王大美",
    "店长小李": "店长小李",
    "亲亲": "亲亲",
    "亲": "亲",
    "Grace 格格": "Grace",
    # Nothing left that names a person: the caller falls back.
    "小店": "",
    "美妆": "",
    "1314": "",
    "🌸🌸": "",
}


@pytest.mark.parametrize(("nickname", "expected"), NICKNAMES.items())
def test_it_cleans_a_nickname_into_a_salutation(nickname: str, expected: str) -> None:
    assert default_salutation(nickname) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("补水面膜（30天装）×3", "补水面膜"),
        ("精华液(50ml)", "精华液"),
        ("面膜×2", "面膜"),
        ("洗面奶 x2", "洗面奶"),
        ("【新品】玫瑰面膜", "玫瑰面膜"),
        ("面膜", "面膜"),
        # A name that is nothing but a note keeps it, rather than naming nothing.
        ("(试用装)", "(试用装)"),
    ],
)
def test_it_shortens_a_product_name_for_messages(name: str, expected: str) -> None:
    assert default_short_name(name) == expected
