"""Writes of single registry facts by staff: register, correct (with history), open and reveal."""

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.identity.services import personal_data_read
from cityhall.registry import selectors
from cityhall.registry.models import House, Household, Person
from cityhall.registry.services.history import changes_record
from cityhall.registry.validation import (
    PERSON_COLUMNS,
    PersonValues,
    RowError,
    area_code_for,
    person_clean,
)
from cityhall.registry.vocab import HouseholdKind, Relation

# The supplied-record columns a correction may change (the document is the person's key).
CORRECTABLE = frozenset(PERSON_COLUMNS) - {"document_type", "document_number"}


def _unit_of(by: Account) -> OrgUnit:
    if by.unit is None:
        raise DomainError(_("仅限工作人员"), code="forbidden")
    return by.unit


def person_as_row(person: Person) -> dict[str, str]:
    """A person's current values in the shape of a supplied record (for re-validation)."""
    return {
        "document_type": person.document_type,
        "document_number": person.document_number,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "ethnicity": person.ethnicity,
        "nationality": person.nationality,
        "hukou_division_code": person.hukou_division_code,
        "phone": person.phone,
        "status": person.status,
        "household_number": person.household.number if person.household else "",
        "relation_to_head": person.relation_to_head,
        "house_code": person.current_house.code if person.current_house else "",
    }


def _house_by_code(code: str) -> House | None:
    if not code:
        return None
    house = House.objects.filter(code=code).first()
    if house is None:
        raise RowError(_("房屋编码 %(code)s 不存在") % {"code": code}, code="unknown_house")
    return house


def _household_for(number: str, relation: str, hukou: str, source: OrgUnit) -> Household | None:
    if not number:
        return None
    household, _created = Household.objects.get_or_create(
        number=number,
        defaults={
            "kind": HouseholdKind.FAMILY,
            "hukou_division_code": hukou,
            "supplied_by": source,
            "supplied_at": timezone.now(),
        },
    )
    if relation == Relation.HEAD and household.hukou_division_code != hukou:
        household.hukou_division_code = hukou
        household.save(update_fields=["hukou_division_code", "updated_at"])
    return household


@transaction.atomic
def person_register(*, row: dict[str, str], by: Account) -> Person:
    """A staff member registers a person the registry does not know yet."""
    require_capability(by, Capability.REGISTRY_WRITE)
    source = _unit_of(by)
    values = person_clean({c: row.get(c, "") for c in PERSON_COLUMNS})
    if Person.objects.filter(document_index=values.document.index).exists():
        raise RowError(_("该证件已登记"), code="duplicate")
    house = _house_by_code(values.house_code)
    household = _household_for(
        values.household_number, values.relation_to_head, values.hukou_division_code, source
    )
    person = person_build(values=values, house=house, household=household, source=source)
    selectors.scope_check(actor=by, area_code=person.area_code)
    person.save()
    return person


def person_build(
    *,
    values: PersonValues,
    house: House | None,
    household: Household | None,
    source: OrgUnit,
) -> Person:
    """An unsaved Person from clean values (its area code follows the house or the hukou)."""
    return Person(
        document_type=values.document.type,
        document_number=values.document.number,
        document_index=values.document.index,
        name=values.name,
        gender=values.gender,
        birth_date=values.birth_date,
        ethnicity=values.ethnicity,
        nationality=values.nationality,
        hukou_division_code=values.hukou_division_code,
        current_house=house,
        phone=values.phone,
        phone_index=values.phone_index,
        status=values.status,
        household=household,
        relation_to_head=values.relation_to_head,
        area_code=area_code_for(
            house_area_code=house.area_code if house else None,
            hukou_division_code=values.hukou_division_code,
        ),
        fingerprint=values.fingerprint,
        supplied_by=source,
        supplied_at=timezone.now(),
    )


@transaction.atomic
def person_correct(*, person: Person, changes: dict[str, str], by: Account, reason: str) -> Person:
    """Correct facts of a person; every changed field is kept in history with the reason."""
    require_capability(by, Capability.REGISTRY_WRITE)
    source = _unit_of(by)
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError(_("请填写变更原因"), code="reason_required")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise DomainError(
            _("这些字段不能修改：%(fields)s") % {"fields": "、".join(sorted(unknown))},
            code="not_correctable",
        )
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("household", "current_house")
        .get(pk=person.pk)
    )
    selectors.scope_check(actor=by, area_code=person.area_code)
    row = person_as_row(person)
    row.update(changes)
    values = person_clean(row)
    house = _house_by_code(values.house_code)
    household = _household_for(
        values.household_number, values.relation_to_head, values.hukou_division_code, source
    )
    new = {
        "name": values.name,
        "gender": values.gender,
        "birth_date": values.birth_date,
        "ethnicity": values.ethnicity,
        "nationality": values.nationality,
        "hukou_division_code": values.hukou_division_code,
        "phone": values.phone,
        "status": values.status,
        "current_house": house,
        "household": household,
        "relation_to_head": values.relation_to_head,
    }
    diff = [(f, getattr(person, f), v) for f, v in new.items() if getattr(person, f) != v]
    if not diff:
        return person
    changes_record(fact=person, changes=diff, source=source, by=by, reason=reason)
    for field, _old, value in diff:
        setattr(person, field, value)
    person.phone_index = values.phone_index
    person.fingerprint = values.fingerprint
    person.area_code = area_code_for(
        house_area_code=house.area_code if house else None,
        hukou_division_code=values.hukou_division_code,
    )
    person.supplied_by, person.supplied_at = source, timezone.now()
    person.save()
    return person


def person_open(*, actor: Account, person_id: int, request: HttpRequest | None = None) -> Person:
    """A staff member opens a person's record (masked); the read is audited."""
    person = selectors.person_get_for_staff(actor=actor, person_id=person_id)
    personal_data_read(
        actor=actor,
        subject_type="registry.person",
        subject_id=person.pk,
        fields=["profile"],
        request=request,
    )
    return person


@dataclass(frozen=True)
class RevealedPerson:
    person: Person
    document_number: str
    phone: str


def person_reveal(
    *, actor: Account, person_id: int, purpose: str, request: HttpRequest | None = None
) -> RevealedPerson:
    """Full document and phone numbers for a role that needs them, with a purpose; audited."""
    require_capability(actor, Capability.PERSONAL_DATA_REVEAL)
    person = selectors.person_get_for_staff(actor=actor, person_id=person_id)
    personal_data_read(
        actor=actor,
        subject_type="registry.person",
        subject_id=person.pk,
        fields=["document_number", "phone"],
        purpose=purpose,
        request=request,
    )
    return RevealedPerson(person, person.document_number, person.phone)
