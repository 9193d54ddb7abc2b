"""Reference tables of the synthetic city, and the weighted lookup tables they are drawn from:
districts and building kinds, surnames and given names, migrants' home prefectures and
ethnicities, phone numbers, foreigners, place and trade words, wage bands, legal person kinds
and household shapes. Where the proportions come from: the package docstring
(cityhall.registry.synth).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
_TABLE_BITS = 12


def _table(pairs: Sequence[tuple[T, float]]) -> tuple[T, ...]:
    """A weighted choice as a lookup table of 2**_TABLE_BITS slots: a value fills slots in
    proportion to its weight, so `table[getrandbits(_TABLE_BITS)]` is a weighted pick in one
    call (exact to 1/4096, plenty for approximate shares; ~5x cheaper than int(random() * n))."""
    size = 1 << _TABLE_BITS
    total = sum(weight for _, weight in pairs)
    slots: list[T] = []
    running = 0.0
    for value, weight in pairs:
        running += weight
        slots.extend([value] * (round(running / total * size) - len(slots)))
    return tuple(slots)


def _weights(text: str) -> list[tuple[str, float]]:
    """Pairs from "陈85 李70": a name and its weight, for tables that read best as one string."""
    pairs = []
    for item in text.split():
        name = item.rstrip("0123456789.")
        pairs.append((name, float(item[len(name) :])))
    return pairs


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- Reference tables ---------------------------------------------------------------------------

# 2020 census resident population by district, in 10,000s (approximate).
_DISTRICT_POPULATION = {
    "440103": 124,  # 荔湾
    "440104": 104,  # 越秀
    "440105": 182,  # 海珠
    "440106": 224,  # 天河
    "440111": 374,  # 白云
    "440112": 126,  # 黄埔
    "440113": 266,  # 番禺
    "440114": 164,  # 花都
    "440115": 85,  # 南沙
    "440117": 72,  # 从化
    "440118": 147,  # 增城
}
# Where legal persons register (assumption: 天河 is the business centre, 越秀 the old one).
_DISTRICT_BUSINESS = dict(
    zip(_DISTRICT_POPULATION, (6, 12, 11, 22, 16, 7, 12, 5, 4, 1, 4), strict=True)
)
_CENTRAL = frozenset({"440103", "440104", "440105"})


@dataclass(frozen=True, slots=True, kw_only=True)
class _BuildingKind:
    name: str
    floors: tuple[int, int]
    units: tuple[int, int]
    per_floor: tuple[int, int]
    built: tuple[int, int]
    use: str  # of the floors above the shops
    area: tuple[float, float]
    shop_share: float  # share of buildings with shops on the ground floor(s)
    # Occupancy of residential houses: let to migrants, vacant, owned by migrants; the rest are
    # lived in by their local owners.
    let: float = 0.0
    vacant: float = 0.0
    migrant_owner: float = 0.0


# Urban villages (城中村) are mostly let; walk-ups and high-rises mostly owner-occupied.
_VILLAGE = _BuildingKind(
    name="village", floors=(4, 8), units=(1, 1), per_floor=(2, 4), built=(1988, 2015),
    use="residential", area=(40, 90), shop_share=0.5, let=0.7, vacant=0.04, migrant_owner=0.04,
)  # fmt: skip
_WALKUP = _BuildingKind(
    name="walkup", floors=(6, 9), units=(2, 4), per_floor=(2, 2), built=(1980, 2005),
    use="residential", area=(50, 100), shop_share=0.2, let=0.24, vacant=0.06, migrant_owner=0.1,
)  # fmt: skip
_HIGHRISE = _BuildingKind(
    name="highrise", floors=(18, 34), units=(1, 3), per_floor=(4, 6), built=(1998, 2025),
    use="residential", area=(70, 160), shop_share=0.4, let=0.18, vacant=0.1, migrant_owner=0.18,
)  # fmt: skip
_OFFICE = _BuildingKind(
    name="office", floors=(12, 40), units=(1, 1), per_floor=(4, 10), built=(1995, 2024),
    use="office", area=(80, 800), shop_share=1.0,
)  # fmt: skip
_INDUSTRIAL = _BuildingKind(
    name="industrial", floors=(3, 6), units=(1, 1), per_floor=(1, 2), built=(1990, 2020),
    use="industrial", area=(300, 3000), shop_share=0.0,
)  # fmt: skip
_SHOP_AREA = (20.0, 200.0)


def _areas(low: float, high: float) -> tuple[str, ...]:
    """Floor areas spread evenly over [low, high), as text: a table to pick from."""
    size = 1 << _TABLE_BITS
    return tuple(f"{low + (high - low) * (i + 0.5) / size:.2f}" for i in range(size))


_AREAS = {
    kind.name: _areas(*kind.area) for kind in (_VILLAGE, _WALKUP, _HIGHRISE, _OFFICE, _INDUSTRIAL)
} | {"shop": _areas(*_SHOP_AREA)}


def _mix_for(district_code: str) -> tuple[tuple[_BuildingKind, float], ...]:
    """Share of houses (not buildings) of each kind in a district (assumption)."""
    if district_code in _CENTRAL:
        return ((_VILLAGE, 8), (_WALKUP, 40), (_HIGHRISE, 45), (_OFFICE, 7))
    if district_code == "440106":  # 天河
        return ((_VILLAGE, 14), (_WALKUP, 18), (_HIGHRISE, 56), (_OFFICE, 12))
    if district_code == "440111":  # 白云
        return ((_VILLAGE, 36), (_WALKUP, 16), (_HIGHRISE, 40), (_OFFICE, 3), (_INDUSTRIAL, 5))
    return ((_VILLAGE, 24), (_WALKUP, 16), (_HIGHRISE, 50), (_OFFICE, 3), (_INDUSTRIAL, 7))


# Surnames, approximate per-mille shares. Guangdong: 陈 is the most common in the province.
_SURNAMES_GUANGDONG = _table(
    _weights(
        "陈90 李70 黄60 张45 梁40 林39 刘38 吴31 罗27 何25 郑22 杨21 谢19 周18 邓17 冯16 钟16 "
        "曾16 叶15 王18 蔡13 潘12 苏11 卢11 朱12 胡10 许10 彭10 余9 莫8 徐8 赖8 谭9 黎8 郭8 "
        "廖7 袁6 麦10 温6 江6 邱6 方6 唐6 关5 欧4 伍5 赵5 孙4 马4 严3 骆3 简3 汤3 邝3 容2 霍2 "
        "岑2 卓2 陆4 龙3 姚3 古3 韦2 程1 欧阳2 司徒1.5 上官0.3"
    )
)
_SURNAMES_NATIONAL = _table(
    _weights(
        "王71 李70 张67 刘54 陈46 杨31 黄25 赵23 吴21 周20 徐17 孙15 马14 朱13 胡13 郭12 何12 "
        "林11 高11 罗11 郑10 梁9 谢8 宋8 唐8 许7 韩7 冯7 邓7 曹6 彭6 曾6 肖6 田5 董5 袁5 潘5 "
        "于5 蒋5 蔡5 余5 杜4 叶4 程4 苏4 魏4 吕4 丁4 任4 沈4 姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 "
        "范3 金3 石3 廖3 贾3 夏3 韦3 付3 方3 白3 邹3 孟3 熊3 秦3 邱2 江2 尹2 覃2 欧阳1"
    )
)
_SURNAMES_GUANGXI = _table(_weights("韦30 覃20 蒙8 莫10 黄40"))

# Given-name characters by birth era (before 1970, 1970-1999, from 2000), women then men.
_GIVEN = (
    "秀英兰珍芳凤玉华梅琼娟霞桂丽淑群好少燕惠莲彩金仙娥银容美云",
    "国建华明伟志文德荣强平军林海炳锦辉成光祥福金永耀新民康泉生东汉",
    "丽敏静燕艳婷芳玲娟慧颖霞洁红梅琳倩雪丹萍晓嘉欣怡佩咏诗少玉惠凤",
    "伟强勇军杰涛明超斌峰俊辉健鹏磊波浩宇亮志文锋海东嘉家振达永荣华国耀坚",
    "梓子欣怡诗涵雨琪婷悦可妍晴思嘉芷淇彤馨雅颖晓佳蕊琳萱桐若",
    "梓子浩宇轩睿皓俊晨铭博嘉泽杰航锦煜宸一诚逸天乐朗骏祺瀚森",
)
_SINGLE_CHAR_NAME = (0.25, 0.15, 0.08)  # share of one-character given names by era
# Given names as lookup tables, one per era and sex: a name is one pick.
_GIVEN_NAMES = tuple(
    _table(
        [(c, _SINGLE_CHAR_NAME[i // 2] / len(pool)) for c in pool]
        + [(a + b, (1 - _SINGLE_CHAR_NAME[i // 2]) / len(pool) ** 2) for a in pool for b in pool]
    )
    for i, pool in enumerate(_GIVEN)
)

# Source places of migrants: real prefecture-level GB/T 2260 codes by province, and the
# province's approximate share of Guangzhou's migrants (%), split evenly over its codes.
_MIGRANT_PROVINCES = (
    (
        "gd",
        38,
        "440500 440700 440800 440900 441200 441400 441500 441600 441700 441800 445100 445200 "
        "445300",
    ),
    ("hn", 17, "430100 430400 430500 430600 430700 430900 431000 431100 431200 431300"),
    ("gx", 12, "450100 450200 450300 450400 450700 450800 450900 451100"),
    ("jx", 7, "360100 360700 360800 360900 361000 361100"),
    ("ha", 6, "410100 411300 411400 411500 411600 411700"),
    ("hb", 6, "420100 420900 421000 421100"),
    ("sc", 6, "510100 510700 510900 511300 511600 511900"),
    ("gz", 3, "520100 520300 522600 522700"),
    ("cq", 2, "500101 500103"),
)
_MIGRANT_SOURCES = tuple(
    (code, province, share / len(codes.split()))
    for province, share, codes in _MIGRANT_PROVINCES
    for code in codes.split()
)
# Ethnic minorities by source (GB/T 3304 codes): share of the population, and which groups.
_MINORITIES: dict[str, tuple[float, tuple[tuple[str, float], ...]]] = {
    "": (0.005, (("03", 3), ("11", 2), ("08", 3), ("15", 1), ("13", 1))),  # locals
    "gd": (0.01, (("13", 5), ("21", 3), ("08", 2))),  # 瑶 畲 壮
    "hn": (0.10, (("15", 45), ("06", 35), ("12", 10), ("13", 10))),  # 土家 苗 侗 瑶
    "gx": (0.32, (("08", 85), ("13", 10), ("06", 5))),  # 壮 瑶 苗
    "jx": (0.005, (("21", 1), ("03", 1))),
    "ha": (0.01, (("03", 8), ("11", 2))),
    "hb": (0.04, (("15", 9), ("03", 1))),
    "sc": (0.05, (("07", 5), ("04", 2), ("33", 1), ("03", 2))),  # 彝 藏 羌 回
    "gz": (0.36, (("06", 40), ("09", 30), ("12", 20), ("15", 10))),  # 苗 布依 侗 土家
    "cq": (0.06, (("15", 7), ("06", 3))),
    "hk": (0.0, (("01", 1),)),  # Hong Kong, Macao and Taiwan residence permit holders
}

_MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 170 176 "
    "177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199"
)
_PHONES = len(_MOBILE_PREFIXES) * 100_000_000  # one draw gives the prefix and the 8 digits

# Foreign passport holders: nationality, passport letter, family names, given names.
_FOREIGNERS = (
    ("KOR", "M", _words("KIM LEE PARK CHOI JUNG"), _words("MINJUN SEOYEON JIHO HAEUN")),
    ("JPN", "T", _words("SATO SUZUKI TAKAHASHI TANAKA"), _words("HARUTO YUI SOTA AOI")),
    ("USA", "A", _words("SMITH JOHNSON BROWN MILLER"), _words("JAMES EMMA DAVID OLIVIA")),
    ("NGA", "B", _words("OKAFOR ADEYEMI BELLO EZE"), _words("CHINEDU NGOZI EMEKA AMAKA")),
    ("RUS", "P", _words("IVANOV PETROVA SMIRNOV VOLKOVA"), _words("ALEXEI OLGA IVAN ANNA")),
)

_ROAD_SUFFIXES = _words(
    "北路 南路 东路 西路 中路 大道 大街 一路 二路 三路 横路 直街 新街 前路 后街 环路"
)
_ESTATE_WORDS = "锦华翠丽雅康乐富荣金碧云海星晨景悦御怡嘉和泰盛祥瑞恒丰"
_ESTATE_SUFFIXES = _words("花园 苑 小区 新村 雅苑 华庭 名苑 公寓")
_TRADE_WORDS = (
    "锦华恒信泰德盛隆鑫宏达瑞丰汇通诚安康美佳新创博智联源兴顺益荣富海粤穗珠越星晨辉鸿祥合和泽"
)

# GB/T 4754-2017 sections (Chinese names), and the name words of legal persons in them.
_C = "制造业"
_E = "建筑业"
_F = "批发和零售业"
_G = "交通运输、仓储和邮政业"
_H = "住宿和餐饮业"
_I = "信息传输、软件和信息技术服务业"
_J = "金融业"
_K = "房地产业"
_L = "租赁和商务服务业"
_M = "科学研究和技术服务业"
_O = "居民服务、修理和其他服务业"
_P = "教育"
_Q = "卫生和社会工作"
_R = "文化、体育和娱乐业"
_S = "公共管理、社会保障和社会组织"
_COMPANY_TRADES = _table(
    [
        (("贸易", _F), 14),
        (("商贸", _F), 8),
        (("科技", _M), 12),
        (("信息技术", _I), 8),
        (("网络科技", _I), 6),
        (("餐饮管理", _H), 6),
        (("物流", _G), 5),
        (("建筑工程", _E), 5),
        (("装饰工程", _E), 4),
        (("电子", _C), 4),
        (("服装", _C), 4),
        (("化妆品", _C), 3),
        (("食品", _C), 3),
        (("房地产开发", _K), 2),
        (("物业管理", _K), 3),
        (("文化传媒", _R), 4),
        (("企业管理咨询", _L), 6),
        (("人力资源", _L), 2),
        (("融资租赁", _J), 1),
    ]
)
_SHOP_TRADES = _table(
    [
        (("便利店", _F), 14),
        (("士多", _F), 6),
        (("小吃店", _H), 12),
        (("茶餐厅", _H), 6),
        (("烧腊店", _H), 4),
        (("五金店", _F), 5),
        (("服装店", _F), 7),
        (("水果店", _F), 6),
        (("理发店", _O), 6),
        (("手机维修部", _O), 4),
        (("汽车修理厂", _O), 3),
        (("洗衣店", _O), 3),
    ]
)
_ASSOCIATIONS = _words("行业协会 商会 促进会 志愿者协会")

# Declared monthly wage bands: code, the wage range drawn from (yuan), and share (%).
_WAGE_BANDS = _table(
    [
        (("lt2500", 2100, 2500), 3),
        (("2500_5000", 2500, 5000), 22),
        (("5000_10000", 5000, 10000), 45),
        (("10000_20000", 10000, 20000), 22),
        (("gt20000", 20000, 50000), 8),
    ]
)
_BASE_FLOOR, _BASE_CAP = 4600, 23000

# Legal person kinds: (kind, USCC registration authority, USCC category), share (%).
_LEGAL_KINDS = _table(
    [
        (("company", "9", "1"), 62),
        (("individual_business", "9", "2"), 32),
        (("social_organisation", "5", "1"), 2),
        (("public_institution", "1", "2"), 4),
    ]
)

# Ages (from, to) of household heads, by household composition, and the compositions' shares.
_HEAD_AGES = {
    "single": _table([((20, 35), 45), ((35, 60), 30), ((60, 90), 25)]),
    "couple": _table([((24, 35), 40), ((35, 55), 25), ((55, 85), 35)]),
    "nuclear": _table([((28, 35), 20), ((35, 45), 35), ((45, 55), 30), ((55, 68), 15)]),
    "single_parent": _table([((30, 55), 1)]),
    "three_generations": _table([((30, 40), 50), ((40, 52), 50)]),
}
_COMPOSITIONS = _table(
    _weights("single18 couple23 nuclear37 single_parent6 three_generations16"),
)
# Migrants renting: one worker, workers sharing, a couple, a family.
_TENANT_GROUPS = _table(_weights("single26 sharing26 couple16 family32"))

_DAYS_16_YEARS = 5844  # the legal working age
_DAYS_18_YEARS = 6575
_DAYS_20_YEARS = 7305

# Benefits (待遇), monthly amounts in fen (approximate; where from: the package docstring).
_RETIREMENT_DAYS_MEN = 21915  # 60 years
_RETIREMENT_DAYS_WOMEN = 20089  # 55 years
_PENSION_SHARE = 0.65  # of the retired
_PENSION_FEN = (200_000, 600_000)
_UNEMPLOYMENT_SHARE = 0.04  # of the working-age adults without a job
_UNEMPLOYMENT_FEN = (180_000, 200_000)
# Of local persons: about 0.5 % of all persons. At most _UNEMPLOYMENT_SHARE: one draw per
# person below the larger share decides whether either is considered (persons.py).
_SUBSISTENCE_SHARE = 0.011
_SUBSISTENCE_FEN = 120_000  # the 2024 standard per person and month; less with some income
# Every n-th candidate is a planted case the cross-checks must find (a stride rather than a
# chance, so that even a small city has some): an employee paid well and contributing who also
# draws unemployment benefit; a deceased person still drawing a benefit.
_PLANT_UNEMPLOYED_EVERY = 500  # of the candidates: 0.2 %
_PLANT_DECEASED_EVERY = 50  # 2 %
_RECENT_MONTHS = 3  # "contributing": paid for each of the last three months
_HIGH_WAGE_BANDS = frozenset({"10000_20000", "gt20000"})
# The planted cases by name, as SynthReport.planted counts them.
PLANTED_UNEMPLOYED_WHILE_EMPLOYED = "unemployment_while_employed"
PLANTED_DECEASED_WITH_BENEFIT = "deceased_with_benefit"
