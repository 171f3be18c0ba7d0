"""Raw text records (``text``): continued pre-training data, no turns."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example, string_field
from advisor.datasets.formats.names import RAW_TEXT
from advisor.datasets.model import TEXT, Example, Message, Problem
from advisor.datasets.structure import F012


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    example = new_example(line, RAW_TEXT, TEXT, record)
    text = string_field(record, "text", example, required=True)
    if "text" in record and not text.strip():
        example.problems.append(Problem(F012, line, "`text` is empty.", "text"))
    example.messages = [Message("assistant", text, bool(text.strip()))]
    return [example]
