"""Closed vocabularies of the exchange (一网): sensitivity, sharing, purposes, statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    PERSONAL = "personal", _("个人信息")
    SENSITIVE = "sensitive", _("敏感个人信息")


class SharingType(models.TextChoices):
    # After the national catalogue rules (政务信息资源共享管理暂行办法): 无条件 / 有条件 / 不予共享.
    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NOT_SHARED = "not_shared", _("不予共享")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class KeyKind(models.TextChoices):
    """What a resource is looked up by (aggregates are downloaded whole, never looked up)."""

    PERSON = "person", _("公民身份号码")
    LEGAL_PERSON = "legal_person", _("统一社会信用代码")
    AGGREGATE = "aggregate", _("统计汇总（无个人数据）")


class Purpose(models.TextChoices):
    """Why a department reads someone's data; each query states one, and its grant must allow it."""

    SERVICE_APPLICATION = "service_application", _("政务服务事项办理")
    HOTLINE_HANDLING = "hotline_handling", _("热线工单办理")
    BENEFIT_ELIGIBILITY = "benefit_eligibility", _("社会救助与待遇资格审核")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险征缴与稽核")
    MARKET_SUPERVISION = "market_supervision", _("市场主体监管")
    TAX_ADMINISTRATION = "tax_administration", _("税收征管")
    HOUSING_ADMINISTRATION = "housing_administration", _("住房保障与房屋管理")
    CROSS_CHECK = "cross_check", _("跨部门数据比对")
    INVESTIGATION = "investigation", _("依法侦查调查")


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    REVOKED = "revoked", _("已撤销")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    SUSPENDED = "suspended", _("停用")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class CrossCheckRule(models.TextChoices):
    UNEMPLOYMENT_WHILE_EMPLOYED = "unemployment_while_employed", _("领取失业保险金期间高薪参保")
    CONTRIBUTION_ARREARS = "contribution_arrears", _("有在职职工但欠缴社保")
    DECEASED_RECEIVING = "deceased_receiving", _("死亡人员仍在领取待遇")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    CONFIRMED = "confirmed", _("核实属实")
    DISMISSED = "dismissed", _("核实不属实")
