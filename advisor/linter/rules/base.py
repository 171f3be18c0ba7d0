"""What every family module shares: the shape of a per-example hit and of a text check.

A per-example check appends hits ``(code, message, field)``: plain tuples, cheap to
send back from worker processes. Text checks run on every text of an example,
but only when their cheap ``hint`` matches the example's joined text: most
examples need none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from advisor.rulebook import Rule

Hit = tuple[str, str, str | None]  # (code, message, field)


def lines_shown(lines: list[int], first: int = 5) -> str:
    """ "1, 2, 3, 4, 5 and 195 more": where a file-level pattern occurs, briefly."""
    shown = ", ".join(str(line) for line in lines[:first])
    return shown + (f" and {len(lines) - first:,} more" if len(lines) > first else "")


@dataclass(frozen=True)
class TextCheck:
    """A check that looks at one text at a time, wherever it sits in the example.

    ``hint(joined)`` is a cheap test on all the example's texts joined: when it is
    false, ``check`` cannot fire on any of them and is skipped.
    """

    rules: tuple[Rule, ...]
    hint: Callable[[str], bool]
    check: Callable[[str, str, list[Hit]], None]  # (field name, text, hits)


def field_name(path: tuple[Any, ...]) -> str:
    """("messages", 2, "content") -> "messages[2].content"."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


class Sink(Protocol):
    """Where a file-level check reports (``advisor.linter.sink.FindingSink``)."""

    file: str

    def add(self, rule: Rule, line: int | None, message: str, **extra: Any) -> Any:
        """Record a finding when ``rule`` is selected; returns it (None otherwise)."""

    def drop(self, ordinal: int, *, leak: bool = False) -> None:
        """Let the safe fix remove the record with this ordinal (``leak``: an
        evaluation row that leaks from training)."""
