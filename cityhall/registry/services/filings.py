"""Online sale-contract filing (网签备案) and mortgage registration on houses (楼盘表 monitoring).

The rules are enforced by the database (partial unique indexes and a trigger, see migrations
0001/0002): these services only turn a refused write into a clear answer. That is what makes
two concurrent filings for one house end with exactly one winner.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cityhall.core.errors import DomainError
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.registry import selectors
from cityhall.registry.models import House, Mortgage, Person, SaleFiling
from cityhall.registry.services.history import changes_record
from cityhall.registry.vocab import FilingStatus, MortgageStatus


class FilingRefused(DomainError):
    code = "filing_refused"
    status = 409


_ALREADY_FILED = _lazy("该房屋已有有效的网签备案，不能重复备案。")
_MORTGAGED = _lazy("该房屋存在有效抵押，须先注销抵押才能网签备案。")
_RANK_TAKEN = _lazy("该房屋已有同一顺位的有效抵押。")
# What the database names when it refuses, and what the user is told.
_REFUSALS = (
    # PostgreSQL names the index; SQLite names the columns.
    ("salefiling_one_active_per_house", "house_already_filed", _ALREADY_FILED),
    ("registry_salefiling.house_id", "house_already_filed", _ALREADY_FILED),
    ("active mortgage", "house_mortgaged", _MORTGAGED),
    ("salefiling_no_active_mortgage", "house_mortgaged", _MORTGAGED),
    ("mortgage_one_active_per_rank", "rank_taken", _RANK_TAKEN),
    ("registry_mortgage.house_id", "rank_taken", _RANK_TAKEN),
    ("contract_number", "duplicate_contract", _lazy("合同编号已被使用。")),
    ("certificate_number", "duplicate_certificate", _lazy("抵押登记证明号已被使用。")),
)


def _refusal(exc: IntegrityError) -> FilingRefused:
    text = str(exc)
    for needle, code, message in _REFUSALS:
        if needle in text:
            return FilingRefused(str(message), code=code)
    raise exc


def _check_house(*, house: House, by: Account) -> OrgUnit:
    """The acting unit, once the actor may write registry facts about this house."""
    require_capability(by, Capability.REGISTRY_WRITE)
    selectors.scope_check(actor=by, area_code=house.area_code)
    if by.unit is None:  # require_capability already refuses these; keeps the type exact
        raise DomainError(_("仅限工作人员"), code="forbidden")
    return by.unit


def _house_lock(house: House) -> None:
    """Take the house row lock before stamping the time, so the recorded times of a filing and a
    mortgage racing for one house follow the order the database serialised them in (the
    triggers take the same lock, later, to enforce the rule)."""
    House.objects.select_for_update().filter(pk=house.pk).values_list("pk", flat=True).first()


def sale_filing_register(
    *, house: House, contract_number: str, buyers: list[Person], price: Decimal, by: Account
) -> SaleFiling:
    """File a sale contract on a house; refused if it is filed already or mortgaged."""
    unit = _check_house(house=house, by=by)
    if not buyers:
        raise DomainError(_("至少需要一名买受人。"), code="buyers_required")
    if price <= 0:
        raise DomainError(_("成交价应为正数。"), code="bad_price")
    try:
        with transaction.atomic():
            _house_lock(house)
            filing = SaleFiling.objects.create(
                house=house,
                contract_number=contract_number.strip(),
                price=price,
                filed_at=timezone.now(),
                supplied_by=unit,
                supplied_at=timezone.now(),
            )
            filing.buyers.set(buyers)
    except IntegrityError as exc:
        raise _refusal(exc) from exc
    return filing


def sale_filing_cancel(*, filing: SaleFiling, by: Account, reason: str) -> SaleFiling:
    """Cancel an active filing (e.g. the contract was rescinded); kept in history."""
    unit = _check_house(house=filing.house, by=by)
    if len(reason.strip()) < 2:
        raise DomainError(_("请填写撤销原因。"), code="reason_required")
    with transaction.atomic():
        updated = SaleFiling.objects.filter(pk=filing.pk, status=FilingStatus.ACTIVE).update(
            status=FilingStatus.CANCELLED,
            cancelled_at=timezone.now(),
            cancel_reason=reason.strip()[:200],
            updated_at=timezone.now(),
        )
        if not updated:
            raise DomainError(_("该备案已不是有效状态。"), code="not_active")
        changes_record(
            fact=filing,
            changes=[("status", FilingStatus.ACTIVE, FilingStatus.CANCELLED)],
            source=unit,
            by=by,
            reason=reason,
        )
    filing.refresh_from_db()
    return filing


def mortgage_register(
    *,
    house: House,
    certificate_number: str,
    mortgagee: str,
    amount: Decimal,
    by: Account,
    rank: int = 1,
) -> Mortgage:
    """Register a mortgage; refused if the house already carries one of the same rank."""
    unit = _check_house(house=house, by=by)
    if amount <= 0:
        raise DomainError(_("债权数额应为正数。"), code="bad_amount")
    try:
        with transaction.atomic():
            _house_lock(house)
            return Mortgage.objects.create(
                house=house,
                certificate_number=certificate_number.strip(),
                rank=rank,
                mortgagee=mortgagee.strip(),
                amount=amount,
                registered_at=timezone.now(),
                supplied_by=unit,
                supplied_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise _refusal(exc) from exc


def mortgage_release(*, mortgage: Mortgage, by: Account, reason: str) -> Mortgage:
    """Release (注销) a mortgage, after which the house may be filed for sale."""
    unit = _check_house(house=mortgage.house, by=by)
    with transaction.atomic():
        updated = Mortgage.objects.filter(pk=mortgage.pk, status=MortgageStatus.ACTIVE).update(
            status=MortgageStatus.RELEASED, released_at=timezone.now(), updated_at=timezone.now()
        )
        if not updated:
            raise DomainError(_("该抵押已不是有效状态。"), code="not_active")
        changes_record(
            fact=mortgage,
            changes=[("status", MortgageStatus.ACTIVE, MortgageStatus.RELEASED)],
            source=unit,
            by=by,
            reason=reason or _("抵押注销"),
        )
    mortgage.refresh_from_db()
    return mortgage
