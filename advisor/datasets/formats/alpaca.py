"""Alpaca records: ``instruction``, ``input``, ``output``, optional ``system`` and ``history``."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import new_example, string_field
from advisor.datasets.formats.names import ALPACA
from advisor.datasets.model import SFT, Example, Message, Problem
from advisor.datasets.structure import F007, F012, flag_unknown_keys

ALPACA_KEYS = {"instruction", "input", "output", "system", "history", "id", "text", "category"}


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    example = new_example(line, ALPACA, SFT, record)
    flag_unknown_keys(example, record, ALPACA_KEYS, top_level=False)
    instruction = string_field(record, "instruction", example, required=True)
    given = string_field(record, "input", example, required=False)
    output = string_field(record, "output", example, required=True)
    system = string_field(record, "system", example, required=False)
    messages: list[Message] = []
    if system.strip():
        messages.append(Message("system", system))
    history = record.get("history")
    if isinstance(history, list):
        for turn in history:
            if isinstance(turn, list) and len(turn) == 2 and all(isinstance(t, str) for t in turn):
                messages.append(Message("user", turn[0], bool(turn[0].strip())))
                messages.append(Message("assistant", turn[1], bool(turn[1].strip())))
            else:
                example.problems.append(
                    Problem(F007, line, "`history` must be a list of [user, assistant] pairs.")
                )
                break
    prompt = instruction + ("\n\n" + given if given.strip() else "")
    messages.append(Message("user", prompt, bool(prompt.strip())))
    messages.append(Message("assistant", output, bool(output.strip())))
    if "instruction" in record and not instruction.strip():
        example.problems.append(Problem(F012, line, "`instruction` is empty.", "instruction"))
    if "output" in record and not output.strip():
        example.problems.append(Problem(F012, line, "`output` is empty.", "output"))
    example.messages = messages
    return [example]
