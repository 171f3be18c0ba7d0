"""Vertex AI Gemini tuning records: ``contents`` of user/model turns made of parts."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import has_text, new_example
from advisor.datasets.formats.names import GEMINI
from advisor.datasets.model import SFT, Example, Message, Problem
from advisor.datasets.structure import F006, F007, F012, check_conversation, flag_unknown_keys

# Vertex AI / Gemini supervised tuning: {"systemInstruction": {...}, "contents": [...]}.
GEMINI_TOP_KEYS = {"contents", "systemInstruction", "system_instruction"}


GEMINI_ROLES = {"user": "user", "model": "assistant"}


def _gemini_parts(
    raw: Any, where: str, path: tuple[Any, ...], example: Example
) -> tuple[str, bool]:
    """Text of a Gemini ``parts`` list; non-text parts (fileData, inlineData) add none."""
    if not isinstance(raw, list) or not raw:
        example.problems.append(
            Problem(F007, example.line, f"{where}.parts must be a non-empty list.", where)
        )
        return "", False
    pieces = []
    for index, part in enumerate(raw):
        if not isinstance(part, dict):
            example.problems.append(
                Problem(F007, example.line, f"{where}.parts[{index}] is not an object.", where)
            )
            continue
        if "text" in part:
            if not isinstance(part["text"], str):
                example.problems.append(
                    Problem(F007, example.line, f"{where}.parts[{index}].text is not a string.")
                )
                continue
            pieces.append(part["text"])
            example.text_fields.append(((*path, "parts", index, "text"), part["text"]))
    return "".join(pieces), True


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    """Vertex AI Gemini tuning records: ``contents`` of user/model turns made of parts."""
    example = new_example(line, GEMINI, SFT, record)
    flag_unknown_keys(
        example,
        record,
        GEMINI_TOP_KEYS,
        top_level=True,
        hint="Gemini tuning examples hold `contents` and optionally `systemInstruction`",
    )
    messages: list[Message] = []
    system_key = "systemInstruction" if "systemInstruction" in record else "system_instruction"
    system = record.get(system_key)
    if system is not None:
        if isinstance(system, dict):
            text, _ = _gemini_parts(system.get("parts"), system_key, (system_key,), example)
            messages.append(Message("system", text, has_text(text)))
        else:
            example.problems.append(
                Problem(F007, line, f"`{system_key}` must be an object with `parts`.")
            )
    contents = record.get("contents")
    if not isinstance(contents, list) or not contents:
        example.problems.append(
            Problem(F007, line, "`contents` must be a non-empty list of turns.", "contents")
        )
        contents = []
    for index, turn in enumerate(contents):
        where = f"contents[{index}]"
        if not isinstance(turn, dict):
            example.problems.append(Problem(F007, line, f"{where} is not an object.", where))
            continue
        role = turn.get("role")
        if role not in GEMINI_ROLES:
            example.problems.append(
                Problem(
                    F006,
                    line,
                    f"{where} has role {role!r}; Gemini turns are 'user' or 'model'.",
                    f"{where}.role",
                )
            )
            continue
        text, _ = _gemini_parts(turn.get("parts"), where, ("contents", index), example)
        if not has_text(text):
            example.problems.append(
                Problem(F012, line, f"{where} ({role}) has empty content.", f"{where}.parts")
            )
        messages.append(Message(GEMINI_ROLES[role], text, has_text(text)))
    example.messages = messages
    check_conversation(example)
    return [example]
