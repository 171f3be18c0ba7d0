"""The lint rule registry: every rule code is an object, declared once, in its family.

A family module (``advisor/linter/rules/*.py``, and ``advisor/datasets/structure.py``
for the format family, which must look at raw records) declares each of its rules
with ``rule(...)`` next to the check that emits it. Checks emit the ``Rule``
object, never a bare code, so a mistyped code is a ``NameError`` when the module
loads rather than a finding nobody documented. ``rules/lint_rules.toml`` holds the
prose and thresholds (data people edit) and is checked against this registry
when it loads.

This module imports nothing from advisor: every layer may declare rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Family letter → name, in the order rules are listed everywhere.
FAMILIES = {
    "F": "format",
    "T": "tokens and limits",
    "D": "duplicates and leakage",
    "Q": "content quality",
    "S": "size and balance",
    "P": "privacy and secrets",
}
CODE_PATTERN = re.compile(rf"^[{''.join(FAMILIES)}]\d{{3}}$")

Scope = Literal["example", "file"]
# What a safe fix does: drop the example (the first occurrence stays), strip the
# surrounding whitespace of a field, empty a field that only says "no input", or
# rename a content part's key to OpenAI's (LLaMA-Factory's "value" to "text").
FixAction = Literal["drop", "strip", "empty", "rename"]
Need = Literal["keys", "tokens", "encoder", "near", "semantic"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint rule as code knows it.

    ``scope`` says where it is decided: ``"example"`` from one example alone (in
    the per-example analysis, which may run in worker processes), ``"file"`` only
    once the whole file has been read (duplicates, size, balance, conventions).
    """

    code: str
    name: str
    scope: Scope
    fix: FixAction | None = None
    # What the lint must compute for this rule, so the runner computes it only when
    # a selected rule needs it: "keys" (each example normalised and hashed for
    # duplicates), "tokens" (every text counted), "encoder" (the tokenizer loaded),
    # "near" (MinHash signatures), "semantic" (embeddings).
    needs: frozenset[Need] = frozenset()

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]

    @property
    def fixable(self) -> bool:
        return self.fix is not None


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    scope: Scope,
    fix: FixAction | None = None,
    needs: tuple[Need, ...] = (),
) -> Rule:
    """Declare a rule (once per code, at import of its family module)."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"{code!r} is not a rule code (a family letter and three digits)")
    declared = Rule(code, name, scope, fix, frozenset(needs))
    existing = _REGISTRY.get(code)
    if existing is not None and existing != declared:
        raise ValueError(f"rule {code} is declared twice: {existing} and {declared}")
    _REGISTRY[code] = declared
    return declared


def declared() -> dict[str, Rule]:
    """Every rule declared so far, by code (``advisor.linter.rules.RULES`` is the
    complete set: it imports every family module)."""
    return dict(_REGISTRY)
