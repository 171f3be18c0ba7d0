"""Every lint rule has a failing and a passing case (tests/rule_cases.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from advisor.linter.catalogue import load_catalogue
from advisor.linter.runner import LintOptions, run_lint

CASES_FILE = Path(__file__).with_name("rule_cases.toml")
CASES: list[dict[str, Any]] = tomllib.loads(CASES_FILE.read_text())["case"]
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


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    codes = set(load_catalogue().rules)
    failing = {c["code"] for c in CASES if c["expect"] == "fail"}
    passing = {c["code"] for c in CASES if c["expect"] == "pass"}
    assert codes - failing == set(), "rules without a failing case"
    assert codes - passing == set(), "rules without a passing case"
    assert (failing | passing) - codes == set(), "cases for rules not in the catalogue"
