"""Findings: one defect at one place, with a stable rule code."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from advisor.errors import UsageError

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(slots=True)
class Finding:
    """A rule violation. ``line`` is 1-based in ``file``; None for file-level findings.

    Duplicate findings also name the example they repeat (``duplicate_of``), how
    similar they are (``similarity``, 1.0 for exact) and the ``kind`` of match.
    """

    code: str
    severity: str
    file: str
    line: int | None
    message: str
    field: str | None = None
    fixable: bool = False
    duplicate_of: dict[str, Any] | None = None
    similarity: float | None = None
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fixable": self.fixable,
        }
        if self.field is not None:
            data["field"] = self.field
        if self.duplicate_of is not None:
            data["duplicate_of"] = self.duplicate_of
            data["similarity"] = self.similarity
            data["kind"] = self.kind
        return data


def is_selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """A code is on when some select prefix matches it and no longer-or-equal ignore does.

    As in ruff, the more specific pattern wins (``ALL`` is the least specific):
    ``--select F --ignore F0`` drops F001-F009, ``--ignore F --select F001`` keeps
    F001, and on a tie the ignore wins.
    """
    best_select = max((_specificity(p) for p in select if _covers(p, code)), default=-1)
    if best_select < 0:
        return False
    best_ignore = max((_specificity(p) for p in ignore if _covers(p, code)), default=-1)
    return best_select > best_ignore


def _covers(pattern: str, code: str) -> bool:
    return pattern == "ALL" or code.startswith(pattern)


def _specificity(pattern: str) -> int:
    return 0 if pattern == "ALL" else len(pattern)


_LOOKALIKES = str.maketrans({"O": "0", "L": "1", "I": "1"})


def check_patterns(patterns: Iterable[str], where: str, codes: Iterable[str]) -> None:
    """Every select/ignore pattern must match some rule: a typo such as ``D3`` would
    otherwise switch every check off (or none) without a word."""
    known = sorted(codes)
    prefixes = sorted({code[:n] for code in known for n in (1, 2, 3)})
    for pattern in patterns:
        if pattern == "ALL" or any(code.startswith(pattern) for code in known):
            continue
        # Letters typed for digits (O for 0, l or I for 1) first, then close spellings.
        digits = pattern[:1] + pattern[1:].translate(_LOOKALIKES)
        close = [digits] if digits in known or digits in prefixes else []
        close += difflib.get_close_matches(pattern, known + prefixes, n=3, cutoff=0.5)
        close = list(dict.fromkeys(close))[:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UsageError(
            f"{where}: {pattern!r} is not a rule code or prefix{hint}; `advisor rules` "
            "lists them all."
        )
