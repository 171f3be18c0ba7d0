"""The rule registry: one declaration per code, in its family module, matching the
catalogue; checks emit Rule objects, never bare codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from advisor.datasets.model import Problem
from advisor.errors import RuleFileError
from advisor.linter.catalogue import check_against_registry, load_catalogue
from advisor.linter.rules import FAMILY_MODULES, RULES
from advisor.rulebook import FAMILIES, Rule, rule

PACKAGE = Path(__file__).resolve().parent.parent / "advisor"
CODE = re.compile(r"^[FTDQSP]\d{3}$")


def test_registry_and_catalogue_hold_the_same_rules() -> None:
    catalogue = load_catalogue()
    assert list(catalogue.rules) == list(RULES)  # catalogue order is family order
    for code, declared in RULES.items():
        doc = catalogue.rules[code]
        assert (doc.name, doc.fixable) == (declared.name, declared.fixable)


def test_each_rule_is_declared_in_its_family_module() -> None:
    for letter, module in FAMILY_MODULES.items():
        declared = [value for value in vars(module).values() if isinstance(value, Rule)]
        assert declared, f"family {letter} declares no rule"
        assert {r.code[0] for r in declared} == {letter}, module.__name__
        for value in declared:
            assert getattr(module, value.code) is value  # bound to its own code
    assert set(FAMILY_MODULES) == set(FAMILIES)


def test_no_module_writes_a_rule_code_as_a_string_except_its_declaration() -> None:
    """A check emits ``D001``, the Rule object; a bare "D001" could be a typo."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declarations = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "rule"
            and node.args
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.match(node.value)
                and id(node) not in declarations
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_a_problem_takes_a_declared_rule_not_a_string() -> None:
    assert Problem(RULES["F005"], 3, "Unknown key.").code == "F005"
    with pytest.raises(TypeError):
        Problem("F005", 3, "Unknown key.")  # type: ignore[arg-type]


def test_a_code_cannot_be_declared_twice_differently() -> None:
    assert rule("F001", "invalid-json", scope="example") is not None  # same: fine
    with pytest.raises(ValueError, match="declared twice"):
        rule("F001", "another-name", scope="example")
    with pytest.raises(ValueError, match="not a rule code"):
        rule("X001", "unknown-family", scope="file")


def test_catalogue_out_of_step_with_the_code_is_refused() -> None:
    catalogue = load_catalogue()
    docs = dict(catalogue.rules)
    missing = {code: doc for code, doc in docs.items() if code != "Q003"}
    with pytest.raises(RuleFileError, match="no entry for rule"):
        check_against_registry(Path("lint_rules.toml"), missing, RULES)
    renamed = {**docs, "Q003": docs["Q003"].model_copy(update={"name": "input-marker"})}
    with pytest.raises(RuleFileError, match="named 'input-marker' here"):
        check_against_registry(Path("lint_rules.toml"), renamed, RULES)
    unfixable = {**docs, "Q003": docs["Q003"].model_copy(update={"fix": "none"})}
    with pytest.raises(RuleFileError, match="has a safe fix"):
        check_against_registry(Path("lint_rules.toml"), unfixable, RULES)
    extra = {**docs, "Q099": docs["Q003"].model_copy(update={"code": "Q099"})}
    with pytest.raises(RuleFileError, match="no check declares it"):
        check_against_registry(Path("lint_rules.toml"), extra, RULES)
