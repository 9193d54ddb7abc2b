"""Dispatch and handling: 派单, 签收, 办理, 退单, 延期, 办结, 回访, 重办, 归档, 合并.

Every function locks the ticket row, checks who may act (the unit holding the ticket, in the
right role), changes it through `transitions`, and tells whoever must know.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, time

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.core.calendar import add_working_days
from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.core.links import public_url
from cityhall.hotline.models import (
    Callback,
    Category,
    Channel,
    Escalation,
    EscalationKind,
    ExtensionRequest,
    ExtensionStatus,
    InspectorGrid,
    Satisfaction,
    Status,
    Ticket,
)
from cityhall.hotline.services.notices import reporter_tell, unit_tell
from cityhall.hotline.services.places import (
    Place,
    dispatch_targets_allowed,
    is_centre,
    next_hop,
    route_unit,
)
from cityhall.hotline.services.rules import deadline_for, photos_check, photos_save
from cityhall.hotline.transitions import event_record, transition
from cityhall.identity.models import Account, AccountKind, OrgUnit, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.selectors import account_roles

REASON_MIN = 4
MAX_EXTENSION_DAYS = 30
RETURN_REASONS = {
    "wrong_locality": gettext_lazy("非本辖区"),
    "not_remit": gettext_lazy("非本单位职责"),
    "duplicate": gettext_lazy("重复工单"),
    "insufficient": gettext_lazy("诉求信息不全"),
}


def _source_text(label: object) -> str:
    # A record keeps the reason in the source language, whoever's session wrote it.
    with translation.override("zh-hans"):
        return str(label)


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("holder__division", "category", "reporter", "dispatched_by_unit")
        .get(pk=ticket.pk)
    )


def _require(actor: Account, unit: OrgUnit | None, roles: Iterable[str]) -> None:
    """The actor works at `unit` in one of `roles`; else the ticket is not theirs to act on."""
    if actor.kind != AccountKind.STAFF or unit is None or actor.unit_id != unit.pk:
        raise PermissionDeniedError(_("该工单不在您单位的办理范围内"))
    if not account_roles(actor) & set(roles):
        raise PermissionDeniedError(_("您的岗位无权执行此操作"))


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) < REASON_MIN:
        raise DomainError(
            _("请填写%(what)s（至少 %(n)s 个字）") % {"what": what, "n": REASON_MIN},
            code="reason_required",
        )
    return text[:1000]


def dispatch_record(
    *, ticket: Ticket, to: OrgUnit, by: Account | None, from_unit: OrgUnit, note: str = ""
) -> None:
    """Move a (locked) ticket from a centre to the next unit down and tell that unit."""
    transition(ticket=ticket, to=Status.DISPATCHED, action="dispatch", actor=by, unit=to, note=note)
    ticket.holder = to
    ticket.dispatched_by_unit = from_unit
    ticket.dispatched_at = timezone.now()
    ticket.inspector = None
    # No message per ticket: the unit's queue is where new work shows (at a city's volume an
    # inbox message per dispatch would bury the returns, extensions and escalations that need
    # a person's attention).


@transaction.atomic
def ticket_dispatch(*, ticket: Ticket, to: OrgUnit, by: Account, note: str = "") -> Ticket:
    """A centre's dispatcher sends the ticket one level down (or to a city unit)."""
    ticket = _locked(ticket)
    _require(by, ticket.holder, [Role.DISPATCHER, Role.HOTLINE_OPERATOR])
    if not is_centre(ticket.holder):
        raise DomainError(_("只有热线中心可以派单"), code="not_a_centre")
    if not dispatch_targets_allowed(centre=ticket.holder, target=to):
        raise DomainError(
            _("%(centre)s不能直接派单给%(unit)s") % {"centre": ticket.holder, "unit": to},
            code="dispatch_not_allowed",
        )
    dispatch_record(ticket=ticket, to=to, by=by, from_unit=ticket.holder, note=note.strip())
    ticket.save()
    return ticket


def ticket_dispatch_bulk(*, tickets: Sequence[Ticket], by: Account) -> tuple[int, list[str]]:
    """Send each ticket to its suggested next unit; returns (dispatched, problems by number)."""
    done, problems = 0, []
    for ticket in tickets:
        target = dispatch_suggestion(ticket=ticket)
        try:
            if target is None:
                raise DomainError(_("没有可用的派单建议，请手动派单"))
            ticket_dispatch(ticket=ticket, to=target, by=by)
            done += 1
        except DomainError as exc:
            problems.append(f"{ticket.tracking_number}：{exc.message}")
    return done, problems


def dispatch_suggestion(*, ticket: Ticket) -> OrgUnit | None:
    """Where the holding centre should send the ticket next, following its route."""
    if not is_centre(ticket.holder):
        return None
    return next_hop(centre=ticket.holder, routed=ticket.routed_unit, district_id=ticket.district_id)


@transaction.atomic
def ticket_reclassify(
    *, ticket: Ticket, category: Category, by: Account, kind: str = "", note: str = ""
) -> Ticket:
    """A centre corrects the category (and type); the route follows. The corrected category is
    what the classifier learns from."""
    ticket = _locked(ticket)
    _require(by, ticket.holder, [Role.DISPATCHER, Role.HOTLINE_OPERATOR])
    if ticket.status not in (Status.RECEIVED, Status.RETURNED):
        raise DomainError(_("工单已派出，只有在中心时才能改分类"), code="not_at_centre")
    before = ticket.category
    ticket.category = category
    if kind:
        ticket.kind = kind
    place = Place(street_id=ticket.street_id, district_id=ticket.district_id)
    ticket.routed_unit = route_unit(category=category, place=place)
    event_record(
        ticket=ticket,
        action="reclassify",
        actor=by,
        unit=ticket.holder,
        note=f"{before.code} → {category.code} {note}".strip(),
        public=False,
    )
    ticket.save()
    return ticket


@transaction.atomic
def ticket_accept(*, ticket: Ticket, by: Account) -> Ticket:
    """签收: the handling unit takes responsibility."""
    ticket = _locked(ticket)
    _require(by, ticket.holder, [Role.HANDLING_OFFICER])
    if is_centre(ticket.holder):
        raise DomainError(_("热线中心不签收工单，请派单"), code="centre_cannot_accept")
    transition(ticket=ticket, to=Status.ACCEPTED, action="accept", actor=by, unit=ticket.holder)
    ticket.accepted_at = timezone.now()
    ticket.save()
    return ticket


def _handler_check(ticket: Ticket, by: Account) -> None:
    """The holding unit's officer, or the grid inspector the ticket is assigned to."""
    if ticket.inspector_id is not None and ticket.inspector_id == by.pk:
        return
    _require(by, ticket.holder, [Role.HANDLING_OFFICER])


@transaction.atomic
def ticket_assign_inspector(*, ticket: Ticket, inspector: Account, by: Account) -> Ticket:
    """A street office hands the ticket to one of its grid inspectors."""
    ticket = _locked(ticket)
    _require(by, ticket.holder, [Role.HANDLING_OFFICER])
    if ticket.holder.level != UnitLevel.STREET:
        raise DomainError(_("只有街道可以指派网格员"), code="not_a_street")
    if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED):
        raise DomainError(_("请先签收工单再指派网格员"), code="not_accepted")
    if inspector.unit_id != ticket.holder.pk or Role.GRID_INSPECTOR not in account_roles(inspector):
        raise DomainError(_("只能指派本街道的网格员"), code="not_our_inspector")
    ticket.inspector = inspector
    event_record(
        ticket=ticket, action="assign", actor=by, unit=ticket.holder, note=inspector.real_name
    )
    ticket.save()
    return ticket


def inspector_for_grid(*, ticket: Ticket) -> Account | None:
    """The inspector who walks the ticket's grid, to propose when assigning."""
    if not ticket.grid_code:
        return None
    link = (
        InspectorGrid.objects.filter(grid__code=ticket.grid_code, inspector__is_active=True)
        .select_related("inspector")
        .order_by("inspector__username")
        .first()
    )
    return link.inspector if link else None


@transaction.atomic
def ticket_start(*, ticket: Ticket, by: Account) -> Ticket:
    """办理: work has started on the spot (or again, after 重办)."""
    ticket = _locked(ticket)
    _handler_check(ticket, by)
    transition(ticket=ticket, to=Status.IN_PROGRESS, action="start", actor=by, unit=ticket.holder)
    ticket.save()
    return ticket


@transaction.atomic
def ticket_photos_add(
    *, ticket: Ticket, photos: Sequence[UploadedFile], phase: str, by: Account
) -> Ticket:
    """Photos before or after the work, by whoever is handling it."""
    ticket = _locked(ticket)
    _handler_check(ticket, by)
    if not ticket.is_open:
        raise DomainError(_("工单已办结，不能再上传照片"), code="ticket_finished")
    rows = photos_check(photos)
    if rows:
        photos_save(ticket=ticket, rows=rows, uploads=photos, phase=phase, by=by)
        event_record(ticket=ticket, action="photo", actor=by, unit=ticket.holder, note=phase)
    return ticket


def _resolved_tell(ticket: Ticket, note: str) -> None:
    """The result to the reporter, with a link to rate it (an SMS needs the full address), and
    to the reporters of merged duplicates (the rating is the master reporter's to give)."""
    survey = public_url(reverse("hotline:survey", args=[ticket.survey_token]))
    reporter_tell(
        ticket=ticket,
        template="hotline_status",
        context={"status": Status.RESOLVED.label, "note": note, "survey_url": survey},
    )
    for each in ticket.duplicates.select_related("reporter", "category"):
        reporter_tell(
            ticket=each,
            template="hotline_status",
            context={"status": Status.RESOLVED.label, "note": note},
        )


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, result: str, by: Account) -> Ticket:
    """办结 with the result told to the reporter (and to the reporters of merged duplicates)."""
    ticket = _locked(ticket)
    if is_centre(ticket.holder):
        # The hotline answers consultations itself (热线直办).
        _require(by, ticket.holder, [Role.HOTLINE_OPERATOR, Role.DISPATCHER])
    else:
        _handler_check(ticket, by)
    result = _reason(result, _("办理结果"))
    transition(
        ticket=ticket,
        to=Status.RESOLVED,
        action="resolve",
        actor=by,
        unit=ticket.holder,
        note=result,
    )
    ticket.result = result
    ticket.resolved_at = timezone.now()
    ticket.save()
    _resolved_tell(ticket, result)
    return ticket


@transaction.atomic
def ticket_return(*, ticket: Ticket, reason_code: str, note: str, by: Account) -> Ticket:
    """退单: not ours (wrong place, not our remit); back to the centre that sent it."""
    ticket = _locked(ticket)
    sender = ticket.dispatched_by_unit
    if ticket.status not in (Status.DISPATCHED, Status.ACCEPTED) or sender is None:
        raise DomainError(_("只有派来的未办理工单可以退回"), code="transition_not_allowed")
    roles = [Role.DISPATCHER] if is_centre(ticket.holder) else [Role.HANDLING_OFFICER]
    _require(by, ticket.holder, roles)
    if reason_code not in RETURN_REASONS:
        raise DomainError(_("请选择退单原因"), code="reason_required")
    note = _reason(note, _("退单说明"))
    returned_from = ticket.holder
    transition(
        ticket=ticket,
        to=Status.RETURNED,
        action="return",
        actor=by,
        unit=sender,
        note=f"{_source_text(RETURN_REASONS[reason_code])}：{note}",
    )
    ticket.holder = sender
    ticket.inspector = None
    ticket.return_count += 1
    # Who sent it to the centre it returns to is in the history; a centre re-routes anyway.
    ticket.dispatched_by_unit = None
    ticket.save()
    unit_tell(
        ticket=ticket,
        unit=sender,
        template="hotline_unit",
        context={"what": _("被%(unit)s退回") % {"unit": returned_from.name}, "note": note},
        dedupe_key=f"hotline-return-{ticket.pk}-{ticket.return_count}",
    )
    return ticket


@transaction.atomic
def extension_request(*, ticket: Ticket, days: int, reason: str, by: Account) -> ExtensionRequest:
    """延期: asked before the deadline, by the handling unit, for a number of working days."""
    ticket = _locked(ticket)
    _require(by, ticket.holder, [Role.HANDLING_OFFICER])
    if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED):
        raise DomainError(_("请先签收工单"), code="not_accepted")
    if timezone.now() >= ticket.deadline:
        raise DomainError(_("已超过办理时限，不能再申请延期"), code="deadline_passed")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise DomainError(
            _("延期天数须在 1 到 %(n)s 个工作日之间") % {"n": MAX_EXTENSION_DAYS},
            code="invalid_days",
        )
    if ticket.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise DomainError(_("已有待审批的延期申请"), code="extension_pending")
    approver = _extension_approver(ticket)
    request = ExtensionRequest.objects.create(
        ticket=ticket,
        unit=ticket.holder,
        requested_by=by,
        requested_at=timezone.now(),
        days=days,
        reason=_reason(reason, _("延期理由")),
        old_deadline=ticket.deadline,
    )
    event_record(
        ticket=ticket,
        action="extension_request",
        actor=by,
        unit=ticket.holder,
        note=f"+{days}：{request.reason}",
        public=False,
    )
    unit_tell(
        ticket=ticket,
        unit=approver,
        template="hotline_unit",
        context={"what": _("申请延期 %(n)s 个工作日") % {"n": days}, "note": request.reason},
        dedupe_key=f"hotline-extension-{request.pk}",
    )
    return request


def _extension_approver(ticket: Ticket) -> OrgUnit:
    """The centre that dispatched the ticket to its holder (found in the history)."""
    if ticket.dispatched_by_unit is not None:
        return ticket.dispatched_by_unit
    raise DomainError(_("找不到派单中心，无法申请延期"), code="no_dispatcher")


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, approve: bool, note: str, by: Account
) -> ExtensionRequest:
    """The dispatching centre approves (the deadline moves, the reporter is told) or refuses."""
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    ticket = _locked(request.ticket)
    _require(by, ticket.dispatched_by_unit, [Role.DISPATCHER])
    if request.status != ExtensionStatus.PENDING:
        raise DomainError(_("该延期申请已处理"), code="already_decided")
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:1000] if approve else _reason(note, _("不批准理由"))
    if approve:
        base = timezone.localtime(ticket.deadline).date()
        new_day = add_working_days(base, request.days)
        ticket.deadline = timezone.make_aware(datetime.combine(new_day, time(23, 59, 59)))
        ticket.extension_count += 1
        request.new_deadline = ticket.deadline
        ticket.save()
    request.save()
    event_record(
        ticket=ticket,
        action="extension_approved" if approve else "extension_rejected",
        actor=by,
        unit=ticket.dispatched_by_unit,
        note=request.decision_note,
    )
    if approve:
        reporter_tell(
            ticket=ticket,
            template="hotline_status",
            context={
                "status": _("延期办理"),
                "note": _("办理时限延至 %(day)s：%(reason)s")
                % {
                    "day": f"{timezone.localtime(ticket.deadline):%Y-%m-%d}",
                    "reason": request.reason,
                },
            },
        )
    unit_tell(
        ticket=ticket,
        unit=request.unit,
        template="hotline_unit",
        context={
            "what": _("延期已批准") if approve else _("延期未批准"),
            "note": request.decision_note,
        },
        dedupe_key=f"hotline-extension-decided-{request.pk}",
    )
    return request


def _callback_allowed(ticket: Ticket, by: Account | None) -> None:
    if by is None:
        return  # the reporter's own SMS survey answer, checked by its secret token
    if by.kind != AccountKind.STAFF or by.unit is None or not is_centre(by.unit):
        raise PermissionDeniedError(_("回访由热线中心进行"))
    if not account_roles(by) & {Role.HOTLINE_OPERATOR, Role.DISPATCHER}:
        raise PermissionDeniedError(_("您的岗位无权执行此操作"))


@transaction.atomic
def ticket_callback(
    *,
    ticket: Ticket,
    satisfaction: str,
    reason: str = "",
    by: Account | None,
    channel: str = Channel.PHONE,
) -> Ticket:
    """回访: satisfied ends the work; dissatisfied reopens it once (重办), then it goes to
    supervision (督办) with the unit's supervisors told."""
    ticket = _locked(ticket)
    _callback_allowed(ticket, by)
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("请选择满意度"), code="invalid_satisfaction")
    if ticket.status != Status.RESOLVED:
        raise DomainError(_("工单尚未办结或已回访"), code="transition_not_allowed")
    reason = reason.strip()[:1000]
    if satisfaction == Satisfaction.DISSATISFIED:
        reason = _reason(reason, _("不满意原因"))
    now = timezone.now()
    Callback.objects.create(
        ticket=ticket, satisfaction=satisfaction, reason=reason, by=by, channel=channel, at=now
    )
    label = Satisfaction(satisfaction).label
    transition(
        ticket=ticket,
        to=Status.CALLED_BACK,
        action="callback",
        actor=by,
        note=f"{label} {reason}".strip(),
    )
    ticket.satisfaction = satisfaction
    if satisfaction == Satisfaction.DISSATISFIED and ticket.reopen_count == 0:
        transition(
            ticket=ticket,
            to=Status.REOPENED,
            action="reopen",
            actor=by,
            unit=ticket.holder,
            note=reason,
        )
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.deadline = deadline_for(category=ticket.category, urgency=ticket.urgency, start=now)
        ticket.save()
        unit_tell(
            ticket=ticket,
            unit=ticket.holder,
            template="hotline_unit",
            context={"what": _("回访不满意，重办"), "note": reason},
            dedupe_key=f"hotline-reopen-{ticket.pk}",
        )
    elif satisfaction == Satisfaction.DISSATISFIED:
        ticket.under_supervision = True
        ticket.save()
        supervision_raise(ticket=ticket, reason=_("重办后回访仍不满意"), now=now)
    else:
        ticket.save()
    return ticket


def supervision_raise(*, ticket: Ticket, reason: str, now: datetime) -> Escalation | None:
    """督办 to the holding unit and its supervisors, once per deadline."""
    escalation, created = Escalation.objects.get_or_create(
        ticket=ticket,
        kind=EscalationKind.SUPERVISION,
        deadline=ticket.deadline,
        defaults={"unit": ticket.holder, "raised_at": now, "reason": reason[:200]},
    )
    if not created:
        return None
    event_record(ticket=ticket, action="supervise", actor=None, unit=ticket.holder, note=reason)
    unit_tell(
        ticket=ticket,
        unit=ticket.holder,
        template="hotline_unit",
        context={"what": _("督办"), "note": reason},
        dedupe_key=f"hotline-escalation-{escalation.pk}",
        supervisors=True,
    )
    return escalation


@transaction.atomic
def ticket_archive(*, ticket: Ticket, by: Account) -> Ticket:
    """归档 after the callback (or after resolution when the reporter cannot be reached)."""
    ticket = _locked(ticket)
    if by.kind != AccountKind.STAFF or by.unit is None or not is_centre(by.unit):
        raise PermissionDeniedError(_("归档由热线中心进行"))
    if not account_roles(by) & {Role.DISPATCHER, Role.HOTLINE_OPERATOR}:
        raise PermissionDeniedError(_("您的岗位无权执行此操作"))
    if ticket.status == Status.RESOLVED and (ticket.reporter_id or ticket.reporter_phone):
        raise DomainError(_("请先回访再归档"), code="callback_required")
    transition(ticket=ticket, to=Status.CLOSED, action="close", actor=by, unit=by.unit)
    ticket.closed_at = timezone.now()
    ticket.save()
    return ticket


@transaction.atomic
def ticket_merge(*, duplicate: Ticket, master: Ticket, by: Account) -> Ticket:
    """合并: the duplicate follows the master; its reporter hears the master's outcome."""
    if duplicate.pk == master.pk:
        raise DomainError(_("不能与自身合并"), code="merge_self")
    duplicate = _locked(duplicate)
    master = _locked(master)
    _require(by, duplicate.holder, [Role.HOTLINE_OPERATOR, Role.DISPATCHER])
    if master.status in (Status.MERGED, Status.CLOSED):
        raise DomainError(_("主工单已归档或已被合并"), code="master_finished")
    transition(
        ticket=duplicate,
        to=Status.MERGED,
        action="merge",
        actor=by,
        unit=master.holder,
        note=master.tracking_number or "",
    )
    duplicate.master = master
    duplicate.save()
    event_record(
        ticket=master,
        action="merged_in",
        actor=by,
        unit=master.holder,
        note=duplicate.tracking_number or "",
        public=False,
    )
    reporter_tell(
        ticket=duplicate,
        template="hotline_status",
        context={
            "status": Status.MERGED.label,
            "note": _("与工单 %(number)s 合并办理，办理结果将一并告知")
            % {"number": master.tracking_number},
        },
    )
    return duplicate
