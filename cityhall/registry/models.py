"""The base registries (一库): persons, legal persons, houses, and the facts that link them.

Every fact row says which unit supplied it and when (`supplied_by`, `supplied_at`); every change
to a fact is kept in `FactChange`. Rows are written only by registry.services; other apps read
them through registry.selectors.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityhall.core.fields import EncryptedTextField
from cityhall.core.identifiers import validate_uscc
from cityhall.core.models import TimeStampedModel
from cityhall.geo.models import Grid
from cityhall.identity.models import Account, OrgUnit
from cityhall.registry.vocab import (
    BenefitKind,
    ContributionStatus,
    DocumentType,
    FilingStatus,
    HouseholdKind,
    HouseUse,
    LegalPersonKind,
    LegalPersonStatus,
    MortgageStatus,
    PersonStatus,
    Relation,
    ResidenceKind,
    WageBand,
)


class Fact(TimeStampedModel):
    """Provenance every registry fact carries."""

    # No index: nothing looks facts up by supplier, and every index slows city-scale imports.
    supplied_by = models.ForeignKey(
        OrgUnit,
        verbose_name=_("提供单位"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    supplied_at = models.DateTimeField(_("提供时间"))

    class Meta:
        abstract = True


class Household(Fact):
    number = models.CharField(_("户号"), max_length=20)
    kind = models.CharField(
        _("户别"), max_length=12, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY
    )
    hukou_division_code = models.CharField(_("户籍地区划代码"), max_length=12)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        # Unique constraints rather than unique=True: on PostgreSQL a unique CharField also
        # gets a LIKE twin index that exact keys never use (see ADR 0005).
        constraints = [models.UniqueConstraint(fields=["number"], name="household_number_key")]

    def __str__(self) -> str:
        return self.number


class Building(Fact):
    """A building of the 楼盘表, located in one responsibility grid."""

    code = models.CharField(_("楼栋编码"), max_length=24)
    name = models.CharField(_("楼栋名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    grid = models.ForeignKey(Grid, verbose_name=_("所在网格"), on_delete=models.PROTECT)
    floors = models.PositiveSmallIntegerField(_("地上层数"))
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["code"], name="building_code_key")]

    def __str__(self) -> str:
        return self.address


class BuildingUnit(Fact):
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="units"
    )
    number = models.CharField(_("单元号"), max_length=12)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_unique_in_building")
        ]

    def __str__(self) -> str:
        return f"{self.building}{self.number}"


class House(Fact):
    """A house (户室): the unit of ownership, residence, rental, sale filing and mortgage."""

    code = models.CharField(_("房屋编码"), max_length=40)
    unit = models.ForeignKey(
        BuildingUnit, verbose_name=_("单元"), on_delete=models.PROTECT, related_name="houses"
    )
    number = models.CharField(_("房号"), max_length=12)
    floor = models.SmallIntegerField(_("所在层"))
    use = models.CharField(_("用途"), max_length=12, choices=HouseUse.choices)
    area = models.DecimalField(_("建筑面积（㎡）"), max_digits=9, decimal_places=2)
    # The grid code of the building, kept here so scope filters need no joins.
    area_code = models.CharField(_("网格编码"), max_length=16)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        indexes = [
            models.Index(
                fields=["area_code"], name="house_area_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="house_code_key"),
            models.UniqueConstraint(fields=["unit", "number"], name="house_unique_in_unit"),
            models.CheckConstraint(condition=Q(area__gt=0), name="house_area_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class Person(Fact):
    """A natural person. The document number is sealed at rest and found by its blind index."""

    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    document_number = EncryptedTextField(_("证件号码"))
    # Blind index of "<type>:<number>"; for resident IDs the same index identity uses.
    document_index = models.CharField(max_length=64)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, blank=True)
    nationality = models.CharField(_("国籍"), max_length=3, default="CHN")
    hukou_division_code = models.CharField(_("户籍地区划代码"), max_length=12)
    current_house = models.ForeignKey(
        House,
        verbose_name=_("现住址"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_residents",
    )
    phone = EncryptedTextField(_("手机号码"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("人口状态"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.ALIVE
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("所在户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation_to_head = models.CharField(
        _("与户主关系"), max_length=12, choices=Relation.choices, blank=True
    )
    # Where the person is, for scope: the grid of the current house, else the registered
    # residence inside the city, else the city ("4401…" matches every city-level prefix).
    area_code = models.CharField(_("所属区域"), max_length=16)
    # Keyed digest of the supplied values: an import of an unchanged row changes nothing.
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")
        # Every index costs each imported row; these are the reads the product makes: exact
        # document and phone (blind indexes), name prefix in a scope, name prefix city-wide.
        indexes = [
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(
                fields=["area_code", "name"],
                name="person_area_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document_index"], name="person_document_key"),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation_to_head="head"),
                name="person_one_head_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LegalPerson(Fact):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=24, choices=LegalPersonKind.choices)
    legal_representative = models.ForeignKey(
        Person,
        verbose_name=_("法定代表人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represents",
    )
    registered_address = models.CharField(_("住所"), max_length=200)
    division_code = models.CharField(_("登记地区划代码"), max_length=12)
    industry = models.CharField(_("行业"), max_length=64)
    status = models.CharField(
        _("登记状态"),
        max_length=12,
        choices=LegalPersonStatus.choices,
        default=LegalPersonStatus.ACTIVE,
    )
    established_on = models.DateField(_("成立日期"))
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人")
        indexes = [
            models.Index(
                fields=["division_code"],
                name="legalperson_division_prefix",
                opclasses=["varchar_pattern_ops"],
            )
        ]
        constraints = [models.UniqueConstraint(fields=["uscc"], name="legalperson_uscc_key")]

    def __str__(self) -> str:
        return self.name


class Ownership(Fact):
    """A share of a house owned by a person or a legal person."""

    house = models.ForeignKey(
        House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="ownerships"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships"
    )
    legal_person = models.ForeignKey(
        LegalPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships"
    )
    share = models.DecimalField(_("份额（%）"), max_digits=5, decimal_places=2, default=100)
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("产权")
        verbose_name_plural = _("产权")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, legal_person__isnull=True)
                | Q(person__isnull=True, legal_person__isnull=False),
                name="ownership_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0, share__lte=100), name="ownership_share_range"
            ),
            # The import's upsert keys: one share per owner and start date.
            models.UniqueConstraint(
                fields=["house", "person", "since"],
                condition=Q(person__isnull=False),
                name="ownership_person_key",
            ),
            models.UniqueConstraint(
                fields=["house", "legal_person", "since"],
                condition=Q(legal_person__isnull=False),
                name="ownership_company_key",
            ),
        ]


class Residence(Fact):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="residences")
    kind = models.CharField(_("居住类型"), max_length=12, choices=ResidenceKind.choices)
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("居住登记")
        verbose_name_plural = _("居住登记")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "house", "since"], name="residence_unique_period_start"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="residence_period_order",
            ),
        ]


class RentalRegistration(Fact):
    """出租屋登记: a landlord lets a house to tenants for a period."""

    number = models.CharField(_("登记编号"), max_length=24, unique=True)
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="rentals")
    landlord = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="lettings")
    tenants = models.ManyToManyField(Person, related_name="tenancies", verbose_name=_("租户"))
    starts_on = models.DateField(_("起租日期"))
    ends_on = models.DateField(_("到期日期"))

    class Meta:
        verbose_name = _("出租屋登记")
        verbose_name_plural = _("出租屋登记")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="rental_period_order"
            )
        ]


class Employment(Fact):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    employer = models.ForeignKey(LegalPerson, on_delete=models.PROTECT, related_name="employees")
    since = models.DateField(_("入职日期"))
    until = models.DateField(_("离职日期"), null=True, blank=True)
    wage_band = models.CharField(_("申报月工资"), max_length=12, choices=WageBand.choices)

    class Meta:
        verbose_name = _("就业登记")
        verbose_name_plural = _("就业登记")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "employer", "since"], name="employment_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="employment_period_order",
            ),
        ]


class Contribution(Fact):
    """Social insurance contribution status of one person for one month."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contributions")
    month = models.DateField(_("缴费月份"))  # always the first day of the month
    employer = models.ForeignKey(
        LegalPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("缴费状态"), max_length=12, choices=ContributionStatus.choices)
    base = models.DecimalField(_("缴费基数"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("社保缴费")
        verbose_name_plural = _("社保缴费")
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="contribution_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="contribution_month_start"),
        ]


class Benefit(Fact):
    """A benefit paid to a person each month (the paying department is `supplied_by`)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="benefits")
    kind = models.CharField(_("待遇类别"), max_length=16, choices=BenefitKind.choices)
    monthly_amount = models.DecimalField(_("月发放金额（元）"), max_digits=9, decimal_places=2)
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("待遇发放")
        verbose_name_plural = _("待遇发放")
        # Cross-checks scan the benefits of one kind that are still being paid.
        indexes = [
            models.Index(
                fields=["kind", "person"], condition=Q(until__isnull=True), name="benefit_current"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "since"], name="benefit_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="benefit_period_order",
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__gt=0), name="benefit_amount_positive"
            ),
        ]


class SaleFiling(Fact):
    """商品房买卖合同网上备案. At most one active filing per house (a partial unique index)."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="sale_filings")
    contract_number = models.CharField(_("合同编号"), max_length=32, unique=True)
    buyers = models.ManyToManyField(Person, related_name="purchases", verbose_name=_("买受人"))
    price = models.DecimalField(_("成交价（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=12, choices=FilingStatus.choices, default=FilingStatus.ACTIVE
    )
    filed_at = models.DateTimeField(_("备案时间"))
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("网签备案")
        verbose_name_plural = _("网签备案")
        constraints = [
            models.UniqueConstraint(
                fields=["house"],
                condition=Q(status="active"),
                name="salefiling_one_active_per_house",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="salefiling_price_positive"),
        ]


class Mortgage(Fact):
    """抵押登记. At most one active first-rank mortgage per house (a partial unique index)."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="mortgages")
    certificate_number = models.CharField(_("登记证明号"), max_length=32, unique=True)
    rank = models.PositiveSmallIntegerField(_("抵押顺位"), default=1)
    mortgagee = models.CharField(_("抵押权人"), max_length=200)
    amount = models.DecimalField(_("债权数额（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=12, choices=MortgageStatus.choices, default=MortgageStatus.ACTIVE
    )
    registered_at = models.DateTimeField(_("登记时间"))
    released_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抵押登记")
        verbose_name_plural = _("抵押登记")
        constraints = [
            models.UniqueConstraint(
                fields=["house", "rank"],
                condition=Q(status="active"),
                name="mortgage_one_active_per_rank",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="mortgage_rank_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="mortgage_amount_positive"),
        ]


class FactChange(models.Model):
    """One changed field of one registry fact: old and new value, who, which unit, why, when.

    Values may be personal data, so both are sealed like the facts themselves.
    """

    fact_type = models.CharField(_("事实类型"), max_length=40)
    fact_id = models.BigIntegerField(_("事实编号"))
    field = models.CharField(_("字段"), max_length=40)
    old_value = EncryptedTextField(_("原值"), blank=True)
    new_value = EncryptedTextField(_("新值"), blank=True)
    changed_by = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplied_by = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("变更原因"), max_length=200)
    at = models.DateTimeField(_("变更时间"))
    import_batch = models.CharField(_("导入批次"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [models.Index(fields=["fact_type", "fact_id", "at"])]

    def __str__(self) -> str:
        return f"{self.fact_type}#{self.fact_id}.{self.field}"


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("核实无误")


class CorrectionRequest(TimeStampedModel):
    """A resident's report that a fact the registry holds about them is wrong (数据纠错).

    It goes to the unit that supplied the fact; that unit checks it, corrects the fact through
    its own registry screens if it is wrong, and answers the resident.
    """

    reporter = models.ForeignKey(
        Account, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("自然人"), on_delete=models.PROTECT, related_name="corrections"
    )
    fact_type = models.CharField(_("事实类型"), max_length=40)
    fact_id = models.BigIntegerField(_("事实编号"))
    fact_label = models.CharField(_("信息项"), max_length=60)
    field = models.CharField(_("字段"), max_length=60)
    recorded = models.CharField(_("登记内容"), max_length=200)
    proposed = models.CharField(_("应为"), max_length=200)
    explanation = models.TextField(_("说明"), blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("数据提供单位"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.OPEN,
        db_index=True,
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        Account,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据纠错")
        verbose_name_plural = _("数据纠错")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(answer=""), name="correction_answered_with_text"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fact_label}·{self.field}"
