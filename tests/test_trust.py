"""Never pass silently, through the installed console script: a mistyped rule code is
an error with a suggestion, and the same data gives the same findings of a rule
whatever else is selected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_console_script

QUESTIONS = [
    "How do I reset the password of my online banking account from the mobile app?",
    "What are your opening hours on public holidays in the city centre branch?",
    "Can I order a replacement debit card online if mine was stolen yesterday?",
]


def chat(question: str, answer: str) -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]
        }
    )


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    path = tmp_path / "dirty.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "Hi"}]}\n{oops\n')
    return path


@pytest.mark.parametrize(
    ("flag", "value", "suggestion"),
    [("--select", "D3", "D003"), ("--ignore", "F00l", "F001"), ("--select", "X", "")],
)
def test_unknown_rule_pattern_is_an_error_not_a_clean_pass(
    dirty: Path, flag: str, value: str, suggestion: str
) -> None:
    result = run_console_script("lint", str(dirty), flag, value)
    assert result.returncode == 2, result.stdout
    assert "not a rule code or prefix" in result.stderr and "All checks passed" not in result.stdout
    assert suggestion in result.stderr


def test_unknown_pattern_in_pyproject_is_an_error(dirty: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nignore = ["Q06"]\n')
    result = run_console_script("lint", str(dirty), cwd=tmp_path)
    assert result.returncode == 2
    assert "[tool.advisor] ignore" in result.stderr and "Q006" in result.stderr


def test_a_rules_findings_do_not_depend_on_what_else_is_selected(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    valid = tmp_path / "valid.jsonl"
    train.write_text("".join(chat(q, f"Answer {i}.") + "\n" for i, q in enumerate(QUESTIONS)))
    # a near (not identical) copy of a training input leaks into the evaluation file
    valid.write_text(chat(QUESTIONS[0].replace("?", " ?"), "Open Settings.") + "\n")

    def leaks(*selection: str) -> list[tuple[int, str]]:
        args = ["lint", str(train), "--eval", str(valid), "--format", "json", *selection]
        report = json.loads(run_console_script(*args).stdout)
        return [(f["line"], f["kind"]) for f in report["findings"] if f["code"] == "D003"]

    everything = leaks()
    assert everything == [(1, "leak")]
    assert leaks("--select", "D003") == everything
    assert leaks("--ignore", "D004") == everything
    assert leaks("--no-near") == []  # the way to skip the near level's cost, said out loud


def test_a_folder_lints_its_datasets_and_says_what_it_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "banking"
    folder.mkdir()
    rows = "".join(f"how do I do thing {i}?,intent_{i % 2}\n" for i in range(60))
    (folder / "train.csv").write_text("text,label\n" + rows)
    (folder / "LICENSE.txt").write_text("Creative Commons Attribution 4.0\n")
    (folder / "README.md").write_text("# banking\n")
    (folder / "categories.json").write_text('["intent_0", "intent_1"]\n')
    result = run_console_script("lint", str(folder), "--format", "json")
    assert result.returncode == 0, result.stdout
    assert [f["file"] for f in json.loads(result.stdout)["files"]] == [str(folder / "train.csv")]
    assert "3 file(s)" in result.stderr and "-v" in result.stderr
    verbose = run_console_script("lint", str(folder), "-v", "-q")
    for name in ("LICENSE.txt", "README.md", "categories.json"):
        assert f"not linted: {folder / name}" in verbose.stderr
    only = run_console_script("lint", str(folder), "--include", "*.md", "--format", "json")
    assert [f["file"] for f in json.loads(only.stdout)["files"]] == [str(folder / "README.md")]
    empty = tmp_path / "docs"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello\n")
    nothing = run_console_script("lint", str(empty))
    assert nothing.returncode == 2 and "no dataset files" in nothing.stderr
