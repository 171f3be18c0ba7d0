"""Turn bytes on disk into raw records with their 1-based source line.

This layer knows about containers (JSON Lines, a JSON array, concatenated JSON
documents, CSV/TSV tables) and encodings, not about fine-tuning formats. It
never stops at a bad line: each broken line becomes a ``Problem`` and reading
goes on, which is what users of every existing validator asked for.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.datasets.model import Problem
from advisor.datasets.strict_json import StrictDecoder
from advisor.datasets.structure import F001, F018, F019, F024
from advisor.errors import InputError

JSONL = "jsonl"
JSON_ARRAY = "json"
TABLE = "table"

_SNIFF_BYTES = 64 * 1024
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_WHITESPACE = re.compile(r"\s*")
csv.field_size_limit(1 << 30)

# One strict decoder per process (worker processes fork their own copy).
_STRICT = StrictDecoder()


@dataclass(slots=True)
class RawRecord:
    """One parsed value (``value``) or the reason it could not be parsed (``problem``)."""

    line: int
    value: Any = None
    problem: Problem | None = None
    # Problems of a record that was still read (non-standard JSON, F024).
    extra: tuple[Problem, ...] = ()


@dataclass(slots=True)
class FileInfo:
    """What the container sniffing learnt about a file before reading it."""

    container: str
    has_bom: bool = False
    crlf: bool = False
    delimiter: str | None = None


def sniff(path: Path) -> tuple[FileInfo | None, list[Problem]]:
    """Look at the first bytes: encoding, emptiness, and which container this is.

    Returns ``(None, problems)`` when the file cannot be read as text at all.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc}).") from exc
    for bom, name in _UTF16_32_BOMS:
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF8):
            return None, [
                Problem(
                    F018,
                    1,
                    f"The file is {name}-encoded; fine-tuning APIs expect UTF-8. "
                    f"Convert it, e.g. `iconv -f {name} -t UTF-8`.",
                )
            ]
    has_bom = head.startswith(codecs.BOM_UTF8)
    body = head[3:] if has_bom else head
    if not body.strip():
        return None, [Problem(F019, None, "The file is empty: it holds no examples.")]
    if b"\x00" in body:
        return None, [
            Problem(
                F018,
                body[: body.index(b"\x00")].count(b"\n") + 1,
                "The file holds NUL bytes: it looks binary (or UTF-16 without a BOM), not "
                "UTF-8 text.",
            )
        ]
    crlf = b"\r\n" in body
    stripped = body.lstrip()
    first = stripped[:1]
    if first == b"[":
        return FileInfo(JSON_ARRAY, has_bom, crlf), []
    if first == b"{":
        return FileInfo(JSONL, has_bom, crlf), []
    header = stripped.split(b"\n", 1)[0].decode("utf-8", "replace")
    delimiter = _guess_delimiter(header)
    return FileInfo(TABLE, has_bom, crlf, delimiter), []


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_records(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    """Yield every record of the file in order, parsed or with its parse problem."""
    if info.container == JSONL:
        yield from _read_json_lines(path)
    elif info.container == JSON_ARRAY:
        yield from _read_json_document(path)
    else:
        yield from _read_table(path, info.delimiter or ",")


def _decode_line(raw: bytes, number: int) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, Problem(
            F018,
            number,
            f"Line is not valid UTF-8 (byte {exc.start + 1}: {raw[exc.start : exc.start + 1]!r}); "
            "re-save the file as UTF-8.",
        )


def _read_json_lines(path: Path) -> Iterator[RawRecord]:
    """JSON Lines: one document per line. Falls back to a document stream when the
    first document spans several lines (pretty-printed objects)."""
    if not one_record_per_line(path):
        yield from _read_json_document(path)
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            record = parse_json_line(raw, number)
            if record is not None:
                yield record


def parse_json_line(
    raw: bytes, number: int, *, first_in_file: bool | None = None
) -> RawRecord | None:
    """One line of a JSON Lines file; None for a blank line."""
    if (number == 1 if first_in_file is None else first_in_file) and raw.startswith(
        codecs.BOM_UTF8
    ):
        raw = raw[3:]
    text, problem = _decode_line(raw, number)
    if problem is not None:
        return RawRecord(number, problem=problem)
    assert text is not None
    if not text or text.isspace():
        return None
    try:
        value, found = _STRICT.loads(text)
    except ValueError as exc:
        return RawRecord(number, problem=_json_problem(exc, number, text))
    except RecursionError:
        return RawRecord(number, problem=Problem(F001, number, "JSON nested too deeply to parse."))
    return RawRecord(number, value, extra=non_standard(found, number))


def non_standard(found: list[str], line: int) -> tuple[Problem, ...]:
    """F024 for a record that Python reads but standard JSON does not allow."""
    if not found:
        return ()
    message = f"Not standard JSON: {'; '.join(found)}. Providers' strict parsers reject it."
    return (Problem(F024, line, message),)


def one_record_per_line(path: Path) -> bool:
    """False when the first non-blank line opens a multi-line (pretty-printed) document."""
    with path.open("rb") as handle:
        for raw in handle:
            first = raw.strip().removeprefix(codecs.BOM_UTF8)
            if first:
                return not first.startswith(b"{") or is_complete_json(first)
    return True


def line_ranges(path: Path, parts: int) -> list[tuple[int, int, int]]:
    """Split a file into about ``parts`` byte ranges that start at line starts.

    Returns ``(start, end, first_line)`` triples, ``first_line`` being the
    1-based number of the range's first line."""
    size = path.stat().st_size
    step = max(1, size // max(1, parts))
    ranges: list[tuple[int, int]] = []
    start = 0
    with path.open("rb") as handle:
        while start < size:
            handle.seek(min(size, start + step))
            handle.readline()
            end = min(size, handle.tell()) if start + step < size else size
            ranges.append((start, end))
            start = end
        first_lines = []
        line = 1
        for start, end in ranges:
            first_lines.append(line)
            handle.seek(start)
            line += handle.read(end - start).count(b"\n")
    return [(start, end, first) for (start, end), first in zip(ranges, first_lines, strict=True)]


def read_json_line_range(path: Path, start: int, end: int, first_line: int) -> list[RawRecord]:
    """Parse the lines in ``[start, end)``, the first of which is ``first_line``."""
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    records = []
    for number, raw in enumerate(lines, start=first_line):
        record = parse_json_line(raw, number)
        if record is not None:
            records.append(record)
    return records


def is_complete_json(first_line: bytes) -> bool:
    try:
        json.loads(first_line)
    except (ValueError, RecursionError):
        return False
    return True


def _json_problem(exc: ValueError, number: int, text: str) -> Problem:
    if isinstance(exc, json.JSONDecodeError):
        if exc.pos >= len(exc.doc.rstrip()):
            # json reports the end of a cut-short line as column 1 of the next line;
            # the useful fact is that the object never closed.
            detail = (
                f"the line ends before the object is complete ({exc.msg}; a missing '}}' or ']'?)"
            )
        else:
            detail = f"{exc.msg} at column {exc.colno}"
        snippet = text.strip()
        if len(snippet) > 60:
            snippet = snippet[:57] + "..."
        message = (
            f"Invalid JSON: {detail}. Each line must be one complete JSON object "
            f"(check quotes and escapes); line starts {snippet!r}."
        )
    else:
        message = f"Invalid JSON: {exc}."
    return Problem(F001, number, message)


def _read_json_document(path: Path) -> Iterator[RawRecord]:
    """A JSON array (or a stream of JSON documents), yielding each element with
    the line where it starts. On a syntax error, resynchronise at the next line
    that opens an object so one bad element does not hide the rest."""
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield RawRecord(
            line,
            problem=Problem(
                F018, line, "The file is not valid UTF-8 here; re-save the file as UTF-8."
            ),
        )
        text = raw.decode("utf-8", "replace")
    decoder = StrictDecoder()
    ws = _WHITESPACE
    pos = ws.match(text, 0).end()
    in_array = text.startswith("[", pos)
    if in_array:
        pos += 1
    line = 1
    counted_to = 0

    def line_at(offset: int) -> int:
        nonlocal line, counted_to
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        return line

    length = len(text)
    while True:
        pos = ws.match(text, pos).end()
        if pos >= length:
            if in_array:
                yield RawRecord(
                    line_at(length),
                    problem=Problem(
                        F001, line_at(length), "Invalid JSON: the array is not closed with ']'."
                    ),
                )
            return
        char = text[pos]
        if in_array and char == "]":
            rest = text[pos + 1 :].strip()
            if rest:
                where = line_at(pos)
                yield RawRecord(
                    where,
                    problem=Problem(F001, where, "Invalid JSON: text after the closing ']'."),
                )
            return
        if in_array and char == ",":
            pos += 1
            continue
        start_line = line_at(pos)
        try:
            value, end, found = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            bad_offset = getattr(exc, "pos", pos) or pos
            bad_line = line_at(max(bad_offset, pos))
            message = (
                f"Invalid JSON in the element starting on line {start_line}: "
                f"{getattr(exc, 'msg', exc)} (line {bad_line})."
            )
            yield RawRecord(start_line, problem=Problem(F001, start_line, message))
            resume = _next_object_start(text, max(bad_offset, pos + 1))
            if resume is None:
                return
            pos = resume
            continue
        yield RawRecord(start_line, value, extra=non_standard(found, start_line))
        pos = end


_OBJECT_LINE = re.compile(r"\n[ \t]*\{")


def _next_object_start(text: str, offset: int) -> int | None:
    match = _OBJECT_LINE.search(text, offset)
    return None if match is None else match.end() - 1


def _read_table(path: Path, delimiter: str) -> Iterator[RawRecord]:
    """CSV/TSV with a header row; each row becomes a dict keyed by column name."""
    with path.open("rb") as binary:
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        reader = csv.reader(stream, delimiter=delimiter, quoting=quoting)
        try:
            header = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield RawRecord(
                1,
                problem=Problem(
                    F018 if isinstance(exc, UnicodeDecodeError) else F001,
                    1,
                    f"Cannot read the header row: {exc}.",
                ),
            )
            return
        columns = [name.strip() for name in header]
        previous_end = reader.line_num
        while True:
            start = previous_end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                yield RawRecord(
                    start,
                    problem=Problem(
                        F018,
                        start,
                        "The file is not valid UTF-8 from here on; re-save it as UTF-8.",
                    ),
                )
                return
            except csv.Error as exc:
                previous_end = reader.line_num
                yield RawRecord(start, problem=Problem(F001, start, f"Malformed row: {exc}."))
                continue
            previous_end = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                yield RawRecord(
                    start,
                    problem=Problem(
                        F001,
                        start,
                        f"Malformed row: {len(row)} fields where the header has {len(columns)}; "
                        "quote fields that contain the delimiter.",
                    ),
                )
                continue
            yield RawRecord(start, dict(zip(columns, row, strict=True)))
