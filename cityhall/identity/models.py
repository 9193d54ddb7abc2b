from datetime import date

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall.core.fields import EncryptedTextField
from cityhall.core.identifiers import validate_uscc
from cityhall.core.models import TimeStampedModel
from cityhall.geo.models import Division
from cityhall.identity.roles import Role


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("市直部门")
    DEPARTMENT_BRANCH = "department_branch", _("区级分局/部门")
    STREET_OFFICE = "street_office", _("街道办事处/镇政府")
    SERVICE_CENTRE = "service_centre", _("政务服务中心")
    HOTLINE_CENTRE = "hotline_centre", _("热线中心")
    UTILITY = "utility", _("公共服务企业")


class UnitLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")


class OrgUnit(TimeStampedModel):
    """A government organisation unit; its division is the area it serves and scopes its staff."""

    code = models.CharField(_("机构编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=24, choices=UnitKind.choices)
    level = models.CharField(_("层级"), max_length=16, choices=UnitLevel.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("市民")
    STAFF = "staff", _("工作人员")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class AccountManager(BaseUserManager["Account"]):
    def create_user(self, username: str, password: str | None = None, **extra: object) -> "Account":
        account = self.model(username=username, **extra)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(
        self, username: str, password: str | None = None, **extra: object
    ) -> "Account":
        extra.setdefault("kind", AccountKind.STAFF)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra)


class Account(AbstractBaseUser, PermissionsMixin):
    """A real-name account: a citizen (keyed by ID number) or a staff member of one unit."""

    username = models.CharField(_("登录名"), max_length=150, unique=True)
    kind = models.CharField(_("账户类型"), max_length=16, choices=AccountKind.choices)
    real_name = models.CharField(_("姓名"), max_length=64)
    # Personal data: encrypted at rest, found through keyed blind indexes.
    id_number = EncryptedTextField(_("证件号码"), blank=True)
    id_number_index = models.CharField(max_length=64, unique=True, null=True, blank=True)
    phone = EncryptedTextField(_("手机号码"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    home_division = models.ForeignKey(
        Division,
        verbose_name=_("居住社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    language = models.CharField(
        _("界面语言"),
        max_length=8,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    # Django admin access; granted with the administrator role, never on its own.
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    failed_signins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    first_failure_at = models.DateTimeField(_("首次失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["real_name"]

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="staff") | models.Q(unit__isnull=True),
                name="account_only_staff_belong_to_units",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="citizen", id_number_index__isnull=False)
                | models.Q(kind="staff"),
                name="account_citizen_has_id_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.username}）"

    @property
    def is_citizen(self) -> bool:
        return self.kind == AccountKind.CITIZEN

    @property
    def is_staff_member(self) -> bool:
        return self.kind == AccountKind.STAFF

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class StaffRole(models.Model):
    """A role held by a staff account; granted and revoked through services (audited)."""

    account = models.ForeignKey(
        Account, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("授予时间"), default=timezone.now)

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        constraints = [
            models.UniqueConstraint(fields=["account", "role"], name="staffrole_unique_per_account")
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class EnterpriseMandate(TimeStampedModel):
    """A citizen acting as agent (法人经办人) for an enterprise identified by its USCC."""

    agent = models.ForeignKey(
        Account, verbose_name=_("经办人"), on_delete=models.CASCADE, related_name="mandates"
    )
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, db_index=True, validators=[validate_uscc]
    )
    enterprise_name = models.CharField(_("企业名称"), max_length=200)
    valid_from = models.DateField(_("授权起始"), default=date.today)
    valid_until = models.DateField(_("授权截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业经办授权")
        verbose_name_plural = _("企业经办授权")
        constraints = [
            models.UniqueConstraint(fields=["agent", "uscc"], name="mandate_unique_agent_uscc")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name}（{self.uscc}）"


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    LOST = "lost", _("已挂失")
    CANCELLED = "cancelled", _("已注销")


class SocialSecurityCard(TimeStampedModel):
    """社会保障卡: the person's credential at kiosks and windows (card number + PIN).

    The PIN is kept only as a slow salted hash (Django's password hasher); too many wrong PINs
    lock the card until a window clerk resets the PIN. Reporting a card lost blocks it at once.
    """

    holder = models.ForeignKey(
        Account, verbose_name=_("持卡人"), on_delete=models.PROTECT, related_name="cards"
    )
    number = models.CharField(_("社会保障卡卡号"), max_length=9, unique=True)
    # The linked bank account is personal data: sealed at rest, shown by its last digits only.
    bank_account = EncryptedTextField(_("金融账户"), blank=True)
    bank_account_last4 = models.CharField(_("金融账户尾号"), max_length=4, blank=True)
    bank_name = models.CharField(_("合作银行"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    pin_hash = models.CharField(_("密码摘要"), max_length=128)
    failed_pins = models.PositiveSmallIntegerField(_("连续密码错误次数"), default=0)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("发卡时间"), default=timezone.now)
    issued_by = models.ForeignKey(
        OrgUnit,
        verbose_name=_("发卡机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("社会保障卡")
        verbose_name_plural = _("社会保障卡")
        ordering = ["-issued_at"]
        constraints = [
            # A person holds at most one card in use; a lost or cancelled one may stay on file.
            models.UniqueConstraint(
                fields=["holder"],
                condition=models.Q(status="active"),
                name="card_one_active_per_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "lost", "cancelled"]),
                name="card_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
