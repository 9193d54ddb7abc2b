"""Tables meant for spreadsheets: CSV that Excel opens as UTF-8 and never runs as a formula."""

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"  # so Excel opens the UTF-8 file as UTF-8 and shows the Chinese


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet will show, never run: a leading quote defuses =, +, - and @."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (quoted where needed, CRLF lines) with a BOM; None is an empty cell."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
    return buffer.getvalue()
