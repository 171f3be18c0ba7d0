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


@dataclass(frozen=True)
class FileCounts:
    """What a whole-file check may read about the file when it finishes."""

    examples: int
    valid: int
    unique: int


class FileCheck:
    """A whole-file check as one unit, declared next to the rules it emits.

    ``payload`` runs on every valid example (possibly in a worker process) and
    returns plain, picklable data — a tuple, a number, a string — or None when the
    example has nothing to say; ``start`` makes the check's state for one file;
    ``fold`` takes each payload in file order; ``finish`` emits the findings. The
    runner calls these for every registered check with a selected rule, and knows
    nothing else about it. ``training_only``: an evaluation split is not checked.
    """

    rules: tuple[Rule, ...] = ()
    training_only: bool = True

    def payload(self, example: Any) -> Any:
        return None

    def start(self) -> Any:
        return []

    def fold(self, state: Any, line: int, payload: Any) -> None:
        if payload is not None:
            state.append((line, payload))

    def finish(self, state: Any, sink: Sink, counts: FileCounts) -> None:
        raise NotImplementedError
