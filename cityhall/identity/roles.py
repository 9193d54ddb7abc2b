"""Staff roles and what each may do. Checked in selectors and services, never only in templates."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    DEPARTMENT_REVIEWER = "department_reviewer", _("审批人员")
    HOTLINE_OPERATOR = "hotline_operator", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLING_OFFICER = "handling_officer", _("承办单位人员")
    GRID_INSPECTOR = "grid_inspector", _("网格员")
    DATA_STEWARD = "data_steward", _("数据管理员")
    SUPERVISOR = "supervisor", _("监察人员")
    ADMINISTRATOR = "administrator", _("系统管理员")
    PUBLISHER = "publisher", _("信息发布员")


class Capability(StrEnum):
    CITIZEN_LOOKUP = "citizen_lookup"
    STAFF_DIRECTORY = "staff_directory"
    GRID_VIEW = "grid_view"
    AUDIT_READ = "audit_read"
    ADMINISTER = "administer"
    PERSONAL_DATA_REVEAL = "personal_data_reveal"
    REGISTRY_READ = "registry_read"
    REGISTRY_WRITE = "registry_write"
    WINDOW_INTAKE = "window_intake"
    APPLICATION_REVIEW = "application_review"
    SUPERVISION = "supervision"
    HOTLINE_INTAKE = "hotline_intake"
    HOTLINE_HANDLE = "hotline_handle"
    GRID_PATROL = "grid_patrol"
    HOTLINE_ANALYSIS = "hotline_analysis"
    EXCHANGE_CATALOGUE = "exchange_catalogue"
    DATA_STEWARDSHIP = "data_stewardship"
    CROSSCHECK_FINDINGS = "crosscheck_findings"
    CARD_SERVICE = "card_service"
    INFORMATION_PUBLISH = "information_publish"
    PARTICIPATION_MANAGE = "participation_manage"
    MAILBOX_HANDLE = "mailbox_handle"


CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.CITIZEN_LOOKUP: frozenset(
        {
            Role.WINDOW_CLERK,
            Role.DEPARTMENT_REVIEWER,
            Role.HOTLINE_OPERATOR,
            Role.DISPATCHER,
            Role.SUPERVISOR,
            Role.ADMINISTRATOR,
        }
    ),
    Capability.STAFF_DIRECTORY: frozenset(Role.values),
    Capability.GRID_VIEW: frozenset(
        {
            Role.GRID_INSPECTOR,
            Role.DISPATCHER,
            Role.HOTLINE_OPERATOR,
            Role.SUPERVISOR,
            Role.ADMINISTRATOR,
        }
    ),
    Capability.AUDIT_READ: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    # Full ID and phone numbers, always with a stated purpose and an audit entry: the roles that
    # verify identity or decide on a person's case. Hotline staff and administrators work masked.
    Capability.PERSONAL_DATA_REVEAL: frozenset(
        {Role.WINDOW_CLERK, Role.DEPARTMENT_REVIEWER, Role.DATA_STEWARD, Role.SUPERVISOR}
    ),
    Capability.REGISTRY_READ: frozenset(
        {
            Role.WINDOW_CLERK,
            Role.DEPARTMENT_REVIEWER,
            Role.HOTLINE_OPERATOR,
            Role.DISPATCHER,
            Role.GRID_INSPECTOR,
            Role.DATA_STEWARD,
            Role.SUPERVISOR,
            Role.ADMINISTRATOR,
        }
    ),
    # Correcting facts and registering filings: stewards of department data, reviewers who
    # decide (e.g. the housing bureau's filing desk) and window clerks taking documents in.
    Capability.REGISTRY_WRITE: frozenset(
        {Role.DATA_STEWARD, Role.DEPARTMENT_REVIEWER, Role.WINDOW_CLERK}
    ),
    Capability.ADMINISTER: frozenset({Role.ADMINISTRATOR}),
    # 统一受理 at a service-centre window, including deciding instant items on the spot.
    Capability.WINDOW_INTAKE: frozenset({Role.WINDOW_CLERK}),
    # Claiming and deciding the tasks in one's own unit's inbox.
    Capability.APPLICATION_REVIEW: frozenset({Role.DEPARTMENT_REVIEWER}),
    # E-supervision cards, KPIs, rectifications and raters' identities.
    Capability.SUPERVISION: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    # 12345: taking calls and SMS in, calling reporters back (their number is shown, audited).
    Capability.HOTLINE_INTAKE: frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER}),
    # The queue of tickets held by one's unit: dispatch, sign, handle, return, extend.
    Capability.HOTLINE_HANDLE: frozenset(
        {Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.HANDLING_OFFICER}
    ),
    # The inspector's handheld pages: my grid's tasks and patrol reports.
    Capability.GRID_PATROL: frozenset({Role.GRID_INSPECTOR}),
    Capability.HOTLINE_ANALYSIS: frozenset(
        {Role.SUPERVISOR, Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.ADMINISTRATOR}
    ),
    # 一网: every member of staff may browse the catalogue of data resources.
    Capability.EXCHANGE_CATALOGUE: frozenset(Role.values),
    # A department's data steward: publishes its resources, registers its client systems, asks
    # for and decides grants, reads the access log of its resources, answers objections.
    Capability.DATA_STEWARDSHIP: frozenset({Role.DATA_STEWARD}),
    # Cross-check findings are cases for the responsible department to verify.
    Capability.CROSSCHECK_FINDINGS: frozenset(
        {Role.DATA_STEWARD, Role.DEPARTMENT_REVIEWER, Role.SUPERVISOR}
    ),
    # 一卡: window clerks issue social security cards, report them lost and reset PINs.
    Capability.CARD_SERVICE: frozenset({Role.WINDOW_CLERK}),
    # 信息公开: a unit's publisher publishes public information for the area the unit serves.
    Capability.INFORMATION_PUBLISH: frozenset({Role.PUBLISHER}),
    # 政民互动: the unit's publisher runs its consultations (drafts, moderation, the response
    # report), its surveys and, for a street or community office, its board.
    Capability.PARTICIPATION_MANAGE: frozenset({Role.PUBLISHER}),
    # 领导信箱: letters held by one's unit are assigned, answered and (with consent) published
    # by its publisher and its handling officers.
    Capability.MAILBOX_HANDLE: frozenset({Role.PUBLISHER, Role.HANDLING_OFFICER}),
}
