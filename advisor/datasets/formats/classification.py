"""Classification rows: a text column and a label column (tables or JSON Lines)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from advisor.datasets.formats.fields import new_example
from advisor.datasets.formats.names import CLASSIFICATION_FORMAT
from advisor.datasets.model import CLASSIFICATION, Example, Message, Problem
from advisor.datasets.structure import F003, F012


def make_classification_normaliser(
    text_column: str, label_column: str
) -> Callable[[dict[str, Any], int], list[Example]]:
    """Rows of a table (or JSONL) with a text and a label column."""

    def normalise(record: dict[str, Any], line: int) -> list[Example]:
        example = new_example(line, CLASSIFICATION_FORMAT, CLASSIFICATION, record)
        if text_column not in record:
            example.problems.append(
                Problem(F003, line, f"Missing the text column {text_column!r}.", text_column)
            )
        if label_column not in record:
            example.problems.append(
                Problem(F003, line, f"Missing the label column {label_column!r}.", label_column)
            )
        text = record.get(text_column)
        label = record.get(label_column)
        text = text if isinstance(text, str) else ("" if text is None else str(text))
        if isinstance(record.get(text_column), str):
            example.text_fields.append(((text_column,), text))
        label_text = "" if label is None else str(label).strip()
        if text_column in record and not text.strip():
            example.problems.append(Problem(F012, line, "The text is empty.", text_column))
        if label_column in record and not label_text:
            example.problems.append(Problem(F012, line, "The label is empty.", label_column))
        example.label = label_text
        example.messages = [
            Message("user", text, bool(text.strip())),
            Message("assistant", label_text, bool(label_text)),
        ]
        return [example]

    return normalise
