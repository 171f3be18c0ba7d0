"""Conversations as OpenAI-style role/content messages or ShareGPT turns (shared by
the chat, ShareGPT and preference readers)."""

from __future__ import annotations

import json
from typing import Any

from advisor.datasets.formats.fields import content_text, has_text, text_paths
from advisor.datasets.formats.parts import inspect_parts
from advisor.datasets.model import Example, Message, Problem
from advisor.datasets.structure import F005, F006, F007, F012, F017, F021, F026, unknown_keys

CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


MESSAGE_KEYS = {
    "role",
    "content",
    "name",
    "function_call",
    "tool_calls",
    "tool_call_id",
    "weight",
    "refusal",
    "loss_weight",
}


SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
    "function": "tool",
}


def normalise_chat_messages(
    raw_messages: Any, line: int, base: tuple[Any, ...], example: Example
) -> list[Message]:
    """OpenAI-style role/content messages (also used for preference prompts).

    This runs once per message of every file, so the common case (a dict with a
    known role and string content) takes the shortest path and error messages
    are only formatted when there is an error.
    """
    problems = example.problems
    key = base[-1]
    if not isinstance(raw_messages, list) or not raw_messages:
        problems.append(
            Problem(F007, line, f"`{key}` must be a non-empty list of messages.", str(key))
        )
        return []
    messages: list[Message] = []
    text_fields = example.text_fields
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            where = f"{key}[{index}]"
            problems.append(
                Problem(F007, line, f"{where} is {type(raw).__name__}, not an object.", where)
            )
            continue
        role = raw.get("role")
        if not isinstance(role, str) or role not in CHAT_ROLES:
            where = f"{key}[{index}]"
            if not isinstance(role, str):
                problems.append(Problem(F007, line, f"{where} has no `role`.", where))
                continue
            problems.append(
                Problem(
                    F006,
                    line,
                    f"{where} has role {role!r}; use one of system, user, assistant, tool.",
                    f"{where}.role",
                )
            )
        if not raw.keys() <= MESSAGE_KEYS:
            where = f"{key}[{index}]"
            extra = unknown_keys(raw, MESSAGE_KEYS)
            problems.append(
                Problem(
                    F005,
                    line,
                    f"{where} has unknown key(s) {', '.join(map(repr, extra))}; "
                    "providers reject or ignore them.",
                    where,
                )
            )
        content = raw.get("content")
        tool_calls = raw.get("tool_calls")
        function_call = raw.get("function_call")
        if function_call is not None and tool_calls is None:
            tool_calls = [{"type": "function", "function": function_call, "legacy": True}]
        if isinstance(content, str):
            text, well_formed = content, True
            text_fields.append(((*base, index, "content"), content))
        else:
            text, well_formed = content_text(content)
            text_fields.extend(text_paths(content, (*base, index, "content")))
            if isinstance(content, list):
                inspect_parts(content, f"{key}[{index}]", role, line, example)
            if "content" not in raw and tool_calls is None:
                where = f"{key}[{index}]"
                problems.append(Problem(F007, line, f"{where} has no `content`.", where))
        # An image-only user turn is not empty.
        present = has_text(text) or (isinstance(content, list) and _has_media(content))
        if not well_formed:
            where = f"{key}[{index}]"
            problems.append(
                Problem(
                    F007,
                    line,
                    f"{where}.content must be a string or a list of text parts, "
                    f"not {type(content).__name__}.",
                    f"{where}.content",
                )
            )
        elif not present and not tool_calls and "content" in raw:
            where = f"{key}[{index}]"
            problems.append(
                Problem(F012, line, f"{where} ({role}) has empty content.", f"{where}.content")
            )
        if "loss_weight" in raw:
            where = f"{key}[{index}]"
            problems.append(
                Problem(
                    F026,
                    line,
                    f"{where} has LLaMA-Factory's `loss_weight`; OpenAI-style data marks a "
                    "turn to skip with `weight`: 0 or 1, on assistant turns only (the fix "
                    "converts 0 and 1).",
                    f"{where}.loss_weight",
                    blocking=False,
                )
            )
        weight = raw.get("weight")
        if weight is not None and (isinstance(weight, bool) or weight not in (0, 1)):
            where = f"{key}[{index}]"
            problems.append(
                Problem(
                    F017,
                    line,
                    f"{where}.weight is {weight!r}; it must be the integer 0 or 1.",
                    f"{where}.weight",
                )
            )
        name = raw.get("name")
        call_id = raw.get("tool_call_id")
        if tool_calls is not None and not isinstance(tool_calls, list):
            where = f"{key}[{index}]"
            problems.append(
                Problem(F007, line, f"{where}.tool_calls must be a list.", f"{where}.tool_calls")
            )
            tool_calls = None
        messages.append(
            Message(
                role=role,
                content=text,
                has_content=present,
                name=name if isinstance(name, str) else None,
                tool_calls=tool_calls,
                tool_call_id=call_id if isinstance(call_id, str) else None,
                weight=weight,
            )
        )
    return messages


def normalise_sharegpt_turns(raw_turns: Any, line: int, example: Example) -> list[Message]:
    problems = example.problems
    if not isinstance(raw_turns, list) or not raw_turns:
        problems.append(
            Problem(
                F007,
                line,
                "`conversations` must be a non-empty list of turns.",
                "conversations",
            )
        )
        return []
    messages: list[Message] = []
    for index, raw in enumerate(raw_turns):
        where = f"conversations[{index}]"
        if not isinstance(raw, dict):
            problems.append(
                Problem(F007, line, f"{where} is {type(raw).__name__}, not an object.", where)
            )
            continue
        source = raw.get("from", raw.get("role"))
        value_key = "value" if "value" in raw else "content"
        value = raw.get(value_key)
        if not isinstance(source, str):
            problems.append(Problem(F007, line, f"{where} has no `from`.", where))
            continue
        role = SHAREGPT_ROLES.get(source.lower())
        if role is None:
            problems.append(
                Problem(
                    F006,
                    line,
                    f"{where} is from {source!r}; ShareGPT turns come from human, gpt, "
                    "system, function_call or observation.",
                    f"{where}.from",
                )
            )
            role = source
        text, well_formed = content_text(value)
        if not well_formed or value is None:
            problems.append(
                Problem(
                    F007,
                    line,
                    f"{where}.{value_key} must be a string.",
                    f"{where}.{value_key}",
                )
            )
        elif not text.strip():
            problems.append(
                Problem(
                    F012,
                    line,
                    f"{where} ({source}) has empty content.",
                    f"{where}.{value_key}",
                )
            )
        tool_calls = None
        if source.lower() == "function_call":
            tool_calls = [_sharegpt_call(text, line, where, problems)]
            text_for_message = ""
        else:
            text_for_message = text
            example.text_fields.extend(text_paths(value, ("conversations", index, value_key)))
        messages.append(
            Message(
                role=role,
                content=text_for_message,
                has_content=bool(text_for_message.strip()),
                tool_calls=tool_calls,
            )
        )
    return messages


def _sharegpt_call(value: str, line: int, where: str, problems: list[Problem]) -> dict[str, Any]:
    try:
        call = json.loads(value)
    except ValueError:
        problems.append(
            Problem(F021, line, f"{where} function_call is not valid JSON.", f"{where}.value")
        )
        return {"type": "function", "function": {"name": None, "arguments": value}}
    if not isinstance(call, dict):
        problems.append(
            Problem(F021, line, f"{where} function_call must be a JSON object.", f"{where}.value")
        )
        return {"type": "function", "function": {"name": None, "arguments": value}}
    arguments = call.get("arguments", {})
    return {
        "type": "function",
        "sharegpt": True,
        "function": {
            "name": call.get("name"),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }


def _has_media(parts: list[Any]) -> bool:
    return any(isinstance(p, dict) and p.get("type", "text") != "text" for p in parts)
