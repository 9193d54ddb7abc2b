"""Read: the header is checked before anything is written; then the file is streamed as raw
records (a record ends at a line end outside quotes), in chunks."""

import csv
from collections.abc import Iterator, Sequence
from typing import IO, NamedTuple

from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.registry.validation import RowError

# A quoted cell may span lines; one that runs on for this long was never closed.
MAX_RECORD_BYTES = 1024 * 1024


class ImportFileError(DomainError):
    """The file as a whole cannot be read (empty, not UTF-8, wrong header, broken quoting)."""

    code = "bad_file"


class _Chunk(NamedTuple):
    starts: list[int]  # the line on which each record starts (header = 1)
    records: list[bytes]  # raw records, line ends included
    unterminated: bool = False  # the last record hit the end of the file inside quotes


def _cells(record: bytes) -> list[str]:
    """The cells of one raw record, readable whatever its encoding (for the rejects file)."""
    text = record.decode("utf-8", "replace")
    try:
        rows = list(csv.reader([text]))
    except csv.Error:
        return [text.rstrip("\r\n")]  # not CSV at all: the line as it is, in one cell
    return rows[0] if rows else []


def _parse(record: bytes, width: int) -> list[str]:
    try:
        text = record.decode()
    except UnicodeDecodeError:
        raise RowError(_("该行含有非 UTF-8 编码的字节"), code="bad_encoding") from None
    body = text[:-1] if text.endswith("\n") else text
    if body.endswith("\r"):
        body = body[:-1]
    if not ('"' in body or "\r" in body or "\n" in body or "\x00" in body):
        # No quotes, no stray line ends: the csv module would split on the commas, and so do we.
        rows = [body.split(",")]
    else:
        try:
            rows = list(csv.reader([text]))
        except csv.Error as exc:
            raise RowError(
                _("该行不是有效的 CSV：%(error)s") % {"error": exc}, code="bad_csv"
            ) from None
    if len(rows) != 1:
        raise RowError(_("该行不是一条有效的 CSV 记录"), code="bad_csv")
    if len(rows[0]) != width:
        raise RowError(
            _("该行有 %(cells)s 列，表头有 %(width)s 列") % {"cells": len(rows[0]), "width": width},
            code="bad_columns",
        )
    return rows[0]


_QUOTE, _COMMA = ord('"'), ord(",")


def _inside_quotes(line: bytes, inside: bool) -> bool:
    """Whether a record is still inside a quoted cell at the end of `line` (the csv module's
    rules: a quote opens a cell only at its start, and "" inside a quoted cell is a quote)."""
    at_start = not inside
    i, end = 0, len(line)
    while i < end:
        char = line[i]
        if inside:
            if char == _QUOTE:
                if i + 1 < end and line[i + 1] == _QUOTE:
                    i += 2
                    continue
                inside = False
        elif char == _QUOTE and at_start:
            inside = True
        at_start = not inside and char == _COMMA
        i += 1
    return inside


class _Reader:
    """Checks the header, then streams the raw records of a CSV file in chunks."""

    def __init__(self, raw: IO[bytes], columns: Sequence[str]) -> None:
        self._raw = raw
        first = raw.readline().removeprefix(b"\xef\xbb\xbf")
        if not first.strip():
            raise ImportFileError(_("文件为空：缺少表头行"))
        try:
            text = first.decode()
        except UnicodeDecodeError:
            raise ImportFileError(_("表头行不是 UTF-8 编码，无法读取")) from None
        header = next(csv.reader([text]), [])
        self.header = [name.strip() for name in header]
        missing = [c for c in columns if c not in self.header]
        extra = [c for c in self.header if c not in columns]
        repeated = sorted({c for c in self.header if self.header.count(c) > 1})
        if missing or extra or repeated:
            problems = []
            if missing:
                problems.append(_("缺少列：%(columns)s") % {"columns": ", ".join(missing)})
            if extra:
                problems.append(_("多余的列：%(columns)s") % {"columns": ", ".join(extra)})
            if repeated:
                problems.append(_("重复的列：%(columns)s") % {"columns": ", ".join(repeated)})
            raise ImportFileError(
                _("表头与文件格式不符（%(problems)s）；应为：%(expected)s")
                % {"problems": "；".join(problems), "expected": ", ".join(columns)}
            )

    def chunks(self, size: int) -> Iterator[_Chunk]:
        starts: list[int] = []
        records: list[bytes] = []
        parts: list[bytes] = []  # the lines of a record whose quoted cell spans lines
        line_no, start, inside, length = 1, 0, False, 0
        for line in self._raw:
            line_no += 1
            if not parts:
                if not line.strip():
                    continue  # a blank line is no record
                start = line_no
            if b'"' in line:
                inside = _inside_quotes(line, inside)
            if inside:
                parts.append(line)
                length += len(line)
                if length > MAX_RECORD_BYTES:
                    raise ImportFileError(
                        _("第 %(line)s 行起的引号一直没有闭合，导入在此停止") % {"line": start}
                    )
                continue
            if parts:
                parts.append(line)
                line = b"".join(parts)
                parts, length = [], 0
            starts.append(start)
            records.append(line)
            if len(records) >= size:
                yield _Chunk(starts, records)
                starts, records = [], []
        if parts:
            starts.append(start)
            records.append(b"".join(parts))
        if records:
            yield _Chunk(starts, records, unterminated=bool(parts))
