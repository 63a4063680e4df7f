from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from yutang.lib import addresses
from yutang.lib.addresses import ParsedContact, parse_contact, split_address

FIXTURES = Path(__file__).parent / "fixtures"
DIVISIONS: dict[str, str] = json.loads(
    (Path(addresses.__file__).parent / "data" / "china_divisions.json").read_text("utf-8")
)
# Beijing, Tianjin, Shanghai, Chongqing: their city level is called 市辖区 (or 县) in the table.
MUNICIPALITIES = {DIVISIONS[code[:2]] for code, name in DIVISIONS.items() if name == "市辖区"}

with (FIXTURES / "address_test_cases.csv").open(encoding="utf-8", newline="") as f:
    CASES = {row["case_id"]: row for row in csv.DictReader(f)}
ZHAP_JSON = json.loads((FIXTURES / "zh-address-parse_addressParse.json").read_text("utf-8"))

# Where the shared cases' library expectations and this parser part ways on purpose.
EXPECTED_DIFFERENCES: dict[tuple[str, str], str] = {
    ("zhap-12", "region"): "district guessed from the street 牧羊湖; we keep no street table",
    ("zhap-12", "detail"): "street 牧羊湖街道 guessed from 牧羊湖; we keep the text as written",
    ("zhap-16", "detail"): "the library drops brackets from the detail; we keep 计算机(分院)",
    ("zhap-18", "detail"): "town 乐从镇 guessed from 乐从; we keep the text as written",
    ("zhap-28", "detail"): "the library turns 跃进路 into street 跃进街道 + detail 路42号…",
    ("zhap-24", "phone"): "a landline; the phone field holds mobile numbers only",
    ("cpca-10", "region"): "市辖区 is the table's placeholder, not a district",
    ("cpca-umap-1", "region"): "朝阳区 is in Beijing and Changchun; cpca was given a user map",
    (
        "jio-23",
        "region",
    ): "JioNLP reads 香港/九龙城区; our table's levels give 九龙 and no district",
    ("jio-33", "region"): "JioNLP puts 屏东县 as district; our table has it as city over 屏东市",
    ("jio-3", "region"): "襄樊 is the name 襄阳 had until 2010; the table has current names",
    ("jio-20", "region"): "经济技术开发区 is a statistics-only zone, not a county-level division",
    ("akebe-8", "region"): "510191 (成都高新区) is a development zone, not in the table",
    ("shl-1", "region"): "441928 is the town 寮步镇; 东莞市 has no districts, so district is ''",
    ("shl-3", "phone"): "a privacy number's extension does not fit the 11-digit phone field",
    ("shl-4", "phone"): "the library puts the landline in `phone`; we keep the mobile",
}


def _params(field: str, ids: list[str]) -> list[object]:
    return [
        pytest.param(
            case_id,
            id=case_id,
            marks=[pytest.mark.xfail(reason=reason, strict=True)]
            if (reason := EXPECTED_DIFFERENCES.get((case_id, field)))
            else [],
        )
        for case_id in ids
    ]


def expected_region(row: dict[str, str]) -> tuple[str, str, str] | None:
    """The case's (province, city, district) in our conventions, or None if it asserts none."""
    province, city, district = row["exp_province"], row["exp_city"], row["exp_district"]
    if not (province or city or district):
        code = row["exp_adcode"]
        if not code:
            return None
        province = DIVISIONS.get(code[:2], f"?{code}")
        city = DIVISIONS.get(code[:4], f"?{code}")
        district = DIVISIONS.get(code, f"?{code}") if code[4:] != "00" else ""
    if province in MUNICIPALITIES and city in ("", "市辖区", "县"):
        # cpca says 市辖区, zh-address-parse repeats the municipality, JioNLP leaves it empty.
        city = province
    return province, city, district


def got_region(row: dict[str, str], parsed: ParsedContact) -> tuple[str, str, str]:
    if "only city and area" in row["note"]:
        return row["exp_province"], parsed.city, parsed.district
    return parsed.province, parsed.city, parsed.district


REGION_CASES = [case_id for case_id, row in CASES.items() if expected_region(row)]
DISTRICT_ONLY_CASES = [
    case_id for case_id, row in CASES.items() if "requires a district" in row["note"]
]
NAME_CASES = [case_id for case_id, row in CASES.items() if row["exp_name"]]
PHONE_CASES = [case_id for case_id, row in CASES.items() if row["exp_phone"]]


def test_it_reads_the_example_of_the_product_brief() -> None:
    parsed = parse_contact("张三 13800138000 广东省深圳市南山区科技园科苑路15号")
    assert parsed == ParsedContact(
        name="张三",
        phone="13800138000",
        province="广东省",
        city="深圳市",
        district="南山区",
        detail="科技园科苑路15号",
    )
    assert parsed.as_dict() == {
        "name": "张三",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园科苑路15号",
    }


@pytest.mark.parametrize("case_id", _params("region", REGION_CASES))
def test_it_reads_the_region_of_the_shared_case(case_id: str) -> None:
    row = CASES[case_id]
    assert got_region(row, parse_contact(row["input"])) == expected_region(row)


@pytest.mark.parametrize("case_id", _params("region", DISTRICT_ONLY_CASES))
def test_it_finds_a_district_in_the_shared_case(case_id: str) -> None:
    parsed = parse_contact(CASES[case_id]["input"])
    assert parsed.province and parsed.city and parsed.district


@pytest.mark.parametrize("case_id", _params("name", NAME_CASES))
def test_it_reads_the_name_of_the_shared_case(case_id: str) -> None:
    row = CASES[case_id]
    assert parse_contact(row["input"]).name == row["exp_name"]


@pytest.mark.parametrize("case_id", _params("phone", PHONE_CASES))
def test_it_reads_the_phone_of_the_shared_case(case_id: str) -> None:
    row = CASES[case_id]
    assert parse_contact(row["input"]).phone == row["exp_phone"]


@pytest.mark.parametrize("case_id", _params("detail", [f"zhap-{n}" for n in range(1, 33)]))
def test_it_reads_the_whole_zh_address_parse_case(case_id: str) -> None:
    entry = ZHAP_JSON[int(case_id.split("-")[1]) - 1]
    expected = entry["result"]
    street = expected["streetName"] if expected["streetName"] in entry["address"] else ""
    parsed = parse_contact(entry["address"])
    assert parsed.detail == street + expected["detail"]
    assert parsed.name == expected["name"]


def test_it_reads_at_least_nine_in_ten_regions_of_the_shared_cases_exactly() -> None:
    hits = [
        got_region(CASES[c], parse_contact(CASES[c]["input"])) == expected_region(CASES[c])
        for c in REGION_CASES
    ]
    in_scope = [
        hit
        for case_id, hit in zip(REGION_CASES, hits, strict=True)
        if (case_id, "region") not in EXPECTED_DIFFERENCES
    ]
    accuracy = sum(hits) / len(hits)
    print(f"region exact: {sum(hits)}/{len(hits)} = {accuracy:.1%}")
    assert accuracy >= 0.9
    assert all(in_scope)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Municipalities: the city is the municipality itself.
        ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
        ("北京朝阳区", ("北京市", "北京市", "朝阳区", "")),
        ("上海浦东新区张江路", ("上海市", "上海市", "浦东新区", "张江路")),
        ("天津市", ("天津市", "天津市", "", "")),
        ("重庆市垫江县太平镇", ("重庆市", "重庆市", "垫江县", "太平镇")),
        # Counties governed by the province: the county fills the city field.
        ("湖北省仙桃市干河街道", ("湖北省", "仙桃市", "", "干河街道")),
        ("琼海博鳌", ("海南省", "琼海市", "", "博鳌")),
        ("河南省济源市沁园路", ("河南省", "济源市", "", "沁园路")),
        ("湖北省神农架林区松柏镇", ("湖北省", "神农架林区", "", "松柏镇")),
        ("新疆石河子市北四路", ("新疆维吾尔自治区", "石河子市", "", "北四路")),
        # Cities without districts.
        ("广东省东莞市南城街道", ("广东省", "东莞市", "", "南城街道")),
        ("中山市石岐区", ("广东省", "中山市", "", "石岐区")),
        # Missing levels and short names.
        ("盐田区山海四季城F栋17A", ("广东省", "深圳市", "盐田区", "山海四季城F栋17A")),
        ("广东深圳南山 科技园", ("广东省", "深圳市", "南山区", "科技园")),
        ("江苏南京鼓楼", ("江苏省", "南京市", "鼓楼区", "")),
        ("福建省鼓楼区鼓楼医院", ("福建省", "福州市", "鼓楼区", "鼓楼医院")),
        ("广西桂林恭城 恭城镇", ("广西壮族自治区", "桂林市", "恭城瑶族自治县", "恭城镇")),
        ("黔南都匀", ("贵州省", "黔南布依族苗族自治州", "都匀市", "")),
        ("成都市新津县金华镇", ("四川省", "成都市", "新津区", "金华镇")),
        # Hong Kong, Macao, Taiwan.
        ("香港九龙油尖旺区弥敦道100号", ("香港特别行政区", "九龙", "油尖旺区", "弥敦道100号")),
        ("澳门氹仔", ("澳门特别行政区", "澳门外岛", "嘉模堂区（氹仔）", "")),
        ("台湾省台北市大安区", ("台湾省", "台北市", "大安区", "")),
        # Same-named districts of different cities: only the district name is sure.
        ("鼓楼区中山路1号", ("", "", "鼓楼区", "中山路1号")),
        # Streets and towns stay in the detail; repeated names are dropped.
        ("湖南省郴州市桂东县桂东县清泉镇", ("湖南省", "郴州市", "桂东县", "清泉镇")),
        ("深圳市 南山区 ，南商路 碧海天家园", ("广东省", "深圳市", "南山区", "南商路碧海天家园")),
        (
            "上海市徐汇区 复兴中路1237号 5楼WeWork",
            ("上海市", "上海市", "徐汇区", "复兴中路1237号5楼WeWork"),
        ),
        ("地址：江苏淮安清江浦区人民路111号", ("江苏省", "淮安市", "清江浦区", "人民路111号")),
        ("", ("", "", "", "")),
        ("科技园科苑路15号", ("", "", "", "科技园科苑路15号")),
    ],
)
def test_it_splits_addresses(text: str, expected: tuple[str, str, str, str]) -> None:
    assert split_address(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "收件人：于生生\n电话：13111111111\n所在地区: 广东省深圳市龙岗区龙岗街道\n"
            "详细地址: 格水村三巷十号三楼",
            ("于生生", "13111111111", "广东省", "深圳市", "龙岗区", "龙岗街道格水村三巷十号三楼"),
        ),
        (
            "详细地址：科苑路15号\n所在地区：广东省深圳市南山区\n收货人：王五\n手机：13800138000",
            ("王五", "13800138000", "广东省", "深圳市", "南山区", "科苑路15号"),
        ),
        (
            "姓名：赵六；手机号码：15912345678；地址：四川省成都市武侯区人民南路四段1号",
            ("赵六", "15912345678", "四川省", "成都市", "武侯区", "人民南路四段1号"),
        ),
        (
            "联系人|孙七|+86 138-0013-8000|浙江省杭州市西湖区/文三路100号",
            ("孙七", "13800138000", "浙江省", "杭州市", "西湖区", "文三路100号"),
        ),
        (
            "王五\n广东省深圳市南山区\n科技园科苑路15号\n13800138000",
            ("王五", "13800138000", "广东省", "深圳市", "南山区", "科技园科苑路15号"),
        ),
        (
            "张三广东省深圳市南山区科技园13800138000",
            ("张三", "13800138000", "广东省", "深圳市", "南山区", "科技园"),
        ),
        (
            "谢先生，深圳市龙岗区南湾街道尚峰花园4C2231 13111111111",
            ("谢先生", "13111111111", "广东省", "深圳市", "龙岗区", "南湾街道尚峰花园4C2231"),
        ),
        (
            "Tom +44 7911 123456 上海市静安区南京西路1号",
            ("Tom", "+447911123456", "上海市", "上海市", "静安区", "南京西路1号"),
        ),
        (
            "张三，13800138000，广东省 深圳市 南山区 科技园 518000\n备注：放门口",
            ("张三", "13800138000", "广东省", "深圳市", "南山区", "科技园"),
        ),
        ("刘娇 131 1111 1111", ("刘娇", "13111111111", "", "", "", "")),
        ("", ("", "", "", "", "", "")),
    ],
)
def test_it_parses_pasted_contacts(text: str, expected: tuple[str, ...]) -> None:
    parsed = parse_contact(text)
    fields = (parsed.name, parsed.phone, parsed.province, parsed.city, parsed.district)
    assert (*fields, parsed.detail) == expected
