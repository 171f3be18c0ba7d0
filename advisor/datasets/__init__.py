"""Dataset readers: any supported file in, a stream of normalised ``Example``s out.

``open_dataset`` sniffs the container and the format from the content (never the
file name), then yields examples lazily so memory does not grow with the file.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.datasets import formats, raw
from advisor.datasets.model import Example, Message, Problem
from advisor.datasets.structure import F002, F003, F004
from advisor.errors import InputError, UsageError
from advisor.rulebook import Rule

__all__ = ["FORMATS", "Dataset", "Example", "Message", "Problem", "open_dataset"]

FORMATS = formats.FORMATS
_DETECTION_WINDOW = 200


@dataclass
class Dataset:
    """An opened dataset: what was detected, and the lazy stream of examples."""

    path: Path
    format: str | None
    container: str | None
    has_bom: bool = False
    crlf: bool = False
    file_problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    text_column: str | None = None
    label_column: str | None = None
    _records: Iterator[raw.RawRecord] = field(default_factory=lambda: iter(()))
    forced: bool = False
    _normalise: Any = None

    @property
    def kind(self) -> str | None:
        return None if self.format is None else formats.kind_of(self.format)

    def examples(self) -> Iterator[Example]:
        """Every example in file order. Unparseable records come out as invalid
        examples carrying their problem, so line numbers are never lost."""
        by_index = self.container == raw.JSON_ARRAY
        for index, record in enumerate(self._records):
            ordinal = index if by_index else record.line
            for example in self.normalise_record(record):
                example.ordinal = ordinal
                yield example

    def normalise_record(self, record: raw.RawRecord) -> Iterator[Example]:
        """The example(s) one raw record holds, or one invalid example with its problem;
        the reader's problems with a record it could still read go to the first one."""
        examples = self._examples(record)
        if not record.extra:
            yield from examples
            return
        for index, example in enumerate(examples):
            if index == 0:
                example.problems.extend(record.extra)
            yield example

    def _examples(self, record: raw.RawRecord) -> Iterator[Example]:
        expected = self.format
        if record.problem is not None:
            yield self._invalid(record)
            return
        value = record.value
        if not isinstance(value, dict):
            message = f"Each example must be a JSON object, not {_json_type(value)}."
            yield self._invalid(record, F002, message)
            return
        if self.container == raw.TABLE or expected == formats.CLASSIFICATION_FORMAT:
            yield from self._normalise(value, record.line)
            return
        if self.forced and expected is not None:
            yield from formats.NORMALISERS[expected](value, record.line)
            return
        found = formats.record_format(value)
        if found is None:
            keys = ", ".join(map(repr, list(value)[:6])) or "no keys"
            message = (
                f"Not a recognised example (keys: {keys}); expected the fields of "
                f"{expected or 'a supported format'}."
            )
            yield self._invalid(record, F003, message)
            return
        if expected is not None and found != expected and not _compatible(found, expected):
            message = (
                f"This row is {found} but the file is {expected}; one file must use one format."
            )
            yield self._invalid(record, F004, message, found)
            return
        yield from formats.NORMALISERS[found](value, record.line)

    def _invalid(
        self,
        record: raw.RawRecord,
        rule: Rule | None = None,
        message: str = "",
        found: str | None = None,
    ) -> Example:
        """An example that could not be normalised, carrying why (and its line): the
        reader's problem, or ``rule`` with ``message``."""
        problem = record.problem
        if problem is None:
            assert rule is not None
            problem = Problem(rule, record.line, message)
        return Example(
            line=record.line,
            format=found or self.format or "unknown",
            kind=formats.kind_of(found) if found else "unknown",
            record=record.value,
            problems=[problem],
        )


def _compatible(found: str, expected: str | None) -> bool:
    return {found, expected} <= set(formats.PREFERENCE_FORMATS)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def open_dataset(
    path: Path | str,
    *,
    input_format: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> Dataset:
    """Open ``path`` and work out its format; examples are read when iterated."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; name a data file.")
    if input_format is not None and input_format not in FORMATS:
        raise UsageError(
            f"Unknown --input-format {input_format!r}; choose from {', '.join(FORMATS)}."
        )
    info, problems = raw.sniff(path)
    if info is None:
        return Dataset(path, None, None, file_problems=problems)
    records = raw.read_records(path, info)
    head = list(itertools.islice(records, _DETECTION_WINDOW))
    stream = itertools.chain(head, records)
    dataset = Dataset(path, None, info.container, info.has_bom, info.crlf, _records=stream)
    values = [r.value for r in head if r.problem is None and isinstance(r.value, dict)]
    wants_classification = input_format == formats.CLASSIFICATION_FORMAT or (
        input_format is None and (info.container == raw.TABLE or text_column or label_column)
    )
    if wants_classification:
        text, label, notes = formats.choose_columns(values, text_column, label_column)
        dataset.notes.extend(notes)
        if text is None or label is None:
            columns = ", ".join(map(repr, values[0])) if values else "none"
            dataset.file_problems.append(
                Problem(
                    F003,
                    1,
                    f"Cannot tell which column is the text and which the label (columns: "
                    f"{columns}); pass --text-column and --label-column.",
                )
            )
            dataset._records = iter(())
            return dataset
        dataset.format = formats.CLASSIFICATION_FORMAT
        dataset.text_column, dataset.label_column = text, label
        dataset._normalise = formats.make_classification_normaliser(text, label)
        return dataset
    if input_format is not None:
        dataset.format = input_format
        dataset.forced = True
        return dataset
    votes = Counter(f for f in map(formats.record_format, values) if f is not None)
    if votes:
        dataset.format = votes.most_common(1)[0][0]
        if dataset.format == formats.CLASSIFICATION_FORMAT:
            text, label, notes = formats.choose_columns(values, None, None)
            dataset.text_column, dataset.label_column = text, label
            dataset._normalise = formats.make_classification_normaliser(text or "", label or "")
    return dataset
