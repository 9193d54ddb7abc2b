"""The service catalogue as JSON (/api/v1/catalog/): public, like the printed guide."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from cityhall.catalog import selectors
from cityhall.catalog.models import Bundle, ItemVersion, Material

router = Router()


class MaterialOut(Schema):
    id: int
    seq: int
    name: str
    required: bool
    form: str
    blank_form: bool
    fetch_source: str


class ItemOut(Schema):
    code: str
    version: int
    name: str
    area: str
    kind: str
    department: str
    instant: bool
    legal_limit_days: int
    promised_limit_days: int
    online_depth: int
    venues: list[str]

    @staticmethod
    def resolve_code(obj: ItemVersion) -> str:
        return obj.item.code

    @staticmethod
    def resolve_version(obj: ItemVersion) -> int:
        return obj.number

    @staticmethod
    def resolve_area(obj: ItemVersion) -> str:
        return obj.item.area

    @staticmethod
    def resolve_department(obj: ItemVersion) -> str:
        return obj.department.name


class FieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    choices: list[str]


class ItemDetailOut(ItemOut):
    applicant_type: str
    legal_basis: str
    conditions: str
    required_visits: int
    fee: str
    result_type: str
    result_name: str
    review_departments: list[str]
    form_fields: list[FieldOut]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_review_departments(obj: ItemVersion) -> list[str]:
        return [d.name for d in obj.review_departments.all()]

    @staticmethod
    def resolve_materials(obj: ItemVersion) -> list[Material]:
        return list(obj.materials.all())


class BundleOut(Schema):
    code: str
    name: str
    area: str
    description: str
    items: list[str]

    @staticmethod
    def resolve_items(obj: Bundle) -> list[str]:
        return [m.item.code for m in obj.members.all()]


@router.get("/items", response=list[ItemOut])
@paginate(PageNumberPagination, page_size=50)
def items(request: HttpRequest, q: str = "", area: str = "", venue: str = "") -> object:
    """Published service items, searchable by name, code, department or result."""
    return selectors.item_search(text=q[:60], area=area, venue=venue)


@router.get("/items/{code}", response=ItemDetailOut)
def item(request: HttpRequest, code: str) -> ItemVersion:
    """An item's current version with its full guide: conditions, limits, materials, form."""
    return selectors.item_version_current(code=code)


@router.get("/bundles", response=list[BundleOut])
def bundles(request: HttpRequest) -> list[Bundle]:
    """一件事 bundles and the items each combines."""
    return list(selectors.bundles_active())
