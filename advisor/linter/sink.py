"""Where one file's findings go: the selection, the severities and the fix plan.

Every check — per example, file level, near and semantic — reports through a
``FindingSink``, so selection (``--select``/``--ignore``) and a provider
profile's escalations are applied in one place, and a check needs to know
nothing about the linter that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.linter.catalogue import Catalogue
from advisor.linter.findings import Finding, is_selected
from advisor.rulebook import Rule


@dataclass
class FixPlan:
    """What a safe fix would change: records to drop and fields to rewrite, keyed by
    the record's ordinal in the file (lines are ambiguous in one-line JSON arrays)."""

    drop: set[int] = field(default_factory=set)
    edits: dict[int, list[tuple[tuple[Any, ...], str]]] = field(default_factory=dict)
    # The part of ``drop`` that are evaluation rows leaking from training (D003), so
    # that ``--drop-leaks-from train`` can keep them.
    leaks: set[int] = field(default_factory=set)

    def edit(self, ordinal: int, path: tuple[Any, ...], action: str) -> None:
        self.edits.setdefault(ordinal, []).append((path, action))


class FindingSink:
    """Collects the findings of one file."""

    def __init__(
        self,
        file: str,
        catalogue: Catalogue,
        *,
        select: tuple[str, ...],
        ignore: tuple[str, ...],
        escalate: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.file = file
        self.catalogue = catalogue
        self.select = select
        self.ignore = ignore
        self.escalate = escalate
        self.findings: list[Finding] = []
        self.fix_plan = FixPlan()
        self._selected: dict[str, bool] = {}

    def selected(self, code: str) -> bool:
        known = self._selected.get(code)
        if known is None:
            known = is_selected(code, self.select, self.ignore)
            self._selected[code] = known
        return known

    def severity(self, code: str) -> str:
        if code in self.escalate:
            return "error"
        return self.catalogue.rules[code].severity

    def add(self, rule: Rule, line: int | None, message: str, **extra: Any) -> Finding | None:
        """Record a finding if ``rule`` is selected; returns it (None when not selected)."""
        return self.add_hit(rule.code, line, message, **extra)

    def add_hit(self, code: str, line: int | None, message: str, **extra: Any) -> Finding | None:
        """The same for a code that came back from the per-example analysis (always
        a declared rule's: hits and problems are built from ``Rule`` objects)."""
        if not self.selected(code):
            return None
        severity = self.severity(code)
        # A check may lower a rule's severity for one finding (D002 in generation
        # data is an info); a provider profile's escalation still wins.
        lowered = extra.pop("severity", None)
        if lowered is not None and code not in self.escalate:
            severity = lowered
        finding = Finding(
            code=code,
            severity=severity,
            file=self.file,
            line=line,
            message=message,
            fixable=self.catalogue.rules[code].fixable,
            **extra,
        )
        self.findings.append(finding)
        return finding

    def drop(self, ordinal: int, *, leak: bool = False) -> None:
        """Let the safe fix remove the record with this ordinal (``leak``: an
        evaluation row that leaks from training)."""
        self.fix_plan.drop.add(ordinal)
        if leak:
            self.fix_plan.leaks.add(ordinal)
