"""Helpers every reader shares: message text from content parts, text field paths,
required string fields."""

from __future__ import annotations

from typing import Any

from advisor.datasets.model import Example, Problem
from advisor.datasets.structure import F003, F007


def content_text(content: Any) -> tuple[str, bool]:
    """Text of a message's content: a string, None, or a list of parts.

    Returns ``(text, well_formed)``. Parts may carry ``text`` (OpenAI) or
    ``value`` (LLaMA-Factory v1); non-text parts (images, audio) add no text.
    """
    if content is None:
        return "", True
    if isinstance(content, str):
        return content, True
    if isinstance(content, list):
        pieces: list[str] = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                value = part.get("text", part.get("value"))
                if part.get("type", "text") == "text":
                    if not isinstance(value, str):
                        return "", False
                    pieces.append(value)
            else:
                return "", False
        return "".join(pieces), True
    return "", False


def text_paths(content: Any, base: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(content, str):
        return [(base, content)]
    fields: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, dict):
                key = "text" if "text" in part else "value"
                if isinstance(part.get(key), str):
                    fields.append(((*base, index, key), part[key]))
    return fields


def has_text(text: str) -> bool:
    """True when ``text`` holds something other than whitespace (without copying it)."""
    return bool(text) and not text.isspace()


def new_example(line: int, fmt: str, kind: str, record: Any) -> Example:
    return Example(line=line, format=fmt, kind=kind, record=record)


def string_field(record: dict[str, Any], key: str, example: Example, *, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            example.problems.append(
                Problem(F003, example.line, f"Missing required field `{key}`.", key)
            )
        return ""
    if not isinstance(value, str):
        example.problems.append(
            Problem(
                F007,
                example.line,
                f"`{key}` must be a string, not {type(value).__name__}.",
                key,
            )
        )
        return str(value)
    example.text_fields.append(((key,), value))
    return value
