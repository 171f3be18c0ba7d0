"""The four strategies and how they are named to people (the one place for both)."""

from __future__ import annotations

from typing import Literal

STRATEGIES = ("prompting", "rag", "fine_tune", "rag_and_fine_tune")
Strategy = Literal["prompting", "rag", "fine_tune", "rag_and_fine_tune"]

# As written inside a sentence ("Recommendation: fine-tuning").
_NAMES = {
    "prompting": "prompting",
    "rag": "RAG",
    "fine_tune": "fine-tuning",
    "rag_and_fine_tune": "RAG + fine-tuning",
}


def display_name(strategy: str) -> str:
    """The strategy as written inside a sentence: "fine-tuning", "RAG"."""
    return _NAMES[strategy]


def title_name(strategy: str) -> str:
    """The strategy as a heading or label: "Fine-tuning", "RAG"."""
    name = _NAMES[strategy]
    return name[:1].upper() + name[1:]


DISPLAY_NAMES = {strategy: display_name(strategy) for strategy in STRATEGIES}
TITLE_NAMES = {strategy: title_name(strategy) for strategy in STRATEGIES}
