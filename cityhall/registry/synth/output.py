"""The files of a synthetic city: their columns (in the documented import order), the buffered
writer of one CSV file, and the report of what a run wrote."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cityhall.registry.validation import COMPANY_COLUMNS, HOUSE_COLUMNS, PERSON_COLUMNS

OWNERSHIP_COLUMNS = (
    "house_code",
    "owner_document_type",
    "owner_document_number",
    "owner_uscc",
    "share",
    "since",
    "until",
)
RESIDENCE_COLUMNS = ("document_type", "document_number", "house_code", "kind", "since", "until")
RENTAL_COLUMNS = (
    "number",
    "house_code",
    "landlord_document_type",
    "landlord_document_number",
    "tenant_documents",
    "starts_on",
    "ends_on",
)
EMPLOYMENT_COLUMNS = ("document_type", "document_number", "uscc", "since", "until", "wage_band")
CONTRIBUTION_COLUMNS = ("document_type", "document_number", "month", "status", "uscc", "base")

# In the documented import order.
FILES: dict[str, tuple[str, ...]] = {
    "houses": HOUSE_COLUMNS,
    "persons": PERSON_COLUMNS,
    "companies": COMPANY_COLUMNS,
    "ownerships": OWNERSHIP_COLUMNS,
    "residences": RESIDENCE_COLUMNS,
    "rentals": RENTAL_COLUMNS,
    "employment": EMPLOYMENT_COLUMNS,
    "contributions": CONTRIBUTION_COLUMNS,
}


class _Out:
    """One CSV file, written in large chunks.

    Rows are joined by hand rather than by csv.writer, which is about three times slower on
    Chinese text: no generated value contains a comma, a quote or a line break (the tests read
    every file back with the csv module and check every row's width).
    """

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.handle.write(",".join(columns) + "\n")
        self.lines: list[str] = []  # each item one or more whole lines
        self.add = self.lines.append
        self.rows = 0

    def flush(self) -> None:
        text = "".join(self.lines)
        self.lines.clear()
        self.rows += text.count("\n")
        self.handle.write(text)

    def close(self) -> None:
        self.flush()
        self.handle.close()


@dataclass(frozen=True, slots=True)
class SynthReport:
    """What city_write wrote: rows per file (in import order), and how long it took."""

    out_dir: Path
    rows: dict[str, int]
    seconds: float

    @property
    def persons_per_second(self) -> float:
        return self.rows["persons"] / self.seconds if self.seconds else 0.0
