"""What one lint produced, before it is printed: each file's result, and the run.

Kept apart from the runner (which produces them) so that the outputs, the fixes
and the workflows read results without the machinery that makes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from advisor.datasets import Dataset
from advisor.linter.facts import DatasetFacts, FindingModel, LintReport
from advisor.linter.findings import SEVERITY_RANK, Finding
from advisor.linter.rules.duplicates import DuplicateIndex
from advisor.linter.similar import SimilarIndex
from advisor.linter.sink import FixPlan
from advisor.version import __version__


@dataclass
class FileResult:
    findings: list[Finding]
    facts: DatasetFacts
    fix_plan: FixPlan
    index: DuplicateIndex
    dataset: Dataset
    similar_index: SimilarIndex | None = None


@dataclass
class LintRun:
    """Everything one lint invocation produced, before it is printed."""

    results: list[FileResult]
    eval_result: FileResult | None
    # Files a folder held that were not linted, with the reason (shown by `lint -v`).
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        found = [f for r in self.results for f in r.findings]
        if self.eval_result is not None:
            found.extend(self.eval_result.findings)
        return found

    def report(self) -> LintReport:
        findings = self.findings
        counts = Counter(f.severity for f in findings)
        return LintReport(
            advisor_version=__version__,
            # Built here from typed ``Finding``s, so not validated again: validation was
            # half a second of a 100,000-row lint with 72,000 near-duplicate findings.
            findings=[FindingModel.model_construct(**f.to_dict()) for f in findings],
            facts=self.results[0].facts if self.results else None,
            eval_facts=self.eval_result.facts if self.eval_result else None,
            files=[r.facts for r in self.results]
            + ([self.eval_result.facts] if self.eval_result else []),
            summary={
                "files": len(self.results) + (1 if self.eval_result else 0),
                "findings": len(findings),
                "errors": counts.get("error", 0),
                "warnings": counts.get("warning", 0),
                "info": counts.get("info", 0),
            },
        )

    def worst_at_or_above(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)
