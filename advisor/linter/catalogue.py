"""The rule catalogue (rules/lint_rules.toml): severities, documentation, thresholds.

The catalogue is data so that `advisor rule CODE`, the SARIF output and the
report all show the same words. It is checked against the rule registry when it
loads: every declared rule is documented, nothing else is, and names and fixes
agree (see ``advisor.rulebook``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import RuleFileError, UsageError
from advisor.linter.rules import RULES
from advisor.resources import read_rule_file, rules_dir
from advisor.rulebook import CODE_PATTERN, FAMILIES, Rule


class RuleDoc(BaseModel):
    """One lint rule as documented: what / why (with source) / example / fixable."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str = Field(pattern=r"^[a-z0-9-]+$")
    severity: Literal["error", "warning", "info"]
    fix: Literal["safe", "none"]
    what: str = Field(min_length=10)
    why: str = Field(min_length=10)
    source: str = Field(min_length=5)
    example: str = Field(min_length=1)

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]

    @property
    def fixable(self) -> bool:
        return self.fix == "safe"


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommended_examples: int = Field(ge=1)
    min_examples_per_class: int = Field(ge=1)
    imbalance_fraction: float = Field(gt=0, lt=1)
    empty_markers: list[str]
    prompt_separators: list[str]
    convention_share: float = Field(gt=0.5, le=1)
    near_jaccard: float = Field(gt=0, le=1)
    near_bands: int = Field(ge=1, le=64)
    semantic_cosine: float = Field(gt=0, le=1)
    semantic_review_cosine: float = Field(gt=0, le=1)
    semantic_fast_cosine: float = Field(gt=0, le=1)


class Catalogue(BaseModel):
    rules: dict[str, RuleDoc]
    thresholds: Thresholds

    def get(self, code: str) -> RuleDoc:
        try:
            return self.rules[code.upper()]
        except KeyError:
            raise UsageError(f"Unknown rule {code!r}; `advisor rules` lists them all.") from None

    def by_name_or_code(self, key: str) -> RuleDoc:
        for rule in self.rules.values():
            if rule.name == key:
                return rule
        return self.get(key)


@lru_cache(maxsize=2)
def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue; errors name the file and the rule."""
    path = path or rules_dir() / "lint_rules.toml"
    data = read_rule_file(path, "the lint rule catalogue")
    try:
        thresholds = Thresholds.model_validate(data.pop("thresholds", {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleFileError(f"{path}: [thresholds] {first['loc']}: {first['msg']}") from exc
    rules: dict[str, RuleDoc] = {}
    for code, entry in data.items():
        if not CODE_PATTERN.match(code):
            raise RuleFileError(
                f"{path}: [{code}] is not a rule code (a family letter and 3 digits)."
            )
        try:
            rules[code] = RuleDoc.model_validate({"code": code, **entry})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RuleFileError(f"{path}: rule {code}: {where}: {first['msg']}") from exc
    check_against_registry(path, rules, RULES)
    return Catalogue(rules=rules, thresholds=thresholds)


def check_against_registry(path: Path, docs: dict[str, RuleDoc], registry: dict[str, Rule]) -> None:
    """The catalogue documents exactly the rules the code declares, with the same
    names and the same fixes: neither can drift from the other."""
    undocumented = sorted(set(registry) - set(docs))
    if undocumented:
        raise RuleFileError(
            f"{path}: no entry for rule(s) {', '.join(undocumented)}, which the code declares."
        )
    for code, doc in docs.items():
        declared = registry.get(code)
        if declared is None:
            raise RuleFileError(f"{path}: [{code}] is documented but no check declares it.")
        if doc.name != declared.name:
            raise RuleFileError(
                f"{path}: [{code}] is named {doc.name!r} here and {declared.name!r} in the code."
            )
        if doc.fixable != declared.fixable:
            state = "has a safe fix" if declared.fixable else "has no fix"
            raise RuleFileError(f"{path}: [{code}] says fix = {doc.fix!r}, but the rule {state}.")
