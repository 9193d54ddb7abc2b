"""The exchange benchmark's registry: persons, and the facts its cross-checks read.

Person i (id i + 1) is a pure function of i: any process rebuilds the ID number and the record
the gateway must answer. The facts (employers, jobs, contributions, benefits) are drawn at the
synthetic city's rates with planted cases and near misses whose outcome is known.
"""

import dataclasses
import io
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

import psycopg
from django.utils import timezone

from benchmarks.measure import line
from cityhall.core import crypto
from cityhall.core.identifiers import mod11_2_check, resident_id_parse, uscc_make
from cityhall.identity.selectors import id_number_index, phone_index
from cityhall.registry.models import Person
from cityhall.registry.validation import fingerprint
from cityhall.registry.vocab import DocumentType, PersonStatus

SEED = 20260301

# --------------------------------------------------------------------------------------------
# Persons: person i (id i + 1) is a pure function of i, so any process can rebuild the key and
# the record it expects.

DISTRICTS = (
    "440103",
    "440104",
    "440105",
    "440106",
    "440111",
    "440112",
    "440113",
    "440114",
    "440115",
    "440117",
    "440118",
)
BIRTH_FIRST = date(1940, 1, 1)
BIRTH_DAYS = 29_000  # births 1940-01-01 … 2019-05-26
DAY_STRIDE = 7919  # a prime not dividing BIRTH_DAYS: consecutive persons get distant birthdays
SURNAMES = "陈李黄张梁林刘吴罗何郑杨谢周冯邓曾彭叶苏蔡许卢潘朱钟赖郭麦庞"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建华",
    "志强",
    "嘉欣",
    "俊杰",
    "子轩",
    "梓涵",
    "浩然",
    "雨桐",
    "晓东",
    "丽萍",
    "国强",
    "美玲",
    "家豪",
    "诗琪",
    "文辉",
    "淑贞",
    "锦华",
    "少芬",
    "永康",
    "晓燕",
]
PERSON_COLUMNS = (
    "id, created_at, updated_at, supplied_at, document_type, document_number, document_index, "
    "name, gender, birth_date, ethnicity, nationality, hukou_division_code, phone, phone_index, "
    "status, relation_to_head, area_code, fingerprint, current_house_id, household_id, "
    "supplied_by_id"
)
CHUNK = 20_000
NULL = "\\N"  # COPY text format


def _mix(i: int) -> int:
    """A 32-bit hash of i (murmur3's finaliser): the person's stable pseudo-random bits."""
    h = (i * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def identity(i: int) -> tuple[str, date, int]:
    """District, birth date and sequence of person i's ID number (distinct for every i)."""
    rest, district = divmod(i, len(DISTRICTS))
    block, r = divmod(rest, BIRTH_DAYS)
    birth = BIRTH_FIRST + timedelta(days=r * DAY_STRIDE % BIRTH_DAYS)
    return DISTRICTS[district], birth, block * 2 + (_mix(i) & 1)


def id_number(i: int) -> str:
    district, birth, sequence = identity(i)
    body = f"{district}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return body + mod11_2_check(body)


def person_name(i: int) -> str:
    h = _mix(i)
    return SURNAMES[(h >> 1) % len(SURNAMES)] + GIVEN[(h >> 7) % len(GIVEN)]


def person_status(i: int) -> str:
    share = (_mix(i) >> 12) % 1000
    if share < 30:
        return PersonStatus.DECEASED
    return PersonStatus.MOVED_AWAY if share < 50 else PersonStatus.ALIVE


def expected_record(i: int) -> dict[str, str]:
    """The record the gateway must answer for person i (the granted fields)."""
    return {
        "name": person_name(i),
        "birth_date": identity(i)[1].isoformat(),
        "status": person_status(i),
    }


def _persons_chunk(job: tuple[int, int, int, str]) -> bytes:
    """COPY text of persons [start, stop): sealed numbers, blind indexes, fingerprints."""
    start, stop, supplied_by, now = job
    number_context = Person._meta.get_field("document_number").crypto_context
    phone_context = Person._meta.get_field("phone").crypto_context
    encrypt, today = crypto.encrypt, timezone.localdate()
    out = io.StringIO()
    for i in range(start, stop):
        district, birth, sequence = identity(i)
        number = id_number(i)
        if i % 10_000 == 0:  # the shortcut builds what the product would accept: check a sample
            parsed = resident_id_parse(number, today=today)
            assert (parsed.birth_date, parsed.division_code) == (birth, district), number
        h = _mix(i)
        name, status = person_name(i), person_status(i)
        gender = "M" if sequence % 2 else "F"
        ethnicity = "01" if h % 100 < 96 else "08"
        phone = f"13{h % 10}{i % 100_000_000:08d}" if birth.year < 2008 and h % 10 < 9 else ""
        values = (
            DocumentType.RESIDENT_ID,
            number,
            name,
            gender,
            birth,
            ethnicity,
            "CHN",
            district,
            phone,
            status,
            "",
            "",
            "",
        )
        out.write(
            f"{i + 1}\t{now}\t{now}\t{now}\t{DocumentType.RESIDENT_ID}\t"
            f"{encrypt(number, context=number_context)}\t{id_number_index(number)}\t{name}\t"
            f"{gender}\t{birth.isoformat()}\t{ethnicity}\tCHN\t{district}\t"
            f"{encrypt(phone, context=phone_context) if phone else ''}\t"
            f"{phone_index(phone) if phone else ''}\t{status}\t\t{district}\t"
            f"{fingerprint(*values)}\t\\N\t\\N\t{supplied_by}\n"
        )
    return out.getvalue().encode()


# The table's indexes and foreign keys, but its primary key: (kind, name, definition).
_DEFINITIONS = """
SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %(table)s::regclass AND contype IN ('u', 'f')
UNION ALL
SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %(table)s::regclass AND NOT i.indisprimary AND NOT EXISTS (
    SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
)
ORDER BY 1 DESC, 2
"""


def _copy(conninfo: str, table: str, columns: str, blocks: Iterable[bytes | str]) -> None:
    """COPY text blocks into an empty table in one transaction, its indexes and foreign keys
    dropped first and built again from their definitions at the end (PostgreSQL's advice for
    populating a table: one sort per index instead of a million inserts; the same schema
    afterwards, which is checked)."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(_DEFINITIONS, {"table": table})
        definitions = cursor.fetchall()
        for kind, name, _definition in definitions:
            if kind == "constraint":
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for block in blocks:
                copy.write(block)
        # Unique constraints and indexes first, the foreign keys (validated in one pass) last.
        for kind, name, definition in sorted(
            definitions, key=lambda d: d[2].startswith("FOREIGN KEY")
        ):
            if kind == "constraint":
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            else:
                cursor.execute(definition)
        cursor.execute(_DEFINITIONS, {"table": table})
        if cursor.fetchall() != definitions:
            raise AssertionError(f"{table}: indexes or constraints differ after the load")
        conn.commit()


def persons_load(conninfo: str, n: int, supplied_by: int) -> float:
    """Generate (two worker processes) and COPY n persons; seconds taken."""
    now = timezone.now().isoformat()
    jobs = [(start, min(start + CHUNK, n), supplied_by, now) for start in range(0, n, CHUNK)]
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(max(2, min(os.cpu_count() or 2, 4))) as pool:
        _copy(conninfo, Person._meta.db_table, PERSON_COLUMNS, pool.imap(_persons_chunk, jobs))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Person._meta.db_table, n]
        )
    return time.perf_counter() - started


def persons_check(n: int, rng: random.Random) -> None:
    """A sample read back through the ORM opens to the numbers and indexes generated."""
    sample = rng.sample(range(n), min(n, 2000))
    found = {p.pk: p for p in Person.objects.filter(pk__in=[i + 1 for i in sample])}
    bad = [
        i
        for i in sample
        if (p := found.get(i + 1)) is None
        or p.document_number != id_number(i)
        or p.document_index != id_number_index(id_number(i))
        or p.name != person_name(i)
        or p.status != person_status(i)
    ]
    line(
        "  outcome checked",
        f"{len(sample) - len(bad):,}/{len(sample):,}",
        "sampled persons open to their ID number, blind index, name and status",
    )
    if bad:
        raise AssertionError(f"persons load: {len(bad)} sampled rows differ (first: #{bad[0]})")


# --------------------------------------------------------------------------------------------
# Facts for the cross-checks: employers, jobs, contributions, benefits, with planted cases.
# Rates after the synthetic city (registry.synth.tables): 72 % of adults employed, wage bands
# 3/22/45/22/8 %, bases 4,600–23,000; 4 % of working-age adults without a job draw
# unemployment benefit; 65 % of the retired a pension; about 1 % subsistence allowance.

EMPLOYER_COLUMNS = (
    "id, created_at, updated_at, supplied_at, uscc, name, kind, registered_address, "
    "division_code, industry, status, established_on, fingerprint, supplied_by_id, "
    "legal_representative_id"
)
EMPLOYMENT_COLUMNS = (
    "created_at, updated_at, supplied_at, since, until, wage_band, supplied_by_id, employer_id, "
    "person_id"
)
CONTRIBUTION_COLUMNS = (
    "created_at, updated_at, supplied_at, month, status, base, supplied_by_id, employer_id, "
    "person_id"
)
BENEFIT_COLUMNS = (
    "created_at, updated_at, supplied_at, kind, monthly_amount, since, until, person_id, "
    "supplied_by_id"
)
WAGE_BANDS = (
    ("lt2500", 2100, 2500, 3),
    ("2500_5000", 2500, 5000, 22),
    ("5000_10000", 5000, 10000, 45),
    ("10000_20000", 10000, 20000, 22),
    ("gt20000", 20000, 50000, 8),
)
BASE_FLOOR, BASE_CAP = 4600, 23000
CONTRIBUTION_MONTHS = 6
PLANT_EVERY = 25  # every 25th candidate is a planted case, the 12th after it a near miss
TRADES = [
    "恒通",
    "粤海",
    "珠江",
    "华南",
    "新港",
    "天河",
    "羊城",
    "穗丰",
    "南方",
    "东山",
    "荔湾",
    "白云",
    "番禺",
    "黄埔",
    "增城",
    "花都",
]
INDUSTRIES = [
    "科技",
    "贸易",
    "物流",
    "餐饮",
    "建筑",
    "制造",
    "咨询",
    "物业",
    "电子",
    "医药",
    "印刷",
    "服装",
]


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def _months_back(period: date, count: int) -> list[date]:
    months = [period]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return months


def _month_end(period: date) -> date:
    return month_start(period + timedelta(days=32)) - timedelta(days=1)


@dataclasses.dataclass
class Planted:
    """What the cross-checks must find (person and legal-person ids), and the near misses."""

    period: date
    unemployment: set[int] = dataclasses.field(default_factory=set)
    deceased: set[int] = dataclasses.field(default_factory=set)
    arrears: set[int] = dataclasses.field(default_factory=set)
    near_misses: Counter[str] = dataclasses.field(default_factory=Counter)
    rows: Counter[str] = dataclasses.field(default_factory=Counter)


class Facts:
    """Generates the facts tables as COPY text, and the planted cases they hold."""

    def __init__(
        self, n: int, period: date, units: dict[str, int], high_base: int, arrears_months: int
    ) -> None:
        self.n, self.period, self.units = n, period, units
        self.end = _month_end(period)
        self.months = _months_back(period, CONTRIBUTION_MONTHS)  # newest first
        self.arrears_window = set(self.months[:arrears_months])
        self.high_base = high_base
        self.rng = random.Random(SEED + 7)
        self.now = timezone.now().isoformat()
        self.planted = Planted(period)
        self.employers = max(100, n // 40)
        self.out = {
            table: io.StringIO() for table in ("employer", "employment", "contribution", "benefit")
        }
        # Employer j (id j + 1): 2 % revoked, 2 % cancelled; of the active ones 1 % closed (all
        # their jobs ended before the month) and 1.5 % owing contributions.
        self.status: list[str] = []
        self.closed: set[int] = set()
        self.owing: set[int] = set()
        self.active: list[int] = []
        self.arrears_rows: Counter[int] = Counter()
        self.staff: Counter[int] = Counter()  # jobs in force on the last day of the month
        self.beneficiaries = 0
        self.deceased_seniors = 0

    # -- rows

    def _employment(
        self, person: int, employer: int, since: date, until: date | None, band: str
    ) -> None:
        if until is None or until >= self.end:
            self.staff[employer] += 1
        self.out["employment"].write(
            f"{self.now}\t{self.now}\t{self.now}\t{since}\t{until or NULL}\t{band}\t"
            f"{self.units['RS']}\t{employer + 1}\t{person + 1}\n"
        )
        self.planted.rows["employment"] += 1

    def _contribution(
        self, person: int, month: date, status: str, base: int, employer: int | None
    ) -> None:
        self.out["contribution"].write(
            f"{self.now}\t{self.now}\t{self.now}\t{month}\t{status}\t{base}.00\t"
            f"{self.units['SB']}\t{NULL if employer is None else employer + 1}\t{person + 1}\n"
        )
        self.planted.rows["contribution"] += 1

    def _benefit(self, person: int, kind: str, amount: int, since: date, until: date | None):
        payer = self.units["MZ" if kind == "subsistence" else "SB"]
        self.out["benefit"].write(
            f"{self.now}\t{self.now}\t{self.now}\t{kind}\t{amount}.00\t{since}\t"
            f"{until or NULL}\t{person + 1}\t{payer}\n"
        )
        self.planted.rows["benefit"] += 1

    # -- employers

    def employers_write(self) -> None:
        rng = self.rng
        for j in range(self.employers):
            share = rng.random()
            status = "revoked" if share < 0.02 else "cancelled" if share < 0.04 else "active"
            self.status.append(status)
            if status == "active":
                if rng.random() < 0.01:
                    self.closed.add(j)
                else:
                    self.active.append(j)
                    if rng.random() < 0.015:
                        self.owing.add(j)
            district = DISTRICTS[j % len(DISTRICTS)]
            uscc = uscc_make(
                authority="9", category="1", division_code=district, organisation_code=f"{j:09d}"
            )
            name = f"广州市{TRADES[j % len(TRADES)]}{INDUSTRIES[j % len(INDUSTRIES)]}有限公司{j}"
            industry = INDUSTRIES[j % len(INDUSTRIES)]
            established = date(1995, 1, 1) + timedelta(days=j * 37 % 10_000)
            address = f"广州市某区某路{j % 900 + 1}号"
            digest = fingerprint(
                uscc, name, "company", "", address, district, industry, status, established
            )
            self.out["employer"].write(
                f"{j + 1}\t{self.now}\t{self.now}\t{self.now}\t{uscc}\t{name}\tcompany\t"
                f"{address}\t{district}\t{industry}\t{status}\t{established}\t{digest}\t"
                f"{self.units['SJ']}\t\\N\n"
            )
        self.planted.rows["employer"] = self.employers

    # -- persons

    def _band(self) -> tuple[str, int]:
        pick = self.rng.random() * 100
        for band, low, high, share in WAGE_BANDS:
            if pick < share:
                wage = self.rng.randint(low, high)
                return band, min(max(wage, BASE_FLOOR), BASE_CAP)
            pick -= share
        return WAGE_BANDS[-1][0], BASE_CAP

    def _contributions(self, person: int, employer: int, since: date, until: date | None, base):
        """Monthly contributions for the months of the window the job covers."""
        rng, inactive = self.rng, self.status[employer] != "active"
        for month in self.months:
            if month < month_start(since) or (until is not None and month > until):
                continue
            status = "paid"
            if inactive and rng.random() < 0.4:
                status = "arrears"
                self.planted.near_misses["arrears at a revoked or cancelled employer"] += 1
            elif employer in self.closed and rng.random() < 0.5:
                status = "arrears"
                self.planted.near_misses["arrears at an employer with no staff left"] += 1
            elif employer in self.owing and month in self.arrears_window and rng.random() < 0.25:
                status = "arrears"
                self.arrears_rows[employer] += 1
            elif month not in self.arrears_window and rng.random() < 0.002:
                status = "arrears"
                self.planted.near_misses["arrears older than the window"] += 1
            elif rng.random() < 0.003:
                status = "suspended"
            self._contribution(person, month, status, base, employer)

    def _worker(self, i: int, birth: date) -> None:
        rng = self.rng
        employer = rng.randrange(self.employers)
        band, base = self._band()
        adult = _years_after(birth, 18)
        if rng.random() < 0.25:  # an earlier job
            earlier = rng.randrange(self.employers)
            since = max(adult, self.period - timedelta(days=rng.randint(4000, 7000)))
            ended = since + timedelta(days=rng.randint(100, 2000))
            if ended < self.period - timedelta(days=3700) and earlier != employer:
                self._employment(i, earlier, since, ended, self._band()[0])
        since = max(adult, self.period - timedelta(days=rng.randint(40, 3650)))
        until: date | None = None
        if employer in self.closed:  # every job there ended before the month's last day
            ended = self.end - timedelta(days=rng.randint(20, 60))
            since, until = min(since, ended - timedelta(days=1)), ended
        self._employment(i, employer, since, until, band)
        self._contributions(i, employer, since, until, base)

    def _beneficiary(self, i: int) -> None:
        """An unemployed person drawing unemployment benefit; every PLANT_EVERY-th a case."""
        rng, period, end = self.rng, self.period, self.end
        number = self.beneficiaries
        self.beneficiaries += 1
        amount = rng.randint(1800, 2000)
        since = period - timedelta(days=rng.randint(0, 300))
        previous = rng.choice(self.active)
        kind = number % PLANT_EVERY
        if kind == PLANT_EVERY // 2:  # near misses, in turn
            miss = number // PLANT_EVERY % 3
            if miss == 0:  # benefit from mid-month, high base paid by the job it replaces
                since = period + timedelta(days=14)
                self._employment(
                    i, previous, since - timedelta(days=900), since - timedelta(1), "5000_10000"
                )
                self._contribution(i, period, "paid", self.high_base + 2000, previous)
                self.planted.near_misses["benefit from mid-month, high base that month"] += 1
            elif miss == 1:  # a paid contribution below the threshold
                self._contribution(i, period, "paid", self.high_base - 1000, previous)
                self.planted.near_misses["contribution below the high base"] += 1
            else:  # a high-wage job that ended the day before the benefit
                self._employment(
                    i, previous, since - timedelta(days=700), since - timedelta(1), "gt20000"
                )
                self.planted.near_misses["high-wage job ended before the benefit"] += 1
            self._benefit(i, "unemployment", amount, since, None)
            return
        self._benefit(i, "unemployment", amount, since, None)
        if kind != 0:  # the ordinary case: the job before the benefit, contributions until then
            started = since - timedelta(days=rng.randint(200, 3000))
            band, base = self._band()
            self._employment(i, previous, started, since - timedelta(days=1), band)
            self._contributions(i, previous, started, since - timedelta(days=1), base)
            return
        plant = number // PLANT_EVERY % 3
        employer = rng.choice(self.active)
        if plant in (0, 2):  # a paid contribution for the month on a high base
            base = rng.randint(self.high_base, BASE_CAP)
            self._contribution(i, period, "paid", base, employer)
        if plant in (1, 2):  # a high-wage job that started during the benefit
            started = min(end, max(since, period) + timedelta(days=rng.randint(0, 20)))
            self._employment(i, employer, started, None, rng.choice(("10000_20000", "gt20000")))
        self.planted.unemployment.add(i + 1)

    def _pensioner(self, i: int, birth: date, died: date | None) -> None:
        rng = self.rng
        since = max(_years_after(birth, 60), date(2000, 1, 1))
        if died is None:
            if since <= self.end and rng.random() < 0.65:
                self._benefit(i, "pension", rng.randint(2000, 6000), since, None)
            if rng.random() < 0.011:
                self._benefit(i, "subsistence", 1200, max(since, date(2015, 1, 1)), None)
            return
        if since > died:
            return
        number = self.deceased_seniors
        self.deceased_seniors += 1
        amount = rng.randint(2000, 6000)
        if number % PLANT_EVERY == 0:
            # Still paid: open-ended, or ending within the month (still paid in it).
            until = None if number // PLANT_EVERY % 4 else self.period + timedelta(days=9)
            self._benefit(i, "pension", amount, since, until)
            if number // PLANT_EVERY % 3 == 0:
                self._benefit(i, "subsistence", 1200, max(since, date(2015, 1, 1)), None)
            self.planted.deceased.add(i + 1)
        elif number % PLANT_EVERY == PLANT_EVERY // 2:
            self._benefit(i, "pension", amount, since, self.period - timedelta(days=1))
            self.planted.near_misses["benefit ended the day before the month"] += 1
        else:
            self._benefit(i, "pension", amount, since, died)  # stopped at death: no case

    def persons_write(self) -> None:
        rng, period = self.rng, self.period
        for i in range(self.n):
            _district, birth, _sequence = identity(i)
            age = (period - birth).days / 365.25
            status = person_status(i)
            if status == PersonStatus.DECEASED:
                if age >= 60:
                    died = period - timedelta(days=rng.randint(1, 3000))
                    self._pensioner(i, birth, max(died, birth + timedelta(days=1)))
                continue
            if status != PersonStatus.ALIVE:
                continue
            if age >= 60:
                self._pensioner(i, birth, None)
            elif age >= 18:
                pick = rng.random()
                if pick < 0.72:
                    self._worker(i, birth)
                elif pick < 0.72 + 0.28 * 0.04:
                    self._beneficiary(i)
                elif rng.random() < 0.01:
                    self._benefit(i, "subsistence", 1200, date(2020, 1, 1), None)
        self.planted.arrears = {
            j + 1
            for j, rows in self.arrears_rows.items()
            if rows and self.staff[j] and j in self.owing
        }


def facts_load(
    conninfo: str, n: int, period: date, units: dict[str, int], high_base: int, months: int
) -> tuple[Planted, float]:
    """Generate and COPY the facts tables; the planted cases and the seconds taken."""
    started = time.perf_counter()
    facts = Facts(n, period, units, high_base, months)
    facts.employers_write()
    facts.persons_write()
    generated = time.perf_counter() - started
    for table, columns in (
        ("employer", EMPLOYER_COLUMNS),
        ("employment", EMPLOYMENT_COLUMNS),
        ("contribution", CONTRIBUTION_COLUMNS),
        ("benefit", BENEFIT_COLUMNS),
    ):
        text = facts.out[table].getvalue()
        name = "registry_legalperson" if table == "employer" else f"registry_{table}"
        step = 8 << 20
        _copy(conninfo, name, columns, (text[k : k + step] for k in range(0, len(text), step)))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('registry_legalperson', 'id'), %s)",
            [facts.employers],
        )
    facts.planted.rows["generation seconds"] = round(generated)
    return facts.planted, time.perf_counter() - started
