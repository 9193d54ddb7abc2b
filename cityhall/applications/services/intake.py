"""Unified intake (统一受理): one `application_submit` for online and window applications."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.applications.models import (
    SELF_SERVICE,
    Application,
    ApplicationItem,
    Channel,
    Event,
    MaterialSource,
    Status,
    SubmittedMaterial,
)
from cityhall.applications.selectors import certificate_item_codes
from cityhall.applications.services import process
from cityhall.applications.services.notices import applicant_notify
from cityhall.applications.services.numbers import acceptance_number_make
from cityhall.applications.services.review import instant_decide, window_accept
from cityhall.applications.validation import form_clean, uploaded_material
from cityhall.catalog import selectors as catalog
from cityhall.catalog.models import ApplicantType, ItemVersion, Material, Venue
from cityhall.catalog.workflow import WorkflowRun
from cityhall.core.calendar import add_working_days
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.identifiers import resident_id_parse
from cityhall.geo.models import Division, DivisionLevel
from cityhall.identity.cards import card_authenticate
from cityhall.identity.models import Account, AccountKind, EnterpriseMandate, OrgUnit, UnitLevel
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import id_number_index, require_capability
from cityhall.identity.services import personal_data_read
from cityhall.registry.selectors import OwnRecords, own_records

UNIT_VENUE = {
    UnitLevel.STREET: Venue.STREET,
    UnitLevel.DISTRICT: Venue.DISTRICT,
    UnitLevel.CITY: Venue.CITY,
}


@dataclass(frozen=True)
class Intake:
    """What an applicant asks for, as every channel hands it to `application_submit`."""

    applicant: Account
    idempotency_key: str
    item_code: str = ""
    version_number: int | None = None
    bundle_code: str = ""
    form: dict[str, Any] = field(default_factory=dict)
    uploads: Mapping[int, UploadedFile] = field(default_factory=dict)  # material id → file
    division_code: str = ""  # the street where it is handled (online); window: the clerk's
    enterprise_uscc: str = ""
    channel: str = Channel.ONLINE
    clerk: Account | None = None
    checked_at_window: frozenset[int] = frozenset()  # material ids whose originals were seen


@dataclass(frozen=True)
class Plan:
    """The resolved request: versions, the process to run and the materials it needs."""

    versions: list[ItemVersion]
    title: str
    bundle_id: int | None
    lead_department_name: str
    bpmn_xml: str
    materials: list[Material]
    fields: list[dict[str, Any]]
    instant: bool
    limit_days: int


def plan_for(
    *, item_code: str = "", version_number: int | None = None, bundle_code: str = ""
) -> Plan:
    """Resolve an item (at its current version) or a bundle into what intake needs."""
    if bundle_code:
        bundle = catalog.bundle_get(code=bundle_code)
        versions = catalog.bundle_versions(bundle=bundle)
        title, xml, lead, bundle_id = (
            bundle.name,
            bundle.bpmn_xml,
            bundle.department.name,
            bundle.pk,
        )
    elif item_code:
        version = catalog.item_version_current(code=item_code)
        if version_number is not None and version_number != version.number:
            raise DomainError(
                _("事项 %(code)s 现行版本为第 %(current)s 版，第 %(asked)s 版不再受理")
                % {"code": item_code, "current": version.number, "asked": version_number},
                code="wrong_version",
            )
        versions = [version]
        title, xml, lead, bundle_id = version.name, version.bpmn_xml, version.department.name, None
    else:
        raise DomainError(_("请选择要办理的事项"), code="no_item")
    # One set of materials for a bundle: a document two items ask for is handed in once.
    materials: dict[str, Material] = {}
    fields: dict[str, dict[str, Any]] = {}
    for version in versions:
        for material in version.materials.all():
            known = materials.get(material.name)
            if known is None or (material.required and not known.required):
                materials[material.name] = material
        for spec in version.form_fields:
            fields.setdefault(spec["key"], spec)
    return Plan(
        versions=versions,
        title=title,
        bundle_id=bundle_id,
        lead_department_name=lead,
        bpmn_xml=xml,
        materials=list(materials.values()),
        fields=list(fields.values()),
        instant=all(v.instant for v in versions),
        limit_days=max(v.promised_limit_days for v in versions),
    )


def material_fetchable(*, material: Material, records: OwnRecords, certificates: set[str]) -> str:
    """The reference under which the city fetches the material itself, or ""."""
    source = material.fetch_source
    if source.startswith("registry:"):
        return records.records.get(source.removeprefix("registry:"), "")
    if source.startswith("certificate:"):
        code = source.removeprefix("certificate:")
        return code if code in certificates else ""
    return ""


def _division_for(intake: Intake, applicant: Account) -> Division:
    if intake.channel == Channel.WINDOW and intake.clerk is not None and intake.clerk.unit:
        unit_division = intake.clerk.unit.division
        home = applicant.home_division
        # A district or city centre handles the case for the applicant's own street if it can.
        if (
            unit_division.level != DivisionLevel.STREET
            and home is not None
            and home.code.startswith(
                unit_division.code[:6] if unit_division.level == DivisionLevel.DISTRICT else "4401"
            )
        ):
            return Division.objects.get(code=home.code[:9])
        return unit_division
    code = intake.division_code or (
        applicant.home_division.code[:9] if applicant.home_division else ""
    )
    division = Division.objects.filter(code=code, level=DivisionLevel.STREET).first()
    if division is None:
        raise DomainError(_("请选择办理地（街道/镇）"), code="no_division")
    return division


def _channel_check(intake: Intake, plan: Plan) -> None:
    if intake.channel == Channel.WINDOW:
        if intake.clerk is None or intake.clerk.unit is None:
            raise PermissionDeniedError(_("窗口受理须由窗口人员办理"))
        require_capability(intake.clerk, Capability.WINDOW_INTAKE)
        venue = UNIT_VENUE[UnitLevel(intake.clerk.unit.level)]
        for version in plan.versions:
            if venue not in version.venues:
                raise DomainError(
                    _("“%(name)s”不能在本级窗口办理") % {"name": version.name}, code="wrong_venue"
                )
    elif intake.channel in SELF_SERVICE:
        for version in plan.versions:
            if Venue.ONLINE not in version.venues:
                raise DomainError(
                    _("“%(name)s”不能网上办理，请到窗口办理") % {"name": version.name},
                    code="not_online",
                )
    else:
        raise DomainError(_("未知的申请渠道"))


def _enterprise_check(intake: Intake, plan: Plan) -> str:
    """The company's name when the applicant may act for it; refuses enterprise items otherwise."""
    needs_company = any(v.applicant_type == ApplicantType.ENTERPRISE for v in plan.versions)
    if not intake.enterprise_uscc:
        if needs_company:
            raise DomainError(_("该事项须以企业名义申请，请选择企业"), code="enterprise_required")
        return ""
    today = timezone.localdate()
    mandate = EnterpriseMandate.objects.filter(
        agent=intake.applicant, uscc=intake.enterprise_uscc, valid_from__lte=today
    ).first()
    if mandate is None or (mandate.valid_until and mandate.valid_until < today):
        raise PermissionDeniedError(_("您没有代办该企业事项的有效授权"))
    return mandate.enterprise_name


def application_submit(intake: Intake) -> Application:
    """Take an application in; the same idempotency key from the same applicant is one application.

    Everything is checked before anything is written: bad input changes nothing.
    """
    key = intake.idempotency_key.strip()
    if not key or len(key) > 64:
        raise DomainError(_("缺少有效的提交标识（幂等键）"), code="idempotency_key")
    existing = Application.objects.filter(applicant=intake.applicant, idempotency_key=key).first()
    if existing is not None:
        return existing
    applicant = intake.applicant
    if not applicant.is_citizen:
        raise PermissionDeniedError(_("只有实名市民账户可以申请"))
    plan = plan_for(
        item_code=intake.item_code,
        version_number=intake.version_number,
        bundle_code=intake.bundle_code,
    )
    _channel_check(intake, plan)
    enterprise_name = _enterprise_check(intake, plan)
    division = _division_for(intake, applicant)
    lead = catalog.department_by_name(plan.lead_department_name)
    if lead is None:
        raise DomainError(_("事项的实施部门未登记"))
    lead_unit = catalog.unit_for(department=lead, division_code=division.code)
    cleaned = form_clean(plan.fields, intake.form)

    records = own_records(document_number=applicant.id_number, uscc=intake.enterprise_uscc)
    held = certificate_item_codes(holder=applicant)
    rows: list[SubmittedMaterial] = []
    files: list[tuple[SubmittedMaterial, UploadedFile]] = []
    missing = []
    for material in plan.materials:
        upload = intake.uploads.get(material.pk)
        reference = material_fetchable(material=material, records=records, certificates=held)
        if upload is not None:
            rows.append(uploaded_material(material=material, upload=upload))
            files.append((rows[-1], upload))
        elif reference:
            source = (
                MaterialSource.CERTIFICATE
                if material.fetch_source.startswith("certificate:")
                else MaterialSource.REGISTRY
            )
            rows.append(
                SubmittedMaterial(
                    material=material, name=material.name, source=source, reference=reference[:80]
                )
            )
        elif intake.channel == Channel.WINDOW and material.pk in intake.checked_at_window:
            rows.append(
                SubmittedMaterial(
                    material=material, name=material.name, source=MaterialSource.WINDOW
                )
            )
        elif material.required:
            missing.append(material.name)
    if missing:
        raise DomainError(
            _("缺少必交材料：%(names)s") % {"names": "、".join(missing)}, code="missing_material"
        )
    for extra in set(intake.uploads) - {m.pk for m in plan.materials}:
        raise DomainError(_("上传了不属于本事项的材料（%(id)s）") % {"id": extra})

    today = timezone.localdate()
    form_data = {
        **cleaned,
        "applicant": {
            "name": applicant.real_name,
            "address": records.address,
            "registry": sorted(records.records),
        },
    }
    try:
        return _application_create(
            intake=intake,
            key=key,
            plan=plan,
            division=division,
            lead_unit=lead_unit,
            form_data=form_data,
            rows=rows,
            files=files,
            enterprise_name=enterprise_name,
            today=today,
        )
    except IntegrityError:
        _files_discard(files)
        # Two requests with one key raced: the other one won; its application is the answer.
        existing = Application.objects.filter(applicant=applicant, idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    except Exception:
        # The rows rolled back with the transaction; files already written must go too.
        _files_discard(files)
        raise


def _files_discard(files: list[tuple[SubmittedMaterial, UploadedFile]]) -> None:
    for row, _upload in files:
        if row.file.name:
            row.file.storage.delete(row.file.name)


@transaction.atomic
def _application_create(
    *,
    intake: Intake,
    key: str,
    plan: Plan,
    division: Division,
    lead_unit: OrgUnit,
    form_data: dict[str, Any],
    rows: list[SubmittedMaterial],
    files: list[tuple[SubmittedMaterial, UploadedFile]],
    enterprise_name: str,
    today: date,
) -> Application:
    now = timezone.now()
    due = add_working_days(today, plan.limit_days)
    application = Application.objects.create(
        number=acceptance_number_make(division_code=division.code, day=today),
        bundle_id=plan.bundle_id,
        title=plan.title,
        applicant=intake.applicant,
        applicant_name=intake.applicant.real_name,
        enterprise_uscc=intake.enterprise_uscc,
        enterprise_name=enterprise_name,
        channel=intake.channel,
        clerk=intake.clerk,
        intake_unit=intake.clerk.unit if intake.clerk else None,
        division=division,
        lead_unit=lead_unit,
        form_data=form_data,
        status=Status.SUBMITTED,
        instant=plan.instant,
        idempotency_key=key,
        submitted_at=now,
        limit_days=plan.limit_days,
        due_date=due,
    )
    ApplicationItem.objects.bulk_create(
        ApplicationItem(application=application, version=v, seq=n)
        for n, v in enumerate(plan.versions, start=1)
    )
    for row, upload in files:
        row.file.save(upload.name or "material", upload, save=False)
    for row in rows:
        row.application = application
    SubmittedMaterial.objects.bulk_create(rows)
    Event.objects.create(
        application=application,
        at=now,
        actor=intake.clerk or intake.applicant,
        action="submitted",
        from_status="",
        to_status=Status.SUBMITTED,
    )
    data = {
        **{k: v for k, v in form_data.items() if k != "applicant"},
        "channel": intake.channel,
        "rejected": False,
        "warn_at": process.warn_at(start=today, limit_days=plan.limit_days),
    }
    run = WorkflowRun.start(plan.bpmn_xml, data)
    process.tasks_sync(application=application, run=run)
    if intake.channel == Channel.WINDOW and intake.clerk is not None:
        if plan.instant:
            instant_decide(application=application, run=run, clerk=intake.clerk)
        else:
            window_accept(application=application, run=run, clerk=intake.clerk)
    process.run_save(application, run)
    application.save()
    applicant_notify(application=application)
    return application


def window_citizen_identify_by_card(
    *, clerk: Account, card_number: str, pin: str, request: Any = None
) -> Account:
    """The walk-in citizen, identified by their social security card and its PIN (audited)."""
    require_capability(clerk, Capability.WINDOW_INTAKE)
    card = card_authenticate(number=card_number, pin=pin, channel="window", request=request)
    personal_data_read(
        actor=clerk,
        subject_type="account",
        subject_id=card.holder_id,
        fields=["profile"],
        purpose=_("窗口受理身份核验（社保卡）"),
        request=request,
    )
    return card.holder


def window_citizen_identify(*, clerk: Account, id_number: str, request: Any = None) -> Account:
    """The walk-in citizen, found by the ID card the clerk has checked; the look-up is audited.

    Window service is city-wide (全城通办), so this is not limited to the clerk's area.
    """
    require_capability(clerk, Capability.WINDOW_INTAKE)
    number = resident_id_parse(id_number).number
    citizen = Account.objects.filter(
        id_number_index=id_number_index(number), kind=AccountKind.CITIZEN, is_active=True
    ).first()
    if citizen is None:
        raise NotFoundError(_("该证件号码尚未开通市民账户，请先为其办理实名注册"))
    personal_data_read(
        actor=clerk,
        subject_type="account",
        subject_id=citizen.pk,
        fields=["profile"],
        purpose=_("窗口受理身份核验"),
        request=request,
    )
    return citizen
