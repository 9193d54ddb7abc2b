"""Results: an e-certificate (电子证照) per approved item, into the applicant's documents."""

from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cityhall.applications.certificate_pdf import CertificateSheet, certificate_pdf
from cityhall.applications.models import Application, Certificate
from cityhall.applications.services.numbers import (
    certificate_number_make,
    verification_code_make,
)
from cityhall.catalog import selectors as catalog
from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.links import public_url
from cityhall.identity.models import Account


def verify_url(code: str) -> str:
    query = urlencode({"code": code})
    return f"{public_url(reverse('applications:verify'))}?{query}"


def certificates_issue(*, application: Application, by: Account | None) -> list[Certificate]:
    """One certificate per item of an approved application (inside the caller's transaction)."""
    now = timezone.now()
    today = timezone.localdate(now)
    issued = []
    holder = application.enterprise_name or application.applicant_name
    for member in application.items.select_related("version__item", "version__department"):
        version = member.version
        number = certificate_number_make(item_code=version.item.code, day=today)
        code = verification_code_make()
        issuer = catalog.unit_for(
            department=version.department, division_code=application.division.code
        ).name
        sheet = CertificateSheet(
            title=version.result_name,
            number=number,
            holder=holder,
            lines=[
                ("事项", version.name),
                ("受理编号", application.number),
                ("办结日期", f"{today:%Y年%m月%d日}"),
            ],
            issuer=issuer,
            issued_on=f"{today:%Y年%m月%d日}",
            verification_code=code,
            verify_url=verify_url(code),
        )
        certificate = Certificate(
            number=number,
            verification_code=code,
            application=application,
            version=version,
            holder=application.applicant,
            holder_name=holder,
            title=version.result_name,
            issuer=issuer,
            issued_at=now,
        )
        certificate.pdf.save(f"{number}.pdf", ContentFile(certificate_pdf(sheet)), save=False)
        certificate.save()
        audit_record(
            event=AuditEvent.CERTIFICATE_ISSUED,
            actor=by,
            subject_type="applications.Certificate",
            subject_id=certificate.pk,
            detail={"number": number, "application": application.number},
        )
        issued.append(certificate)
    return issued
