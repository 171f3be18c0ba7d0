"""Tokens and limits (T): examples over the training context, control tokens in the
text, and counts from an approximate tokenizer."""

from __future__ import annotations

import re

from advisor.datasets.model import Image
from advisor.linter.rules.base import Hit, TextCheck
from advisor.providers.models import ImageLimits
from advisor.rulebook import rule

# T001 reads the unique count too: the cost takes its epochs from it.
T001 = rule("T001", "over-token-limit", scope="example", needs=("keys", "tokens", "encoder"))
T002 = rule("T002", "special-token-in-text", scope="example")
T003 = rule("T003", "approximate-token-counts", scope="file", needs=("encoder",))
T004 = rule("T004", "image-limits", scope="example")

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


def image_limits(images: list[Image], limits: ImageLimits, provider: str, hits: list[Hit]) -> None:
    """T004: more images than the provider takes in one example, an image type it
    does not accept, or a data-URL image over its size limit."""
    if len(images) > limits.max_per_example:
        hits.append(
            (
                T004.code,
                f"{len(images)} images in one example; {provider} takes at most "
                f"{limits.max_per_example}. Split the example.",
                None,
            )
        )
    accepted = ", ".join(kind.split("/")[-1].upper() for kind in limits.media_types)
    for image in images:
        if image.media_type is not None and image.media_type not in limits.media_types:
            hits.append(
                (
                    T004.code,
                    f"{image.where} is {image.media_type}; {provider} accepts {accepted}. "
                    "Convert it.",
                    image.where,
                )
            )
        if image.size is not None and image.size > limits.max_bytes:
            hits.append(
                (
                    T004.code,
                    f"{image.where} is {image.size / 1e6:.1f} MB; {provider} takes images up "
                    f"to {limits.max_bytes / 1e6:.1f} MB. Downscale or recompress it.",
                    image.where,
                )
            )
