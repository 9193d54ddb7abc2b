"""The files of a synthetic city: their columns (in the documented import order), the buffered
writer of one CSV file, and the report of what a run wrote."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The link kinds' columns are re-exported for the package (`registry.synth`).
from cityhall.registry.validation import BENEFIT_COLUMNS as BENEFIT_COLUMNS
from cityhall.registry.validation import CONTRIBUTION_COLUMNS as CONTRIBUTION_COLUMNS
from cityhall.registry.validation import EMPLOYMENT_COLUMNS as EMPLOYMENT_COLUMNS
from cityhall.registry.validation import KIND_COLUMNS
from cityhall.registry.validation import OWNERSHIP_COLUMNS as OWNERSHIP_COLUMNS
from cityhall.registry.validation import RENTAL_COLUMNS as RENTAL_COLUMNS
from cityhall.registry.validation import RESIDENCE_COLUMNS as RESIDENCE_COLUMNS

# The files of a city, in the documented import order (their columns live with the rules).
FILES: dict[str, tuple[str, ...]] = KIND_COLUMNS


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
    """What city_write wrote: rows per file (in import order), how long it took, and how many
    cases of each kind it planted for the cross-checks to find (benefits.csv rows among them)."""

    out_dir: Path
    rows: dict[str, int]
    seconds: float
    planted: dict[str, int] = field(default_factory=dict)

    @property
    def persons_per_second(self) -> float:
        return self.rows["persons"] / self.seconds if self.seconds else 0.0
