"""Tokens and limits (T): examples over the training context, control tokens in the
text, and counts from an approximate tokenizer."""

from __future__ import annotations

import re

from advisor.linter.rules.base import Hit, TextCheck
from advisor.rulebook import rule

T001 = rule("T001", "over-token-limit", scope="example")
T002 = rule("T002", "special-token-in-text", scope="example")
T003 = rule("T003", "approximate-token-counts", scope="file")

SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{2,40}\|>")


def over_limit_message(tokens: int, limit: int, encoding: str, model: str) -> str:
    """T001: the example will be truncated at the model's training context."""
    return (
        f"{tokens:,} tokens ({encoding}), over the {limit:,}-token training limit of "
        f"{model}; it will be truncated. Shorten or split it."
    )


def special_tokens(field: str, text: str, hits: list[Hit]) -> None:
    """T002: a tokenizer control token written into the text."""
    if "<|" in text:
        match = SPECIAL_TOKEN.search(text)
        if match:
            hits.append(
                (
                    T002.code,
                    f"{field} contains the control token {match.group(0)!r}; remove or escape it.",
                    field,
                )
            )


TEXT_CHECKS = (TextCheck((T002,), lambda joined: "<|" in joined, special_tokens),)
