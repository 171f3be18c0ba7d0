"""The one normalised shape every reader produces.

Every input format (OpenAI chat, ShareGPT, Alpaca, prompt/completion, raw text,
classification tables, preference data) becomes a list of ``Example`` objects
with role-tagged ``Message``s, so no check ever parses raw JSON again. These are
slotted dataclasses rather than pydantic models because a linter builds hundreds
of thousands of them; pydantic is used where data crosses a boundary (JSON out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.rulebook import Rule

# Kinds of dataset: what the examples are for, which decides which checks apply.
SFT = "sft"
PREFERENCE = "preference"
CLASSIFICATION = "classification"
TEXT = "text"


@dataclass(slots=True)
class Message:
    """One turn. ``content`` is the text (parts joined); tool calls are kept apart."""

    role: str
    content: str
    has_content: bool = True
    name: str | None = None
    tool_calls: list[Any] | None = None
    tool_call_id: str | None = None
    weight: Any = None


@dataclass(slots=True)
class Image:
    """An image part: where it is, its media type (from a data URL or the URL's file
    extension; None when unknown) and its decoded size in bytes (data URLs only)."""

    where: str
    media_type: str | None
    size: int | None


@dataclass(slots=True)
class Problem:
    """A defect a reader found while normalising a record (a finding without severity).

    Readers pass the ``Rule`` (``Problem(F005, line, message)``); the code is kept
    as a string so results stay cheap to pickle between worker processes.
    """

    code: str
    line: int | None
    message: str
    field: str | None = None
    # False for a problem that leaves the example usable (another tool's wrapping of
    # readable text, F026): it is reported, but the example still counts as valid.
    blocking: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.code, Rule):
            raise TypeError(f"Problem takes a declared Rule, not {self.code!r}")
        self.code = self.code.code


@dataclass(slots=True)
class Example:
    """One training example, whatever file format it came from."""

    line: int
    format: str
    kind: str
    # Identifies the raw record for safe fixes: its start line, except in a JSON
    # array, where several records can share a line and it is the 0-based index.
    ordinal: int = 0
    messages: list[Message] = field(default_factory=list)
    label: str | None = None
    tools: list[Any] | None = None
    record: Any = None
    # Index of the instance inside the record (Self-Instruct holds several per line).
    sub_index: int = 0
    # Preference data: the two candidate replies (or one plus a KTO label).
    chosen: list[Message] | None = None
    rejected: list[Message] | None = None
    problems: list[Problem] = field(default_factory=list)
    # Every free-text field of the raw record with its path, e.g.
    # (("messages", 2, "content"), "Hello "). Whitespace and convention checks read
    # these, and safe fixes rewrite exactly these paths.
    text_fields: list[tuple[tuple[Any, ...], str]] = field(default_factory=list)
    # Image parts, for the provider's image limits (T004).
    images: list[Image] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """An example is usable for training when its reader found no structural error."""
        return not any(problem.blocking for problem in self.problems)

    def prompt_messages(self) -> list[Message]:
        """Everything before the last assistant turn: what the model is given."""
        last = self.last_assistant_index()
        return self.messages if last is None else self.messages[:last]

    def last_assistant_index(self) -> int | None:
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].role == "assistant":
                return index
        return None

    def prompt_text(self) -> str:
        """The input side as one string (user turns, instruction + input, table text)."""
        return "\n".join(m.content for m in self.prompt_messages() if m.role != "system")

    def output_text(self) -> str:
        """The target side: the last assistant turn, or the label for classification."""
        if self.kind == CLASSIFICATION and self.label is not None:
            return self.label
        last = self.last_assistant_index()
        if last is None:
            return ""
        message = self.messages[last]
        if message.tool_calls:
            return message.content + repr(message.tool_calls)
        return message.content
