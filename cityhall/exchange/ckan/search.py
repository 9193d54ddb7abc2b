"""package_search over the catalogue: Solr's query syntax as CKAN clients write it in `q` and
`fq`, the fields CKAN indexes, sorting and facet counts. The catalogue is a few dozen rows, so
it is filtered here rather than in a search engine."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cityhall.exchange.ckan.catalogue import (
    LICENSES,
    Catalogue,
    Dataset,
    organization_name,
    stable_id,
    theme_title,
)
from cityhall.exchange.ckan.errors import SearchError, SearchQueryError


@dataclass(frozen=True)
class Clause:
    field: str | None  # None: free text
    values: tuple[str, ...]  # any of them matches
    negate: bool = False


_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*):(?=\S)")


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The text of a "…" starting at `start` (backslash escapes), and the index after it."""
    out, i = [], start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise SearchError(f"Cannot parse '{text}': Lexical error: unterminated quoted string")


def _group_values(inner: str, whole: str) -> tuple[str, ...]:
    values, i = [], 0
    while i < len(inner):
        if inner[i].isspace():
            i += 1
        elif inner[i] == '"':
            value, i = _quoted(inner, i)
            values.append(value)
        else:
            end = i
            while end < len(inner) and not inner[end].isspace():
                end += 1
            word = inner[i:end]
            if word not in ("OR", "||"):
                if word in ("AND", "&&"):
                    raise SearchError(f"Cannot parse '{whole}': only OR is supported in (…)")
                values.append(word)
            i = end
    return tuple(values)


def parse_clauses(text: str) -> list[Clause]:
    """Solr's standard syntax as CKAN clients use it: clauses separated by spaces, all of which
    must hold (AND between them may be written); each is an optional + or -, an optional
    `field:`, and a bare word, a "quoted phrase" or a (group OR of values)."""
    clauses: list[Clause] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        negate = False
        if text[i] in "+-" and i + 1 < len(text) and not text[i + 1].isspace():
            negate = text[i] == "-"
            i += 1
        name = None
        matched = _FIELD.match(text, i)
        if matched:
            name = matched.group(1)
            i = matched.end()
        if text[i] == '"':
            value, i = _quoted(text, i)
            values: tuple[str, ...] = (value,)
        elif text[i] == "(":
            close = text.find(")", i)
            if close < 0:
                raise SearchError(f"Cannot parse '{text}': unbalanced parenthesis")
            values = _group_values(text[i + 1 : close], text)
            i = close + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            values = (text[i:end],)
            i = end
        if name is None and values in (("AND",), ("&&",), ("*:*",)):
            continue
        if name is None and values in (("OR",), ("||",)):
            raise SearchError(f"Cannot parse '{text}': OR between clauses is not supported")
        clauses.append(Clause(name, values, negate))
    return clauses


def _owner_id(d: Dataset) -> list[str]:
    return [stable_id("organization", d.resource.owner.code)]


class SearchIndex:
    """The values of each searchable field of each dataset (what CKAN puts in Solr)."""

    FREE_TEXT_FIELDS = frozenset({"text", "title", "notes"})
    FIELDS: dict[str, Callable[[Dataset], list[str]]] = {
        "id": lambda d: [d.id],
        "name": lambda d: [d.name],
        "organization": lambda d: [d.organization_name],
        "owner_org": _owner_id,
        "groups": lambda d: [d.resource.theme] if d.resource.theme else [],
        "tags": lambda d: list(d.resource.tags),
        "res_format": lambda d: [f.label for f in d.formats],
        "license_id": lambda d: [d.resource.license_id],
        "type": lambda d: ["dataset"],
        "dataset_type": lambda d: ["dataset"],
        "state": lambda d: ["active"],
        "capacity": lambda d: ["public"],
        "private": lambda d: ["false"],
    }
    # Solr indexes formats as given ("CSV"); clients write them in either case.
    CASE_BLIND = frozenset({"res_format", "license_id"})

    @classmethod
    def check(cls, name: str | None, *, facet: bool = False) -> None:
        if name is None or name in cls.FIELDS or (not facet and name in cls.FREE_TEXT_FIELDS):
            return
        raise SearchError(f"SOLR returned an error running query: undefined field {name}")

    def values(self, dataset: Dataset, name: str) -> list[str]:
        return self.FIELDS[name](dataset)

    def text(self, dataset: Dataset, name: str = "text") -> str:
        r = dataset.resource
        parts = {
            "title": [r.title],
            "notes": [r.description],
            "text": [
                r.title,
                r.description,
                dataset.name,
                r.owner.name,
                dataset.organization_name,
                *r.tags,
                *([r.theme, theme_title(r.theme)] if r.theme else []),
            ],
        }[name]
        return "\n".join(parts).casefold()

    def matches(self, dataset: Dataset, clause: Clause) -> bool:
        if clause.field is None or clause.field in self.FREE_TEXT_FIELDS:
            haystack = self.text(dataset, clause.field or "text")
            hit = any(v == "*" or v.casefold() in haystack for v in clause.values)
        else:
            present = self.values(dataset, clause.field)
            if clause.field in self.CASE_BLIND:
                present = [p.casefold() for p in present]
                wanted = [v.casefold() for v in clause.values]
            else:
                wanted = list(clause.values)
            hit = any((v == "*" and present) or v in present for v in wanted)
        return hit != clause.negate

    def score(self, dataset: Dataset, clauses: list[Clause]) -> int:
        """Relevance: free-text hits, a hit in the title counting more than one in the notes."""
        title, text = self.text(dataset, "title"), self.text(dataset)
        return sum(
            (3 if v.casefold() in title else 0) + (1 if v.casefold() in text else 0)
            for c in clauses
            if c.field is None and not c.negate
            for v in c.values
            if v != "*"
        )


SORT_KEYS: dict[str, Callable[[Dataset, int], Any]] = {
    "score": lambda d, score: score,
    "metadata_modified": lambda d, score: d.resource.updated_at,
    "metadata_created": lambda d, score: d.resource.created_at,
    "title_string": lambda d, score: d.resource.title,
    "name": lambda d, score: d.name,
    "num_resources": lambda d, score: len(d.formats),
    "num_tags": lambda d, score: len(d.resource.tags),
}


def sort_spec(sort: str) -> list[tuple[str, bool]]:
    spec = []
    for part in sort.split(","):
        words = part.split()
        if len(words) != 2 or words[0] not in SORT_KEYS or words[1].lower() not in ("asc", "desc"):
            raise SearchQueryError('Invalid "sort" parameter')
        spec.append((words[0], words[1].lower() == "desc"))
    return spec


def sorted_datasets(
    datasets: list[tuple[Dataset, int]], spec: list[tuple[str, bool]]
) -> list[Dataset]:
    ordered = sorted(datasets, key=lambda pair: pair[0].name)  # a stable final tie-break
    # Sorting is stable: sorting by the last criterion first leaves the first one in charge.
    for name, descending in reversed(spec):
        key = SORT_KEYS[name]

        def by(pair: tuple[Dataset, int], key: Callable[[Dataset, int], Any] = key) -> Any:
            return key(pair[0], pair[1])

        ordered.sort(key=by, reverse=descending)
    return [d for d, _score in ordered]


def facet_items(catalogue: Catalogue, name: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    """search_facets items, by display name descending as CKAN orders them."""
    items: list[dict[str, Any]] = [
        {"name": v, "display_name": _facet_display(catalogue, name, v), "count": n}
        for v, n in counts.items()
    ]
    return sorted(items, key=lambda item: str(item["display_name"]), reverse=True)


def _facet_display(catalogue: Catalogue, name: str, value: str) -> str:
    if name == "organization":
        for unit, _datasets in catalogue.organizations().values():
            if organization_name(unit) == value:
                return unit.name
    if name == "groups":
        return theme_title(value)
    if name == "license_id" and value in LICENSES:
        return LICENSES[value].title
    return value
