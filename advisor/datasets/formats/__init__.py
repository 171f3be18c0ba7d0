"""Every format advisor reads, behind one registry.

A format is a name (``names.py``), a kind of data, and a normaliser that turns one
raw record into ``Example``s (its own module). Detection (``detect.py``) decides
which format a record is in. To add a format: write its module, add its name,
teach ``detect.record_format`` to recognise it, and register it below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from advisor.datasets.formats import (
    alpaca,
    gemini,
    openai_chat,
    preference,
    prompt_completion,
    self_instruct,
    sharegpt,
    text,
)
from advisor.datasets.formats.classification import make_classification_normaliser
from advisor.datasets.formats.detect import choose_columns, record_format
from advisor.datasets.formats.fields import content_text
from advisor.datasets.formats.names import (
    ALPACA,
    CHAT,
    CLASSIFICATION_FORMAT,
    DPO,
    FORMATS,
    GEMINI,
    KTO,
    PREFERENCE_FORMATS,
    PROMPT_COMPLETION,
    RAW_TEXT,
    SELF_INSTRUCT,
    SHAREGPT,
)
from advisor.datasets.model import CLASSIFICATION, PREFERENCE, SFT, TEXT, Example

Normaliser = Callable[[dict[str, Any], int], list[Example]]


@dataclass(frozen=True)
class Format:
    """One format: its name, the kind of data it holds (which decides the checks that
    apply), and its normaliser (None for classification tables, whose normaliser is
    made per file once the text and label columns are known)."""

    name: str
    kind: str
    normalise: Normaliser | None


REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        Format(CHAT, SFT, openai_chat.normalise),
        Format(SHAREGPT, SFT, sharegpt.normalise),
        Format(ALPACA, SFT, alpaca.normalise),
        Format(SELF_INSTRUCT, SFT, self_instruct.normalise),
        Format(PROMPT_COMPLETION, SFT, prompt_completion.normalise),
        Format(RAW_TEXT, TEXT, text.normalise),
        Format(CLASSIFICATION_FORMAT, CLASSIFICATION, None),
        Format(DPO, PREFERENCE, preference.normalise),
        Format(KTO, PREFERENCE, preference.normalise),
        Format(GEMINI, SFT, gemini.normalise),
    )
}
assert tuple(REGISTRY) == FORMATS, "every name in names.FORMATS is registered, in order"

NORMALISERS: dict[str, Normaliser] = {
    f.name: f.normalise for f in REGISTRY.values() if f.normalise is not None
}


def kind_of(fmt: str) -> str:
    """Which kind of dataset a format holds (decides which checks apply)."""
    return REGISTRY[fmt].kind


__all__ = [
    "ALPACA",
    "CHAT",
    "CLASSIFICATION_FORMAT",
    "DPO",
    "FORMATS",
    "GEMINI",
    "KTO",
    "NORMALISERS",
    "PREFERENCE_FORMATS",
    "PROMPT_COMPLETION",
    "RAW_TEXT",
    "REGISTRY",
    "SELF_INSTRUCT",
    "SHAREGPT",
    "Format",
    "choose_columns",
    "content_text",
    "kind_of",
    "make_classification_normaliser",
    "record_format",
]
