"""The e-certificate as a PDF: title, holder, facts, issuer, and a QR code of the verify page."""

from dataclasses import dataclass
from io import BytesIO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

# A CID font every PDF reader carries: no font file to ship and nothing embedded.
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class CertificateSheet:
    title: str
    number: str
    holder: str
    lines: list[tuple[str, str]]
    issuer: str
    issued_on: str
    verification_code: str
    verify_url: str


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{sheet.title} {sheet.number}")
    canvas.setAuthor(sheet.issuer)
    width, height = A4
    canvas.setLineWidth(2)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    canvas.setFont(FONT, 26)
    canvas.drawCentredString(width / 2, height - 45 * mm, sheet.title)
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, height - 55 * mm, f"证照编号 {sheet.number}")
    y = height - 80 * mm
    canvas.setFont(FONT, 14)
    for label, value in [("持证人", sheet.holder), *sheet.lines]:
        canvas.drawString(30 * mm, y, f"{label}：")
        canvas.drawString(70 * mm, y, value[:60])
        y -= 11 * mm
    canvas.setFont(FONT, 14)
    canvas.drawRightString(width - 30 * mm, 75 * mm, sheet.issuer)
    canvas.drawRightString(width - 30 * mm, 65 * mm, sheet.issued_on)
    qr_draw(canvas, sheet.verify_url, x=28 * mm, y=30 * mm, size=32 * mm)
    canvas.setFont(FONT, 10)
    canvas.drawString(65 * mm, 50 * mm, f"核验码：{sheet.verification_code}")
    canvas.drawString(65 * mm, 43 * mm, "扫描二维码或访问核验页面输入核验码，核对证照真伪。")
    canvas.drawString(65 * mm, 36 * mm, sheet.verify_url[:80])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_draw(canvas: Canvas, text: str, *, x: float, y: float, size: float) -> None:
    """A QR code as one filled path of module runs: segno encodes, the canvas draws.

    ReportLab's own QR widget builds a validated shape per module, which cost more than the rest
    of the certificate together.
    """
    # A fixed mask pattern: scoring all eight (what the standard suggests for the most readable
    # symbol) costs three quarters of the encoding time, and mask 0 scans fine at this size.
    matrix = segno.make(text, error="m", micro=False, mask=0).matrix
    count = len(matrix)
    module = size / count
    path = canvas.beginPath()
    for row_number, row in enumerate(matrix):
        top = y + size - (row_number + 1) * module
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                path.rect(x + start * module, top, (column - start) * module, module)
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
