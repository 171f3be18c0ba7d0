"""Every lint rule, one module per family, in catalogue order.

Importing this package declares every rule: ``RULES`` is the complete registry
(the format family lives with the readers, in ``advisor.datasets.structure``,
because only they see raw records). ``TEXT_CHECKS`` are the per-text checks the
per-example analysis runs; ``FILE_CHECKS`` the whole-file checks the runner
folds over every file.
"""

from __future__ import annotations

from advisor.datasets import structure as format_rules
from advisor.linter.rules import content, duplicates, privacy, size, tokens
from advisor.rulebook import FAMILIES, Rule, declared

FAMILY_MODULES = {
    "F": format_rules,
    "T": tokens,
    "D": duplicates,
    "Q": content,
    "S": size,
    "P": privacy,
}
assert tuple(FAMILY_MODULES) == tuple(FAMILIES)

RULES: dict[str, Rule] = {
    code: declared_rule
    for code, declared_rule in sorted(
        declared().items(), key=lambda item: (list(FAMILIES).index(item[0][0]), item[0])
    )
}
TEXT_CHECKS = (*tokens.TEXT_CHECKS, *content.TEXT_CHECKS, *privacy.TEXT_CHECKS)
# Whole-file checks: the runner folds each over the file and finishes it.
FILE_CHECKS = (*content.FILE_CHECKS,)
