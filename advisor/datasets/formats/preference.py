"""Preference data: DPO chosen/rejected pairs (several layouts) and KTO labelled replies."""

from __future__ import annotations

from typing import Any

from advisor.datasets.formats.fields import content_text, new_example, string_field
from advisor.datasets.formats.messages import (
    SHAREGPT_ROLES,
    normalise_chat_messages,
    normalise_sharegpt_turns,
)
from advisor.datasets.formats.names import DPO, KTO
from advisor.datasets.model import PREFERENCE, Example, Message, Problem
from advisor.datasets.structure import F003, F012


def _preference_side(value: Any, line: int, key: str, example: Example) -> list[Message] | None:
    if isinstance(value, str):
        if not value.strip():
            example.problems.append(Problem(F012, line, f"`{key}` is empty.", key))
        example.text_fields.append(((key,), value))
        return [Message("assistant", value, bool(value.strip()))]
    if isinstance(value, dict):
        text, ok = content_text(value.get("content", value.get("value")))
        if not ok or not text.strip():
            example.problems.append(Problem(F012, line, f"`{key}` has no text.", key))
        role = SHAREGPT_ROLES.get(
            str(value.get("role", value.get("from", "assistant"))).lower(), "assistant"
        )
        return [Message(role, text, bool(text.strip()))]
    if isinstance(value, list):
        messages: list[Message] = []
        for item in value:
            messages.extend(_preference_side(item, line, key, example) or [])
        return messages
    example.problems.append(Problem(F003, line, f"`{key}` is missing or not a reply.", key))
    return None


def normalise(record: dict[str, Any], line: int) -> list[Example]:
    fmt = (
        KTO
        if isinstance(record.get("label"), bool)
        and not ("chosen" in record or "rejected" in record)
        else DPO
    )
    example = new_example(line, fmt, PREFERENCE, record)
    if "messages" in record:
        example.messages = normalise_chat_messages(record["messages"], line, ("messages",), example)
    elif "conversations" in record:
        example.messages = normalise_sharegpt_turns(record["conversations"], line, example)
    elif isinstance(record.get("input"), dict):
        example.messages = normalise_chat_messages(
            record["input"].get("messages"), line, ("input", "messages"), example
        )
    elif "prompt" in record or "instruction" in record:
        key = "prompt" if "prompt" in record else "instruction"
        prompt = string_field(record, key, example, required=True)
        example.messages = [Message("user", prompt, bool(prompt.strip()))]
    if fmt == DPO:
        chosen_key = "chosen" if "chosen" in record else "preferred_output"
        rejected_key = "rejected" if "rejected" in record else "non_preferred_output"
        example.chosen = _preference_side(record.get(chosen_key), line, chosen_key, example)
        example.rejected = _preference_side(record.get(rejected_key), line, rejected_key, example)
        if example.chosen:
            example.messages = example.messages + example.chosen
    elif "completion" in record:
        completion = string_field(record, "completion", example, required=True)
        example.messages.append(Message("assistant", completion, bool(completion.strip())))
    return [example]
