"""The rule catalogue (rules/lint_rules.toml): codes, severities, documentation.

The catalogue is data so that `advisor rule CODE`, the SARIF output and the
report all show the same words, and so that documentation cannot drift from the
code: a test checks that every code the checks emit has an entry and vice versa.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import RuleFileError, UsageError
from advisor.resources import read_rule_file, rules_dir

FAMILIES = {
    "F": "format",
    "T": "tokens and limits",
    "D": "duplicates and leakage",
    "Q": "content quality",
    "S": "size and balance",
    "P": "privacy and secrets",
}
_CODE = re.compile(r"^[FTDQSP]\d{3}$")


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
        if not _CODE.match(code):
            raise RuleFileError(
                f"{path}: [{code}] is not a rule code (a family letter and 3 digits)."
            )
        try:
            rules[code] = RuleDoc.model_validate({"code": code, **entry})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RuleFileError(f"{path}: rule {code}: {where}: {first['msg']}") from exc
    return Catalogue(rules=rules, thresholds=thresholds)
