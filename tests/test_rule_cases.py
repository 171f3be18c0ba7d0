"""Every lint rule has a failing and a passing case, one file per family
(tests/rules/<family>.toml, sqlfluff-style), run by one driver.

A case: ``code``, ``expect`` ("fail": at least one finding of that code, on
``line`` when given; "pass": none), ``data`` (the file's content) or
``template`` + ``count`` (generated rows with {i}, {label}, {long}), and
optionally ``suffix``, ``eval`` (an evaluation file; ``fixes = "eval"`` when the
fix writes the evaluation copy), ``select`` (default: the
code), ``options``
(LintOptions fields), ``severity``, ``encoding``, ``bytes_at_line``. A failing
case of a rule with a safe fix also gives ``fixed``: what ``--fix`` writes, after
which the rule no longer fires.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from advisor.linter.fixes import write_fixed
from advisor.linter.rules import RULES
from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions
from advisor.rulebook import FAMILIES

CASES_DIR = Path(__file__).with_name("rules")
FAMILY_FILES = sorted(CASES_DIR.glob("*.toml"))
CASES: list[dict[str, Any]] = [
    {**case, "family_file": path.name}
    for path in FAMILY_FILES
    for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]
]
LONG_TEXT = "Eat a banana! " * 1600


def build(case: dict[str, Any]) -> str:
    """The file content a case describes: generated rows, then literal data."""
    rows: list[str] = []
    if "header" in case:
        rows.append(case["header"])
    template = case.get("template")
    if template is not None:
        labels: list[str] = []
        for label, count in case.get("label_counts", {}).items():
            labels.extend([label] * count)
        count = case.get("count", len(labels))
        for i in range(count):
            row = template.replace("{i}", str(i)).replace("{long}", LONG_TEXT)
            rows.append(row.replace("{label}", labels[i] if labels else ""))
    data = case.get("data", "")
    text = "\n".join(rows) + ("\n" if rows else "") + data.lstrip("\n")
    return text


def write(path: Path, text: str, case: dict[str, Any]) -> None:
    payload = text.encode(case.get("encoding", "utf-8"))
    if "bytes_at_line" in case:
        lines = payload.split(b"\n")
        index = case["bytes_at_line"] - 1
        lines[index] = lines[index].replace(b'"c"', b'"\xff\xfe"')
        payload = b"\n".join(lines)
    path.write_bytes(payload)


def case_id(case: dict[str, Any]) -> str:
    slug = re.sub(r"\W+", "-", case.get("name", "")).strip("-")
    return f"{case['code']}-{case['expect']}" + (f"-{slug}" if slug else "")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule_case(case: dict[str, Any], tmp_path: Path) -> None:
    data_file = tmp_path / f"data{case.get('suffix', '.jsonl')}"
    write(data_file, build(case), case)
    eval_file = None
    if "eval" in case:
        eval_file = tmp_path / "eval.jsonl"
        eval_file.write_text(case["eval"].lstrip("\n"))
    select = tuple(case.get("select", [case["code"]]))
    options = LintOptions(select=select, **case.get("options", {}))
    run = run_lint([data_file], options, eval_path=eval_file)
    found = [f for f in run.findings if f.code == case["code"]]
    if case["expect"] == "pass":
        assert found == [], [f.message for f in found]
        return
    assert found, f"{case['code']} did not fire"
    if "line" in case:
        assert case["line"] in [f.line for f in found], [(f.line, f.message) for f in found]
    if "severity" in case:
        assert {f.severity for f in found} == {case["severity"]}
    for finding in found:
        assert finding.message.strip()
    rule = RULES[case["code"]]
    if rule.fixable:
        assert "fixed" in case, f"{case['code']} has a safe fix: give the fixed output"
        fixed_file = tmp_path / f"fixed{case.get('suffix', '.jsonl')}"
        if case.get("fixes") == "eval":  # D003: --fix-eval writes the evaluation copy
            assert run.eval_result is not None
            write_fixed(run.eval_result, fixed_file)
            assert fixed_file.read_text(encoding="utf-8") == case["fixed"].lstrip("\n")
            again = run_lint([data_file], options, eval_path=fixed_file)
        else:
            write_fixed(run.results[0], fixed_file)
            assert fixed_file.read_text(encoding="utf-8") == case["fixed"].lstrip("\n")
            again = run_lint([fixed_file], options, eval_path=eval_file)
        assert [f for f in again.findings if f.code == case["code"]] == []
    else:
        assert "fixed" not in case, f"{case['code']} has no fix"


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    codes = set(RULES)
    failing = {c["code"] for c in CASES if c["expect"] == "fail"}
    passing = {c["code"] for c in CASES if c["expect"] == "pass"}
    assert codes - failing == set(), "rules without a failing case"
    assert codes - passing == set(), "rules without a passing case"
    assert (failing | passing) - codes == set(), "cases for rules not in the catalogue"


def test_each_case_sits_in_its_family_file() -> None:
    assert [path.stem for path in FAMILY_FILES] == sorted(FAMILIES)
    for case in CASES:
        assert case["family_file"] == f"{case['code'][0]}.toml", case_id(case)
