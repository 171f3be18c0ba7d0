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


# The two questions OpenAI's accuracy guide separates: what the model must know
# (context optimisation) and how it must act (model optimisation). Each axis has
# options; a strategy is one option of each (the quadrant).
AXES: dict[str, tuple[str, ...]] = {
    "context": ("none", "prompt", "retrieval"),
    "behaviour": ("prompting", "fine_tune"),
}
AXIS_QUESTIONS = {"context": "What the model must know", "behaviour": "How it must act"}
AXIS_OF_OPTION = {option: axis for axis, options in AXES.items() for option in options}
OPTION_NAMES = {
    "none": "no extra knowledge",
    "prompt": "knowledge in the prompt",
    "retrieval": "retrieval",
    "prompting": "prompting",
    "fine_tune": "fine-tuning",
}


def strategy_of(context: str, behaviour: str) -> str:
    """The quadrant: retrieval or not, times fine-tuning or not."""
    if context == "retrieval":
        return "rag_and_fine_tune" if behaviour == "fine_tune" else "rag"
    return "fine_tune" if behaviour == "fine_tune" else "prompting"


def options_of(strategy: str) -> tuple[tuple[str, ...], str]:
    """The context options and the behaviour option a strategy stands for."""
    context = ("retrieval",) if strategy in ("rag", "rag_and_fine_tune") else ("none", "prompt")
    behaviour = "fine_tune" if strategy in ("fine_tune", "rag_and_fine_tune") else "prompting"
    return context, behaviour


def option_name(option: str) -> str:
    """An axis option or a strategy, as written in a sentence."""
    return OPTION_NAMES.get(option) or display_name(option)
