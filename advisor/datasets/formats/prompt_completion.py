"""Legacy prompt/completion records."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example, string_field
from advisor.datasets.formats.names import PROMPT_COMPLETION
from advisor.datasets.model import SFT, Example, Message, Problem
from advisor.datasets.structure import F012, flag_unknown_keys

PROMPT_COMPLETION_KEYS = {"prompt", "completion", "id", "metadata"}


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    example = new_example(line, PROMPT_COMPLETION, SFT, record)
    flag_unknown_keys(
        example,
        record,
        PROMPT_COMPLETION_KEYS,
        top_level=False,
        hint="prompt/completion rows hold only `prompt` and `completion`",
    )
    prompt = string_field(record, "prompt", example, required=True)
    completion = string_field(record, "completion", example, required=True)
    if "completion" in record and not completion.strip():
        example.problems.append(Problem(F012, line, "`completion` is empty.", "completion"))
    example.messages = [
        Message("user", prompt, bool(prompt.strip())),
        Message("assistant", completion, bool(completion.strip())),
    ]
    return [example]
