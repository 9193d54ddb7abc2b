"""Demo organisation, staff, citizens and enterprise agents for `manage.py seed_demo`.

Deterministic (a seeded RNG) and idempotent: rows are keyed by natural keys (unit code, login
name, ID number), so a second run finds everything and creates nothing.
"""

import hashlib
from base64 import b32encode
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.geo.models import Division, DivisionLevel
from cityhall.identity import services
from cityhall.identity.models import Account, OrgUnit, UnitKind
from cityhall.identity.models import UnitLevel as L
from cityhall.identity.roles import Role

CITY = "440100"

# (code suffix, city-level name, district-level name pattern): the departments the issue names
# plus the ones every later part of the product routes work to.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("MZ", "广州市民政局", "{d}民政局"),
    ("GA", "广州市公安局", "广州市公安局{d}分局"),
    ("RS", "广州市人力资源和社会保障局", "{d}人力资源和社会保障局"),
    ("SJ", "广州市市场监督管理局", "{d}市场监督管理局"),
    ("ZJ", "广州市住房和城乡建设局", "{d}住房和城乡建设局"),
    ("CG", "广州市城市管理和综合执法局", "{d}城市管理和综合执法局"),
    ("SW", "广州市水务局", "{d}水务局"),
    ("WJ", "广州市卫生健康委员会", "{d}卫生健康局"),
    ("YB", "广州市医疗保障局", "广州市{d}医疗保障局"),
    ("JY", "广州市教育局", "{d}教育局"),
    ("GZ", "广州市规划和自然资源局", "广州市规划和自然资源局{d}分局"),
    ("HB", "广州市生态环境局", "广州市生态环境局{d}分局"),
    ("SS", "国家税务总局广州市税务局", "国家税务总局广州市{d}税务局"),
    ("ZS", "广州市政务服务和数据管理局", "{d}政务服务和数据管理局"),
    ("LS", "广州市来穗人员服务管理局", "{d}来穗人员服务管理局"),
    # Added for the service catalogue's departments (一台): every lane must route to a unit.
    ("SB", "广州市社会保险基金管理中心", "广州市社会保险基金管理中心{d}分中心"),
    ("GJ", "广州住房公积金管理中心", "广州住房公积金管理中心{d}管理部"),
    ("NY", "广州市农业农村局", "{d}农业农村局"),
    ("WH", "广州市文化广电旅游局", "{d}文化广电旅游局"),
    ("CL", "广州市残疾人联合会", "{d}残疾人联合会"),
    ("XF", "广州市消防救援支队", "广州市{d}消防救援大队"),
    ("JT", "广州市交通运输局", "{d}交通运输局"),
    # Added for the hotline's default handlers (12345): every category must route to a unit.
    ("YL", "广州市林业和园林局", "{d}林业和园林局"),
    ("JJ", "广州市公安局交通警察支队", "广州市公安局交通警察支队{d}大队"),
)
UTILITIES = (("GD", "广东电网广州供电局"), ("ZLS", "广州市自来水有限公司"), ("RQ", "广州燃气集团"))

DEMO_DISTRICTS = {"hz": "440105", "th": "440106"}  # 海珠区, 天河区
DEMO_STREETS = {"hz": ("440105001", "440105002"), "th": ("440106001", "440106002")}

SURNAMES = "陈李黄张梁林刘吴罗何郑杨谢郭冯朱曾邓周许蔡苏潘卢叶钟彭徐胡关"
GIVEN = "伟芳娜敏静丽强磊洋勇艳杰军娟涛明超秀霞平刚桂文华建志嘉颖梓浩晓俊家欣海婷宇锦思泽雅"
FIRMS = "穗达粤海珠江羊城云山越秀南沙华南花城岭南白云番禺广信新港恒通"
INDUSTRIES = (
    "科技",
    "贸易",
    "餐饮管理",
    "物业服务",
    "建筑工程",
    "信息技术",
    "电子商务",
    "物流",
    "医疗器械",
    "文化传播",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    real_name: str
    unit: str
    roles: tuple[str, ...]
    totp_secret: str


def _unit(
    code: str, name: str, kind: str, level: str, division: Division, parent: OrgUnit | None = None
) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "level": level,
            "division": division,
            "parent": parent,
        },
    )
    return unit


@transaction.atomic
def demo_units_build() -> int:
    """City departments and their district branches, service centres, hotline, street offices."""
    before = OrgUnit.objects.count()
    city = Division.objects.get(code=CITY)
    city_units = {}
    for suffix, city_name, _pattern in DEPARTMENTS:
        city_units[suffix] = _unit(f"{CITY}-{suffix}", city_name, UnitKind.DEPARTMENT, L.CITY, city)
    for suffix, name in UTILITIES:
        _unit(f"{CITY}-{suffix}", name, UnitKind.UTILITY, L.CITY, city)
    _unit(
        f"{CITY}-FW", "广州市政务服务中心", UnitKind.SERVICE_CENTRE, L.CITY, city, city_units["ZS"]
    )
    hotline = _unit(
        f"{CITY}-RX", "广州市12345政府服务热线中心", UnitKind.HOTLINE_CENTRE, L.CITY, city
    )
    for district in Division.objects.filter(level=DivisionLevel.DISTRICT):
        d = district.name
        for suffix, _city_name, pattern in DEPARTMENTS:
            _unit(
                f"{district.code}-{suffix}",
                pattern.format(d=d),
                UnitKind.DEPARTMENT_BRANCH,
                L.DISTRICT,
                district,
                city_units[suffix],
            )
        _unit(
            f"{district.code}-FW", f"{d}政务服务中心", UnitKind.SERVICE_CENTRE, L.DISTRICT, district
        )
        _unit(
            f"{district.code}-RX",
            f"{d}12345热线分中心",
            UnitKind.HOTLINE_CENTRE,
            L.DISTRICT,
            district,
            hotline,
        )
    for street in Division.objects.filter(level=DivisionLevel.STREET).select_related("parent"):
        is_town = street.name.endswith("镇")
        office = f"{street.name}人民政府" if is_town else f"{street.name}办事处"
        _unit(f"{street.code}-JD", office, UnitKind.STREET_OFFICE, L.STREET, street)
        _unit(
            f"{street.code}-FW",
            f"{street.name}政务服务中心",
            UnitKind.SERVICE_CENTRE,
            L.STREET,
            street,
        )
    return OrgUnit.objects.count() - before


def _demo_totp_key(username: str) -> str:
    # Demo only: a key derived from the login name so the printed secret survives re-seeding.
    return hashlib.sha256(f"cityhall-demo-totp:{username}".encode()).hexdigest()[:40]


def _staff_plan() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(login, unit code, display name, roles) for every demo staff member."""
    plan: list[tuple[str, str, str, tuple[str, ...]]] = [
        ("city-admin", f"{CITY}-ZS", "市系统管理员", (Role.ADMINISTRATOR,)),
        ("city-supervisor", f"{CITY}-ZS", "市电子监察员", (Role.SUPERVISOR,)),
        ("city-steward", f"{CITY}-ZS", "市数据管理员", (Role.DATA_STEWARD,)),
        ("city-operator", f"{CITY}-RX", "市热线话务员", (Role.HOTLINE_OPERATOR,)),
        ("city-dispatcher", f"{CITY}-RX", "市热线派单员", (Role.DISPATCHER,)),
        ("city-reviewer", f"{CITY}-MZ", "市民政局审批员", (Role.DEPARTMENT_REVIEWER,)),
        ("city-clerk", f"{CITY}-FW", "市政务中心窗口", (Role.WINDOW_CLERK,)),
        ("city-publisher", f"{CITY}-ZS", "市政府信息发布员", (Role.PUBLISHER,)),
    ]
    # Reviewers of the city departments that the demo's parallel-review items route to.
    for suffix, title in (
        ("SB", "市社保中心审批员"),
        ("GA", "市公安局审批员"),
        ("YB", "市医保局审批员"),
        ("SJ", "市市场监管局审批员"),
        ("SS", "市税务局审批员"),
        ("GJ", "市公积金中心审批员"),
    ):
        plan.append(
            (
                f"city-{suffix.lower()}-reviewer",
                f"{CITY}-{suffix}",
                title,
                (Role.DEPARTMENT_REVIEWER,),
            )
        )
    # Data stewards of the departments that own the exchange's resources (一网).
    for suffix, title in (
        ("GA", "市公安局数据管理员"),
        ("RS", "市人社局数据管理员"),
        ("SB", "市社保中心数据管理员"),
        ("MZ", "市民政局数据管理员"),
        ("SJ", "市市场监管局数据管理员"),
    ):
        plan.append(
            (f"city-{suffix.lower()}-steward", f"{CITY}-{suffix}", title, (Role.DATA_STEWARD,))
        )
    for prefix, code in DEMO_DISTRICTS.items():
        plan += [
            (f"{prefix}-admin", f"{code}-ZS", "区系统管理员", (Role.ADMINISTRATOR,)),
            (f"{prefix}-supervisor", f"{code}-ZS", "区电子监察员", (Role.SUPERVISOR,)),
            (f"{prefix}-steward", f"{code}-ZS", "区数据管理员", (Role.DATA_STEWARD,)),
            (f"{prefix}-operator", f"{code}-RX", "区热线话务员", (Role.HOTLINE_OPERATOR,)),
            (f"{prefix}-dispatcher", f"{code}-RX", "区热线派单员", (Role.DISPATCHER,)),
            (f"{prefix}-reviewer", f"{code}-MZ", "区民政局审批员", (Role.DEPARTMENT_REVIEWER,)),
            (f"{prefix}-rs-reviewer", f"{code}-RS", "区人社局审批员", (Role.DEPARTMENT_REVIEWER,)),
            (f"{prefix}-officer", f"{code}-CG", "区城管承办员", (Role.HANDLING_OFFICER,)),
            (f"{prefix}-clerk", f"{code}-FW", "区政务中心窗口", (Role.WINDOW_CLERK,)),
            (f"{prefix}-publisher", f"{code}-ZS", "区信息发布员", (Role.PUBLISHER,)),
        ]
        for n, street in enumerate(DEMO_STREETS[prefix], start=1):
            plan += [
                (f"{prefix}{n}-clerk", f"{street}-FW", "街道窗口人员", (Role.WINDOW_CLERK,)),
                (f"{prefix}{n}-inspector", f"{street}-JD", "网格员", (Role.GRID_INSPECTOR,)),
                (f"{prefix}{n}-officer", f"{street}-JD", "街道承办员", (Role.HANDLING_OFFICER,)),
                (f"{prefix}{n}-publisher", f"{street}-JD", "街道信息发布员", (Role.PUBLISHER,)),
            ]
    return plan


@transaction.atomic
def demo_staff_build(*, password_hash: str) -> list[DemoAccount]:
    """Staff for every role in the city and two districts, each with a confirmed TOTP device."""
    result = []
    for username, unit_code, title, roles in _staff_plan():
        unit = OrgUnit.objects.get(code=unit_code)
        account = Account.objects.filter(username=username).first()
        if account is None:
            account = services.staff_create(
                username=username,
                real_name=f"{title}（{unit.name}）" if len(title) < 6 else title,
                unit=unit,
                roles=list(roles),
                password_hash=password_hash,
                email=f"{username}@staff.cityhall.localhost",
            )
        device, _created = TOTPDevice.objects.get_or_create(
            user=account, name="demo", defaults={"key": _demo_totp_key(username), "confirmed": True}
        )
        result.append(
            DemoAccount(
                username, account.real_name, unit.name, roles, b32encode(device.bin_key).decode()
            )
        )
    return result
