"""Content parts of OpenAI-style messages: shapes other tools write, and images.

OpenAI's chat format allows a message's content to be a list of parts:
``{"type": "text", "text": ...}`` and ``{"type": "image_url", "image_url": {"url":
...}}`` (plus audio and file parts). Other tools write look-alikes that hosted
fine-tuning rejects: LLaMA-Factory v1 ``{"type": "text", "value": ...}``, Hugging
Face / Qwen ``{"type": "image", "image": ...}``, Anthropic ``{"type": "image",
"source": {...}}``. F026 names the shape and the fix; F025 is an image in a turn
that is not the user's (no provider trains on image outputs). The images of an
example are recorded (turn, media type, size) for the provider's limits (T004).
"""

from __future__ import annotations

import re
from typing import Any

from advisor.datasets.model import Example, Image, Problem
from advisor.datasets.structure import F025, F026

OPENAI_PART_TYPES = {"text", "image_url", "input_audio", "file"}
DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(;base64)?,", re.I)
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})(?:[?#]|$)")
_MEDIA_BY_EXTENSION = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
    "heic": "image/heic",
}


def inspect_parts(parts: list[Any], where: str, role: Any, line: int, example: Example) -> None:
    """F025/F026 for one message's content parts; records its images on ``example``."""
    for index, part in enumerate(parts):
        if not isinstance(part, dict):
            continue
        kind = part.get("type", "text")
        at = f"{where}.content[{index}]"
        if kind == "text" and "value" in part and "text" not in part:
            example.problems.append(
                Problem(
                    F026,
                    line,
                    f'{at} is a LLaMA-Factory text part {{"type": "text", "value": …}}; '
                    'OpenAI-style data writes {"type": "text", "text": …} (the fix renames it).',
                    at,
                    blocking=False,
                )
            )
        elif kind == "image" or (kind not in OPENAI_PART_TYPES and "source" in part):
            shape = "an Anthropic" if "source" in part else "a Hugging Face / Qwen"
            example.problems.append(
                Problem(
                    F026,
                    line,
                    f"{at} is {shape} image part ({{'type': {kind!r}, …}}); OpenAI-style data "
                    'writes {"type": "image_url", "image_url": {"url": "https://… or '
                    'data:image/png;base64,…"}}.',
                    at,
                )
            )
        elif kind not in OPENAI_PART_TYPES:
            example.problems.append(
                Problem(
                    F026,
                    line,
                    f"{at} has part type {kind!r}; OpenAI-style content parts are "
                    "text, image_url, input_audio and file.",
                    at,
                )
            )
        if kind == "image_url" or kind == "image":
            if role != "user":
                example.problems.append(
                    Problem(
                        F025,
                        line,
                        f"{at} is an image in the {role}'s turn; images may only be "
                        "inputs, in user turns.",
                        at,
                    )
                )
            example.images.append(_image(part, index, where))


def _image(part: dict[str, Any], index: int, where: str) -> Image:
    """What the provider's limits need to know about one image part."""
    target = part.get("image_url")
    url = target.get("url") if isinstance(target, dict) else target
    if not isinstance(url, str):
        return Image(f"{where}.content[{index}]", None, None)
    match = DATA_URL.match(url[:200])
    if match:
        payload = len(url) - match.end()
        size = payload * 3 // 4 if match.group(2) else payload
        return Image(f"{where}.content[{index}]", (match.group(1) or "").lower() or None, size)
    extension = _EXTENSION.search(url.split("?", 1)[0][-12:] + "?")
    media = _MEDIA_BY_EXTENSION.get(extension.group(1).lower()) if extension else None
    return Image(f"{where}.content[{index}]", media, None)
