"""How the rows of each model are matched, compared and written."""

from django.utils.translation import gettext_noop

from cityhall.geo.models import Grid
from cityhall.registry.models import (
    Benefit,
    Building,
    BuildingUnit,
    Contribution,
    Employment,
    House,
    Household,
    LegalPerson,
    Ownership,
    Person,
    RentalRegistration,
    Residence,
)
from cityhall.registry.services.imports.backends import _Table
from cityhall.registry.validation import PERSON_COLUMNS

_PERSON_TABLE = _Table(
    Person,
    columns=(
        "document_type",
        "document_number",
        "document_index",
        *PERSON_COLUMNS[2:8],  # name … hukou_division_code: the file's names are the model's
        "current_house_id",
        "phone",
        "phone_index",
        "status",
        "household_id",
        "relation_to_head",
        "area_code",
        "fingerprint",
    ),
    key=("document_index",),
    compare=("fingerprint",),
    # The fields a clerk's correction records too (services.facts.CORRECTABLE).
    history=(
        *PERSON_COLUMNS[2:10],  # name … status
        "current_house_id",
        "household_id",
        "relation_to_head",
    ),
    frozen=("document_type", "document_number"),
    sealed=(("phone", "phone_index"),),
)
_HOUSEHOLD_TABLE = _Table(
    Household,
    columns=("number", "kind", "hukou_division_code"),
    key=("number",),
    compare=("hukou_division_code",),
    frozen=("kind",),
)
_BUILDING_TABLE = _Table(
    Building,
    columns=("code", "name", "address", "grid_id", "floors", "built_year"),
    key=("code",),
    compare=("name", "address", "grid_id", "floors", "built_year"),
)
_UNIT_TABLE = _Table(
    BuildingUnit, columns=("building_id", "number"), key=("building_id", "number"), compare=()
)
_HOUSE_TABLE = _Table(
    House,
    columns=("code", "unit_id", "number", "floor", "use", "area", "area_code"),
    key=("code",),
    compare=("floor", "use", "area", "area_code"),
    frozen=("unit_id", "number"),
)
_GRID_TABLE = _Table(Grid, columns=("code",), key=("code",), compare=(), provenance=False)
_COMPANY_TABLE = _Table(
    LegalPerson,
    columns=(
        "uscc",
        "name",
        "kind",
        "legal_representative_id",
        "registered_address",
        "division_code",
        "industry",
        "status",
        "established_on",
        "fingerprint",
    ),
    key=("uscc",),
    compare=("fingerprint",),
    history=(
        "name",
        "kind",
        "legal_representative_id",
        "registered_address",
        "division_code",
        "industry",
        "status",
        "established_on",
    ),
)
_LINK_TABLES = {
    # Ownership has no unique constraint on its key: new rows are inserted and changed rows
    # updated by id instead of one ON CONFLICT statement.
    "ownerships": _Table(
        Ownership,
        columns=("house_id", "person_id", "legal_person_id", "share", "since", "until"),
        key=("house_id", "person_id", "legal_person_id", "since"),
        compare=("share", "until"),
        unique=False,
    ),
    "residences": _Table(
        Residence,
        columns=("person_id", "house_id", "kind", "since", "until"),
        key=("person_id", "house_id", "since"),
        compare=("kind", "until"),
    ),
    "rentals": _Table(
        RentalRegistration,
        columns=("number", "house_id", "landlord_id", "starts_on", "ends_on"),
        key=("number",),
        compare=("house_id", "landlord_id", "starts_on", "ends_on", "tenants"),
    ),
    "employment": _Table(
        Employment,
        columns=("person_id", "employer_id", "since", "until", "wage_band"),
        key=("person_id", "employer_id", "since"),
        compare=("until", "wage_band"),
    ),
    "contributions": _Table(
        Contribution,
        columns=("person_id", "month", "employer_id", "status", "base"),
        key=("person_id", "month"),
        compare=("employer_id", "status", "base"),
    ),
    "benefits": _Table(
        Benefit,
        columns=("person_id", "kind", "monthly_amount", "since", "until"),
        key=("person_id", "kind", "since"),
        compare=("monthly_amount", "until"),
    ),
}
_TENANT_TABLE = _Table(
    RentalRegistration.tenants.through,
    columns=("rentalregistration_id", "person_id"),
    key=("rentalregistration_id", "person_id"),
    compare=(),
    provenance=False,
)
_REF_TABLES = {
    "person": (_PERSON_TABLE, "document_index"),
    "company": (_COMPANY_TABLE, "uscc"),
    "house": (_HOUSE_TABLE, "code"),
}
_REF_REJECTS = {
    "person": ("unknown_person", gettext_noop("%(column)s 中的证件对应的人员未登记")),
    "company": ("unknown_company", gettext_noop("%(column)s 对应的法人未登记")),
    "house": ("unknown_house", gettext_noop("房屋编码 %(code)s 不存在")),
}
