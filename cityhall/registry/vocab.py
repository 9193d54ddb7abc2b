"""Closed vocabularies of the registry (codes follow the national standards where one exists)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# GB/T 3304-1991 民族代码: 56 ethnic groups, plus 97 其他 and 98 外国血统中国籍人士.
ETHNICITIES: dict[str, str] = {
    f"{number:02d}": name
    for number, name in enumerate(
        [
            "汉族",
            "蒙古族",
            "回族",
            "藏族",
            "维吾尔族",
            "苗族",
            "彝族",
            "壮族",
            "布依族",
            "朝鲜族",
            "满族",
            "侗族",
            "瑶族",
            "白族",
            "土家族",
            "哈尼族",
            "哈萨克族",
            "傣族",
            "黎族",
            "傈僳族",
            "佤族",
            "畲族",
            "高山族",
            "拉祜族",
            "水族",
            "东乡族",
            "纳西族",
            "景颇族",
            "柯尔克孜族",
            "土族",
            "达斡尔族",
            "仫佬族",
            "羌族",
            "布朗族",
            "撒拉族",
            "毛南族",
            "仡佬族",
            "锡伯族",
            "阿昌族",
            "普米族",
            "塔吉克族",
            "怒族",
            "乌孜别克族",
            "俄罗斯族",
            "鄂温克族",
            "德昂族",
            "保安族",
            "裕固族",
            "京族",
            "塔塔尔族",
            "独龙族",
            "鄂伦春族",
            "赫哲族",
            "门巴族",
            "珞巴族",
            "基诺族",
        ],
        start=1,
    )
} | {"97": "其他", "98": "外国血统中国籍人士"}


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    PASSPORT = "passport", _("护照")


class PersonStatus(models.TextChoices):
    ALIVE = "alive", _("正常")
    DECEASED = "deceased", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("家庭户")
    COLLECTIVE = "collective", _("集体户")


class LegalPersonKind(models.TextChoices):
    COMPANY = "company", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")


class LegalPersonStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    REVOKED = "revoked", _("吊销")
    CANCELLED = "cancelled", _("注销")


class HouseUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    OFFICE = "office", _("办公")
    INDUSTRIAL = "industrial", _("工业")
    OTHER = "other", _("其他")


class ResidenceKind(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    FAMILY = "family", _("家庭成员")


class WageBand(models.TextChoices):
    # Declared monthly wage bands; the lowest sits below the city's minimum wage.
    BELOW_MINIMUM = "lt2500", _("2500 元以下")
    B2500_5000 = "2500_5000", _("2500–5000 元")
    B5000_10000 = "5000_10000", _("5000–10000 元")
    B10000_20000 = "10000_20000", _("10000–20000 元")
    ABOVE_20000 = "gt20000", _("20000 元以上")


class ContributionStatus(models.TextChoices):
    PAID = "paid", _("已缴费")
    ARREARS = "arrears", _("欠费")
    SUSPENDED = "suspended", _("暂停缴费")


class BenefitKind(models.TextChoices):
    # Paid monthly by the social insurance fund (unemployment, pension) or civil affairs
    # (subsistence allowance, 低保).
    UNEMPLOYMENT = "unemployment", _("失业保险金")
    SUBSISTENCE = "subsistence", _("最低生活保障金")
    PENSION = "pension", _("基本养老金")


class FilingStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    CANCELLED = "cancelled", _("已撤销")


class MortgageStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    RELEASED = "released", _("已注销")
