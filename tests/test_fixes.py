"""--fix writes a cleaned copy with safe fixes only and never touches its input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.errors import UsageError
from advisor.linter.fixes import write_fixed
from advisor.linter.runner import run_lint
from advisor.linter.settings import LintOptions


def fix(source: Path, output: Path) -> list[str]:
    run = run_lint([source], LintOptions())
    write_fixed(run.results[0], output)
    return output.read_text().splitlines()


def test_jsonl_fix_drops_duplicates_strips_and_keeps_broken_lines(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    rows = [
        '{"prompt": "Hi", "completion": "Hello"}',
        '{"prompt": "Hi", "completion": "Hello"}',
        "{broken",
        '{"prompt": " padded ", "completion": "ok\\n"}',
    ]
    source.write_text("\n".join(rows) + "\n")
    before = source.read_bytes()
    out = fix(source, tmp_path / "clean.jsonl")
    assert source.read_bytes() == before
    assert out[0] == rows[0]
    assert out[1] == "{broken"
    assert json.loads(out[2]) == {"prompt": "padded", "completion": "ok"}
    assert len(out) == 3


def test_json_array_fix_replaces_empty_input_markers(tmp_path: Path) -> None:
    source = tmp_path / "train.json"
    records = [
        {"instruction": "Name a colour.", "input": "<noinput>", "output": "Blue"},
        {"instruction": "Name a colour.", "input": "<noinput>", "output": "Blue"},
        {"instruction": "Name a fruit.", "input": "", "output": "Apple "},
    ]
    source.write_text(json.dumps(records))
    output = tmp_path / "clean.json"
    fix(source, output)
    cleaned = json.loads(output.read_text())
    assert cleaned == [
        {"instruction": "Name a colour.", "input": "", "output": "Blue"},
        {"instruction": "Name a fruit.", "input": "", "output": "Apple"},
    ]


def test_table_fix_keeps_the_delimiter(tmp_path: Path) -> None:
    source = tmp_path / "data.tsv"
    source.write_text("text\tlabel\nhello \tgreet\nhello\tgreet\nbye\tleave\n")
    out = fix(source, tmp_path / "clean.tsv")
    assert out == ["text\tlabel", "hello\tgreet", "bye\tleave"]


def test_fix_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    source.write_text('{"prompt": "Hi", "completion": "Hello "}\n')
    run = run_lint([source], LintOptions())
    with pytest.raises(UsageError):
        write_fixed(run.results[0], source)
    assert source.read_text() == '{"prompt": "Hi", "completion": "Hello "}\n'


def test_fix_refuses_unparseable_json_arrays(tmp_path: Path) -> None:
    source = tmp_path / "train.json"
    source.write_text('[{"instruction": "a", "input": "", "output": b}]')
    run = run_lint([source], LintOptions())
    with pytest.raises(UsageError, match="F001"):
        write_fixed(run.results[0], tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


def test_fixed_file_lints_without_the_fixed_findings(real_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "wwdc.jsonl"
    run = run_lint([real_data / "mlx-examples/wwdc25__train.jsonl"], LintOptions())
    write_fixed(run.results[0], output)
    near = sum(1 for f in run.findings if f.code == "D004")
    again = run_lint([output], LintOptions())
    assert [f for f in again.findings if f.code in ("D001", "D004", "Q006")] == []
    assert near > 0
    assert again.results[0].facts.examples == 1800 - 477 - near  # 477 exact, case included
